//! The verifier under the destination template's own role policy.

use e2e_tests::accounts::Account;
use e2e_tests::batch::task_event;
use e2e_tests::cleanup::Resource;
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::target::emulator_only;
use e2e_tests::template::{destination_template, verifier_env, world_parameters};
use e2e_tests::unique_name;
use e2e_tests::world::World;
use serde_json::{Value, json};

use crate::support::{emf_sum, json_lines, replicated_world, verdict_lines, wait};

/// The verifier under the destination template's own `VerifierRole` policy, in a new role.
async fn verifier_under_the_templates_role(
    world: &World,
    edit: impl Fn(&mut Vec<Value>),
) -> LambdaProcess {
    let overrides = world_parameters(world, &[]);
    let mut policies =
        e2e_tests::template::role_policies(&destination_template(), "VerifierRole", &overrides);
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

/// Issue 21 §3: the verifier's settings are the destination template's parameters. The
/// verifier runs with the environment the template gives it: with `RequireReplicaStatus`
/// left at `true`, an object written to D directly (no `REPLICA` mark) is `NotReplica`; with
/// the parameter `false`, the same object is `Verified`.
#[tokio::test]
async fn the_templates_verifier_parameters_reach_the_verifier() {
    let world = replicated_world().await;
    let key = "written-directly.txt";
    let put = world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key(key)
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"direct"))
        .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
        .ssekms_key_id(&world.destination_key_arn)
        .send()
        .await
        .unwrap();
    let event = task_event("2.0", &world.destination_bucket, key, put.version_id()).unwrap();
    let yaml = destination_template();
    for (require, verdict) in [("true", "NotReplica"), ("false", "Verified")] {
        let overrides = world_parameters(
            &world,
            &[("RequireReplicaStatus", require), ("MissingRetries", "0")],
        );
        let env = verifier_env(&world, &yaml, &overrides);
        assert!(
            env.iter()
                .any(|(k, v)| k == "REQUIRE_REPLICA_STATUS" && v == require),
            "{env:?}"
        );
        let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
            .await
            .unwrap();
        let out = f.invoke(&event).await.unwrap().into_response().unwrap();
        let result = out["results"][0]["resultString"]
            .as_str()
            .unwrap_or_default();
        assert!(
            result.starts_with(verdict),
            "RequireReplicaStatus={require}: {out}"
        );
    }
}

/// Issue 21 §2: the destination template's `VerifiedPrefixes` reaches the verifier as
/// `VERIFY_PREFIXES`. An object written to D outside the prefix (a report, say) is skipped: no
/// verdict, `EventsSkipped{Reason=OutOfScope}`; a replica inside it (its key URL-encoded in
/// the notification, as S3 sends it) is verified; an audit task outside it succeeds as skipped.
#[tokio::test]
async fn the_templates_verified_prefixes_skip_objects_outside_them() {
    use e2e_tests::batch::encode_key;
    // GIVEN a replica under `in scope/` and a report written to D directly, outside it
    let world = replicated_world().await;
    let replica = "in scope/replica.txt";
    let replica_version = world.put_source_object(replica, "x").await.unwrap();
    let head = world
        .wait_for_source_status(replica, &replica_version, wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");
    let report = "reports/audit.csv";
    let put = world
        .b
        .s3
        .put_object()
        .bucket(&world.destination_bucket)
        .key(report)
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"direct"))
        .send()
        .await
        .unwrap();
    let report_version = put.version_id().unwrap().to_owned();

    // AND the verifier with the environment the template gives it for VerifiedPrefixes
    let overrides = world_parameters(
        &world,
        &[("VerifiedPrefixes", "in scope/"), ("MissingRetries", "0")],
    );
    let env = verifier_env(&world, &destination_template(), &overrides);
    assert!(
        env.iter()
            .any(|(k, v)| k == "VERIFY_PREFIXES" && v == "in scope/"),
        "{env:?}"
    );
    let mut f = LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap();

    // WHEN S3 notifies both objects
    let record = |key: &str, version: &str| {
        json!({"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "eventTime": "2026-01-01T00:00:00.000Z",
            "s3": {"bucket": {"name": world.destination_bucket},
                   "object": {"key": encode_key(key), "versionId": version}}})
    };
    let event =
        json!({"Records": [record(replica, &replica_version), record(report, &report_version)]});
    let out = f.invoke(&event).await.unwrap().into_response().unwrap();

    // THEN the replica is verified and the report is skipped as out of scope, not judged
    assert_eq!(
        (&out["verified"], &out["notVerified"], &out["outOfScope"]),
        (&json!(1), &json!(0), &json!(1)),
        "{out}"
    );
    let lines = json_lines(&f);
    assert_eq!(emf_sum(&lines, "ReplicasVerified"), 1.0);
    assert_eq!(emf_sum(&lines, "ReplicaNotReplica"), 0.0);
    let out_of_scope: f64 = lines
        .iter()
        .filter(|l| l.get("_aws").is_some() && l["Reason"] == "OutOfScope")
        .filter_map(|l| l["EventsSkipped"].as_f64())
        .sum();
    assert_eq!(out_of_scope, 1.0, "{lines:?}");
    assert!(verdict_lines(&lines, "NotReplica").is_empty(), "{lines:?}");

    // AND an audit task over the report succeeds, saying it was skipped
    let task = task_event(
        "2.0",
        &world.destination_bucket,
        report,
        Some(&report_version),
    )
    .unwrap();
    let out = f.invoke(&task).await.unwrap().into_response().unwrap();
    assert_eq!(out["results"][0]["resultCode"], "Succeeded", "{out}");
    assert!(
        out["results"][0]["resultString"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Skipped: OutOfScope"),
        "{out}"
    );
}
