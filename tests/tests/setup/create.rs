//! Create, repeat and Delete of a pair: what is written, what is kept, what replicates, and
//! how many AWS calls it takes.

use aws_sdk_s3::types::BucketVersioningStatus;
use e2e_tests::accounts::Account;
use e2e_tests::target::emulator_only;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE, ours, statements, wait};
use crate::support::extra_bucket;

#[tokio::test]
async fn destination_then_source_configures_replication_and_delete_restores_what_was_there() {
    // GIVEN unversioned buckets and policies that already hold foreign statements
    let mut h = Harness::new().await;
    h.add_foreign_statements().await;
    let before = h.snapshot().await;

    // WHEN the destination, then the source are created
    let dst = h.create_destination().await;
    let src = h.create_source().await;

    // THEN both buckets are versioned, and Data carries the outputs
    let w = &h.world;
    for (c, bucket) in [(&w.a, &w.source_bucket), (&w.b, &w.destination_bucket)] {
        let v =
            c.s3.get_bucket_versioning()
                .bucket(bucket)
                .send()
                .await
                .unwrap();
        assert_eq!(v.status, Some(BucketVersioningStatus::Enabled), "{bucket}");
    }
    assert_eq!(src["Data"]["RoleArn"], h.role_arn().as_str());
    assert_eq!(src["Data"]["SourceVersioningWasEnabled"], "false");
    assert_eq!(
        dst["Data"]["DestinationKmsKeyArn"],
        w.destination_key_arn.as_str()
    );
    let rule_id = src["Data"]["RuleIds"].as_str().unwrap().to_owned();

    // AND every foreign statement survives unchanged, in order, next to ours
    let after = h.snapshot().await;
    for doc in ["bucketPolicy", "kb", "ka"] {
        let foreign: Vec<Value> = statements(&after[doc])
            .into_iter()
            .filter(|s| {
                !s["Sid"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("S3KmsReplication")
            })
            .collect();
        assert_eq!(foreign, statements(&before[doc]), "{doc}");
        assert!(ours(&after[doc]) > 0, "{doc} has none of our statements");
    }
    assert_eq!(after["bucketPolicy"]["Id"], "corp-guardrails");

    // AND the role's policy is least privilege, without wildcards or GetObjectVersion
    let role_policy = after["rolePolicy"].as_str().unwrap();
    let decoded = role_policy
        .replace("%3A", ":")
        .replace("%2F", "/")
        .replace("%2A", "*");
    assert!(
        decoded.contains("s3:GetObjectVersionForReplication"),
        "{decoded}"
    );
    assert!(!decoded.contains("\"s3:GetObjectVersion\""));
    assert!(!decoded.contains("s3:*") && !decoded.contains("kms:*"));

    // AND replication works end to end under KB
    h.assert_replicates("after create/report 1.csv").await;

    // WHEN both Creates are repeated THEN nothing changes
    h.create_destination().await;
    h.create_source().await;
    assert_eq!(h.snapshot().await, after);

    // WHEN both are deleted THEN what was there before is back, and a second Delete succeeds
    let src_id = src["PhysicalResourceId"].as_str().map(str::to_owned);
    let dst_id = dst["PhysicalResourceId"].as_str().map(str::to_owned);
    for _ in 0..2 {
        let props = h.source_props();
        let a = h.send("Delete", SOURCE, props, src_id.clone()).await;
        assert_eq!(a["Status"], "SUCCESS", "{a}");
        let props = h.destination_props();
        let b = h.send("Delete", DESTINATION, props, dst_id.clone()).await;
        assert_eq!(b["Status"], "SUCCESS", "{b}");
    }
    let gone = h.snapshot().await;
    assert_eq!(gone["bucketPolicy"], before["bucketPolicy"]);
    assert_eq!(gone["kb"], before["kb"]);
    assert_eq!(gone["ka"], before["ka"]);
    assert_eq!(
        gone["replication"],
        Value::Null,
        "our only rule {rule_id} is gone"
    );
    assert!(
        h.world
            .a
            .iam
            .get_role()
            .role_name(&h.role_name)
            .send()
            .await
            .is_err(),
        "role deleted"
    );
    // Versioning is never suspended.
    let v = h
        .world
        .b
        .s3
        .get_bucket_versioning()
        .bucket(&h.world.destination_bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(v.status, Some(BucketVersioningStatus::Enabled));
}

#[tokio::test]
async fn two_replications_out_of_one_bucket_keep_their_own_grants_and_deleting_one_keeps_the_other()
{
    // GIVEN S -> D configured with the default whole-bucket rule
    let mut h = Harness::new().await;
    h.create_destination().await;
    let first = h.source_props();
    let created = h.send("Create", SOURCE, first.clone(), None).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let first_policy = h.world.role_policy_name().unwrap();
    assert_eq!(created["Data"]["RolePolicyName"], first_policy.as_str());

    // WHEN a second replication out of S, to D2 in B, is configured, also with the default
    // rule (whose priority 1 the first one has: it moves to 2)
    let d2 = extra_bucket(&h.world, Account::B).await;
    let mut dest2 = h.destination_props();
    dest2["DestinationBucket"] = json!(d2);
    dest2
        .as_object_mut()
        .unwrap()
        .remove("NotificationQueueArn");
    let answer = h.send("Create", DESTINATION, dest2, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let mut second = h.source_props();
    second["DestinationBucket"] = json!(d2);
    let created2 = h.send("Create", SOURCE, second.clone(), None).await;
    assert_eq!(created2["Status"], "SUCCESS", "{created2}");
    let rules = h.world.source_replication_rules().await.unwrap();
    let priorities: Vec<_> = rules.iter().map(|r| (r.id(), r.priority())).collect();
    let first_id = created["Data"]["RuleIds"].as_str().unwrap();
    let second_id = created2["Data"]["RuleIds"].as_str().unwrap();
    assert_eq!(
        priorities,
        vec![(Some(first_id), Some(1)), (Some(second_id), Some(2))]
    );
    // AND a repeat of either changes nothing
    let again = h.send("Create", SOURCE, second.clone(), None).await;
    assert_eq!(again["Status"], "SUCCESS", "{again}");
    assert_eq!(h.world.source_replication_rules().await.unwrap(), rules);

    // THEN the shared role holds one inline policy per pair, and every object goes to both
    let policies = |h: &Harness| {
        let iam = h.world.a.iam.clone();
        let role = h.role_name.clone();
        async move {
            let out = iam.list_role_policies().role_name(role).send().await;
            out.map(|o| o.policy_names).unwrap_or_default()
        }
    };
    let second_policy = created2["Data"]["RolePolicyName"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut expected = vec![first_policy.clone(), second_policy.clone()];
    expected.sort();
    let mut names = policies(&h).await;
    names.sort();
    assert_eq!(names, expected);
    let both = [h.world.destination_bucket.as_str(), d2.as_str()];
    h.assert_replicates_to("fan out/to both.txt", &both).await;

    // WHEN the first pair is deleted
    let id = created["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", SOURCE, first, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");

    // THEN the role and the second pair's policy stay, and the second replication still works
    assert_eq!(policies(&h).await, vec![second_policy]);
    h.assert_replicates_to("after the first is gone.txt", &[&d2])
        .await;

    // WHEN the second pair is deleted THEN the role we created goes too
    let id = created2["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", SOURCE, second, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let role = h
        .world
        .a
        .iam
        .get_role()
        .role_name(&h.role_name)
        .send()
        .await;
    assert!(role.is_err(), "role deleted with its last pair");
}

/// Issue 8, defect 1: with no property set, objects with and without S3 Bucket Keys replicate,
/// from a source whose default encryption uses them into a destination whose default does too
/// (the S3 User Guide, "S3 Bucket Keys and replication").
#[tokio::test]
async fn objects_with_and_without_bucket_keys_replicate_with_default_properties() {
    use e2e_tests::world::set_default_encryption;
    // GIVEN S and D whose default encryption uses S3 Bucket Keys
    let mut h = Harness::new().await;
    let w = &h.world;
    set_default_encryption(&w.a, &w.source_bucket, &w.source_key_arn, true)
        .await
        .unwrap();
    set_default_encryption(&w.b, &w.destination_bucket, &w.destination_key_arn, true)
        .await
        .unwrap();
    // WHEN both sides are created with the default properties
    let destination = h.create_destination().await;
    let source = h.create_source().await;
    // THEN each reports its bucket's default encryption
    assert_eq!(
        destination["Data"]["DestinationDefaultEncryption"],
        "aws:kms"
    );
    assert_eq!(destination["Data"]["DestinationBucketKeyEnabled"], "true");
    assert_eq!(
        destination["Data"]["DestinationDefaultKmsKeyId"],
        h.world.destination_key_arn.as_str()
    );
    assert_eq!(source["Data"]["SourceBucketKeyEnabled"], "true");
    // AND objects with a Bucket Key (S's default, or the write's header) and without one all
    // replicate under KB, each replica keeping the source's Bucket Key setting
    let w = &h.world;
    for (key, header, want) in [
        ("default.txt", None, true),
        ("with-header.txt", Some(true), true),
        ("without.txt", Some(false), false),
    ] {
        let version = w.put_source_object_with(key, "x", header).await.unwrap();
        let head = w
            .wait_for_source_status(key, &version, wait())
            .await
            .unwrap();
        assert_eq!(head.bucket_key_enabled.unwrap_or(false), want, "{key}");
        assert_eq!(
            head.replication_status.unwrap().as_str(),
            "COMPLETED",
            "{key}"
        );
        let replica =
            w.b.s3
                .head_object()
                .bucket(&w.destination_bucket)
                .key(key)
                .send()
                .await
                .unwrap();
        assert_eq!(replica.bucket_key_enabled.unwrap_or(false), want, "{key}");
        assert_eq!(
            replica.ssekms_key_id.as_deref(),
            Some(w.destination_key_arn.as_str())
        );
    }
}

/// `BucketKeyEnabled: false` narrows the grants; beside a Bucket Key default it is refused.
#[tokio::test]
async fn narrowing_to_object_contexts_beside_a_bucket_key_default_is_refused() {
    use e2e_tests::world::set_default_encryption;
    let mut h = Harness::new().await;
    let w = &h.world;
    set_default_encryption(&w.b, &w.destination_bucket, &w.destination_key_arn, true)
        .await
        .unwrap();
    let mut props = h.destination_props();
    props["BucketKeyEnabled"] = json!("false");
    let answer = h.send("Create", DESTINATION, props, None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("BucketKeyEnabled") && reason.contains("DestinationBucket"),
        "{reason}"
    );
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
}

#[tokio::test]
async fn the_destination_policy_lets_a_replicate_but_not_change_ds_versioning() {
    // GIVEN the destination resource created in B
    let mut h = Harness::new().await;
    h.create_destination().await;

    // WHEN D's bucket policy is read back
    let policy = h.world.destination_bucket_policy().await.unwrap().unwrap();
    let granted: Vec<String> = statements(&policy)
        .iter()
        .filter(|s| {
            s["Sid"]
                .as_str()
                .is_some_and(|sid| sid.starts_with("S3KmsReplication"))
        })
        .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();

    // THEN A's role may replicate into D but not suspend D's versioning, and replication works
    assert!(
        granted.contains(&"s3:ReplicateObject".to_owned()),
        "{granted:?}"
    );
    assert!(
        !granted.contains(&"s3:PutBucketVersioning".to_owned()),
        "{granted:?}"
    );
    h.create_source().await;
    h.assert_replicates("least-privilege/ok.txt").await;
}

#[tokio::test]
async fn single_stack_mode_configures_both_accounts_through_the_access_role() {
    let mut h = Harness::new().await;
    let mut props = h.source_props();
    props["DestinationAccessRoleArn"] = json!(format!(
        "arn:aws:iam::{}:role/replication-admin",
        Account::B.id()
    ));
    let answer = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert!(ours(&h.world.destination_bucket_policy().await.unwrap().unwrap()) > 0);
    h.assert_replicates("single stack.txt").await;

    let id = answer["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", SOURCE, props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
    assert_eq!(
        ours(
            &h.world
                .key_policy(&h.world.destination_key_arn)
                .await
                .unwrap()
        ),
        0
    );
}

#[tokio::test]
async fn api_calls_per_create_are_counted_and_a_repeat_only_reads() {
    if emulator_only(
        "api_calls_per_create_are_counted_and_a_repeat_only_reads",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN both functions behind a counting proxy (every AWS call; the answer PUT goes to the
    // pre-signed URL directly)
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL").await;
    let mut counts = Vec::new();
    for side in ["destination", "source", "destination again", "source again"] {
        proxy.traffic().reset_calls();
        let started = std::time::Instant::now();
        if side.starts_with("destination") {
            h.create_destination().await;
        } else {
            h.create_source().await;
        }
        let n: u64 = proxy.traffic().calls().values().sum();
        eprintln!(
            "Create {side}: {n} AWS calls, {} ms",
            started.elapsed().as_millis()
        );
        counts.push(n);
    }
    // THEN a first Create reads and writes each document once; a repeat only reads:
    // destination: GetBucketLocation, DescribeKey, GetBucketEncryption, Get/PutBucketVersioning,
    //   Get/PutBucketPolicy, Get/PutKeyPolicy, Get/PutBucketNotificationConfiguration;
    // source: GetBucketLocation, DescribeKey, GetBucketEncryption, GetObjectLockConfiguration,
    //   Get/PutBucketVersioning, GetRole, CreateRole, GetRolePolicy, PutRolePolicy,
    //   Get/PutKeyPolicy, Get/PutBucketReplication.
    assert_eq!(counts, vec![11, 14, 7, 9]);
}
