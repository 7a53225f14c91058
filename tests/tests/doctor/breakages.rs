//! One thing broken at a time, each named as the only finding with the right step and document,
//! by the CLI, the scheduled check and a redeploy.

use e2e_tests::world::create_key;
use serde_json::json;

use crate::common::harness::{Harness, Side};
use crate::support::{Redeploy, configured, only_finding, remove_source_key_decrypt, run};

#[tokio::test]
async fn kbs_statement_removed() {
    let mut h = configured().await;
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    only_finding(
        &mut h,
        (4, "KB's key policy"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
}

#[tokio::test]
async fn kms_decrypt_removed_from_the_role() {
    let mut h = configured().await;
    remove_source_key_decrypt(&h).await;
    let finding = only_finding(
        &mut h,
        (2, "the replication role's policies"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(finding["problem"].as_str().unwrap().contains("kms:Decrypt"));
}

#[tokio::test]
async fn d_versioning_suspended() {
    let mut h = configured().await;
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
    let finding = only_finding(
        &mut h,
        (1, "D's versioning"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
    // The fix runs in B, where D is: pasted as printed, it acts there.
    let fix = finding["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("aws s3api put-bucket-versioning")
            && fix.ends_with("--profile b --region us-east-1"),
        "{fix}"
    );
}

#[tokio::test]
async fn kb_disabled_or_ka_scheduled_for_deletion() {
    let mut h = configured().await;
    let w = &h.world;
    w.b.kms
        .disable_key()
        .key_id(&w.destination_key_arn)
        .send()
        .await
        .unwrap();
    only_finding(&mut h, (4, "KB"), Side::Destination, Redeploy::Fails).await;
    let mut h = configured().await;
    let w = &h.world;
    w.a.kms
        .schedule_key_deletion()
        .key_id(&w.source_key_arn)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let finding = only_finding(&mut h, (3, "KA"), Side::Source, Redeploy::Fails).await;
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .contains("cancel-key-deletion")
    );
}

/// Rewrite the first rule's `ReplicaKmsKeyID` in S's replication configuration, by hand.
async fn point_replica_key_at(h: &Harness, key: &str) {
    let w = &h.world;
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
            .replica_kms_key_id(key)
            .build(),
    );
    w.a.s3
        .put_bucket_replication()
        .bucket(&w.source_bucket)
        .replication_configuration(config)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_replica_key_pointed_at_another_key_or_at_an_alias() {
    let mut h = configured().await;
    let w = &h.world;
    let other = create_key(&w.b, "KX").await.unwrap();
    w.track(
        e2e_tests::accounts::Account::B,
        e2e_tests::cleanup::Resource::Key(other.clone()),
    );
    point_replica_key_at(&h, &other).await;
    let finding = only_finding(
        &mut h,
        (6, "S's replication configuration"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(finding["problem"].as_str().unwrap().contains(&other));

    // An alias of KB itself, made in B: S3 resolves it in the role's account, A, where it
    // does not exist (the emulator then fails the object with DstKmsKeyNotFound).
    let w = &h.world;
    let alias = format!("alias/{}", e2e_tests::unique_name("kb"));
    w.b.kms
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&w.destination_key_arn)
        .send()
        .await
        .unwrap();
    point_replica_key_at(&h, &alias).await;
    let finding = only_finding(
        &mut h,
        (6, "S's replication configuration"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(
        finding["problem"]
            .as_str()
            .unwrap()
            .contains("not as a key ARN")
    );
    h.world
        .b
        .kms
        .delete_alias()
        .alias_name(&alias)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_deny_in_ds_bucket_policy() {
    let mut h = configured().await;
    let w = &h.world;
    let mut policy = w.destination_bucket_policy().await.unwrap().unwrap();
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "NoReplicasFromOutside", "Effect": "Deny", "Principal": "*",
        "Action": "s3:ReplicateObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket),
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": e2e_tests::accounts::Account::B.id()}}}));
    w.put_destination_bucket_policy(&policy).await.unwrap();
    let finding = only_finding(
        &mut h,
        (5, "D's bucket policy"),
        Side::Destination,
        Redeploy::Fails,
    )
    .await;
    assert_eq!(finding["statement"], "NoReplicasFromOutside");
}

#[tokio::test]
async fn the_role_deleted_or_its_trust_broken() {
    let mut h = configured().await;
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
    only_finding(&mut h, (2, "trust policy"), Side::Source, Redeploy::Repairs).await;
    let w = &h.world;
    let iam = &w.a.iam;
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
    let finding = only_finding(
        &mut h,
        (2, "the replication role"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(
        finding["problem"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
}

#[tokio::test]
async fn the_notification_removed() {
    let mut h = configured().await;
    let w = &h.world;
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(aws_sdk_s3::types::NotificationConfiguration::builder().build())
        .send()
        .await
        .unwrap();
    only_finding(
        &mut h,
        (7, "D's notification configuration"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
}

#[tokio::test]
async fn bucket_keys_on_s_with_a_role_policy_that_lacks_the_bucket_context() {
    let mut h = configured().await;
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
    let finding = only_finding(
        &mut h,
        (2, "the replication role's policies"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    let expected = format!("arn:aws:s3:::{}", h.world.source_bucket);
    assert!(finding["problem"].as_str().unwrap().contains(&expected));
}
