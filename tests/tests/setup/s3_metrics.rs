//! Issue 21 §1: with replication metrics on, the source stack alarms on S3's own AWS/S3
//! replication metrics. The emulator publishes them per rule as S3 does, and has no alarm engine:
//! each metric is read back from A's CloudWatch with the template alarm's own namespace,
//! dimensions, statistic and period, and compared with its threshold.

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use e2e_tests::emulator::repo_root;
use e2e_tests::target::emulator_only;
use e2e_tests::template::{Context, load, parameters};
use serde_json::Value;
use std::time::{Duration, SystemTime};

use crate::common::harness::{Harness, SOURCE, wait};
use crate::role_settings::template_source_props;

/// The Properties of alarm `resource` in `infra/source-account.yaml`, resolved with the
/// harness's buckets, `ReplicationMetrics=true` and `AlarmRuleId` = `rule_id` (what the
/// template's default, the first of `Replication.RuleIds`, gives for one rule).
fn template_alarm(h: &Harness, resource: &str, rule_id: &str) -> Value {
    let w = &h.world;
    resolved_alarm(
        "infra/source-account.yaml",
        &[
            ("SourceBucket", w.source_bucket.as_str()),
            ("DestinationBucket", w.destination_bucket.as_str()),
            ("ReplicationMetrics", "true"),
            ("AlarmRuleId", rule_id),
        ],
        resource,
    )
}

/// The Properties of alarm `resource` in `template` (relative to the repository), resolved with
/// `overrides`; the alarm must be on with them.
pub(crate) fn resolved_alarm(template: &str, overrides: &[(&str, &str)], resource: &str) -> Value {
    let template = load(&repo_root().join(template));
    let overrides = parameters(overrides);
    let cx = Context::of(&template, &overrides);
    let alarm = &template["Resources"][resource];
    assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm");
    if let Some(condition) = alarm["Condition"].as_str() {
        assert!(cx.condition(condition), "{resource} is off");
    }
    cx.properties(&template, resource)
}

/// The datapoints of the alarm's metric in `cloudwatch` (the alarm's account and region), with
/// the alarm's namespace, dimensions, statistic and period, over the periods around now.
pub(crate) async fn alarm_datapoints(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    alarm: &Value,
) -> Vec<f64> {
    let period = alarm["Period"].as_i64().unwrap();
    let dimensions = alarm["Dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            Dimension::builder()
                .name(d["Name"].as_str().unwrap())
                .value(d["Value"].as_str().unwrap())
                .build()
        })
        .collect();
    let metric = Metric::builder()
        .namespace(alarm["Namespace"].as_str().unwrap())
        .metric_name(alarm["MetricName"].as_str().unwrap())
        .set_dimensions(Some(dimensions))
        .build();
    let stat = MetricStat::builder()
        .metric(metric)
        .period(i32::try_from(period).unwrap())
        .stat(alarm["Statistic"].as_str().unwrap())
        .build();
    let span = Duration::from_secs(u64::try_from(period).unwrap() * 2);
    let now = SystemTime::now();
    let data = cloudwatch
        .get_metric_data()
        .start_time(DateTime::from(now - span))
        .end_time(DateTime::from(now + span))
        .metric_data_queries(MetricDataQuery::builder().id("m").metric_stat(stat).build())
        .send()
        .await
        .unwrap();
    data.metric_data_results()
        .iter()
        .flat_map(|r| r.values().to_vec())
        .collect()
}

/// Whether `value` breaches the alarm (its `ComparisonOperator` against its `Threshold`).
pub(crate) fn breaches(alarm: &Value, value: f64) -> bool {
    let threshold = alarm["Threshold"].as_f64().unwrap();
    match alarm["ComparisonOperator"].as_str().unwrap() {
        "GreaterThanThreshold" => value > threshold,
        other => panic!("comparison {other} not handled here"),
    }
}

#[tokio::test]
async fn s3s_replication_metrics_move_the_source_stacks_alarms() {
    if emulator_only(
        "s3s_replication_metrics_move_the_source_stacks_alarms",
        "CloudWatch takes minutes to make S3's replication metrics readable",
    ) {
        return;
    }
    // GIVEN both sides, the source created through the template with ReplicationMetrics on
    let mut h = Harness::new().await;
    h.create_destination().await;
    let created = h
        .send(
            "Create",
            SOURCE,
            template_source_props(&h, &[("ReplicationMetrics", "true")]),
            None,
        )
        .await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let rule_id = created["Data"]["RuleIds"]
        .as_str()
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let failed = template_alarm(&h, "S3FailedReplicationAlarm", &rule_id);
    let latency = template_alarm(&h, "S3ReplicationLatencyAlarm", &rule_id);
    let pending = template_alarm(&h, "S3PendingReplicationAlarm", &rule_id);

    // WHEN one object replicates
    let w = &h.world;
    let key = "s3-metrics/completed.txt";
    let version = w.put_source_object(key, "payload").await.unwrap();
    let head = w
        .wait_for_source_status(key, &version, wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");

    // THEN its ReplicationLatency is below RTC's 900 s, and nothing failed or stays pending
    let latencies = alarm_datapoints(&h.world.a.cloudwatch, &latency).await;
    assert_eq!(latencies.len(), 1, "{latencies:?}");
    assert!(!breaches(&latency, latencies[0]), "{latencies:?}");
    assert_eq!(
        alarm_datapoints(&h.world.a.cloudwatch, &failed).await,
        Vec::<f64>::new()
    );
    let least_pending = alarm_datapoints(&h.world.a.cloudwatch, &pending).await;
    assert!(!least_pending.is_empty(), "no OperationsPendingReplication");
    assert!(
        least_pending.iter().all(|v| !breaches(&pending, *v)),
        "{least_pending:?}"
    );

    // WHEN KB's policy loses our statements and the next object FAILS
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    h.assert_fails_to_replicate("s3-metrics/failed.txt").await;

    // THEN OperationsFailedReplication crosses the failed-replication alarm's threshold
    let failures = alarm_datapoints(&h.world.a.cloudwatch, &failed).await;
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(breaches(&failed, failures[0]), "{failures:?}");
}
