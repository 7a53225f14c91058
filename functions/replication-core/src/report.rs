//! From one invocation's events and verdicts to its metrics, its SQS batch failures and its
//! summary: the verifier's whole decision after the `HeadObject` calls.
//!
//! Metric names and dimensions (namespace from `METRICS_NAMESPACE`; the whole list, with each
//! metric's role, is [`crate::catalogue::METRICS`]):
//!
//! | metric | unit | dimensions |
//! |---|---|---|
//! | `ReplicasVerified`, `ReplicaWrongKey`, `ReplicaNotKmsEncrypted`, `ReplicaNotReplica`, `ReplicaBucketKeyMismatch`, `ReplicaMissing`, `ReplicaCheckRejected`, `VerificationErrors` | Count | `DestinationBucket` |
//! | `ReplicaVerificationDelay` (event time to verdict) | Milliseconds | `DestinationBucket` |
//! | `ReplicaDeletesSeen` (ObjectRemoved events, counted not verified) | Count | `DestinationBucket` |
//! | `ReplicationFailed`, `ReplicationMissedThreshold` | Count | `DestinationBucket` (or `SourceBucket` when the event names no destination) |
//! | `ReplicationFailed` by reason | Count | `SourceBucket`, `RuleId`, `FailureReason` |
//! | `ReplicationMissedThreshold` by rule | Count | `SourceBucket`, `RuleId` |
//! | `ReplicationEvents` (other `s3:Replication:*` events) | Count | `DestinationBucket` (or `SourceBucket` when the event names no destination) |
//! | `EventsSkipped` | Count | `Reason` (`TestEvent`, `SnsWrapped`, `NotAnS3Event`, `Unreadable`, `OtherEvent`, `OutOfScope`; the handler adds `UnrecognisedPayload`) |
//! | `CanaryReplicaVerified` (verified replicas of canary objects, [`crate::canary`]; never published as 0) | Count | `DestinationBucket`; and `DestinationBucket`, `SourceBucket` (the source the canary's key names) |
//!
//! The main verdict counts, `ReplicationFailed` and `ReplicationMissedThreshold` are published as
//! zeros for every destination
//! bucket the invocation saw (and for `DESTINATION_BUCKET`), on every invocation, so that alarms
//! on them always have data and never sit in INSUFFICIENT_DATA.

use serde::Serialize;

use crate::events::{
    Invocation, ItemContent, ObjectRef, ReplicaEvent, ReplicationEventKind, SkipReason,
};
use crate::metric_names as names;
use crate::metrics::MetricSet;
use crate::verdict::{Verdict, VerdictKind};

/// The verdict metrics, published as zeros on every invocation: one per
/// [`VerdictKind::ALL`].
pub const VERDICT_METRICS: [&str; VerdictKind::ALL.len()] = {
    let mut out = [""; VerdictKind::ALL.len()];
    let mut i = 0;
    while i < out.len() {
        out[i] = VerdictKind::ALL[i].metric();
        i += 1;
    }
    out
};

/// The metric a verdict counts under.
pub fn verdict_metric(v: &Verdict) -> &'static str {
    v.kind().metric()
}

/// One verified replica: which item it came from, what, and the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Index of the item (SQS message) in the invocation.
    pub item: usize,
    /// The replica.
    pub object: ObjectRef,
    /// The event's time, epoch ms.
    pub event_time_ms: Option<i64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// Counts for the one summary log line per invocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Replicas checked with HeadObject.
    pub checked: usize,
    /// `Verified`.
    pub verified: usize,
    /// Anything but `Verified`.
    pub not_verified: usize,
    /// Transient `Error`s (retried through SQS or Lambda).
    pub errors: usize,
    /// ObjectRemoved events.
    pub deletes: usize,
    /// Replication events (failures and thresholds).
    pub replication_events: usize,
    /// Skipped messages and unreadable, other or out-of-scope records.
    pub skipped: usize,
    /// Of `skipped`, the objects outside `VERIFY_PREFIXES`.
    pub out_of_scope: usize,
}

/// What the invocation concluded.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The metrics to publish.
    pub metrics: MetricSet,
    /// SQS message ids to report in `batchItemFailures`: exactly those with a transient error.
    pub failed_message_ids: Vec<String>,
    /// The summary.
    pub summary: Summary,
}

/// The replicas to verify, in input order, with the item each belongs to.
pub fn replicas_to_check(inv: &Invocation) -> Vec<(usize, ObjectRef, Option<i64>)> {
    inv.events()
        .filter_map(|(i, e)| match e {
            ReplicaEvent::Created {
                object,
                event_time_ms,
            } => Some((i, object.clone(), *event_time_ms)),
            _ => None,
        })
        .collect()
}

/// How S3 Batch Operations is to treat a task (S3 User Guide, "Invoking an AWS Lambda
/// function", response and result codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskResultCode {
    /// The replica is verified.
    Succeeded,
    /// A transient error: "will be redriven before the job completes".
    TemporaryFailure,
    /// A final finding: the task is marked failed with the result string in the report.
    PermanentFailure,
}

impl TaskResultCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskResultCode::Succeeded => "Succeeded",
            TaskResultCode::TemporaryFailure => "TemporaryFailure",
            TaskResultCode::PermanentFailure => "PermanentFailure",
        }
    }
}

/// The answer to one S3 Batch Operations task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResult {
    /// The task's `taskId`, echoed.
    pub task_id: String,
    /// The result code.
    pub code: TaskResultCode,
    /// Starts with the verdict name ([`Verdict::describe`]), `Unreadable: …`, or
    /// [`OUT_OF_SCOPE_RESULT`].
    pub result_string: String,
}

/// The result string of a Batch Operations task whose key is outside `VERIFY_PREFIXES`.
pub const OUT_OF_SCOPE_RESULT: &str =
    "Skipped: OutOfScope: the key starts with none of VERIFY_PREFIXES; not judged as a replica";

/// One result per Batch Operations task, in input order: `Verified` succeeds, a transient
/// `Error` is a temporary failure, and every final finding — and a task that cannot be read —
/// is a permanent failure whose result string names the verdict.
///
/// A task outside `VERIFY_PREFIXES` *succeeds*, with [`OUT_OF_SCOPE_RESULT`]: an audit's
/// manifest (an inventory of D) lists D's inventory files and reports too, and the job's failed
/// tasks are to be its findings. As failures they would bury the findings in the completion
/// report and could fail the whole job (Batch Operations stops a job whose task failure rate
/// passes 50% after 1,000 tasks); the result string still says, per task, that it was skipped.
pub fn task_results(inv: &Invocation, checked: &[Checked]) -> Vec<TaskResult> {
    inv.items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let events: &[ReplicaEvent] = match &item.content {
                ItemContent::Events(events) => events,
                ItemContent::Skipped(_) => &[],
            };
            let unreadable = events.iter().find_map(|e| match e {
                ReplicaEvent::Unreadable { reason, .. } => Some(reason),
                _ => None,
            });
            let out_of_scope = events
                .iter()
                .any(|e| matches!(e, ReplicaEvent::OutOfScope { .. }));
            let (code, result_string) = match (unreadable, checked.iter().find(|c| c.item == i)) {
                (None, None) if out_of_scope => {
                    (TaskResultCode::Succeeded, OUT_OF_SCOPE_RESULT.to_owned())
                }
                (Some(reason), _) => (
                    TaskResultCode::PermanentFailure,
                    crate::verdict::cap_reason(format!("Unreadable: {reason}")),
                ),
                (None, Some(c)) => {
                    let code = match &c.verdict {
                        Verdict::Verified => TaskResultCode::Succeeded,
                        v if v.is_transient() => TaskResultCode::TemporaryFailure,
                        _ => TaskResultCode::PermanentFailure,
                    };
                    (code, c.verdict.describe())
                }
                (None, None) => (
                    TaskResultCode::PermanentFailure,
                    "Unreadable: the task names no object".to_owned(),
                ),
            };
            TaskResult {
                task_id: item.message_id.clone().unwrap_or_default(),
                code,
                result_string,
            }
        })
        .collect()
}

/// Build the report. `checked` holds the verdicts of [`replicas_to_check`]; `now_ms` is the
/// time of the verdicts; `always_zero` lists destination buckets that get zero counts even when
/// not seen.
pub fn report(
    inv: &Invocation,
    checked: &[Checked],
    now_ms: i64,
    always_zero: &[String],
) -> Report {
    let mut m = MetricSet::default();
    let mut summary = Summary::default();
    let mut zero_buckets: Vec<String> = always_zero.to_vec();

    for c in checked {
        let d = [("DestinationBucket", c.object.bucket.as_str())];
        m.add_count(verdict_metric(&c.verdict), &d, 1.0);
        if let Some(t) = c.event_time_ms {
            m.add_millis(names::REPLICA_VERIFICATION_DELAY, &d, now_ms - t);
        }
        summary.checked += 1;
        match &c.verdict {
            Verdict::Verified => {
                summary.verified += 1;
                if crate::canary::is_canary(&c.object.key) {
                    m.add_count(names::CANARY_REPLICA_VERIFIED, &d, 1.0);
                    // Per source too: the destination stack of each source alarms on its own.
                    if let Some(source) = crate::canary::canary_source(&c.object.key) {
                        let per_source = [d[0], ("SourceBucket", source)];
                        m.add_count(names::CANARY_REPLICA_VERIFIED, &per_source, 1.0);
                    }
                }
            }
            v => {
                summary.not_verified += 1;
                summary.errors += usize::from(v.is_transient());
            }
        }
        zero_buckets.push(c.object.bucket.clone());
    }

    for item in &inv.items {
        match &item.content {
            ItemContent::Skipped(reason) => {
                let r = match reason {
                    SkipReason::TestEvent => "TestEvent",
                    SkipReason::SnsWrapped => "SnsWrapped",
                    SkipReason::NotAnS3Event(_) => "NotAnS3Event",
                };
                m.add_count(names::EVENTS_SKIPPED, &[("Reason", r)], 1.0);
                summary.skipped += 1;
            }
            ItemContent::Events(events) => {
                for e in events {
                    count_event(e, &mut m, &mut summary, &mut zero_buckets);
                }
            }
        }
    }

    zero_buckets.sort();
    zero_buckets.dedup();
    for b in &zero_buckets {
        for name in VERDICT_METRICS.iter().chain(
            [
                names::REPLICATION_FAILED,
                names::REPLICATION_MISSED_THRESHOLD,
            ]
            .iter(),
        ) {
            m.add_count(name, &[("DestinationBucket", b)], 0.0);
        }
    }

    let mut failed_message_ids: Vec<String> = Vec::new();
    for c in checked.iter().filter(|c| c.verdict.is_transient()) {
        if let Some(id) = inv.items.get(c.item).and_then(|i| i.message_id.as_ref())
            && !failed_message_ids.contains(id)
        {
            failed_message_ids.push(id.clone());
        }
    }
    Report {
        metrics: m,
        failed_message_ids,
        summary,
    }
}

fn count_event(e: &ReplicaEvent, m: &mut MetricSet, s: &mut Summary, zero: &mut Vec<String>) {
    match e {
        ReplicaEvent::Created { .. } => {}
        ReplicaEvent::Removed { object, .. } => {
            m.add_count(
                names::REPLICA_DELETES_SEEN,
                &[("DestinationBucket", &object.bucket)],
                1.0,
            );
            zero.push(object.bucket.clone());
            s.deletes += 1;
        }
        ReplicaEvent::Replication(r) => {
            s.replication_events += 1;
            let source = r.object.bucket.as_str();
            let rule = r.rule_id.as_deref().unwrap_or("unknown");
            let headline = match &r.destination_bucket {
                Some(d) => ("DestinationBucket", d.as_str()),
                None => ("SourceBucket", source),
            };
            match r.kind {
                ReplicationEventKind::OperationFailedReplication => {
                    let reason = r.failure_reason.as_deref().unwrap_or("Unknown");
                    m.add_count(names::REPLICATION_FAILED, &[headline], 1.0);
                    m.add_count(
                        names::REPLICATION_FAILED,
                        &[
                            ("SourceBucket", source),
                            ("RuleId", rule),
                            ("FailureReason", reason),
                        ],
                        1.0,
                    );
                }
                ReplicationEventKind::OperationMissedThreshold => {
                    m.add_count(names::REPLICATION_MISSED_THRESHOLD, &[headline], 1.0);
                    m.add_count(
                        names::REPLICATION_MISSED_THRESHOLD,
                        &[("SourceBucket", source), ("RuleId", rule)],
                        1.0,
                    );
                }
                ReplicationEventKind::OperationReplicatedAfterThreshold
                | ReplicationEventKind::OperationNotTracked
                | ReplicationEventKind::Other(_) => {
                    m.add_count(names::REPLICATION_EVENTS, &[headline], 1.0);
                }
            }
        }
        ReplicaEvent::Other { .. } => {
            m.add_count(names::EVENTS_SKIPPED, &[("Reason", "OtherEvent")], 1.0);
            s.skipped += 1;
        }
        ReplicaEvent::Unreadable { .. } => {
            m.add_count(names::EVENTS_SKIPPED, &[("Reason", "Unreadable")], 1.0);
            s.skipped += 1;
        }
        ReplicaEvent::OutOfScope { object } => {
            m.add_count(names::EVENTS_SKIPPED, &[("Reason", "OutOfScope")], 1.0);
            zero.push(object.bucket.clone());
            s.skipped += 1;
            s.out_of_scope += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse;
    use serde_json::json;

    fn sqs(bodies: &[(&str, serde_json::Value)]) -> serde_json::Value {
        json!({"Records": bodies.iter().map(|(id, b)| json!({
            "messageId": id, "eventSource": "aws:sqs", "body": b.to_string()})).collect::<Vec<_>>()})
    }

    fn created(key: &str) -> serde_json::Value {
        json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "eventTime": "1970-01-01T00:00:01.000Z",
            "s3": {"bucket": {"name": "dst"}, "object": {"key": key, "versionId": "v"}}}]})
    }

    fn checked(inv: &Invocation, verdicts: Vec<Verdict>) -> Vec<Checked> {
        replicas_to_check(inv)
            .into_iter()
            .zip(verdicts)
            .map(|((item, object, t), verdict)| Checked {
                item,
                object,
                event_time_ms: t,
                verdict,
            })
            .collect()
    }

    #[test]
    fn batch_failures_hold_exactly_the_messages_with_transient_errors() {
        let inv = parse(&sqs(&[
            ("m1", created("a")),
            ("m2", created("b")),
            ("m3", created("c")),
        ]))
        .unwrap();
        let c = checked(
            &inv,
            vec![
                Verdict::Verified,
                Verdict::Error {
                    reason: "AccessDenied".into(),
                },
                Verdict::WrongKey {
                    expected: "k".into(),
                    actual: "x".into(),
                },
            ],
        );
        let r = report(&inv, &c, 2_000, &[]);
        assert_eq!(r.failed_message_ids, vec!["m2".to_owned()]);
        let d = [("DestinationBucket", "dst")];
        assert_eq!(r.metrics.count("ReplicasVerified", &d), 1.0);
        assert_eq!(r.metrics.count("VerificationErrors", &d), 1.0);
        assert_eq!(r.metrics.count("ReplicaWrongKey", &d), 1.0);
        assert_eq!(r.metrics.count("ReplicaVerificationDelay", &d), 3.0);
        assert_eq!(r.summary.checked, 3);
        assert_eq!(r.summary.errors, 1);
    }

    #[test]
    fn a_verified_canary_replica_is_counted_and_no_canary_means_no_datapoint() {
        let canary = crate::canary::liveness_key("logs/", "s");
        let inv = parse(&sqs(&[
            ("m1", created(&canary)),
            ("m2", created("logs/data")),
            ("m3", created(".s3-kms-replication-canary/deploy")),
        ]))
        .unwrap();
        let wrong = Verdict::WrongKey {
            expected: "k".into(),
            actual: "x".into(),
        };
        let c = checked(&inv, vec![Verdict::Verified, Verdict::Verified, wrong]);
        let r = report(&inv, &c, 2_000, &["dst".to_owned()]);
        let d = [("DestinationBucket", "dst")];
        assert_eq!(r.metrics.count(names::CANARY_REPLICA_VERIFIED, &d), 1.0);
        assert_eq!(r.metrics.count("ReplicasVerified", &d), 2.0);
        // And per source, from the canary's key.
        let per_source = [("DestinationBucket", "dst"), ("SourceBucket", "s")];
        assert_eq!(
            r.metrics.count(names::CANARY_REPLICA_VERIFIED, &per_source),
            1.0
        );
    }

    /// Issue 21 §2: two sources' canaries into one D are counted apart, so that each source's
    /// destination stack alarms on its own; one live source does not hide a dead one.
    #[test]
    fn canaries_of_two_sources_into_one_destination_are_counted_apart() {
        let a = crate::canary::liveness_key("", "source-a");
        let b = crate::canary::liveness_key("", "source-b");
        let inv = parse(&sqs(&[
            ("m1", created(&a)),
            ("m2", created(&a)),
            ("m3", created(&b)),
        ]))
        .unwrap();
        let wrong = Verdict::WrongKey {
            expected: "k".into(),
            actual: "x".into(),
        };
        let c = checked(&inv, vec![Verdict::Verified, Verdict::Verified, wrong]);
        let r = report(&inv, &c, 2_000, &["dst".to_owned()]);
        let of = |s| [("DestinationBucket", "dst"), ("SourceBucket", s)];
        assert_eq!(
            r.metrics
                .count(names::CANARY_REPLICA_VERIFIED, &of("source-a")),
            2.0
        );
        assert_eq!(
            r.metrics
                .count(names::CANARY_REPLICA_VERIFIED, &of("source-b")),
            0.0
        );
        let plain = parse(&created("logs/data")).unwrap();
        let r = report(&plain, &checked(&plain, vec![Verdict::Verified]), 0, &[]);
        assert!(
            !r.metrics
                .to_datums()
                .iter()
                .any(|x| x.name == names::CANARY_REPLICA_VERIFIED),
            "missing data, not a zero, is what the liveness alarm treats as breaching"
        );
    }

    #[test]
    fn zero_counts_are_emitted_for_seen_and_configured_buckets() {
        let inv = parse(&created("a")).unwrap();
        let c = checked(&inv, vec![Verdict::Verified]);
        let r = report(&inv, &c, 2_000, &["configured".to_owned()]);
        let datums = r.metrics.to_datums();
        for bucket in ["dst", "configured"] {
            for name in VERDICT_METRICS {
                assert!(
                    datums.iter().any(|d| d.name == name
                        && d.dimensions
                            == vec![("DestinationBucket".to_owned(), bucket.to_owned())]),
                    "{name} for {bucket}"
                );
            }
        }
    }

    #[test]
    fn replication_failures_are_counted_by_reason_and_rule() {
        let event = json!({"Records": [{"eventSource": "aws:s3",
            "eventName": "Replication:OperationFailedReplication",
            "s3": {"bucket": {"name": "src"}, "object": {"key": "k"}},
            "replicationEventData": {"replicationRuleId": "r1", "destinationBucket": "arn:aws:s3:::dst",
                                     "failureReason": "DstKmsKeyNotFound"}}]});
        let inv = parse(&event).unwrap();
        let r = report(&inv, &[], 0, &[]);
        assert_eq!(
            r.metrics
                .count("ReplicationFailed", &[("DestinationBucket", "dst")]),
            1.0
        );
        assert_eq!(
            r.metrics.count(
                "ReplicationFailed",
                &[
                    ("SourceBucket", "src"),
                    ("RuleId", "r1"),
                    ("FailureReason", "DstKmsKeyNotFound")
                ]
            ),
            1.0
        );
        assert!(r.failed_message_ids.is_empty());
    }

    #[test]
    fn out_of_scope_objects_are_skipped_not_judged() {
        use crate::verifier_config::KeyScope;
        // GIVEN an SQS batch with a replica under the prefix, an inventory file and a deleted
        // report outside it
        let removed = json!({"Records": [{"eventSource": "aws:s3",
            "eventName": "ObjectRemoved:Delete",
            "s3": {"bucket": {"name": "dst"}, "object": {"key": "reports/old.csv"}}}]});
        let inv = parse(&sqs(&[
            ("m1", created("logs/a")),
            ("m2", created("inventory/manifest.json")),
            ("m3", removed),
        ]))
        .unwrap()
        .limit_to(&KeyScope::parse("logs/").unwrap());
        // WHEN the one replica is verified
        let to_check = replicas_to_check(&inv);
        assert_eq!(to_check.len(), 1, "{to_check:?}");
        let c = checked(&inv, vec![Verdict::Verified]);
        let r = report(&inv, &c, 2_000, &[]);
        // THEN the others are EventsSkipped{OutOfScope}, neither verdicts nor deletes
        let d = [("DestinationBucket", "dst")];
        assert_eq!(r.metrics.count("ReplicasVerified", &d), 1.0);
        assert_eq!(r.metrics.count(names::REPLICA_DELETES_SEEN, &d), 0.0);
        assert_eq!(
            r.metrics
                .count("EventsSkipped", &[("Reason", "OutOfScope")]),
            2.0
        );
        assert_eq!(
            (
                r.summary.checked,
                r.summary.skipped,
                r.summary.out_of_scope,
                r.summary.deletes
            ),
            (1, 2, 2, 0)
        );
        assert!(r.failed_message_ids.is_empty());
    }

    #[test]
    fn an_out_of_scope_batch_task_succeeds_saying_it_was_skipped() {
        use crate::verifier_config::KeyScope;
        let task = |id: &str, key: &str| json!({"taskId": id, "s3Key": key, "s3VersionId": "v", "s3BucketArn": "arn:aws:s3:::dst"});
        let inv = parse(
            &json!({"invocationSchemaVersion": "1.0", "invocationId": "i",
            "job": {"id": "j"}, "tasks": [task("t1", "logs/a"), task("t2", "inventory/x.csv")]}),
        )
        .unwrap()
        .limit_to(&KeyScope::parse("logs/").unwrap());
        let wrong = Verdict::WrongKey {
            expected: "k".into(),
            actual: "x".into(),
        };
        let results = task_results(&inv, &checked(&inv, vec![wrong]));
        assert_eq!(results[0].code, TaskResultCode::PermanentFailure);
        assert_eq!(results[1].code, TaskResultCode::Succeeded);
        assert_eq!(results[1].task_id, "t2");
        assert!(
            results[1].result_string.starts_with("Skipped: OutOfScope"),
            "{results:?}"
        );
    }

    #[test]
    fn skipped_messages_are_counted_by_reason() {
        let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent"});
        let inv = parse(&sqs(&[("t", test_event), ("g", json!({"x": 1}))])).unwrap();
        let r = report(&inv, &[], 0, &[]);
        assert_eq!(
            r.metrics.count("EventsSkipped", &[("Reason", "TestEvent")]),
            1.0
        );
        assert_eq!(
            r.metrics
                .count("EventsSkipped", &[("Reason", "NotAnS3Event")]),
            1.0
        );
        assert_eq!(r.summary.skipped, 2);
    }
}
