use super::*;
use crate::mock::{Head, s3_client, s3_client_by_method};
use replication_core::verifier_config::SinkKind;
use serde_json::json;
use std::sync::atomic::Ordering;

pub(crate) const KB: &str =
    "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";

/// A verifier expecting [`KB`] over `s3`, with `retries` retries of a 404 (1 ms apart).
pub(crate) fn verifier(s3: aws_sdk_s3::Client, retries: &str) -> Verifier {
    verifier_with(s3, &[("MISSING_RETRIES", retries)])
}

/// A verifier expecting [`KB`] over `s3`, 1 ms between retries of a 404, with `env` besides.
pub(crate) fn verifier_with(s3: aws_sdk_s3::Client, env: &[(&str, &str)]) -> Verifier {
    let config = VerifierConfig::from_lookup(|k| match k {
        "EXPECTED_KMS_KEY_ARN" => Some(KB.to_owned()),
        "MISSING_RETRY_DELAY_MS" => Some("1".to_owned()),
        _ => env
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| (*v).to_owned()),
    })
    .unwrap();
    Verifier {
        s3,
        // A cloudwatch sink without a client publishes nothing: the tests read the response.
        sink: MetricsSink::new(SinkKind::CloudWatch, "Test".into(), None),
        expectation: Expectation::new(KB),
        config,
    }
}

fn sqs(keys: &[&str]) -> Value {
    json!({"Records": keys.iter().enumerate().map(|(i, k)| json!({
        "messageId": format!("m{i}"), "eventSource": "aws:sqs",
        "body": json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "dst"}, "object": {"key": k, "versionId": "v"}}}]}).to_string()
    })).collect::<Vec<_>>()})
}

#[test]
fn the_panic_probe_catches_its_panic() {
    assert_eq!(panic_probe(), "panic caught: panic probe");
}

#[tokio::test]
async fn one_head_object_per_replica_and_decoded_keys_on_the_wire() {
    let (s3, calls) = s3_client(|path| {
        assert!(
            path.contains("a%20b%2Bc") || path.contains("plain"),
            "{path}"
        );
        Head::Object {
            sse: Some("aws:kms"),
            key: Some(KB.into()),
            status: Some("REPLICA"),
        }
    });
    let out = verifier(s3, "3")
        .handle(sqs(&["a+b%2Bc", "plain"]))
        .await
        .unwrap();
    assert_eq!(out, json!({"batchItemFailures": []}));
    assert_eq!(calls.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn forbidden_head_is_a_transient_error_reported_for_its_message_only() {
    let (s3, _) = s3_client(|path| {
        if path.contains("denied") {
            Head::Status(403)
        } else {
            Head::Object {
                sse: Some("aws:kms"),
                key: Some(KB.into()),
                status: Some("REPLICA"),
            }
        }
    });
    let out = verifier(s3, "0")
        .handle(sqs(&["ok", "denied"]))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
    );
}

#[tokio::test]
async fn missing_object_is_retried_a_bounded_number_of_times() {
    let (s3, calls) = s3_client(|_| Head::Status(404));
    let out = verifier(s3, "2").handle(sqs(&["gone"])).await.unwrap();
    // Missing is final: not retried through SQS.
    assert_eq!(out, json!({"batchItemFailures": []}));
    assert_eq!(
        calls.load(Ordering::Relaxed),
        3,
        "one call plus two retries"
    );
}

#[tokio::test]
async fn a_bad_request_is_final_and_not_a_batch_failure() {
    let (s3, calls) = s3_client(|_| Head::Status(400));
    let out = verifier(s3, "3").handle(sqs(&["k"])).await.unwrap();
    assert_eq!(out, json!({"batchItemFailures": []}));
    assert_eq!(
        calls.load(Ordering::Relaxed),
        2,
        "a 400 is not retried: one HEAD, and one ranged GET to tell SSE-C"
    );
}

/// An SSE-C replica: HEAD without its key is a bare 400; GET says why (recorded on AWS in
/// LocalStack's `TestS3SSECEncryption::test_object_retrieval_sse_c`, `get-obj-no-sse-c`).
#[tokio::test]
async fn an_sse_c_replica_is_not_kms_encrypted() {
    let (s3, calls) = s3_client_by_method(|method, _| match method {
        "HEAD" => Head::Status(400),
        _ => Head::Error {
            status: 400,
            code: "InvalidRequest",
            message: "The object was stored using a form of Server Side Encryption. The \
                      correct parameters must be provided to retrieve the object.",
        },
    });
    let v = verifier(s3, "0");
    let verdict = v
        .verify(&ObjectRef {
            bucket: "dst".into(),
            key: "k".into(),
            version_id: Some("v".into()),
        })
        .await;
    assert_eq!(
        verdict,
        Verdict::NotKmsEncrypted {
            sse: "SSE-C".into()
        }
    );
    assert_eq!(calls.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn the_null_version_is_read_as_versionid_null() {
    let (s3, calls) = s3_client(|path| {
        assert!(path.contains("versionId=null"), "{path}");
        Head::Object {
            sse: Some("aws:kms"),
            key: Some(KB.into()),
            status: Some("REPLICA"),
        }
    });
    let event = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "dst"}, "object": {"key": "k", "versionId": "null"}}}]});
    let out = verifier(s3, "0").handle(event).await.unwrap();
    assert_eq!(out["verified"], 1);
    assert_eq!(calls.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_test_event_invoked_directly_is_skipped_without_a_call() {
    let (s3, calls) = s3_client(|_| Head::Status(500));
    let event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent",
        "Time": "2026-11-29T05:00:00.000Z", "Bucket": "dst", "RequestId": "r", "HostId": "h"});
    let out = verifier(s3, "0").handle(event).await.unwrap();
    assert_eq!(out["skipped"], 1);
    assert_eq!(calls.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn batch_operations_tasks_get_one_result_each_named_by_the_verdict() {
    const OTHER: &str = "arn:aws:kms:us-east-1:222222222222:key/other";
    let (s3, calls) = s3_client(|path| match path {
        p if p.contains("denied") => Head::Status(403),
        p if p.contains("wrong") => Head::Object {
            sse: Some("aws:kms"),
            key: Some(OTHER.into()),
            status: Some("REPLICA"),
        },
        _ => Head::Object {
            sse: Some("aws:kms"),
            key: Some(KB.into()),
            status: Some("REPLICA"),
        },
    });
    let task = |id: &str, key: &str| json!({"taskId": id, "s3Key": key, "s3VersionId": "v", "s3BucketArn": "arn:aws:s3:::dst"});
    let event = json!({"invocationSchemaVersion": "1.0", "invocationId": "inv",
        "job": {"id": "j"},
        "tasks": [task("t1", "ok"), task("t2", "wrong"), task("t3", "denied"), task("t4", "bad%ZZ")]});
    let out = verifier(s3, "0").handle(event).await.unwrap();
    assert_eq!(
        out,
        json!({"invocationSchemaVersion": "1.0", "treatMissingKeysAs": "PermanentFailure",
            "invocationId": "inv", "results": [
            {"taskId": "t1", "resultCode": "Succeeded", "resultString": "Verified"},
            {"taskId": "t2", "resultCode": "PermanentFailure",
             "resultString": format!("WrongKey: under {OTHER}, expected {KB}")},
            {"taskId": "t3", "resultCode": "TemporaryFailure",
             "resultString": "Error: AccessDenied (HTTP 403)"},
            {"taskId": "t4", "resultCode": "PermanentFailure",
             "resultString": "Unreadable: s3Key: object key \"bad%ZZ\" has a malformed percent escape at byte 3"}]})
    );
    assert_eq!(
        calls.load(Ordering::Relaxed),
        3,
        "one HEAD per readable task"
    );
}

/// Issue 21 §2: with `VERIFY_PREFIXES`, an inventory file or a report in D is neither
/// read nor judged, only counted; a replica under a prefix (its key URL-encoded in the
/// event) is verified.
#[tokio::test]
async fn objects_outside_verify_prefixes_are_skipped_without_a_call() {
    // GIVEN S3 that denies everything but the replica, so a judged out-of-scope object
    // would be a batch failure
    let (s3, calls) = s3_client(|path| {
        if path.contains("my%20logs/") {
            Head::Object {
                sse: Some("aws:kms"),
                key: Some(KB.into()),
                status: Some("REPLICA"),
            }
        } else {
            Head::Status(403)
        }
    });
    let v = verifier_with(s3, &[("VERIFY_PREFIXES", "my logs/,data/")]);
    // WHEN an SQS batch holds a replica and two objects outside the prefixes
    let out = v
        .handle(sqs(&[
            "my+logs%2Fapp.log",
            "inventory/manifest.json",
            "reports%2Fq1",
        ]))
        .await
        .unwrap();
    // THEN only the replica is read, and nothing fails
    assert_eq!(out, json!({"batchItemFailures": []}));
    assert_eq!(calls.load(Ordering::Relaxed), 1);

    // AND invoked directly, the summary counts them as skipped, out of scope
    let direct = json!({"Records": [
        {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": "dst"}, "object": {"key": "my+logs/a", "versionId": "v"}}},
        {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
         "s3": {"bucket": {"name": "dst"}, "object": {"key": "elsewhere", "versionId": "v"}}}]});
    let out = v.handle(direct).await.unwrap();
    assert_eq!(
        (&out["verified"], &out["skipped"], &out["outOfScope"]),
        (&json!(1), &json!(1), &json!(1)),
        "{out}"
    );
}

/// An audit over an inventory of D: tasks outside `VERIFY_PREFIXES` succeed, saying they
/// were skipped, so that the job's failed tasks are its findings.
#[tokio::test]
async fn batch_tasks_outside_verify_prefixes_succeed_as_skipped() {
    let (s3, calls) = s3_client(|_| Head::Status(404));
    let v = verifier_with(
        s3,
        &[("VERIFY_PREFIXES", "logs/"), ("MISSING_RETRIES", "0")],
    );
    let task = |id: &str, key: &str| json!({"taskId": id, "s3Key": key, "s3VersionId": "v", "s3BucketArn": "arn:aws:s3:::dst"});
    let event = json!({"invocationSchemaVersion": "2.0", "invocationId": "inv",
        "job": {"id": "j"}, "tasks": [task("t1", "inventory/data.csv"), task("t2", "logs/gone")]});
    let out = v.handle(event).await.unwrap();
    assert_eq!(out["results"][0]["resultCode"], "Succeeded", "{out}");
    assert_eq!(
        out["results"][0]["resultString"],
        report::OUT_OF_SCOPE_RESULT,
        "{out}"
    );
    assert_eq!(out["results"][1]["resultCode"], "PermanentFailure", "{out}");
    assert_eq!(
        calls.load(Ordering::Relaxed),
        1,
        "only the in-scope task is read"
    );
}

#[tokio::test]
async fn direct_invocation_with_a_transient_error_fails() {
    let (s3, _) = s3_client(|_| Head::Status(503));
    let event = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "dst"}, "object": {"key": "k"}}}]});
    let err = verifier(s3, "0").handle(event).await.unwrap_err();
    assert!(
        matches!(err, VerifierError::Transient { count: 1, .. }),
        "{err}"
    );
}
