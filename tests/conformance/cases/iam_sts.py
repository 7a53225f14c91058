"""IAM role operations and STS AssumeRole, as AWS answered them.

Recorded in LocalStack's ``test_iam.py`` (``TestIAMIntegrations``, ``TestIAMExtensions``,
``TestIAMPolicyEncoding``, ``TestRoles``, ``TestIAMServiceRoles``) and ``test_sts.py``
(``TestSTSIntegrations``). The recordings replaced names, ids, ARNs and dates by placeholders
(``<role-name:1>``, ``<datetime>``, ``arn:<partition>:...``); here they are ``<...>``, compared
for presence. The NoSuchEntity answers for a missing role or inline policy are not in any
LocalStack recording; they cite public threads that quote AWS's message (the error ``Type`` is
``Sender`` as in every IAM error LocalStack recorded, the status 404 as the cloudquery thread
quotes).
"""

from __future__ import annotations

import json
from typing import Any

from framework import ACCOUNT_A, Case, PublicIssue, Recording, World, answer

IAM = "tests/aws/services/iam/test_iam.snapshot.json"
STS = "tests/aws/services/sts/test_sts.snapshot.json"
IAM_PY = "tests/aws/services/iam/test_iam.py"
STS_PY = "tests/aws/services/sts/test_sts.py"

OK = {"HTTPStatusCode": 200}
ERROR_400 = {"HTTPStatusCode": 400}
ERROR_404 = {"HTTPStatusCode": 404}


def _test(path: str, name: str) -> str:
    return f"{path}::{name}"


UPDATE_TEST = _test(IAM_PY, "TestIAMIntegrations::test_update_assume_role_policy")
MALFORMED_TEST = _test(IAM_PY, "TestIAMExtensions::test_create_role_with_malformed_assume_role_policy_document")
DESCRIBE_TEST = _test(IAM_PY, "TestIAMIntegrations::test_create_describe_role")
PATH_TEST = _test(IAM_PY, "TestIAMExtensions::test_role_with_path_lifecycle")
ENCODING_TEST = _test(IAM_PY, "TestIAMPolicyEncoding::test_put_role_policy_encoding")
TAGS_TEST = _test(IAM_PY, "TestRoles::test_role_with_tags")
SERVICE_ROLE_TEST = _test(
    IAM_PY, "TestIAMServiceRoles::test_service_role_lifecycle[replication.ecr.amazonaws.com]")
DELETE_POLICY_TEST = _test(IAM_PY, "TestIAMIntegrations::test_delete_non_existent_policy_returns_no_such_entity")
ASSUME_TEST = _test(STS_PY, "TestSTSIntegrations::test_assume_role")
STS_INVALID_TEST = _test(STS_PY, "TestSTSIntegrations::test_sts_invalid_parameters")

EC2_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
EC2_TRUST_LISTS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com"]},
                   "Action": ["sts:AssumeRole"]}],
}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}, "Effect": "Allow"}],
}
# test_put_role_policy_encoding: quote_plus("arn:aws:apigateway:us-east-1::/restapis/aaeeieije")
ENCODED_ARN = "arn%3Aaws%3Aapigateway%3Aus-east-1%3A%3A%2Frestapis%2Faaeeieije"
ENCODED_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Action": "sts:AssumeRole",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Effect": "Allow",
        "Condition": {"StringEquals": {"aws:SourceArn": ENCODED_ARN}},
    }],
}
ENCODED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["apigatway:PUT"],
        "Resource": [f"arn:aws:apigateway:us-east-1::/tags/{ENCODED_ARN}"],
    }],
}
# The recorded malformed document: a trailing comma after "Effect": "Allow".
MALFORMED_TRUST = """
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Action": "sts:AssumeRole",
              "Principal": "*",
              "Effect": "Allow",
            }
          ]
        }
        """


def _role(trust: dict[str, Any], *, path: str = "/", read: bool = False, **extra: Any) -> dict[str, Any]:
    """A Role as CreateRole (``read=False``) or GetRole (``read=True``) answered it."""
    role: dict[str, Any] = {
        "Arn": "<arn>",
        "AssumeRolePolicyDocument": trust,
        "CreateDate": "<datetime>",
        "Path": path,
        "RoleId": "<role-id>",
        "RoleName": "<role-name>",
    }
    if read:
        role["MaxSessionDuration"] = 3600
        role["RoleLastUsed"] = {}
    role.update(extra)
    return role


# --- runs ----------------------------------------------------------------------------------


def _create(world: World, trust: dict[str, Any] | str, **args: Any) -> tuple[str, dict[str, Any]]:
    name = world.name("role")
    document = trust if isinstance(trust, str) else json.dumps(trust)
    got = answer(lambda: world.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=document, **args))
    return name, got


def create_role_malformed(world: World) -> dict[str, Any]:
    return _create(world, MALFORMED_TRUST)[1]


def create_role_lists(world: World) -> dict[str, Any]:
    return _create(world, EC2_TRUST_LISTS)[1]


def update_assume_role_policy(world: World) -> dict[str, Any]:
    name, _ = _create(world, EC2_TRUST_LISTS)
    return answer(lambda: world.client("iam").update_assume_role_policy(
        RoleName=name, PolicyDocument=json.dumps(EC2_TRUST_LISTS)))


def _path() -> str:
    return "/conformance/"


def create_role_with_path(world: World) -> dict[str, Any]:
    return _create(world, LAMBDA_TRUST, Path=_path())[1]


def get_role_with_path(world: World) -> dict[str, Any]:
    name, _ = _create(world, LAMBDA_TRUST, Path=_path())
    return answer(lambda: world.client("iam").get_role(RoleName=name))


def delete_role(world: World) -> dict[str, Any]:
    name, _ = _create(world, LAMBDA_TRUST, Path=_path())
    return answer(lambda: world.client("iam").delete_role(RoleName=name))


def describe_create(world: World) -> dict[str, Any]:
    return _create(world, EC2_TRUST, Path=_path())[1]


def describe_get(world: World) -> dict[str, Any]:
    name, _ = _create(world, EC2_TRUST, Path=_path())
    return answer(lambda: world.client("iam").get_role(RoleName=name))


def encoded_create(world: World) -> dict[str, Any]:
    return _create(world, ENCODED_TRUST, Path=_path())[1]


def _encoded_role(world: World) -> str:
    name, _ = _create(world, ENCODED_TRUST, Path=_path())
    world.client("iam").put_role_policy(RoleName=name, PolicyName="encoded",
                                        PolicyDocument=json.dumps(ENCODED_POLICY))
    return name


def encoded_get_role_policy(world: World) -> dict[str, Any]:
    name = _encoded_role(world)
    return answer(lambda: world.client("iam").get_role_policy(RoleName=name, PolicyName="encoded"))


def encoded_get_role(world: World) -> dict[str, Any]:
    name = _encoded_role(world)
    return answer(lambda: world.client("iam").get_role(RoleName=name))


TAGS = [{"Key": "test", "Value": "value"}]


def tagged_create(world: World) -> dict[str, Any]:
    return _create(world, EC2_TRUST, Path="/role-with-tags/", Tags=TAGS)[1]


def tagged_get(world: World) -> dict[str, Any]:
    name, _ = _create(world, EC2_TRUST, Path="/role-with-tags/", Tags=TAGS)
    return answer(lambda: world.client("iam").get_role(RoleName=name))


def _service_role(world: World) -> str:
    """The service-linked role of replication.ecr.amazonaws.com, made once per run."""
    iam = world.client("iam")
    path = "/aws-service-role/replication.ecr.amazonaws.com/"
    found = iam.list_roles(PathPrefix=path)["Roles"]
    if found:
        return found[0]["RoleName"]
    return iam.create_service_linked_role(AWSServiceName="replication.ecr.amazonaws.com")["Role"]["RoleName"]


def service_role_inline(world: World) -> dict[str, Any]:
    name = _service_role(world)
    return answer(lambda: world.client("iam").list_role_policies(RoleName=name))


def service_role_attached(world: World) -> dict[str, Any]:
    name = _service_role(world)
    return answer(lambda: world.client("iam").list_attached_role_policies(RoleName=name))


def delete_missing_policy(world: World) -> dict[str, Any]:
    return answer(lambda: world.client("iam").delete_policy(
        PolicyArn=f"arn:aws:iam::{ACCOUNT_A}:policy/non-existent-policy"))


def get_missing_role(world: World) -> dict[str, Any]:
    return answer(lambda: world.client("iam").get_role(RoleName="lambda-basic-execution"))


def delete_missing_role_policy(world: World) -> dict[str, Any]:
    name, _ = _create(world, LAMBDA_TRUST)
    return answer(lambda: world.client("iam").delete_role_policy(
        RoleName=name, PolicyName="AWSLambdaBasicExecutionRole"))


def assume_role_create(world: World) -> dict[str, Any]:
    trust = {"Version": "2012-10-17",
             "Statement": [{"Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT_A}, "Effect": "Allow"}]}
    return _create(world, trust)[1]


def assume_role(world: World) -> dict[str, Any]:
    trust = {"Version": "2012-10-17",
             "Statement": [{"Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT_A}, "Effect": "Allow"}]}
    _, created = _create(world, trust)
    return answer(lambda: world.client("sts").assume_role(
        RoleArn=created["Role"]["Arn"], RoleSessionName="test-assume-role-conformance"))


def _sts_unvalidated(world: World) -> Any:
    return world.client("sts", parameter_validation=False)


def _assume_invalid(arn: str, session: str = "Session1"):
    def run(world: World) -> dict[str, Any]:
        return answer(lambda: _sts_unvalidated(world).assume_role(RoleArn=arn, RoleSessionName=session))
    return run


def _validation(message: str) -> dict[str, Any]:
    return {"Error": {"Code": "ValidationError", "Message": message, "Type": "Sender"},
            "ResponseMetadata": ERROR_400}


CASES = [
    # --- CreateRole ----------------------------------------------------------------------
    Case(
        name="iam_create_role_malformed_trust_json",
        operation="iam:CreateRole",
        source=Recording(IAM, MALFORMED_TEST, "invalid-json", "06-03-2025, 12:24:44"),
        run=create_role_malformed,
        expect={
            "Error": {"Code": "MalformedPolicyDocument", "Message": "This policy contains invalid Json",
                      "Type": "Sender"},
            "ResponseMetadata": ERROR_400,
        },
    ),
    Case(
        name="iam_create_role",
        operation="iam:CreateRole",
        source=Recording(IAM, UPDATE_TEST, "created_role", "06-03-2025, 12:24:58"),
        run=create_role_lists,
        expect={"Role": _role(EC2_TRUST_LISTS), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_create_role_with_path",
        operation="iam:CreateRole",
        source=Recording(IAM, PATH_TEST, "create-role-response", "19-06-2025, 11:39:59"),
        run=create_role_with_path,
        expect={"Role": _role(LAMBDA_TRUST, path=_path()), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_create_role_describe",
        operation="iam:CreateRole",
        source=Recording(IAM, DESCRIBE_TEST, "create_role_result", "06-03-2025, 12:24:59"),
        run=describe_create,
        expect={"Role": _role(EC2_TRUST, path=_path()), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_create_role_condition",
        operation="iam:CreateRole",
        source=Recording(IAM, ENCODING_TEST, "create-role-response", "06-03-2025, 12:25:09"),
        run=encoded_create,
        expect={"Role": _role(ENCODED_TRUST, path=_path()), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_create_role_tags",
        operation="iam:CreateRole",
        source=Recording(IAM, TAGS_TEST, "create-role-response", "02-07-2025, 09:40:33"),
        run=tagged_create,
        expect={"Role": _role(EC2_TRUST, path="/role-with-tags/", Tags=TAGS), "ResponseMetadata": OK},
    ),
    # --- GetRole -------------------------------------------------------------------------
    Case(
        name="iam_get_role_with_path",
        operation="iam:GetRole",
        source=Recording(IAM, PATH_TEST, "get-role-response", "19-06-2025, 11:39:59"),
        run=get_role_with_path,
        expect={"Role": _role(LAMBDA_TRUST, path=_path(), read=True), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_get_role_describe",
        operation="iam:GetRole",
        source=Recording(IAM, DESCRIBE_TEST, "get_role_result", "06-03-2025, 12:24:59"),
        run=describe_get,
        expect={"Role": _role(EC2_TRUST, path=_path(), read=True), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_get_role_condition",
        operation="iam:GetRole",
        source=Recording(IAM, ENCODING_TEST, "get-role-response", "06-03-2025, 12:25:09"),
        run=encoded_get_role,
        expect={"Role": _role(ENCODED_TRUST, path=_path(), read=True), "ResponseMetadata": OK},
    ),
    Case(
        name="iam_get_role_tags",
        operation="iam:GetRole",
        source=Recording(IAM, TAGS_TEST, "get-role-response", "02-07-2025, 09:40:33"),
        run=tagged_get,
        expect={"Role": _role(EC2_TRUST, path="/role-with-tags/", read=True, Tags=TAGS),
                "ResponseMetadata": OK},
    ),
    Case(
        name="iam_get_role_missing",
        operation="iam:GetRole",
        source=PublicIssue(
            "https://github.com/jarpy/lambkin/pull/3",
            "An error occurred (NoSuchEntity) when calling the GetRole operation: "
            "The role with name lambda-basic-execution cannot be found."),
        run=get_missing_role,
        expect={
            "Error": {"Code": "NoSuchEntity",
                      "Message": "The role with name lambda-basic-execution cannot be found.",
                      "Type": "Sender"},
            "ResponseMetadata": ERROR_404,
        },
    ),
    # --- UpdateAssumeRolePolicy, DeleteRole ----------------------------------------------
    Case(
        name="iam_update_assume_role_policy",
        operation="iam:UpdateAssumeRolePolicy",
        source=Recording(IAM, UPDATE_TEST, "updated_policy", "06-03-2025, 12:24:58"),
        run=update_assume_role_policy,
        expect={"ResponseMetadata": OK},
    ),
    Case(
        name="iam_delete_role",
        operation="iam:DeleteRole",
        source=Recording(IAM, PATH_TEST, "delete-role-response", "19-06-2025, 11:39:59"),
        run=delete_role,
        expect={"ResponseMetadata": OK},
    ),
    # --- inline and attached policies ----------------------------------------------------
    Case(
        name="iam_get_role_policy_encoded",
        operation="iam:GetRolePolicy",
        source=Recording(IAM, ENCODING_TEST, "get-policy-response", "06-03-2025, 12:25:09"),
        run=encoded_get_role_policy,
        expect={"PolicyDocument": ENCODED_POLICY, "PolicyName": "<policy-name>", "RoleName": "<role-name>",
                "ResponseMetadata": OK},
    ),
    Case(
        name="iam_delete_role_policy_missing",
        operation="iam:DeleteRolePolicy",
        source=PublicIssue(
            "https://github.com/aws/aws-cli/issues/6139",
            "An error occurred (NoSuchEntity) when calling the DeleteRolePolicy operation: "
            "The role policy with name AWSLambdaBasicExecutionRole cannot be found."),
        run=delete_missing_role_policy,
        expect={
            "Error": {"Code": "NoSuchEntity",
                      "Message": "The role policy with name AWSLambdaBasicExecutionRole cannot be found.",
                      "Type": "Sender"},
            "ResponseMetadata": ERROR_404,
        },
    ),
    Case(
        name="iam_list_role_policies_empty",
        operation="iam:ListRolePolicies",
        source=Recording(IAM, SERVICE_ROLE_TEST, "inline-role-policies", "13-03-2025, 08:31:41"),
        run=service_role_inline,
        expect={"IsTruncated": False, "PolicyNames": [], "ResponseMetadata": OK},
    ),
    Case(
        name="iam_list_attached_role_policies_service_role",
        operation="iam:ListAttachedRolePolicies",
        source=Recording(IAM, SERVICE_ROLE_TEST, "attached-role-policies", "13-03-2025, 08:31:41"),
        run=service_role_attached,
        exception=("moto attaches no AWS managed policy to a service-linked role; the project never creates "
                   "or reads service-linked roles (its replication role is an ordinary role whose attached "
                   "policies are the ones it attaches)"),
        expect={
            "AttachedPolicies": [{
                "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/ECRReplicationServiceRolePolicy",
                "PolicyName": "ECRReplicationServiceRolePolicy",
            }],
            "IsTruncated": False,
            "ResponseMetadata": OK,
        },
    ),
    Case(
        name="iam_delete_policy_missing",
        operation="iam:DeletePolicy",
        source=Recording(IAM, DELETE_POLICY_TEST, "delete-non-existent-policy-exc", "06-03-2025, 12:29:55"),
        run=delete_missing_policy,
        expect={
            "Error": {"Code": "NoSuchEntity",
                      "Message": f"Policy arn:aws:iam::{ACCOUNT_A}:policy/non-existent-policy was not found.",
                      "Type": "Sender"},
            "ResponseMetadata": ERROR_404,
        },
    ),
    # --- STS -----------------------------------------------------------------------------
    Case(
        name="sts_assume_role_create_role",
        operation="iam:CreateRole",
        source=Recording(STS, ASSUME_TEST, "create-role", "05-06-2024, 17:23:49"),
        run=assume_role_create,
        expect={"Role": _role({"Version": "2012-10-17", "Statement": [
            {"Action": "sts:AssumeRole", "Principal": {"AWS": ACCOUNT_A}, "Effect": "Allow"}]}),
            "ResponseMetadata": OK},
    ),
    Case(
        name="sts_assume_role",
        operation="sts:AssumeRole",
        source=Recording(STS, ASSUME_TEST, "assume-role", "05-06-2024, 17:23:49"),
        run=assume_role,
        expect={
            "AssumedRoleUser": {"Arn": "<assumed-role-arn>", "AssumedRoleId": "<assumed-role-id>"},
            "Credentials": {"AccessKeyId": "<access-key-id>", "Expiration": "<datetime>",
                            "SecretAccessKey": "<secret-access-key>", "SessionToken": "<session-token>"},
            "ResponseMetadata": OK,
        },
    ),
    Case(
        name="sts_assume_role_malformed_arn",
        operation="sts:AssumeRole",
        source=Recording(STS, STS_INVALID_TEST, "malformed-arn", "21-07-2025, 19:25:22"),
        run=_assume_invalid("nothing-valid-in-here"),
        expect=_validation("nothing-valid-in-here is invalid"),
    ),
    Case(
        name="sts_assume_role_arn_no_partition",
        operation="sts:AssumeRole",
        source=Recording(STS, STS_INVALID_TEST, "no-partition", "21-07-2025, 19:25:22"),
        run=_assume_invalid("arn::b:::something/test-role"),
        expect=_validation("arn::b:::something/test-role is invalid"),
    ),
    Case(
        name="sts_assume_role_arn_no_service",
        operation="sts:AssumeRole",
        source=Recording(STS, STS_INVALID_TEST, "no-service", "21-07-2025, 19:25:22"),
        run=_assume_invalid("arn:a::::something/test-role"),
        expect=_validation("arn:a::::something/test-role is invalid"),
    ),
    Case(
        name="sts_assume_role_arn_too_few_colons",
        operation="sts:AssumeRole",
        source=Recording(STS, STS_INVALID_TEST, "not-enough-colons", "21-07-2025, 19:25:22"),
        run=_assume_invalid("arn:a:::something/test-role"),
        expect=_validation("arn:a:::something/test-role is invalid"),
    ),
    Case(
        name="sts_assume_role_arn_no_resource",
        operation="sts:AssumeRole",
        source=Recording(STS, STS_INVALID_TEST, "no-resource", "21-07-2025, 19:25:22"),
        run=_assume_invalid("arn:a:a::aaaaaaaaaa:"),
        expect=_validation("arn:a:a::aaaaaaaaaa: is invalid"),
    ),
    Case(
        name="sts_assume_role_invalid_session_name",
        operation="sts:AssumeRole",
        source=Recording(STS, STS_INVALID_TEST, "invalid-session-name", "21-07-2025, 19:25:22"),
        run=_assume_invalid("arn:a:b:::something/test-role", "Session1:2"),
        expect=_validation(
            "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"),
    ),
]
