"""The S3 replication engine that moto lacks (gap e).

moto 5.2.5 stores a bucket's replication configuration and never acts on it. Here, after a
successful PutObject, CopyObject, POST upload or CompleteMultipartUpload (any account), the new
version of an object in a versioned bucket with a replication configuration is replicated
asynchronously by one background thread (usually within milliseconds; nothing is exposed over
HTTP):

* rule: the enabled rules whose filter matches (legacy ``Prefix``; ``Filter`` Prefix, Tag or
  And{Prefix, Tags} on the object's tags), per destination bucket -- as in AWS's
  multi-destination replication, an object goes to every destination bucket that one of its
  matching rules names, and among the rules for one destination the highest ``Priority`` wins
  (a missing Priority counts as 0, ties go to the first rule). The object is not replicated to
  a destination, when its winning rule is SSE-KMS-blind (an SSE-KMS object and no
  ``SourceSelectionCriteria.SseKmsEncryptedObjects: Enabled``); it is not replicated at all,
  and gets no status, when no rule matches or when it is itself a replica;
* status: ``x-amz-replication-status`` (HeadObject/GetObject; SDK ``ReplicationStatus``) is
  ``PENDING`` on the source version before the write's response is sent, and stays so until
  every destination is done; then ``COMPLETED``, or ``FAILED`` when any destination failed (as
  AWS documents for multiple destinations); replicas answer ``REPLICA``;
* replica: written through the destination account's S3 backend, same key, same version id,
  Last-Modified, ETag, user metadata, Content-Type and other system metadata, checksum, and tags
  when the role may read them (s3:GetObjectVersionTagging; without it the object replicates
  without its tags, as the S3 guide's "Setting up permissions" says -- the failure-code list's
  SrcGetTaggingNotPermitted is therefore never produced) and unless an explicit Deny of
  s3:ReplicateTags on the destination object applies (``_replicated_tags``: then the object
  replicates, COMPLETED, without its tags; s3:ReplicateObject alone covers tags, so the
  failure-code list's DstPutTaggingNotPermitted is never produced either);
  storage class from ``Destination.StorageClass`` else the source's; encrypted with
  ``ReplicaKmsKeyID`` (resolved to the key ARN), keeping the source's S3 Bucket Key setting,
  when the source is SSE-KMS, else as the source
  (an unencrypted source takes the destination bucket's default encryption, as in AWS). With
  ``AccessControlTranslation.Owner: Destination`` the replica gets a private ACL of the
  destination account, else the source's ACL (moto uses one canonical owner id for every
  account, so ownership itself is not observable). The replica fires the destination bucket's
  ``s3:ObjectCreated:Put`` notifications like a PutObject (``_s3_events``; userIdentity
  ``AWS:<role id>:s3-replication``). Replicas are never replicated again;
* delete markers (DeleteObject/DeleteObjects without a version id) are replicated, with the
  same version id, when the selected rule is a V1 rule (legacy ``Prefix``, as in AWS) or has
  ``DeleteMarkerReplication: Enabled``; tag filters never match them. This needs
  s3:ReplicateDelete (else DstDelObjNotPermitted, logged only: AWS documents failure events for
  ``s3Operation`` ``OBJECT_PUT`` only). Deletes of a version id are never replicated (as in AWS);
* failure: ``FAILED``, no replica, a line on stderr, and -- when the rule's
  ``Destination.Metrics.Status`` is ``Enabled`` (AWS sends failure events only then) -- an
  ``s3:Replication:OperationFailedReplication`` event on the SOURCE bucket (moto already accepts
  ``s3:Replication:*`` names in PutBucketNotificationConfiguration). Reasons, from
  https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-failure-codes.html :
  AssumeRoleNotPermitted (role missing, or its trust policy does not let s3.amazonaws.com
  sts:AssumeRole), DstBucketNotFound, DstBucketUnversioned, DstBucketObjectLockConfigMissing
  (Object Lock on the source bucket and not on the destination), SrcGetObjectNotPermitted
  (s3:GetObjectVersionForReplication, or kms:Decrypt on the source key), SrcKmsKeyInvalidState (source key missing,
  disabled or pending deletion), DstKmsKeyNotFound, DstKmsKeyInvalidState (replica key disabled
  or pending deletion), DstPutObjectNotPermitted (s3:ReplicateObject, or
  s3:ObjectOwnerOverrideToBucketOwner with Owner=Destination, or kms:Encrypt on the replica key,
  and kms:Decrypt on it too for a Bucket Key replica). ``s3Operation`` is
  ``OBJECT_PUT``; ``requestTime`` is the source write's time;
* metrics (``_replication_metrics``): with the rule's metrics or RTC on, S3's AWS/S3
  replication metrics (OperationsPendingReplication, BytesPendingReplication,
  OperationsFailedReplication, ReplicationLatency) in the source account's CloudWatch, per rule
  (SourceBucket, DestinationBucket, RuleId): failed operations in the source bucket's region,
  the pending and latency metrics in the destination bucket's (S3 User Guide, "Using S3
  Replication metrics");
* permissions (``_principals``, ``_policy``): the role is the IAM role named by the configuration's Role ARN;
  its identity policies are its inline and attached managed policies, limited by its
  permissions boundary. Resource policies are evaluated too: the source and destination bucket
  policies (same account: the identity policy or a bucket-policy statement naming the role ARN
  or ``*`` allows -- a statement naming the account (``arn:aws:iam::<account>:root`` or its
  id) only delegates to the identity policies, which must allow too (IAM User Guide, "AWS JSON
  policy elements: Principal", "AWS account principals"; see ``_principals``); cross-account:
  both must; an explicit Deny anywhere wins) and the key policies of the source and replica keys (required as
  in KMS: a statement for the role itself suffices in the key's own account, one for the
  account root defers to the identity policies; cross-account both must allow). Context keys
  supplied: aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:SecureTransport,
  aws:ResourceAccount, aws:SourceAccount and aws:SourceArn (trust policy), kms:ViaService
  (``s3.<bucket region>.amazonaws.com``), kms:CallerAccount, kms:EncryptionContext:aws:s3:arn
  (object ARN, or bucket ARN with an S3 Bucket Key), kms:EncryptionContextKeys,
  s3:x-amz-server-side-encryption and s3:x-amz-server-side-encryption-aws-kms-key-id (replica).
  Conditions on other keys are treated as satisfied.

Not done: events for replicated delete markers (moto sends no DeleteMarkerCreated events at
all); existing objects other than on demand (``replicate_on_demand``: S3 Batch Replication, in
``s3control_jobs``), ReplicaModifications, Replication Time Control's 15-minute promise;
multi-destination (one rule per object); KMS grants; SCPs; the permissions S3
needs but does not report per object (s3:GetReplicationConfiguration, s3:ListBucket,
s3:GetObjectVersionAcl); KMS permissions for replicas encrypted by the destination's default
encryption; Destination.Account is not compared with the destination bucket's owner; objects in
buckets whose versioning is suspended are not replicated.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.iam.models import Role
from moto.kms.models import Key
from moto.s3.models import (
    FakeBucket,
    FakeDeleteMarker,
    FakeKey,
    S3Backend,
    get_canned_acl,
    s3_backends,
)
from moto.s3.notifications import S3NotificationEvent
from moto.s3.responses import S3Response

from . import _replication_config, _replication_metrics, _s3_events
from ._kms_keys import KMS_ALGORITHMS, KmsKeyError, resolve
from ._patching import Func, wrap
from ._policy import Caller, Decision, Request, evaluate
from ._principals import RoleAccess, role_by_arn
from .s3_fidelity import Sse, effective_sse

_TAG = "replication"
_LOG = logging.getLogger("localaws.replication")

PENDING, COMPLETED, FAILED, REPLICA = "PENDING", "COMPLETED", "FAILED", "REPLICA"
_STATUS_HEADER = "x-amz-replication-status"
_STATUS = "localaws_replication_status"
_OUTCOMES = "localaws_replication_outcomes"  # [expected destinations, done, failed]
_FAILED_EVENT = S3NotificationEvent.REPLICATION_OPERATION_FAILED_REPLICATION_EVENT.value
_CREATED_EVENT = S3NotificationEvent.OBJECT_CREATED_PUT_EVENT.value


def install() -> None:
    """Patch moto so that writes are replicated (idempotent)."""
    _s3_events.install()
    wrap(S3Backend, "put_object", _TAG, _recording_writes)
    wrap(S3Backend, "_set_delete_marker", _TAG, _recording_delete_markers)
    wrap(S3Response, "key_response", _TAG, _replicating_after)
    wrap(S3Response, "bucket_response", _TAG, _replicating_after)
    wrap(FakeKey, "response_dict", _TAG, _with_replication_status)


# --- hooks -------------------------------------------------------------------------------------


Version = FakeKey | FakeDeleteMarker


class _Writes(threading.local):
    """(bucket, new version) written by the request this thread serves (``None``: no request)."""

    versions: list[tuple[str, Version]] | None = None


_writes = _Writes()


def _recording_writes(original: Func) -> Func:
    def put_object(self: S3Backend, *args: Any, **kwargs: Any) -> FakeKey:
        key = original(self, *args, **kwargs)
        if _writes.versions is not None:
            _writes.versions.append((key.bucket_name, key))
        return key

    return put_object


def _recording_delete_markers(original: Func) -> Func:
    def set_delete_marker(self: S3Backend, bucket_name: str, key_name: str) -> FakeDeleteMarker:
        marker = original(self, bucket_name, key_name)
        if _writes.versions is not None:
            _writes.versions.append((bucket_name, marker))
        return marker

    return set_delete_marker


def _replicating_after(original: Func) -> Func:
    """Schedule replication of what a successful request wrote, before answering it."""

    def handle(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        if _writes.versions is not None:  # nested dispatch: the outer call schedules
            return original(self, *args, **kwargs)
        _writes.versions = []
        try:
            response = original(self, *args, **kwargs)
        finally:
            written, _writes.versions = _writes.versions, None
        if response[0] < 300:
            for bucket_name, version in written:
                _schedule(bucket_name, version)
        return response

    return handle


def _with_replication_status(original: Func) -> Func:
    def response_dict(self: FakeKey) -> dict[str, Any]:
        headers = original(self)
        status = getattr(self, _STATUS, None)
        if status:
            headers[_STATUS_HEADER] = status
        return headers

    return response_dict


# --- scheduling --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One source object version to replicate under one rule."""

    bucket: str
    key: str
    version_id: str
    role_arn: str
    rule: dict[str, Any]
    delete_marker: bool = False
    requested: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


def _schedule(bucket_name: str, version: Version) -> None:
    try:
        bucket = _find_bucket(bucket_name)
        jobs = _jobs_for(bucket, version) if bucket is not None else []
    except Exception:  # never fail the request that wrote the object
        _LOG.exception(
            "localaws replication: cannot schedule s3://%s/%s", bucket_name, version.name
        )
        return
    if not jobs:
        return
    _mark_pending(bucket, version, jobs)
    for job in jobs:
        _worker.submit(job)


def _mark_pending(bucket: FakeBucket, version: Version, jobs: list[Job]) -> None:
    if isinstance(version, FakeKey):
        setattr(version, _STATUS, PENDING)
        setattr(version, _OUTCOMES, [len(jobs), 0, 0])
        for job in jobs:
            _replication_metrics.scheduled(
                bucket, job.rule, version.size, _destination_region(job.rule)
            )


def replication_status(version: Version) -> str:
    """The version's replication status as Batch Replication's filters name it: ``NONE`` when
    S3 never tried, else ``PENDING``, ``COMPLETED``, ``FAILED`` or ``REPLICA``."""
    return getattr(version, _STATUS, None) or "NONE"


def eligible(bucket: FakeBucket, version: Version) -> bool:
    """Whether a rule of ``bucket``'s replication configuration would replicate ``version``."""
    return bool(_jobs_for(bucket, version))


def replicate_on_demand(bucket: FakeBucket, version: Version) -> list[str | None] | None:
    """Replicate an existing version now, as S3 Batch Replication's ``S3ReplicateObject`` does:
    through the same rules, role and checks as live replication, whatever the version's status.
    Per destination the failure reason or ``None``; ``None`` when no rule applies to it."""
    jobs = _jobs_for(bucket, version)
    if not jobs:
        return None
    _mark_pending(bucket, version, jobs)
    return [_run_job(job) for job in jobs]


def _jobs_for(bucket: FakeBucket, version: Version) -> list[Job]:
    """One job per destination bucket the version goes to."""
    if getattr(version, _STATUS, None) == REPLICA or not bucket.is_versioned:
        return []
    config = _replication_config.load(bucket)
    if not config:
        return []
    marker = isinstance(version, FakeDeleteMarker)
    rules = select_rules(config, version.name, {} if marker else _tags(version))
    return [
        Job(bucket.name, version.name, version.version_id, config.get("Role", ""), rule, marker)
        for rule in rules
        if (_replicates_delete_markers(rule) if marker else _eligible(rule, version))
    ]


def select_rules(
    config: dict[str, Any], key_name: str, tags: dict[str, str]
) -> list[dict[str, Any]]:
    """Per destination bucket, the enabled matching rule with the highest priority (ties: the
    first), in the order the winning rules appear in the configuration."""
    winners: dict[str, dict[str, Any]] = {}
    for rule in config.get("Rules", []):
        if rule.get("Status") != "Enabled" or not _filter_matches(rule, key_name, tags):
            continue
        destination = rule.get("Destination", {}).get("Bucket", "")
        best = winners.get(destination)
        if best is None or rule.get("Priority", 0) > best.get("Priority", 0):
            winners[destination] = rule
    chosen = {id(rule) for rule in winners.values()}
    return [rule for rule in config.get("Rules", []) if id(rule) in chosen]


def _filter_matches(rule: dict[str, Any], key_name: str, tags: dict[str, str]) -> bool:
    if "Filter" not in rule:  # a legacy (V1) rule
        return key_name.startswith(rule.get("Prefix", ""))
    rule_filter = rule["Filter"]
    if "And" in rule_filter:
        both = rule_filter["And"]
        return key_name.startswith(both.get("Prefix", "")) and all(
            tags.get(tag["Key"]) == tag["Value"] for tag in both.get("Tags", [])
        )
    if "Tag" in rule_filter:
        return tags.get(rule_filter["Tag"]["Key"]) == rule_filter["Tag"]["Value"]
    return key_name.startswith(rule_filter.get("Prefix", ""))


def _replicates_delete_markers(rule: dict[str, Any]) -> bool:
    """V2 rules (with Filter) say so; V1 rules (legacy Prefix) always replicate delete markers."""
    if "Filter" not in rule:
        return True
    return rule.get("DeleteMarkerReplication", {}).get("Status") == "Enabled"


def _eligible(rule: dict[str, Any], key: FakeKey) -> bool:
    if key.encryption not in KMS_ALGORITHMS:
        return True
    criteria = rule.get("SourceSelectionCriteria", {}).get("SseKmsEncryptedObjects", {})
    return criteria.get("Status") == "Enabled"


class _Worker:
    """One daemon thread replicating jobs in order, started on first use."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="localaws-replication", daemon=True
                )
                self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                _run_job(job)
            except Exception:  # a bug here must not stop replication or the server
                _LOG.exception("localaws replication: s3://%s/%s failed", job.bucket, job.key)


_worker = _Worker()


# --- replication of one version ----------------------------------------------------------------


def _record_outcome(version: FakeKey, failed: bool) -> None:
    """Count one destination done; the status settles once every destination is."""
    outcomes = getattr(version, _OUTCOMES, None) or [1, 0, 0]
    outcomes[1] += 1
    outcomes[2] += int(failed)
    setattr(version, _OUTCOMES, outcomes)
    if outcomes[1] >= outcomes[0]:
        setattr(version, _STATUS, FAILED if outcomes[2] else COMPLETED)


def _run_job(job: Job) -> str | None:
    """Replicate ``job`` and record the outcome (an unexpected error marks it FAILED); the
    failure reason, or ``None`` once replicated."""
    source_bucket = _find_bucket(job.bucket)
    version = _version(source_bucket, job.key, job.version_id) if source_bucket else None
    if source_bucket is None or version is None:
        _LOG.warning("localaws replication: s3://%s/%s is gone", job.bucket, job.key)
        return "NoSuchKey"
    if isinstance(version, FakeDeleteMarker):  # delete markers carry no replication status
        failure = _replicate_delete_marker(job, source_bucket, version)
    else:
        try:
            failure = _replicate(job, source_bucket, version)
        except Exception:
            _record_outcome(version, failed=True)
            _replication_metrics.done(
                source_bucket,
                job.rule,
                version.size,
                job.requested,
                True,
                _destination_region(job.rule),
            )
            raise
        _record_outcome(version, failed=failure is not None)
        _replication_metrics.done(
            source_bucket,
            job.rule,
            version.size,
            job.requested,
            failure is not None,
            _destination_region(job.rule),
        )
    if failure is None:
        return None
    destination = job.rule.get("Destination", {})
    _LOG.warning(
        "localaws replication: s3://%s/%s (version %s) to %s FAILED: %s",
        job.bucket,
        job.key,
        job.version_id,
        destination.get("Bucket"),
        failure,
    )
    if isinstance(version, FakeKey) and destination.get("Metrics", {}).get("Status") == "Enabled":
        _notify_failure(job, source_bucket, version, failure)  # AWS: only with metrics enabled
    return failure


def _role_and_target(job: Job, source_bucket: FakeBucket) -> tuple[Role, FakeBucket] | str:
    """The replication role and destination bucket, or the failure reason."""
    role = role_by_arn(job.role_arn)
    if role is None or not _trusts_s3(role, source_bucket):
        return "AssumeRoleNotPermitted"
    target = _destination_bucket(job.rule)
    if target is None:
        return "DstBucketNotFound"
    if not target.is_versioned:
        return "DstBucketUnversioned"
    if source_bucket.object_lock_enabled and not target.object_lock_enabled:
        # "To replicate objects from a source bucket with Object Lock enabled, the destination
        # bucket must also have Object Lock enabled" (replication-failure-codes.html).
        return "DstBucketObjectLockConfigMissing"
    return role, target


def _replicate_delete_marker(
    job: Job, source_bucket: FakeBucket, marker: FakeDeleteMarker
) -> str | None:
    found = _role_and_target(job, source_bucket)
    if isinstance(found, str):
        return found
    role, target = found
    if not RoleAccess(role).s3("s3:ReplicateDelete", target, f"{target.arn}/{marker.name}"):
        return "DstDelObjNotPermitted"
    shadowed = target.keys.getlist(marker.name, [])
    replica = FakeDeleteMarker(key=shadowed[-1] if shadowed else marker.key)
    replica._version_id = marker.version_id
    replica.last_modified = marker.last_modified
    target.keys[marker.name] = replica
    return None


def _replicate(job: Job, source_bucket: FakeBucket, source: FakeKey) -> str | None:
    """Replicate an object version; the AWS failure reason, or ``None`` once the replica exists."""
    found = _role_and_target(job, source_bucket)
    if isinstance(found, str):
        return found
    role, target = found
    access = RoleAccess(role)
    tags = _readable_tags(access, source_bucket, source)
    failure = _check_source(access, source_bucket, source)
    if failure:
        return failure
    encryption = _replica_encryption(source, target, role, job.rule)
    if isinstance(encryption, str):
        return encryption
    sse, replica_key = encryption
    failure = _check_destination(access, target, source.name, sse, replica_key, job.rule)
    if failure:
        return failure
    tags = _replicated_tags(access, target, source.name, tags)
    replica = _write_replica(source, target, job.rule, sse, tags)
    principal = f"AWS:{role.id}:s3-replication"
    _s3_events.send_event(target.account_id, _CREATED_EVENT, target, replica, principal=principal)
    return None


def _replica_encryption(
    source: FakeKey, target: FakeBucket, role: Role, rule: dict[str, Any]
) -> tuple[Sse, Key | None] | str:
    """The replica's encryption and, for SSE-KMS sources, its key; or the failure reason.

    An SSE-KMS source is re-encrypted with ReplicaKmsKeyID and keeps its own S3 Bucket Key
    setting, whatever the destination bucket's default ("If your source object uses an S3 Bucket
    Key but your destination bucket uses default encryption with SSE-KMS, the replica object
    maintains its S3 Bucket Key encryption settings": the S3 User Guide, "Using an S3 Bucket Key
    with replication", example 1); any other keeps its algorithm (an unencrypted one takes the
    destination bucket's default encryption, Bucket Key included: example 2).
    """
    replica_key_id = None
    if source.encryption in KMS_ALGORITHMS:
        encryption = rule.get("Destination", {}).get("EncryptionConfiguration", {})
        replica_key_id = encryption.get("ReplicaKmsKeyID")
        if not replica_key_id:
            return "DstKmsKeyNotFound"
    try:
        bucket_key = None
        if replica_key_id is not None:
            bucket_key = "true" if str(source.bucket_key_enabled).lower() == "true" else "false"
        sse = effective_sse(target, role.account_id, source.encryption, replica_key_id, bucket_key)
        if replica_key_id is None:
            return sse, None
        return sse, resolve(sse.kms_key_arn, role.account_id, target.region_name)
    except KmsKeyError as error:
        return "DstKmsKeyNotFound" if error.missing else "DstKmsKeyInvalidState"


def _readable_tags(access: RoleAccess, bucket: FakeBucket, source: FakeKey) -> dict[str, str]:
    """The source's tags, when the role may read them; else none: "s3:GetObjectVersionTagging
    -- Permissions for this action on objects in the source bucket allow Amazon S3 to read object
    tags for replication [...] If Amazon S3 doesn't have these permissions, it replicates the
    objects, but not the object tags" (S3 User Guide, "Setting up permissions")."""
    tags = _tags(source)
    object_arn = f"{bucket.arn}/{source.name}"
    if tags and not access.s3("s3:GetObjectVersionTagging", bucket, object_arn):
        return {}
    return tags


def _replicated_tags(
    access: RoleAccess, target: FakeBucket, key_name: str, tags: dict[str, str]
) -> dict[str, str]:
    """The tags the replica gets: all of them, unless s3:ReplicateTags is explicitly denied.

    S3 User Guide, "Setting up permissions for live replication": "Permissions for the
    s3:ReplicateObject action on the destination bucket also allow replication of object tags,
    so you don't need to explicitly grant permission for the s3:ReplicateTags action" -- a role
    with s3:ReplicateObject but no s3:ReplicateTags (no Allow, no Deny) replicates the tags. "If
    the owner of the destination bucket doesn't want to replicate the tags, they can add the
    following statement to the destination bucket policy to explicitly deny permission for the
    s3:ReplicateTags action" -- the object still replicates (COMPLETED), untagged. The guide
    shows that Deny in D's bucket policy; an explicit Deny in the role's own policy is treated
    the same. Live mode should settle whether AWS instead fails such an object with
    DstPutTaggingNotPermitted (the failure-code list names it, "The s3:ReplicateObject
    permission might be missing").
    """
    if not tags:
        return tags
    decision = access.s3_decision("s3:ReplicateTags", target, f"{target.arn}/{key_name}")
    return {} if decision is Decision.DENY else tags


def _check_source(access: RoleAccess, bucket: FakeBucket, source: FakeKey) -> str | None:
    object_arn = f"{bucket.arn}/{source.name}"
    if not access.s3("s3:GetObjectVersionForReplication", bucket, object_arn):
        return "SrcGetObjectNotPermitted"
    if source.encryption not in KMS_ALGORITHMS:
        return None
    try:
        key = resolve(source.kms_key_id, access.role.account_id, bucket.region_name)
    except KmsKeyError:
        return "SrcKmsKeyInvalidState"
    context_arn = bucket.arn if str(source.bucket_key_enabled).lower() == "true" else object_arn
    if not access.kms("kms:Decrypt", key, bucket, context_arn):
        return "SrcGetObjectNotPermitted"
    return None


def _check_destination(
    access: RoleAccess,
    target: FakeBucket,
    key_name: str,
    sse: Sse,
    replica_key: Key | None,
    rule: dict[str, Any],
) -> str | None:
    object_arn = f"{target.arn}/{key_name}"
    encryption = {
        "s3:x-amz-server-side-encryption": sse.algorithm,
        "s3:x-amz-server-side-encryption-aws-kms-key-id": sse.kms_key_arn,
    }
    if not access.s3("s3:ReplicateObject", target, object_arn, encryption):
        return "DstPutObjectNotPermitted"
    owner = rule.get("Destination", {}).get("AccessControlTranslation", {}).get("Owner")
    if owner == "Destination" and not access.s3(
        "s3:ObjectOwnerOverrideToBucketOwner", target, object_arn
    ):
        return "DstPutObjectNotPermitted"
    if replica_key is not None:
        context_arn = target.arn if sse.bucket_key else object_arn
        if not access.kms("kms:Encrypt", replica_key, target, context_arn):
            return "DstPutObjectNotPermitted"
        # "To use replication with an S3 Bucket Key, the AWS KMS key policy for the KMS key
        # that's used to encrypt the object replica must include the kms:Decrypt permission for
        # the calling principal. The call to kms:Decrypt verifies the integrity of the S3 Bucket
        # Key before using it." (S3 User Guide, "Replicating encrypted objects", section "S3
        # Bucket Keys and replication"). The guide names the key policy; the identity policy is
        # required too, as for every cross-account KMS call.
        if sse.bucket_key and not access.kms("kms:Decrypt", replica_key, target, context_arn):
            return "DstPutObjectNotPermitted"
    return None


def _write_replica(
    source: FakeKey, target: FakeBucket, rule: dict[str, Any], sse: Sse, tags: dict[str, str]
) -> FakeKey:
    backend = s3_backends[target.account_id][target.partition]
    destination = rule.get("Destination", {})
    replica = backend.put_object(
        target.name,
        source.name,
        source.value,
        storage=destination.get("StorageClass") or source.storage_class,
        etag=source.etag.strip('"'),
        encryption=sse.algorithm,
        kms_key_id=sse.kms_key_arn,
        bucket_key_enabled=sse.bucket_key_header(),
        disable_notification=True,
    )
    replica._version_id = source.version_id
    replica.last_modified = source.last_modified
    replica.set_metadata(dict(source.metadata.items()))
    replica.website_redirect_location = source.website_redirect_location
    replica.checksum_algorithm = source.checksum_algorithm
    replica.checksum_value = source.checksum_value
    replica.checksum_type = source.checksum_type
    owner_override = destination.get("AccessControlTranslation", {}).get("Owner") == "Destination"
    replica.set_acl(get_canned_acl("private") if owner_override else source.acl)
    setattr(replica, _STATUS, REPLICA)
    if tags:
        backend.tagger.tag_resource(replica.arn, backend.tagger.convert_dict_to_tags_input(tags))
    return replica


def _notify_failure(job: Job, bucket: FakeBucket, source: FakeKey, reason: str) -> None:
    destination = job.rule.get("Destination", {})
    data = {
        "replicationRuleId": job.rule.get("ID", ""),
        "destinationBucket": destination.get("Bucket", ""),
        "s3Operation": "OBJECT_PUT",
        "requestTime": _s3_events.event_time(job.requested),
        "failureReason": reason,
    }
    _s3_events.deliver(
        bucket,
        _FAILED_EVENT,
        source.name,
        lambda config_id: _s3_events.replication_failure_record(bucket, source, config_id, data),
    )


# --- permissions (``_principals.RoleAccess``) -----------------------------------------------


def _trusts_s3(role: Role, source_bucket: FakeBucket) -> bool:
    request = Request(
        "sts:AssumeRole",
        None,
        {"aws:SourceAccount": source_bucket.account_id, "aws:SourceArn": source_bucket.arn},
    )
    s3_service = Caller(service="s3.amazonaws.com")
    return evaluate([role.assume_role_policy_document], request, s3_service) is Decision.ALLOW


# --- lookups -----------------------------------------------------------------------------------


def _destination_bucket(rule: dict[str, Any]) -> FakeBucket | None:
    """``rule``'s destination bucket, when the emulator has it."""
    return _find_bucket(rule.get("Destination", {}).get("Bucket", "").rpartition(":")[2])


def _destination_region(rule: dict[str, Any]) -> str | None:
    """The region of ``rule``'s destination bucket, when the emulator has it."""
    target = _destination_bucket(rule)
    return target.region_name if target is not None else None


def _find_bucket(name: str) -> FakeBucket | None:
    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    partition, account = owner
    return s3_backends[account][partition].buckets.get(name)


def _version(bucket: FakeBucket, key_name: str, version_id: str) -> Version | None:
    for version in bucket.keys.getlist(key_name, []):
        if version.version_id == version_id:
            return version
    return None


def _tags(key: FakeKey) -> dict[str, str]:
    return s3_backends[key.account_id][key.partition].tagger.get_tag_dict_for_resource(key.arn)
