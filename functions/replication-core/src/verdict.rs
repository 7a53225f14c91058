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

/// Declares [`VerdictKind`] and [`VerdictKind::ALL`] from one list, so that `ALL` holds every
/// variant by construction: a kind added to the list is in `ALL`, and there is no other place
/// to add one.
macro_rules! verdict_kinds {
    ($($(#[$doc:meta])* $kind:ident),+ $(,)?) => {
        /// A verdict's kind, without its details: the catalogue of verdicts, each with its
        /// metric. A new verdict is added to the list that declares this enum (and to
        /// [`Verdict::kind`]); [`VerdictKind::ALL`] then gives it its zero datapoints on every
        /// invocation, so that an alarm on it never sits in INSUFFICIENT_DATA, and the catalogue
        /// (`infra/catalogue.json`) lists it, so that the infrastructure tests ask for its alarm.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum VerdictKind {
            $($(#[$doc])* $kind,)+
        }

        impl VerdictKind {
            /// Every kind, in the order of the verdict metrics (the order of declaration).
            pub const ALL: [VerdictKind; [$(VerdictKind::$kind),+].len()] =
                [$(VerdictKind::$kind),+];
        }
    };
}

verdict_kinds! {
    /// [`Verdict::Verified`].
    Verified,
    /// [`Verdict::WrongKey`].
    WrongKey,
    /// [`Verdict::NotKmsEncrypted`].
    NotKmsEncrypted,
    /// [`Verdict::NotReplica`].
    NotReplica,
    /// [`Verdict::BucketKeyMismatch`].
    BucketKeyMismatch,
    /// [`Verdict::Missing`].
    Missing,
    /// [`Verdict::Rejected`].
    Rejected,
    /// [`Verdict::Error`].
    Error,
}

impl VerdictKind {
    /// The metric this kind counts under.
    pub const fn metric(self) -> &'static str {
        use crate::metric_names as m;
        match self {
            VerdictKind::Verified => m::REPLICAS_VERIFIED,
            VerdictKind::WrongKey => m::REPLICA_WRONG_KEY,
            VerdictKind::NotKmsEncrypted => m::REPLICA_NOT_KMS_ENCRYPTED,
            VerdictKind::NotReplica => m::REPLICA_NOT_REPLICA,
            VerdictKind::BucketKeyMismatch => m::REPLICA_BUCKET_KEY_MISMATCH,
            VerdictKind::Missing => m::REPLICA_MISSING,
            VerdictKind::Rejected => m::REPLICA_CHECK_REJECTED,
            VerdictKind::Error => m::VERIFICATION_ERRORS,
        }
    }

    /// The verdict's name in log lines and result strings.
    pub const fn name(self) -> &'static str {
        match self {
            VerdictKind::Verified => "Verified",
            VerdictKind::WrongKey => "WrongKey",
            VerdictKind::NotKmsEncrypted => "NotKmsEncrypted",
            VerdictKind::NotReplica => "NotReplica",
            VerdictKind::BucketKeyMismatch => "BucketKeyMismatch",
            VerdictKind::Missing => "Missing",
            VerdictKind::Rejected => "Rejected",
            VerdictKind::Error => "Error",
        }
    }
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
    /// S3 refused the `HeadObject` request itself (HTTP 400 and the other statuses in
    /// [`judge_failure`]): a key longer than S3 allows, a malformed version id. Asking again
    /// cannot change the answer, so this is a final finding.
    Rejected {
        /// The status or error code and a short message.
        reason: String,
    },
    /// HeadObject failed (access denied, throttled after the SDK's retries, …).
    Error {
        /// The error code and message.
        reason: String,
    },
}

/// The longest `reason` a verdict carries, in bytes: it goes into log lines, Lambda error
/// messages and S3 Batch Operations completion reports, where a dump of an SDK error helps
/// nobody.
pub const MAX_REASON_LEN: usize = 256;

impl Verdict {
    /// A short name for logs and tables: `Verified`, `WrongKey`, ….
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Its kind, in the catalogue.
    pub fn kind(&self) -> VerdictKind {
        match self {
            Verdict::Verified => VerdictKind::Verified,
            Verdict::WrongKey { .. } => VerdictKind::WrongKey,
            Verdict::NotKmsEncrypted { .. } => VerdictKind::NotKmsEncrypted,
            Verdict::NotReplica { .. } => VerdictKind::NotReplica,
            Verdict::BucketKeyMismatch { .. } => VerdictKind::BucketKeyMismatch,
            Verdict::Missing => VerdictKind::Missing,
            Verdict::Rejected { .. } => VerdictKind::Rejected,
            Verdict::Error { .. } => VerdictKind::Error,
        }
    }

    /// Whether trying again may change the verdict. Only [`Verdict::Error`] is: the others
    /// are final findings, reported and never retried.
    pub fn is_transient(&self) -> bool {
        matches!(self, Verdict::Error { .. })
    }

    /// One line that starts with the verdict's [`name`](Self::name) and says what was found,
    /// at most [`MAX_REASON_LEN`] bytes: the `resultString` of an S3 Batch Operations task,
    /// which lands in the job's completion report.
    pub fn describe(&self) -> String {
        let detail = match self {
            Verdict::Verified => return self.name().to_owned(),
            Verdict::WrongKey { expected, actual } => {
                format!("under {actual}, expected {expected}")
            }
            Verdict::NotKmsEncrypted { sse } => format!("encryption {sse}"),
            Verdict::NotReplica { status } => format!("replication status {status}"),
            Verdict::BucketKeyMismatch { expected, actual } => {
                let state = |on: &bool| if *on { "enabled" } else { "disabled" };
                format!("bucket key {}, expected {}", state(actual), state(expected))
            }
            Verdict::Missing => "no such object version".to_owned(),
            Verdict::Rejected { reason } | Verdict::Error { reason } => reason.clone(),
        };
        cap_reason(format!("{}: {detail}", self.name()))
    }

    /// The reason of a failed `HeadObject` ([`Verdict::Rejected`], [`Verdict::Error`]).
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::Rejected { reason } | Verdict::Error { reason } => Some(reason),
            _ => None,
        }
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
            | Verdict::Rejected { .. }
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

/// Whether a failed `HeadObject` means "no such object version" (retried, then
/// [`Verdict::Missing`]): S3's codes `NotFound`, `NoSuchKey`, `NoSuchVersion`, or a 404 without
/// a code (a HEAD error has no body to carry one).
pub fn is_not_found(status: Option<u16>, code: Option<&str>) -> bool {
    matches!(code, Some("NotFound" | "NoSuchKey" | "NoSuchVersion")) || status == Some(404)
}

/// Judge a failed `HeadObject` (anything but 404, which the adapter retries and then reports
/// as [`Verdict::Missing`]) from its HTTP `status` (none when no response came back), S3's
/// error `code` and a short `message`.
///
/// A HEAD response has no body, so S3's error code is usually absent and the status is all
/// there is (S3 API Reference, HeadObject: "if the HEAD request generates an error, it returns
/// a generic code, such as 400 Bad Request, 403 Forbidden, 404 Not Found, 405 Method Not
/// Allowed, 412 Precondition Failed, or 304 Not Modified"). Statuses that say the request can never
/// succeed as sent are final ([`Verdict::Rejected`]): 400 (for example `KeyTooLongError` for a
/// key over 1,024 bytes, or a malformed version id), 405 (the version is a delete marker), 411,
/// 413, 414 and 431. Everything else — 403 (a grant can be fixed), throttling, 5xx, no
/// response — is a transient [`Verdict::Error`], retried through SQS or Lambda. The reason is
/// at most [`MAX_REASON_LEN`] bytes.
pub fn judge_failure(status: Option<u16>, code: Option<&str>, message: Option<&str>) -> Verdict {
    let code = match (code, status) {
        (Some(c), _) => c.to_owned(),
        (None, Some(s)) => match status_name(s) {
            Some(name) => format!("{name} (HTTP {s})"),
            None => format!("HTTP {s}"),
        },
        (None, None) => "NoResponse".to_owned(),
    };
    let reason = match message.filter(|m| !m.is_empty()) {
        Some(m) => cap_reason(format!("{code}: {m}")),
        None => cap_reason(code),
    };
    match status {
        Some(400 | 405 | 411 | 413 | 414 | 431) => Verdict::Rejected { reason },
        _ => Verdict::Error { reason },
    }
}

/// The verdict on an SSE-C replica: not SSE-KMS, so not under KB.
#[must_use]
pub fn sse_c() -> Verdict {
    Verdict::NotKmsEncrypted {
        sse: "SSE-C".to_owned(),
    }
}

/// Whether a `GetObject` error is S3's refusal to read an SSE-C object without its key: 400
/// `InvalidRequest` "The object was stored using a form of Server Side Encryption. The correct
/// parameters must be provided to retrieve the object." (recorded on AWS in LocalStack's
/// `TestS3SSECEncryption::test_object_retrieval_sse_c`, key `get-obj-no-sse-c`). A `HeadObject`
/// of such an object answers a bare 400, which alone cannot be told from other 400s.
#[must_use]
pub fn is_sse_c_refusal(code: Option<&str>, message: Option<&str>) -> bool {
    code == Some("InvalidRequest")
        && message.is_some_and(|m| {
            m.starts_with("The object was stored using a form of Server Side Encryption")
        })
}

/// The longest object key S3 accepts, in UTF-8 bytes (S3 User Guide, "Naming Amazon S3
/// objects": "up to 1,024 bytes long").
pub const MAX_KEY_BYTES: usize = 1024;

/// The longest version id S3 issues (S3 User Guide, "How S3 Versioning works": version IDs
/// "are no more than 1,024 bytes long").
pub const MAX_VERSION_ID_BYTES: usize = 1024;

/// The longest bucket name S3 has ever allowed (legacy us-east-1 names: 255 characters).
pub const MAX_BUCKET_NAME_BYTES: usize = 255;

/// The verdict on an object that cannot exist in S3, decided before any call: a key, version id
/// or bucket name longer than S3 allows. S3 would answer such a `HeadObject` 400 (a
/// [`Verdict::Rejected`]), and an event can carry one far longer — long enough that the SDK's
/// request URI overflows the `http` crate's limit, where the SDK panics instead of returning
/// an error. So none is sent: the finding is the same, and it costs no call.
pub fn judge_without_asking(bucket: &str, key: &str, version_id: Option<&str>) -> Option<Verdict> {
    let too_long = |what: &str, len: usize, max: usize| {
        (len > max).then(|| Verdict::Rejected {
            reason: format!("{what} is {len} bytes; S3 allows {max} (S3 answers 400 Bad Request)"),
        })
    };
    too_long("the object key", key.len(), MAX_KEY_BYTES)
        .or_else(|| {
            too_long(
                "the version id",
                version_id.map_or(0, str::len),
                MAX_VERSION_ID_BYTES,
            )
        })
        .or_else(|| too_long("the bucket name", bucket.len(), MAX_BUCKET_NAME_BYTES))
}

/// The name S3 gives a bare status (HEAD responses carry no error code).
fn status_name(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "BadRequest",
        403 => "AccessDenied",
        405 => "MethodNotAllowed",
        500 => "InternalError",
        503 => "SlowDown",
        _ => return None,
    })
}

/// `reason` cut to at most [`MAX_REASON_LEN`] bytes, on a character boundary, with `…` when
/// it was cut.
pub fn cap_reason(mut reason: String) -> String {
    if reason.len() <= MAX_REASON_LEN {
        return reason;
    }
    let mut end = MAX_REASON_LEN - '…'.len_utf8();
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason.truncate(end);
    reason.push('…');
    reason
}

/// S3 returns the key ARN; accept a bare key id that names the same key too.
fn same_key(expected_arn: &str, actual: &str) -> bool {
    actual == expected_arn
        || expected_arn
            .rsplit_once(":key/")
            .is_some_and(|(_, id)| id == actual)
}

#[cfg(test)]
mod tests;
