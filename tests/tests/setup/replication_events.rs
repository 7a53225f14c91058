//! Issue 21 §1: the source stack's own `ReplicationEventsQueueArn` sends S's
//! `s3:Replication:*` events to the verifier's queue, which the destination template's queue
//! policy opens to S (and only S), so that a FAILED object moves the destination stack's
//! `ReplicationFailed` alarm. The emulator has no alarm engine: the alarm's metric is read back
//! from B's CloudWatch with the template alarm's own namespace, dimensions, statistic and period.

use aws_sdk_sqs::types::QueueAttributeName;
use e2e_tests::accounts::Account;
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::template::{Context, destination_template, verifier_env, world_parameters};
use e2e_tests::world::World;
use serde_json::Value;

use crate::common::harness::{Harness, SOURCE, wait};
use crate::role_settings::template_source_props;
use crate::s3_metrics::{alarm_datapoints, breaches, resolved_alarm};

/// The destination template's queue policy for this world (its `QueuePolicy` resolved with the
/// world's buckets and accounts, and `extra`), set on the world's queue in place of the
/// world's own.
async fn templates_queue_policy(h: &Harness, extra: &[(&str, &str)]) {
    let w = &h.world;
    let template = destination_template();
    let mut parameters = vec![
        ("SourceBucket", w.source_bucket.as_str()),
        ("SourceAccountId", Account::A.id()),
    ];
    parameters.extend_from_slice(extra);
    let overrides = world_parameters(w, &parameters);
    // Only the document: the resource's `Queues` refers to the template's own queue.
    let policy = Context::of(&template, &overrides)
        .resolve(&template["Resources"]["QueuePolicy"]["Properties"]["PolicyDocument"])
        .unwrap();
    // The resolver names the template's queue by a placeholder ARN; the world's queue stands in.
    let text = policy
        .to_string()
        .replace("arn:aws:sqs:us-east-1:222222222222:Queue", &w.queue_arn);
    w.b.sqs
        .set_queue_attributes()
        .queue_url(&w.queue_url)
        .attributes(QueueAttributeName::Policy, text)
        .send()
        .await
        .unwrap();
}

/// The source template's properties with replication metrics on and S's replication events
/// sent to the world's queue.
fn source_props_sending_events(h: &Harness) -> serde_json::Value {
    let queue = h.world.queue_arn.clone();
    template_source_props(
        h,
        &[
            ("ReplicationMetrics", "true"),
            ("ReplicationEventsQueueArn", queue.as_str()),
        ],
    )
}

/// The verifier, as the destination template configures it (with CloudWatch as its metrics
/// sink), over `event`; then the template's alarm `resource`, its metric read back from B's
/// CloudWatch with the alarm's own namespace, dimensions, statistic and period, breaches.
async fn assert_the_verifier_breaches(w: &World, event: &Value, resource: &str) {
    let env = verifier_env(
        w,
        &destination_template(),
        &world_parameters(w, &[("MetricsSink", "cloudwatch")]),
    );
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();
    f.invoke(event).await.unwrap();
    let alarm = resolved_alarm(
        "infra/destination-account.yaml",
        &[
            ("DestinationBucket", w.destination_bucket.as_str()),
            ("SourceBucket", w.source_bucket.as_str()),
        ],
        resource,
    );
    let points = alarm_datapoints(&w.b.cloudwatch, &alarm).await;
    assert!(
        points.iter().any(|v| breaches(&alarm, *v)),
        "{resource}: datapoints {points:?}; verifier said {:?}",
        f.stdout_lines()
    );
}

/// Our configurations on S: (Id, queue ARN, events).
async fn our_source_notifications(h: &Harness) -> Vec<(String, String, Vec<String>)> {
    let w = &h.world;
    let config =
        w.a.s3
            .get_bucket_notification_configuration()
            .bucket(&w.source_bucket)
            .send()
            .await
            .unwrap();
    config
        .queue_configurations()
        .iter()
        .filter(|q| q.id().is_some_and(|id| id.starts_with("S3KmsReplication")))
        .map(|q| {
            (
                q.id().unwrap_or_default().to_owned(),
                q.queue_arn().to_owned(),
                q.events().iter().map(|e| e.as_str().to_owned()).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_failed_object_in_s_moves_the_destination_stacks_replication_failed_alarm() {
    // GIVEN the verifier's queue under the destination template's own queue policy, D's side,
    // and the source created from the source template with ReplicationEventsQueueArn
    let mut h = Harness::new().await;
    templates_queue_policy(&h, &[]).await;
    h.create_destination().await;
    let queue = h.world.queue_arn.clone();
    let props = source_props_sending_events(&h);
    let created = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");

    // THEN S sends its replication events to the queue, in one configuration of ours
    let ours = our_source_notifications(&h).await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert!(ours[0].0.starts_with("S3KmsReplicationEvents:"), "{ours:?}");
    assert_eq!(
        (ours[0].1.as_str(), ours[0].2.clone()),
        (queue.as_str(), vec!["s3:Replication:*".to_owned()])
    );

    // WHEN KB's policy loses our statements and an object FAILS
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    h.assert_fails_to_replicate("replication-events/failed.txt")
        .await;

    // THEN S3's failure event arrives on the queue; the verifier, as the template configures it
    // (with CloudWatch as its metrics sink), counts it; the template's alarm breaches
    let event = w
        .sqs_lambda_event_with(1, "Replication:OperationFailedReplication", wait())
        .await
        .unwrap();
    let failure = event["Records"].as_array().unwrap().iter().find(|r| {
        r["body"]
            .as_str()
            .is_some_and(|b| b.contains("OperationFailedReplication"))
    });
    assert!(failure.is_some(), "no failure event on the queue: {event}");
    assert_the_verifier_breaches(w, &event, "ReplicationFailedAlarm").await;

    // WHEN the source resource is deleted THEN S's configuration of ours goes with it
    let id = created["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", SOURCE, props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert_eq!(our_source_notifications(&h).await, Vec::new());
}

#[tokio::test]
async fn without_the_destinations_queue_statement_the_create_names_it() {
    // GIVEN the template's queue policy with AllowSourceReplicationEvents=false: D's events only
    let mut h = Harness::new().await;
    templates_queue_policy(&h, &[("AllowSourceReplicationEvents", "false")]).await;
    h.create_destination().await;
    let queue = h.world.queue_arn.clone();
    // WHEN the source names the queue
    let props = source_props_sending_events(&h);
    let created = h.send("Create", SOURCE, props, None).await;
    // THEN S3 refuses the notification (it cannot validate the queue), and the Reason says which
    // property and which switch of the destination stack
    assert_eq!(created["Status"], "FAILED", "{created}");
    let reason = created["Reason"].as_str().unwrap();
    assert!(reason.contains(&queue), "{reason}");
    assert!(reason.contains("ReplicationEventsQueueArn"), "{reason}");
    assert!(
        reason.contains("AllowSourceReplicationEvents=true"),
        "{reason}"
    );
    // AND nothing of ours is left on S
    assert_eq!(our_source_notifications(&h).await, Vec::new());
}

/// RTC's `OperationMissedThreshold` moves the destination stack's `ReplicationMissedThreshold`
/// alarm. The emulator has no RTC clock, so the event is the S3 guide's record shape
/// ("Receiving replication failure events", event message structure), for this world's buckets.
#[tokio::test]
async fn a_missed_rtc_threshold_moves_the_destination_stacks_alarm() {
    let world = e2e_tests::world::World::create(e2e_tests::target::Target::shared().unwrap())
        .await
        .unwrap();
    let w = &world;
    let record = serde_json::json!({"eventVersion": "2.2", "eventSource": "aws:s3",
        "awsRegion": "us-east-1", "eventTime": "2026-12-06T05:00:00.000Z",
        "eventName": "Replication:OperationMissedThreshold",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": w.source_bucket,
            "arn": format!("arn:aws:s3:::{}", w.source_bucket)},
            "object": {"key": "late.bin", "size": 1, "versionId": "v1"}},
        "replicationEventData": {"replicationRuleId": "rtc",
            "destinationBucket": format!("arn:aws:s3:::{}", w.destination_bucket),
            "s3Operation": "OBJECT_PUT", "requestTime": "2026-12-06T04:40:00.000Z",
            "threshold": "15"}});
    let event = serde_json::json!({"Records": [record]});
    assert_the_verifier_breaches(w, &event, "ReplicationMissedThresholdAlarm").await;
}
