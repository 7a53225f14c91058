//! The resources' properties: refused with a Reason that names them, ignored when
//! CloudFormation adds them, and the source's switches for tags and ownership.

use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE, statements, wait};

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
