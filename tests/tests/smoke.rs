//! Smoke test, end to end on the emulator: replication configured with plain SDK calls
//! replicates an SSE-KMS object across accounts under the destination key, and the
//! destination's S3 -> SQS notification delivers the replica's event.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::time::Duration;

use e2e_tests::emulator::Emulator;
use e2e_tests::world::World;

#[tokio::test]
async fn sse_kms_object_replicates_across_accounts_under_the_destination_key() {
    // GIVEN the two accounts' buckets, keys and notification queue, and a replication rule
    let world = World::create_replicated(Emulator::shared().unwrap())
        .await
        .unwrap();

    // WHEN an SSE-KMS object (a key that needs URL-encoding) is put in the source bucket
    let key = "reports/q4 summary+final ü.csv";
    let version = world.put_source_object(key, "hello").await.unwrap();

    // THEN the source version completes
    let source = world
        .wait_for_source_status(key, &version, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(source.replication_status.unwrap().as_str(), "COMPLETED");

    // AND the replica is in B, same version, SSE-KMS under KB's ARN, marked REPLICA
    let replica = world
        .b
        .s3
        .head_object()
        .bucket(&world.destination_bucket)
        .key(key)
        .version_id(&version)
        .send()
        .await
        .unwrap();
    assert_eq!(replica.server_side_encryption.unwrap().as_str(), "aws:kms");
    assert_eq!(
        replica.ssekms_key_id.as_deref(),
        Some(world.destination_key_arn.as_str())
    );
    assert_eq!(replica.replication_status.unwrap().as_str(), "REPLICA");

    // AND the destination's notification for the replica reaches the queue
    let is_replica_event = |m: &serde_json::Value| {
        m["Records"][0]["s3"]["object"]["versionId"] == version.as_str()
            && m["Records"][0]["eventName"]
                .as_str()
                .is_some_and(|n| n.starts_with("ObjectCreated:"))
    };
    let event = world
        .sqs_lambda_event(1, Duration::from_secs(10))
        .await
        .unwrap();
    let bodies: Vec<serde_json::Value> = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(r["body"].as_str().unwrap()).unwrap())
        .collect();
    assert!(
        bodies.iter().any(is_replica_event),
        "no ObjectCreated message for the replica; got {bodies:#?}"
    );
}
