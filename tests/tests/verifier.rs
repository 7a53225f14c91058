//! replica-verifier end to end: the real bootstrap, S3 -> SQS events from the emulator (or from
//! two real accounts in live mode, see `e2e_tests::target`), and metrics read back from the
//! emulator's CloudWatch or from EMF lines on stdout.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::time::Duration;

use aws_sdk_s3::types::ServerSideEncryption;
use e2e_tests::accounts::Account;
use e2e_tests::batch::{encode_key, task_event};
use e2e_tests::cleanup::Resource;
use e2e_tests::emulator::Emulator;
use e2e_tests::proxy::{Fault, FaultProxy};
use e2e_tests::runtime_api::{LambdaProcess, Outcome, binary_path};
use e2e_tests::target::{Target, emulator_only};
use e2e_tests::unique_name;
use e2e_tests::world::World;
use serde_json::{Value, json};

/// How long an object may take to replicate or notify (15 s on the emulator, minutes live).
fn wait() -> Duration {
    Target::shared().map_or(Duration::from_secs(15), Target::replication_wait)
}

async fn replicated_world() -> World {
    World::create_replicated(Target::shared().unwrap())
        .await
        .unwrap()
}

async fn verifier(world: &World, extra: &[(&str, &str)]) -> LambdaProcess {
    let mut env = world.b.lambda_env();
    env.push((
        "EXPECTED_KMS_KEY_ARN".into(),
        world.destination_key_arn.clone(),
    ));
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap()
}

fn json_lines(f: &LambdaProcess) -> Vec<Value> {
    f.stdout_lines()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn emf_sum(lines: &[Value], metric: &str) -> f64 {
    lines
        .iter()
        .filter(|l| l.get("_aws").is_some())
        .filter_map(|l| l.get(metric).and_then(Value::as_f64))
        .sum()
}

fn verdict_lines<'a>(lines: &'a [Value], verdict: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["verdict"] == verdict).collect()
}

async fn put_and_replicate(world: &World, keys: &[&str]) {
    for key in keys {
        let version = world.put_source_object(key, "payload").await.unwrap();
        let head = world
            .wait_for_source_status(key, &version, wait())
            .await
            .unwrap();
        assert_eq!(
            head.replication_status.unwrap().as_str(),
            "COMPLETED",
            "{key}"
        );
    }
}

/// Someone in B rewrites `key` in D under a new key KX: a new version, not a replica. Returns
/// KX's ARN.
async fn rewrite_under_a_new_key(world: &World, key: &str) -> String {
    let other_key = world
        .b
        .kms
        .create_key()
        .description("KX")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    world.track(Account::B, Resource::Key(other_key.clone()));
    world
        .b
        .s3
        .copy_object()
        .bucket(&world.destination_bucket)
        .key(key)
        .copy_source(format!("{}/{}", world.destination_bucket, encode_key(key)))
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id(&other_key)
        .send()
        .await
        .unwrap();
    other_key
}

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
async fn a_denied_head_object_fails_exactly_its_sqs_message() {
    if emulator_only(
        "a_denied_head_object_fails_exactly_its_sqs_message",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN two objects in D and an S3 endpoint that denies HeadObject on one of them
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    for key in ["allowed.txt", "denied.txt"] {
        world
            .b
            .s3
            .put_object()
            .bucket(&world.destination_bucket)
            .key(key)
            .body(b"x".to_vec().into())
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&world.destination_key_arn)
            .send()
            .await
            .unwrap();
    }
    let event = world.sqs_lambda_event(2, wait()).await.unwrap();
    let denied_id = event["Records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["body"].as_str().unwrap().contains("denied.txt"))
        .map(|r| r["messageId"].clone())
        .unwrap();
    let proxy = FaultProxy::start(Emulator::shared().unwrap().endpoint())
        .await
        .unwrap();
    proxy.add_fault(Fault {
        path_contains: "/denied.txt".into(),
        status: 403,
        code: "AccessDenied".into(),
    });

    // WHEN the batch is verified through that endpoint
    let mut f = verifier(
        &world,
        &[
            ("AWS_ENDPOINT_URL_S3", proxy.endpoint()),
            ("REQUIRE_REPLICA_STATUS", "false"),
        ],
    )
    .await;
    let response = f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN exactly the denied message is returned for retry, and each replica cost one call
    assert_eq!(
        response,
        json!({"batchItemFailures": [{"itemIdentifier": denied_id}]})
    );
    assert_eq!(proxy.traffic().calls().get("HEAD"), Some(&2));
    let lines = json_lines(&f);
    let errors = verdict_lines(&lines, "Error");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["reason"]
            .as_str()
            .unwrap()
            .contains("AccessDenied")
    );
    assert_eq!(emf_sum(&lines, "VerificationErrors"), 1.0);
    assert_eq!(emf_sum(&lines, "ReplicasVerified"), 1.0);

    // AND invoked directly, the same error fails the invocation so Lambda retries it
    let direct: Value = serde_json::from_str(
        event["Records"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["messageId"] == denied_id)
            .unwrap()["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let out = f.invoke(&direct).await.unwrap();
    assert!(
        matches!(&out, Outcome::Error { error_type, .. } if error_type == "TransientVerificationError"),
        "{out:?}"
    );
}

#[tokio::test]
async fn bad_configuration_stops_the_cold_start_with_the_variable_named() {
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    let mut env = world.b.lambda_env();
    env.push((
        "EXPECTED_KMS_KEY_ARN".into(),
        world.destination_key_arn.clone(),
    ));
    env.push(("METRICS_SINK".into(), "stdout".into()));
    let err = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("METRICS_SINK"), "{err:#}");
}

#[tokio::test]
async fn a_failed_put_metric_data_is_logged_and_its_metrics_written_as_emf() {
    if emulator_only(
        "a_failed_put_metric_data_is_logged_and_its_metrics_written_as_emf",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN a CloudWatch endpoint that fails every call, and an object to verify
    let world = World::create(Target::shared().unwrap()).await.unwrap();
    world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key("plain.txt")
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let event = world.sqs_lambda_event(1, wait()).await.unwrap();
    let proxy = FaultProxy::start(Emulator::shared().unwrap().endpoint())
        .await
        .unwrap();
    proxy.add_fault(Fault {
        path_contains: "/operation/PutMetricData".into(),
        status: 400,
        code: "InvalidParameterValue".into(),
    });

    // WHEN the verifier publishes with PutMetricData through it
    let mut f = verifier(
        &world,
        &[
            ("METRICS_SINK", "cloudwatch"),
            ("AWS_ENDPOINT_URL_CLOUDWATCH", proxy.endpoint()),
        ],
    )
    .await;
    f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN the failure is logged with what it carried, and the metrics still reach stdout as EMF
    let lines = json_lines(&f);
    let failure = lines
        .iter()
        .find(|l| {
            l["message"]
                .as_str()
                .is_some_and(|m| m.contains("PutMetricData failed"))
        })
        .unwrap();
    assert!(
        failure["metrics"]
            .as_str()
            .unwrap()
            .contains("ReplicaNotKmsEncrypted"),
        "{failure}"
    );
    assert_eq!(emf_sum(&lines, "ReplicaNotKmsEncrypted"), 1.0);
}

#[tokio::test]
async fn batch_operations_audit_answers_every_task_with_its_verdict() {
    // GIVEN D holding a verified replica, a replica rewritten under another key, and an object
    // written straight into D (SSE-S3)
    let world = replicated_world().await;
    let good = "audit/good report.txt";
    let rewritten = "audit/rewritten+file.txt";
    let good_version = world.put_source_object(good, "payload").await.unwrap();
    world
        .wait_for_source_status(good, &good_version, wait())
        .await
        .unwrap();
    put_and_replicate(&world, &[rewritten]).await;
    rewrite_under_a_new_key(&world, rewritten).await;
    let plain = "audit/plain.txt";
    world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key(plain)
        .body(b"x".to_vec().into())
        .send()
        .await
        .unwrap();
    let mut f = verifier(&world, &[("MISSING_RETRIES", "0")]).await;
    let d = world.destination_bucket.clone();
    let cases = [
        (
            encode_key(good),
            Some(good_version.as_str()),
            "Succeeded",
            "Verified",
        ),
        (
            encode_key(rewritten),
            None,
            "PermanentFailure",
            "WrongKey: ",
        ),
        (
            encode_key(plain),
            None,
            "PermanentFailure",
            "NotKmsEncrypted: encryption AES256",
        ),
        (
            "audit/gone.txt".to_owned(),
            None,
            "PermanentFailure",
            "Missing: ",
        ),
        (
            "audit/bad%ZZ".to_owned(),
            None,
            "PermanentFailure",
            "Unreadable: s3Key",
        ),
    ];

    for schema in ["1.0", "2.0"] {
        for (encoded, version, code, prefix) in &cases {
            // WHEN Batch Operations invokes the verifier with one task
            let event = task_event(schema, &d, encoded, *version).unwrap();
            let out = f.invoke(&event).await.unwrap().into_response().unwrap();

            // THEN the one result echoes the ids and names the verdict
            assert_eq!(out["invocationSchemaVersion"], schema);
            assert_eq!(out["invocationId"], event["invocationId"]);
            let result = &out["results"][0];
            assert_eq!(result["taskId"], event["tasks"][0]["taskId"], "{out}");
            assert_eq!(result["resultCode"], *code, "{schema} {encoded}: {out}");
            let text = result["resultString"].as_str().unwrap();
            assert!(text.starts_with(prefix), "{schema} {encoded}: {text}");
        }
    }

    // AND the metrics are counted as for any other input (both schemas)
    let lines = json_lines(&f);
    assert_eq!(emf_sum(&lines, "ReplicasVerified"), 2.0);
    assert_eq!(emf_sum(&lines, "ReplicaWrongKey"), 2.0);
    assert_eq!(emf_sum(&lines, "ReplicaNotKmsEncrypted"), 2.0);
    assert_eq!(emf_sum(&lines, "ReplicaMissing"), 2.0);
    assert_eq!(
        lines
            .iter()
            .filter(|l| l["message"] == "record unreadable")
            .count(),
        2,
        "an unreadable task is logged with its raw key"
    );
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
        serde_json::from_str(include_str!("../../events/s3-replication-failed.json")).unwrap();
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

/// The verifier under the destination template's own `VerifierRole` policy, in a new role.
async fn verifier_under_the_templates_role(
    world: &World,
    edit: impl Fn(&mut Vec<Value>),
) -> LambdaProcess {
    use e2e_tests::template;
    let path = e2e_tests::emulator::repo_root().join("infra/destination-account.yaml");
    let overrides = serde_json::Map::from_iter([
        (
            "DestinationBucket".to_owned(),
            json!(world.destination_bucket),
        ),
        (
            "DestinationKmsKeyArn".to_owned(),
            json!(world.destination_key_arn),
        ),
    ]);
    let mut policies = template::role_policies(&template::load(&path), "VerifierRole", &overrides);
    edit(&mut policies);
    let iam = &world.b.iam;
    let name = unique_name("verifier");
    iam.create_role()
        .role_name(&name)
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    world.track(Account::B, Resource::Role(name.clone()));
    for (i, policy) in policies.iter().enumerate() {
        iam.put_role_policy()
            .role_name(&name)
            .policy_name(format!("replica-verifier-{i}"))
            .policy_document(policy.to_string())
            .send()
            .await
            .unwrap();
    }
    let sts = aws_sdk_sts::Client::new(&world.b.config);
    let assumed = sts
        .assume_role()
        .role_arn(format!("arn:aws:iam::{}:role/{name}", Account::B.id()))
        .role_session_name("replica-verifier")
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let mut env: Vec<(String, String)> = world
        .b
        .lambda_env()
        .into_iter()
        .filter(|(k, _)| {
            !k.starts_with("AWS_ACCESS") && !k.starts_with("AWS_SECRET") && k != "AWS_SESSION_TOKEN"
        })
        .collect();
    env.extend([
        ("AWS_ACCESS_KEY_ID".to_owned(), assumed.access_key_id),
        (
            "AWS_SECRET_ACCESS_KEY".to_owned(),
            assumed.secret_access_key,
        ),
        ("AWS_SESSION_TOKEN".to_owned(), assumed.session_token),
        (
            "EXPECTED_KMS_KEY_ARN".to_owned(),
            world.destination_key_arn.clone(),
        ),
        ("MISSING_RETRIES".to_owned(), "0".to_owned()),
    ]);
    LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap()
}

/// Issue 18, defect 1: S3 answers a HeadObject of a missing key or version with 403, not 404,
/// to a caller without `s3:ListBucket` (S3 API Reference, HeadObject, "Permissions"). Under the
/// template's own role policy a replica deleted before it is verified is `Missing` (final), and
/// without the template's `MissingIsNotFound` statement it would be an error, retried into the
/// DLQ: the statement is what makes the verdict possible.
#[tokio::test]
async fn a_replica_deleted_before_verification_is_missing_under_the_templates_role() {
    if emulator_only(
        "a_replica_deleted_before_verification_is_missing_under_the_templates_role",
        "creates a role in account B",
    ) {
        return;
    }
    // GIVEN a replica that is deleted, by version, before the verifier reads it
    let world = replicated_world().await;
    let key = "deleted-early.txt";
    let version = world.put_source_object(key, "x").await.unwrap();
    let head = world
        .wait_for_source_status(key, &version, wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");
    world
        .b
        .s3
        .delete_object()
        .bucket(&world.destination_bucket)
        .key(key)
        .version_id(&version)
        .send()
        .await
        .unwrap();
    let event = task_event("2.0", &world.destination_bucket, key, Some(&version)).unwrap();

    // WHEN the verifier, under the template's role policy, audits it
    let mut f = verifier_under_the_templates_role(&world, |_| {}).await;
    let out = f.invoke(&event).await.unwrap().into_response().unwrap();
    // THEN it is Missing, a final verdict
    let result = &out["results"][0];
    assert_eq!(result["resultCode"], "PermanentFailure", "{out}");
    assert!(
        result["resultString"]
            .as_str()
            .unwrap()
            .starts_with("Missing"),
        "{out}"
    );

    // AND without the s3:ListBucket statement, S3's 403 makes it an error to retry
    let mut f = verifier_under_the_templates_role(&world, |policies| {
        for p in policies.iter_mut() {
            let kept: Vec<Value> = p["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["Sid"] != "MissingIsNotFound")
                .cloned()
                .collect();
            p["Statement"] = json!(kept);
        }
    })
    .await;
    let out = f.invoke(&event).await.unwrap().into_response().unwrap();
    assert_eq!(out["results"][0]["resultCode"], "TemporaryFailure", "{out}");
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
