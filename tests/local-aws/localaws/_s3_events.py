"""S3 event notification records as AWS documents them, delivered to the target's account.

Installed by ``replication`` (gap e needs replicas to notify like a PutObject, and failures to
notify with ``replicationEventData``); it replaces ``moto.s3.notifications.send_event``, so every
event moto sends goes through here.

moto 5.2.5 builds records without ``versionId``, ``sequencer``, ``userIdentity``,
``requestParameters``, ``responseElements`` and the bucket's ``ownerIdentity``, encodes the key
with ``quote_plus`` including ``/`` (``dir%2Fa+b%2Bc.txt``), and delivers to the queue, topic or
function of that name in the *caller's* account. Here a record has the documented shape
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html):
the key form-encoded as S3 does (space ``+``, ``+`` ``%2B``, UTF-8 percent-encoded, ``/`` kept),
``versionId`` when the object has one, an increasing ``sequencer`` for created/removed events,
and delivery goes to the account and region in the target ARN. ``userIdentity`` is
``AWS:<account>`` of the writer, or what the caller passes (replicas use the replication role).

Replication failure records (``replication_failure_record``) follow the documented example for
``s3:Replication:OperationFailedReplication``
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-metrics-events.html):
``eventVersion`` 2.2, principal and source IP ``s3.amazonaws.com`` and a
``replicationEventData`` block.

EventBridge delivery is moto's own (``_send_event_bridge_message``, to the bucket owner's
account); S3 sends no Replication events to EventBridge, so neither does this. Lambda targets are
invoked through moto, which needs Docker. The records' ``x-amz-request-id``/``x-amz-id-2`` are
random, not those of the originating request.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote_plus

from moto.s3 import notifications
from moto.s3.models import FakeBucket

from ._patching import wrap

Record = dict[str, Any]
RecordBuilder = Callable[[str], Record]  # notification configuration id -> record

_TAG = "s3_events"
_SEQUENCED = ("s3:ObjectCreated:", "s3:ObjectRemoved:", "s3:Replication:")
_sequence_lock = threading.Lock()
_last_sequence = 0


def install() -> None:
    """Route every moto S3 event through ``send_event`` (idempotent)."""
    wrap(notifications, "send_event", _TAG, lambda _original: send_event)


def send_event(
    account_id: str, event_name: str, bucket: FakeBucket, key: Any, *, principal: str | None = None
) -> None:
    """moto's ``send_event``; ``account_id`` (the caller's) is not used: targets are found by ARN.

    ``principal`` is the record's ``userIdentity.principalId`` (default ``AWS:<writer account>``).
    """

    def build(config_id: str) -> Record:
        return object_record(event_name, bucket, key, config_id, principal=principal)

    deliver(bucket, event_name, key.name, build)
    config = bucket.notification_configuration
    if config is not None and config.event_bridge is not None:
        notifications._send_event_bridge_message(bucket.account_id, bucket, event_name, key)


def deliver(bucket: FakeBucket, event_name: str, key_name: str, build: RecordBuilder) -> None:
    """Send ``{"Records": [build(config id)]}`` to each target subscribed to ``event_name``."""
    config = bucket.notification_configuration
    if config is None:
        return
    targets = (
        (config.queue, _send_sqs),
        (config.topic, _send_sns),
        (config.cloud_function, _invoke_lambda),
    )
    for notifications_of_kind, send in targets:
        for notification in notifications_of_kind:
            if notification.matches(event_name, key_name):
                send(notification.arn, {"Records": [build(notification.id)]})


def object_record(
    event_name: str,
    bucket: FakeBucket,
    key: Any,
    config_id: str,
    *,
    principal: str | None = None,
    event_version: str = "2.1",
) -> Record:
    """The documented record for an object event (``event_name`` like ``s3:ObjectCreated:Put``)."""
    return {
        "eventVersion": event_version,
        "eventSource": "aws:s3",
        "awsRegion": bucket.region_name,
        "eventTime": event_time(),
        "eventName": event_name.removeprefix("s3:"),
        "userIdentity": {"principalId": principal or f"AWS:{key.account_id}"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": _response_elements(),
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": config_id,
            "bucket": {
                "name": bucket.name,
                "ownerIdentity": {"principalId": bucket.account_id},
                "arn": bucket.arn,
            },
            "object": _object(event_name, key),
        },
    }


def replication_failure_record(
    bucket: FakeBucket, key: Any, config_id: str, replication_event_data: dict[str, str]
) -> Record:
    """An ``s3:Replication:OperationFailedReplication`` record on the source bucket."""
    record = object_record(
        "s3:Replication:OperationFailedReplication",
        bucket,
        key,
        config_id,
        principal="s3.amazonaws.com",
        event_version="2.2",
    )
    record["requestParameters"] = {"sourceIPAddress": "s3.amazonaws.com"}
    record["replicationEventData"] = replication_event_data
    return record


def event_time(moment: datetime | None = None) -> str:
    """ISO 8601 with milliseconds and ``Z``, as S3 events write times."""
    moment = moment or datetime.now(timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def encode_key(name: str) -> str:
    """An object key as S3 writes it in event records."""
    return quote_plus(name, safe="/")


def _object(event_name: str, key: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"key": encode_key(key.name)}
    if not event_name.startswith("s3:ObjectRemoved:"):
        result["size"] = key.size
        result["eTag"] = key.etag.strip('"')
    version = getattr(key, "_version_id", None)
    if version and version != "null":
        result["versionId"] = version
    if event_name.startswith(_SEQUENCED):
        result["sequencer"] = _sequencer()
    return result


def _sequencer() -> str:
    global _last_sequence
    with _sequence_lock:
        _last_sequence = max(_last_sequence + 1, time.time_ns() // 1000)
        return f"{_last_sequence:018X}"


def _response_elements() -> dict[str, str]:
    return {
        "x-amz-request-id": uuid.uuid4().hex[:16].upper(),
        "x-amz-id-2": uuid.uuid4().hex + uuid.uuid4().hex,
    }


def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, resource) of an ARN."""
    parts = arn.split(":", 5)
    return parts[3], parts[4], parts[5]


def _send_sqs(arn: str, body: dict[str, Any]) -> None:
    from moto.sqs.models import sqs_backends

    region, account, queue_name = _arn_parts(arn)
    _quietly(lambda: sqs_backends[account][region].send_message(queue_name, json.dumps(body)))


def _send_sns(arn: str, body: dict[str, Any]) -> None:
    from moto.sns.models import sns_backends

    region, account, _ = _arn_parts(arn)
    backend = sns_backends[account][region]
    _quietly(lambda: backend.publish(json.dumps(body), arn, subject="Amazon S3 Notification"))


def _invoke_lambda(arn: str, body: dict[str, Any]) -> None:
    from moto.awslambda.utils import get_backend

    region, account, _ = _arn_parts(arn)
    backend = get_backend(account, region)
    _quietly(lambda: backend.get_function(arn).invoke(json.dumps(body), {}, {}))


def _quietly(send: Callable[[], Any]) -> None:
    """S3 delivers asynchronously: a missing target never fails the request (as in moto)."""
    try:
        send()
    except Exception:  # noqa: BLE001 - same contract as moto's notifications module
        pass
