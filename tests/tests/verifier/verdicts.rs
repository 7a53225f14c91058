//! Verdicts: replicas verified, under the wrong key, not KMS-encrypted, rejected, of the null
//! version, and failed replications with their probable causes.

use aws_sdk_s3::types::ServerSideEncryption;
use e2e_tests::accounts::Account;
use e2e_tests::batch::task_event;
use e2e_tests::cleanup::Resource;
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::target::{Target, emulator_only};
use e2e_tests::unique_name;
use e2e_tests::world::World;
use serde_json::{Value, json};

use crate::support::{
    emf_sum, json_lines, put_and_replicate, replicated_world, rewrite_under_a_new_key,
    verdict_lines, verifier, wait,
};

#[tokio::test]
async fn replicas_are_verified_and_metrics_read_back_from_cloudwatch() {
    if emulator_only(
        "replicas_are_verified_and_metrics_read_back_from_cloudwatch",
        "CloudWatch takes minutes to make new metrics readable",
    ) {
        return;
    }
    // GIVEN replication from S to D and three replicas with keys that need decoding
    let world = replicated_world().await;
    let keys = ["plain.txt", "with space+plus.txt", "ünï/cødé 日本.txt"];
    put_and_replicate(&world, &keys).await;
    let event = world.sqs_lambda_event(keys.len(), wait()).await.unwrap();

    // AND the verifier expects KB through an alias, publishing with PutMetricData
    let alias = format!("alias/{}", unique_name("kb"));
    world
        .b
        .kms
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&world.destination_key_arn)
        .send()
        .await
        .unwrap();
    let mut env = world.b.lambda_env();
    env.extend([
        ("EXPECTED_KMS_KEY_ARN".to_owned(), alias),
        ("METRICS_SINK".to_owned(), "cloudwatch".to_owned()),
        ("METRICS_NAMESPACE".to_owned(), unique_name("Verifier/E2E")),
    ]);
    let namespace = env.last().unwrap().1.clone();
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();

    // WHEN the SQS batch is delivered
    let response = f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN no message is retried and every replica is verified
    assert_eq!(response, json!({"batchItemFailures": []}));
    let lines = json_lines(&f);
    let summary = lines
        .iter()
        .find(|l| l["message"] == "invocation summary")
        .unwrap();
    assert_eq!(summary["verified"], 3, "{summary}");
    assert_eq!(
        summary["metric_calls"], 1,
        "one PutMetricData per invocation"
    );
    assert!(
        lines.iter().all(|l| l.get("_aws").is_none()),
        "cloudwatch sink writes no EMF"
    );

    // AND the metrics read back from CloudWatch
    let sums = world
        .destination_metric_sums(&namespace, &["ReplicasVerified", "ReplicaWrongKey"])
        .await
        .unwrap();
    assert_eq!(sums[0].1, 3.0);
    let (points, wrong) = sums[1];
    assert!(points > 0, "a zero is published so alarms have data");
    assert_eq!(wrong, 0.0);
}

#[tokio::test]
async fn replica_rewritten_under_another_key_is_wrong_key_in_logs_and_emf() {
    // GIVEN a verified replica
    let world = replicated_world().await;
    let key = "ledger/2026 q4+final.csv";
    put_and_replicate(&world, &[key]).await;

    // WHEN someone in B rewrites it under another key
    let other_key = rewrite_under_a_new_key(&world, key).await;
    let event = world.sqs_lambda_event(2, wait()).await.unwrap();
    let mut f = verifier(&world, &[]).await;
    let response = f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN the finding is final (not retried), logged with both keys, and counted in EMF
    assert_eq!(response, json!({"batchItemFailures": []}));
    let lines = json_lines(&f);
    let wrong = verdict_lines(&lines, "WrongKey");
    assert_eq!(wrong.len(), 1, "{lines:#?}");
    assert_eq!(wrong[0]["key"], key);
    assert_eq!(wrong[0]["expected_key"], world.destination_key_arn.as_str());
    assert_eq!(wrong[0]["actual_key"], other_key.as_str());
    assert_eq!(emf_sum(&lines, "ReplicaWrongKey"), 1.0);
    assert_eq!(emf_sum(&lines, "ReplicasVerified"), 1.0);
}

#[tokio::test]
async fn unencrypted_object_in_the_destination_is_not_kms_encrypted() {
    // GIVEN an object written straight into D without SSE-KMS (S3 makes it SSE-S3), invoked as
    // a direct S3 event
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key("plain upload.txt")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let sqs = world.sqs_lambda_event(1, wait()).await.unwrap();
    let body = sqs["Records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .find(|b| b.contains("ObjectCreated"))
        .unwrap();
    let direct: Value = serde_json::from_str(body).unwrap();

    // WHEN the verifier is invoked directly by S3
    let mut f = verifier(&world, &[]).await;
    let response = f.invoke(&direct).await.unwrap().into_response().unwrap();

    // THEN the invocation succeeds (a final finding) and reports NotKmsEncrypted
    assert_eq!(response["notVerified"], 1, "{response}");
    let lines = json_lines(&f);
    let found = verdict_lines(&lines, "NotKmsEncrypted");
    assert_eq!(found.len(), 1, "{lines:#?}");
    assert_eq!(found[0]["key"], "plain upload.txt");
    assert_eq!(
        found[0]["found"], "AES256",
        "S3's default SSE-S3: {lines:#?}"
    );
    assert_eq!(emf_sum(&lines, "ReplicaNotKmsEncrypted"), 1.0);
}

#[tokio::test]
async fn a_key_longer_than_s3_allows_is_a_final_rejection_not_retried() {
    // GIVEN an event naming a key of 1,100 bytes (S3 allows 1,024), invoked directly by S3
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    let key = "k".repeat(1100);
    let event = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3",
        "awsRegion": "us-east-1", "eventTime": "2026-11-29T05:00:00.000Z",
        "eventName": "ObjectCreated:Put", "s3": {"s3SchemaVersion": "1.0",
        "bucket": {"name": world.destination_bucket}, "object": {"key": key}}}]});
    let mut f = verifier(&world, &[("MISSING_RETRIES", "0")]).await;

    // WHEN it is verified
    let out = f.invoke(&event).await.unwrap();

    // THEN the invocation succeeds (a final finding, so Lambda does not retry it forever), and
    // the finding says why in a short reason
    let response = out.into_response().unwrap();
    assert_eq!(response["notVerified"], 1, "{response}");
    assert_eq!(response["errors"], 0, "{response}");
    let lines = json_lines(&f);
    let rejected = verdict_lines(&lines, "Rejected");
    assert_eq!(rejected.len(), 1, "{lines:#?}");
    let reason = rejected[0]["reason"].as_str().unwrap();
    assert!(reason.len() <= 256 && reason.contains("400"), "{reason}");
    assert_eq!(emf_sum(&lines, "ReplicaCheckRejected"), 1.0);
}

#[tokio::test]
async fn an_event_for_the_null_version_verifies_that_version_not_the_latest() {
    // GIVEN a key written under KB before versioning was enabled (its version id is "null"),
    // then overwritten under another key once versioning is on
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    let s3 = &world.b.s3;
    let bucket = unique_name("null-version");
    world.track(Account::B, Resource::Bucket(bucket.clone()));
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let put = |key_arn: String| {
        s3.put_object()
            .bucket(&bucket)
            .key("k")
            .body(b"x".to_vec().into())
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(key_arn)
            .send()
    };
    put(world.destination_key_arn.clone()).await.unwrap();
    e2e_tests::world::enable_versioning(&world.b, &bucket)
        .await
        .unwrap();
    let other = world.b.kms.create_key().send().await.unwrap();
    let other = other.key_metadata.unwrap().arn.unwrap();
    world.track(Account::B, Resource::Key(other.clone()));
    put(other).await.unwrap();

    // WHEN S3 reports the null version
    let event = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3",
        "awsRegion": "us-east-1", "eventTime": "2026-11-29T05:00:00.000Z",
        "eventName": "ObjectCreated:Put", "s3": {"s3SchemaVersion": "1.0",
        "bucket": {"name": bucket}, "object": {"key": "k", "versionId": "null"}}}]});
    let mut f = verifier(&world, &[("REQUIRE_REPLICA_STATUS", "false")]).await;
    let response = f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN the null version is the one judged: under KB, verified (the latest is under another key)
    assert_eq!(response["verified"], 1, "{response}");
}

/// Issue 10: an `OperationFailedReplication` event's log line says where to look, from the
/// catalogue of every failure reason the S3 guide documents.
#[tokio::test]
async fn a_failed_replication_is_logged_with_its_probable_causes() {
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    let mut f = verifier(&world, &[]).await;
    let event: Value =
        serde_json::from_str(include_str!("../../../events/s3-replication-failed.json")).unwrap();
    f.invoke(&event).await.unwrap();
    let lines = json_lines(&f);
    let failed = lines
        .iter()
        .find(|l| {
            l["fields"]["message"] == "replication failed" || l["message"] == "replication failed"
        })
        .unwrap_or_else(|| panic!("no 'replication failed' line in {lines:#?}"));
    let text = failed.to_string();
    assert!(text.contains("DstKmsKeyNotFound"), "{text}");
    assert!(
        text.contains("step 6: the rule's ReplicaKmsKeyID"),
        "{text}"
    );
}

/// Issue 18, defect 2: S3 replicates SSE-C objects, so a replica in D can be SSE-C, not under
/// KB. HEAD without its key is a bare 400; the verifier asks GET, whose error says why, and
/// files a `NotKmsEncrypted` finding instead of `ReplicaCheckRejected`.
#[tokio::test]
async fn an_sse_c_object_in_d_is_not_kms_encrypted() {
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    let key = "sse-c.bin";
    // A 256-bit customer key (32 bytes of 7), base64, and the base64 of its MD5.
    let secret = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    let secret_md5 = "y4HAEFCYWuvAXWFTtA1Qpg==";
    let put = world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key(key)
        .body(b"x".to_vec().into())
        .sse_customer_algorithm("AES256")
        .sse_customer_key(secret)
        .sse_customer_key_md5(secret_md5)
        .send()
        .await
        .unwrap();
    let event = task_event(
        "2.0",
        &world.destination_bucket,
        key,
        put.version_id.as_deref(),
    )
    .unwrap();
    let mut f = verifier(&world, &[("MISSING_RETRIES", "0")]).await;
    let out = f.invoke(&event).await.unwrap().into_response().unwrap();
    let result = &out["results"][0];
    assert_eq!(result["resultCode"], "PermanentFailure", "{out}");
    let text = result["resultString"].as_str().unwrap();
    assert!(
        text.starts_with("NotKmsEncrypted") && text.contains("SSE-C"),
        "{text}"
    );
    let lines = json_lines(&f);
    assert_eq!(emf_sum(&lines, "ReplicaNotKmsEncrypted"), 1.0);
    assert_eq!(emf_sum(&lines, "ReplicaCheckRejected"), 0.0);
}
