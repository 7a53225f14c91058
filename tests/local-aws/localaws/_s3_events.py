"""S3 event notification records as AWS documents them, delivered to the target's account.

Installed by ``replication`` (gap e needs replicas to notify like a PutObject, and failures to
notify with ``replicationEventData``); it replaces ``moto.s3.notifications.send_event``, so every
event moto sends goes through here. Judged by ``tests/conformance/cases/s3_events.py``.

moto 5.2.5 builds records without ``versionId``, ``sequencer``, ``userIdentity``,
``requestParameters``, ``responseElements`` and the bucket's ``ownerIdentity``, encodes the key
with ``quote_plus`` including ``/`` (``dir%2Fa+b%2Bc.txt``), and delivers to the queue, topic or
function of that name in the *caller's* account. Here a record has the documented shape
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html):
the key form-encoded as S3 does (space ``+``, ``+`` ``%2B``, UTF-8 percent-encoded, ``/`` kept;
recorded: ``a@b`` is ``a%40b``, ``testupload/dir1/testfile.txt`` keeps its slashes),
``versionId`` when the object has one (not for a null version), one increasing ``sequencer`` per
event for created/removed/restore events (shared by every target of that event), and delivery
goes to the account and region in the target ARN. ``userIdentity`` is ``AWS:<account>`` of the
writer, or what the caller passes (replicas use the replication role).

Which requests notify, and with what, as recorded on AWS by LocalStack's
``test_s3_notifications_sqs.snapshot.json`` (``TestS3NotificationsToSQS``, 21-01-2025) and
``test_s3_notifications_eventbridge.snapshot.json`` (``TestS3NotificationsToEventBridge``,
21-01-2025), github.com/localstack/localstack @ 8b9a79f05846:

* CompleteMultipartUpload sends one ``ObjectCreated:CompleteMultipartUpload`` and nothing else
  (moto also sent ``ObjectCreated:Put`` and ``ObjectTagging:Put``;
  ``test_object_created_complete_multipart_upload``);
* ``ObjectTagging:Put`` comes from PutObjectTagging only, not from tags written by PutObject,
  CopyObject or CompleteMultipartUpload (moto sent it for every PutObject;
  ``test_object_tagging_put_event``); ``ObjectTagging:*`` and ``ObjectAcl:Put`` records are
  ``eventVersion`` 2.3 with ``eTag`` and no ``size`` or ``sequencer``
  (``test_object_tagging_put_event``, ``test_object_tagging_delete_event``,
  ``test_object_put_acl``); a PutObjectAcl that leaves the ACL as it was sends nothing
  (``test_object_put_acl``: four calls, three events);
* deletes (``_delete_events``, moto sent one only when a key's last version went): DeleteObject
  and each key of DeleteObjects send ``ObjectRemoved:Delete`` for an unversioned key, also for a
  key that did not exist (``test_delete_objects``); in a versioned bucket a delete without version
  id sends ``ObjectRemoved:DeleteMarkerCreated`` with the marker's ``versionId`` and ``eTag``
  ``d41d8cd98f00b204e9800998ecf8427e``, no ``size``; deleting a version or a delete marker sends
  ``ObjectRemoved:Delete`` with its ``versionId`` and neither ``eTag`` nor ``size``
  (``test_object_created_put_versioned``); with versioning suspended a delete without version id
  is a null-version DeleteMarkerCreated (S3 User Guide, "Deleting objects from
  versioning-suspended buckets");
* ``s3:TestEvent`` goes to each queue and topic in its own account (moto looked in the bucket
  owner's), as ``{"Service","Event","Time","Bucket","RequestId","HostId"}``
  (notification-content-structure.html, "test message");
* ``ObjectRestore:Completed`` records carry ``glacierEventData.restoreEventData`` and principal
  ``AmazonCustomer:<bucket owner>`` (``test_restore_object``).

EventBridge (replacing moto's ``_send_event_bridge_message``): events go to the rules of the
default bus of the bucket owner in the bucket's region (S3 User Guide, "Using EventBridge"), with a
new ``id`` (UUID) per event, ``time`` like ``2025-01-21T23:25:10Z``, ``account`` the bucket owner,
and ``detail`` as recorded (``test_object_created_put`` keys ``object_created``/``object_deleted``,
``test_object_put_acl``, ``test_object_created_put_in_different_region``,
``test_object_created_put_versioned`` key ``message-versioning-suspended``): ``etag`` (moto:
``eTag``), ``version-id`` only for a version other than null (moto: ``"null"``), the event's
``sequencer`` (moto: a constant), ``reason`` ``PutObject``/``CopyObject``/
``CompleteMultipartUpload``/``POST Object`` for "Object Created" and ``DeleteObject`` for "Object
Deleted" (moto: ``ObjectCreated``/``ObjectRemoved``), ``deletion-type`` ``Permanently Deleted`` or
``Delete Marker Created``, an "Object Deleted" without ``size`` (with ``etag`` only for a delete
marker), "Object ACL Updated"/"Object Tags Added"/"Object Tags Deleted" with ``etag`` and no
``size``, ``sequencer`` or ``reason``. The unrecorded values (CopyObject, CompleteMultipartUpload,
POST Object, Delete Marker Created, tags) follow the S3 User Guide's "EventBridge event message
structure" (ev-events.html). The key is written as stored (not URL-encoded), as moto did: no
recording shows an encoded one.

Replication failure records (``replication_failure_record``) follow the documented example for
``s3:Replication:OperationFailedReplication``
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-metrics-events.html):
``eventVersion`` 2.2, principal and source IP ``s3.amazonaws.com`` and a
``replicationEventData`` block. S3 sends no Replication events to EventBridge, so neither does
this.

Not closed: Lambda targets are invoked through moto, which needs Docker; the records'
``x-amz-request-id``/``x-amz-id-2`` and EventBridge ``request-id`` are random, not those of the
originating request; no ``AWSTraceHeader`` is passed on to SQS; ``ObjectRestore:Completed`` is
sent when moto completes the restore (not later); moto's PutObject into a versioning-suspended
bucket replaces every version of the key (S3 replaces the null version only), so later events of
such a key differ.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote_plus

from moto.s3 import notifications
from moto.s3.models import FakeBucket, FakeDeleteMarker, S3Backend, get_canned_acl
from moto.s3.responses import S3Response

from ._patching import Func, wrap

Record = dict[str, Any]
RecordBuilder = Callable[[str], Record]  # notification configuration id -> record

_TAG = "s3_events"
_SEQUENCED = ("s3:ObjectCreated:", "s3:ObjectRemoved:", "s3:Replication:", "s3:ObjectRestore:")
_METADATA_EVENTS = ("s3:ObjectTagging:", "s3:ObjectAcl:")  # eventVersion 2.3, no size, no sequencer
_TAGGING_PUT = "s3:ObjectTagging:Put"
_MPU = "s3:ObjectCreated:CompleteMultipartUpload"
_REMOVED = "s3:ObjectRemoved:Delete"
_MARKER_CREATED = "s3:ObjectRemoved:DeleteMarkerCreated"
EMPTY_ETAG = "d41d8cd98f00b204e9800998ecf8427e"  # what S3 reports as a delete marker's ETag
_sequence_lock = threading.Lock()
_last_sequence = 0


class _Scope(threading.local):
    """What the request being served lets through: nothing (``only`` empty), only some event
    names, and whether ObjectTagging:Put may be sent (only PutObjectTagging sends it)."""

    only: frozenset[str] | None = None
    tagging_api: bool = False


_scope = _Scope()


def install() -> None:
    """Route every moto S3 event through ``send_event`` (idempotent)."""
    wrap(notifications, "send_event", _TAG, lambda _original: send_event)
    wrap(S3Backend, "complete_multipart_upload", _TAG, _only_while(frozenset({_MPU})))
    wrap(S3Backend, "delete_object", _TAG, _delete_events)
    wrap(S3Backend, "put_object_acl", _TAG, _acl_changes_only)
    wrap(S3Response, "put_object_tagging", _TAG, _tagging_api)
    wrap(notifications, "send_test_event", _TAG, lambda _original: send_test_event)


def send_test_event(account_id: str, bucket: FakeBucket) -> None:
    """The ``s3:TestEvent`` S3 sends each queue and topic when a configuration is written, to the
    account and region of the target's ARN (moto looked in the bucket owner's account)."""
    config = bucket.notification_configuration
    if config is None:
        return
    for notifications_of_kind, send in ((config.queue, _send_sqs), (config.topic, _send_sns)):
        for arn in dict.fromkeys(n.arn for n in notifications_of_kind):
            send(arn, {
                "Service": "Amazon S3",
                "Event": "s3:TestEvent",
                "Time": event_time(),
                "Bucket": bucket.name,
                "RequestId": uuid.uuid4().hex[:16].upper(),
                "HostId": uuid.uuid4().hex + uuid.uuid4().hex,
            })


@contextlib.contextmanager
def _only(names: frozenset[str]) -> Iterator[None]:
    saved = _scope.only
    _scope.only = names if saved is None else saved & names
    try:
        yield
    finally:
        _scope.only = saved


def send_event(
    account_id: str, event_name: str, bucket: FakeBucket, key: Any, *, principal: str | None = None
) -> None:
    """moto's ``send_event``; ``account_id`` (the caller's) is not used: targets are found by ARN.

    ``principal`` is the record's ``userIdentity.principalId`` (default ``AWS:<writer account>``).
    One event has one sequencer, whichever targets receive it.
    """
    event_name = str(getattr(event_name, "value", event_name))
    if _scope.only is not None and event_name not in _scope.only:
        return
    if event_name == _TAGGING_PUT and not _scope.tagging_api:
        return
    sequencer = _sequencer() if event_name.startswith(_SEQUENCED) else None

    def build(config_id: str) -> Record:
        return object_record(event_name, bucket, key, config_id, principal=principal, sequencer=sequencer)

    deliver(bucket, event_name, key.name, build)
    config = bucket.notification_configuration
    if config is not None and config.event_bridge is not None:
        event = eventbridge_event(event_name, bucket, key, sequencer=sequencer, principal=principal)
        if event is not None:
            _send_eventbridge(bucket, event)


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
    event_version: str | None = None,
    sequencer: str | None = None,
) -> Record:
    """The documented record for an object event (``event_name`` like ``s3:ObjectCreated:Put``)."""
    if event_version is None:
        event_version = "2.3" if event_name.startswith(_METADATA_EVENTS) else "2.1"
    record = {
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
            "object": _object(event_name, key, sequencer),
        },
    }
    if event_name == "s3:ObjectRestore:Completed":  # S3 itself completes the restore
        record["userIdentity"] = {"principalId": f"AmazonCustomer:{bucket.account_id}"}
        record["glacierEventData"] = {"restoreEventData": {
            "lifecycleRestorationExpiryTime": event_time(_restore_expiry(key)),
            "lifecycleRestoreStorageClass": getattr(key, "storage_class", None) or "GLACIER",
        }}
    return record


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


def _object(event_name: str, key: Any, sequencer: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {"key": encode_key(key.name)}
    if event_name == _MARKER_CREATED:
        result["eTag"] = EMPTY_ETAG
    elif event_name.startswith(_METADATA_EVENTS):
        result["eTag"] = key.etag.strip('"')
    elif not event_name.startswith("s3:ObjectRemoved:"):
        result["size"] = key.size
        result["eTag"] = key.etag.strip('"')
    version = version_of(key)
    if version:
        result["versionId"] = version
    if event_name.startswith(_SEQUENCED):
        result["sequencer"] = sequencer or _sequencer()
    return result


def version_of(key: Any) -> str | None:
    """The object's version id as events report it: none for an unversioned or null version."""
    version = getattr(key, "_version_id", None) or getattr(key, "version_id", None)
    return str(version) if version and str(version) != "null" else None


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


# --- EventBridge -----------------------------------------------------------------------------------

_CREATED_REASON = {
    "Put": "PutObject",
    "Post": "POST Object",
    "Copy": "CopyObject",
    "CompleteMultipartUpload": "CompleteMultipartUpload",
}


def eventbridge_event(
    event_name: str, bucket: FakeBucket, key: Any, *, sequencer: str | None = None, principal: str | None = None
) -> dict[str, Any] | None:
    """The EventBridge event S3 sends for ``event_name``, or None when it sends none."""
    kind, _, action = event_name.removeprefix("s3:").partition(":")
    obj: dict[str, Any] = {"key": key.name}
    version = version_of(key)
    detail: dict[str, Any] = {
        "version": "0",
        "bucket": {"name": bucket.name},
        "object": obj,
        "request-id": uuid.uuid4().hex[:16].upper(),
        "requester": (principal or f"AWS:{key.account_id}").removeprefix("AWS:"),
        "source-ip-address": "127.0.0.1",
    }
    etag = str(getattr(key, "etag", "") or "").strip('"')
    if kind == "ObjectCreated" and action in _CREATED_REASON:
        detail_type = "Object Created"
        obj.update(size=key.size, etag=etag)
        detail["reason"] = _CREATED_REASON[action]
    elif kind == "ObjectRemoved":
        detail_type = "Object Deleted"
        if action == "DeleteMarkerCreated":
            obj["etag"] = EMPTY_ETAG
        detail["reason"] = "DeleteObject"
        detail["deletion-type"] = "Delete Marker Created" if action == "DeleteMarkerCreated" else "Permanently Deleted"
    elif kind == "ObjectTagging":
        detail_type = "Object Tags Added" if action == "Put" else "Object Tags Deleted"
        obj["etag"] = etag
    elif kind == "ObjectAcl":
        detail_type = "Object ACL Updated"
        obj["etag"] = etag
    elif kind == "ObjectRestore" and action in ("Post", "Completed"):
        detail_type = "Object Restore Initiated" if action == "Post" else "Object Restore Completed"
        obj.update(size=key.size, etag=etag)
        detail["source-storage-class"] = getattr(key, "storage_class", None) or "STANDARD"
        if action == "Completed":
            detail["restore-expiry-time"] = event_time(_restore_expiry(key))
            del detail["source-ip-address"]
    else:
        return None
    if version:
        obj["version-id"] = version
    if kind in ("ObjectCreated", "ObjectRemoved"):
        obj["sequencer"] = sequencer or _sequencer()
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": "aws.s3",
        "account": bucket.account_id,
        "time": time.time(),  # moto's SQS and log targets write it as 2025-01-21T23:25:10Z
        "region": bucket.region_name,
        "resources": [bucket.arn],
        "detail": detail,
    }


def _restore_expiry(key: Any) -> datetime | None:
    expiry = getattr(key, "_expiry", None)
    if isinstance(expiry, datetime):
        return expiry if expiry.tzinfo else expiry.replace(tzinfo=timezone.utc)
    return None


def _send_eventbridge(bucket: FakeBucket, event: dict[str, Any]) -> None:
    """To the rules of the bucket owner's default event bus in the bucket's region."""
    from moto.events.models import events_backends

    def send() -> None:
        bus = events_backends[bucket.account_id][bucket.region_name].event_buses.get("default")
        for rule in list(bus.rules.values()) if bus else []:
            if getattr(rule, "state", "ENABLED") == "ENABLED":
                rule.send_to_targets(json.loads(json.dumps(event)), transform_input=False)

    _quietly(send)


# --- which requests notify what ------------------------------------------------------------------


def _only_while(names: frozenset[str]) -> Callable[[Func], Func]:
    """Let only ``names`` through while the wrapped method runs."""

    def make(original: Func) -> Func:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            with _only(names):
                return original(self, *args, **kwargs)

        return method

    return make


def _tagging_api(original: Func) -> Func:
    """PutObjectTagging sends ObjectTagging:Put; tags written with PutObject, CopyObject or
    CompleteMultipartUpload do not."""

    def put_object_tagging(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        saved, _scope.tagging_api = _scope.tagging_api, True
        try:
            return original(self, *args, **kwargs)
        finally:
            _scope.tagging_api = saved

    return put_object_tagging


def _acl_form(acl: Any) -> str:
    return json.dumps((acl or get_canned_acl("private")).to_config_dict(), sort_keys=True, default=str)


def _acl_changes_only(original: Func) -> Func:
    """PutObjectAcl that leaves the ACL as it was sends no ObjectAcl:Put."""

    def put_object_acl(
        self: S3Backend, bucket_name: str, key_name: str, acl: Any, disable_notification: bool | None = False
    ) -> Any:
        if not disable_notification:
            with contextlib.suppress(Exception):
                key = self.get_object(bucket_name, key_name)
                if key is not None and _acl_form(getattr(key, "acl", None)) == _acl_form(acl):
                    disable_notification = True
        return original(self, bucket_name, key_name, acl, disable_notification=disable_notification)

    return put_object_acl


def _delete_events(original: Func) -> Func:
    """DeleteObject (and each key of DeleteObjects) notifies as S3 does: ``ObjectRemoved:Delete``
    for an unversioned key whether or not it existed, ``ObjectRemoved:DeleteMarkerCreated`` with
    the marker's version for a delete without version id in a versioned bucket (a null-version
    marker when versioning is suspended), ``ObjectRemoved:Delete`` with the version id for the
    removal of a version (or of a delete marker)."""

    def delete_object(
        self: S3Backend, bucket_name: str, key_name: str, version_id: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        bucket = self.get_bucket(bucket_name)
        status = getattr(bucket, "versioning_status", None)
        removed = None
        if version_id is not None:
            removed = next(
                (k for k in bucket.keys.getlist(key_name, []) if str(k.version_id) == str(version_id)), None
            )
        with _only(frozenset()):
            result = original(self, bucket_name, key_name, version_id, *args, **kwargs)
        principal = f"AWS:{self.account_id}"
        stand_in = SimpleNamespace(name=key_name, account_id=self.account_id, _version_id="null", size=0, etag="")
        if version_id is None and status == "Enabled":
            marker_version = (result[1] or {}).get("version-id") if isinstance(result, tuple) else None
            marker = next((k for k in bucket.keys.getlist(key_name, [])
                           if isinstance(k, FakeDeleteMarker) and k.version_id == marker_version), None)
            if marker is not None:
                send_event(self.account_id, _MARKER_CREATED, bucket, marker, principal=principal)
        elif version_id is None and status == "Suspended":
            send_event(self.account_id, _MARKER_CREATED, bucket, stand_in, principal=principal)
        elif version_id is None:
            send_event(self.account_id, _REMOVED, bucket, stand_in, principal=principal)
        elif removed is not None and isinstance(result, tuple) and result[0]:
            send_event(self.account_id, _REMOVED, bucket, removed, principal=principal)
        return result

    return delete_object
