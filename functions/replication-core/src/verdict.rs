//! Is this replica what we expect? The verdict on one object version.
//!
//! The adapter makes exactly one `HeadObject` per replica and hands the answer here as an
//! [`ObjectFacts`] (or a failure code). [`judge`] decides, in this order, so that the most
//! serious finding wins:
//!
//! 1. not SSE-KMS at all → [`Verdict::NotKmsEncrypted`];
//! 2. SSE-KMS under another key → [`Verdict::WrongKey`];
//! 3. not marked `REPLICA` (when required) → [`Verdict::NotReplica`];
//! 4. Bucket Key state differs from `EXPECTED_BUCKET_KEY` (when set) → [`Verdict::BucketKeyMismatch`];
//! 5. otherwise [`Verdict::Verified`].
//!
//! A replica rewritten in the destination under another key is a new version without the
//! `REPLICA` mark, and is reported as `WrongKey`, not `NotReplica`: the key is what matters.
//!
//! ```
//! use replication_core::verdict::{judge, Expectation, ObjectFacts, Verdict};
//! let expect = Expectation::new("arn:aws:kms:us-east-1:222222222222:key/kb");
//! let facts = ObjectFacts {
//!     sse: Some("aws:kms".into()),
//!     kms_key_id: Some("arn:aws:kms:us-east-1:222222222222:key/kb".into()),
//!     bucket_key_enabled: None,
//!     replication_status: Some("REPLICA".into()),
//! };
//! assert_eq!(judge(&expect, &facts), Verdict::Verified);
//! ```

use serde::Serialize;

/// What a replica must look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The destination key's ARN (aliases and key ids are resolved before this).
    pub key_arn: String,
    /// When set, the Bucket Key state the replica must have.
    pub bucket_key: Option<bool>,
    /// Whether `x-amz-replication-status: REPLICA` is required.
    pub require_replica_status: bool,
}

impl Expectation {
    /// Expect `key_arn`, require the `REPLICA` mark, ignore Bucket Keys.
    pub fn new(key_arn: impl Into<String>) -> Self {
        Self {
            key_arn: key_arn.into(),
            bucket_key: None,
            require_replica_status: true,
        }
    }
}

/// What `HeadObject` said about the replica.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFacts {
    /// `x-amz-server-side-encryption`: `aws:kms`, `AES256`, `aws:kms:dsse`, or absent.
    pub sse: Option<String>,
    /// `x-amz-server-side-encryption-aws-kms-key-id`: the key ARN.
    pub kms_key_id: Option<String>,
    /// `x-amz-server-side-encryption-bucket-key-enabled`.
    pub bucket_key_enabled: Option<bool>,
    /// `x-amz-replication-status`: `REPLICA` on a replica.
    pub replication_status: Option<String>,
}

/// The verdict on one replica.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict")]
pub enum Verdict {
    /// SSE-KMS under the expected key (and marked REPLICA when required).
    Verified,
    /// SSE-KMS under another key.
    WrongKey {
        /// The expected key ARN.
        expected: String,
        /// The key the replica is under.
        actual: String,
    },
    /// Not SSE-KMS: `sse` is the encryption found (`none` when absent).
    NotKmsEncrypted {
        /// For example `AES256` or `none`.
        sse: String,
    },
    /// The object is not a replica (`status` is its replication status, `none` when absent).
    NotReplica {
        /// For example `COMPLETED` (a source object) or `none`.
        status: String,
    },
    /// The Bucket Key state differs from the expectation.
    BucketKeyMismatch {
        /// Expected state.
        expected: bool,
        /// Actual state.
        actual: bool,
    },
    /// The object version was not found, after the bounded retries.
    Missing,
    /// HeadObject failed (access denied, throttled after the SDK's retries, …).
    Error {
        /// The error code and message.
        reason: String,
    },
}

impl Verdict {
    /// A short name for logs and tables: `Verified`, `WrongKey`, ….
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Verified => "Verified",
            Verdict::WrongKey { .. } => "WrongKey",
            Verdict::NotKmsEncrypted { .. } => "NotKmsEncrypted",
            Verdict::NotReplica { .. } => "NotReplica",
            Verdict::BucketKeyMismatch { .. } => "BucketKeyMismatch",
            Verdict::Missing => "Missing",
            Verdict::Error { .. } => "Error",
        }
    }

    /// Whether trying again may change the verdict. Only [`Verdict::Error`] is: the others
    /// are final findings, reported and never retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, Verdict::Error { .. })
    }

    /// The key the replica is actually under, when it is under the wrong one.
    pub fn actual_key(&self) -> Option<&str> {
        match self {
            Verdict::WrongKey { actual, .. } => Some(actual),
            _ => None,
        }
    }

    /// For the other findings, what was found instead of what was expected: the replica's
    /// encryption (`NotKmsEncrypted`), its replication status (`NotReplica`) or its Bucket
    /// Key state (`BucketKeyMismatch`).
    pub fn found(&self) -> Option<String> {
        match self {
            Verdict::NotKmsEncrypted { sse } => Some(sse.clone()),
            Verdict::NotReplica { status } => Some(status.clone()),
            Verdict::BucketKeyMismatch { actual, .. } => Some(format!(
                "bucket key {}",
                if *actual { "enabled" } else { "disabled" }
            )),
            Verdict::Verified
            | Verdict::WrongKey { .. }
            | Verdict::Missing
            | Verdict::Error { .. } => None,
        }
    }
}

/// Judge a replica from its `HeadObject` facts.
pub fn judge(expect: &Expectation, facts: &ObjectFacts) -> Verdict {
    let sse = facts.sse.as_deref().unwrap_or("none");
    if sse != "aws:kms" {
        return Verdict::NotKmsEncrypted {
            sse: sse.to_owned(),
        };
    }
    let actual = facts.kms_key_id.as_deref().unwrap_or("none");
    if !same_key(&expect.key_arn, actual) {
        return Verdict::WrongKey {
            expected: expect.key_arn.clone(),
            actual: actual.to_owned(),
        };
    }
    if expect.require_replica_status {
        let status = facts.replication_status.as_deref().unwrap_or("none");
        if status != "REPLICA" {
            return Verdict::NotReplica {
                status: status.to_owned(),
            };
        }
    }
    if let Some(expected) = expect.bucket_key {
        let actual = facts.bucket_key_enabled.unwrap_or(false);
        if actual != expected {
            return Verdict::BucketKeyMismatch { expected, actual };
        }
    }
    Verdict::Verified
}

/// Judge a failed `HeadObject` (anything but 404, which the adapter retries and then reports
/// as [`Verdict::Missing`]).
pub fn judge_failure(code: &str, message: &str) -> Verdict {
    let reason = if message.is_empty() {
        code.to_owned()
    } else {
        format!("{code}: {message}")
    };
    Verdict::Error { reason }
}

/// S3 returns the key ARN; accept a bare key id that names the same key too.
fn same_key(expected_arn: &str, actual: &str) -> bool {
    actual == expected_arn
        || expected_arn
            .rsplit_once(":key/")
            .is_some_and(|(_, id)| id == actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB: &str = "arn:aws:kms:us-east-1:222222222222:key/1111-kb";
    const OTHER: &str = "arn:aws:kms:us-east-1:222222222222:key/2222-other";

    fn replica(sse: Option<&str>, key: Option<&str>, status: Option<&str>) -> ObjectFacts {
        ObjectFacts {
            sse: sse.map(Into::into),
            kms_key_id: key.map(Into::into),
            bucket_key_enabled: None,
            replication_status: status.map(Into::into),
        }
    }

    #[test]
    fn replica_under_the_expected_key_is_verified() {
        let v = judge(
            &Expectation::new(KB),
            &replica(Some("aws:kms"), Some(KB), Some("REPLICA")),
        );
        assert_eq!(v, Verdict::Verified);
    }

    #[test]
    fn wrong_key_replica_is_reported_with_both_keys() {
        let v = judge(
            &Expectation::new(KB),
            &replica(Some("aws:kms"), Some(OTHER), Some("REPLICA")),
        );
        assert_eq!(
            v,
            Verdict::WrongKey {
                expected: KB.into(),
                actual: OTHER.into()
            }
        );
        assert!(!v.is_transient());
    }

    #[test]
    fn rewritten_replica_under_another_key_is_wrong_key_not_not_replica() {
        let v = judge(
            &Expectation::new(KB),
            &replica(Some("aws:kms"), Some(OTHER), None),
        );
        assert_eq!(v.name(), "WrongKey");
    }

    #[test]
    fn sse_s3_and_unencrypted_replicas_are_not_kms_encrypted() {
        let e = Expectation::new(KB);
        assert_eq!(
            judge(&e, &replica(Some("AES256"), None, Some("REPLICA"))),
            Verdict::NotKmsEncrypted {
                sse: "AES256".into()
            }
        );
        assert_eq!(
            judge(&e, &replica(None, None, Some("REPLICA"))),
            Verdict::NotKmsEncrypted { sse: "none".into() }
        );
        assert_eq!(
            judge(
                &e,
                &replica(Some("aws:kms:dsse"), Some(KB), Some("REPLICA"))
            )
            .name(),
            "NotKmsEncrypted"
        );
    }

    #[test]
    fn object_without_replica_status_is_not_a_replica_when_required() {
        let v = judge(
            &Expectation::new(KB),
            &replica(Some("aws:kms"), Some(KB), Some("COMPLETED")),
        );
        assert_eq!(
            v,
            Verdict::NotReplica {
                status: "COMPLETED".into()
            }
        );
        let lenient = Expectation {
            require_replica_status: false,
            ..Expectation::new(KB)
        };
        assert_eq!(
            judge(&lenient, &replica(Some("aws:kms"), Some(KB), None)),
            Verdict::Verified
        );
    }

    #[test]
    fn bucket_key_expectation_is_checked_only_when_set() {
        let mut facts = replica(Some("aws:kms"), Some(KB), Some("REPLICA"));
        facts.bucket_key_enabled = Some(false);
        let expect = Expectation {
            bucket_key: Some(true),
            ..Expectation::new(KB)
        };
        assert_eq!(
            judge(&expect, &facts),
            Verdict::BucketKeyMismatch {
                expected: true,
                actual: false
            }
        );
        assert_eq!(judge(&Expectation::new(KB), &facts), Verdict::Verified);
    }

    #[test]
    fn bare_key_id_of_the_expected_key_matches() {
        let v = judge(
            &Expectation::new(KB),
            &replica(Some("aws:kms"), Some("1111-kb"), Some("REPLICA")),
        );
        assert_eq!(v, Verdict::Verified);
    }

    #[test]
    fn head_failures_are_transient_errors_with_the_code() {
        let v = judge_failure("AccessDenied", "Access Denied");
        assert_eq!(
            v,
            Verdict::Error {
                reason: "AccessDenied: Access Denied".into()
            }
        );
        assert!(v.is_transient());
    }

    #[test]
    fn a_finding_names_what_was_found_instead() {
        let found = |v: Verdict| v.found();
        let wrong = Verdict::WrongKey {
            expected: KB.into(),
            actual: "arn:aws:kms:us-east-1:222222222222:key/other".into(),
        };
        assert_eq!(
            wrong.actual_key(),
            Some("arn:aws:kms:us-east-1:222222222222:key/other")
        );
        assert_eq!(found(wrong), None);
        let sse = Verdict::NotKmsEncrypted {
            sse: "AES256".into(),
        };
        assert_eq!(found(sse).as_deref(), Some("AES256"));
        let status = Verdict::NotReplica {
            status: "COMPLETED".into(),
        };
        assert_eq!(found(status).as_deref(), Some("COMPLETED"));
        let bucket_key = Verdict::BucketKeyMismatch {
            expected: true,
            actual: false,
        };
        assert_eq!(found(bucket_key).as_deref(), Some("bucket key disabled"));
        assert_eq!(found(Verdict::Verified), None);
        assert_eq!(found(Verdict::Missing), None);
    }
}
