"""The KMS key that S3 uses for an SSE-KMS request, found the way S3 finds it.

Shared by ``s3_fidelity`` (gap c) and ``replication`` (gap e). ``resolve`` accepts every form S3
accepts (key id, key ARN, ``alias/name``, alias ARN, or nothing for the AWS managed ``aws/s3``
key) and returns moto's ``Key``, or raises ``KmsKeyError`` with the error S3 answers:

* no such key / alias, or a malformed id: 400 ``KMS.NotFoundException`` (``Invalid keyId 'x'``,
  ``Key '<arn>' does not exist``: LocalStack's AWS-validated recording ``TestS3::
  test_s3_sse_validate_kms_key``, test_s3.snapshot.json, recorded 21-02-2026)
* a key ARN of another region than the bucket: 400 ``KMS.NotFoundException`` ``Invalid arn
  <the ARN's region>`` (same recording, ``put-obj-different-region-kms-key``): S3 uses KMS in
  the bucket's region only; a bare key id is looked up there too (``...-no-arn``: ``Key
  'arn:...:<bucket region>:...' does not exist``)
* a disabled key: 400 ``KMS.DisabledException``
* a key pending deletion (or any other unusable state): 400 ``KMS.KMSInvalidStateException``

A key id or alias name is looked up in the requester's account and the bucket's region, an ARN
in the account it names (same region only). Key usage and key spec are not checked (S3 rejects asymmetric keys), and
neither is a cross-account key's policy.
"""

from __future__ import annotations

import json
import re

from moto.kms.models import Key, KmsBackend, kms_backends
from moto.s3.exceptions import S3ClientError

KMS_ALGORITHMS = frozenset({"aws:kms", "aws:kms:dsse"})
AWS_S3_ALIAS = "alias/aws/s3"
_AWS_S3_DESCRIPTION = "Default key that protects my S3 objects when no other key is defined"
_KEY_ID = re.compile(
    r"(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})", re.I
)


class KmsKeyError(S3ClientError):
    """An SSE-KMS key S3 cannot use; ``missing`` tells a missing key from an unusable one."""

    def __init__(self, code: str, message: str, *, missing: bool):
        super().__init__(code, message)
        self.missing = missing


def resolve(key_id: str | None, requester_account: str, region: str) -> Key:
    """The usable key named by ``key_id`` (``None``: the ``aws/s3`` key of the requester)."""
    account, key_region, resource = _locate(key_id or AWS_S3_ALIAS, requester_account, region)
    if key_region != region:
        raise _not_found(f"Invalid arn {key_region}")
    backend = _backend(account, region, key_id)
    if resource == AWS_S3_ALIAS:
        key = aws_managed_s3_key(account, region)
    elif resource.startswith("alias/"):
        key = _by_alias(backend, resource, account, region)
    else:
        key = _by_id(backend, resource.removeprefix("key/"), key_id or "")
    _check_usable(key)
    return key


def aws_managed_s3_key(account: str, region: str) -> Key:
    """The account's ``aws/s3`` key, created (with its alias) on first use as AWS does."""
    backend = kms_backends[account][region]
    key = backend.keys[backend.get_key_id_from_alias(AWS_S3_ALIAS)]  # moto creates it if missing
    if key.key_manager != "AWS":
        key.key_manager = "AWS"
        key.description = _AWS_S3_DESCRIPTION
        key.policy = _aws_s3_key_policy(key)
    return key


def _locate(key_id: str, account: str, region: str) -> tuple[str, str, str]:
    if not key_id.startswith("arn:"):
        return account, region, key_id
    parts = key_id.split(":", 5)
    if len(parts) != 6 or parts[2] != "kms":
        raise _not_found(f"Invalid arn {key_id}")
    return parts[4], parts[3], parts[5]


def _backend(account: str, region: str, key_id: str | None) -> KmsBackend:
    try:
        return kms_backends[account][region]
    except KeyError:  # an ARN naming a region or account moto does not know
        raise _not_found(f"Invalid arn {key_id}") from None


def _by_alias(backend: KmsBackend, alias: str, account: str, region: str) -> Key:
    for key in backend.keys.values():
        if alias in key.aliases:
            return key
    raise _not_found(f"Alias arn:aws:kms:{region}:{account}:{alias} is not found.")


def _by_id(backend: KmsBackend, raw_id: str, given: str) -> Key:
    if not _KEY_ID.fullmatch(raw_id):
        raise _not_found(f"Invalid keyId '{given}'")
    key = backend.keys.get(raw_id)
    if key is None:
        arn = f"arn:aws:kms:{backend.region_name}:{backend.account_id}:key/{raw_id}"
        raise _not_found(f"Key '{arn}' does not exist")
    return key


def _check_usable(key: Key) -> None:
    if key.key_state == "Enabled":
        return
    if key.key_state == "Disabled":
        raise KmsKeyError("KMS.DisabledException", f"{key.arn} is disabled.", missing=False)
    state = "pending deletion" if key.key_state == "PendingDeletion" else key.key_state
    raise KmsKeyError("KMS.KMSInvalidStateException", f"{key.arn} is {state}.", missing=False)


def _not_found(message: str) -> KmsKeyError:
    return KmsKeyError("KMS.NotFoundException", message, missing=True)


def _aws_s3_key_policy(key: Key) -> str:
    """The key policy AWS gives an account's ``aws/s3`` key."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "auto-s3-2",
            "Statement": [
                {
                    "Sid": "Allow access through S3 for all principals in the account that are "
                    "authorized to use S3",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {
                            "kms:CallerAccount": key.account_id,
                            "kms:ViaService": f"s3.{key.region}.amazonaws.com",
                        }
                    },
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{key.account_id}:root"},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                    "Resource": "*",
                },
            ],
        }
    )


def check_usable_arn(key_arn: str) -> None:
    """Raise the error S3 answers when reading an object encrypted under ``key_arn`` (disabled:
    ``KMS.DisabledException``, pending deletion: ``KMS.KMSInvalidStateException``). A key moto
    does not know is left alone."""
    parts = key_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("key/"):
        return
    try:
        key = kms_backends[parts[4]][parts[3]].keys.get(parts[5].removeprefix("key/"))
    except KeyError:
        return
    if key is not None:
        _check_usable(key)
