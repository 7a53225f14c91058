"""IAM's aggregate inline-policy quota for a role, as AWS enforces it.

The gap: moto 5.2.5 reports ``RolePolicySizeQuota: 10240`` in GetAccountSummary but never
enforces it, so any number of inline policies fits on a role. AWS refuses the PutRolePolicy that
would take the role over it. IAM User Guide, "IAM and AWS STS quotas": "Role policy size cannot
exceed 10,240 characters" for the aggregate of a role's inline policies, and "IAM doesn't count
white space when calculating the size of a policy against these quotas". AWS answers
``LimitExceeded`` ("Maximum policy size of 10240 bytes exceeded for role <name>").

Closed here: ``IAMBackend.put_role_policy`` sums the role's other inline policies and the new
document, white space not counted, and raises moto's ``LimitExceededException`` over the quota;
nothing is written. Not closed: the quota is fixed (AWS lets it be raised for some accounts), and
users' and groups' inline quotas are not enforced.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from moto.iam.exceptions import LimitExceededException
from moto.iam.models import IAMBackend

from ._patching import Func, wrap

_TAG = "iam_quotas"
ROLE_INLINE_POLICY_QUOTA = 10240


def install() -> None:
    """Patch moto's IAM backend (idempotent)."""
    wrap(IAMBackend, "put_role_policy", _TAG, _within_quota)


def policy_size(document: str) -> int:
    """Characters of a policy document as IAM counts them: white space is not counted."""
    return sum(1 for c in unquote(document) if not c.isspace())


def _within_quota(original: Func) -> Func:
    def put_role_policy(
        self: IAMBackend, role_name: str, policy_name: str, policy_json: str, *args: Any, **kw: Any
    ) -> Any:
        role = self.get_role(role_name)
        others = sum(
            policy_size(doc) for name, doc in role.policies.items() if name != policy_name
        )
        if others + policy_size(policy_json) > ROLE_INLINE_POLICY_QUOTA:
            raise LimitExceededException(
                f"Maximum policy size of {ROLE_INLINE_POLICY_QUOTA} bytes exceeded for role {role_name}"
            )
        return original(self, role_name, policy_name, policy_json, *args, **kw)

    return put_role_policy
