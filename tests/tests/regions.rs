//! Cross-region pairs (issue 18, defect 5): S in the tests' home region (us-east-1), D, KB and
//! the verifier's queue in another, as in the common disaster-recovery setup. The setup
//! functions and the doctor's profiles stay in the home region: every client must address the
//! region of the bucket or key it acts on, since KMS is regional (a key ARN sent to another
//! region's endpoint is `NotFoundException`) and the Rust SDK does not follow S3's redirect to a
//! bucket's region (the emulator answers a request signed for the wrong region as S3 does).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod common;

use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use serde_json::json;

use common::harness::{Harness, Side, wait};

const DESTINATION_REGION: &str = "eu-west-1";

#[tokio::test]
async fn a_destination_in_another_region_is_set_up_diagnosed_and_verified() {
    // GIVEN S in us-east-1, and D, KB and the queue in eu-west-1
    let mut h = Harness::with_destination_in(DESTINATION_REGION).await;
    // WHEN both resources are created by functions running in us-east-1
    h.create_destination().await;
    h.create_source().await;
    // THEN objects replicate into D under KB
    let w = &h.world;
    let key = e2e_tests::unique_name("cross-region");
    let version = w.put_source_object(&key, "payload").await.unwrap();
    let head = w
        .wait_for_source_status(&key, &version, wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");

    // AND the doctor finds the pair healthy, from a terminal in us-east-1 and on schedule
    let run = e2e_tests::doctor_cli::run(w, Some(&w.queue_arn), false, true).unwrap();
    assert_eq!(run.code, 0, "{}", run.stdout);
    for side in [Side::Source, Side::Destination] {
        let checked = h.scheduled_check(side, false).await;
        assert_eq!(checked["findings"], json!([]), "{checked:#}");
        assert_eq!(checked["unchecked"], json!([]), "{checked:#}");
    }

    // AND the verifier, deployed in D's region as the destination template is, verifies it
    let w = &h.world;
    let mut env = w.b.lambda_env();
    env.push(("EXPECTED_KMS_KEY_ARN".into(), w.destination_key_arn.clone()));
    env.push(("AWS_REGION".into(), DESTINATION_REGION.into()));
    env.push(("AWS_DEFAULT_REGION".into(), DESTINATION_REGION.into()));
    let mut verifier = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();
    let event = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3",
        "awsRegion": DESTINATION_REGION, "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": w.destination_bucket},
               "object": {"key": key, "versionId": version}}}]});
    let out = verifier
        .invoke(&event)
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(out["verified"], 1, "{out:#}");
}
