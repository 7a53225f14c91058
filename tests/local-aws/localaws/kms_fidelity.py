"""KMS key ids, key metadata and alias names, as AWS answered them (LocalStack's AWS-validated
``TestKMS`` recordings, tests/aws/services/kms/test_kms.snapshot.json at
github.com/localstack/localstack@8b9a79f05846, judged by tests/conformance/cases/kms.py).

* A key id that is neither a UUID nor ``mrk-`` and 32 hex digits answers 400
  ``NotFoundException`` "Invalid keyId '<id>'" -- quoted (``test_get_key_invalid_uuid``,
  recorded 07-11-2023; moto wrote it unquoted). A well-formed ``mrk-`` id of no key answers
  "Key '<ARN>' does not exist" (``test_get_key_does_not_exist``, 08-09-2025; moto only knew
  ``mrk-`` followed by a dashed UUID and answered "Invalid keyId").
* A key ARN of another region answers 400 ``NotFoundException`` "Invalid arn <that region>"
  (``test_get_key_in_different_region``, 10-11-2025; moto: "Key '...' does not exist").
* Key metadata (CreateKey, DescribeKey; ``test_create_key``,
  ``test_non_multi_region_keys_should_not_have_multi_region_properties``,
  ``test_describe_with_alias_arn``): ``KeyUsage`` defaults to ``ENCRYPT_DECRYPT`` and
  ``MultiRegion`` to ``false`` when the request leaves them out (moto dropped both), an empty
  ``SigningAlgorithms`` is left out, and a key with key material carries
  ``CurrentKeyMaterialId`` (a 64-hex-digit id, stable per key).
* CreateAlias with a name lacking ``alias/`` answers 400 ``ValidationException`` 'Alias must
  start with the prefix "alias/". Please see
  https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html' (``test_create_alias``,
  13-04-2023; moto: "Invalid identifier").

Not closed: other operations' id checks go through the same validation, but alias ARNs of
another region are not checked.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from moto.kms import responses as kms_responses
from moto.kms.exceptions import NotFoundException, ValidationException
from moto.kms.models import Key, KmsBackend

from ._patching import Func, wrap

_TAG = "kms_fidelity"
_KEY_ID = re.compile(
    r"(mrk-[0-9a-f]{32}|mrk-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    re.I,
)
ALIAS_PREFIX_MESSAGE = (
    'Alias must start with the prefix "alias/". Please see '
    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
)


def install() -> None:
    """Patch moto's KMS responses and key model (idempotent)."""
    wrap(kms_responses.KmsResponse, "_validate_cmk_id", _TAG, lambda _original: _validate_cmk_id)
    wrap(kms_responses.KmsResponse, "_set_alias", _TAG, _alias_prefix_checked)
    wrap(Key, "to_dict", _TAG, _aws_metadata)


def _validate_cmk_id(self: kms_responses.KmsResponse, key_id: str) -> None:
    """Whether ``key_id`` (a key id or key ARN) names a key of this region, with AWS's errors."""
    if key_id.startswith("arn:"):
        parts = key_id.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("key/"):
            raise NotFoundException(f"Invalid arn {key_id}")
        if parts[3] != self.region:
            raise NotFoundException(f"Invalid arn {parts[3]}")
    elif not _KEY_ID.fullmatch(key_id):
        raise NotFoundException(f"Invalid keyId '{key_id}'")
    if KmsBackend.get_key_id(key_id) not in self.kms_backend.keys:
        raise NotFoundException(f"Key '{self._display_arn(key_id)}' does not exist")


def _alias_prefix_checked(original: Func) -> Func:
    def set_alias(self: kms_responses.KmsResponse, *args: Any, **kwargs: Any) -> Any:
        alias_name = self._get_param("AliasName") or ""
        if not alias_name.startswith("alias/"):
            raise ValidationException(ALIAS_PREFIX_MESSAGE)
        return original(self, *args, **kwargs)

    return set_alias


def _aws_metadata(original: Func) -> Func:
    def to_dict(self: Key) -> dict[str, Any]:
        out = original(self)
        metadata = out["KeyMetadata"]
        if metadata.get("KeyUsage") is None:
            metadata["KeyUsage"] = "ENCRYPT_DECRYPT"
        if metadata.get("MultiRegion") is None:
            metadata["MultiRegion"] = False
        if not metadata.get("SigningAlgorithms"):
            metadata.pop("SigningAlgorithms", None)
        if metadata.get("Origin", "AWS_KMS") == "AWS_KMS":
            metadata["CurrentKeyMaterialId"] = hashlib.sha256(f"{self.arn}#material".encode()).hexdigest()
        return out

    return to_dict
