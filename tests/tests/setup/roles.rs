//! The replication role: an existing one (with other policies, under a path), and the
//! confused-deputy conditions on the trust policy of one we create.

use e2e_tests::accounts::Account;
use e2e_tests::world::s3_trust_policy;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE};
use crate::support::MARKER;

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
