//! replication-setup end to end: the real bootstrap answers CloudFormation requests at
//! pre-signed emulator URLs, and the emulator's documents and replication prove the result.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod common;

use std::time::Duration;

use aws_sdk_s3::types::BucketVersioningStatus;
use e2e_tests::accounts::{Account, Clients};
use e2e_tests::cfn::Request;
use e2e_tests::cleanup::Resource;
use e2e_tests::proxy::Fault;
use e2e_tests::target::emulator_only;
use e2e_tests::unique_name;
use e2e_tests::world::{World, create_key, foreign_replication_rule, s3_queue, s3_trust_policy};
use serde_json::{Value, json};

use common::harness::{DESTINATION, Harness, SOURCE, ours, statements, wait};

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

/// Issue 8, defect 2: S3 refuses overlapping notification configurations, so every pair into D
/// shares one configuration per queue, which goes with the last pair.
#[tokio::test]
async fn two_sources_into_one_destination_share_one_notification_configuration() {
    // GIVEN the first pair's destination resource, with the verifier's queue
    let mut h = Harness::new().await;
    let first = h.create_destination().await;
    // WHEN a second source bucket's destination resource names the same queue
    let mut second_props = h.destination_props();
    second_props["SourceBucket"] = json!(unique_name("second-src"));
    let second = h
        .send("Create", DESTINATION, second_props.clone(), None)
        .await;
    // THEN it succeeds (a second configuration would overlap the first) and joins the first
    assert_eq!(second["Status"], "SUCCESS", "{second}");
    let queue = h.world.queue_arn.clone();
    let shared = h.queue_notifications().await;
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].1, queue);
    // AND deleting the first pair keeps it for the second; deleting the second removes it
    let props = h.destination_props();
    let id = first["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", DESTINATION, props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let left = h.queue_notifications().await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_ne!(
        left[0].0, shared[0].0,
        "the Id lists the pairs still using it"
    );
    let id = second["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", DESTINATION, second_props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(h.queue_notifications().await.is_empty());
}

/// Issue 8, defect 2: a foreign configuration that overlaps ours fails the Create with a Reason
/// that names it; it is never dropped and never duplicated.
#[tokio::test]
async fn an_overlapping_foreign_notification_fails_the_create_and_is_kept() {
    // GIVEN D already sends its object-created events somewhere else (a queue S3 may send to:
    // AWS validates every destination)
    let mut h = Harness::new().await;
    let w = &h.world;
    let (ingest_url, ingest_arn) = s3_queue(&w.b, "ingest").await.unwrap();
    w.track(Account::B, Resource::Queue(ingest_url));
    let foreign = aws_sdk_s3::types::QueueConfiguration::builder()
        .id("data-lake-ingest")
        .queue_arn(ingest_arn)
        .events(aws_sdk_s3::types::Event::from("s3:ObjectCreated:Put"))
        .build()
        .unwrap();
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .queue_configurations(foreign)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let before = h.queue_notifications().await;
    // WHEN our destination resource with a queue is created
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props, None).await;
    // THEN it fails, naming the configuration and the way out
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("NotificationQueueArn")
            && reason.contains("data-lake-ingest")
            && reason.contains("EventBridge"),
        "{reason}"
    );
    // AND nothing was written: the foreign configuration is as it was, no policy, and the
    // failed-create marker keeps the rollback Delete from touching anything
    assert!(
        answer["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with(MARKER)
    );
    assert_eq!(h.queue_notifications().await, before);
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
}

/// A foreign entry of D's notification configuration whose queue was deleted: S3 validates every
/// destination on each write (400 InvalidArgument "Unable to validate the following destination
/// configurations", recorded on AWS; tests/conformance), so our Create fails. It fails before any
/// other write, naming the entry and its owner's fix; a Delete still takes our entry out.
#[tokio::test]
async fn a_stale_foreign_notification_is_named_and_does_not_block_a_delete() {
    // GIVEN our destination resource, and another team's entry added to D's configuration later
    let mut h = Harness::new().await;
    let created = h.create_destination().await;
    let w = &h.world;
    let (ingest_url, ingest_arn) = s3_queue(&w.b, "ingest").await.unwrap();
    let mut config =
        w.b.s3
            .get_bucket_notification_configuration()
            .bucket(&w.destination_bucket)
            .send()
            .await
            .unwrap();
    let mut queues = config.queue_configurations.take().unwrap_or_default();
    queues.push(
        aws_sdk_s3::types::QueueConfiguration::builder()
            .id("data-lake-deletes")
            .queue_arn(&ingest_arn)
            .events(aws_sdk_s3::types::Event::from("s3:ObjectRemoved:*"))
            .build()
            .unwrap(),
    );
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .set_queue_configurations(Some(queues))
                .build(),
        )
        .send()
        .await
        .unwrap();
    // AND that team's queue is deleted, its entry left behind
    w.b.sqs
        .delete_queue()
        .queue_url(ingest_url)
        .send()
        .await
        .unwrap();
    let before = h.queue_notifications().await;
    assert_eq!(before.len(), 2, "{before:?}");

    // WHEN a second pair into D is created (its Create must write D's configuration)
    let mut second = h.destination_props();
    second["SourceBucket"] = json!(unique_name("second-src"));
    let answer = h.send("Create", DESTINATION, second, None).await;
    // THEN it fails, naming the foreign entry, its queue, why and whose fix it is
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    for needed in [
        "data-lake-deletes",
        ingest_arn.as_str(),
        "does not exist",
        "not ours",
    ] {
        assert!(reason.contains(needed), "{needed:?} in {reason}");
    }
    // AND nothing changed: the configuration is as it was
    assert_eq!(h.queue_notifications().await, before);

    // WHEN the first pair is deleted
    let props = h.destination_props();
    let id = created["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", DESTINATION, props, id).await;
    // THEN it succeeds: our entry is gone, the foreign one is kept as it was
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let left = h.queue_notifications().await;
    assert_eq!(left, vec![("data-lake-deletes".to_owned(), ingest_arn)]);
}

/// On AWS the source cannot write its rule before D exists and is versioned: PutBucketReplication
/// answers 400 InvalidRequest "Destination bucket must have versioning enabled." (recorded in
/// LocalStack's `test_replication_config_without_filter`; tests/conformance). Two stacks deployed
/// at once still converge: the source waits, within its deadline, for the destination's Create.
#[tokio::test]
async fn source_first_waits_for_the_destination_deployed_meanwhile() {
    // GIVEN both stacks deploy at once, the destination's Create starting 2 s after the source's
    let mut h = Harness::new().await;
    let (source_props, destination_props) = (h.source_props(), h.destination_props());
    let Harness {
        responses,
        in_a,
        in_b,
        ..
    } = &mut h;
    let source = responses.send(
        in_a,
        Request {
            request_type: "Create",
            resource_type: SOURCE,
            properties: source_props,
            old_properties: None,
            physical_id: None,
        },
    );
    let destination = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        responses
            .send(
                in_b,
                Request {
                    request_type: "Create",
                    resource_type: DESTINATION,
                    properties: destination_props,
                    old_properties: None,
                    physical_id: None,
                },
            )
            .await
    };
    // WHEN both run
    let (source, destination) = tokio::join!(source, destination);
    // THEN both succeed, and objects replicate
    let (source, destination) = (source.unwrap(), destination.unwrap());
    assert_eq!(destination["Status"], "SUCCESS", "{destination}");
    assert_eq!(source["Status"], "SUCCESS", "{source}");
    h.assert_replicates("source-first.txt").await;
}

#[tokio::test]
async fn source_without_its_destination_fails_saying_to_deploy_the_destination_first() {
    // GIVEN no destination stack: D exists but is not versioned
    let mut h = Harness::new().await;
    // WHEN the source's Create runs with 25 s left (15 s of work after the answer's margin)
    let props = h.source_props();
    let answer = h
        .send_with_deadline("Create", SOURCE, props, None, Duration::from_secs(25))
        .await;
    // THEN it fails, in time, with a Reason that says what to do
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    for needed in [
        "deploy the destination stack",
        h.world.destination_bucket.as_str(),
        "Destination bucket must have versioning enabled.",
    ] {
        assert!(reason.contains(needed), "{needed:?} in {reason}");
    }
    // AND once the destination is deployed, a retry of the source converges
    h.create_destination().await;
    h.create_source().await;
    h.assert_replicates("after-destination.txt").await;
}

#[tokio::test]
async fn update_of_the_prefix_updates_our_rule_and_keeps_a_foreign_rule() {
    // GIVEN our replication, and a foreign rule added later by someone else (same role)
    let mut h = Harness::new().await;
    h.create_destination().await;
    let created = h.create_source().await;
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
    // S3 refuses a rule to a missing or unversioned bucket (tests/conformance)
    let elsewhere = extra_bucket(w, Account::A).await;
    e2e_tests::world::enable_versioning(&w.a, &elsewhere)
        .await
        .unwrap();
    let foreign = aws_sdk_s3::types::ReplicationRule::builder()
        .id("team-archive")
        .priority(9)
        .status(aws_sdk_s3::types::ReplicationRuleStatus::Enabled)
        .filter(
            aws_sdk_s3::types::ReplicationRuleFilter::builder()
                .prefix("archive/")
                .build(),
        )
        .delete_marker_replication(
            aws_sdk_s3::types::DeleteMarkerReplication::builder()
                .status(aws_sdk_s3::types::DeleteMarkerReplicationStatus::Disabled)
                .build(),
        )
        .destination(
            aws_sdk_s3::types::Destination::builder()
                .bucket(format!("arn:aws:s3:::{elsewhere}"))
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    config.rules.push(foreign.clone());
    w.a.s3
        .put_bucket_replication()
        .bucket(&w.source_bucket)
        .replication_configuration(config)
        .send()
        .await
        .unwrap();

    // WHEN the stack updates the prefix
    let old = h.source_props();
    let mut new = old.clone();
    new["Rules"] = json!([{"Id": "reports", "Prefix": "reports/", "Priority": "1"}]);
    let answer = h
        .responses
        .send(
            &mut h.in_a,
            Request {
                request_type: "Update",
                resource_type: SOURCE,
                properties: new,
                old_properties: Some(old),
                physical_id: created["PhysicalResourceId"].as_str().map(str::to_owned),
            },
        )
        .await
        .unwrap();

    // THEN the physical id is stable, our rule is replaced, and the foreign rule is untouched
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["PhysicalResourceId"], created["PhysicalResourceId"]);
    let rules = h
        .world
        .a
        .s3
        .get_bucket_replication()
        .bucket(&h.world.source_bucket)
        .send()
        .await
        .unwrap()
        .replication_configuration
        .unwrap()
        .rules;
    let ids: Vec<&str> = rules.iter().filter_map(|r| r.id()).collect();
    let old_id = created["Data"]["RuleIds"].as_str().unwrap();
    assert!(
        !ids.contains(&old_id),
        "dropped rule {old_id} removed: {ids:?}"
    );
    assert!(
        ids.contains(&"reports") && ids.contains(&"team-archive"),
        "{ids:?}"
    );
    let ours = rules.iter().find(|r| r.id() == Some("reports")).unwrap();
    assert_eq!(ours.filter().and_then(|f| f.prefix()), Some("reports/"));
    assert_eq!(
        rules.iter().find(|r| r.id() == Some("team-archive")),
        Some(&foreign)
    );
}

#[tokio::test]
async fn bad_properties_fail_with_a_reason_that_names_the_property() {
    let mut h = Harness::new().await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            DESTINATION,
            {
                let mut p = h.destination_props();
                p.as_object_mut().unwrap().remove("DestinationKmsKeyArn");
                p
            },
            "DestinationKmsKeyArn",
        ),
        (
            DESTINATION,
            {
                let mut p = h.destination_props();
                p["SourceAccountId"] = json!("12345");
                p
            },
            "SourceAccountId",
        ),
        (
            SOURCE,
            {
                let mut p = h.source_props();
                p["SourceKmsKeyArn"] = json!("alias/aws/s3");
                p
            },
            "SourceKmsKeyArn",
        ),
        (
            SOURCE,
            {
                let mut p = h.source_props();
                p["ReplicationMetrics"] = json!("perhaps");
                p
            },
            "ReplicationMetrics",
        ),
        (
            "Custom::Replication",
            h.source_props(),
            "Custom::ReplicationSource",
        ),
    ];
    for (resource_type, props, named) in cases {
        let answer = h.send("Create", resource_type, props.clone(), None).await;
        assert_eq!(answer["Status"], "FAILED", "{answer}");
        let reason = answer["Reason"].as_str().unwrap();
        assert!(reason.contains(named), "reason for {named}: {reason}");
        // CloudFormation then deletes the failed resource: that must succeed.
        let id = answer["PhysicalResourceId"].as_str().map(str::to_owned);
        let deleted = h.send("Delete", resource_type, props, id).await;
        assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    }
}

#[tokio::test]
async fn cloudformations_service_timeout_property_is_accepted_and_ignored() {
    // GIVEN the properties CloudFormation forwards when a template sets ServiceTimeout
    let mut h = Harness::new().await;
    let mut destination = h.destination_props();
    destination["ServiceTimeout"] = json!("720");
    let mut source = h.source_props();
    source["ServiceTimeout"] = json!("720");

    // WHEN both resources are created
    let dst = h.send("Create", DESTINATION, destination, None).await;
    let src = h.send("Create", SOURCE, source, None).await;

    // THEN both succeed, and replication works
    assert_eq!(dst["Status"], "SUCCESS", "{dst}");
    assert_eq!(src["Status"], "SUCCESS", "{src}");
    h.assert_replicates("service-timeout/ok.txt").await;
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
async fn the_rollback_of_a_create_that_met_a_foreign_rule_id_keeps_that_rule() {
    use aws_sdk_s3::types::ReplicationConfiguration;
    // GIVEN S replicating with another team's rule "shared-id" to another bucket
    let mut h = Harness::new().await;
    let a = &h.world.a;
    e2e_tests::world::enable_versioning(a, &h.world.source_bucket)
        .await
        .unwrap();
    let elsewhere = extra_bucket(&h.world, Account::A).await;
    e2e_tests::world::enable_versioning(a, &elsewhere)
        .await
        .unwrap();
    let team_rule = foreign_replication_rule("shared-id", 7, "team/", &elsewhere).unwrap();
    a.s3.put_bucket_replication()
        .bucket(&h.world.source_bucket)
        .replication_configuration(
            ReplicationConfiguration::builder()
                .role(format!("arn:aws:iam::{}:role/team-role", Account::A.id()))
                .rules(team_rule)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    // WHEN our Create names the same rule Id, fails, and CloudFormation rolls it back with a
    // Delete of the PhysicalResourceId the Create answered
    let mut props = h.source_props();
    props["Rules"] = json!([{"Id": "shared-id"}]);
    let created = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(created["Status"], "FAILED", "{created}");
    assert!(
        created["Reason"].as_str().unwrap().contains("shared-id"),
        "{created}"
    );
    let id = created["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", SOURCE, props, id).await;

    // THEN the rollback succeeds and the other team's rule is still there
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let rules = h.world.source_replication_rules().await.unwrap();
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].id(), Some("shared-id"));
    assert_eq!(
        rules[0].destination().map(|d| d.bucket()),
        Some(format!("arn:aws:s3:::{elsewhere}").as_str())
    );
}

#[tokio::test]
async fn a_role_without_room_for_our_inline_policy_is_refused_with_what_fits() {
    // GIVEN an existing role whose other inline policies leave less room than our policy needs
    let mut h = Harness::new().await;
    let a = &h.world.a;
    let trust = s3_trust_policy();
    a.iam
        .create_role()
        .role_name(&h.role_name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    let resources: Vec<String> = (0..360)
        .map(|i| format!("arn:aws:s3:::team-{i:04}/*"))
        .collect();
    let team_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": resources}]});
    a.iam
        .put_role_policy()
        .role_name(&h.role_name)
        .policy_name("team")
        .policy_document(team_policy.to_string())
        .send()
        .await
        .unwrap();

    // WHEN the source is created on that role
    let props = h.source_props();
    let created = h.send("Create", SOURCE, props.clone(), None).await;

    // THEN it fails before the write, with a Reason that names the budget and what fits, and
    // its rollback succeeds
    assert_eq!(created["Status"], "FAILED", "{created}");
    let reason = created["Reason"].as_str().unwrap();
    assert!(reason.contains("over IAM's 10240"), "{reason}");
    assert!(
        reason.contains("pairs of this size fit on one role"),
        "{reason}"
    );
    let id = created["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", SOURCE, props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let names = h
        .world
        .a
        .iam
        .list_role_policies()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap()
        .policy_names;
    assert_eq!(names, vec!["team".to_owned()]);
}

#[tokio::test]
async fn an_existing_role_with_a_path_is_used_by_its_real_arn() {
    // GIVEN a replication role that already exists under a path, as the S3 console creates them
    let mut h = Harness::new().await;
    let trust = s3_trust_policy();
    let role = h
        .world
        .a
        .iam
        .create_role()
        .role_name(&h.role_name)
        .path("/service-role/")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let path_arn = format!(
        "arn:aws:iam::{}:role/service-role/{}",
        Account::A.id(),
        h.role_name
    );
    assert_eq!(role.arn, path_arn);

    // WHEN the destination names that ARN and the source names the role by its name
    let mut destination = h.destination_props();
    destination["ReplicationRoleArn"] = json!(path_arn);
    let dst = h.send("Create", DESTINATION, destination, None).await;
    let src = h.create_source().await;

    // THEN everything names the role by its real ARN, and replication works
    assert_eq!(dst["Status"], "SUCCESS", "{dst}");
    assert_eq!(src["Data"]["RoleArn"], path_arn.as_str());
    assert_eq!(src["Data"]["RoleCreatedByThisResource"], "false");
    let rules = h.world.source_replication_rules().await.unwrap();
    assert!(!rules.is_empty());
    let config = h
        .world
        .a
        .s3
        .get_bucket_replication()
        .bucket(&h.world.source_bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.replication_configuration.unwrap().role,
        path_arn.as_str()
    );
    h.assert_replicates("service-role/path.txt").await;
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
async fn an_aws_error_is_answered_with_failed_never_silence() {
    if emulator_only(
        "an_aws_error_is_answered_with_failed_never_silence",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN an S3 endpoint that refuses every bucket-policy call
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL_S3").await;
    proxy.add_fault(Fault {
        path_contains: "?policy".into(),
        status: 500,
        code: "InternalError".into(),
    });
    // WHEN a Create hits it
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props, None).await;
    // THEN CloudFormation hears FAILED with the step and the error
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("merge_bucket_policy") && reason.contains("InternalError"),
        "{reason}"
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
    // source: GetBucketLocation, DescribeKey, GetBucketEncryption, Get/PutBucketVersioning,
    //   GetRole, CreateRole, GetRolePolicy, PutRolePolicy, Get/PutKeyPolicy,
    //   Get/PutBucketReplication.
    assert_eq!(counts, vec![11, 13, 7, 8]);
}

#[tokio::test]
async fn a_request_without_time_left_is_answered_failed_before_the_deadline() {
    // 5 s to the deadline is inside the 10 s margin: answer at once.
    let mut h = Harness::new().await;
    let props = h.destination_props();
    let answer = h
        .send_with_deadline("Create", DESTINATION, props, None, Duration::from_secs(5))
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    assert!(
        answer["Reason"].as_str().unwrap().contains("timed out"),
        "{answer}"
    );
}

#[tokio::test]
async fn work_that_outlasts_the_deadline_is_answered_failed_in_time() {
    if emulator_only(
        "work_that_outlasts_the_deadline_is_answered_failed_in_time",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN every AWS call takes 1 s, and the function has 13 s (3 s after the margin)
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL").await;
    proxy.traffic().set_latency(Duration::from_secs(1));
    let props = h.destination_props();
    let answer = h
        .send_with_deadline("Create", DESTINATION, props, None, Duration::from_secs(13))
        .await;
    // THEN CloudFormation hears FAILED "timed out" from the guard, which fires at the deadline
    // less the margin (the reason says so), not from Lambda killing the function
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(reason.contains("timed out after"), "{answer}");
    assert!(
        reason.contains("10 s before the Lambda deadline"),
        "{answer}"
    );
}

// ---------------------------------------------------------------------------------------
// Issue 8, defect 4: a replacement's old-id Delete leaves the new resource working. For every
// property that forms a PhysicalResourceId: Create with the old properties, Update to the new
// ones (a new id), then CloudFormation's Delete of the old id with the old properties.
// ---------------------------------------------------------------------------------------

const ELSEWHERE: &str = "333333333333";

impl Harness {
    /// Every document our resources may touch in the world and in `extra` buckets (S3 in the
    /// accounts given): bucket policies, notifications and replication configurations, both
    /// key policies, and every inline policy of the role.
    async fn state(&self, extra: &[(&Clients, &str)]) -> Value {
        let w = &self.world;
        let mut buckets = vec![
            (&w.a, w.source_bucket.as_str()),
            (&w.b, w.destination_bucket.as_str()),
        ];
        buckets.extend(extra.iter().copied());
        let mut out = serde_json::Map::new();
        for (c, bucket) in buckets {
            let policy = c.s3.get_bucket_policy().bucket(bucket).send().await.ok();
            let notifications =
                c.s3.get_bucket_notification_configuration()
                    .bucket(bucket)
                    .send()
                    .await
                    .ok();
            let replication =
                c.s3.get_bucket_replication()
                    .bucket(bucket)
                    .send()
                    .await
                    .ok();
            out.insert(
                bucket.to_owned(),
                json!({
                    "policy": policy.and_then(|p| p.policy),
                    "queues": notifications.map(|n| format!("{:?}", n.queue_configurations())),
                    "replication": replication.map(|r| format!("{:?}", r.replication_configuration)),
                }),
            );
        }
        out.insert("ka".into(), w.key_policy(&w.source_key_arn).await.unwrap());
        out.insert(
            "kb".into(),
            w.key_policy(&w.destination_key_arn).await.unwrap(),
        );
        let mut role = serde_json::Map::new();
        if let Ok(names) =
            w.a.iam
                .list_role_policies()
                .role_name(&self.role_name)
                .send()
                .await
        {
            for name in names.policy_names {
                let doc =
                    w.a.iam
                        .get_role_policy()
                        .role_name(&self.role_name)
                        .policy_name(&name)
                        .send()
                        .await
                        .unwrap()
                        .policy_document;
                role.insert(name, json!(doc));
            }
        }
        out.insert("role".into(), Value::Object(role));
        Value::Object(out)
    }

    /// Create with `old`, Update to `new` (a replacement: the id changes), then Delete the old
    /// id with `old`. Afterwards the new resource must still be complete: applying `new` again
    /// (a repeated Create, which writes only what is missing) changes no document.
    async fn replace_then_delete_old(
        &mut self,
        resource_type: &str,
        old: Value,
        new: Value,
        extra: &[(&Clients, &str)],
    ) -> Value {
        let created = self.send("Create", resource_type, old.clone(), None).await;
        assert_eq!(created["Status"], "SUCCESS", "{created}");
        let id = &created["PhysicalResourceId"];
        let updated = self
            .update(resource_type, old.clone(), new.clone(), id)
            .await;
        assert_eq!(updated["Status"], "SUCCESS", "{updated}");
        assert_ne!(updated["PhysicalResourceId"], *id, "a replacement");
        let deleted = self
            .send("Delete", resource_type, old, id.as_str().map(str::to_owned))
            .await;
        assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
        let after_delete = self.state(extra).await;
        let again = self.send("Create", resource_type, new, None).await;
        assert_eq!(again["Status"], "SUCCESS", "{again}");
        assert_eq!(
            self.state(extra).await,
            after_delete,
            "the old id's Delete removed part of the new resource"
        );
        updated
    }
}

/// A new bucket in `account`, deleted with `world`.
async fn extra_bucket(world: &World, account: Account) -> String {
    let bucket = unique_name("extra");
    world.track(account, Resource::Bucket(bucket.clone()));
    let c = if account == Account::A {
        &world.a
    } else {
        &world.b
    };
    c.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    bucket
}

#[tokio::test]
async fn destination_replacement_by_source_bucket_or_account_then_old_delete_keeps_the_new() {
    for property in ["SourceBucket", "SourceAccountId"] {
        let mut h = Harness::new().await;
        let new = h.destination_props();
        let mut old = new.clone();
        if property == "SourceBucket" {
            old["SourceBucket"] = json!(unique_name("old-src"));
        } else {
            old["SourceAccountId"] = json!(ELSEWHERE);
            old["ReplicationRoleArn"] =
                json!(format!("arn:aws:iam::{ELSEWHERE}:role/{}", h.role_name));
        }
        h.replace_then_delete_old(DESTINATION, old, new, &[]).await;
        assert_eq!(h.queue_notifications().await.len(), 1, "{property}");
        h.create_source().await;
        h.assert_replicates("after-replacement.txt").await;
    }
}

#[tokio::test]
async fn destination_replacement_by_destination_bucket_then_old_delete_keeps_the_new() {
    let mut h = Harness::new().await;
    let old = h.destination_props();
    let moved = extra_bucket(&h.world, Account::B).await;
    let mut new = old.clone();
    new["DestinationBucket"] = json!(moved);
    let b = h.world.b.clone();
    h.replace_then_delete_old(DESTINATION, old, new, &[(&b, moved.as_str())])
        .await;
    // The new D has our statements and the queue's notification; the old D is clean.
    let policy =
        b.s3.get_bucket_policy()
            .bucket(&moved)
            .send()
            .await
            .unwrap();
    assert!(ours(&serde_json::from_str(policy.policy().unwrap()).unwrap()) > 0);
    let queues =
        b.s3.get_bucket_notification_configuration()
            .bucket(&moved)
            .send()
            .await
            .unwrap();
    assert_eq!(queues.queue_configurations().len(), 1);
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
    assert!(h.queue_notifications().await.is_empty());
}

#[tokio::test]
async fn source_replacement_by_destination_account_then_old_delete_keeps_the_new() {
    // The old properties named the wrong account (and a key there): the fix keeps the Sid
    // scope, the rule Id, the role and its policy name.
    let mut h = Harness::new().await;
    h.create_destination().await;
    let new = h.source_props();
    let mut old = new.clone();
    old["DestinationAccountId"] = json!(ELSEWHERE);
    old["DestinationKmsKeyArn"] = json!(format!(
        "arn:aws:kms:us-east-1:{ELSEWHERE}:key/00000000-0000-0000-0000-000000000000"
    ));
    h.replace_then_delete_old(SOURCE, old, new, &[]).await;
    h.assert_replicates("after-replacement.txt").await;
}

#[tokio::test]
async fn source_replacement_by_destination_bucket_with_the_same_rule_id_then_old_delete_keeps_the_new()
 {
    // Both properties name the rule "main": the new resource takes the Id to the new bucket.
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut new = h.source_props();
    new["Rules"] = json!([{"Id": "main"}]);
    let mut old = new.clone();
    // The old pair's D existed and was versioned: S3 refuses a rule to any other
    let old_destination = extra_bucket(&h.world, Account::B).await;
    e2e_tests::world::enable_versioning(&h.world.b, &old_destination)
        .await
        .unwrap();
    old["DestinationBucket"] = json!(old_destination);
    h.replace_then_delete_old(SOURCE, old, new, &[]).await;
    h.assert_replicates("after-replacement.txt").await;
}

#[tokio::test]
async fn source_replacement_by_source_bucket_then_old_delete_keeps_the_new() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    let new = h.source_props();
    let previous = extra_bucket(&h.world, Account::A).await;
    let mut old = new.clone();
    old["SourceBucket"] = json!(previous);
    let a = h.world.a.clone();
    h.replace_then_delete_old(SOURCE, old, new, &[(&a, previous.as_str())])
        .await;
    h.assert_replicates("after-replacement.txt").await;
    let old_rules = a.s3.get_bucket_replication().bucket(&previous).send().await;
    assert!(old_rules.is_err(), "the old source's rule is gone");
}

/// Issue 8, defect 4 (also): an in-place Update to another key or role takes our grants off the
/// old ones.
#[tokio::test]
async fn an_update_to_another_key_and_role_removes_our_grants_from_the_old_ones() {
    let mut h = Harness::new().await;
    let destination = h.create_destination().await;
    let source = h.create_source().await;
    let w = &h.world;
    // GIVEN new keys in each account, and a new role name
    let new_ka = create_key(&w.a, "KA2").await.unwrap();
    w.track(Account::A, Resource::Key(new_ka.clone()));
    let new_kb = create_key(&w.b, "KB2").await.unwrap();
    w.track(Account::B, Resource::Key(new_kb.clone()));
    let new_role = unique_name("replication-2");
    w.track(Account::A, Resource::Role(new_role.clone()));
    // WHEN both resources are updated in place
    let old = h.destination_props();
    let mut new = old.clone();
    new["DestinationKmsKeyArn"] = json!(new_kb);
    new["ReplicationRoleArn"] = json!(format!("arn:aws:iam::{}:role/{new_role}", Account::A.id()));
    let answer = h
        .update(DESTINATION, old, new, &destination["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let old = h.source_props();
    let mut new = old.clone();
    new["SourceKmsKeyArn"] = json!(new_ka);
    new["DestinationKmsKeyArn"] = json!(new_kb);
    new["RoleName"] = json!(new_role);
    let answer = h
        .update(SOURCE, old, new, &source["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    // THEN the old keys hold none of our statements, and the old role (ours) is gone
    let w = &h.world;
    assert_eq!(ours(&w.key_policy(&w.source_key_arn).await.unwrap()), 0);
    assert_eq!(
        ours(&w.key_policy(&w.destination_key_arn).await.unwrap()),
        0
    );
    let old_role = w.a.iam.get_role().role_name(&h.role_name).send().await;
    assert!(old_role.is_err(), "the old role we created is deleted");
    // AND the new keys and role carry them
    let new_kb_policy =
        w.b.kms
            .get_key_policy()
            .key_id(&new_kb)
            .policy_name("default")
            .send()
            .await
            .unwrap();
    assert!(ours(&serde_json::from_str(new_kb_policy.policy().unwrap()).unwrap()) > 0);
    let names =
        w.a.iam
            .list_role_policies()
            .role_name(&new_role)
            .send()
            .await
            .unwrap();
    assert_eq!(names.policy_names.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Issue 8, defect 3: a Create that fails before writing answers the failed-create marker; one
// that fails after a write is cleaned up by its rollback Delete.
// ---------------------------------------------------------------------------------------

const MARKER: &str = "s3-kms-replication:failed-create:";

#[tokio::test]
async fn a_create_that_fails_before_any_write_answers_the_marker_and_its_rollback_touches_nothing()
{
    let mut h = Harness::new().await;
    h.add_foreign_statements().await;
    let before = h.snapshot().await;
    // A key that does not exist: DescribeKey fails before anything is written.
    let mut missing_key = h.destination_props();
    missing_key["DestinationKmsKeyArn"] = json!(format!(
        "arn:aws:kms:us-east-1:{}:key/00000000-0000-0000-0000-000000000000",
        Account::B.id()
    ));
    let answer = h
        .send("Create", DESTINATION, missing_key.clone(), None)
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let id = answer["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert!(id.starts_with(MARKER), "{id}");
    let rollback = h.send("Delete", DESTINATION, missing_key, Some(id)).await;
    assert_eq!(rollback["Status"], "SUCCESS", "{rollback}");
    assert_eq!(h.snapshot().await, before);
}

#[tokio::test]
async fn a_create_that_fails_after_a_write_is_cleaned_up_by_its_rollback_delete() {
    if emulator_only(
        "a_create_that_fails_after_a_write_is_cleaned_up_by_its_rollback_delete",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN the destination side, and S3 refusing every replication-configuration call in A
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL_S3").await;
    h.create_destination().await;
    let before = h.snapshot().await;
    proxy.add_fault(Fault {
        path_contains: "?replication".into(),
        status: 500,
        code: "InternalError".into(),
    });
    // WHEN the source Create fails at step 6, after the role and KA's statement were written
    let props = h.source_props();
    let answer = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let id = answer["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert!(!id.starts_with(MARKER), "{id}");
    let w = &h.world;
    assert!(h.role_exists().await);
    assert!(ours(&w.key_policy(&w.source_key_arn).await.unwrap()) > 0);
    // THEN its rollback Delete (S3 answering again) removes what it wrote
    proxy.clear_faults();
    let rollback = h.send("Delete", SOURCE, props, Some(id)).await;
    assert_eq!(rollback["Status"], "SUCCESS", "{rollback}");
    assert!(!h.role_exists().await);
    assert_eq!(h.snapshot().await["ka"], before["ka"]);
}

// ---------------------------------------------------------------------------------------
// Issue 8, defect 5: tags and ownership are the source's switches.
// ---------------------------------------------------------------------------------------

impl Harness {
    /// Put a tagged SSE-KMS object in S; wait for COMPLETED; the replica's tags.
    async fn replicate_tagged(&self, key: &str) -> Vec<(String, String)> {
        let w = &self.world;
        let version = w
            .put_source_object_tagged(key, "tagged", "team=finance")
            .await
            .unwrap();
        let head = w
            .wait_for_source_status(key, &version, wait())
            .await
            .unwrap();
        assert_eq!(
            head.replication_status.unwrap().as_str(),
            "COMPLETED",
            "{key}"
        );
        let tags =
            w.b.s3
                .get_object_tagging()
                .bucket(&w.destination_bucket)
                .key(key)
                .version_id(&version)
                .send()
                .await
                .unwrap();
        tags.tag_set()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect()
    }

    /// The actions of our inline policy on the role.
    async fn role_policy_actions(&self) -> Vec<String> {
        let doc = self.role_policy().await;
        statements(&doc)
            .iter()
            .flat_map(|s| s["Action"].as_array().cloned().unwrap_or_default())
            .filter_map(|a| a.as_str().map(str::to_owned))
            .collect()
    }
}

#[tokio::test]
async fn tags_replicate_by_default_and_not_when_the_source_says_so() {
    // GIVEN the default switches: the tagged object's replica carries its tags
    let mut h = Harness::new().await;
    h.create_destination().await;
    let created = h.create_source().await;
    let team = vec![("team".to_owned(), "finance".to_owned())];
    assert_eq!(h.replicate_tagged("tagged-1.txt").await, team);
    // WHEN the source turns ReplicateTags off (an in-place Update)
    let old = h.source_props();
    let mut new = old.clone();
    new["ReplicateTags"] = json!("false");
    let answer = h
        .update(SOURCE, old, new, &created["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    // THEN the role may no longer read or write tags, and tagged objects replicate untagged
    let actions = h.role_policy_actions().await;
    assert!(
        !actions
            .iter()
            .any(|a| a.contains("Tagging") || a == "s3:ReplicateTags")
    );
    assert!(h.replicate_tagged("tagged-2.txt").await.is_empty());
}

#[tokio::test]
async fn without_owner_override_the_role_cannot_hand_replicas_over_and_the_rule_does_not_ask() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut props = h.source_props();
    props["OwnerOverride"] = json!("false");
    let answer = h.send("Create", SOURCE, props, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let actions = h.role_policy_actions().await;
    assert!(!actions.contains(&"s3:ObjectOwnerOverrideToBucketOwner".to_owned()));
    let rules = h.world.source_replication_rules().await.unwrap();
    assert!(
        format!("{rules:?}").contains("access_control_translation: None"),
        "{rules:?}"
    );
    h.assert_replicates("no-override.txt").await;
}

#[tokio::test]
async fn the_destination_refuses_to_withhold_tags_or_ownership_and_says_where_to_choose() {
    let mut h = Harness::new().await;
    for property in ["ReplicateTags", "OwnerOverride"] {
        let mut props = h.destination_props();
        props[property] = json!("false");
        let answer = h.send("Create", DESTINATION, props, None).await;
        assert_eq!(answer["Status"], "FAILED", "{answer}");
        let reason = answer["Reason"].as_str().unwrap();
        assert!(
            reason.contains(property) && reason.contains("Custom::ReplicationSource"),
            "{reason}"
        );
    }
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
}

/// Issue 8, defect 8: a policy that holds another team's statement naming a deleted principal
/// can never be written back; the request fails at once, naming that statement, instead of
/// retrying until the deadline.
#[tokio::test]
async fn a_stale_foreign_principal_fails_at_once_with_a_reason_that_names_its_statement() {
    // GIVEN D's policy grants a role of B that is then deleted
    let mut h = Harness::new().await;
    let w = &h.world;
    let auditor = unique_name("auditor");
    let role =
        w.b.iam
            .create_role()
            .role_name(&auditor)
            .assume_role_policy_document(s3_trust_policy().to_string())
            .send()
            .await
            .unwrap()
            .role
            .unwrap();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "TeamAudit",
        "Effect": "Allow", "Principal": {"AWS": role.arn}, "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket)}]});
    w.b.s3
        .put_bucket_policy()
        .bucket(&w.destination_bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    w.b.iam
        .delete_role()
        .role_name(&auditor)
        .send()
        .await
        .unwrap();
    // WHEN the destination is created
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props, None).await;
    // THEN it fails naming the statement and the deleted principal's ID
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("TeamAudit") && reason.contains(&role.role_id),
        "{reason}"
    );
    assert!(!reason.contains("timed out"), "{reason}");
}

/// Issue 8, defect 9: the confused-deputy conditions on the role's trust policy, opt-in.
#[tokio::test]
async fn role_trust_conditions_restrict_the_role_to_s3_for_this_source_and_replication_works() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    // Off by default: S3's bare trust, as the S3 guide's examples show it.
    let created = h.create_source().await;
    let trust = |h: &Harness| {
        let role = h.world.a.iam.get_role().role_name(&h.role_name).send();
        async move {
            let doc = role.await.unwrap().role.unwrap();
            let doc = doc.assume_role_policy_document().unwrap().to_owned();
            let doc = percent_encoding::percent_decode_str(&doc)
                .decode_utf8()
                .unwrap();
            serde_json::from_str::<Value>(&doc).unwrap()
        }
    };
    assert!(trust(&h).await["Statement"][0].get("Condition").is_none());
    // WHEN the source turns RoleTrustConditions on
    let old = h.source_props();
    let mut new = old.clone();
    new["RoleTrustConditions"] = json!("true");
    let answer = h
        .update(SOURCE, old, new, &created["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    // THEN the trust admits S3 only for A and S, and replication still works
    let condition = trust(&h).await["Statement"][0]["Condition"].clone();
    assert_eq!(
        condition["StringEquals"]["aws:SourceAccount"],
        Account::A.id()
    );
    assert_eq!(
        condition["ArnLike"]["aws:SourceArn"],
        json!([format!("arn:aws:s3:::{}", h.world.source_bucket)])
    );
    h.assert_replicates("restricted-trust.txt").await;
}

#[tokio::test]
async fn role_trust_conditions_are_refused_for_a_role_we_did_not_create() {
    let mut h = Harness::new().await;
    h.world
        .a
        .iam
        .create_role()
        .role_name(&h.role_name)
        .assume_role_policy_document(s3_trust_policy().to_string())
        .send()
        .await
        .unwrap();
    let mut props = h.source_props();
    props["RoleTrustConditions"] = json!(true);
    let answer = h.send("Create", SOURCE, props, None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(reason.contains("RoleTrustConditions"), "{reason}");
    assert!(
        answer["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with(MARKER)
    );
}

// ---------------------------------------------------------------------------------------
// Issue 10: the deploy-time check.
// ---------------------------------------------------------------------------------------

/// A foreign Deny in D's bucket policy would stop every replica: the destination's Create
/// fails with the finding, naming the statement; with `DeployTimeChecks: false` it succeeds.
#[tokio::test]
async fn a_create_fails_with_the_deploy_time_finding_unless_checks_are_off() {
    let mut h = Harness::new().await;
    let w = &h.world;
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoReplicas",
        "Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket),
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": Account::B.id()}}}]});
    w.b.s3
        .put_bucket_policy()
        .bucket(&w.destination_bucket)
        .policy(deny.to_string())
        .send()
        .await
        .unwrap();
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props.clone(), None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("deploy-time check")
            && reason.contains("step 5")
            && reason.contains("NoReplicas"),
        "{reason}"
    );
    assert!(reason.len() <= 3000, "{}", reason.len());
    let mut off = props;
    off["DeployTimeChecks"] = json!("false");
    let answer = h.send("Create", DESTINATION, off, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
}

/// KA disabled: the source's Create fails with the step-3 finding and the fix.
#[tokio::test]
async fn a_source_create_with_ka_disabled_fails_with_the_finding() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    let w = &h.world;
    w.a.kms
        .disable_key()
        .key_id(&w.source_key_arn)
        .send()
        .await
        .unwrap();
    let props = h.source_props();
    let answer = h.send("Create", SOURCE, props, None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("step 3") && reason.contains("enable-key"),
        "{reason}"
    );
}

/// Issue 10: the canary proves replication end to end at deploy time, and catches what the
/// source account's documents cannot show (here: KB's statement, in the other account).
#[tokio::test]
async fn the_canary_replicates_or_fails_the_create_with_where_to_look() {
    // GIVEN a healthy pair WHEN the source is created with Canary THEN it replicates
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut props = h.source_props();
    props["Canary"] = json!("true");
    let answer = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["CanaryStatus"], "COMPLETED", "{answer}");
    let key = answer["Data"]["CanaryKey"].as_str().unwrap().to_owned();
    assert!(key.starts_with(".s3-kms-replication-canary/"), "{key}");
    // AND its source version is gone, its replica stays in D for the verifier
    let w = &h.world;
    let left =
        w.a.s3
            .list_object_versions()
            .bucket(&w.source_bucket)
            .prefix(&key)
            .send()
            .await
            .unwrap();
    assert!(left.versions().is_empty() && left.delete_markers().is_empty());
    let replica =
        w.b.s3
            .head_object()
            .bucket(&w.destination_bucket)
            .key(&key)
            .send()
            .await;
    assert!(replica.is_ok(), "{replica:?}");

    // GIVEN KB's statement removed in B WHEN the source is updated with Canary THEN it fails
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    let answer = h
        .update(SOURCE, props.clone(), props, &answer["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Canary:") && reason.contains("KB's key policy"),
        "{reason}"
    );
}

/// Issue 10: the scheduled check, on each side, publishes the number of findings as the EMF
/// metric `ReplicationSetupFindings` and logs each finding.
#[tokio::test]
async fn the_scheduled_check_publishes_its_findings_as_a_metric_and_logs_each() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    h.create_source().await;
    let check = |resource_type: &str, props: Value| json!({"ScheduledCheck": {"ResourceType": resource_type, "ResourceProperties": props}});
    let last_metric = |lines: Vec<String>| -> f64 {
        lines
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("_aws").is_some())
            .filter_map(|v| v["ReplicationSetupFindings"].as_f64())
            .next_back()
            .expect("no ReplicationSetupFindings EMF line")
    };
    // As written: no finding on either side (an empty optional parameter is "not set").
    let mut source = h.source_props();
    source["RoleName"] = json!(h.role_name);
    source["OwnerOverride"] = json!("");
    let answer = h
        .in_a
        .invoke(&check(SOURCE, source))
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(answer["findings"], json!([]), "{answer}");
    assert_eq!(last_metric(h.in_a.stdout_lines()), 0.0);
    let destination = h.destination_props();
    let answer = h
        .in_b
        .invoke(&check(DESTINATION, destination.clone()))
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(answer["findings"], json!([]), "{answer}");
    assert_eq!(last_metric(h.in_b.stdout_lines()), 0.0);
    // Someone edits KB's policy by hand: the next run counts it and logs it.
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    let answer = h
        .in_b
        .invoke(&check(DESTINATION, destination))
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(answer["findings"][0]["step"], 4, "{answer}");
    let lines = h.in_b.stdout_lines();
    assert_eq!(last_metric(lines.clone()), 1.0);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("replication setup finding") && l.contains("KB's key policy")),
        "{lines:#?}"
    );
}
