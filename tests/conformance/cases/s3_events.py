"""S3 event notifications as delivered: records through SQS, events through EventBridge.

Recorded in LocalStack's ``TestS3NotificationsToSQS`` (test_s3_notifications_sqs.py) and
``TestS3NotificationsToEventBridge`` (test_s3_notifications_eventbridge.py). Each case does what
the test did and returns what the queue received, sorted as the test sorted it.

The recordings passed the messages through transformers before storing them; a case applies the
same replacements, but only to a value of the form AWS uses, so a value of another form stays and
differs: ``eventTime`` ``2025-01-21T23:21:10.123Z`` becomes ``date``, EventBridge's ``time``
``2025-01-21T23:21:10Z`` becomes ``date``; an upper-case hex ``sequencer`` becomes ``sequencer``
(``object-sequencer`` in EventBridge events), and a sequencer or event ``id`` repeated within one
case is blanked (AWS never repeats them); ``responseElements`` become ``amz-request-id`` and
``amz-id``, EventBridge's ``request-id`` becomes ``request-id``; a ``versionId`` other than
``null`` becomes ``version-id``. The bucket's name is written ``BUCKET``; the key names are the
tests' own where the recording kept them. Where a recording holds ``<...>`` (principal ids,
configuration ids, the source IP, the requester) only presence is compared.

Not taken: ``test_object_created_put_versioned`` of the EventBridge file, key
``message-versioning-active``: the test's list was cleared and refilled after ``snapshot.match``,
so the recording holds the later ``message-versioning-suspended`` events twice (its PutObject has
the null version's ETag and size); only the latter key is used.
"""

from __future__ import annotations

import json
import re
import time
import http.client
import urllib.parse
from typing import Any

from framework import ACCOUNT_A, OTHER_REGION, REGION, Case, Recording, World

SQS_FILE = "tests/aws/services/s3/test_s3_notifications_sqs.snapshot.json"
SQS_TEST = "tests/aws/services/s3/test_s3_notifications_sqs.py::TestS3NotificationsToSQS::"
EB_FILE = "tests/aws/services/s3/test_s3_notifications_eventbridge.snapshot.json"
EB_TEST = "tests/aws/services/s3/test_s3_notifications_eventbridge.py::TestS3NotificationsToEventBridge::"

_RECORD_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
_EVENT_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
_SEQUENCER = re.compile(r"^[0-9A-F]{16,}$")

# md5 of the bodies the tests wrote
SOMETHING = "437b930db84b8079c2dd804a71936b5f"  # b"something"
DATA = "8d777f385d3dfec8815d20f7496026dc"  # b"data"
DATA_V2 = "6869c34ca384e0ed836d49214f881e87"  # b"data-version2"
DATA_V3 = "2fb1d4988881168bbcd6432d7593be5a"  # b"data-version3"
EMPTY = "d41d8cd98f00b204e9800998ecf8427e"  # a delete marker's


# --- plumbing ------------------------------------------------------------------------------------


def _s3_policy_queue(world: World, bucket: str, region: str = REGION) -> tuple[str, str]:
    """A queue with the policy LocalStack's tests set: Principal ``*``, ``ArnEquals aws:SourceArn``."""
    sqs = world.client("sqs", region=region)
    url = sqs.create_queue(QueueName=world.name("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def _subscribed(world: World, events: list[str], *, versioned: bool = False,
                region: str = REGION) -> tuple[str, str]:
    """A bucket whose ``events`` go to a new queue: (bucket, queue url)."""
    bucket = world.bucket(region=region)
    url, arn = _s3_policy_queue(world, bucket, region)
    s3 = world.client("s3", region=region)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": events}]})
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket, url


def _drain(world: World, url: str, region: str = REGION, settle: float = 0.3) -> list[dict[str, Any]]:
    """Every message body on the queue (JSON), test events left out. Delivery is synchronous in
    the emulator; ``settle`` gives anything late the time to arrive."""
    sqs = world.client("sqs", region=region)
    bodies: list[dict[str, Any]] = []
    deadline = time.monotonic() + settle
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        for message in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if "s3:TestEvent" not in message["Body"]:
                bodies.append(json.loads(message["Body"]))
        if not got:
            if time.monotonic() > deadline:
                return bodies
            time.sleep(0.05)


def _records(world: World, url: str, region: str = REGION) -> list[dict[str, Any]]:
    return [record for body in _drain(world, url, region) for record in body.get("Records", [body])]


def _as_recorded(items: list[dict[str, Any]], bucket: str, **names: str) -> list[dict[str, Any]]:
    """``items`` with the recordings' replacements (see the module doc); ``names`` maps a value
    to the token that stands for it."""
    text = json.dumps(items).replace(bucket, "BUCKET")
    for value, token in names.items():
        text = text.replace(value, token)
    items = json.loads(text)
    sequencers = [_sequencer_of(i) for i in items]
    ids = [i.get("id") for i in items]
    for item in items:
        if "Records" in item or "eventSource" in item:
            _record_as_recorded(item, sequencers)
        else:
            _event_as_recorded(item, sequencers, ids)
    return items


def _sequencer_of(item: dict[str, Any]) -> Any:
    if "s3" in item:
        return item["s3"].get("object", {}).get("sequencer")
    return item.get("detail", {}).get("object", {}).get("sequencer")


def _unique(value: Any, seen: list[Any]) -> bool:
    return value is not None and seen.count(value) == 1


def _record_as_recorded(record: dict[str, Any], sequencers: list[Any]) -> None:
    if isinstance(record.get("eventTime"), str) and _RECORD_TIME.match(record["eventTime"]):
        record["eventTime"] = "date"
    elements = record.get("responseElements") or {}
    if elements.get("x-amz-request-id"):
        elements["x-amz-request-id"] = "amz-request-id"
    if elements.get("x-amz-id-2"):
        elements["x-amz-id-2"] = "amz-id"
    obj = record.get("s3", {}).get("object", {})
    seq = obj.get("sequencer")
    if isinstance(seq, str) and _SEQUENCER.match(seq) and _unique(seq, sequencers):
        obj["sequencer"] = "sequencer"
    elif "sequencer" in obj:
        obj["sequencer"] = f"not an S3 sequencer, or repeated: {seq!r}"
    if obj.get("versionId") not in (None, "null"):
        obj["versionId"] = "version-id"


def _event_as_recorded(event: dict[str, Any], sequencers: list[Any], ids: list[Any]) -> None:
    if isinstance(event.get("time"), str) and _EVENT_TIME.match(event["time"]):
        event["time"] = "date"
    if not _unique(event.get("id"), ids):
        event["id"] = ""
    detail = event.get("detail", {})
    if detail.get("request-id"):
        detail["request-id"] = "request-id"
    obj = detail.get("object", {})
    seq = obj.get("sequencer")
    if isinstance(seq, str) and _SEQUENCER.match(seq.upper()) and _unique(seq, sequencers):
        obj["sequencer"] = "object-sequencer"
    elif "sequencer" in obj:
        obj["sequencer"] = f"not an S3 sequencer, or repeated: {seq!r}"


def _record(event_name: str, obj: dict[str, Any], *, version: str = "2.1", region: str = REGION) -> dict[str, Any]:
    """A record as the recordings hold it."""
    return {
        "awsRegion": region,
        "eventName": event_name,
        "eventSource": "aws:s3",
        "eventTime": "date",
        "eventVersion": version,
        "requestParameters": {"sourceIPAddress": "<ip-address:1>"},
        "responseElements": {"x-amz-id-2": "amz-id", "x-amz-request-id": "amz-request-id"},
        "s3": {
            "bucket": {"arn": "arn:aws:s3:::BUCKET", "name": "BUCKET",
                       "ownerIdentity": {"principalId": "<principal-id:1>"}},
            "configurationId": "<config-id:1>",
            "object": obj,
            "s3SchemaVersion": "1.0",
        },
        "userIdentity": {"principalId": "<principal-id:2>"},
    }


def _created(key: str, etag: str, size: int, name: str = "ObjectCreated:Put", **extra: Any) -> dict[str, Any]:
    return _record(name, {"eTag": etag, "key": key, "sequencer": "sequencer", "size": size, **extra})


def _removed(key: str, name: str = "ObjectRemoved:Delete", **extra: Any) -> dict[str, Any]:
    return _record(name, {"key": key, "sequencer": "sequencer", **extra})


# --- SQS -----------------------------------------------------------------------------------------


def put_two(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:Put"])
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="my_key_0", Body="something")
    s3.put_object(Bucket=bucket, Key="my_key_1", Body="something else")
    records = sorted(_records(world, url), key=lambda r: r["s3"]["object"].get("size", 0))
    return {"messages": _as_recorded(records, bucket)}


def copy_only(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:Copy"])
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="src-dest", Body="something")
    if _records(world, url):
        return {"messages": "PutObject was notified to a Copy-only configuration"}
    s3.copy_object(Bucket=bucket, CopySource={"Bucket": bucket, "Key": "src-dest"}, Key="key-dest")
    return {"messages": _as_recorded(_records(world, url), bucket)}


def created_and_removed(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"])
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="src-dest", Body="something")
    s3.copy_object(Bucket=bucket, CopySource={"Bucket": bucket, "Key": "src-dest"}, Key="key-dest")
    s3.delete_object(Bucket=bucket, Key="src-dest")
    records = sorted(_records(world, url), key=lambda r: r["eventName"])
    return {"messages": _as_recorded(records, bucket)}


def delete_objects(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectRemoved:*"])
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="key-1", Body="something")
    s3.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": "key-1"}, {"Key": "dummy1"}, {"Key": "dummy2"}], "Quiet": True})
    records = sorted(_records(world, url), key=lambda r: r["s3"]["object"]["key"])
    return {"messages": _as_recorded(records, bucket)}


def multipart(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:*"])
    s3 = world.client("s3")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="test-key")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="test-key", UploadId=upload, PartNumber=1, Body=b"1" * 6144)
    s3.complete_multipart_upload(Bucket=bucket, Key="test-key", UploadId=upload, MultipartUpload={
        "Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    return {"messages": _as_recorded(_records(world, url), bucket)}


def key_encoding(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:*"])
    world.client("s3").put_object(Bucket=bucket, Key="a@b", Body="something")
    return {"messages": _as_recorded(_records(world, url), bucket)}


def _presigned_put(world: World, region: str) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:*"], region=region)
    s3 = world.client("s3", region=region, signature_version="s3v4")
    signed = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "key-by-hostname"})
    _put_url(signed, b"something")
    return {"messages": _as_recorded(_records(world, url, region), bucket)}


def _put_url(url: str, body: bytes) -> None:
    """PUT ``body`` with no Content-Type, as ``requests.put`` in the test does."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    connection.request("PUT", f"{parts.path}?{parts.query}", body=body)
    connection.getresponse().read()
    connection.close()


def presigned_put(world: World) -> Any:
    return _presigned_put(world, REGION)


def presigned_put_other_region(world: World) -> Any:
    return _presigned_put(world, OTHER_REGION)


def _tagging(delete: bool):
    def run(world: World) -> Any:
        event = "s3:ObjectTagging:Delete" if delete else "s3:ObjectTagging:Put"
        bucket, url = _subscribed(world, [event])
        s3 = world.client("s3")
        s3.put_object(Bucket=bucket, Key="key-dest", Body="FooBarBlitz")
        if _records(world, url):
            return {"messages": "PutObject was notified to a tagging-only configuration"}
        s3.put_object_tagging(Bucket=bucket, Key="key-dest",
                              Tagging={"TagSet": [{"Key": "swallow_type", "Value": "african"}]})
        if delete:
            s3.delete_object_tagging(Bucket=bucket, Key="key-dest")
        return {"messages": _as_recorded(_records(world, url), bucket)}
    return run


def _acl_changes(world: World, bucket: str) -> None:
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="my_key_acl", Body="something")
    owner = s3.list_buckets()["Owner"]
    s3.put_object_acl(Bucket=bucket, Key="my_key_acl", ACL="private")  # no change: no event
    s3.put_object_acl(Bucket=bucket, Key="my_key_acl", ACL="public-read")
    s3.put_object_acl(Bucket=bucket, Key="my_key_acl",
                      GrantRead='uri="http://acs.amazonaws.com/groups/s3/LogDelivery"')
    s3.put_object_acl(Bucket=bucket, Key="my_key_acl", AccessControlPolicy={"Owner": owner, "Grants": [
        {"Grantee": {"ID": owner["ID"], "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
        {"Grantee": {"URI": "http://acs.amazonaws.com/groups/s3/LogDelivery", "Type": "Group"},
         "Permission": "WRITE"}]})


def put_acl(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectAcl:Put"])
    _acl_changes(world, bucket)
    return {"messages": _as_recorded(_records(world, url), bucket)}


def _restore(world: World, bucket: str) -> None:
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="my_key_restore", Body="something", StorageClass="GLACIER")
    s3.restore_object(Bucket=bucket, Key="my_key_restore",
                      RestoreRequest={"Days": 1, "GlacierJobParameters": {"Tier": "Expedited"}})


def restore(world: World) -> Any:
    bucket, url = _subscribed(world, ["s3:ObjectRestore:*"])
    _restore(world, bucket)
    records = sorted(_records(world, url), key=lambda r: r["eventTime"])
    return {"messages": _as_recorded(records, bucket)}


def _versioned_steps(world: World, bucket: str, drain: Any) -> tuple[list[Any], list[Any], str]:
    """The versioned test's requests; ``drain()`` returns what arrived since it last did."""
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="test-key", Body=b"data")
    s3.put_object(Bucket=bucket, Key="test-key", Body=b"data-version2")
    marker = s3.delete_object(Bucket=bucket, Key="test-key")["VersionId"]
    first = s3.list_object_versions(Bucket=bucket, Prefix="test-key")["Versions"][-1]["VersionId"]
    s3.delete_object(Bucket=bucket, Key="test-key", VersionId=first)
    active = drain()
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=bucket, Key="test-key", Body=b"data-version3")
    s3.delete_object(Bucket=bucket, Key="test-key", VersionId=marker)
    return active, drain(), marker


def _sqs_versioned(world: World) -> tuple[list[Any], list[Any]]:
    bucket, url = _subscribed(world, ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"], versioned=True)

    def order(r: dict[str, Any]) -> tuple[str, str]:
        return r["eventName"], r["s3"]["object"].get("eTag", "")

    active, suspended, _ = _versioned_steps(world, bucket, lambda: sorted(_records(world, url), key=order))
    return _as_recorded(active, bucket), _as_recorded(suspended, bucket)


# --- EventBridge ---------------------------------------------------------------------------------


def _eventbridge_bucket(world: World) -> tuple[str, str]:
    """The test's fixture: a bucket with EventBridge on, a default-bus rule for its events, a
    queue as the rule's target."""
    bucket = world.bucket()
    world.client("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    events = world.client("events")
    rule = world.name("rule")
    rule_arn = events.put_rule(Name=rule, EventBusName="default", EventPattern=json.dumps({
        "source": ["aws.s3"],
        "detail-type": ["Object Created", "Object Deleted", "Object Restore Initiated",
                        "Object Restore Completed", "Object Restore Expired", "Object Tags Added",
                        "Object Tags Deleted", "Object ACL Updated", "Object Storage Class Changed",
                        "Object Access Tier Changed"],
        "detail": {"bucket": {"name": [bucket]}}}))["RuleArn"]
    url, arn = world.queue()
    world.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Statement": [{
        "Sid": "EventsToMyQueue", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    events.put_targets(Rule=rule, Targets=[{"Id": world.name("target"), "Arn": arn}])
    return bucket, url


def _eb_event(detail_type: str, obj: dict[str, Any], **detail: Any) -> dict[str, Any]:
    return {
        "account": ACCOUNT_A,
        "detail": {
            "bucket": {"name": "BUCKET"},
            "object": obj,
            "request-id": "request-id",
            "requester": "<requester>",
            "source-ip-address": "<ip-address:1>",
            "version": "0",
            **detail,
        },
        "detail-type": detail_type,
        "id": "<uuid>",
        "region": REGION,
        "resources": ["arn:aws:s3:::BUCKET"],
        "source": "aws.s3",
        "time": "date",
        "version": "0",
    }


def _eb_put_delete(world: World) -> dict[str, Any]:
    bucket, url = _eventbridge_bucket(world)
    s3 = world.client("s3")
    s3.put_object(Bucket=bucket, Key="test-key", Body=b"data")
    s3.delete_object(Bucket=bucket, Key="test-key")
    events = _as_recorded(_drain(world, url), bucket)
    return {e.get("detail-type"): e for e in events} | {"count": len(events)}


def eb_created(world: World) -> Any:
    got = _eb_put_delete(world)
    return got.get("Object Created", got)


def eb_deleted(world: World) -> Any:
    got = _eb_put_delete(world)
    return got.get("Object Deleted", got)


def eb_put_acl(world: World) -> Any:
    bucket, url = _eventbridge_bucket(world)
    _acl_changes(world, bucket)
    events = sorted(_drain(world, url), key=lambda e: (e.get("detail-type", ""), e.get("time", "")))
    return {"messages": _as_recorded(events, bucket)}


def eb_restore(world: World) -> Any:
    bucket, url = _eventbridge_bucket(world)
    _restore(world, bucket)
    events = [e for e in _drain(world, url) if e.get("detail-type") != "Object Created"]
    return {"messages": _as_recorded(sorted(events, key=lambda e: e.get("time", "")), bucket)}


def eb_other_region_client(world: World) -> Any:
    bucket, url = _eventbridge_bucket(world)
    world.client("s3", region=OTHER_REGION).put_object(Bucket=bucket, Key="test-key", Body=b"data")
    world.client("s3").put_object(Bucket=bucket, Key="test-key", Body=b"data")
    return {"messages": _as_recorded(_drain(world, url), bucket)}


def eb_versioned_suspended(world: World) -> Any:
    bucket, url = _eventbridge_bucket(world)
    world.client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

    def order(e: dict[str, Any]) -> tuple[str, str, str]:
        d = e.get("detail", {})
        return d.get("deletion-type", ""), e.get("detail-type", ""), d.get("object", {}).get("etag", "")

    _, suspended, marker = _versioned_steps(world, bucket, lambda: sorted(_drain(world, url), key=order))
    return _as_recorded(suspended, bucket, **{marker: "DELETE-MARKER-VERSION"})


# --- the cases -----------------------------------------------------------------------------------


def _sqs(test: str, key: str, date: str) -> Recording:
    return Recording(SQS_FILE, SQS_TEST + test, key, date)


def _eb(test: str, key: str, date: str) -> Recording:
    return Recording(EB_FILE, EB_TEST + test, key, date)


_VERSIONED_SQS_DATE = "21-01-2025, 23:23:54"
_versioned_cache: dict[int, tuple[list[Any], list[Any]]] = {}


def _sqs_versioned_part(index: int):
    def run(world: World) -> Any:
        if id(world) not in _versioned_cache:
            _versioned_cache[id(world)] = _sqs_versioned(world)
        return _versioned_cache[id(world)][index]
    return run


def _acl_record() -> dict[str, Any]:
    return _record("ObjectAcl:Put", {"eTag": SOMETHING, "key": "my_key_acl"}, version="2.3")


def _tag_record(name: str) -> dict[str, Any]:
    return _record(name, {"eTag": "f3e6da48d914f3f04f6bd9cb092c044d", "key": "key-dest"}, version="2.3")


_SUSPENDED_STORAGE = (
    "not an event difference: moto 5.2.5's PutObject into a versioning-suspended bucket replaces every "
    "version of the key (S3 replaces only the null version), so the delete marker this test then "
    "deletes is gone and no ObjectRemoved event can follow; the project requires versioning Enabled "
    "on both buckets (replication refuses suspended ones) and never suspends it"
)
_NOT_USED_RESTORE = "the project never archives objects to Glacier nor restores them; no consumer sees these"

def _without_source_ip(event: dict[str, Any]) -> dict[str, Any]:
    del event["detail"]["source-ip-address"]
    return event


_restored = {"etag": SOMETHING, "key": "my_key_restore", "size": 9}

CASES = [
    Case(
        name="sqs_event_put",
        operation="s3:ObjectCreated:Put → SQS",
        source=_sqs("test_object_created_put", "receive_messages", "21-01-2025, 23:21:10"),
        run=put_two,
        expect={"messages": [_created("my_key_0", SOMETHING, 9), _created("my_key_1", "6c7ba9c5a141421e1c03cb9807c97c74", 14)]},
    ),
    Case(
        name="sqs_event_copy",
        operation="s3:ObjectCreated:Copy → SQS",
        source=_sqs("test_object_created_copy", "receive_messages", "21-01-2025, 23:21:14"),
        run=copy_only,
        expect={"messages": [_created("key-dest", SOMETHING, 9, "ObjectCreated:Copy")]},
    ),
    Case(
        name="sqs_event_created_and_removed",
        operation="s3:ObjectCreated:* / s3:ObjectRemoved:* → SQS",
        source=_sqs("test_object_created_and_object_removed", "receive_messages", "21-01-2025, 23:21:18"),
        run=created_and_removed,
        expect={"messages": [_created("key-dest", SOMETHING, 9, "ObjectCreated:Copy"),
                             _created("src-dest", SOMETHING, 9), _removed("src-dest")]},
    ),
    Case(
        name="sqs_event_delete_objects",
        operation="s3:ObjectRemoved:Delete (DeleteObjects) → SQS",
        source=_sqs("test_delete_objects", "receive_messages", "21-01-2025, 23:21:22"),
        run=delete_objects,
        expect={"messages": [_removed("dummy1"), _removed("dummy2"), _removed("key-1")]},
    ),
    Case(
        name="sqs_event_complete_multipart_upload",
        operation="s3:ObjectCreated:CompleteMultipartUpload → SQS",
        source=_sqs("test_object_created_complete_multipart_upload", "receive_messages", "21-01-2025, 23:21:25"),
        run=multipart,
        expect={"messages": [_created("test-key", "8eabe9d6b43316e840b079170916c079-1", 6144,
                                      "ObjectCreated:CompleteMultipartUpload")]},
    ),
    Case(
        name="sqs_event_key_encoding",
        operation="s3:ObjectCreated:Put → SQS",
        source=_sqs("test_key_encoding", "receive_messages", "21-01-2025, 23:21:29"),
        run=key_encoding,
        expect={"messages": [_created("a%40b", SOMETHING, 9)]},
    ),
    Case(
        name="sqs_event_presigned_put",
        operation="s3:ObjectCreated:Put → SQS",
        source=_sqs("test_object_created_put_with_presigned_url_upload", "receive_messages", "21-01-2025, 23:21:38"),
        run=presigned_put,
        expect={"messages": [_created("key-by-hostname", SOMETHING, 9)]},
    ),
    Case(
        name="sqs_event_presigned_put_other_region",
        operation="s3:ObjectCreated:Put → SQS",
        source=_sqs("test_object_created_put_with_presigned_url_upload", "receive_messages_region_2",
                    "21-01-2025, 23:21:38"),
        run=presigned_put_other_region,
        expect={"messages": [{**_created("key-by-hostname", SOMETHING, 9), "awsRegion": OTHER_REGION}]},
    ),
    Case(
        name="sqs_event_tagging_put",
        operation="s3:ObjectTagging:Put → SQS",
        source=_sqs("test_object_tagging_put_event", "receive_messages", "21-01-2025, 23:21:45"),
        run=_tagging(delete=False),
        expect={"messages": [_tag_record("ObjectTagging:Put")]},
    ),
    Case(
        name="sqs_event_tagging_delete",
        operation="s3:ObjectTagging:Delete → SQS",
        source=_sqs("test_object_tagging_delete_event", "receive_messages", "21-01-2025, 23:21:49"),
        run=_tagging(delete=True),
        expect={"messages": [_tag_record("ObjectTagging:Delete")]},
    ),
    Case(
        name="sqs_event_put_acl",
        operation="s3:ObjectAcl:Put → SQS",
        source=_sqs("test_object_put_acl", "receive_messages", "21-01-2025, 23:22:12"),
        run=put_acl,
        expect={"messages": [_acl_record(), _acl_record(), _acl_record()]},
    ),
    Case(
        name="sqs_event_restore",
        operation="s3:ObjectRestore:* → SQS",
        source=_sqs("test_restore_object", "receive_messages", "21-01-2025, 23:23:47"),
        run=restore,
        expect={"messages": [
            _record("ObjectRestore:Post", {"eTag": SOMETHING, "key": "my_key_restore", "sequencer": "sequencer", "size": 9}),
            {**_record("ObjectRestore:Completed",
                       {"eTag": SOMETHING, "key": "my_key_restore", "sequencer": "sequencer", "size": 9}),
             "glacierEventData": {"restoreEventData": {"lifecycleRestorationExpiryTime": "<date>",
                                                       "lifecycleRestoreStorageClass": "GLACIER"}},
             "requestParameters": {"sourceIPAddress": "<ip-address:2>"},
             "userIdentity": {"principalId": "<AmazonCustomer:principal-id:1>"}},
        ]},
        exception=_NOT_USED_RESTORE,
    ),
    Case(
        name="sqs_event_versioning_enabled",
        operation="s3:ObjectCreated:* / s3:ObjectRemoved:* (versioned) → SQS",
        source=_sqs("test_object_created_put_versioned", "message-versioning-active", _VERSIONED_SQS_DATE),
        run=_sqs_versioned_part(0),
        expect=[
            _created("test-key", DATA_V2, 13, versionId="version-id"),
            _created("test-key", DATA, 4, versionId="version-id"),
            _removed("test-key", versionId="version-id"),
            _record("ObjectRemoved:DeleteMarkerCreated",
                    {"eTag": EMPTY, "key": "test-key", "sequencer": "sequencer", "versionId": "version-id"}),
        ],
    ),
    Case(
        name="sqs_event_versioning_suspended",
        operation="s3:ObjectCreated:* / s3:ObjectRemoved:* (versioning suspended) → SQS",
        source=_sqs("test_object_created_put_versioned", "message-versioning-suspended", _VERSIONED_SQS_DATE),
        run=_sqs_versioned_part(1),
        expect=[_created("test-key", DATA_V3, 13), _removed("test-key", versionId="version-id")],
        exception=_SUSPENDED_STORAGE,
    ),
    Case(
        name="eventbridge_object_created",
        operation="Object Created → EventBridge",
        source=_eb("test_object_created_put", "object_created", "21-01-2025, 23:25:10"),
        run=eb_created,
        expect=_eb_event("Object Created", {"etag": DATA, "key": "test-key", "sequencer": "object-sequencer", "size": 4},
                         reason="PutObject"),
    ),
    Case(
        name="eventbridge_object_deleted",
        operation="Object Deleted → EventBridge",
        source=_eb("test_object_created_put", "object_deleted", "21-01-2025, 23:25:10"),
        run=eb_deleted,
        expect=_eb_event("Object Deleted", {"key": "test-key", "sequencer": "object-sequencer"},
                         reason="DeleteObject", **{"deletion-type": "Permanently Deleted"}),
    ),
    Case(
        name="eventbridge_object_acl_updated",
        operation="Object ACL Updated → EventBridge",
        source=_eb("test_object_put_acl", "messages", "21-01-2025, 23:36:07"),
        run=eb_put_acl,
        expect={"messages": [
            _eb_event("Object ACL Updated", {"etag": SOMETHING, "key": "my_key_acl"}),
            _eb_event("Object ACL Updated", {"etag": SOMETHING, "key": "my_key_acl"}),
            _eb_event("Object ACL Updated", {"etag": SOMETHING, "key": "my_key_acl"}),
            _eb_event("Object Created", {"etag": SOMETHING, "key": "my_key_acl", "sequencer": "object-sequencer",
                                         "size": 9}, reason="PutObject"),
        ]},
    ),
    Case(
        name="eventbridge_object_restore",
        operation="Object Restore Initiated/Completed → EventBridge",
        source=_eb("test_restore_object", "messages", "21-01-2025, 23:38:04"),
        run=eb_restore,
        expect={"messages": [
            _eb_event("Object Restore Initiated", _restored, **{"source-storage-class": "GLACIER"}),
            _without_source_ip(_eb_event("Object Restore Completed", _restored, **{
                "source-storage-class": "GLACIER", "restore-expiry-time": "<date>"})),
        ]},
        exception=_NOT_USED_RESTORE,
    ),
    Case(
        name="eventbridge_object_created_from_other_region_client",
        operation="Object Created → EventBridge",
        source=_eb("test_object_created_put_in_different_region", "object-created-different-regions",
                   "21-01-2025, 23:29:29"),
        run=eb_other_region_client,
        expect={"messages": [
            _eb_event("Object Created", {"etag": DATA, "key": "test-key", "sequencer": "object-sequencer", "size": 4},
                      reason="PutObject"),
        ] * 2},
    ),
    Case(
        name="eventbridge_versioning_suspended",
        operation="Object Created / Object Deleted (versioning suspended) → EventBridge",
        source=_eb("test_object_created_put_versioned", "message-versioning-suspended", "21-01-2025, 23:40:14"),
        run=eb_versioned_suspended,
        expect=[
            _eb_event("Object Created", {"etag": DATA_V3, "key": "test-key", "sequencer": "object-sequencer",
                                         "size": 13}, reason="PutObject"),
            _eb_event("Object Deleted", {"key": "test-key", "sequencer": "object-sequencer",
                                         "version-id": "DELETE-MARKER-VERSION"},
                      reason="DeleteObject", **{"deletion-type": "Permanently Deleted"}),
        ],
        exception=_SUSPENDED_STORAGE,
    ),
]
