"""Deleted IAM principals in resource policies, as AWS shows them and refuses them.

The gap: moto 5.2.5 keeps a bucket or key policy exactly as written, whatever happens to the
principals it names, and accepts any principal on write. In AWS, "if an IAM identity is deleted
after you update your bucket policy, the bucket policy will show a unique identifier in the
principal element instead of an ARN" (S3 User Guide, "Principals"; IAM User Guide, "IAM
identifiers", unique IDs such as ``AROA...``), and writing such a policy back fails: S3 answers
400 ``MalformedPolicy`` "Invalid principal in policy", KMS ``MalformedPolicyDocumentException``
"Policy contains a statement with one or more invalid principals." A tool that rewrites a policy
holding another team's stale statement can therefore never succeed, however long it retries.

Closed here: IAM's DeleteRole remembers the role's ARN and unique ID; GetBucketPolicy and
GetKeyPolicy then show that ARN as the ID, as AWS does; PutBucketPolicy and PutKeyPolicy refuse
a policy whose ``AWS`` principal is neither ``*``, a 12-digit account ID nor an ARN (a unique
ID), with AWS's error, writing nothing. Not closed: ARNs of principals that never existed are
accepted (AWS refuses those too), and deleted users are not tracked.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.iam.models import IAMBackend
from moto.kms.models import KmsBackend
from moto.s3.exceptions import S3ClientError
from moto.s3.models import S3Backend

from ._patching import Func, wrap

_TAG = "deleted_principals"
_ACCOUNT = re.compile(r"^\d{12}$")
_lock = threading.Lock()
_deleted: dict[str, str] = {}  # role ARN -> its unique ID


def install() -> None:
    """Patch moto's IAM, S3 and KMS backends (idempotent)."""
    wrap(IAMBackend, "delete_role", _TAG, _remembering_deleted_roles)
    wrap(S3Backend, "get_bucket_policy", _TAG, _showing_ids)
    wrap(KmsBackend, "get_key_policy", _TAG, _showing_ids)
    wrap(S3Backend, "put_bucket_policy", _TAG, _refusing_ids(_s3_error))
    wrap(KmsBackend, "put_key_policy", _TAG, _refusing_ids(_kms_error))


def _s3_error() -> Exception:
    return S3ClientError("MalformedPolicy", "Invalid principal in policy")


def _kms_error() -> Exception:
    error = JsonRESTError(
        "MalformedPolicyDocumentException",
        "Policy contains a statement with one or more invalid principals.",
    )
    error.code = 400
    return error


def _remembering_deleted_roles(original: Func) -> Func:
    def delete_role(self: IAMBackend, role_name: str, *args: Any, **kw: Any) -> Any:
        role = self.get_role(role_name)
        result = original(self, role_name, *args, **kw)
        with _lock:
            _deleted[role.arn] = role.id
        return result

    return delete_role


def _as_text(policy: Any) -> str | None:
    if policy is None:
        return None
    return policy.decode() if isinstance(policy, bytes) else str(policy)


def _showing_ids(original: Func) -> Func:
    def get_policy(self: Any, *args: Any, **kw: Any) -> Any:
        policy = original(self, *args, **kw)
        text = _as_text(policy)
        if not text:
            return policy
        with _lock:
            deleted = dict(_deleted)
        for arn, unique_id in deleted.items():
            text = text.replace(json.dumps(arn), json.dumps(unique_id))
        return text.encode() if isinstance(policy, bytes) else text

    return get_policy


def invalid_principals(text: str) -> list[str]:
    """The ``AWS`` principals of a policy document that are not ``*``, an account or an ARN."""
    try:
        statements = json.loads(text).get("Statement", [])
    except (ValueError, AttributeError):
        return []
    if isinstance(statements, dict):
        statements = [statements]
    found = []
    for statement in statements:
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element) if isinstance(statement, dict) else None
            if not isinstance(principal, dict):
                continue
            values = principal.get("AWS", [])
            for value in values if isinstance(values, list) else [values]:
                if value != "*" and not _ACCOUNT.match(str(value)) and not str(value).startswith("arn:"):
                    found.append(str(value))
    return found


def _refusing_ids(error: Any) -> Any:
    def wrapper(original: Func) -> Func:
        def put_policy(self: Any, name: str, policy: Any, *args: Any, **kw: Any) -> Any:
            if invalid_principals(_as_text(policy) or ""):
                raise error()
            return original(self, name, policy, *args, **kw)

        return put_policy

    return wrapper
