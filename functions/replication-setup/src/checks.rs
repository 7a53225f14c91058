//! The deploy-time check: after Create or Update, the doctor ([`replication_core::doctor`]) runs
//! on what this resource wrote and on what its own account shows, and a finding fails the
//! request with the findings in the Reason, most serious first.
//!
//! No extra AWS call: the documents are the ones the steps just read and wrote (the merged
//! bucket and key policies, the replication configuration, the role's trust and our inline
//! policy), the keys' state from `DescribeKey` and the buckets' default encryption from
//! `GetBucketEncryption`, S's Object Lock from `GetObjectLockConfiguration`. What the other
//! account holds is left to that account's resource (single-stack mode has both), except D's
//! Object Lock: whether D needs it depends on S, which the destination side cannot read, so
//! neither side reads it and the CLI checks it (`replication-doctor`, with both accounts). Not seen here: the role's other inline and attached policies
//! and S's bucket policy (the CLI reads them).

use replication_core::doctor::{
    KeyDocs, Report, RoleDocs, Seen, Snapshot, diagnose, statement_findings,
};
use replication_core::notification;
use replication_core::plan::{self, PolicyStatements, ReplicationConfiguration};
use replication_core::properties::{DefaultEncryption, DestinationSpec, PolicyWrites, SourceSpec};
use serde_json::Value;

/// The destination side as written: D's bucket policy and KB's key policy as they now are,
/// KB's state and D's default encryption.
#[derive(Debug, Clone)]
pub struct DestinationWritten {
    /// D's bucket policy (`None`: D has none, which only `PolicyWrites: Report` can leave).
    pub bucket_policy: Option<Value>,
    /// KB's key policy.
    pub key_policy: Value,
    /// KB's `KeyState`.
    pub key_state: Option<String>,
    /// D's default encryption.
    pub encryption: Option<DefaultEncryption>,
}

/// D's bucket policy and KB's key policy, as merged or (`PolicyWrites: Report`) as found.
#[derive(Debug, Clone)]
pub struct DestinationPolicies {
    /// D's bucket policy; `None` when D has none.
    pub bucket_policy: Option<Value>,
    /// KB's key policy.
    pub key_policy: Value,
}

impl DestinationPolicies {
    /// Each document beside the statements planned for it (KB's, then D's).
    #[must_use]
    pub fn with_planned(&self, spec: &DestinationSpec) -> [(PolicyStatements, Option<&Value>); 2] {
        let [key, bucket] = plan::destination_policy_statements(spec);
        [
            (key, Some(&self.key_policy)),
            (bucket, self.bucket_policy.as_ref()),
        ]
    }
}

/// The source side as written.
#[derive(Debug, Clone)]
pub struct SourceWritten {
    /// S's replication configuration.
    pub replication: ReplicationConfiguration,
    /// The role's ARN and trust policy.
    pub role_arn: String,
    /// The role's trust policy as it now is.
    pub trust: Value,
    /// KA's key policy.
    pub key_policy: Value,
    /// KA's `KeyState`.
    pub key_state: Option<String>,
    /// S's default encryption.
    pub encryption: Option<DefaultEncryption>,
}

/// Why a document of the other account is not read: not a failure to check.
pub(crate) const OTHER_SIDE: &str = "checked on the other account's side";

fn unread<T>() -> Seen<T> {
    Seen::Unreadable(OTHER_SIDE.to_owned())
}

fn key(arn: String, state: Option<&String>, policy: &Value) -> Seen<Option<KeyDocs>> {
    Seen::Read(Some(KeyDocs {
        arn,
        // A key we just described without a state (an emulator) is taken as enabled.
        state: state.cloned().unwrap_or_else(|| "Enabled".to_owned()),
        policy: policy.clone(),
    }))
}

fn destination_part(s: &mut Snapshot, spec: &DestinationSpec, d: &DestinationWritten) {
    s.destination_versioning = Seen::Read(Some("Enabled".to_owned()));
    s.destination_bucket_policy = Seen::Read(d.bucket_policy.clone());
    s.destination_key = key(
        spec.destination_key.to_string(),
        d.key_state.as_ref(),
        &d.key_policy,
    );
    s.destination_encryption = Seen::Read(d.encryption.clone());
    if let Some(queue) = &spec.notification_queue {
        let queue = queue.to_string();
        s.expected_queue = Some(queue.clone());
        // The doctor reads a configuration by its queue, events and filter, not its Id.
        s.notifications = Seen::Read(vec![notification::Entry::queue(
            None,
            &queue,
            &[notification::EVENT],
            "",
            "",
        )]);
    }
}

/// [`blank`] for unit tests: a pair of S in A and D in B with nothing read.
#[cfg(test)]
pub(crate) fn blank_for_tests() -> Snapshot {
    blank("aws", "111111111111".into(), "s".into(), "d".into())
}

/// A snapshot of the pair with nothing read yet: every document is the other side's.
fn blank(
    spec_partition: &str,
    source_account: String,
    source_bucket: String,
    destination_bucket: String,
) -> Snapshot {
    Snapshot {
        partition: spec_partition.to_owned(),
        source_account,
        source_bucket,
        source_region: String::new(),
        destination_bucket,
        destination_region: String::new(),
        destination_account: None,
        rule_id: None,
        expected_destination_key: None,
        expected_queue: None,
        source_versioning: unread(),
        destination_versioning: unread(),
        replication: unread(),
        role: unread(),
        role_arn: None,
        source_bucket_policy: unread(),
        destination_bucket_policy: unread(),
        source_key: unread(),
        destination_key: unread(),
        source_encryption: unread(),
        destination_encryption: unread(),
        notifications: Seen::Read(Vec::new()),
        source_object_lock: unread(),
        destination_object_lock: unread(),
        expected_statements: Vec::new(),
    }
}

/// The pair as the destination side knows it, nothing read yet.
pub(crate) fn destination_frame(spec: &DestinationSpec) -> Snapshot {
    let mut s = blank(
        spec.partition.as_str(),
        spec.source_account.to_string(),
        spec.source_bucket.to_string(),
        spec.destination_bucket.to_string(),
    );
    s.destination_region = spec.destination_region.to_string();
    s.destination_account = Some(spec.destination_account.to_string());
    s.expected_destination_key = Some(spec.destination_key.to_string());
    s.role_arn = Some(spec.role_arn.to_string());
    s
}

/// The pair as the source side knows it, nothing read yet.
pub(crate) fn source_frame(spec: &SourceSpec) -> Snapshot {
    let mut s = blank(
        spec.partition.as_str(),
        spec.source_account.to_string(),
        spec.source_bucket.to_string(),
        spec.destination_bucket.to_string(),
    );
    s.source_region = spec.source_region.to_string();
    s.destination_region = spec.destination_region.to_string();
    s.destination_account = Some(spec.destination_account.to_string());
    s.rule_id = spec.rules.first().map(|r| r.id.clone());
    s.expected_destination_key = Some(spec.destination_key.to_string());
    s
}

/// The statements the key and bucket policies must hold because their owner applies them:
/// this side's with `PolicyWrites: Report`, none with `Apply` (the resource wrote them).
#[must_use]
pub fn expected_statements(
    writes: PolicyWrites,
    planned: Vec<PolicyStatements>,
) -> Vec<PolicyStatements> {
    if writes.applies() {
        Vec::new()
    } else {
        planned
    }
}

/// Diagnose the destination side as `Custom::ReplicationDestination` wrote it (with
/// `PolicyWrites: Report`, as it found D's bucket policy and KB's key policy).
#[must_use]
pub fn destination(
    spec: &DestinationSpec,
    written: &DestinationWritten,
    writes: PolicyWrites,
) -> Report {
    let mut s = destination_frame(spec);
    destination_part(&mut s, spec, written);
    s.expected_statements =
        expected_statements(writes, plan::destination_policy_statements(spec).to_vec());
    diagnose(&s)
}

/// Diagnose the source side as `Custom::ReplicationSource` wrote it, and the destination side
/// too in single-stack mode.
#[must_use]
pub fn source(
    spec: &SourceSpec,
    written: &SourceWritten,
    destination: Option<&DestinationWritten>,
    writes: PolicyWrites,
) -> Report {
    let mut s = source_frame(spec);
    let planned = plan::source_resource_policy_statements(spec, destination.is_some());
    s.expected_statements = expected_statements(writes, planned);
    s.source_versioning = Seen::Read(Some("Enabled".to_owned()));
    s.replication = Seen::Read(Some(written.replication.clone()));
    s.role = Seen::Read(Some(RoleDocs {
        arn: written.role_arn.clone(),
        trust: written.trust.clone(),
        policies: vec![(
            plan::role_policy_name(&spec.sid_scope()),
            plan::replication_role_policy(spec),
        )],
    }));
    s.source_key = key(
        spec.source_key.to_string(),
        written.key_state.as_ref(),
        &written.key_policy,
    );
    s.source_encryption = Seen::Read(written.encryption.clone());
    s.source_object_lock = Seen::Read(spec.source_object_lock);
    if let Some(d) = destination {
        destination_part(&mut s, &spec.destination_spec(), d);
    }
    diagnose(&s)
}

/// With `PolicyWrites: Report` and the deploy-time check on: before any write, each document
/// (as read, `None` when there is none) must hold the statements planned for it. The Reason
/// names each missing statement and its document; nothing has been written, so the rollback
/// has nothing to undo.
///
/// # Errors
/// The Reason, within `max` bytes, when a statement is missing.
pub fn require_statements(
    documents: &[(PolicyStatements, Option<&Value>)],
    max: usize,
) -> Result<(), String> {
    let findings: Vec<_> = documents
        .iter()
        .flat_map(|(planned, doc)| statement_findings(planned, *doc))
        .collect();
    if findings.is_empty() {
        return Ok(());
    }
    let report = Report {
        healthy: false,
        checks: Vec::new(),
        findings,
        warnings: Vec::new(),
    };
    let head = "PolicyWrites is Report, and the key and bucket policies do not hold the pair's \
                statements yet; nothing was written. Apply them (replication-doctor statements \
                prints them), or set DeployTimeChecks to false to deploy first and apply them \
                from Data: ";
    Err(format!(
        "{head}{}",
        report.reason(max.saturating_sub(head.len()))
    ))
}

/// The Reason of a deploy-time check that found something: the findings, most serious first,
/// within `max` bytes. `None` when nothing was found.
#[must_use]
pub fn failure(report: &Report, max: usize) -> Option<String> {
    if report.findings.is_empty() {
        return None;
    }
    let head = "the deploy-time check found what would stop replication (what was written stays \
                until the stack's rollback removes it; set DeployTimeChecks to false to skip the \
                check): ";
    Some(format!(
        "{head}{}",
        report.reason(max.saturating_sub(head.len()))
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn report_mode_requires_every_statement_before_any_write_and_names_each_missing_one() {
        let spec = crate::steps::scripted_tests::source_spec_with(serde_json::json!({}));
        let [kb, d] = plan::destination_policy_statements(&spec.destination_spec());
        // GIVEN KB's policy with its statement applied (by a pipeline, Sid renamed), D's without
        let mut applied = kb.statements[0].clone();
        applied["Sid"] = "PipelineGrant12".into();
        let kb_policy = serde_json::json!({"Statement": [applied]});
        let documents = [(kb, Some(&kb_policy)), (d.clone(), None)];
        // THEN the Reason names D's two statements and the document, and fits its share
        let reason = require_statements(&documents, 3000).unwrap_err();
        assert!(reason.len() <= 3000, "{}", reason.len());
        assert!(reason.contains("nothing was written"), "{reason}");
        assert!(reason.contains("2 finding(s)"), "{reason}");
        for statement in &d.statements {
            assert!(
                reason.contains(statement["Sid"].as_str().unwrap()),
                "{reason}"
            );
        }
        assert!(
            reason.contains(&format!("D's bucket policy ({})", d.target)),
            "{reason}"
        );
        assert!(!reason.contains("KB's key policy"), "{reason}");
        // AND with both applied the requirement holds
        let d_policy = serde_json::json!({"Statement": d.statements.clone()});
        let [kb, d] = plan::destination_policy_statements(&spec.destination_spec());
        assert_eq!(
            require_statements(&[(kb, Some(&kb_policy)), (d, Some(&d_policy))], 3000),
            Ok(())
        );
    }
}
