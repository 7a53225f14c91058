//! Other teams' replication rules on S: kept through an Update, and through the rollback of a
//! Create that met one of their Ids.

use e2e_tests::accounts::Account;
use e2e_tests::cfn::Request;
use e2e_tests::world::foreign_replication_rule;
use serde_json::json;

use crate::common::harness::{Harness, SOURCE};
use crate::support::extra_bucket;

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
