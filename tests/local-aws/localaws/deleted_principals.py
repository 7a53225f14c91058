"""Deleted IAM principals in resource policies, as AWS shows them and refuses them.

The gap: moto 5.2.5 keeps a bucket or key policy exactly as written, whatever happens to the
principals it names, and accepts any principal on write. In AWS, "if an IAM identity is deleted
after you update your bucket policy, the bucket policy will show a unique identifier in the
principal element instead of an ARN" (S3 User Guide, "Principals"; IAM User Guide, "IAM
identifiers", unique IDs such as ``AROA...``), and writing such a policy back fails: S3 answers
400 ``MalformedPolicy`` "Invalid principal in policy", KMS ``MalformedPolicyDocumentException``
"Policy contains a statement with one or more invalid principals." A tool that rewrites a policy
holding another team's stale statement can therefore never succeed, however long it retries.

Only the *principal element* is affected. The IAM User Guide ("IAM identifiers", unique IDs)
explains why: a policy's principal is stored as the role's unique ID, so "if you delete a role
and create a new role with the same name, the new role has a different unique ID" and the old
statement does not apply to it -- the policy keeps showing the old, now dangling, ID. A
condition value such as ``aws:PrincipalArn`` is a plain string compared at request time (IAM
User Guide, "AWS global condition context keys"), so it stays as written and keeps matching a
re-created role of the same name.

Closed here:

* when a bucket policy (PutBucketPolicy), key policy (PutKeyPolicy, CreateKey with Policy) is
  written, every role ARN in a ``Principal`` / ``NotPrincipal`` ``AWS`` value that names an
  existing role is bound to that role's unique ID;
* GetBucketPolicy and GetKeyPolicy show a bound ARN as its unique ID once that role is deleted
  -- also after a role of the same name is created again (the new role has a new ID); a policy
  written after the re-creation binds the new role and shows its ARN. Nothing else in the
  document changes (conditions, resources, other principals); a policy without such a principal
  reads back byte for byte as written;
* PutBucketPolicy and PutKeyPolicy refuse a policy whose ``AWS`` principal is neither ``*``, a
  12-digit account ID nor an ARN (a unique ID), with AWS's error, writing nothing.

Not closed: ARNs of principals that never existed are accepted (AWS refuses those too), deleted
users are not tracked, and a rewritten document is re-serialised compactly (AWS keeps its own
formatting).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.iam.models import IAMBackend, iam_backends
from moto.kms.models import KmsBackend
from moto.s3.exceptions import S3ClientError
from moto.s3.models import S3Backend

from ._patching import Func, wrap

_TAG = "deleted_principals"
_ACCOUNT = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):role/")
_lock = threading.Lock()
# (kind, account, region, resource) -> {role ARN: the unique ID it named when the policy was written}
_bindings: dict[tuple[str, str, str, str], dict[str, str]] = {}


def install() -> None:
    """Patch moto's S3 and KMS backends (idempotent)."""
    wrap(S3Backend, "put_bucket_policy", _TAG, _binding_bucket_policy)
    wrap(S3Backend, "get_bucket_policy", _TAG, _showing_bucket_policy)
    wrap(KmsBackend, "put_key_policy", _TAG, _binding_key_policy)
    wrap(KmsBackend, "create_key", _TAG, _binding_new_key_policy)
    wrap(KmsBackend, "get_key_policy", _TAG, _showing_key_policy)


def _s3_error() -> Exception:
    return S3ClientError("MalformedPolicy", "Invalid principal in policy")


def _kms_error() -> Exception:
    error = JsonRESTError(
        "MalformedPolicyDocumentException",
        "Policy contains a statement with one or more invalid principals.",
    )
    error.code = 400
    return error


def _as_text(policy: Any) -> str | None:
    if policy is None:
        return None
    return policy.decode() if isinstance(policy, bytes) else str(policy)


def _principal_values(document: Any) -> list[tuple[dict[str, Any], Any]]:
    """Each ``Principal``/``NotPrincipal`` mapping of the document with its ``AWS`` value."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    found = []
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        for element in ("Principal", "NotPrincipal"):
            principal = statement.get(element)
            if isinstance(principal, dict) and "AWS" in principal:
                found.append((principal, principal["AWS"]))
    return found


def _aws_principals(text: str) -> list[str]:
    try:
        document = json.loads(text)
    except ValueError:
        return []
    values: list[str] = []
    for _, value in _principal_values(document):
        values.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    return values


def invalid_principals(text: str) -> list[str]:
    """The ``AWS`` principals of a policy document that are not ``*``, an account or an ARN."""
    return [v for v in _aws_principals(text) if v != "*" and not _ACCOUNT.match(v) and not v.startswith("arn:")]


def _live_role_id(arn: str) -> str | None:
    match = _ROLE_ARN.match(arn)
    if not match:
        return None
    try:
        backend: IAMBackend = iam_backends[match.group(1)]["global"]
    except KeyError:
        return None
    for role in list(backend.roles.values()):
        if role.arn == arn:
            return role.id
    return None


def _bind(slot: tuple[str, str, str, str], text: str | None) -> None:
    bound = {}
    for value in _aws_principals(text or ""):
        role_id = _live_role_id(value)
        if role_id:
            bound[value] = role_id
    with _lock:
        _bindings[slot] = bound


def _shown(slot: tuple[str, str, str, str], policy: Any) -> Any:
    """The policy as AWS shows it: bound roles that no longer exist as their unique IDs."""
    with _lock:
        bound = dict(_bindings.get(slot, {}))
    text = _as_text(policy)
    if not text or not bound:
        return policy
    dangling = {arn: role_id for arn, role_id in bound.items() if _live_role_id(arn) != role_id}
    if not dangling:
        return policy
    try:
        document = json.loads(text)
    except ValueError:
        return policy
    changed = False
    for principal, value in _principal_values(document):
        values = value if isinstance(value, list) else [value]
        shown = [dangling.get(str(v), v) for v in values]
        if shown != values:
            changed = True
            principal["AWS"] = shown if isinstance(value, list) else shown[0]
    if not changed:
        return policy
    out = json.dumps(document)
    return out.encode() if isinstance(policy, bytes) else out


def _bucket_slot(backend: S3Backend, bucket_name: str) -> tuple[str, str, str, str]:
    return ("s3", backend.account_id, "", bucket_name)


def _key_slot(backend: KmsBackend, key_id: str) -> tuple[str, str, str, str]:
    return ("kms", backend.account_id, backend.region_name, KmsBackend.get_key_id(key_id))


def _binding_bucket_policy(original: Func) -> Func:
    def put_bucket_policy(self: S3Backend, bucket_name: str, policy: Any, *args: Any, **kw: Any) -> Any:
        text = _as_text(policy) or ""
        if invalid_principals(text):
            raise _s3_error()
        result = original(self, bucket_name, policy, *args, **kw)
        _bind(_bucket_slot(self, bucket_name), text)
        return result

    return put_bucket_policy


def _showing_bucket_policy(original: Func) -> Func:
    def get_bucket_policy(self: S3Backend, bucket_name: str, *args: Any, **kw: Any) -> Any:
        return _shown(_bucket_slot(self, bucket_name), original(self, bucket_name, *args, **kw))

    return get_bucket_policy


def _binding_key_policy(original: Func) -> Func:
    def put_key_policy(self: KmsBackend, key_id: str, policy: Any, *args: Any, **kw: Any) -> Any:
        text = _as_text(policy) or ""
        if invalid_principals(text):
            raise _kms_error()
        result = original(self, key_id, policy, *args, **kw)
        _bind(_key_slot(self, key_id), text)
        return result

    return put_key_policy


def _binding_new_key_policy(original: Func) -> Func:
    def create_key(self: KmsBackend, *args: Any, **kw: Any) -> Any:
        key = original(self, *args, **kw)
        _bind(_key_slot(self, key.id), _as_text(key.policy))
        return key

    return create_key


def _showing_key_policy(original: Func) -> Func:
    def get_key_policy(self: KmsBackend, key_id: str, *args: Any, **kw: Any) -> Any:
        return _shown(_key_slot(self, key_id), original(self, key_id, *args, **kw))

    return get_key_policy
