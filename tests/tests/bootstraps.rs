//! Each real bootstrap binary runs under the Runtime API helper and answers an event.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use e2e_tests::accounts::Account;
use e2e_tests::emulator::Emulator;
use e2e_tests::runtime_api::{LambdaProcess, Outcome, binary_path};
use e2e_tests::unique_name;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = e2e_tests::emulator::repo_root().join("events").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn verifier_bootstrap_answers_an_s3_event() {
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &[])
        .await
        .unwrap();
    assert!(f.ready_after() > Duration::ZERO);
    let out = f.invoke(&fixture("s3-object-created.json")).await.unwrap();
    let response = out.into_response().unwrap();
    assert_eq!(response["shape"], "s3");
    assert_eq!(response["records"], 1);
    assert!(
        f.stdout_lines()
            .iter()
            .any(|l| l.contains("invocation summary")),
        "{:?}",
        f.stdout_lines()
    );
}

#[tokio::test]
async fn verifier_bootstrap_reports_an_unrecognised_payload_as_an_error() {
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &[])
        .await
        .unwrap();
    let out = f.invoke(&json!({"hello": "world"})).await.unwrap();
    let Outcome::Error { error_message, .. } = out else {
        panic!("expected an error, got {out:?}");
    };
    assert!(
        error_message.contains("unrecognised event payload"),
        "{error_message}"
    );
}

#[tokio::test]
async fn setup_bootstrap_answers_cloudformation_at_a_presigned_emulator_url() {
    let b = Account::B
        .connect(Emulator::shared().unwrap())
        .await
        .unwrap();
    let bucket = unique_name("cfn-responses");
    b.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let url =
        b.s3.put_object()
            .bucket(&bucket)
            .key("response")
            .presigned(PresigningConfig::expires_in(Duration::from_secs(600)).unwrap())
            .await
            .unwrap()
            .uri()
            .to_owned();

    let mut event = fixture("cfn-destination-delete.json");
    event["ResponseURL"] = json!(url);
    let mut f = LambdaProcess::spawn(&binary_path("replication-setup"), &b.lambda_env())
        .await
        .unwrap();
    f.invoke(&event).await.unwrap().into_response().unwrap();

    let body =
        b.s3.get_object()
            .bucket(&bucket)
            .key("response")
            .send()
            .await
            .unwrap();
    let answer: Value =
        serde_json::from_slice(&body.body.collect().await.unwrap().into_bytes()).unwrap();
    assert_eq!(answer["Status"], "SUCCESS");
    assert_eq!(answer["RequestId"], event["RequestId"]);
    assert_eq!(answer["PhysicalResourceId"], event["PhysicalResourceId"]);
}
