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

fn verifier_env() -> Vec<(String, String)> {
    let key = "arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21";
    vec![
        ("EXPECTED_KMS_KEY_ARN".to_owned(), key.to_owned()),
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID".to_owned(), "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY".to_owned(), "testing".to_owned()),
        // Nothing listens here: the fixture's object cannot be read, which is an Error verdict.
        (
            "AWS_ENDPOINT_URL".to_owned(),
            "http://127.0.0.1:9".to_owned(),
        ),
        ("MISSING_RETRIES".to_owned(), "0".to_owned()),
    ]
}

#[tokio::test]
async fn verifier_bootstrap_answers_an_s3_event() {
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &verifier_env())
        .await
        .unwrap();
    assert!(f.ready_after() > Duration::ZERO);
    // The direct-S3 fixture names an object that cannot be read: a transient error, so the
    // invocation fails (Lambda retries it), after logging the verdict and the summary.
    let out = f.invoke(&fixture("s3-object-created.json")).await.unwrap();
    let Outcome::Error { error_type, .. } = out else {
        panic!("expected an error, got {out:?}");
    };
    assert_eq!(error_type, "TransientVerificationError");
    let stdout = f.stdout_lines().join("\n");
    assert!(stdout.contains("invocation summary"), "{stdout}");
    assert!(
        stdout.contains("reports/2026/q4 summary final.csv"),
        "decoded key logged: {stdout}"
    );
}

#[tokio::test]
async fn verifier_bootstrap_reports_an_unrecognised_payload_as_an_error() {
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &verifier_env())
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

/// The verifier's stdout after one invocation of the direct-S3 fixture, with `extra` variables.
async fn verifier_stdout(extra: &[(&str, &str)]) -> Vec<String> {
    let mut env = verifier_env();
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();
    f.invoke(&fixture("s3-object-created.json")).await.unwrap();
    f.stdout_lines()
}

fn json_at_level(lines: &[String], level: &str) -> usize {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["level"] == level)
        .count()
}

#[tokio::test]
async fn lambdas_log_level_and_format_variables_take_effect() {
    // GIVEN no logging variables: JSON at INFO, each line with a level and a timestamp
    let default = verifier_stdout(&[]).await;
    assert_eq!(json_at_level(&default, "DEBUG"), 0, "{default:#?}");
    let summary: Value = default
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["message"] == "invocation summary")
        .unwrap();
    assert_eq!(summary["level"], "INFO");
    assert!(
        summary["timestamp"].as_str().unwrap().ends_with('Z'),
        "{summary}"
    );

    // WHEN Lambda's LoggingConfig sets DEBUG, THEN debug lines appear
    let debug = verifier_stdout(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG")]).await;
    assert!(json_at_level(&debug, "DEBUG") > 0, "{debug:#?}");

    // AND RUST_LOG overrides Lambda's level
    let overridden =
        verifier_stdout(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG"), ("RUST_LOG", "info")]).await;
    assert_eq!(json_at_level(&overridden, "DEBUG"), 0, "{overridden:#?}");

    // AND the Text format writes plain lines
    let text = verifier_stdout(&[("AWS_LAMBDA_LOG_FORMAT", "Text")]).await;
    let summary = text
        .iter()
        .find(|l| l.contains("invocation summary"))
        .unwrap();
    assert!(serde_json::from_str::<Value>(summary).is_err(), "{summary}");
    assert!(summary.contains("INFO"), "{summary}");
}

#[tokio::test]
async fn a_lambda_log_level_that_would_drop_emf_metrics_stops_the_cold_start() {
    let mut env = verifier_env();
    env.push(("AWS_LAMBDA_LOG_LEVEL".to_owned(), "WARN".to_owned()));
    let err = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("AWS_LAMBDA_LOG_LEVEL"),
        "{err:#}"
    );
}

#[tokio::test]
async fn verifier_bootstrap_answers_batch_operations_tasks_of_both_schemas() {
    // GIVEN the documented 1.0 and 2.0 events, whose object cannot be read (nothing listens at
    // the endpoint): a transient error, so each task is a TemporaryFailure that S3 redrives
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &verifier_env())
        .await
        .unwrap();
    for (name, version) in [
        ("s3-batch-operations-1.0.json", "1.0"),
        ("s3-batch-operations-2.0.json", "2.0"),
    ] {
        let out = f
            .invoke(&fixture(name))
            .await
            .unwrap()
            .into_response()
            .unwrap();
        assert_eq!(out["invocationSchemaVersion"], version);
        assert_eq!(
            out["invocationId"],
            "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo"
        );
        assert_eq!(out["treatMissingKeysAs"], "PermanentFailure");
        let results = out["results"].as_array().unwrap();
        assert_eq!(results.len(), 1, "{out}");
        assert_eq!(results[0]["taskId"], "dGFza2lkZ29lc2hlcmUK");
        assert_eq!(results[0]["resultCode"], "TemporaryFailure", "{out}");
        assert!(
            results[0]["resultString"]
                .as_str()
                .unwrap()
                .starts_with("Error: "),
            "{out}"
        );
    }
}

#[tokio::test]
async fn a_response_url_that_never_answers_is_given_up_before_the_lambda_deadline() {
    // GIVEN a ResponseURL that accepts connections and never answers
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/response", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut event = fixture("cfn-destination-delete.json");
    event["ResponseURL"] = json!(url);
    event["PhysicalResourceId"] = json!("s3-kms-replication:failed-create:request-1");
    let b = Account::B
        .connect(Emulator::shared().unwrap())
        .await
        .unwrap();
    let mut f = LambdaProcess::spawn(&binary_path("replication-setup"), &b.lambda_env())
        .await
        .unwrap();

    // WHEN it is invoked with 12 s to its deadline (the answer's margin is the last 10 s)
    let out = f
        .invoke_with_deadline(&event, Duration::from_secs(12))
        .await
        .expect("the function reports to Lambda before its deadline");

    // THEN it gave up on the answer by itself and said so, instead of being killed mid-retry
    let Outcome::Error {
        error_type,
        error_message,
    } = out
    else {
        panic!("expected an error, got {out:?}");
    };
    assert_eq!(error_type, "ResponseNotDelivered");
    assert!(
        error_message.contains("by the answer deadline"),
        "{error_message}"
    );
}
