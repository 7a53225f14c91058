"""Who makes a request, and what an IAM role may do on S3 and KMS: shared by the replication
engine's permission check (``replication``) and by S3's answers that depend on the caller's
permissions (``s3_access``).

The caller: moto gives every ``sts:AssumeRole`` an access key of the account in the role ARN and
remembers that ARN on the key (``AccessKey.role_arn``). ``caller_role`` maps a request's access
key back to the role when that role exists in the emulator's IAM; a key whose role was never
created (the tests' administrator sessions assume ``arn:aws:iam::<account>:role/local-aws-admin``,
which nobody creates), an IAM user's key and the placeholder ``testing`` key have none, and their
requests stay unchecked, as an administrator's would be.

``RoleAccess`` evaluates one role's requests with ``_policy``: its identity policies (inline and
attached managed policies, capped by its permissions boundary) together with the resource's
policy, as the IAM User Guide's policy evaluation logic says:

* an explicit Deny in any of them wins;
* same account: "If either the identity-based policy or the resource-based policy within the same
  account allows the request and the other doesn't, the request is still allowed" (IAM User
  Guide, "Policy evaluation for requests within a single account") -- for a resource policy
  that names the role itself (its ARN) or everyone (``*``). A resource policy that names the
  *account* (``arn:aws:iam::<account>:root`` or the 12-digit id) does not grant the role
  anything by itself: "When you use an AWS account identifier as the principal in a policy, you
  delegate authority to the account. All identities inside the account can access the resource
  if they have the appropriate IAM permissions attached to explicitly allow access" (IAM User
  Guide, "AWS JSON policy elements: Principal", section "AWS account principals"). So such an
  Allow needs the role's identity policy to allow the request too -- which then allows it on its
  own;
* cross-account: "The resource-based policy in the trusting account must specify the principal
  of the trusted account [...] The principal's identity-based policy must allow the requested
  access" (IAM User Guide, "Cross-account policy evaluation logic"): both must allow, the
  account principal counting for every role of that account;
* KMS key policies are stricter: without a key-policy statement for the role or its account no
  identity policy suffices, and one for the account root defers to the identity policies (AWS KMS
  Developer Guide, "Key policies": "Allows access to the AWS account and enables IAM policies").
  That is the same delegation as above, with the key policy always required.

The account-principal rule applies to ``NotPrincipal`` too: a Deny whose ``NotPrincipal`` names
only the account excludes that account's root user, not its roles, so it denies the role (the
IAM User Guide, "AWS JSON policy elements: NotPrincipal", has the account, the role and its
assumed-role session listed to exclude a role).

Not modelled: session policies passed to AssumeRole, a resource policy naming the assumed-role
session ARN, SCPs/RCPs, and a permissions boundary limiting a same-account resource-policy grant
to the role ARN.
"""

from __future__ import annotations

from typing import Any

from moto.iam.models import Role, get_account_id_from, iam_backends
from moto.kms.models import Key
from moto.s3.models import FakeBucket

from ._policy import Caller, Decision, Request, evaluate


def role_by_arn(arn: str) -> Role | None:
    """The IAM role with this ARN, if it exists in the emulator."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
        return None
    try:
        roles = iam_backends[parts[4]][parts[1]].roles.values()
    except KeyError:  # a partition moto does not know
        return None
    return next((role for role in list(roles) if role.arn == arn), None)


def caller_role(access_key: str | None) -> Role | None:
    """The existing IAM role whose ``sts:AssumeRole`` issued ``access_key``, if any."""
    if not access_key:
        return None
    account = get_account_id_from(access_key)
    for backend in iam_backends[account].values():
        key = backend.access_keys.get(access_key)
        arn = getattr(key, "role_arn", None)
        if arn:
            return role_by_arn(arn)
    return None


class RoleAccess:
    """What one IAM role may do, from its identity policies and the resource's policy."""

    def __init__(self, role: Role):
        self.role = role
        self.caller = Caller(arn=role.arn, account=role.account_id)
        backend = iam_backends[role.account_id][role.partition]
        self.identity = list(role.policies.values()) + [
            default_document(policy) for policy in role.managed_policies.values()
        ]
        boundary = role.permissions_boundary_arn
        self.boundary = (
            default_document(backend.managed_policies[boundary])
            if boundary and boundary in backend.managed_policies
            else None
        )

    def s3(
        self, action: str, bucket: FakeBucket, resource: str, context: dict[str, Any] | None = None
    ) -> bool:
        """Whether the role may do ``action`` on ``resource`` of ``bucket``."""
        return self.s3_decision(action, bucket, resource, context) is Decision.ALLOW

    def s3_decision(
        self, action: str, bucket: FakeBucket, resource: str, context: dict[str, Any] | None = None
    ) -> Decision:
        """ALLOW, DENY (an explicit Deny somewhere) or NONE (nothing allows it)."""
        context = {"aws:ResourceAccount": bucket.account_id, **(context or {})}
        request = self.request(action, resource, context)
        identity = self.identity_decision(request)
        policy = bucket.policy.decode() if bucket.policy else None
        direct = evaluate([policy], request, self.caller, root=False)  # the role ARN, or "*"
        via_account = evaluate([policy], request, self.caller)  # also the account principal
        if Decision.DENY in (identity, direct, via_account):
            return Decision.DENY
        if bucket.account_id == self.role.account_id:
            allowed = identity is Decision.ALLOW or direct is Decision.ALLOW
        else:
            allowed = identity is Decision.ALLOW and via_account is Decision.ALLOW
        return Decision.ALLOW if allowed else Decision.NONE

    def kms(self, action: str, key: Key, bucket: FakeBucket, context_arn: str) -> bool:
        """Whether the role may use ``key`` through S3 for ``bucket`` (``context_arn``: the
        encryption context's ``aws:s3:arn``)."""
        request = self.request(
            action,
            key.arn,
            {
                "aws:ResourceAccount": key.account_id,
                "kms:CallerAccount": self.role.account_id,
                "kms:ViaService": f"s3.{bucket.region_name}.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": context_arn,
                "kms:EncryptionContextKeys": ["aws:s3:arn"],
            },
        )
        identity = self.identity_decision(request)
        direct = evaluate([key.policy], request, self.caller, root=False)
        via_account = evaluate([key.policy], request, self.caller)
        if Decision.DENY in (identity, direct, via_account):
            return False
        if key.account_id == self.role.account_id and direct is Decision.ALLOW:
            return True
        return via_account is Decision.ALLOW and identity is Decision.ALLOW

    def request(self, action: str, resource: str, context: dict[str, Any]) -> Request:
        return Request(
            action,
            resource,
            {
                "aws:PrincipalArn": self.role.arn,
                "aws:PrincipalAccount": self.role.account_id,
                "aws:PrincipalType": "AssumedRole",
                "aws:SecureTransport": "true",
                **context,
            },
        )

    def identity_decision(self, request: Request) -> Decision:
        decision = evaluate(self.identity, request)
        if decision is not Decision.ALLOW or self.boundary is None:
            return decision
        return evaluate([self.boundary], request)  # the boundary caps what the policies allow


def default_document(policy: Any) -> Any:
    return next(version.document for version in policy.versions if version.is_default)
