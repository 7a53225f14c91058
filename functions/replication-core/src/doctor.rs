//! The doctor: documents in, findings out. Says exactly why a replication pair (S in A under KA
//! → D in B under KB) is broken, naming the step, the document, the statement and a
//! one-line fix.
//!
//! The adapters (the `replication-doctor` CLI) read the documents into a [`Snapshot`]; each one
//! is [`Seen::Read`], or [`Seen::Unreadable`] with why (no access, another account's
//! credentials missing). [`diagnose`] evaluates every action replication needs against the
//! identity policy *and* the resource policy, with their conditions ([`crate::evaluate`]), and
//! returns a [`Report`]: one [`Check`] per question asked, and the [`Finding`]s, most serious
//! first. What could not be read is a check with [`Outcome::Unknown`], never a finding. S's
//! default encryption, compared with KA, gives [`Warning`]s (see [`crate::source_encryption`]):
//! objects that replicate other than under KB, or may fail, without any document being wrong.
//!
//! Who needs what, from the S3 User Guide ("Setting up permissions for live replication";
//! "Replicating encrypted objects", including "S3 Bucket Keys and replication"):
//!
//! | step | what | document |
//! |---|---|---|
//! | 1 | versioning `Enabled` on S and D; Object Lock on D when S has it | the buckets |
//! | 2 | S3 may assume the role (trust; `aws:SourceAccount`/`aws:SourceArn` conditions assumed met, unmodelled) | the role |
//! | 2 | `s3:GetReplicationConfiguration`, `s3:ListBucket` on S; `s3:GetObjectVersionForReplication`, `s3:GetObjectVersionAcl` on S/*; `s3:ReplicateObject`, `s3:ReplicateDelete` (and `s3:ObjectOwnerOverrideToBucketOwner` with owner override) on D/*; `kms:Decrypt` on KA; `kms:Encrypt` on KB (and `kms:Decrypt` for Bucket Key replicas); with Object Lock on S, `s3:GetObjectRetention` and `s3:GetObjectLegalHold` on S/* | the role's policies |
//! | 3 | KA: enabled, and its policy allows the role `kms:Decrypt` | KA |
//! | 4 | KB: enabled, and its policy allows the role `kms:Encrypt` (and `kms:Decrypt`) | KB |
//! | 5 | D's policy allows the role the D/* actions (A and B differ: both policies must allow) | D's bucket policy |
//! | 6 | a rule to D, enabled, replicating SSE-KMS objects, `ReplicaKmsKeyID` = KB's ARN | S's replication configuration |
//! | 7 | D notifies the verifier's queue | D's notification configuration |
//!
//! KMS encryption contexts: an object's is `arn:aws:s3:::bucket/key`, a Bucket Key object's is
//! `arn:aws:s3:::bucket`. The bucket context is checked on KA when S's default encryption
//! enables Bucket Keys, and on KB (with `kms:Decrypt`) when S's or D's does (a Bucket Key source
//! object keeps it in its replica; D's default gives unencrypted sources one). Objects written
//! with a per-object Bucket Key header cannot be foreseen from the documents.
//!
//! Not modelled (see [`crate::evaluate`]): SCPs, permissions boundaries, KMS grants, policy
//! variables, conditions on keys other than those supplied here. Only liveness (a canary
//! object) catches those.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::arn::KmsKeyArn;
use crate::notification;
use crate::plan::{PolicyStatements, ReplicationConfiguration};
use crate::properties::DefaultEncryption;
pub use crate::source_encryption::Warning;
use crate::source_encryption::source_encryption_warnings;

mod keys;
mod notifications;
mod permissions;
mod role;
mod rule;
mod statements;
use keys::{KeySide, Need, bucket_keys, keys};
use notifications::notifications;
use permissions::permissions;
use role::role;
use rule::{RoleView, replicated_prefixes, rule};
pub use statements::statement_findings;
use statements::statements;

/// A document as the adapter found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen<T> {
    /// Read (the `Option`s inside say whether it exists).
    Read(T),
    /// Not readable, with why (for example "AccessDenied", or "no credentials for account B").
    Unreadable(String),
}

impl<T> Seen<T> {
    fn get(&self) -> Result<&T, &str> {
        match self {
            Seen::Read(v) => Ok(v),
            Seen::Unreadable(why) => Err(why),
        }
    }
}

/// A KMS key, described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyDocs {
    /// Its ARN.
    pub arn: String,
    /// `KeyState`: `Enabled`, `Disabled`, `PendingDeletion`, …
    pub state: String,
    /// Its key policy.
    pub policy: Value,
}

/// An IAM role, with its policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDocs {
    /// Its ARN (with its path).
    pub arn: String,
    /// The trust policy.
    pub trust: Value,
    /// Inline and attached policies, by name.
    pub policies: Vec<(String, Value)>,
}

/// Everything the doctor reads about one pair.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The partition, such as `aws`.
    pub partition: String,
    /// A.
    pub source_account: String,
    /// S.
    pub source_bucket: String,
    /// S's region.
    pub source_region: String,
    /// D.
    pub destination_bucket: String,
    /// D's region (KB's, which S3 requires to be D's).
    pub destination_region: String,
    /// B, when known (from the caller or the rule's `Destination.Account`).
    pub destination_account: Option<String>,
    /// The rule to check, when several replicate to D.
    pub rule_id: Option<String>,
    /// The replica key expected, when the caller knows it; else the rule's is checked.
    pub expected_destination_key: Option<String>,
    /// The queue D must notify, when the verifier is wired to one.
    pub expected_queue: Option<String>,
    /// S's versioning status (`Enabled`, `Suspended`, or `None` never enabled).
    pub source_versioning: Seen<Option<String>>,
    /// D's versioning status.
    pub destination_versioning: Seen<Option<String>>,
    /// S's replication configuration.
    pub replication: Seen<Option<ReplicationConfiguration>>,
    /// The configuration's role, when it exists.
    pub role: Seen<Option<RoleDocs>>,
    /// The role's ARN when the replication configuration cannot be read but the caller knows
    /// it (the destination side at deploy time): resource policies are then checked for it.
    pub role_arn: Option<String>,
    /// S's bucket policy.
    pub source_bucket_policy: Seen<Option<Value>>,
    /// D's bucket policy.
    pub destination_bucket_policy: Seen<Option<Value>>,
    /// KA (from the caller, or S's default encryption).
    pub source_key: Seen<Option<KeyDocs>>,
    /// KB.
    pub destination_key: Seen<Option<KeyDocs>>,
    /// S's default encryption.
    pub source_encryption: Seen<Option<DefaultEncryption>>,
    /// D's default encryption.
    pub destination_encryption: Seen<Option<DefaultEncryption>>,
    /// D's queue notification configurations (only read with an expected queue).
    pub notifications: Seen<Vec<notification::Entry>>,
    /// Whether S has Object Lock enabled (`GetObjectLockConfiguration`).
    pub source_object_lock: Seen<bool>,
    /// Whether D has Object Lock enabled.
    pub destination_object_lock: Seen<bool>,
    /// With `PolicyWrites: Report`, the statements that the key and bucket policies must
    /// hold because their owner applies them; each is checked for presence. Empty otherwise.
    pub expected_statements: Vec<PolicyStatements>,
}

/// How a check came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// As replication needs.
    Pass,
    /// Not as replication needs; a finding says why.
    Fail,
    /// Could not be checked, with why.
    Unknown,
}

/// One question the doctor asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The step, 1 to 7.
    pub step: u8,
    /// What was checked.
    pub name: String,
    /// How it came out.
    pub outcome: Outcome,
    /// Why it could not be checked, or what was assumed.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// What is wrong, where, and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The step, 1 to 7.
    pub step: u8,
    /// The document, such as `KB's key policy (arn:aws:kms:…)`.
    pub document: String,
    /// The statement (Sid, or `#index`), when one statement is the cause.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// What is missing or wrong.
    pub problem: String,
    /// The fix, as a one-line change.
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step {}: {}", self.step, self.document)?;
        if let Some(s) = &self.statement {
            write!(f, ", statement {s}")?;
        }
        write!(f, ": {}; fix: {}", self.problem, self.fix)
    }
}

/// The doctor's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// No finding and nothing unknown.
    pub healthy: bool,
    /// Every check, in step order.
    pub checks: Vec<Check>,
    /// The findings, most serious first (lowest step first: an earlier step's fault hides the
    /// later ones').
    pub findings: Vec<Finding>,
    /// What replicates other than under KB, or may not replicate, without a document being
    /// wrong (S's default encryption, [`crate::source_encryption`]). Never a finding: they
    /// change neither `healthy` nor [`Report::exit_code`], and are left out of the JSON when
    /// there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
}

impl Report {
    /// The CLI's exit code: 0 healthy, 1 findings, 2 could not check everything.
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        if !self.findings.is_empty() {
            1
        } else if self.checks.iter().any(|c| c.outcome == Outcome::Unknown) {
            2
        } else {
            0
        }
    }

    /// The findings as one text, most serious first, cut at `max` bytes (CloudFormation's
    /// `Reason` must fit the 4 KB response).
    #[must_use]
    pub fn reason(&self, max: usize) -> String {
        let mut text = format!("{} finding(s): ", self.findings.len());
        for (i, f) in self.findings.iter().enumerate() {
            let next = format!("{}{f}", if i > 0 { " | " } else { "" });
            if text.len() + next.len() > max {
                let cut = max.saturating_sub(text.len() + 4);
                let mut end = cut.min(next.len());
                while !next.is_char_boundary(end) {
                    end -= 1;
                }
                text.push_str(&next[..end]);
                text.push_str(" …");
                break;
            }
            text.push_str(&next);
        }
        text
    }
}

struct Doctor<'a> {
    s: &'a Snapshot,
    checks: Vec<Check>,
    findings: Vec<Finding>,
}

impl Doctor<'_> {
    fn pass(&mut self, step: u8, name: String, detail: String) {
        self.checks.push(Check {
            step,
            name,
            outcome: Outcome::Pass,
            detail,
        });
    }

    fn unknown(&mut self, step: u8, name: String, why: &str) {
        self.checks.push(Check {
            step,
            name,
            outcome: Outcome::Unknown,
            detail: why.to_owned(),
        });
    }

    fn fail(&mut self, step: u8, name: String, finding: Finding) {
        self.checks.push(Check {
            step,
            name,
            outcome: Outcome::Fail,
            detail: String::new(),
        });
        self.findings.push(finding);
    }

    fn bucket_arn(&self, bucket: &str) -> String {
        format!("arn:{}:s3:::{bucket}", self.s.partition)
    }

    fn via(&self, region: &str) -> String {
        let suffix = if self.s.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("s3.{region}.{suffix}")
    }
}

/// Diagnose one pair.
#[must_use]
pub fn diagnose(s: &Snapshot) -> Report {
    let mut d = Doctor {
        s,
        checks: Vec::new(),
        findings: Vec::new(),
    };
    versioning(&mut d, "S", &s.source_bucket, &s.source_versioning);
    versioning(
        &mut d,
        "D",
        &s.destination_bucket,
        &s.destination_versioning,
    );
    object_lock(&mut d);
    let rule = rule(&mut d);
    let role = role(&mut d);
    keys(&mut d);
    let rule_known = rule.is_some() || s.replication.get().is_err();
    let prefixes = match s.replication.get() {
        Ok(Some(config)) => replicated_prefixes(&config.rules, &s.destination_bucket),
        _ => Vec::new(),
    };
    match role.as_ref() {
        Some(role) if rule_known => permissions(&mut d, rule.as_ref(), &prefixes, role),
        _ => d.unknown(
            2,
            "permissions of the replication role".into(),
            "no rule to D or no role to evaluate",
        ),
    }
    notifications(&mut d);
    statements(&mut d);
    d.checks.sort_by_key(|c| c.step);
    d.findings.sort_by_key(|f| f.step);
    Report {
        healthy: d.findings.is_empty() && d.checks.iter().all(|c| c.outcome == Outcome::Pass),
        checks: d.checks,
        findings: d.findings,
        warnings: warnings(s),
    }
}

/// S's default encryption against KA, when both were read and KA is known by its ARN.
fn warnings(s: &Snapshot) -> Vec<Warning> {
    let (Seen::Read(default), Seen::Read(Some(ka))) = (&s.source_encryption, &s.source_key) else {
        return Vec::new();
    };
    match KmsKeyArn::parse(&ka.arn) {
        Ok(ka) => source_encryption_warnings(&s.source_bucket, default.as_ref(), &ka),
        Err(_) => Vec::new(),
    }
}

fn versioning(d: &mut Doctor<'_>, which: &str, bucket: &str, seen: &Seen<Option<String>>) {
    let name = format!("versioning on {which} ({bucket})");
    match seen.get() {
        Err(why) => d.unknown(1, name, why),
        Ok(Some(status)) if status == "Enabled" => d.pass(1, name, String::new()),
        Ok(status) => {
            let status = status.as_deref().unwrap_or("never enabled");
            d.fail(
                1,
                name,
                Finding {
                    step: 1,
                    document: format!("{which}'s versioning ({bucket})"),
                    statement: None,
                    problem: format!("versioning is {status}; S3 replicates only between versioned buckets"),
                    fix: format!("aws s3api put-bucket-versioning --bucket {bucket} --versioning-configuration Status=Enabled"),
                },
            );
        }
    }
}

/// Step 1: with Object Lock on S, D must have it too. S3 User Guide, "Object Lock
/// considerations", "Using Object Lock with S3 Replication": "The Amazon S3 destination bucket
/// must have Object Lock enabled on it"; otherwise each object fails with
/// `DstBucketObjectLockConfigMissing` ("Replication failure reasons"). Object Lock can be
/// enabled on an existing versioned bucket with `PutObjectLockConfiguration` (S3 User Guide,
/// "Configuring S3 Object Lock", "Enable Object Lock on an existing S3 bucket"), and never
/// disabled again.
fn object_lock(d: &mut Doctor<'_>) {
    let s = d.s;
    let name = format!("Object Lock on D ({}) when S has it", s.destination_bucket);
    match (s.source_object_lock.get(), s.destination_object_lock.get()) {
        (Err(why), _) => d.unknown(1, name, &format!("S's Object Lock: {why}")),
        (Ok(false), _) => d.pass(1, name, "S has no Object Lock".to_owned()),
        (Ok(true), Err(why)) => d.unknown(1, name, &format!("D's Object Lock: {why}")),
        (Ok(true), Ok(true)) => d.pass(1, name, String::new()),
        (Ok(true), Ok(false)) => {
            let bucket = &s.destination_bucket;
            d.fail(
                1,
                name,
                Finding {
                    step: 1,
                    document: format!("D's Object Lock configuration ({bucket})"),
                    statement: None,
                    problem: format!(
                        "S ({}) has Object Lock and D does not; S3 fails every object with \
                         DstBucketObjectLockConfigMissing",
                        s.source_bucket
                    ),
                    fix: format!(
                        "enable Object Lock on D (it cannot be disabled again): aws s3api \
                         put-object-lock-configuration --bucket {bucket} \
                         --object-lock-configuration ObjectLockEnabled=Enabled (D is versioned), \
                         or create D with --object-lock-enabled-for-bucket"
                    ),
                },
            );
        }
    }
}
