//! Every metric name the functions publish, in one place: the verifier's report and handler,
//! the setup function's scheduled check, the templates' alarms (checked by
//! `tests/tests/templates.rs`), the demo and the tests all use these.
//!
//! Which verdict counts under which metric is [`crate::verdict::VerdictKind::metric`].

/// Declares each metric name as a constant and [`ALL`] from one list, so that `ALL` holds every
/// name by construction (the catalogue's test asks each one for its row in
/// [`crate::catalogue::METRICS`]).
macro_rules! metric_names {
    ($($(#[$doc:meta])* $name:ident = $value:literal,)+) => {
        $($(#[$doc])* pub const $name: &str = $value;)+

        /// Every metric name above, in the order of declaration.
        pub const ALL: [&str; [$($name),+].len()] = [$($name),+];
    };
}

metric_names! {
    /// Replicas SSE-KMS under the expected key.
    REPLICAS_VERIFIED = "ReplicasVerified",
    /// Replicas under another KMS key.
    REPLICA_WRONG_KEY = "ReplicaWrongKey",
    /// Replicas that are not SSE-KMS.
    REPLICA_NOT_KMS_ENCRYPTED = "ReplicaNotKmsEncrypted",
    /// Objects in D without the `REPLICA` mark.
    REPLICA_NOT_REPLICA = "ReplicaNotReplica",
    /// Replicas whose Bucket Key state differs from the expectation.
    REPLICA_BUCKET_KEY_MISMATCH = "ReplicaBucketKeyMismatch",
    /// Object versions not found after the bounded retries.
    REPLICA_MISSING = "ReplicaMissing",
    /// `HeadObject` requests S3 refused as malformed (final).
    REPLICA_CHECK_REJECTED = "ReplicaCheckRejected",
    /// `HeadObject` failures that are retried.
    VERIFICATION_ERRORS = "VerificationErrors",
    /// Event time to verdict, milliseconds.
    REPLICA_VERIFICATION_DELAY = "ReplicaVerificationDelay",
    /// `ObjectRemoved` events, counted and not verified.
    REPLICA_DELETES_SEEN = "ReplicaDeletesSeen",
    /// `OperationFailedReplication` events.
    REPLICATION_FAILED = "ReplicationFailed",
    /// `OperationMissedThreshold` events (RTC).
    REPLICATION_MISSED_THRESHOLD = "ReplicationMissedThreshold",
    /// Other `s3:Replication:*` events.
    REPLICATION_EVENTS = "ReplicationEvents",
    /// Messages and records the verifier did not verify, by `Reason`.
    EVENTS_SKIPPED = "EventsSkipped",
    /// Verified replicas of canary objects ([`crate::canary`]); never published as 0.
    CANARY_REPLICA_VERIFIED = "CanaryReplicaVerified",
    /// The scheduled check's number of findings, by `Side`, `SourceBucket`, `DestinationBucket`.
    REPLICATION_SETUP_FINDINGS = "ReplicationSetupFindings",
    /// The scheduled check's number of documents it could not read (a read refused, a lookup that
    /// failed), by `Side`, `SourceBucket`, `DestinationBucket`: the check fails closed.
    REPLICATION_SETUP_UNCHECKED = "ReplicationSetupUnchecked",
}
