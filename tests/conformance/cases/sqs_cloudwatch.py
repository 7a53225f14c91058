"""SQS queue and message operations and CloudWatch metrics, as AWS answered them.

SQS: recorded in LocalStack's ``TestSqsProvider`` (test_sqs.py), the ``[sqs]`` variants, whose
client speaks SQS's JSON protocol as botocore and the Rust SDK do. CloudWatch: recorded in
``TestCloudwatch`` (test_cloudwatch.py), the ``[json]`` variants (botocore speaks awsJson1_0 to
CloudWatch; the Rust SDK's rpcv2Cbor reaches the same bridge). The recordings replaced
timestamps by the literal ``timestamp``, ARNs, ids and receipt handles by ``<...>``; here all of
these are placeholders, compared for presence.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from framework import Case, Recording, World, answer

SQS = "tests/aws/services/sqs/test_sqs.snapshot.json"
SQS_PY = "tests/aws/services/sqs/test_sqs.py::TestSqsProvider::"
CW = "tests/aws/services/cloudwatch/test_cloudwatch.snapshot.json"
CW_PY = "tests/aws/services/cloudwatch/test_cloudwatch.py::TestCloudwatch::"

OK = {"HTTPStatusCode": 200}
ERROR_400 = {"HTTPStatusCode": 400}


def _sqs_error(code: str, text: str, query_code: str, **extra: Any) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": text, "QueryErrorCode": query_code, "Type": "Sender"},
            **extra, "ResponseMetadata": ERROR_400}


def _attributes(**values: str) -> dict[str, str]:
    """GetQueueAttributes(All) of a standard queue as AWS answered it, with ``values`` over the defaults."""
    attributes = {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesDelayed": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "CreatedTimestamp": "<timestamp>",
        "DelaySeconds": "0",
        "LastModifiedTimestamp": "<timestamp>",
        "MaximumMessageSize": "1048576",
        "MessageRetentionPeriod": "345600",
        "QueueArn": "<queue-arn>",
        "ReceiveMessageWaitTimeSeconds": "0",
        "SqsManagedSseEnabled": "true",
        "VisibilityTimeout": "30",
    }
    attributes.update(values)
    return attributes


# --- SQS runs ------------------------------------------------------------------------------


def _queue(world: World, **attributes: str) -> str:
    args: dict[str, Any] = {"QueueName": world.name("q")}
    if attributes:
        args["Attributes"] = attributes
    return world.client("sqs").create_queue(**args)["QueueUrl"]


def _all(world: World, url: str) -> dict[str, Any]:
    return answer(lambda: world.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"]))


def _deleted_queue(world: World) -> tuple[str, str]:
    sqs = world.client("sqs")
    name = world.name("q")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    return name, url


def missing_queue_attributes(world: World) -> dict[str, Any]:
    _, url = _deleted_queue(world)
    return answer(lambda: world.client("sqs").get_queue_attributes(QueueUrl=url))


def missing_queue_url(world: World) -> dict[str, Any]:
    name, _ = _deleted_queue(world)
    return answer(lambda: world.client("sqs").get_queue_url(QueueName=name))


def created_attributes(world: World) -> dict[str, Any]:
    url = _queue(world, MessageRetentionPeriod="604800", ReceiveMessageWaitTimeSeconds="10",
                 VisibilityTimeout="20")
    return _all(world, url)


def updated_attributes(world: World) -> dict[str, Any]:
    url = _queue(world, MessageRetentionPeriod="604800", ReceiveMessageWaitTimeSeconds="10",
                 VisibilityTimeout="20")
    world.client("sqs").set_queue_attributes(
        QueueUrl=url, Attributes={"MaximumMessageSize": "2048", "VisibilityTimeout": "69", "DelaySeconds": "420"})
    return _all(world, url)


def default_attributes(world: World) -> dict[str, Any]:
    return _all(world, _queue(world))


def kms_attributes(world: World) -> dict[str, Any]:
    url = _queue(world)
    world.client("sqs").set_queue_attributes(
        QueueUrl=url, Attributes={"KmsMasterKeyId": "testKeyId", "KmsDataKeyReusePeriodSeconds": "6000"})
    return _all(world, url)


def kms_attributes_reset(world: World) -> dict[str, Any]:
    url = _queue(world)
    sqs = world.client("sqs")
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"KmsMasterKeyId": "testKeyId", "KmsDataKeyReusePeriodSeconds": "6000"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "", "KmsDataKeyReusePeriodSeconds": "300"})
    return _all(world, url)


def create_queue_conflict(world: World) -> dict[str, Any]:
    sqs = world.client("sqs")
    name = world.name("q")
    sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "1"})
    sqs.create_queue(QueueName=name)
    sqs.create_queue(QueueName=name, Attributes={"DelaySeconds": "1"})
    return answer(lambda: sqs.create_queue(
        QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "2"}))


def create_queue_conflict_after_update(world: World) -> dict[str, Any]:
    sqs = world.client("sqs")
    name = world.name("q")
    url = sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "1"})[
        "QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
    sqs.create_queue(QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "2"})
    return answer(lambda: sqs.create_queue(
        QueueName=name, Attributes={"ReceiveMessageWaitTimeSeconds": "1", "DelaySeconds": "1"}))


def set_fifo_on_standard(value: str):
    def run(world: World) -> dict[str, Any]:
        url = _queue(world)
        return answer(lambda: world.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"FifoQueue": value}))
    return run


def receive_empty(wait: int | None):
    def run(world: World) -> dict[str, Any]:
        url = _queue(world)
        args: dict[str, Any] = {"QueueUrl": url, "MaxNumberOfMessages": 1}
        if wait is not None:
            args["WaitTimeSeconds"] = wait
        return answer(lambda: world.client("sqs").receive_message(**args))
    return run


def receive_invalid(**args: Any):
    def run(world: World) -> dict[str, Any]:
        url = _queue(world)
        sqs = world.client("sqs")
        sqs.send_message(QueueUrl=url, MessageBody="message")
        return answer(lambda: sqs.receive_message(QueueUrl=url, **args))
    return run


def receive_one(wait: int | None):
    def run(world: World) -> dict[str, Any]:
        url = _queue(world)
        sqs = world.client("sqs")
        sqs.send_message(QueueUrl=url, MessageBody="message")
        sqs.send_message(QueueUrl=url, MessageBody="message")
        args: dict[str, Any] = {"QueueUrl": url, "MaxNumberOfMessages": 1}
        if wait is not None:
            args["WaitTimeSeconds"] = wait
        return answer(lambda: sqs.receive_message(**args))
    return run


def delete_after_visibility_timeout(world: World) -> dict[str, Any]:
    url = _queue(world, VisibilityTimeout="1")
    sqs = world.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="foobar")
    handle = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"][0]["ReceiptHandle"]
    time.sleep(1)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    return answer(lambda: sqs.receive_message(QueueUrl=url))


def send_with_attributes(world: World) -> dict[str, Any]:
    url = _queue(world, VisibilityTimeout="0")
    return answer(lambda: world.client("sqs").send_message(
        QueueUrl=url, MessageBody="msg",
        MessageAttributes={
            "Help.Me": {"DataType": "String", "StringValue": "Me"},
            "Hello": {"DataType": "String", "StringValue": "There"},
            "General": {"DataType": "String", "StringValue": "Kenobi"},
        }))


def send_oversized(world: World) -> dict[str, Any]:
    url = _queue(world)
    attributes = {"k": {"DataType": "String", "StringValue": "x"}}
    body = "a" * (1048576 - len("k") - len("String") - len("x") + 1)
    return answer(lambda: world.client("sqs").send_message(QueueUrl=url, MessageBody=body,
                                                           MessageAttributes=attributes))


def send_empty(world: World) -> dict[str, Any]:
    url = _queue(world)
    return answer(lambda: world.client("sqs").send_message(QueueUrl=url, MessageBody=""))


# --- CloudWatch runs -----------------------------------------------------------------------


def _namespace(world: World) -> str:
    return "test/" + world.name("ns")


def _put(world: World, namespace: str, *data: dict[str, Any]) -> Any:
    return answer(lambda: world.client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=list(data)))


def _stat_query(qid: str, namespace: str, name: str, stat: str, dimensions: list[dict[str, str]] | None = None
                ) -> dict[str, Any]:
    metric: dict[str, Any] = {"Namespace": namespace, "MetricName": name}
    if dimensions is not None:
        metric["Dimensions"] = dimensions
    return {"Id": qid, "MetricStat": {"Metric": metric, "Period": 60, "Stat": stat}}


def _get(world: World, now: datetime, *queries: dict[str, Any]) -> dict[str, Any]:
    return answer(lambda: world.client("cloudwatch").get_metric_data(
        MetricDataQueries=list(queries), StartTime=now - timedelta(seconds=60), EndTime=now + timedelta(seconds=60)))


SET_55 = {"SampleCount": 10, "Sum": 55, "Minimum": 1, "Maximum": 10}


def put_invalid(datum: dict[str, Any]):
    def run(world: World) -> dict[str, Any]:
        full = {"MetricName": "mymetric", "Timestamp": datetime.now(tz=UTC), "Unit": "Count", **datum}
        return _put(world, _namespace(world), full)
    return run


def put_values_and_statistic_values(world: World) -> dict[str, Any]:
    return put_invalid({"Values": [1.0, 10.0], "StatisticValues": SET_55})(world)


def multiple_metrics(world: World) -> dict[str, Any]:
    now, ns = datetime.now(tz=UTC), _namespace(world)
    _put(world, ns, {"MetricName": "metric1", "Value": 50, "Unit": "Seconds", "Timestamp": now})
    _put(world, ns, {"MetricName": "metric2", "Value": 25, "Unit": "Seconds", "Timestamp": now})
    _put(world, ns, {"MetricName": "metric3", "StatisticValues": SET_55, "Unit": "Seconds", "Timestamp": now})
    return _get(world, now, *(_stat_query(f"result{i}", ns, f"metric{i}", "Sum") for i in (1, 2, 3)))


def stats(stat: str):
    def run(world: World) -> dict[str, Any]:
        now, ns = datetime.now(tz=UTC), _namespace(world)
        _put(world, ns, {"MetricName": "metric1", "Value": 11, "Unit": "Seconds", "Timestamp": now})
        _put(world, ns, {"MetricName": "metric1", "StatisticValues": SET_55, "Unit": "Seconds", "Timestamp": now})
        return _get(world, now, _stat_query("result1", ns, "metric1", stat))
    return run


def with_dimensions(world: World) -> dict[str, Any]:
    now, ns = datetime.now(tz=UTC), _namespace(world)
    for value in ("one", "two"):
        _put(world, ns, {"MetricName": "metric1", "Value": 11, "Unit": "Seconds",
                         "Dimensions": [{"Name": "InstanceId", "Value": value}], "Timestamp": now})
    _put(world, ns, {"MetricName": "metric1", "StatisticValues": SET_55, "Unit": "Seconds", "Timestamp": now})
    return _get(world, now, _stat_query("result1", ns, "metric1", "Sum", [{"Name": "InstanceId", "Value": "one"}]))


def zero_and_labels(world: World) -> dict[str, Any]:
    now, ns = datetime.now(tz=UTC), _namespace(world)
    _put(world, ns, *({"MetricName": "metric1", "Value": v, "Unit": "Seconds"} for v in (0, 2, 4, 3.5, 7, 100)))
    return _get(world, now, *(_stat_query("result_" + s, ns, "metric1", s)
                              for s in ("Average", "Sum", "Minimum", "Maximum")))


def no_results(world: World) -> dict[str, Any]:
    now, ns = datetime.now(tz=UTC), _namespace(world)
    _put(world, ns, {"MetricName": "m", "Value": 1})
    return _get(world, now, _stat_query("result", ns, "m", "Sum", [{"Name": "foo", "Value": "bar"}]))


def values_list_statistics(world: World) -> dict[str, Any]:
    now, ns = datetime.now(tz=UTC), _namespace(world)
    _put(world, ns, {"MetricName": "test-metric", "Timestamp": now, "Values": [1.0, 10.0], "Counts": [2, 4],
                     "Unit": "Count"})
    return answer(lambda: world.client("cloudwatch").get_metric_statistics(
        Namespace=ns, MetricName="test-metric", StartTime=now - timedelta(seconds=60),
        EndTime=now + timedelta(seconds=60), Period=60, Statistics=["SampleCount", "Sum", "Maximum"]))


def minimal_alarm(world: World) -> dict[str, Any]:
    cw = world.client("cloudwatch")
    name = world.name("a")
    cw.put_metric_alarm(AlarmName=name, MetricName=world.name("m"), Namespace=world.name("n-sp"),
                        EvaluationPeriods=1, Period=10, Statistic="Sum",
                        ComparisonOperator="GreaterThanThreshold", Threshold=30)
    return answer(lambda: cw.describe_alarms(AlarmNames=[name]))


def _result(qid: str, label: str, values: list[float]) -> dict[str, Any]:
    return {"Id": qid, "Label": label, "StatusCode": "Complete", "Timestamps": "<timestamps>", "Values": values}


def _metric_data(*results: dict[str, Any]) -> dict[str, Any]:
    return {"Messages": [], "MetricDataResults": list(results), "ResponseMetadata": OK}


def _cw_error(code: str, message: str, query_code: str) -> dict[str, Any]:
    return {"Error": {"Code": code, "Message": message, "QueryErrorCode": query_code, "Type": "Sender"},
            "message": message, "ResponseMetadata": ERROR_400}


NON_EXISTENT = _sqs_error("AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.",
                          "QueueDoesNotExist")
QUEUE_EXISTS = _sqs_error("QueueAlreadyExists",
                          "A queue already exists with the same name and a different value for attribute DelaySeconds",
                          "QueueNameExists")
FIFO_ATTRIBUTE = _sqs_error("InvalidAttributeName", "Unknown Attribute FifoQueue.", "InvalidAttributeName",
                            message="Unknown Attribute FifoQueue.")


def _wait_error(value: int) -> dict[str, Any]:
    return _sqs_error("InvalidParameterValue",
                      f"Value {value} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, "
                      "if provided.", "InvalidParameterValueException")


ONE_MESSAGE = {"Messages": [{"Body": "message", "MD5OfBody": "78e731027d8fd50ed642340b7c9a63b3",
                             "MessageId": "<uuid>", "ReceiptHandle": "<receipt-handle>"}],
               "ResponseMetadata": OK}

# stat: (recorded value, recorded-date)
STAT_VALUES = {"Sum": (66.0, "19-09-2025, 20:32:05"), "SampleCount": (11.0, "19-09-2025, 20:32:08"),
               "Minimum": (1.0, "19-09-2025, 20:32:10"), "Maximum": (11.0, "19-09-2025, 20:32:13"),
               "Average": (6.0, "19-09-2025, 20:32:15")}

CASES = [
    # --- SQS: a queue that does not exist ------------------------------------------------
    Case(
        name="sqs_get_queue_attributes_missing_queue",
        operation="sqs:GetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_non_existent_queue", "queue-does-not-exist", "30-04-2024, 13:35:47"),
        run=missing_queue_attributes,
        expect=NON_EXISTENT,
    ),
    Case(
        name="sqs_get_queue_url_missing_queue",
        operation="sqs:GetQueueUrl",
        source=Recording(SQS, SQS_PY + "test_non_existent_queue", "queue-does-not-exist-url",
                         "30-04-2024, 13:35:47"),
        run=missing_queue_url,
        expect=NON_EXISTENT,
    ),
    # --- SQS: CreateQueue, GetQueueAttributes, SetQueueAttributes -------------------------
    Case(
        name="sqs_get_queue_attributes_created",
        operation="sqs:GetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_create_and_update_queue_attributes[sqs]", "get_queue_attributes",
                         "19-08-2025, 13:29:48"),
        run=created_attributes,
        expect={"Attributes": _attributes(MessageRetentionPeriod="604800", ReceiveMessageWaitTimeSeconds="10",
                                          VisibilityTimeout="20"), "ResponseMetadata": OK},
    ),
    Case(
        name="sqs_get_queue_attributes_updated",
        operation="sqs:SetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_create_and_update_queue_attributes[sqs]",
                         "get_updated_queue_attributes", "19-08-2025, 13:29:48"),
        run=updated_attributes,
        expect={"Attributes": _attributes(DelaySeconds="420", MaximumMessageSize="2048",
                                          MessageRetentionPeriod="604800", ReceiveMessageWaitTimeSeconds="10",
                                          VisibilityTimeout="69"), "ResponseMetadata": OK},
    ),
    Case(
        name="sqs_get_queue_attributes_defaults",
        operation="sqs:GetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_set_queue_attributes_default_values[sqs]",
                         "get-queue-attributes-initial-values", "10-12-2025, 18:38:55"),
        run=default_attributes,
        expect={"Attributes": _attributes(), "ResponseMetadata": OK},
    ),
    Case(
        name="sqs_set_queue_attributes_kms",
        operation="sqs:SetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_set_queue_attributes_default_values[sqs]",
                         "get-queue-attributes-after-update", "10-12-2025, 18:38:55"),
        run=kms_attributes,
        expect={"Attributes": _attributes(KmsDataKeyReusePeriodSeconds="6000", KmsMasterKeyId="testKeyId",
                                          SqsManagedSseEnabled="false"), "ResponseMetadata": OK},
    ),
    Case(
        name="sqs_set_queue_attributes_kms_reset",
        operation="sqs:SetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_set_queue_attributes_default_values[sqs]",
                         "get-queue-attributes-after-set-to-defaults", "10-12-2025, 18:38:55"),
        run=kms_attributes_reset,
        expect={"Attributes": _attributes(SqsManagedSseEnabled="false"), "ResponseMetadata": OK},
    ),
    Case(
        name="sqs_create_queue_different_attributes",
        operation="sqs:CreateQueue",
        source=Recording(SQS, SQS_PY + "test_create_queue_with_different_attributes_raises_exception[sqs]",
                         "create_queue_01", "30-04-2024, 13:33:18"),
        run=create_queue_conflict,
        expect=QUEUE_EXISTS,
    ),
    Case(
        name="sqs_create_queue_different_attributes_after_update",
        operation="sqs:CreateQueue",
        source=Recording(SQS, SQS_PY + "test_create_queue_with_different_attributes_raises_exception[sqs]",
                         "create_queue_02", "30-04-2024, 13:33:18"),
        run=create_queue_conflict_after_update,
        expect=QUEUE_EXISTS,
    ),
    Case(
        name="sqs_set_queue_attributes_fifo_on_standard",
        operation="sqs:SetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_set_unsupported_attribute_standard[sqs]", "invalid-attr-name-1",
                         "14-05-2024, 22:34:35"),
        run=set_fifo_on_standard("true"),
        expect=FIFO_ATTRIBUTE,
    ),
    Case(
        name="sqs_set_queue_attributes_fifo_false_on_standard",
        operation="sqs:SetQueueAttributes",
        source=Recording(SQS, SQS_PY + "test_set_unsupported_attribute_standard[sqs]", "invalid-attr-name-2",
                         "14-05-2024, 22:34:35"),
        run=set_fifo_on_standard("false"),
        expect=FIFO_ATTRIBUTE,
    ),
    # --- SQS: ReceiveMessage, DeleteMessage, SendMessage ---------------------------------
    Case(
        name="sqs_receive_empty_short_poll",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_receive_empty_queue[sqs]", "empty_short_poll_resp",
                         "10-02-2025, 13:18:17"),
        run=receive_empty(None),
        expect={"ResponseMetadata": OK},
    ),
    Case(
        name="sqs_receive_empty_long_poll",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_receive_empty_queue[sqs]", "empty_long_poll_resp",
                         "10-02-2025, 13:18:17"),
        run=receive_empty(1),
        expect={"ResponseMetadata": OK},
    ),
    Case(
        name="sqs_receive_wait_time_too_large",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_send_receive_wait_time_seconds[sqs]",
                         "recieve_message_error_too_large", "10-02-2025, 13:22:29"),
        run=receive_invalid(WaitTimeSeconds=21),
        expect=_wait_error(21),
    ),
    Case(
        name="sqs_receive_wait_time_negative",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_send_receive_wait_time_seconds[sqs]",
                         "recieve_message_error_too_small", "10-02-2025, 13:22:29"),
        run=receive_invalid(WaitTimeSeconds=-1),
        expect=_wait_error(-1),
    ),
    Case(
        name="sqs_receive_too_many_messages",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_send_receive_max_number_of_messages[sqs]",
                         "send_max_number_of_messages", "30-04-2024, 13:32:56"),
        run=receive_invalid(MaxNumberOfMessages=11),
        expect=_sqs_error("InvalidParameterValue",
                          "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
                          "if provided.", "InvalidParameterValueException"),
    ),
    Case(
        name="sqs_receive_one_message",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_send_receive_wait_time_seconds[sqs]",
                         "empty_short_poll_by_default_resp", "10-02-2025, 13:22:29"),
        run=receive_one(None),
        expect=ONE_MESSAGE,
    ),
    Case(
        name="sqs_receive_one_message_wait_zero",
        operation="sqs:ReceiveMessage",
        source=Recording(SQS, SQS_PY + "test_send_receive_wait_time_seconds[sqs]",
                         "empty_short_poll_explicit_resp", "10-02-2025, 13:22:29"),
        run=receive_one(0),
        expect=ONE_MESSAGE,
    ),
    Case(
        name="sqs_delete_message_after_visibility_timeout",
        operation="sqs:DeleteMessage",
        source=Recording(SQS, SQS_PY + "test_delete_after_visibility_timeout[sqs]",
                         "delete_after_timeout_queue_empty", "28-03-2025, 13:46:28"),
        run=delete_after_visibility_timeout,
        expect={"ResponseMetadata": OK},
    ),
    Case(
        name="sqs_send_message_with_attributes",
        operation="sqs:SendMessage",
        source=Recording(SQS, SQS_PY + "test_receive_message_message_attribute_names_filters[sqs]",
                         "send_message_response", "30-04-2024, 13:34:51"),
        run=send_with_attributes,
        expect={"MD5OfMessageAttributes": "4c360f3fdafd970e05fae2f149d997f5",
                "MD5OfMessageBody": "6e2baaf3b97dbeef01c0043275f9a0e7", "MessageId": "<uuid>",
                "ResponseMetadata": OK},
    ),
    Case(
        name="sqs_send_message_oversized",
        operation="sqs:SendMessage",
        source=Recording(SQS, SQS_PY + "test_send_oversized_message[sqs]", "send_oversized_message",
                         "19-08-2025, 13:29:40"),
        run=send_oversized,
        expect=_sqs_error("InvalidParameterValue",
                          "One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
                          "InvalidParameterValueException"),
    ),
    Case(
        name="sqs_send_message_empty",
        operation="sqs:SendMessage",
        source=Recording(SQS, SQS_PY + "test_send_empty_message[sqs]", "send_empty_message",
                         "22-09-2025, 16:21:08"),
        run=send_empty,
        expect=_sqs_error("MissingParameter", "The request must contain the parameter MessageBody.",
                          "MissingRequiredParameterException"),
    ),
    # --- CloudWatch: PutMetricData validation --------------------------------------------
    Case(
        name="cw_put_metric_data_value_and_values",
        operation="cloudwatch:PutMetricData",
        source=Recording(CW, CW_PY + "test_put_metric_data_validation[json]", "invalid-param-combination",
                         "19-09-2025, 18:08:04"),
        run=put_invalid({"Value": 1.5, "Values": [1.0, 10.0]}),
        expect=_cw_error("InvalidParameterCombination",
                         "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually "
                         "exclusive and you have specified both.", "InvalidParameterCombinationException"),
    ),
    Case(
        name="cw_put_metric_data_values_counts_mismatch",
        operation="cloudwatch:PutMetricData",
        source=Recording(CW, CW_PY + "test_put_metric_data_validation[json]", "invalid-param-value",
                         "19-09-2025, 18:08:04"),
        run=put_invalid({"Values": [1.0, 10.0], "Counts": [2, 4, 5]}),
        expect=_cw_error("InvalidParameterValue",
                         "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the "
                         "same size.", "InvalidParameterValueException"),
    ),
    Case(
        name="cw_put_metric_data_value_and_statistic_values",
        operation="cloudwatch:PutMetricData",
        source=Recording(CW, CW_PY + "test_put_metric_data_validation[json]", "invalid-param-combination-2",
                         "19-09-2025, 18:08:04"),
        run=put_invalid({"Value": 1.5, "StatisticValues": SET_55}),
        expect=_cw_error("InvalidParameterCombination",
                         "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are "
                         "mutually exclusive and you have specified both.", "InvalidParameterCombinationException"),
    ),
    # --- CloudWatch: GetMetricData -------------------------------------------------------
    Case(
        name="cw_get_metric_data_multiple_metrics",
        operation="cloudwatch:GetMetricData",
        source=Recording(CW, CW_PY + "test_get_metric_data_for_multiple_metrics[json]", "get_metric_data",
                         "19-09-2025, 20:29:18"),
        run=multiple_metrics,
        expect=_metric_data(_result("result1", "metric1", [50.0]), _result("result2", "metric2", [25.0]),
                            _result("result3", "metric3", [55.0])),
    ),
    *(
        Case(
            name=f"cw_get_metric_data_stat_{stat.lower()}",
            operation="cloudwatch:GetMetricData",
            source=Recording(CW, CW_PY + f"test_get_metric_data_stats[json-{stat}]", "get_metric_data",
                             recorded),
            run=stats(stat),
            expect=_metric_data(_result("result1", "metric1", [value])),
        )
        for stat, (value, recorded) in STAT_VALUES.items()
    ),
    Case(
        name="cw_get_metric_data_dimensions",
        operation="cloudwatch:GetMetricData",
        source=Recording(CW, CW_PY + "test_get_metric_data_with_dimensions[json]", "get_metric_data",
                         "19-09-2025, 20:33:41"),
        run=with_dimensions,
        expect=_metric_data(_result("result1", "metric1", [11.0])),
    ),
    Case(
        name="cw_get_metric_data_zero_and_labels",
        operation="cloudwatch:GetMetricData",
        source=Recording(CW, CW_PY + "test_get_metric_data_with_zero_and_labels[json]",
                         "get_metric_data_with_zero_and_labels", "19-09-2025, 22:47:00"),
        run=zero_and_labels,
        expect=_metric_data(
            _result("result_Average", "metric1 Average", [19.416666666666668]),
            _result("result_Sum", "metric1 Sum", [116.5]),
            _result("result_Minimum", "metric1 Minimum", [0.0]),
            _result("result_Maximum", "metric1 Maximum", [100.0]),
        ),
    ),
    Case(
        name="cw_get_metric_data_no_results",
        operation="cloudwatch:GetMetricData",
        source=Recording(CW, CW_PY + "test_get_metric_with_no_results[json]", "result", "19-09-2025, 23:05:05"),
        run=no_results,
        expect=_metric_data(_result("result", "<label>", [])),
    ),
    Case(
        name="cw_put_metric_data_values_counts",
        operation="cloudwatch:PutMetricData",
        source=Recording(CW, CW_PY + "test_put_metric_data_values_list[json]", "get_metric_statistics",
                         "19-09-2025, 17:40:31"),
        run=values_list_statistics,
        expect={"Datapoints": [{"Maximum": 10.0, "SampleCount": 6.0, "Sum": 42.0, "Timestamp": "<timestamp>",
                                "Unit": "Count"}],
                "Label": "test-metric", "ResponseMetadata": OK},
    ),
    # --- CloudWatch: PutMetricAlarm, DescribeAlarms --------------------------------------
    Case(
        name="cw_describe_minimal_metric_alarm",
        operation="cloudwatch:DescribeAlarms",
        source=Recording(CW, CW_PY + "test_describe_minimal_metric_alarm[json]", "describe_minimal_metric_alarm",
                         "19-09-2025, 21:47:20"),
        run=minimal_alarm,
        expect={
            "CompositeAlarms": [],
            "MetricAlarms": [{
                "ActionsEnabled": True,
                "AlarmActions": [],
                "AlarmArn": "<alarm-arn>",
                "AlarmConfigurationUpdatedTimestamp": "<timestamp>",
                "AlarmName": "<alarm-name>",
                "ComparisonOperator": "GreaterThanThreshold",
                "Dimensions": [],
                "EvaluationPeriods": 1,
                "InsufficientDataActions": [],
                "MetricName": "<metric-name>",
                "Namespace": "<namespace>",
                "OKActions": [],
                "Period": 10,
                "StateReason": "Unchecked: Initial alarm creation",
                "StateTransitionedTimestamp": "<timestamp>",
                "StateUpdatedTimestamp": "<timestamp>",
                "StateValue": "INSUFFICIENT_DATA",
                "Statistic": "Sum",
                "Threshold": 30.0,
            }],
            "ResponseMetadata": OK,
        },
    ),
]
