//! Smoke test, end to end on the emulator: replication configured with plain SDK calls
//! replicates an SSE-KMS object across accounts under the destination key, and the
//! destination's S3 -> SQS notification delivers the replica's event.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::time::Duration;

use e2e_tests::target::Target;
use e2e_tests::world::World;
use serde_json::json;

#[tokio::test]
async fn sse_kms_object_replicates_across_accounts_under_the_destination_key() {
    // GIVEN the two accounts' buckets, keys and notification queue, and a replication rule
    let world = World::create_replicated(Target::shared().unwrap())
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

/// The S3 User Guide, "Using an S3 Bucket Key with replication" (example 1) and "S3 Bucket Keys
/// and replication": a Bucket Key source object keeps its Bucket Key in the replica, whose KMS
/// context is D's bucket ARN, and S3 then needs `kms:Decrypt` on the replica key as well as
/// `kms:Encrypt`. A source object without one gets none, whatever D's default says.
#[tokio::test]
async fn a_bucket_key_object_needs_bucket_arn_contexts_and_decrypt_on_the_replica_key() {
    use e2e_tests::world::{append_key_statement, set_default_encryption};
    let world = World::create_replicated(Target::shared().unwrap())
        .await
        .unwrap();
    set_default_encryption(
        &world.b,
        &world.destination_bucket,
        &world.destination_key_arn,
        true,
    )
    .await
    .unwrap();

    // GIVEN the hand-made role, which admits only object-ARN contexts
    // WHEN a Bucket Key object is put in S THEN it fails (KA's context is S's bucket ARN)
    assert_eq!(replicate(&world, "bk-1", true).await, "FAILED");

    // GIVEN a role that admits both contexts of each bucket, but only kms:Encrypt on KB
    let (s, d) = (&world.source_bucket, &world.destination_bucket);
    let contexts = |b: &str| json!([format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")]);
    let mut policy = world.replication_role_policy();
    policy["Statement"][3]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] =
        contexts(s);
    policy["Statement"][4]["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] =
        contexts(d);
    let role_name = replication_role_name(&world).await;
    put_role_policy(&world, &role_name, &policy).await;
    // WHEN a Bucket Key object is put THEN its replica (a Bucket Key one) is refused
    assert_eq!(
        replicate(&world, "bk-2", true).await,
        "FAILED",
        "kms:Decrypt on KB is required"
    );
    // AND an object without a Bucket Key replicates without one, despite D's default
    assert_eq!(replicate(&world, "plain", false).await, "COMPLETED");
    let replica = world
        .b
        .s3
        .head_object()
        .bucket(d)
        .key("plain")
        .send()
        .await
        .unwrap();
    assert_ne!(replica.bucket_key_enabled, Some(true));

    // GIVEN kms:Decrypt on KB, in the role policy and in KB's key policy
    policy["Statement"][4]["Action"] = json!(["kms:Encrypt", "kms:Decrypt"]);
    put_role_policy(&world, &role_name, &policy).await;
    let decrypt = json!({"Sid": "ReplicaDecrypt", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{}:root", e2e_tests::accounts::Account::A.id())},
        "Action": "kms:Decrypt", "Resource": "*"});
    append_key_statement(&world.b, &world.destination_key_arn, decrypt)
        .await
        .unwrap();
    // WHEN a Bucket Key object is put THEN it replicates, and the replica has a Bucket Key
    assert_eq!(replicate(&world, "bk-3", true).await, "COMPLETED");
    let replica = world
        .b
        .s3
        .head_object()
        .bucket(d)
        .key("bk-3")
        .send()
        .await
        .unwrap();
    assert_eq!(replica.bucket_key_enabled, Some(true));
}

/// Put a source object with or without a Bucket Key; its final replication status.
async fn replicate(world: &World, key: &str, bucket_key: bool) -> String {
    let version = world
        .put_source_object_with(key, "x", Some(bucket_key))
        .await
        .unwrap();
    let head = world
        .wait_for_source_status(key, &version, Duration::from_secs(10))
        .await
        .unwrap();
    head.replication_status.unwrap().as_str().to_owned()
}

async fn replication_role_name(world: &World) -> String {
    let config = world
        .a
        .s3
        .get_bucket_replication()
        .bucket(&world.source_bucket)
        .send()
        .await
        .unwrap()
        .replication_configuration
        .unwrap();
    config.role().rsplit('/').next().unwrap().to_owned()
}

async fn put_role_policy(world: &World, role: &str, policy: &serde_json::Value) {
    world
        .a
        .iam
        .put_role_policy()
        .role_name(role)
        .policy_name("replication")
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
}

/// The S3 User Guide, "Setting up permissions": without `s3:GetObjectVersionTagging`, "it
/// replicates the objects, but not the object tags".
#[tokio::test]
async fn without_permission_to_read_tags_an_object_replicates_without_them() {
    let world = World::create_replicated(Target::shared().unwrap())
        .await
        .unwrap();
    let mut policy = world.replication_role_policy();
    policy["Statement"][1]["Action"] = json!([
        "s3:GetObjectVersionForReplication",
        "s3:GetObjectVersionAcl"
    ]);
    let role_name = replication_role_name(&world).await;
    put_role_policy(&world, &role_name, &policy).await;
    let version = world
        .put_source_object_tagged("tagged", "x", "team=finance")
        .await
        .unwrap();
    let head = world
        .wait_for_source_status("tagged", &version, Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");
    let tags = world
        .b
        .s3
        .get_object_tagging()
        .bucket(&world.destination_bucket)
        .key("tagged")
        .send()
        .await
        .unwrap();
    assert!(tags.tag_set().is_empty());
}

/// The IAM User Guide, "The confused deputy problem": a trust policy conditioned on
/// `aws:SourceAccount` and `aws:SourceArn` admits S3 only when it acts for that account and
/// bucket. The emulator supplies both keys when S3 assumes the replication role.
#[tokio::test]
async fn a_trust_policy_for_another_source_bucket_stops_replication() {
    let world = World::create_replicated(Target::shared().unwrap())
        .await
        .unwrap();
    let role_name = replication_role_name(&world).await;
    let trust = |source_arn: String| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": world.a.account.id()},
                          "ArnLike": {"aws:SourceArn": source_arn}}}]})
    };
    for (source_arn, want) in [
        ("arn:aws:s3:::some-other-bucket".to_owned(), "FAILED"),
        (format!("arn:aws:s3:::{}", world.source_bucket), "COMPLETED"),
    ] {
        world
            .a
            .iam
            .update_assume_role_policy()
            .role_name(&role_name)
            .policy_document(trust(source_arn.clone()).to_string())
            .send()
            .await
            .unwrap();
        let key = format!("trusted-for-{}", source_arn.len());
        assert_eq!(replicate(&world, &key, false).await, want, "{source_arn}");
    }
}
