//! Issue 21 §4: an Object Lock source. The replication role the source template's Create
//! writes also reads retention and legal holds, and objects replicate into a D with Object Lock;
//! into a D without it, S3 fails them (`DstBucketObjectLockConfigMissing`).

use serde_json::Value;

use crate::common::harness::{Harness, SOURCE, enable_object_lock, wait};
use crate::role_settings::template_source_props;

const LOCK_READS: [&str; 2] = ["s3:GetObjectRetention", "s3:GetObjectLegalHold"];

fn source_objects_actions(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Sid"] == "SourceObjects")
        .flat_map(|s| s["Action"].as_array().unwrap().clone())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_object_lock_source_gets_the_lock_reads_and_replicates_into_an_object_lock_d() {
    // GIVEN S and D with Object Lock, and D's side created
    let mut h = Harness::new().await;
    enable_object_lock(&h.world.a, &h.world.source_bucket).await;
    enable_object_lock(&h.world.b, &h.world.destination_bucket).await;
    h.create_destination().await;

    // WHEN the source stack is created through the source template's properties
    let created = h
        .send("Create", SOURCE, template_source_props(&h, &[]), None)
        .await;

    // THEN the role may read retention and legal holds on S's objects, and an object replicates
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let actions = source_objects_actions(&h.role_policy().await);
    for a in LOCK_READS {
        assert!(actions.iter().any(|x| x == a), "{a} missing: {actions:?}");
    }
    h.assert_replicates("object-lock/locked-source.txt").await;
}

#[tokio::test]
async fn a_source_without_object_lock_gets_no_lock_reads() {
    // GIVEN S without Object Lock
    let mut h = Harness::new().await;
    h.create_destination().await;
    // WHEN the source stack is created through the template
    let created = h
        .send("Create", SOURCE, template_source_props(&h, &[]), None)
        .await;
    // THEN the role has neither lock read
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let actions = source_objects_actions(&h.role_policy().await);
    assert!(
        LOCK_READS.iter().all(|a| !actions.iter().any(|x| x == a)),
        "{actions:?}"
    );
}

#[tokio::test]
async fn objects_of_an_object_lock_source_fail_into_a_d_without_it() {
    // GIVEN S with Object Lock and D without, both sides created
    let mut h = Harness::new().await;
    enable_object_lock(&h.world.a, &h.world.source_bucket).await;
    h.create_destination().await;
    let created = h
        .send("Create", SOURCE, template_source_props(&h, &[]), None)
        .await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");

    // WHEN an object is written to S
    let key = "object-lock/into-unlocked-d.txt";
    let w = &h.world;
    let version = w.put_source_object(key, "payload").await.unwrap();
    let head = w
        .wait_for_source_status(key, &version, wait())
        .await
        .unwrap();

    // THEN S3 fails it, and nothing reaches D
    assert_eq!(head.replication_status.unwrap().as_str(), "FAILED");
    let replica =
        w.b.s3
            .head_object()
            .bucket(&w.destination_bucket)
            .key(key)
            .send()
            .await;
    assert!(replica.is_err(), "{replica:?}");
}
