//! Issue 21 §4: the replication role we create under a platform team's rules, set through the
//! source template's own parameters: `RolePermissionsBoundary`, `RolePath`, `RoleTags`.

use e2e_tests::accounts::Account;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE};
use crate::support::template_properties;

/// The `Replication` resource's Properties of `infra/source-account.yaml`, resolved with the
/// harness's buckets, keys and role name and with `extra` parameters: what CloudFormation
/// would send the function for that stack.
pub(crate) fn template_source_props(h: &Harness, extra: &[(&str, &str)]) -> Value {
    let w = &h.world;
    let base = [
        ("SourceBucket", w.source_bucket.as_str()),
        ("SourceKmsKeyArn", w.source_key_arn.as_str()),
        ("DestinationBucket", w.destination_bucket.as_str()),
        ("DestinationAccountId", Account::B.id()),
        ("DestinationKmsKeyArn", w.destination_key_arn.as_str()),
        ("RoleName", h.role_name.as_str()),
        ("DeployTimeChecks", "true"),
    ];
    let overrides: Vec<(&str, &str)> = base.into_iter().chain(extra.iter().copied()).collect();
    template_properties("source-account.yaml", "Replication", &overrides)
}

#[tokio::test]
async fn the_role_we_create_has_the_templates_boundary_path_and_tags_and_replicates() {
    // GIVEN a boundary policy in A that allows what replication needs, and D's side naming the
    // role by its ARN under the path
    let mut h = Harness::new().await;
    let boundary = h
        .world
        .a
        .iam
        .create_policy()
        .policy_name(format!("{}-boundary", h.role_name))
        .path("/boundaries/")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Action": ["s3:*", "kms:*"], "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let path_arn = format!(
        "arn:aws:iam::{}:role/service-role/{}",
        Account::A.id(),
        h.role_name
    );
    let mut destination = h.destination_props();
    destination["ReplicationRoleArn"] = json!(path_arn);
    let dst = h.send("Create", DESTINATION, destination, None).await;
    assert_eq!(dst["Status"], "SUCCESS", "{dst}");

    // WHEN the source stack is created with the three parameters
    let props = template_source_props(
        &h,
        &[
            ("RolePermissionsBoundary", boundary.as_str()),
            ("RolePath", "/service-role/"),
            ("RoleTags", r#"{"team": "storage", "cost-center": "42"}"#),
        ],
    );
    let created = h.send("Create", SOURCE, props.clone(), None).await;

    // THEN the role has the boundary, the path and the tags (besides ours), every document names
    // it by its ARN under the path, and an object replicates
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    assert_eq!(created["Data"]["RoleArn"], path_arn.as_str());
    let role = |h: &Harness| {
        let get = h.world.a.iam.get_role().role_name(&h.role_name).send();
        async move { get.await.unwrap().role.unwrap() }
    };
    let tags = |r: &aws_sdk_iam::types::Role| -> Vec<(String, String)> {
        let mut t: Vec<(String, String)> = r
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect();
        t.sort();
        t
    };
    let r = role(&h).await;
    assert_eq!(r.path(), "/service-role/");
    assert_eq!(r.arn(), path_arn);
    assert_eq!(
        r.permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn()),
        Some(boundary.as_str())
    );
    let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    assert_eq!(
        tags(&r),
        vec![
            pair("cost-center", "42"),
            pair("s3-kms-replication:managed", "true"),
            pair("team", "storage")
        ]
    );
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
    h.assert_replicates("role-settings/created.txt").await;

    // WHEN an Update drops the boundary and changes the tags
    let updated_props = template_source_props(
        &h,
        &[
            ("RolePath", "/service-role/"),
            ("RoleTags", r#"[{"Key": "team", "Value": "archive"}]"#),
        ],
    );
    let updated = h
        .update(
            SOURCE,
            props.clone(),
            updated_props.clone(),
            &created["PhysicalResourceId"],
        )
        .await;
    // THEN the boundary it set is gone, the tags are the new ones, ours stays
    assert_eq!(updated["Status"], "SUCCESS", "{updated}");
    let r = role(&h).await;
    assert!(r.permissions_boundary().is_none(), "{r:?}");
    assert_eq!(
        tags(&r),
        vec![
            pair("s3-kms-replication:managed", "true"),
            pair("team", "archive")
        ]
    );

    // WHEN an Update asks for another path
    let moved = template_source_props(&h, &[("RolePath", "/elsewhere/")]);
    let refused = h
        .update(
            SOURCE,
            updated_props.clone(),
            moved,
            &created["PhysicalResourceId"],
        )
        .await;
    // THEN it is refused before any write, naming the property and the way out
    assert_eq!(refused["Status"], "FAILED", "{refused}");
    let reason = refused["Reason"].as_str().unwrap();
    assert!(reason.contains("RolePath"), "{reason}");
    assert!(reason.contains("cannot change a role's path"), "{reason}");
    assert!(reason.contains("new RoleName"), "{reason}");
    assert_eq!(role(&h).await.path(), "/service-role/");

    // WHEN the stack is deleted THEN the role goes
    let deleted = h
        .send(
            "Delete",
            SOURCE,
            updated_props,
            created["PhysicalResourceId"].as_str().map(str::to_owned),
        )
        .await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(!h.role_exists().await);
    h.world
        .a
        .iam
        .delete_policy()
        .policy_arn(&boundary)
        .send()
        .await
        .unwrap();
}
