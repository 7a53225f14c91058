"""KMS key policies addressed without a PolicyName (gap d), and key state calls by key ARN.

The gap: in AWS, ``PolicyName`` is optional for GetKeyPolicy and PutKeyPolicy and defaults to
``default`` (the only policy name a KMS key has). moto 5.2.5 compares the missing name with
``default`` and answers 400 ``NotFoundException: No such policy exists``. The Rust SDK (and
botocore) leave the member out unless the caller sets it.

Closed here: ``moto.kms.responses._assert_default_policy`` accepts a missing name, and
GetKeyPolicy answers ``PolicyName: "default"`` next to ``Policy`` as AWS does. ListKeyPolicies
already works in moto (``PolicyNames: ["default"]``, ``Truncated: false``; 400 NotFoundException
for an unknown key) and is left alone.

Also: DisableKey, EnableKey, ScheduleKeyDeletion and CancelKeyDeletion accept the key ARN as
AWS does (moto 5.2.5 indexes its key table with the raw KeyId and answers 500 for an ARN).

Not closed: a name other than ``default`` still gets moto's NotFoundException (AWS answers the
same code); PutKeyPolicy does not validate the policy document (AWS answers
MalformedPolicyDocumentException for bad JSON) and ignores BypassPolicyLockoutSafetyCheck;
ListKeyPolicies ignores Limit and Marker.
"""

from __future__ import annotations

import json

from moto.kms import responses as kms_responses
from moto.kms.exceptions import NotFoundException
from moto.kms.models import KmsBackend

from ._patching import Func, wrap

_TAG = "kms_default_policy"
DEFAULT_POLICY_NAME = "default"


def install() -> None:
    """Patch moto's KMS responses (idempotent)."""
    wrap(kms_responses, "_assert_default_policy", _TAG, lambda _original: _assert_default_policy)
    wrap(kms_responses.KmsResponse, "get_key_policy", _TAG, _with_policy_name)
    for name in ("disable_key", "enable_key", "schedule_key_deletion", "cancel_key_deletion"):
        wrap(KmsBackend, name, _TAG, _by_key_arn)


def _assert_default_policy(policy_name: str | None) -> None:
    if policy_name not in (None, DEFAULT_POLICY_NAME):
        raise NotFoundException("No such policy exists")


def _with_policy_name(original: Func) -> Func:
    def get_key_policy(self: kms_responses.KmsResponse) -> str:
        body = json.loads(original(self))
        body["PolicyName"] = DEFAULT_POLICY_NAME
        return json.dumps(body)

    return get_key_policy


def _by_key_arn(original: Func) -> Func:
    def by_key_id(self: KmsBackend, key_id: str, *args: object, **kwargs: object) -> object:
        return original(self, KmsBackend.get_key_id(key_id), *args, **kwargs)

    return by_key_id
