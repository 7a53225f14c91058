//! Liveness (issue 10): the scheduled run in A writes a canary each period, the verifier in B
//! counts its verified replicas as `CanaryReplicaVerified` (read back from CloudWatch, where
//! the destination's alarm looks), and each side's run removes its own old canary versions.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod common;

use common::harness::{Harness, Side, wait};
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::target::emulator_only;
use e2e_tests::unique_name;
use e2e_tests::world::{MetricQuery, metric_values};
use replication_core::canary::liveness_key;
use replication_core::metric_names::{CANARY_REPLICA_VERIFIED, REPLICAS_VERIFIED};
use serde_json::{Value, json};

/// The version ids of `key` in `bucket`, newest first.
async fn versions(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Vec<String> {
    let out = s3
        .list_object_versions()
        .bucket(bucket)
        .prefix(key)
        .send()
        .await
        .unwrap();
    assert!(
        out.delete_markers().is_empty(),
        "a canary run made a delete marker"
    );
    let mut v: Vec<_> = out
        .versions()
        .iter()
        .map(|v| (v.last_modified.unwrap(), v.version_id.clone().unwrap()))
        .collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    v.into_iter().map(|(_, id)| id).collect()
}

/// One liveness period in A: the scheduled check with liveness on, healthy, and its canary
/// replicated; the canary's new version id, and the old versions the run removed.
async fn period_in_a(h: &mut Harness) -> (String, Value) {
    let answer = h.scheduled_check(Side::Source, true).await;
    assert_eq!(answer["findings"], json!([]), "{answer:#}");
    let liveness = answer["liveness"].clone();
    assert_eq!(
        liveness["key"],
        liveness_key("", &h.world.source_bucket),
        "{answer:#}"
    );
    let version = liveness["written"].as_str().unwrap().to_owned();
    let head = h
        .world
        .wait_for_source_status(&liveness_key("", &h.world.source_bucket), &version, wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");
    (version, liveness["removed"].clone())
}

#[tokio::test]
async fn the_liveness_canary_is_verified_in_b_and_each_side_removes_its_old_versions() {
    if emulator_only(
        "the_liveness_canary_is_verified_in_b_and_each_side_removes_its_old_versions",
        "CloudWatch takes minutes to make new metrics readable",
    ) {
        return;
    }
    // GIVEN a pair set up by our resources, and the verifier in B publishing to CloudWatch
    let mut h = Harness::new().await;
    h.create_destination().await;
    h.create_source().await;
    let namespace = unique_name("Liveness/E2E");
    let mut env = h.world.b.lambda_env();
    env.extend([
        (
            "EXPECTED_KMS_KEY_ARN".to_owned(),
            h.world.destination_key_arn.clone(),
        ),
        ("METRICS_SINK".to_owned(), "cloudwatch".to_owned()),
        ("METRICS_NAMESPACE".to_owned(), namespace.clone()),
    ]);
    let mut verifier = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();

    // WHEN A's scheduled run has liveness on
    let (first, removed) = period_in_a(&mut h).await;
    assert_eq!(removed, json!([]));

    // THEN the verifier verifies the canary's replica and publishes CanaryReplicaVerified,
    // which reads back from CloudWatch with the destination alarm's dimension
    let event = h.world.sqs_lambda_event(1, wait()).await.unwrap();
    let response = verifier
        .invoke(&event)
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(response, json!({"batchItemFailures": []}));
    let sums = h
        .world
        .destination_metric_sums(&namespace, &[CANARY_REPLICA_VERIFIED, REPLICAS_VERIFIED])
        .await
        .unwrap();
    assert_eq!(sums[0].1, 1.0, "{sums:?}");
    assert_eq!(sums[1].1, 1.0, "{sums:?}");
    // AND per source, with the dimensions of the destination stack's CanaryReplicaAlarm, so
    // that each source into D has its own liveness alarm
    let w = &h.world;
    let per_source = [
        ("DestinationBucket", w.destination_bucket.as_str()),
        ("SourceBucket", w.source_bucket.as_str()),
    ];
    let query = MetricQuery {
        namespace: &namespace,
        name: CANARY_REPLICA_VERIFIED,
        dimensions: &per_source,
        stat: "Sum",
    };
    let values = metric_values(&w.b.cloudwatch, &[query]).await.unwrap();
    assert_eq!(values[0].iter().sum::<f64>(), 1.0, "{values:?}");

    // AND two periods later S holds only the newest canary version (each run removed the one
    // before: a delete by version id, which S3 does not replicate)
    let (_, removed) = period_in_a(&mut h).await;
    assert_eq!(removed, json!([first]));
    let (newest, removed) = period_in_a(&mut h).await;
    assert_eq!(removed.as_array().map(Vec::len), Some(1));
    let w = &h.world;
    let key = liveness_key("", &w.source_bucket);
    assert_eq!(versions(&w.a.s3, &w.source_bucket, &key).await, [newest]);
    let replicas = versions(&w.b.s3, &w.destination_bucket, &key).await;
    assert_eq!(replicas.len(), 3, "{replicas:?}");

    // AND B's run keeps the newest two replicas, which the verifier may still have to read
    let answer = h.scheduled_check(Side::Destination, true).await;
    assert_eq!(answer["findings"], json!([]), "{answer:#}");
    assert_eq!(
        answer["liveness"]["removed"],
        json!([replicas[2]]),
        "{answer:#}"
    );
    let w = &h.world;
    assert_eq!(
        versions(&w.b.s3, &w.destination_bucket, &key).await,
        replicas[..2]
    );
}
