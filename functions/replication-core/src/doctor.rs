//! The doctor: documents in, findings out. Says exactly why a replication pair (S in A under KA
//! → D in B under KB) is broken, naming the seed step, the document, the statement and a
//! one-line fix.
//!
//! The adapters (the `replication-doctor` CLI) read the documents into a [`Snapshot`]; each one
//! is [`Seen::Read`], or [`Seen::Unreadable`] with why (no access, another account's
//! credentials missing). [`diagnose`] evaluates every action replication needs against the
//! identity policy *and* the resource policy, with their conditions ([`crate::evaluate`]), and
//! returns a [`Report`]: one [`Check`] per question asked, and the [`Finding`]s, most serious
//! first. What could not be read is a check with [`Outcome::Unknown`], never a finding.
//!
//! Who needs what, from the S3 User Guide ("Setting up permissions for live replication";
//! "Replicating encrypted objects", including "S3 Bucket Keys and replication"):
//!
//! | step | what | document |
//! |---|---|---|
//! | 1 | versioning `Enabled` on S and D | the buckets |
//! | 2 | S3 may assume the role (trust, with `aws:SourceAccount`/`aws:SourceArn`) | the role |
//! | 2 | `s3:GetReplicationConfiguration`, `s3:ListBucket` on S; `s3:GetObjectVersionForReplication`, `s3:GetObjectVersionAcl` on S/*; `s3:ReplicateObject`, `s3:ReplicateDelete` (and `s3:ObjectOwnerOverrideToBucketOwner` with owner override) on D/*; `kms:Decrypt` on KA; `kms:Encrypt` on KB (and `kms:Decrypt` for Bucket Key replicas) | the role's policies |
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

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::evaluate::{Caller, Decision, Request, evaluate};
use crate::notification;
use crate::plan::{ReplicationConfiguration, ReplicationRule, replicates_to};
use crate::properties::DefaultEncryption;

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
    /// The seed step, 1 to 7.
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
    /// The seed step, 1 to 7.
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
    let rule = rule(&mut d);
    let role = role(&mut d);
    keys(&mut d);
    let rule_known = rule.is_some() || s.replication.get().is_err();
    match role.as_ref() {
        Some(role) if rule_known => permissions(&mut d, rule.as_ref(), role),
        _ => d.unknown(
            2,
            "permissions of the replication role".into(),
            "no rule to D or no role to evaluate",
        ),
    }
    notifications(&mut d);
    d.checks.sort_by_key(|c| c.step);
    d.findings.sort_by_key(|f| f.step);
    Report {
        healthy: d.findings.is_empty() && d.checks.iter().all(|c| c.outcome == Outcome::Pass),
        checks: d.checks,
        findings: d.findings,
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

/// Step 6: the rule to D.
fn rule(d: &mut Doctor<'_>) -> Option<ReplicationRule> {
    let s = d.s;
    let name = format!("a replication rule on S to {}", s.destination_bucket);
    let document = format!("S's replication configuration ({})", s.source_bucket);
    let missing = |problem: String| Finding {
        step: 6,
        document: document.clone(),
        statement: None,
        problem,
        fix: "create the Custom::ReplicationSource resource (or run its stack's Update)".into(),
    };
    let config = match s.replication.get() {
        Err(why) => {
            d.unknown(6, name, why);
            return None;
        }
        Ok(None) => {
            d.fail(
                6,
                name,
                missing("S has no replication configuration".into()),
            );
            return None;
        }
        Ok(Some(c)) => c,
    };
    let found = config.rules.iter().find(|r| {
        replicates_to(r, &s.destination_bucket)
            && s.rule_id
                .as_ref()
                .is_none_or(|id| r.id.as_ref() == Some(id))
    });
    let Some(rule) = found.cloned() else {
        let which = s
            .rule_id
            .as_ref()
            .map(|i| format!(" {i:?}"))
            .unwrap_or_default();
        let problem = format!("no rule{which} replicates to {}", s.destination_bucket);
        d.fail(6, name, missing(problem));
        return None;
    };
    let label = rule.id.clone().unwrap_or_else(|| "(no Id)".into());
    let mut problems = Vec::new();
    if rule.status != "Enabled" {
        problems.push((
            format!("rule {label} is {}", rule.status),
            "set its Status to Enabled".to_owned(),
        ));
    }
    let sse_kms = rule
        .source_selection_criteria
        .as_ref()
        .and_then(|c| c.sse_kms_encrypted_objects.as_ref())
        .is_some_and(|st| st.status == "Enabled");
    if !sse_kms {
        problems.push((
            format!("rule {label} does not select SSE-KMS objects, so S3 skips every one of them"),
            "set SourceSelectionCriteria.SseKmsEncryptedObjects.Status to Enabled".to_owned(),
        ));
    }
    let replica_key = rule
        .destination
        .encryption_configuration
        .as_ref()
        .and_then(|e| e.replica_kms_key_id.clone());
    match (&replica_key, &s.expected_destination_key) {
        (None, _) => problems.push((
            format!(
                "rule {label} names no ReplicaKmsKeyID, so SSE-KMS objects cannot be re-encrypted"
            ),
            "set Destination.EncryptionConfiguration.ReplicaKmsKeyID to KB's key ARN".to_owned(),
        )),
        (Some(k), _) if !k.starts_with("arn:") || !k.contains(":key/") => problems.push((
            format!(
                "rule {label} names the replica key as {k:?}, not as a key ARN; S3 needs the ARN"
            ),
            "set ReplicaKmsKeyID to KB's key ARN (arn:aws:kms:<region>:<B>:key/<id>)".to_owned(),
        )),
        (Some(k), Some(expected)) if k != expected => problems.push((
            format!("rule {label} re-encrypts replicas under {k}, not under KB ({expected})"),
            format!("set ReplicaKmsKeyID to {expected}"),
        )),
        _ => {}
    }
    if let Some(account) = &s.destination_account
        && rule
            .destination
            .account
            .as_deref()
            .is_some_and(|a| a != account)
    {
        problems.push((
            format!(
                "rule {label} names destination account {:?}, but D is in {account}",
                rule.destination.account
            ),
            format!("set Destination.Account to {account}"),
        ));
    }
    if problems.is_empty() {
        d.pass(6, name, format!("rule {label}"));
    } else {
        let (problem, fix): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
        d.fail(
            6,
            name,
            Finding {
                step: 6,
                document,
                statement: Some(label),
                problem: problem.join("; "),
                fix: fix.join("; "),
            },
        );
    }
    Some(rule)
}

/// Step 2: the role and its trust.
/// The role as far as it is known: its ARN always, its documents when readable.
struct RoleView {
    arn: String,
    docs: Option<RoleDocs>,
}

fn role(d: &mut Doctor<'_>) -> Option<RoleView> {
    let s = d.s;
    let name = "the replication role exists and S3 may assume it".to_owned();
    let role_arn = match (s.replication.get(), &s.role_arn) {
        (Ok(Some(c)), _) => c.role.clone(),
        (Err(why), Some(arn)) => {
            d.unknown(2, name, why);
            return Some(RoleView {
                arn: arn.clone(),
                docs: None,
            });
        }
        _ => {
            d.unknown(2, name, "no replication configuration names a role");
            return None;
        }
    };
    let role = match s.role.get() {
        Err(why) => {
            d.unknown(2, name, why);
            return Some(RoleView {
                arn: role_arn,
                docs: None,
            });
        }
        Ok(None) => {
            d.fail(2, name, Finding {
                step: 2,
                document: format!("the replication role ({role_arn})"),
                statement: None,
                problem: "the role that S's replication configuration names does not exist; S3 fails every object with AssumeRoleNotPermitted".into(),
                fix: "re-create it: run the source stack's Update (Custom::ReplicationSource creates it)".into(),
            });
            return None;
        }
        Ok(Some(r)) => r.clone(),
    };
    let request = Request::new("sts:AssumeRole", None)
        .with("aws:SourceAccount", &s.source_account)
        .with("aws:SourceArn", &d.bucket_arn(&s.source_bucket));
    let e = evaluate(
        &role.trust,
        &request,
        Some(Caller::Service("s3.amazonaws.com")),
        true,
    );
    match e.decision {
        Decision::Allow(_) => d.pass(2, name, e.assumed.join("; ")),
        decision => {
            let statement = match &decision {
                Decision::Deny(s) => Some(s.clone()),
                _ => None,
            };
            d.fail(2, name, Finding {
                step: 2,
                document: format!("the replication role's trust policy ({})", role.arn),
                statement,
                problem: format!("s3.amazonaws.com may not sts:AssumeRole for source {}", s.source_bucket),
                fix: "allow Principal {\"Service\": \"s3.amazonaws.com\"} sts:AssumeRole (with aws:SourceAccount = A and aws:SourceArn = S, if any condition)".into(),
            });
        }
    }
    Some(RoleView {
        arn: role.arn.clone(),
        docs: Some(role),
    })
}

/// Steps 3 and 4: the keys' state.
fn keys(d: &mut Doctor<'_>) {
    for (step, which, seen) in [(3, "KA", &d.s.source_key), (4, "KB", &d.s.destination_key)] {
        let name = format!("{which} is enabled");
        match seen.get() {
            Err(why) => d.unknown(step, name, why),
            Ok(None) => d.fail(
                step,
                name,
                Finding {
                    step,
                    document: which.to_owned(),
                    statement: None,
                    problem: format!("{which} does not exist"),
                    fix: format!("name an existing customer managed key as {which}"),
                },
            ),
            Ok(Some(k)) if k.state == "Enabled" => d.pass(step, name, k.arn.clone()),
            Ok(Some(k)) => {
                let fix = if k.state == "PendingDeletion" {
                    format!(
                        "aws kms cancel-key-deletion --key-id {} && aws kms enable-key --key-id {}",
                        k.arn, k.arn
                    )
                } else {
                    format!("aws kms enable-key --key-id {}", k.arn)
                };
                d.fail(
                    step,
                    name,
                    Finding {
                        step,
                        document: format!("{which} ({})", k.arn),
                        statement: None,
                        problem: format!(
                            "{which} is {}; S3 cannot use it ({})",
                            k.state,
                            if step == 3 {
                                "SrcKmsKeyInvalidState"
                            } else {
                                "DstKmsKeyInvalidState"
                            }
                        ),
                        fix,
                    },
                );
            }
        }
    }
}

/// One permission replication needs.
struct Need {
    step: u8,
    action: &'static str,
    resource: String,
    contexts: Vec<String>,
    key: Option<KeySide>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeySide {
    Source,
    Destination,
}

fn bucket_keys(seen: &Seen<Option<DefaultEncryption>>) -> bool {
    matches!(seen, Seen::Read(Some(e)) if e.bucket_key_enabled)
}

/// Steps 2 to 5: every action replication needs, against the role's policies and the
/// resource's policy.
fn permissions(d: &mut Doctor<'_>, rule: Option<&ReplicationRule>, role: &RoleView) {
    let s = d.s;
    let sb = d.bucket_arn(&s.source_bucket);
    let db = d.bucket_arn(&s.destination_bucket);
    let source_bk = bucket_keys(&s.source_encryption);
    let replica_bk = source_bk || bucket_keys(&s.destination_encryption);
    let mut source_ctx = vec![format!("{sb}/*")];
    if source_bk {
        source_ctx.push(sb.clone());
    }
    let mut replica_ctx = vec![format!("{db}/*")];
    if replica_bk {
        replica_ctx.push(db.clone());
    }
    let mut needs = vec![
        Need {
            step: 2,
            action: "s3:GetReplicationConfiguration",
            resource: sb.clone(),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 2,
            action: "s3:ListBucket",
            resource: sb.clone(),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 2,
            action: "s3:GetObjectVersionForReplication",
            resource: format!("{sb}/*"),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 2,
            action: "s3:GetObjectVersionAcl",
            resource: format!("{sb}/*"),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 5,
            action: "s3:ReplicateObject",
            resource: format!("{db}/*"),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 5,
            action: "s3:ReplicateDelete",
            resource: format!("{db}/*"),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 3,
            action: "kms:Decrypt",
            resource: String::new(),
            contexts: source_ctx,
            key: Some(KeySide::Source),
        },
        Need {
            step: 4,
            action: "kms:Encrypt",
            resource: String::new(),
            contexts: replica_ctx.clone(),
            key: Some(KeySide::Destination),
        },
    ];
    // Owner override is checked when the rule is known to ask for it.
    if rule.is_some_and(|r| r.destination.access_control_translation.is_some()) {
        needs.push(Need {
            step: 5,
            action: "s3:ObjectOwnerOverrideToBucketOwner",
            resource: format!("{db}/*"),
            contexts: vec![],
            key: None,
        });
    }
    if replica_bk {
        needs.push(Need {
            step: 4,
            action: "kms:Decrypt",
            resource: String::new(),
            contexts: replica_ctx,
            key: Some(KeySide::Destination),
        });
    }
    let role_account = role.arn.split(':').nth(4).unwrap_or_default().to_owned();
    // Grouped per (document, statement): one finding per document that falls short.
    let mut failures: BTreeMap<(u8, String, Option<String>), Vec<String>> = BTreeMap::new();
    let mut assumed = Vec::new();
    let mut unknown = Vec::new();
    for need in &needs {
        let contexts = if need.contexts.is_empty() {
            vec![String::new()]
        } else {
            need.contexts.clone()
        };
        for context in contexts {
            match check_need(d, need, &context, role, &role_account, &mut assumed) {
                Ok(()) => {}
                Err(NeedFailure::Unknown(why)) => unknown.push(format!("{} ({why})", need.action)),
                Err(NeedFailure::Denied {
                    step,
                    document,
                    statement,
                    what,
                }) => {
                    let what = if context.is_empty() {
                        what
                    } else {
                        format!("{what} for context {context}")
                    };
                    failures
                        .entry((step, document, statement))
                        .or_default()
                        .push(what);
                }
            }
        }
    }
    let name =
        "the replication role's permissions, with both policies and their conditions".to_owned();
    if !unknown.is_empty() {
        d.unknown(
            2,
            name.clone(),
            &format!("not evaluated: {}", unknown.join(", ")),
        );
    }
    if failures.is_empty() {
        if unknown.is_empty() {
            assumed.sort();
            assumed.dedup();
            let detail = if assumed.is_empty() {
                String::new()
            } else {
                format!("assumed satisfied: {}", assumed.join("; "))
            };
            d.pass(2, name, detail);
        }
        return;
    }
    for ((step, document, statement), whats) in failures {
        let fix = fix_for(d, step, &document, statement.as_deref(), role);
        d.fail(
            step,
            format!("{name}: {document}"),
            Finding {
                step,
                document,
                statement: statement.clone(),
                problem: match statement {
                    Some(_) => format!("explicitly denies {}", whats.join(", ")),
                    None => format!("does not allow {}", whats.join(", ")),
                },
                fix,
            },
        );
    }
}

enum NeedFailure {
    Unknown(String),
    Denied {
        step: u8,
        document: String,
        statement: Option<String>,
        what: String,
    },
}

fn check_need(
    d: &Doctor<'_>,
    need: &Need,
    context: &str,
    role: &RoleView,
    role_account: &str,
    assumed: &mut Vec<String>,
) -> Result<(), NeedFailure> {
    let s = d.s;
    let caller = Caller::Principal {
        arn: &role.arn,
        account: role_account,
    };
    // The resource, and its policy when it could be read (`Err` says why not).
    let (resource, resource_policy, resource_account, resource_doc) = match need.key {
        Some(side) => {
            let (seen, which, account, expected) = match side {
                KeySide::Source => (&s.source_key, "KA", Some(s.source_account.clone()), None),
                KeySide::Destination => (
                    &s.destination_key,
                    "KB",
                    s.destination_account.clone(),
                    s.expected_destination_key.clone(),
                ),
            };
            let (arn, policy) = match seen.get() {
                Ok(Some(k)) => (k.arn.clone(), Ok(Some(k.policy.clone()))),
                Ok(None) => return Err(NeedFailure::Unknown(format!("{which} does not exist"))),
                Err(why) => match expected {
                    Some(arn) => (arn, Err(why.to_owned())),
                    None => return Err(NeedFailure::Unknown(why.to_owned())),
                },
            };
            let account = account.or_else(|| arn.split(':').nth(4).map(str::to_owned));
            let doc = format!("{which}'s key policy ({arn})");
            (arn, policy, account, doc)
        }
        None => {
            let in_source = need
                .resource
                .starts_with(&format!("{}/", d.bucket_arn(&s.source_bucket)))
                || need.resource == d.bucket_arn(&s.source_bucket);
            let (seen, which, bucket, account) = if in_source {
                let account = Some(s.source_account.clone());
                (&s.source_bucket_policy, "S", &s.source_bucket, account)
            } else {
                let account = s.destination_account.clone();
                (
                    &s.destination_bucket_policy,
                    "D",
                    &s.destination_bucket,
                    account,
                )
            };
            let policy = seen.get().cloned().map_err(str::to_owned);
            let doc = format!("{which}'s bucket policy ({bucket})");
            (need.resource.clone(), policy, account, doc)
        }
    };
    let region = match need.key {
        Some(KeySide::Source) => &s.source_region,
        _ => &s.destination_region,
    };
    let resource_for_s3 = if need.key.is_none() && resource.ends_with("/*") {
        format!("{}/replicated-object", resource.trim_end_matches("/*"))
    } else {
        resource.clone()
    };
    let mut request = Request::new(need.action, Some(&resource_for_s3))
        .with("aws:PrincipalArn", &role.arn)
        .with("aws:PrincipalAccount", role_account)
        .with("aws:PrincipalType", "AssumedRole")
        .with("aws:SecureTransport", "true")
        .with("kms:CallerAccount", role_account)
        .with("kms:ViaService", &d.via(region));
    if let Some(account) = &resource_account {
        request = request.with("aws:ResourceAccount", account);
    }
    if !context.is_empty() {
        request = request.with("kms:EncryptionContext:aws:s3:arn", context);
        request = request.with("kms:EncryptionContextKeys", "aws:s3:arn");
    }
    if need.action == "s3:ReplicateObject" {
        request = request.with("s3:x-amz-server-side-encryption", "aws:kms");
        let kb = match s.destination_key.get() {
            Ok(Some(kb)) => Some(kb.arn.clone()),
            _ => s.expected_destination_key.clone(),
        };
        if let Some(kb) = kb {
            request = request.with("s3:x-amz-server-side-encryption-aws-kms-key-id", &kb);
        }
    }
    let role_doc = format!("the replication role's policies ({})", role.arn);
    // Identity: any of the role's policies allows and none denies; `None` when unreadable.
    let identity = match &role.docs {
        None => None,
        Some(docs) => {
            let mut allows = false;
            for (name, policy) in &docs.policies {
                let e = evaluate(policy, &request, None, true);
                assumed.extend(e.assumed);
                match e.decision {
                    Decision::Deny(statement) => {
                        return Err(NeedFailure::Denied {
                            step: 2,
                            document: format!("{role_doc}, policy {name}"),
                            statement: Some(statement),
                            what: need.action.to_owned(),
                        });
                    }
                    Decision::Allow(_) => allows = true,
                    Decision::Implicit => {}
                }
            }
            Some(allows)
        }
    };
    // Resource: the bucket or key policy, for this principal; `None` when unreadable.
    let same_account = resource_account.as_deref() == Some(role_account);
    let (resource_allows, direct) = match &resource_policy {
        Err(_) => (None, None),
        Ok(policy) => {
            let e = policy
                .as_ref()
                .map(|p| evaluate(p, &request, Some(caller), true));
            if let Some(e) = &e {
                assumed.extend(e.assumed.clone());
                if let Decision::Deny(statement) = &e.decision {
                    return Err(NeedFailure::Denied {
                        step: need.step,
                        document: resource_doc,
                        statement: Some(statement.clone()),
                        what: need.action.to_owned(),
                    });
                }
            }
            let allows = e.is_some_and(|e| matches!(e.decision, Decision::Allow(_)));
            // A grant to the role itself, not to its account (which defers to IAM).
            let direct = same_account
                && policy.as_ref().is_some_and(|p| {
                    let e = evaluate(p, &request, Some(caller), false);
                    matches!(e.decision, Decision::Allow(_))
                });
            (Some(allows), Some(direct))
        }
    };
    let resource_short = || NeedFailure::Denied {
        step: need.step,
        document: resource_doc.clone(),
        statement: None,
        what: need.action.to_owned(),
    };
    let identity_short = || NeedFailure::Denied {
        step: 2,
        document: role_doc.clone(),
        statement: None,
        what: format!("{} on {resource}", need.action),
    };
    let unknown = |why: &str| NeedFailure::Unknown(why.to_owned());
    match need.key {
        // KMS: the key policy must allow; a grant to the account defers to IAM, a grant to the
        // role itself in its own account suffices (KMS Developer Guide, "Key policies").
        Some(_) => match (resource_allows, direct, identity) {
            (Some(false), _, _) => Err(resource_short()),
            (Some(true), Some(true), _) | (Some(true), _, Some(true)) => Ok(()),
            (_, _, Some(false)) if !same_account => Err(identity_short()),
            (Some(true), _, Some(false)) => Err(identity_short()),
            (_, _, None) => Err(unknown("the role's policies were not read")),
            (None, _, _) => Err(unknown("the key policy was not read")),
        },
        // S3: in one account either policy suffices; across accounts both must allow.
        None if same_account => match (identity, resource_allows) {
            (Some(true), _) | (_, Some(true)) => Ok(()),
            (Some(false), Some(false)) => Err(identity_short()),
            _ => Err(unknown("not every policy could be read")),
        },
        None => match (resource_allows, identity) {
            (Some(false), _) => Err(resource_short()),
            (_, Some(false)) => Err(identity_short()),
            (Some(true), Some(true)) => Ok(()),
            _ => Err(unknown("not every policy could be read")),
        },
    }
}

fn fix_for(
    d: &Doctor<'_>,
    step: u8,
    document: &str,
    statement: Option<&str>,
    role: &RoleView,
) -> String {
    if let Some(statement) = statement {
        return format!(
            "remove or narrow statement {statement} of {document} so that it no longer applies to {}",
            role.arn
        );
    }
    let s = d.s;
    match step {
        3 => format!("add to KA's key policy: Allow {{\"AWS\": \"arn:{}:iam::{}:root\"}} kms:Decrypt with aws:PrincipalArn = {} (or run the source stack's Update, which writes it)", s.partition, s.source_account, role.arn),
        4 => format!("add to KB's key policy: Allow {{\"AWS\": \"arn:{}:iam::{}:root\"}} kms:Encrypt and kms:Decrypt with aws:PrincipalArn = {} (or run the destination stack's Update, which writes it)", s.partition, s.source_account, role.arn),
        5 => format!("add to D's bucket policy: Allow {{\"AWS\": \"arn:{}:iam::{}:root\"}} the missing actions on arn:{}:s3:::{}/* with aws:PrincipalArn = {} (or run the destination stack's Update)", s.partition, s.source_account, s.partition, s.destination_bucket, role.arn),
        _ => "add the missing actions to the role's inline policy, with the encryption contexts of both S and D (or run the source stack's Update, which rewrites it)".to_owned(),
    }
}

/// Step 7: D's notification to the verifier's queue.
fn notifications(d: &mut Doctor<'_>) {
    let Some(queue) = d.s.expected_queue.clone() else {
        return;
    };
    let name = format!("D notifies the verifier's queue ({queue})");
    let entries = match d.s.notifications.get() {
        Err(why) => {
            d.unknown(7, name, why);
            return;
        }
        Ok(e) => e.clone(),
    };
    let ours = notification::Entry::queue(None, &queue, &[notification::EVENT], "", "");
    let covered = entries.iter().any(|e| {
        e.arn == queue
            && e.prefix.is_empty()
            && e.suffix.is_empty()
            && notification::overlap(&ours, e)
    });
    if covered {
        d.pass(7, name, String::new());
    } else {
        d.fail(7, name, Finding {
            step: 7,
            document: format!("D's notification configuration ({})", d.s.destination_bucket),
            statement: None,
            problem: format!("no s3:ObjectCreated:* configuration sends D's events to {queue}, so no replica is verified"),
            fix: "run the destination stack's Update (NotificationQueueArn), or add the queue configuration by hand".into(),
        });
    }
}
