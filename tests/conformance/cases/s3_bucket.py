"""Bucket configuration the project reads and writes, as AWS answered it: versioning, default
encryption, bucket policy (with ``ExpectedBucketOwner``) and the bucket's location.

Recorded in LocalStack's AWS-validated tests (``*.validation.json`` lists every test used here):
``TestS3BucketVersioning``, ``TestS3BucketEncryption`` and ``TestS3BucketPolicy`` in
test_s3_api.py; the bucket-policy and location tests of ``TestS3`` in test_s3.py. Each case
replays the recorded request on a fresh bucket (every recorded test starts from LocalStack's
``s3_bucket`` fixture: a new bucket in us-east-1, nothing configured).

The recordings replaced some values by placeholders (``<bucket-name:1>``, ``<resource:1>``,
``<uuid:1>``, ``<location-constraint>``): here they are ``<...>`` placeholders, compared for
presence. Where a transformer replaced a region inside a message (``The <region-3> location
constraint ...``) the case writes the region it sent. LocalStack's snapshots show a
``GetBucketPolicy`` ``Policy`` parsed as JSON; the cases parse it the same way.

Left out: the objects written under a default encryption (the SSE cases of ``s3_fidelity``'s
area), the ``EU`` location alias and ``LocationConstraint: None`` sent with parameter
validation off (the project never creates buckets that way), the copies of
``test_bucket_policy_crud``'s answers in test_s3.py's ``test_put_bucket_policy`` /
``test_delete_bucket_policy``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from framework import ACCOUNT_A, ACCOUNT_B, Case, Recording, World, answer

S3 = "tests/aws/services/s3/test_s3.snapshot.json"
S3_API = "tests/aws/services/s3/test_s3_api.snapshot.json"
T_S3 = "tests/aws/services/s3/test_s3.py::TestS3::"
T_API = "tests/aws/services/s3/test_s3_api.py::"

VERSIONING = T_API + "TestS3BucketVersioning::test_bucket_versioning_crud"
ENC_DEFAULT = T_API + "TestS3BucketEncryption::test_s3_default_bucket_encryption"
ENC_EXC = T_API + "TestS3BucketEncryption::test_s3_default_bucket_encryption_exc"
ENC_SSE_S3 = T_API + "TestS3BucketEncryption::test_s3_bucket_encryption_sse_s3"
ENC_KMS = T_API + "TestS3BucketEncryption::test_s3_bucket_encryption_sse_kms"
ENC_KMS_MANAGED = T_API + "TestS3BucketEncryption::test_s3_bucket_encryption_sse_kms_aws_managed_key"
POLICY_CRUD = T_API + "TestS3BucketPolicy::test_bucket_policy_crud"
POLICY_EXC = T_API + "TestS3BucketPolicy::test_bucket_policy_exc"
GET_POLICY = T_S3 + "test_get_bucket_policy"
PUT_POLICY_OWNER = T_S3 + "test_put_bucket_policy_expected_bucket_owner"
DELETE_POLICY_OWNER = T_S3 + "test_delete_bucket_policy_expected_bucket_owner"
LOCATIONS = T_S3 + "test_different_location_constraint"
INVALID_LOCATION = T_S3 + "test_create_bucket_with_invalid_location_constraint"

OK_200 = {"ResponseMetadata": {"HTTPStatusCode": 200}}
OK_204 = {"ResponseMetadata": {"HTTPStatusCode": 204}}
MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"


def error(status: int, code: str, message: str, **fields: Any) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message, **fields},
            "ResponseMetadata": {"HTTPStatusCode": status}}


NO_SUCH_BUCKET = error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName="<bucket-name:1>")


def s3(world: World, account: str = ACCOUNT_A, region: str = "us-east-1", **config: Any) -> Any:
    return world.client("s3", account, region, **config)


def simple_policy(bucket: str) -> dict[str, Any]:
    """``_simple_bucket_policy`` of test_s3.py, the policy every recorded policy test puts."""
    return {"Version": "2012-10-17", "Statement": [{
        "Action": "s3:GetObject", "Effect": "Allow",
        "Resource": f"arn:aws:s3:::{bucket}/*", "Principal": {"AWS": "*"}}]}


RECORDED_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject", "Resource": "<resource:1>"}]}


def parsed_policy(response: dict[str, Any]) -> dict[str, Any]:
    if isinstance(response.get("Policy"), str):
        response = {**response, "Policy": json.loads(response["Policy"])}
    return response


# --- versioning -----------------------------------------------------------------------------


def versioning_put(status: str | None, before: tuple[str, ...] = ()) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        bucket, client = world.bucket(), s3(world)
        for earlier in before:
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": earlier})
        config = {} if status is None else {"Status": status}
        return answer(lambda: client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=config))
    return run


def versioning_get(before: tuple[str, ...] = ()) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        bucket, client = world.bucket(), s3(world)
        for earlier in before:
            client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": earlier})
        return answer(lambda: client.get_bucket_versioning(Bucket=bucket))
    return run


def versioning_no_bucket(put: bool) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        client, name = s3(world), world.name("missing")
        if put:
            return answer(lambda: client.put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": "Suspended"}))
        return answer(lambda: client.get_bucket_versioning(Bucket=name))
    return run


# --- default encryption -----------------------------------------------------------------------


def sse_config(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"Rules": list(rules)}


def encryption_put(config: Callable[[World], dict[str, Any]], *, missing: bool = False) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        bucket = world.name("missing") if missing else world.bucket()
        return answer(lambda: s3(world).put_bucket_encryption(
            Bucket=bucket, ServerSideEncryptionConfiguration=config(world)))
    return run


def encryption_get(config: Callable[[World], dict[str, Any]] | None = None, *, missing: bool = False,
                   deletes: int = 0) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        bucket, client = (world.name("missing"), s3(world)) if missing else (world.bucket(), s3(world))
        if config is not None:
            client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=config(world))
        for _ in range(deletes):
            answer(lambda: client.delete_bucket_encryption(Bucket=bucket))
        return answer(lambda: client.get_bucket_encryption(Bucket=bucket))
    return run


def encryption_delete(times: int, *, missing: bool = False) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        bucket, client = (world.name("missing") if missing else world.bucket()), s3(world)
        result: Any = None
        for _ in range(times):
            result = answer(lambda: client.delete_bucket_encryption(Bucket=bucket))
        return result
    return run


def kms_rule(world: World, bucket_key: bool = True, with_key: bool = True) -> dict[str, Any]:
    by_default: dict[str, Any] = {"SSEAlgorithm": "aws:kms"}
    if with_key:
        key_id = world.client("kms").create_key()["KeyMetadata"]["KeyId"]
        by_default["KMSMasterKeyID"] = key_id
    return {"ApplyServerSideEncryptionByDefault": by_default, "BucketKeyEnabled": bucket_key}


TWO_RULES = sse_config(
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True},
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}},
)
KMS_KEY_WITH_AES = sse_config(
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256", "KMSMasterKeyID": "randomkeyid"}})
AES_WITH_BUCKET_KEY = sse_config(
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True})


def encryption_rules_read_back(world: World) -> Any:
    """The recorded ``put-bucket-enc-bucket-key-disabled``: re-putting the KMS rule with the
    bucket key off answers 200 (the recording's later PutObject shows it took effect)."""
    bucket, client = world.bucket(), s3(world)
    rule = kms_rule(world)
    client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=sse_config(rule))
    rule["BucketKeyEnabled"] = False
    return answer(lambda: client.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=sse_config(rule)))


# --- bucket policy ----------------------------------------------------------------------------


def policy_call(operation: str, *, put_first: bool = False, deletes: int = 0,
                policy: str | Callable[[str], str] | None = None, owner: str | None = None) -> Callable[[World], Any]:
    """One policy call on a new bucket (after an optional put of ``simple_policy`` and deletes)."""
    def run(world: World) -> Any:
        bucket, client = world.bucket(), s3(world)
        if put_first:
            client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(simple_policy(bucket)))
        for _ in range(deletes):
            client.delete_bucket_policy(Bucket=bucket)
        args: dict[str, Any] = {"Bucket": bucket}
        if owner is not None:
            args["ExpectedBucketOwner"] = owner
        if operation == "put":
            text = policy(bucket) if callable(policy) else policy
            args["Policy"] = json.dumps(simple_policy(bucket)) if text is None else text
            return answer(lambda: client.put_bucket_policy(**args))
        if operation == "get":
            return parsed_policy(answer(lambda: client.get_bucket_policy(**args)))
        return answer(lambda: client.delete_bucket_policy(**args))
    return run


def invalid_owner(account: str) -> dict[str, Any]:
    return error(400, "InvalidBucketOwnerAWSAccountID",
                 f"The value of the expected bucket owner parameter must be an AWS Account ID... [{account}]")


ACCESS_DENIED = error(403, "AccessDenied", "Access Denied")
# The parametrised tests' ids and recorded dates.
GET_INVALID_OWNER_DATES = {"0000": "21-02-2026, 00:18:30", "0000000000020": "21-02-2026, 00:18:31",
                           "abcd": "21-02-2026, 00:18:33", "aa000000000$": "21-02-2026, 00:18:34"}
PUT_INVALID_OWNER_DATES = {"0000": "21-02-2026, 00:18:40", "0000000000020": "21-02-2026, 00:18:41",
                           "abcd": "21-02-2026, 00:18:43", "aa000000000$": "21-02-2026, 00:18:44"}


# --- location ---------------------------------------------------------------------------------


def location_of(region: str) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        bucket = world.bucket(region=region)
        return answer(lambda: s3(world, region=region).get_bucket_location(Bucket=bucket))
    return run


def location_missing(world: World) -> Any:
    return answer(lambda: s3(world).get_bucket_location(Bucket=world.name("missing")))


def create_in(region: str, constraint: str | None) -> Callable[[World], Any]:
    def run(world: World) -> Any:
        args: dict[str, Any] = {"Bucket": world.name("loc")}
        if constraint is not None:
            args["CreateBucketConfiguration"] = {"LocationConstraint": constraint}
        return answer(lambda: s3(world, region=region, parameter_validation=False).create_bucket(**args))
    return run


def incompatible(region: str) -> dict[str, Any]:
    return error(400, "IllegalLocationConstraintException",
                 f"The {region} location constraint is incompatible for the region specific endpoint "
                 "this request was sent to.")


def case(name: str, operation: str, file: str, test: str, key: str, date: str,
         run: Callable[[World], Any], expect: dict[str, Any], exception: str | None = None) -> Case:
    return Case(name=name, operation=operation, source=Recording(file, test, key, date), run=run,
                expect=expect, exception=exception)


V_DATE, E_DATE, P_DATE = "21-02-2026, 01:02:46", "21-02-2026, 01:02:53", "21-02-2026, 01:04:24"

CASES: list[Case] = [
    # --- PutBucketVersioning / GetBucketVersioning (test_bucket_versioning_crud) ---
    case("get_versioning_never_set", "s3:GetBucketVersioning", S3_API, VERSIONING, "get-versioning-before",
         V_DATE, versioning_get(), OK_200),
    case("put_versioning_suspended_never_enabled", "s3:PutBucketVersioning", S3_API, VERSIONING,
         "put-versioning-suspended-before", V_DATE, versioning_put("Suspended"), OK_200),
    case("get_versioning_suspended", "s3:GetBucketVersioning", S3_API, VERSIONING,
         "get-versioning-after-suspended", V_DATE, versioning_get(("Suspended",)),
         {"Status": "Suspended", **OK_200}),
    case("put_versioning_lowercase_enabled", "s3:PutBucketVersioning", S3_API, VERSIONING,
         "put-versioning-enabled-lowercase", V_DATE, versioning_put("enabled", ("Suspended",)),
         error(400, "MalformedXML", MALFORMED_XML)),
    case("put_versioning_enabled", "s3:PutBucketVersioning", S3_API, VERSIONING,
         "put-versioning-enabled-capitalized", V_DATE, versioning_put("Enabled", ("Suspended",)), OK_200),
    case("get_versioning_enabled", "s3:GetBucketVersioning", S3_API, VERSIONING,
         "get-versioning-after-enabled", V_DATE, versioning_get(("Suspended", "Enabled")),
         {"Status": "Enabled", **OK_200}),
    case("put_versioning_suspended_after_enabled", "s3:PutBucketVersioning", S3_API, VERSIONING,
         "put-versioning-suspended-after", V_DATE, versioning_put("Suspended", ("Enabled",)), OK_200),
    case("put_versioning_disabled", "s3:PutBucketVersioning", S3_API, VERSIONING, "put-versioning-disabled",
         V_DATE, versioning_put("Disabled", ("Enabled", "Suspended")), error(400, "MalformedXML", MALFORMED_XML)),
    case("put_versioning_empty", "s3:PutBucketVersioning", S3_API, VERSIONING, "put-versioning-empty",
         V_DATE, versioning_put(None, ("Enabled", "Suspended")),
         error(400, "IllegalVersioningConfigurationException", "The Versioning element must be specified")),
    case("put_versioning_no_bucket", "s3:PutBucketVersioning", S3_API, VERSIONING, "put-versioning-no-bucket",
         V_DATE, versioning_no_bucket(put=True), NO_SUCH_BUCKET),
    case("get_versioning_no_bucket", "s3:GetBucketVersioning", S3_API, VERSIONING, "get-versioning-no-bucket",
         V_DATE, versioning_no_bucket(put=False), NO_SUCH_BUCKET),

    # --- GetBucketEncryption / DeleteBucketEncryption / PutBucketEncryption ---
    case("get_encryption_never_set", "s3:GetBucketEncryption", S3_API, ENC_DEFAULT, "default-bucket-encryption",
         "21-02-2026, 01:02:50", encryption_get(),
         {"ServerSideEncryptionConfiguration": {"Rules": [{
             "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]},
          **OK_200}),
    case("delete_encryption_never_set", "s3:DeleteBucketEncryption", S3_API, ENC_DEFAULT,
         "delete-bucket-encryption", "21-02-2026, 01:02:50", encryption_delete(1), OK_204),
    case("delete_encryption_twice", "s3:DeleteBucketEncryption", S3_API, ENC_DEFAULT,
         "delete-bucket-encryption-idempotent", "21-02-2026, 01:02:50", encryption_delete(2), OK_204),
    case("get_encryption_no_bucket", "s3:GetBucketEncryption", S3_API, ENC_EXC, "get-bucket-enc-no-bucket",
         E_DATE, encryption_get(missing=True), NO_SUCH_BUCKET),
    case("delete_encryption_no_bucket", "s3:DeleteBucketEncryption", S3_API, ENC_EXC,
         "delete-bucket-enc-no-bucket", E_DATE, encryption_delete(1, missing=True), NO_SUCH_BUCKET),
    case("put_encryption_no_bucket", "s3:PutBucketEncryption", S3_API, ENC_EXC, "put-bucket-enc-no-bucket",
         E_DATE, encryption_put(lambda w: sse_config(), missing=True), NO_SUCH_BUCKET),
    case("put_encryption_no_rules", "s3:PutBucketEncryption", S3_API, ENC_EXC, "put-bucket-encryption-no-rules",
         E_DATE, encryption_put(lambda w: sse_config()), error(400, "MalformedXML", MALFORMED_XML)),
    case("put_encryption_two_rules", "s3:PutBucketEncryption", S3_API, ENC_EXC,
         "put-bucket-encryption-two-rules", E_DATE, encryption_put(lambda w: TWO_RULES),
         error(400, "MalformedXML", MALFORMED_XML)),
    case("put_encryption_kms_key_with_aes256", "s3:PutBucketEncryption", S3_API, ENC_EXC,
         "put-bucket-encryption-kms-with-aes", E_DATE, encryption_put(lambda w: KMS_KEY_WITH_AES),
         error(400, "InvalidArgument",
               "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
               ArgumentName="ApplyServerSideEncryptionByDefault")),
    case("put_encryption_aes256_bucket_key", "s3:PutBucketEncryption", S3_API, ENC_SSE_S3, "put-bucket-enc",
         "21-02-2026, 01:02:55", encryption_put(lambda w: AES_WITH_BUCKET_KEY), OK_200),
    case("put_encryption_kms_key", "s3:PutBucketEncryption", S3_API, ENC_KMS, "put-bucket-enc",
         "21-02-2026, 01:02:58", encryption_put(lambda w: sse_config(kms_rule(w))), OK_200),
    # KMSMasterKeyID: the key id as put (the recording's <uuid:1> is the id of the test's key).
    case("get_encryption_kms_key", "s3:GetBucketEncryption", S3_API, ENC_KMS, "get-bucket-enc",
         "21-02-2026, 01:02:58", encryption_get(lambda w: sse_config(kms_rule(w))),
         {"ServerSideEncryptionConfiguration": {"Rules": [{
             "ApplyServerSideEncryptionByDefault": {"KMSMasterKeyID": "<uuid:1>", "SSEAlgorithm": "aws:kms"},
             "BucketKeyEnabled": True}]}, **OK_200}),
    case("put_encryption_kms_key_bucket_key_off", "s3:PutBucketEncryption", S3_API, ENC_KMS,
         "put-bucket-enc-bucket-key-disabled", "21-02-2026, 01:02:58", encryption_rules_read_back, OK_200),
    case("put_encryption_kms_default_key", "s3:PutBucketEncryption", S3_API, ENC_KMS_MANAGED, "put-bucket-enc",
         "21-02-2026, 01:03:01", encryption_put(lambda w: sse_config(kms_rule(w, with_key=False))), OK_200),
    case("get_encryption_kms_default_key", "s3:GetBucketEncryption", S3_API, ENC_KMS_MANAGED, "get-bucket-enc",
         "21-02-2026, 01:03:01", encryption_get(lambda w: sse_config(kms_rule(w, with_key=False))),
         {"ServerSideEncryptionConfiguration": {"Rules": [{
             "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}, "BucketKeyEnabled": True}]},
          **OK_200}),

    # --- PutBucketPolicy / GetBucketPolicy / DeleteBucketPolicy (test_bucket_policy_crud/_exc) ---
    case("get_policy_never_set", "s3:GetBucketPolicy", S3_API, POLICY_CRUD, "get-bucket-default-policy",
         "21-02-2026, 01:04:22", policy_call("get"),
         error(404, "NoSuchBucketPolicy", "The bucket policy does not exist", BucketName="<bucket-name:1>")),
    case("put_policy", "s3:PutBucketPolicy", S3_API, POLICY_CRUD, "put-bucket-policy", "21-02-2026, 01:04:22",
         policy_call("put"), OK_204),
    case("get_policy", "s3:GetBucketPolicy", S3_API, POLICY_CRUD, "get-bucket-policy", "21-02-2026, 01:04:22",
         policy_call("get", put_first=True), {"Policy": RECORDED_POLICY, **OK_200}),
    case("delete_policy", "s3:DeleteBucketPolicy", S3_API, POLICY_CRUD, "delete-bucket-policy",
         "21-02-2026, 01:04:22", policy_call("delete", put_first=True), OK_204),
    case("get_policy_after_delete", "s3:GetBucketPolicy", S3_API, POLICY_CRUD, "get-bucket-policy-after-delete",
         "21-02-2026, 01:04:22", policy_call("get", put_first=True, deletes=1),
         error(404, "NoSuchBucketPolicy", "The bucket policy does not exist", BucketName="<bucket-name:1>")),
    case("delete_policy_after_delete", "s3:DeleteBucketPolicy", S3_API, POLICY_CRUD,
         "delete-bucket-policy-after-delete", "21-02-2026, 01:04:22",
         policy_call("delete", put_first=True, deletes=1), OK_204),
    case("put_policy_empty_string", "s3:PutBucketPolicy", S3_API, POLICY_EXC, "put-empty-bucket-policy", P_DATE,
         policy_call("put", policy=""),
         error(400, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")),
    case("put_policy_not_json", "s3:PutBucketPolicy", S3_API, POLICY_EXC, "put-bucket-policy-randomstring",
         P_DATE, policy_call("put", policy="invalid json"),
         error(400, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")),
    case("put_policy_empty_object", "s3:PutBucketPolicy", S3_API, POLICY_EXC, "put-bucket-policy-empty-json",
         P_DATE, policy_call("put", policy="{}"), error(400, "MalformedPolicy", "Missing required field Statement")),

    # --- ExpectedBucketOwner on the policy calls (test_s3.py) ---
    case("get_policy_expected_owner", "s3:GetBucketPolicy", S3, GET_POLICY,
         "get-bucket-policy-with-expected-bucket-owner", "21-02-2026, 00:18:28",
         policy_call("get", put_first=True, owner=ACCOUNT_A), {"Policy": RECORDED_POLICY, **OK_200}),
    case("get_policy_other_owner", "s3:GetBucketPolicy", S3, GET_POLICY,
         "get-bucket-policy-with-expected-bucket-owner-error", "21-02-2026, 00:18:28",
         policy_call("get", put_first=True, owner="000000000002"), ACCESS_DENIED),
    *[case(f"get_policy_invalid_owner_{i}", "s3:GetBucketPolicy", S3,
           f"{T_S3}test_get_bucket_policy_invalid_account_id[{owner}]", "get-bucket-policy-invalid-bucket-owner",
           date, policy_call("get", owner=owner), invalid_owner(owner))
      for i, (owner, date) in enumerate(GET_INVALID_OWNER_DATES.items(), 1)],
    *[case(f"put_policy_invalid_owner_{i}", "s3:PutBucketPolicy", S3,
           f"{T_S3}test_put_bucket_policy_invalid_account_id[{owner}]", "put-bucket-policy-invalid-bucket-owner",
           date, policy_call("put", owner=owner), invalid_owner(owner))
      for i, (owner, date) in enumerate(PUT_INVALID_OWNER_DATES.items(), 1)],
    case("put_policy_other_owner", "s3:PutBucketPolicy", S3, PUT_POLICY_OWNER,
         "put-bucket-policy-with-expected-bucket-owner-error", "21-02-2026, 00:18:39",
         policy_call("put", owner=ACCOUNT_B), ACCESS_DENIED),
    case("put_policy_expected_owner", "s3:PutBucketPolicy", S3, PUT_POLICY_OWNER,
         "put-bucket-policy-with-expected-bucket-owner", "21-02-2026, 00:18:39",
         policy_call("put", owner=ACCOUNT_A), OK_204),
    case("delete_policy_other_owner", "s3:DeleteBucketPolicy", S3, DELETE_POLICY_OWNER,
         "delete-bucket-policy-with-expected-bucket-owner-error", "21-02-2026, 00:18:49",
         policy_call("delete", put_first=True, owner=ACCOUNT_B), ACCESS_DENIED),
    case("delete_policy_invalid_owner", "s3:DeleteBucketPolicy", S3, DELETE_POLICY_OWNER,
         "delete-bucket-policy-invalid-bucket-owner", "21-02-2026, 00:18:49",
         policy_call("delete", put_first=True, owner="invalid"), invalid_owner("invalid")),
    case("delete_policy_expected_owner", "s3:DeleteBucketPolicy", S3, DELETE_POLICY_OWNER,
         "delete-bucket-policy-with-expected-bucket-owner", "21-02-2026, 00:18:49",
         policy_call("delete", put_first=True, owner=ACCOUNT_A), OK_204),

    # --- GetBucketLocation and CreateBucket's location constraint (test_s3.py) ---
    case("get_location_us_east_1", "s3:GetBucketLocation", S3, LOCATIONS, "get-bucket-location-bucket-us-east-1",
         "23-02-2026, 12:30:37", location_of("us-east-1"), {"LocationConstraint": None, **OK_200}),
    case("get_location_other_region", "s3:GetBucketLocation", S3, LOCATIONS,
         "get-bucket-location-bucket-us-east-2", "23-02-2026, 12:30:37", location_of("us-east-2"),
         {"LocationConstraint": "<location-constraint>", **OK_200}),
    case("get_location_no_bucket", "s3:GetBucketLocation", S3, LOCATIONS, "get-bucket-location-non-existent-bucket",
         "23-02-2026, 12:30:37", location_missing,
         {"LocationConstraint": None, **NO_SUCH_BUCKET}),
    case("create_bucket_us_east_1_constraint", "s3:CreateBucket", S3, LOCATIONS,
         "create-bucket-constraint-us-east-1", "23-02-2026, 12:30:37", create_in("us-east-1", "us-east-1"),
         error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid",
               LocationConstraint="<location-constraint>")),
    case("create_bucket_unknown_constraint", "s3:CreateBucket", S3, f"{INVALID_LOCATION}[us-east-1-foo]",
         "us-east-1-location-constraint-foo-error", "21-02-2026, 00:18:27", create_in("us-east-1", "foo"),
         error(400, "InvalidLocationConstraint", "The specified location-constraint is not valid",
               LocationConstraint="<location-constraint:1>")),
    case("create_bucket_regional_no_constraint", "s3:CreateBucket", S3, LOCATIONS,
         "create-bucket-us-east-2-no-constraint-exc", "23-02-2026, 12:30:37", create_in("us-east-2", None),
         error(400, "IllegalLocationConstraintException",
               "The unspecified location constraint is incompatible for the region specific endpoint "
               "this request was sent to.")),
    case("create_bucket_regional_other_constraint", "s3:CreateBucket", S3, LOCATIONS,
         "create-bucket-us-east-2-constraint-to-us-west-1", "23-02-2026, 12:30:37",
         create_in("us-east-2", "us-west-1"), incompatible("us-west-1")),
    case("create_bucket_regional_us_east_1_constraint", "s3:CreateBucket", S3, LOCATIONS,
         "create-bucket-us-west-1-constraint-to-us-east-1", "23-02-2026, 12:30:37",
         create_in("us-west-1", "us-east-1"), incompatible("us-east-1")),
    case("create_bucket_regional_unknown_constraint", "s3:CreateBucket", S3, f"{INVALID_LOCATION}[eu-west-1-bar]",
         "eu-west-1-location-constraint-bar-error", "21-02-2026, 00:18:27", create_in("eu-west-1", "bar"),
         incompatible("bar")),
]
