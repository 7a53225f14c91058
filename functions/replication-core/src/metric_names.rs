//! Every metric name the functions publish, in one place: the verifier's report and handler,
//! the setup function's scheduled check, the templates' alarms (checked by
//! `tests/tests/templates.rs`), the demo and the tests all use these.
//!
//! Which verdict counts under which metric is [`crate::verdict::VerdictKind::metric`].

/// Replicas SSE-KMS under the expected key.
pub const REPLICAS_VERIFIED: &str = "ReplicasVerified";
/// Replicas under another KMS key.
pub const REPLICA_WRONG_KEY: &str = "ReplicaWrongKey";
/// Replicas that are not SSE-KMS.
pub const REPLICA_NOT_KMS_ENCRYPTED: &str = "ReplicaNotKmsEncrypted";
/// Objects in D without the `REPLICA` mark.
pub const REPLICA_NOT_REPLICA: &str = "ReplicaNotReplica";
/// Replicas whose Bucket Key state differs from the expectation.
pub const REPLICA_BUCKET_KEY_MISMATCH: &str = "ReplicaBucketKeyMismatch";
/// Object versions not found after the bounded retries.
pub const REPLICA_MISSING: &str = "ReplicaMissing";
/// `HeadObject` requests S3 refused as malformed (final).
pub const REPLICA_CHECK_REJECTED: &str = "ReplicaCheckRejected";
/// `HeadObject` failures that are retried.
pub const VERIFICATION_ERRORS: &str = "VerificationErrors";
/// Event time to verdict, milliseconds.
pub const REPLICA_VERIFICATION_DELAY: &str = "ReplicaVerificationDelay";
/// `ObjectRemoved` events, counted and not verified.
pub const REPLICA_DELETES_SEEN: &str = "ReplicaDeletesSeen";
/// `OperationFailedReplication` events.
pub const REPLICATION_FAILED: &str = "ReplicationFailed";
/// `OperationMissedThreshold` events (RTC).
pub const REPLICATION_MISSED_THRESHOLD: &str = "ReplicationMissedThreshold";
/// Other `s3:Replication:*` events.
pub const REPLICATION_EVENTS: &str = "ReplicationEvents";
/// Messages and records the verifier did not verify, by `Reason`.
pub const EVENTS_SKIPPED: &str = "EventsSkipped";
/// Verified replicas of canary objects ([`crate::canary`]); never published as 0.
pub const CANARY_REPLICA_VERIFIED: &str = "CanaryReplicaVerified";
/// The scheduled check's number of findings, by `Side`, `SourceBucket`, `DestinationBucket`.
pub const REPLICATION_SETUP_FINDINGS: &str = "ReplicationSetupFindings";
/// The scheduled check's number of documents it could not read (a read refused, a lookup that
/// failed), by `Side`, `SourceBucket`, `DestinationBucket`: the check fails closed.
pub const REPLICATION_SETUP_UNCHECKED: &str = "ReplicationSetupUnchecked";
