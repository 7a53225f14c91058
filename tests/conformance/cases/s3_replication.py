"""PutBucketReplication, GetBucketReplication and DeleteBucketReplication, as AWS answered them.

Recorded in LocalStack's ``TestS3BucketReplication`` (test_s3.py) and ``TestS3::
test_bucket_availability``. The recording replaced the role ARN, the destination bucket and the
rule ID (which AWS generated: the test put none) by the literal strings ``role``,
``dest-bucket`` and ``id`` (``reference_replacement=False``); here they are placeholders,
compared for presence.

Also AWS's answers quoted in public issue threads (the error code and message as the SDK
printed them; the threads do not show the HTTP status, which is the one the S3 API Reference's
"Error responses" list gives the code: ``InvalidArgument`` and ``InvalidRequest`` 400 Bad
Request -- terraform-provider-aws#23578 also prints ``status code: 400``):

* Metrics with an ``EventThreshold`` while ``ReplicationTime`` is ``Disabled``
  (crossplane-contrib/provider-aws#1117) or absent (pulumi/pulumi-aws#5806);
* a destination bucket in another account that is not versioned
  (hashicorp/terraform-provider-aws#23578).
"""

from __future__ import annotations

from typing import Any

from framework import ACCOUNT_A, ACCOUNT_B, Case, PublicIssue, Recording, World, answer

SNAPSHOT = "tests/aws/services/s3/test_s3.snapshot.json"
CONFIG_TEST = "tests/aws/services/s3/test_s3.py::TestS3BucketReplication::test_replication_config"
NO_FILTER_TEST = (
    "tests/aws/services/s3/test_s3.py::TestS3BucketReplication::test_replication_config_without_filter"
)
CONFIG_DATE = "21-02-2026, 00:35:17"
AVAILABILITY_TEST = "tests/aws/services/s3/test_s3.py::TestS3::test_bucket_availability"
ROLE = f"arn:aws:iam::{ACCOUNT_A}:role/conformance-replication"
METRICS_MESSAGE = "Metrics cannot contain an event threshold when ReplicationTime is not specified or Disabled"
DESTINATION_UNVERSIONED = "Destination bucket must have versioning enabled."

ERROR_400 = {"HTTPStatusCode": 400}


def _rtc_rule(destination: str) -> dict[str, Any]:
    return {
        "ID": "rtc",
        "Priority": 0,
        "Filter": {},
        "Status": "Disabled",
        "Destination": {
            "Bucket": destination,
            "StorageClass": "STANDARD",
            "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
            "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}},
        },
        "DeleteMarkerReplication": {"Status": "Disabled"},
    }


def _put(world: World, source: str, rule: dict[str, Any]) -> dict[str, Any]:
    s3 = world.client("s3")
    return answer(lambda: s3.put_bucket_replication(
        Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": [rule]}))


def destination_missing(world: World) -> dict[str, Any]:
    source = world.bucket(versioned=True)
    return _put(world, source, _rtc_rule("arn:aws:s3:::conformance-does-not-exist"))


def destination_unversioned(world: World) -> dict[str, Any]:
    source, destination = world.bucket(versioned=True), world.bucket()
    return _put(world, source, _rtc_rule(f"arn:aws:s3:::{destination}"))


def rtc_rule_put(world: World) -> dict[str, Any]:
    source, destination = world.bucket(versioned=True), world.bucket(versioned=True)
    return _put(world, source, _rtc_rule(f"arn:aws:s3:::{destination}"))


def rtc_rule_read_back(world: World) -> dict[str, Any]:
    source, destination = world.bucket(versioned=True), world.bucket(versioned=True)
    _put(world, source, _rtc_rule(f"arn:aws:s3:::{destination}"))
    return answer(lambda: world.client("s3").get_bucket_replication(Bucket=source))


def _prefix_rule(destination: str) -> dict[str, Any]:
    """The rule of ``test_replication_config``: V2 (a Filter), no ID, Priority 1."""
    return {
        "Status": "Enabled",
        "Priority": 1,
        "DeleteMarkerReplication": {"Status": "Disabled"},
        "Filter": {"Prefix": "Tax"},
        "Destination": {"Bucket": destination},
    }


def _destination_elsewhere(world: World) -> str:
    """A versioned destination in us-west-2, as ``test_replication_config`` made it."""
    return f"arn:aws:s3:::{world.bucket(versioned=True, region='us-west-2')}"


def source_unversioned(world: World) -> dict[str, Any]:
    source = world.bucket()
    return _put(world, source, _prefix_rule(_destination_elsewhere(world)))


def prefix_rule_put(world: World) -> dict[str, Any]:
    source = world.bucket(versioned=True)
    return _put(world, source, _prefix_rule(_destination_elsewhere(world)))


def prefix_rule_read_back(world: World) -> dict[str, Any]:
    source = world.bucket(versioned=True)
    _put(world, source, _prefix_rule(_destination_elsewhere(world)))
    return answer(lambda: world.client("s3").get_bucket_replication(Bucket=source))


def none_read(world: World) -> dict[str, Any]:
    source = world.bucket()
    return answer(lambda: world.client("s3").get_bucket_replication(Bucket=source))


def no_bucket_read(world: World) -> dict[str, Any]:
    return answer(lambda: world.client("s3").get_bucket_replication(Bucket=world.name("missing")))


def empty_rules_put(world: World) -> dict[str, Any]:
    source = world.bucket(versioned=True)
    _put(world, source, _prefix_rule(_destination_elsewhere(world)))
    s3 = world.client("s3")
    return answer(lambda: s3.put_bucket_replication(
        Bucket=source, ReplicationConfiguration={"Role": ROLE, "Rules": []}))


def deleted(times: int) -> Any:
    def run(world: World) -> dict[str, Any]:
        source = world.bucket(versioned=True)
        _put(world, source, _prefix_rule(_destination_elsewhere(world)))
        s3 = world.client("s3")
        result: dict[str, Any] = {}
        for _ in range(times):
            result = answer(lambda: s3.delete_bucket_replication(Bucket=source))
        return result
    return run


def _metrics_rule(destination: str, replication_time: dict[str, Any] | None) -> dict[str, Any]:
    """Metrics with an EventThreshold; RTC as given (the threads' configurations)."""
    rule = _rtc_rule(destination)
    rule["Status"] = "Enabled"
    if replication_time is None:
        del rule["Destination"]["ReplicationTime"]
    else:
        rule["Destination"]["ReplicationTime"] = replication_time
    return rule


def metrics_threshold(replication_time: dict[str, Any] | None) -> Any:
    def run(world: World) -> dict[str, Any]:
        source, destination = world.bucket(versioned=True), world.bucket(versioned=True)
        return _put(world, source, _metrics_rule(f"arn:aws:s3:::{destination}", replication_time))
    return run


def cross_account_destination_unversioned(world: World) -> dict[str, Any]:
    source, destination = world.bucket(versioned=True), world.bucket(ACCOUNT_B)
    rule = _prefix_rule(f"arn:aws:s3:::{destination}")
    rule["Destination"]["Account"] = ACCOUNT_B
    rule["Destination"]["AccessControlTranslation"] = {"Owner": "Destination"}
    return _put(world, source, rule)


CASES = [
    Case(
        name="put_replication_destination_missing",
        operation="s3:PutBucketReplication",
        source=Recording(SNAPSHOT, NO_FILTER_TEST, "expected_error_dest_does_not_exist", "21-02-2026"),
        run=destination_missing,
        expect={
            "Error": {"Code": "InvalidRequest", "Message": "Destination bucket must have versioning enabled."},
            "ResponseMetadata": ERROR_400,
        },
    ),
    Case(
        name="put_replication_destination_unversioned",
        operation="s3:PutBucketReplication",
        source=Recording(SNAPSHOT, NO_FILTER_TEST, "expected_error_dest_versioning_disabled", "21-02-2026"),
        run=destination_unversioned,
        expect={
            "Error": {"Code": "InvalidRequest", "Message": "Destination bucket must have versioning enabled."},
            "ResponseMetadata": ERROR_400,
        },
    ),
    Case(
        name="put_replication_rtc_rule",
        operation="s3:PutBucketReplication",
        source=Recording(SNAPSHOT, NO_FILTER_TEST, "put-bucket-replication", "21-02-2026"),
        run=rtc_rule_put,
        expect={"ResponseMetadata": {"HTTPStatusCode": 200}},
    ),
    Case(
        name="get_replication_rtc_rule",
        operation="s3:GetBucketReplication",
        source=Recording(SNAPSHOT, NO_FILTER_TEST, "get-bucket-replication", "21-02-2026"),
        run=rtc_rule_read_back,
        expect={
            "ReplicationConfiguration": {
                "Role": "<role>",
                "Rules": [{
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {
                        "Bucket": "<dest-bucket>",
                        "Metrics": {"EventThreshold": {"Minutes": 15}, "Status": "Enabled"},
                        "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                        "StorageClass": "STANDARD",
                    },
                    "Filter": {},
                    "ID": "rtc",
                    "Priority": 0,
                    "Status": "Disabled",
                }],
            },
            "ResponseMetadata": {"HTTPStatusCode": 200},
        },
    ),
    Case(
        name="get_replication_none",
        operation="s3:GetBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "expected_error_no_replication_set", CONFIG_DATE),
        run=none_read,
        expect={
            "Error": {"BucketName": "<bucket-name:1>", "Code": "ReplicationConfigurationNotFoundError",
                      "Message": "The replication configuration was not found"},
            "ResponseMetadata": {"HTTPStatusCode": 404},
        },
    ),
    Case(
        name="get_replication_no_bucket",
        operation="s3:GetBucketReplication",
        source=Recording(SNAPSHOT, AVAILABILITY_TEST, "bucket-replication", "21-02-2026, 00:20:57"),
        run=no_bucket_read,
        expect={
            "Error": {"BucketName": "<bucket-name:1>", "Code": "NoSuchBucket",
                      "Message": "The specified bucket does not exist"},
            "ResponseMetadata": {"HTTPStatusCode": 404},
        },
    ),
    Case(
        name="put_replication_source_unversioned",
        operation="s3:PutBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "expected_error_versioning_not_enabled", CONFIG_DATE),
        run=source_unversioned,
        expect={
            "Error": {"Code": "InvalidRequest",
                      "Message": "Versioning must be 'Enabled' on the bucket to apply a replication configuration"},
            "ResponseMetadata": ERROR_400,
        },
    ),
    Case(
        name="put_replication_prefix_rule",
        operation="s3:PutBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "put-bucket-replication", CONFIG_DATE),
        run=prefix_rule_put,
        expect={"ResponseMetadata": {"HTTPStatusCode": 200}},
    ),
    Case(
        name="get_replication_prefix_rule",
        operation="s3:GetBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "get-bucket-replication", CONFIG_DATE),
        run=prefix_rule_read_back,
        expect={
            "ReplicationConfiguration": {
                "Role": "<role>",
                "Rules": [{
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": "<dest-bucket>"},
                    "Filter": {"Prefix": "Tax"},
                    "ID": "<id>",
                    "Priority": 1,
                    "Status": "Enabled",
                }],
            },
            "ResponseMetadata": {"HTTPStatusCode": 200},
        },
    ),
    Case(
        name="put_replication_empty_rules",
        operation="s3:PutBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "put-empty-bucket-replication-rules", CONFIG_DATE),
        run=empty_rules_put,
        expect={
            "Error": {"Code": "MalformedXML", "Message": "The XML you provided was not well-formed or did not "
                      "validate against our published schema"},
            "ResponseMetadata": ERROR_400,
        },
    ),
    Case(
        name="delete_replication",
        operation="s3:DeleteBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "delete-bucket-replication", CONFIG_DATE),
        run=deleted(1),
        expect={"ResponseMetadata": {"HTTPStatusCode": 204}},
    ),
    Case(
        name="delete_replication_twice",
        operation="s3:DeleteBucketReplication",
        source=Recording(SNAPSHOT, CONFIG_TEST, "delete-bucket-replication-idempotent", CONFIG_DATE),
        run=deleted(2),
        expect={"ResponseMetadata": {"HTTPStatusCode": 204}},
    ),
    Case(
        name="put_replication_metrics_threshold_rtc_disabled",
        operation="s3:PutBucketReplication",
        source=PublicIssue(
            "https://github.com/crossplane-contrib/provider-aws/issues/1117",
            "api error InvalidArgument: " + METRICS_MESSAGE,
        ),
        run=metrics_threshold({"Status": "Disabled", "Time": {"Minutes": 15}}),
        expect={"Error": {"Code": "InvalidArgument", "Message": METRICS_MESSAGE}, "ResponseMetadata": ERROR_400},
    ),
    Case(
        name="put_replication_metrics_threshold_no_rtc",
        operation="s3:PutBucketReplication",
        source=PublicIssue(
            "https://github.com/pulumi/pulumi-aws/issues/5806",
            "Error putting S3 replication configuration: InvalidArgument: " + METRICS_MESSAGE,
        ),
        run=metrics_threshold(None),
        expect={"Error": {"Code": "InvalidArgument", "Message": METRICS_MESSAGE}, "ResponseMetadata": ERROR_400},
    ),
    Case(
        name="put_replication_cross_account_destination_unversioned",
        operation="s3:PutBucketReplication",
        source=PublicIssue(
            "https://github.com/hashicorp/terraform-provider-aws/issues/23578",
            "InvalidRequest: Destination bucket must have versioning enabled.\n\tstatus code: 400",
        ),
        run=cross_account_destination_unversioned,
        expect={"Error": {"Code": "InvalidRequest", "Message": DESTINATION_UNVERSIONED}, "ResponseMetadata": ERROR_400},
    ),
]
