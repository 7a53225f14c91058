//! replication-doctor end to end: the real CLI binary, with one AWS CLI profile per account,
//! on a world that our own setup function configured. Healthy as set up; then one thing broken
//! at a time, each named as the only finding with the right step and document.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod common;

use e2e_tests::doctor_cli::{self, DoctorRun};
use e2e_tests::world::create_key;
use serde_json::{Value, json};

use common::harness::Harness;

/// The doctor on `h`'s pair, with both accounts' profiles unless `one_account`.
fn run(h: &Harness, one_account: bool, json: bool) -> DoctorRun {
    doctor_cli::run(&h.world, Some(&h.world.queue_arn), one_account, json).unwrap()
}

/// A world configured by our resources, with default properties.
async fn configured() -> Harness {
    let mut h = Harness::new().await;
    h.create_destination().await;
    h.create_source().await;
    h
}

/// The doctor's one finding, checked for its step and document; the JSON report. Then the
/// cross-check: the emulator's own permission check (an independent reading of the same AWS
/// rules, in Python; in live mode, AWS itself) must agree, by replicating an object: FAILED
/// when the finding stops replication, COMPLETED when it does not (step 7, verification).
async fn only_finding(h: &Harness, step: u64, document: &str) -> Value {
    let run = run(h, false, true);
    let report = run.json().unwrap();
    assert_eq!(run.code, 1, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["step"], step, "{report:#}");
    assert!(
        findings[0]["document"].as_str().unwrap().contains(document),
        "{report:#}"
    );
    assert!(!findings[0]["fix"].as_str().unwrap().is_empty());
    let want = if step == 7 { "COMPLETED" } else { "FAILED" };
    assert_eq!(
        replication_outcome(h).await,
        want,
        "the emulator disagrees: {report:#}"
    );
    findings[0].clone()
}

/// Put an SSE-KMS object in S (S's default decides its Bucket Key); its final status, or
/// FAILED when not even the source object can be written (KA unusable).
async fn replication_outcome(h: &Harness) -> String {
    let w = &h.world;
    let key = e2e_tests::unique_name("cross-check");
    let version = match w.put_source_object(&key, "x").await {
        Ok(v) => v,
        Err(e) if format!("{e:?}").contains("KMSInvalidStateException") => {
            return "FAILED".to_owned();
        }
        Err(e) => panic!("{e:?}"),
    };
    let head = w
        .wait_for_source_status(&key, &version, common::harness::wait())
        .await
        .unwrap();
    head.replication_status.unwrap().as_str().to_owned()
}

#[tokio::test]
async fn a_pair_set_up_by_our_resources_is_healthy_in_text_and_json() {
    let h = configured().await;
    let text = run(&h, false, false);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(
        text.stdout.trim_end().ends_with("healthy"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains('✗'), "{}", text.stdout);
    let json = run(&h, false, true);
    assert_eq!(json.code, 0);
    let report = json.json().unwrap();
    assert_eq!(report["healthy"], true, "{report:#}");
    assert_eq!(report["findings"], json!([]));
    assert_eq!(
        replication_outcome(&h).await,
        "COMPLETED",
        "the emulator disagrees"
    );
}

#[tokio::test]
async fn with_one_accounts_credentials_it_says_what_it_could_not_check() {
    let h = configured().await;
    let run = run(&h, true, false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("--destination-profile"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('✗'), "{}", run.stdout);
}

#[tokio::test]
async fn kbs_statement_removed() {
    let h = configured().await;
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    only_finding(&h, 4, "KB's key policy").await;
}

#[tokio::test]
async fn kms_decrypt_removed_from_the_role() {
    let h = configured().await;
    h.edit_role_policy(|doc| {
        doc["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["Sid"] != "SourceKeyDecrypt");
    })
    .await;
    let finding = only_finding(&h, 2, "the replication role's policies").await;
    assert!(finding["problem"].as_str().unwrap().contains("kms:Decrypt"));
}

#[tokio::test]
async fn d_versioning_suspended() {
    let h = configured().await;
    let w = &h.world;
    w.b.s3
        .put_bucket_versioning()
        .bucket(&w.destination_bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    only_finding(&h, 1, "D's versioning").await;
}

#[tokio::test]
async fn kb_disabled_or_ka_scheduled_for_deletion() {
    let h = configured().await;
    let w = &h.world;
    w.b.kms
        .disable_key()
        .key_id(&w.destination_key_arn)
        .send()
        .await
        .unwrap();
    only_finding(&h, 4, "KB").await;
    let h = configured().await;
    let w = &h.world;
    w.a.kms
        .schedule_key_deletion()
        .key_id(&w.source_key_arn)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let finding = only_finding(&h, 3, "KA").await;
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .contains("cancel-key-deletion")
    );
}

#[tokio::test]
async fn the_replica_key_pointed_at_another_key() {
    let h = configured().await;
    let w = &h.world;
    let other = create_key(&w.b, "KX").await.unwrap();
    w.track(
        e2e_tests::accounts::Account::B,
        e2e_tests::cleanup::Resource::Key(other.clone()),
    );
    let mut config =
        w.a.s3
            .get_bucket_replication()
            .bucket(&w.source_bucket)
            .send()
            .await
            .unwrap()
            .replication_configuration
            .unwrap();
    let destination = config.rules[0].destination.as_mut().unwrap();
    destination.encryption_configuration = Some(
        aws_sdk_s3::types::EncryptionConfiguration::builder()
            .replica_kms_key_id(&other)
            .build(),
    );
    w.a.s3
        .put_bucket_replication()
        .bucket(&w.source_bucket)
        .replication_configuration(config)
        .send()
        .await
        .unwrap();
    let finding = only_finding(&h, 6, "S's replication configuration").await;
    assert!(finding["problem"].as_str().unwrap().contains(&other));
}

#[tokio::test]
async fn a_deny_in_ds_bucket_policy() {
    let h = configured().await;
    let w = &h.world;
    let mut policy = w.destination_bucket_policy().await.unwrap().unwrap();
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "NoReplicasFromOutside", "Effect": "Deny", "Principal": "*",
        "Action": "s3:ReplicateObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket),
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": e2e_tests::accounts::Account::B.id()}}}));
    w.b.s3
        .put_bucket_policy()
        .bucket(&w.destination_bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let finding = only_finding(&h, 5, "D's bucket policy").await;
    assert_eq!(finding["statement"], "NoReplicasFromOutside");
}

#[tokio::test]
async fn the_role_deleted_or_its_trust_broken() {
    let h = configured().await;
    let w = &h.world;
    let iam = &w.a.iam;
    iam.update_assume_role_policy()
        .role_name(&h.role_name)
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    only_finding(&h, 2, "trust policy").await;
    let name = w.role_policy_name().unwrap();
    iam.delete_role_policy()
        .role_name(&h.role_name)
        .policy_name(name)
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap();
    let finding = only_finding(&h, 2, "the replication role").await;
    assert!(
        finding["problem"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
}

#[tokio::test]
async fn the_notification_removed() {
    let h = configured().await;
    let w = &h.world;
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(aws_sdk_s3::types::NotificationConfiguration::builder().build())
        .send()
        .await
        .unwrap();
    only_finding(&h, 7, "D's notification configuration").await;
}

#[tokio::test]
async fn bucket_keys_on_s_with_a_role_policy_that_lacks_the_bucket_context() {
    let h = configured().await;
    let w = &h.world;
    e2e_tests::world::set_default_encryption(&w.a, &w.source_bucket, &w.source_key_arn, true)
        .await
        .unwrap();
    let healthy = run(&h, false, true);
    assert_eq!(
        healthy.code, 0,
        "our grants admit both contexts: {}",
        healthy.stdout
    );
    let source_objects = json!([format!("arn:aws:s3:::{}/*", w.source_bucket)]);
    h.edit_role_policy(|doc| {
        for statement in doc["Statement"].as_array_mut().unwrap() {
            if statement["Sid"] == "SourceKeyDecrypt" {
                statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] =
                    source_objects.clone();
            }
        }
    })
    .await;
    let finding = only_finding(&h, 2, "the replication role's policies").await;
    let expected = format!("arn:aws:s3:::{}", w.source_bucket);
    assert!(finding["problem"].as_str().unwrap().contains(&expected));
}
