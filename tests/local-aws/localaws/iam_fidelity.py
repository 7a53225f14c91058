"""IAM role answers and STS AssumeRole validation, as AWS recorded them.

Judged by the conformance cases in ``tests/conformance/cases/iam_sts.py``. Sources: LocalStack's
AWS-validated snapshots (github.com/localstack/localstack @ 8b9a79f05846,
``tests/aws/services/iam/test_iam.snapshot.json`` and ``tests/aws/services/sts/test_sts.snapshot.json``)
and public threads quoting AWS's messages. The gaps in moto 5.2.5, and what is closed here:

- CreateRole with an AssumeRolePolicyDocument that is not JSON: moto stores it and answers 200.
  AWS answers 400 ``MalformedPolicyDocument`` "This policy contains invalid Json"
  (``TestIAMExtensions::test_create_role_with_malformed_assume_role_policy_document``,
  ``invalid-json``). Closed: ``IAMBackend.create_role`` refuses a document ``json.loads`` cannot
  read; nothing is created. Not closed: the document's grammar (moto's trust-policy validator
  runs only on UpdateAssumeRolePolicy); PutRolePolicy and UpdateAssumeRolePolicy keep moto's
  "Syntax errors in policy." for unreadable JSON (no recording says what AWS answers there).
- CreateRole's Role carries ``MaxSessionDuration`` and ``RoleLastUsed``; AWS's does not (every
  CreateRole recording, e.g. ``test_update_assume_role_policy`` ``created_role``; GetRole's does,
  ``test_create_describe_role`` ``get_role_result``). Closed: CreateRole's answer omits both.
- A missing role: moto says "Role <name> not found"; AWS says "The role with name <name> cannot be
  found." (GetRole: https://github.com/jarpy/lambkin/pull/3; ListRoleTags, 404:
  https://github.com/cloudquery/cq-provider-aws/issues/843). Closed for every operation that
  looks the role up by name (``IAMBackend.get_role``).
- A missing managed policy: moto says "Policy <arn> not found"; AWS says "Policy <arn> was not
  found." (``test_delete_non_existent_policy_returns_no_such_entity``). Closed in
  ``IAMBackend.get_policy``, so GetPolicy, GetPolicyVersion and DeletePolicy say it alike.
- IAM and STS error XML: moto adds a lowercase ``<message>`` beside ``<Message>`` (the error
  shape's member), which botocore surfaces as ``Error.message`` and ``message``. No IAM or STS
  error LocalStack recorded has it. Closed: dropped from the query-protocol errors of these two
  services.
- AssumeRole accepts any RoleArn and RoleSessionName. AWS answers 400 ``ValidationError``
  "<arn> is invalid" for an ARN without six ``:``-separated parts, or with an empty partition,
  service or resource, and "1 validation error detected: Value '<name>' at 'roleSessionName'
  failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
  (``TestSTSIntegrations::test_sts_invalid_parameters``, six keys). Closed, the session name
  checked first. AssumeRole's answer also carries ``PackedPolicySize: 6`` when no session policy
  was passed; AWS's does not (``test_assume_role`` ``assume-role``). Closed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.serialize import BaseXMLSerializer
from moto.iam.exceptions import MalformedPolicyDocument, NotFoundException
from moto.iam.models import IAMBackend
from moto.iam.responses import IamResponse
from moto.sts.exceptions import STSValidationError
from moto.sts.responses import TokenResponse

from ._patching import Func, wrap

_TAG = "iam_fidelity"
_SESSION_NAME = re.compile(r"[\w+=,.@-]*")


def install() -> None:
    """Patch moto's IAM and STS (idempotent)."""
    wrap(IAMBackend, "create_role", _TAG, _json_trust_policy)
    wrap(IAMBackend, "get_role", _TAG, _role_not_found)
    wrap(IAMBackend, "get_policy", _TAG, _policy_not_found)
    wrap(IamResponse, "create_role", _TAG, _created_role_answer)
    wrap(BaseXMLSerializer, "_serialize_error_metadata", _TAG, _no_lowercase_message)
    wrap(TokenResponse, "assume_role", _TAG, _validated_assume_role)


def _json_trust_policy(original: Func) -> Func:
    def create_role(self: IAMBackend, role_name: str, assume_role_policy_document: str,
                    *args: Any, **kw: Any) -> Any:
        try:
            json.loads(assume_role_policy_document)
        except (TypeError, ValueError):
            raise MalformedPolicyDocument("This policy contains invalid Json") from None
        return original(self, role_name, assume_role_policy_document, *args, **kw)

    return create_role


def _role_not_found(original: Func) -> Func:
    def get_role(self: IAMBackend, role_name: str) -> Any:
        try:
            return original(self, role_name)
        except NotFoundException:
            raise NotFoundException(f"The role with name {role_name} cannot be found.") from None

    return get_role


def _policy_not_found(original: Func) -> Func:
    def get_policy(self: IAMBackend, policy_arn: str) -> Any:
        try:
            return original(self, policy_arn)
        except NotFoundException:
            raise NotFoundException(f"Policy {policy_arn} was not found.") from None

    return get_policy


class _CreatedRole:
    """A Role as CreateRole answers it: without MaxSessionDuration and RoleLastUsed."""

    def __init__(self, role: Any) -> None:
        self._role = role

    max_session_duration = None
    role_last_used = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._role, name)


def _created_role_answer(original: Func) -> Func:
    def create_role(self: IamResponse) -> Any:
        answer = original(self)
        result = getattr(answer, "_result", None)
        if isinstance(result, dict) and "Role" in result:
            result["Role"] = _CreatedRole(result["Role"])
        return answer

    return create_role


def _no_lowercase_message(original: Func) -> Func:
    def _serialize_error_metadata(self: BaseXMLSerializer, serialized: Any, error: Exception,
                                  shape: Any) -> None:
        original(self, serialized, error, shape)
        if getattr(self.service_model, "service_name", "") in ("iam", "sts") and "Message" in serialized:
            serialized.pop("message", None)

    return _serialize_error_metadata


def _arn_is_valid(arn: str) -> bool:
    parts = arn.split(":", 5)
    return (len(parts) == 6 and parts[0] == "arn" and bool(parts[1]) and bool(parts[2])
            and bool(parts[5]))


def _validated_assume_role(original: Func) -> Func:
    def assume_role(self: TokenResponse) -> Any:
        session = self._get_param("RoleSessionName")
        arn = self._get_param("RoleArn")
        if session is not None and not _SESSION_NAME.fullmatch(session):
            raise STSValidationError(
                f"1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
        if arn is not None and not _arn_is_valid(arn):
            raise STSValidationError(f"{arn} is invalid")
        answer = original(self)
        result = getattr(answer, "_result", None)
        if isinstance(result, dict) and self._get_param("Policy") is None:
            result.pop("PackedPolicySize", None)
        return answer

    return assume_role
