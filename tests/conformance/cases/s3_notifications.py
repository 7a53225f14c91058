"""PutBucketNotificationConfiguration and GetBucketNotificationConfiguration, as AWS answered them.

Recorded in LocalStack's ``TestS3BucketNotificationConfiguration`` (test_s3_api.py),
``TestS3::test_get_bucket_notification_configuration_no_such_bucket`` (test_s3.py) and
``TestS3NotificationsToSQS`` (test_s3_notifications_sqs.py). The recordings replaced the account
of a queue ARN by ``111111111111`` (our account A, so the ARNs are compared whole), the region by
``<region>`` (written ``us-east-1`` here), the partition by ``<partition>`` (``aws``) and generated
names by placeholders; a queue named ``<queue>`` or ``my-queue-<queue_id>`` in a recording is the
case's own queue, whose name the case swaps for ``QUEUE`` before comparing.

One case has no recording: a queue whose policy does not let S3 send. AWS's wording of that
refusal is quoted in aws/aws-cli#8162; its layout (``ArgumentName1``/``ArgumentValue1``) is the
one recorded for a missing queue.
"""

from __future__ import annotations

import json
from typing import Any

from framework import ACCOUNT_A, Case, PublicIssue, Recording, World, answer

API = "tests/aws/services/s3/test_s3_api.snapshot.json"
API_TEST = "tests/aws/services/s3/test_s3_api.py::TestS3BucketNotificationConfiguration::"
S3 = "tests/aws/services/s3/test_s3.snapshot.json"
NO_BUCKET_TEST = "tests/aws/services/s3/test_s3.py::TestS3::test_get_bucket_notification_configuration_no_such_bucket"
SQS = "tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json"
SQS_TEST = "tests/aws/services/s3/test_s3_notifications_sqs.py::TestS3NotificationsToSQS::"
SQS_DATE = "21-01-2025, 23:22:07"

OK = {"HTTPStatusCode": 200}
ERROR_400 = {"HTTPStatusCode": 400}
MALFORMED = {
    "Error": {
        "Code": "MalformedXML",
        "Message": "The XML you provided was not well-formed or did not validate against our published schema",
    },
    "ResponseMetadata": ERROR_400,
}
QUEUE_ARN = f"arn:aws:sqs:us-east-1:{ACCOUNT_A}:QUEUE"
UNVALIDATED = "Unable to validate the following destination configurations"
NO_QUEUE = "The destination queue does not exist"
NO_PERMISSION = "Permissions on the destination queue do not allow S3 to publish notifications from this bucket"


def _named(result: dict[str, Any], name: str) -> dict[str, Any]:
    """``result`` with the case's queue name written ``QUEUE``, as the recordings abstract it."""
    return json.loads(json.dumps(result, default=str).replace(name, "QUEUE"))


def _permitted_queue(world: World, bucket: str) -> tuple[str, str]:
    """A queue with the policy LocalStack's tests set (``set_policy_for_queue``): Principal ``*``,
    ``ArnEquals aws:SourceArn`` the bucket."""
    sqs = world.client("sqs")
    url = sqs.create_queue(QueueName=world.name("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def _put(world: World, bucket: str, config: dict[str, Any], *, validate: bool = True,
         **client_config: Any) -> dict[str, Any]:
    s3 = world.client("s3", **client_config)
    extra = {} if validate else {"SkipDestinationValidation": True}
    return answer(lambda: s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration=config, **extra))


def _get(world: World, bucket: str) -> dict[str, Any]:
    return answer(lambda: world.client("s3").get_bucket_notification_configuration(Bucket=bucket))


def _queue_config(arn: str, rules: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"], **extra}
    if rules is not None:
        config["Filter"] = {"Key": {"FilterRules": rules}}
    return config


# --- filter rules (test_s3_api.py) ---------------------------------------------------------------


def _missing_values(rule: dict[str, str]):
    def run(world: World) -> dict[str, Any]:
        bucket = world.bucket()
        _, arn = world.queue()
        return _put(world, bucket, {"QueueConfigurations": [_queue_config(arn, [rule])]},
                    parameter_validation=False)
    return run


def invalid_rule_name(world: World) -> dict[str, Any]:
    bucket = world.bucket()
    _, arn = world.queue()
    return _put(world, bucket, {"QueueConfigurations": [
        _queue_config(arn, [{"Name": "INVALID", "Value": "does not matter"}])]})


def no_such_bucket(world: World) -> dict[str, Any]:
    return _get(world, world.name("conf-missing"))


# --- read back (test_s3_notifications_sqs.py) ------------------------------------------------------

_RULES = [{"Name": "Prefix", "Value": "testupload/"}, {"Name": "Suffix", "Value": "testfile.txt"}]


def _filter_test_bucket(world: World) -> tuple[str, str, str]:
    bucket = world.bucket()
    url, arn = _permitted_queue(world, bucket)
    return bucket, arn, arn.rsplit(":", 1)[1]


def filter_config(world: World) -> dict[str, Any]:
    bucket, arn, name = _filter_test_bucket(world)
    events = ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"]
    put = _put(world, bucket, {"QueueConfigurations": [
        {"Id": "id0001", "QueueArn": arn, "Events": events, "Filter": {"Key": {"FilterRules": _RULES}}},
        {"Id": "id0002", "QueueArn": arn, "Events": ["s3:ObjectTagging:*"],
         "Filter": {"Key": {"FilterRules": _RULES}}},
    ]})
    if put["ResponseMetadata"]["HTTPStatusCode"] != 200:
        return put
    return _named(_get(world, bucket), name)


def config_cleared(world: World) -> dict[str, Any]:
    bucket, arn, _ = _filter_test_bucket(world)
    _put(world, bucket, {"QueueConfigurations": [_queue_config(arn, _RULES, Id="id0001")]})
    _put(world, bucket, {})
    return _get(world, bucket)


def config_updated(world: World) -> dict[str, Any]:
    bucket, arn, name = _filter_test_bucket(world)
    _put(world, bucket, {"QueueConfigurations": [_queue_config(arn, _RULES, Id="id0001")]})
    _put(world, bucket, {})
    put = _put(world, bucket, {"QueueConfigurations": [_queue_config(arn, Id="id123456")]})
    return put if put["ResponseMetadata"]["HTTPStatusCode"] != 200 else _named(_get(world, bucket), name)


def config_updated_filter(world: World) -> dict[str, Any]:
    bucket, arn, name = _filter_test_bucket(world)
    _put(world, bucket, {"QueueConfigurations": [_queue_config(arn, Id="id123456")]})
    put = _put(world, bucket, {"QueueConfigurations": [
        _queue_config(arn, [{"Name": "Prefix", "Value": "testupload/"}], Id="id123456")]})
    return put if put["ResponseMetadata"]["HTTPStatusCode"] != 200 else _named(_get(world, bucket), name)


def _rules_read_back(rules: list[dict[str, str]]):
    def run(world: World) -> dict[str, Any]:
        bucket = world.bucket()
        _, arn = world.queue()  # no policy: the test skips destination validation
        put = _put(world, bucket, {"QueueConfigurations": [_queue_config(arn, rules)]}, validate=False)
        if put["ResponseMetadata"]["HTTPStatusCode"] != 200:
            return put
        got = _named(_get(world, bucket), arn.rsplit(":", 1)[1])
        for config in got.get("QueueConfigurations", []):  # the test sorts the rules by name
            config.get("Filter", {}).get("Key", {}).get("FilterRules", []).sort(key=lambda r: r.get("Name", ""))
        return got
    return run


# --- destinations (test_s3_notifications_sqs.py) -------------------------------------------------

_MISSING = f"arn:aws:sqs:us-east-1:{ACCOUNT_A}:my-queue"
_MISSING_2 = f"arn:aws:sqs:us-east-1:{ACCOUNT_A}:my-queue-2"


def _one_queue(arn: str, *, validate: bool = True):
    def run(world: World) -> dict[str, Any]:
        bucket = world.bucket()
        return _put(world, bucket, {"QueueConfigurations": [
            {"Id": "id123", "Events": ["s3:ObjectCreated:*"], "QueueArn": arn}]}, validate=validate)
    return run


def skip_validation_read_back(world: World) -> dict[str, Any]:
    bucket = world.bucket()
    config = {"QueueConfigurations": [{"Id": "id123", "Events": ["s3:ObjectCreated:*"], "QueueArn": _MISSING}]}
    refused = _put(world, bucket, config)
    if refused["ResponseMetadata"]["HTTPStatusCode"] != 400:
        return {"unexpected": "a missing queue was accepted without SkipDestinationValidation"}
    put = _put(world, bucket, config, validate=False)
    return put if put["ResponseMetadata"]["HTTPStatusCode"] != 200 else _get(world, bucket)


def _two_queues(first: str, second: str):
    def run(world: World) -> dict[str, Any]:
        bucket = world.bucket()
        return _put(world, bucket, {"QueueConfigurations": [
            {"Id": "id1", "Events": ["s3:ObjectCreated:*"], "QueueArn": first},
            {"Id": "id2", "Events": ["s3:ObjectRemoved:*"], "QueueArn": second},
        ]})
    return run


def queue_without_policy(world: World) -> dict[str, Any]:
    bucket = world.bucket()
    _, arn = world.queue()
    return _named(_put(world, bucket, {"QueueConfigurations": [_queue_config(arn)]}), arn.rsplit(":", 1)[1])


def queue_policy_for_other_bucket(world: World) -> dict[str, Any]:
    bucket, other = world.bucket(), world.bucket()
    _, arn = world.queue(allow_bucket=other)
    return _named(_put(world, bucket, {"QueueConfigurations": [_queue_config(arn)]}), arn.rsplit(":", 1)[1])


def _error(message: str, **fields: str) -> dict[str, Any]:
    return {"Error": {"Code": "InvalidArgument", "Message": message, **fields}, "ResponseMetadata": ERROR_400}


def _read_back(*configs: dict[str, Any]) -> dict[str, Any]:
    return {"QueueConfigurations": list(configs), "ResponseMetadata": OK}


_NO_PERMISSION_SOURCE = PublicIssue(
    "https://github.com/aws/aws-cli/issues/8162",
    "the real cause of the issue was `Permissions on the destination queue do not allow S3 to publish "
    "notifications from this bucket` (behind `Unable to validate the following destination configurations`)",
)

CASES = [
    Case(
        name="put_notification_filter_rule_empty",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(API, API_TEST + "test_bucket_notification_with_missing_values_in_rule",
                         "invalid-rule-no-values", "21-02-2026, 01:05:59"),
        run=_missing_values({}),
        expect=MALFORMED,
    ),
    Case(
        name="put_notification_filter_rule_without_value",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(API, API_TEST + "test_bucket_notification_with_missing_values_in_rule",
                         "invalid-rule-no-value", "21-02-2026, 01:05:59"),
        run=_missing_values({"Name": "prefix"}),
        expect=MALFORMED,
    ),
    Case(
        name="put_notification_filter_rule_without_name",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(API, API_TEST + "test_bucket_notification_with_missing_values_in_rule",
                         "invalid-rule-no-name", "21-02-2026, 01:05:59"),
        run=_missing_values({"Value": "test"}),
        expect=MALFORMED,
    ),
    Case(
        name="put_notification_filter_rule_invalid_name",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(API, API_TEST + "test_bucket_notification_with_invalid_filter_rules",
                         "invalid_filter_name", "21-02-2026, 01:06:01"),
        run=invalid_rule_name,
        expect=_error("filter rule name must be either prefix or suffix",
                      ArgumentName="FilterRule.Name", ArgumentValue="INVALID"),
    ),
    Case(
        name="get_notification_no_such_bucket",
        operation="s3:GetBucketNotificationConfiguration",
        source=Recording(S3, NO_BUCKET_TEST, "expected_error", "21-02-2026, 00:17:58"),
        run=no_such_bucket,
        expect={"Error": {"BucketName": "<bucket-name:1>", "Code": "NoSuchBucket",
                          "Message": "The specified bucket does not exist"},
                "ResponseMetadata": {"HTTPStatusCode": 404}},
    ),
    Case(
        name="get_notification_filtered_queues",
        operation="s3:GetBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_notifications_with_filter", "config", "21-01-2025, 23:21:59"),
        run=filter_config,
        expect=_read_back(
            {"Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
             "Filter": {"Key": {"FilterRules": _RULES}}, "Id": "id0001", "QueueArn": QUEUE_ARN},
            {"Events": ["s3:ObjectTagging:*"],
             "Filter": {"Key": {"FilterRules": _RULES}}, "Id": "id0002", "QueueArn": QUEUE_ARN},
        ),
    ),
    Case(
        name="get_notification_after_clearing",
        operation="s3:GetBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_notifications_with_filter", "config_empty", "21-01-2025, 23:21:59"),
        run=config_cleared,
        expect={"ResponseMetadata": OK},
    ),
    Case(
        name="get_notification_replaced",
        operation="s3:GetBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_notifications_with_filter", "config_updated", "21-01-2025, 23:21:59"),
        run=config_updated,
        expect=_read_back({"Events": ["s3:ObjectCreated:*"], "Id": "id123456", "QueueArn": QUEUE_ARN}),
    ),
    Case(
        name="get_notification_replaced_with_filter",
        operation="s3:GetBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_notifications_with_filter", "config_updated_filter",
                         "21-01-2025, 23:21:59"),
        run=config_updated_filter,
        expect=_read_back({"Events": ["s3:ObjectCreated:*"],
                           "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "testupload/"}]}},
                           "Id": "id123456", "QueueArn": QUEUE_ARN}),
    ),
    Case(
        name="put_notification_filter_rule_names_any_case",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_filter_rules_case_insensitive", "bucket_notification_configuration",
                         "21-01-2025, 23:22:01"),
        run=_rules_read_back([{"Name": "suffix", "Value": ".txt"}, {"Name": "PREFIX", "Value": "notif-"}]),
        expect=_read_back({"Events": ["s3:ObjectCreated:*"],
                           "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "notif-"},
                                                              {"Name": "Suffix", "Value": ".txt"}]}},
                           "Id": "<id:1>", "QueueArn": QUEUE_ARN}),
    ),
    Case(
        name="put_notification_filter_rule_empty_value",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_filter_rules_empty_value", "bucket_notification_configuration",
                         "02-09-2025, 21:50:09"),
        run=_rules_read_back([{"Name": "suffix", "Value": ""}]),
        expect=_read_back({"Events": ["s3:ObjectCreated:*"],
                           "Filter": {"Key": {"FilterRules": [{"Name": "Suffix", "Value": ""}]}},
                           "Id": "<id:1>", "QueueArn": QUEUE_ARN}),
    ),
    Case(
        name="put_notification_queue_arn_unparsable",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_invalid_sqs_arn", "invalid_not_skip", "21-01-2025, 23:22:05"),
        run=_one_queue("invalid-queue"),
        expect=_error("The ARN could not be parsed", ArgumentName="Queue", ArgumentValue="invalid-queue"),
    ),
    Case(
        name="put_notification_queue_arn_unparsable_unvalidated",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_invalid_sqs_arn", "invalid_skip", "21-01-2025, 23:22:05"),
        run=_one_queue("invalid-queue", validate=False),
        expect=_error("The ARN could not be parsed", ArgumentName="Queue", ArgumentValue="invalid-queue"),
    ),
    Case(
        name="put_notification_queue_missing",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_invalid_sqs_arn", "queue-does-not-exist", "21-01-2025, 23:22:05"),
        run=_one_queue(_MISSING),
        expect=_error(UNVALIDATED, ArgumentName1=_MISSING, ArgumentValue1=NO_QUEUE),
    ),
    Case(
        name="put_notification_queue_missing_unvalidated",
        operation="s3:GetBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_invalid_sqs_arn", "skip_destination_validation",
                         "21-01-2025, 23:22:05"),
        run=skip_validation_read_back,
        expect=_read_back({"Events": ["s3:ObjectCreated:*"], "Id": "id123", "QueueArn": _MISSING}),
    ),
    Case(
        name="put_notification_two_queue_arns_unparsable",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_multiple_invalid_sqs_arns", "two-queue-arns-invalid", SQS_DATE),
        run=_two_queues("invalid_arn", "invalid_arn_2"),
        expect=_error("The ARN could not be parsed", ArgumentName="Queue", ArgumentValue="invalid_arn"),
    ),
    Case(
        name="put_notification_queue_missing_and_arn_unparsable",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_multiple_invalid_sqs_arns", "one-queue-invalid-one-not-existent",
                         SQS_DATE),
        run=_two_queues(_MISSING, "invalid_arn_2"),
        expect=_error("The ARN could not be parsed", ArgumentName="Queue", ArgumentValue="invalid_arn_2"),
    ),
    Case(
        name="put_notification_two_queues_missing",
        operation="s3:PutBucketNotificationConfiguration",
        source=Recording(SQS, SQS_TEST + "test_multiple_invalid_sqs_arns", "multiple-queues-do-not-exist", SQS_DATE),
        run=_two_queues(_MISSING, _MISSING_2),
        expect=_error(UNVALIDATED, ArgumentName1=_MISSING, ArgumentName2=_MISSING_2,
                      ArgumentValue1=NO_QUEUE, ArgumentValue2=NO_QUEUE),
    ),
    Case(
        name="put_notification_queue_without_policy",
        operation="s3:PutBucketNotificationConfiguration",
        source=_NO_PERMISSION_SOURCE,
        run=queue_without_policy,
        expect=_error(UNVALIDATED, ArgumentName1=QUEUE_ARN, ArgumentValue1=NO_PERMISSION),
    ),
    Case(
        name="put_notification_queue_policy_for_other_bucket",
        operation="s3:PutBucketNotificationConfiguration",
        source=_NO_PERMISSION_SOURCE,
        run=queue_policy_for_other_bucket,
        expect=_error(UNVALIDATED, ArgumentName1=QUEUE_ARN, ArgumentValue1=NO_PERMISSION),
    ),
]
