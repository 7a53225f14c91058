//! The scheduled check: the doctor, run by a schedule on what the resource's own account
//! shows, read-only. Someone editing a key policy by hand is caught within the schedule's
//! period, not months later.
//!
//! The payload, which a schedule's input carries (the templates build it from the same
//! parameters as the custom resource; an empty string means "not set"):
//!
//! ```json
//! {"ScheduledCheck": {"ResourceType": "Custom::ReplicationDestination",
//!                     "ResourceProperties": {"DestinationBucket": "...", ...}}}
//! ```
//!
//! With `"Liveness": "true"` beside `ResourceProperties` (opt-in; both templates' `Liveness`
//! parameter), the run also keeps the liveness canary going ([`replication_core::canary`]):
//! - the source run puts one new version of `<first rule prefix>.s3-kms-replication-canary/liveness@<S>`
//!   in S and removes the older ones (`PutObject`, `ListObjectVersions`, and one
//!   `DeleteObject` per old version);
//! - the destination run removes the older replica versions of that key in D, keeping the
//!   newest two (`ListObjectVersions`, `DeleteObject` per old version); a rule with a prefix
//!   needs `"LivenessCanaryPrefix"` there, since D's side does not read S's rules.
//!
//! The verifier in B publishes `CanaryReplicaVerified` for each canary replica it verifies; an
//! alarm with `TreatMissingData: breaching` fires when none was verified within N periods.
//! A liveness step that fails is logged (error level) and reported, and does not fail the
//! invocation: the missing canary replica is what the alarm then sees.
//!
//! Out: one EMF line with the metrics `ReplicationSetupFindings` (the number of findings) and
//! `ReplicationSetupUnchecked` (the number of this side's documents it could not read; dimensions
//! `Side`, `SourceBucket`, `DestinationBucket`; namespace `METRICS_NAMESPACE`, default
//! `S3KmsReplication`), one JSON log line per finding and per unread document, and the report as
//! the invocation's result.
//!
//! The check fails closed. A document it cannot read (a key policy replaced by hand without the
//! account's statement denies the read) counts in `ReplicationSetupUnchecked`; a check that
//! cannot run at all (a bucket or key gone, a lookup refused) publishes
//! `ReplicationSetupUnchecked` 1 under the payload's bucket names and fails the invocation with
//! why, which Lambda's `Errors` metric counts too. The templates alarm on both metrics, and on two
//! periods in a row without a `ReplicationSetupUnchecked` sample (every run publishes one): a
//! schedule that stopped is an alarm, not silence.

use std::io::Write;

use replication_aws::read::{self, Reader};
use replication_core::arn::AccountId;
use replication_core::doctor::{KeyDocs, Outcome, Report, Seen, Snapshot, diagnose};
use replication_core::metrics::MetricSet;
use replication_core::plan;
use replication_core::properties::{
    DefaultEncryption, DestinationProperties, ResolvedKey, SourceProperties, SourceSpec,
};
use serde_json::{Value, json};

use crate::checks;
use crate::context::{Failure, Setup};
use crate::destination::destination_facts;
use crate::request::{CheckNames, ScheduledCheck, ScheduledSide};
use crate::source::{Prepared, prepare_source};
use crate::steps::AccountClients;
use crate::steps::{self, Liveness};

/// The metric: how many findings the check has.
pub const METRIC: &str = replication_core::metric_names::REPLICATION_SETUP_FINDINGS;

/// The metric: how many of its own side's documents the check could not read.
pub const UNCHECKED_METRIC: &str = replication_core::metric_names::REPLICATION_SETUP_UNCHECKED;

fn reader(c: &AccountClients) -> Reader {
    Reader {
        s3: c.s3.clone(),
        kms: c.kms.clone(),
        iam: c.iam.clone(),
        hint: None,
    }
}

/// KB or KA as the lookups before validation described it, with its policy read.
async fn key(r: &Reader, key: &ResolvedKey) -> Seen<Option<KeyDocs>> {
    let state = key.state.clone().unwrap_or_default();
    read::key_policy(r, key.arn.to_string(), state).await
}

/// Fill in the destination side, read with `r`; KB and D's default encryption are what the
/// lookups before validation found.
async fn read_destination(
    s: &mut Snapshot,
    r: &Reader,
    bucket: &str,
    (kb, encryption): (&ResolvedKey, Option<DefaultEncryption>),
    queue: Option<String>,
) {
    s.destination_versioning = read::versioning(r, bucket).await;
    s.destination_bucket_policy = read::bucket_policy(r, bucket).await;
    s.destination_key = key(r, kb).await;
    s.destination_encryption = Seen::Read(encryption);
    if let Some(queue) = queue {
        s.notifications = read::notifications(r, bucket).await;
        s.expected_queue = Some(queue);
    }
}

/// The destination side's snapshot, and its clients in D's region.
async fn destination(
    props: &DestinationProperties,
    setup: &Setup,
    account: AccountId,
) -> Result<(Snapshot, AccountClients), Failure> {
    let (facts, regional) = destination_facts(&setup.home, props, account).await?;
    let c = &regional;
    let spec = props
        .validate(&facts)
        .map_err(|e| Failure::Properties(e.to_string()))?;
    let mut s = checks::destination_frame(&spec);
    s.expected_statements = checks::expected_statements(
        props.policy_writes,
        plan::destination_policy_statements(&spec).to_vec(),
    );
    let queue = spec.notification_queue.as_ref().map(ToString::to_string);
    let known = (&facts.destination_key, facts.destination_encryption.clone());
    read_destination(
        &mut s,
        &reader(c),
        spec.destination_bucket.as_str(),
        known,
        queue,
    )
    .await;
    Ok((s, regional))
}

/// The source side's snapshot, its spec, and its clients in S's region.
async fn source(
    props: &SourceProperties,
    setup: &Setup,
    account: AccountId,
) -> Result<(Snapshot, Box<SourceSpec>, AccountClients), Failure> {
    let Prepared {
        facts,
        spec,
        existing_role,
        home,
        remote,
    } = prepare_source(props, setup, account).await?;
    let r = reader(&home);
    let bucket = spec.source_bucket.as_str();
    let mut s = checks::source_frame(&spec);
    let planned = plan::source_resource_policy_statements(&spec, remote.is_some());
    s.expected_statements = checks::expected_statements(props.policy_writes, planned);
    s.source_versioning = read::versioning(&r, bucket).await;
    s.replication = read::replication(&r, bucket).await;
    let role_arn = match &s.replication {
        Seen::Read(Some(c)) => c.role.clone(),
        _ => spec.role_arn.to_string(),
    };
    // The role `prepare_source` already read, unless the configuration names another.
    s.role = match existing_role.filter(|role| role.arn() == role_arn) {
        Some(role) => read::role_policies(&r, &role).await,
        None => read::role(&r, &role_arn).await,
    };
    s.source_bucket_policy = read::bucket_policy(&r, bucket).await;
    s.source_key = key(&r, &facts.source_key).await;
    s.source_encryption = Seen::Read(facts.source_encryption.clone());
    s.source_object_lock = Seen::Read(facts.source_object_lock);
    if let Some(b) = &remote {
        let d = spec.destination_bucket.as_str();
        let known = (&facts.destination_key, facts.destination_encryption.clone());
        read_destination(&mut s, &reader(b), d, known, None).await;
    }
    Ok((s, Box::new(spec), home))
}

/// Log what the liveness step did, and give it for the invocation's result.
fn liveness_outcome(outcome: Result<Liveness, steps::StepError>) -> Value {
    match outcome {
        Ok(l) => {
            tracing::info!(
                bucket = %l.bucket,
                key = %l.key,
                written = l.written.as_deref(),
                removed = l.removed.len(),
                "liveness canary"
            );
            serde_json::to_value(l).unwrap_or_default()
        }
        Err(e) => {
            tracing::error!(error = %e, "liveness canary failed; the destination's CanaryReplicaVerified alarm will fire");
            json!({"error": e.to_string()})
        }
    }
}

/// Run the scheduled check `check` (the value under
/// [`crate::request::SCHEDULED_CHECK_KEY`], parsed).
///
/// # Errors
/// When the payload or the properties are invalid, or the resource's lookups fail.
pub(crate) async fn run(
    check: ScheduledCheck,
    setup: &Setup,
    account: Option<AccountId>,
) -> Result<Value, Failure> {
    let names = check.names.clone();
    let checked = run_check(check, setup, account).await;
    if let Err(e) = &checked {
        // Fail closed: a check that could not run is counted, under the payload's names.
        tracing::error!(error = %e, side = names.side, "the scheduled check could not run");
        publish_metrics(&names, None, 1);
    }
    checked
}

async fn run_check(
    check: ScheduledCheck,
    setup: &Setup,
    account: Option<AccountId>,
) -> Result<Value, Failure> {
    let account = account.ok_or(Failure::UnknownAccount)?;
    let liveness = check.liveness?;
    let (snapshot, side, liveness) = match check.side? {
        ScheduledSide::Destination(props) => {
            let (snapshot, c) = destination(&props, setup, account).await?;
            let liveness = if liveness {
                let key = replication_core::canary::liveness_key(
                    &check.liveness_canary_prefix,
                    props.source_bucket.as_str(),
                );
                let bucket = snapshot.destination_bucket.clone();
                let keep = replication_core::canary::KEEP_IN_DESTINATION;
                let removed = steps::remove_old_versions(&c, &bucket, &key, keep).await;
                Some(liveness_outcome(removed.map(|removed| Liveness {
                    bucket,
                    key,
                    written: None,
                    removed,
                })))
            } else {
                None
            };
            (snapshot, "destination", liveness)
        }
        ScheduledSide::Source(props) => {
            let (snapshot, spec, c) = source(&props, setup, account).await?;
            let liveness = if liveness {
                Some(liveness_outcome(steps::liveness_canary(&c, &spec).await))
            } else {
                None
            };
            (snapshot, "source", liveness)
        }
    };
    let report = diagnose(&snapshot);
    let unread = unread_documents(&snapshot);
    publish(&report, side, &snapshot, &unread);
    let mut out = json!({
        "healthy": report.healthy && unread.is_empty(),
        "findings": report.findings,
        "unknown": report.checks.iter().filter(|c| c.outcome == Outcome::Unknown).count(),
        "unchecked": unread,
    });
    // Warnings are not findings: they leave `healthy` and the metric as they are.
    if !report.warnings.is_empty() {
        out["warnings"] = json!(report.warnings);
    }
    if let Some(liveness) = liveness {
        out["liveness"] = liveness;
    }
    Ok(out)
}

/// This side's documents the check tried and failed to read, each with why (the other
/// account's documents, never read here, are not among them).
fn unread_documents(s: &Snapshot) -> Vec<String> {
    fn why<T>(seen: &Seen<T>) -> Option<&str> {
        match seen {
            Seen::Unreadable(why) if why != checks::OTHER_SIDE => Some(why),
            _ => None,
        }
    }
    [
        ("S's versioning", why(&s.source_versioning)),
        ("D's versioning", why(&s.destination_versioning)),
        ("S's replication configuration", why(&s.replication)),
        ("the replication role", why(&s.role)),
        ("S's bucket policy", why(&s.source_bucket_policy)),
        ("D's bucket policy", why(&s.destination_bucket_policy)),
        ("KA's key policy", why(&s.source_key)),
        ("KB's key policy", why(&s.destination_key)),
        ("S's default encryption", why(&s.source_encryption)),
        ("D's default encryption", why(&s.destination_encryption)),
        ("S's Object Lock configuration", why(&s.source_object_lock)),
        (
            "D's Object Lock configuration",
            why(&s.destination_object_lock),
        ),
        ("D's notification configuration", why(&s.notifications)),
    ]
    .into_iter()
    .filter_map(|(document, why)| why.map(|why| format!("{document}: {why}")))
    .collect()
}

fn publish(report: &Report, side: &'static str, s: &Snapshot, unread: &[String]) {
    for f in &report.findings {
        tracing::warn!(
            step = f.step,
            document = %f.document,
            statement = f.statement.as_deref(),
            problem = %f.problem,
            fix = %f.fix,
            "replication setup finding"
        );
    }
    for w in &report.warnings {
        tracing::warn!(
            document = %w.document,
            problem = %w.problem,
            fix = %w.fix,
            "replication setup warning (not counted as a finding)"
        );
    }
    for document in unread {
        tracing::error!(document = %document, "the scheduled check could not read this document");
    }
    let names = CheckNames {
        side,
        source_bucket: s.source_bucket.clone(),
        destination_bucket: s.destination_bucket.clone(),
    };
    publish_metrics(&names, Some(report.findings.len()), unread.len());
}

/// One EMF line: `ReplicationSetupFindings` (when the check ran) and `ReplicationSetupUnchecked`.
fn publish_metrics(d: &CheckNames, findings: Option<usize>, unchecked: usize) {
    let dimensions = [
        ("Side", d.side),
        ("SourceBucket", d.source_bucket.as_str()),
        ("DestinationBucket", d.destination_bucket.as_str()),
    ];
    let mut metrics = MetricSet::default();
    if let Some(findings) = findings {
        metrics.add_count(METRIC, &dimensions, findings as f64);
    }
    metrics.add_count(UNCHECKED_METRIC, &dimensions, unchecked as f64);
    let namespace =
        std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| "S3KmsReplication".to_owned());
    let now = lambda_support::now_ms();
    let mut out = std::io::stdout().lock();
    for doc in metrics.to_emf(&namespace, now) {
        let _ = writeln!(out, "{doc}");
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_sides_unreadable_documents_count_as_unchecked() {
        use replication_core::doctor::KeyDocs;
        let spec_free = |s: &mut Snapshot| {
            s.source_versioning = Seen::Unreadable(checks::OTHER_SIDE.to_owned());
            s.destination_key = Seen::Unreadable("AccessDeniedException: not authorized".into());
            s.destination_versioning = Seen::Read(Some("Enabled".into()));
        };
        let mut s = checks::blank_for_tests();
        spec_free(&mut s);
        let unread = unread_documents(&s);
        assert_eq!(unread.len(), 1, "{unread:?}");
        assert!(
            unread[0].starts_with("KB's key policy: AccessDenied"),
            "{unread:?}"
        );
        s.destination_key = Seen::Read(Some(KeyDocs {
            arn: "arn:aws:kms:us-east-1:222222222222:key/k".into(),
            state: "Enabled".into(),
            policy: json!({}),
        }));
        assert!(unread_documents(&s).is_empty());
    }
}
