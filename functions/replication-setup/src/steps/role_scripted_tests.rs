//! Step 2's role settings (`RolePermissionsBoundary`, `RolePath`, `RoleTags`) against real
//! SDK clients over an in-process IAM ([`lambda_support::fake_aws`]): which calls a role we
//! create, a role we created and a role we did not create get.

use std::time::{Duration, Instant};

use aws_sdk_iam::types::{AttachedPermissionsBoundary, Role, Tag};
use lambda_support::fake_aws::{FakeAws, Reply};
use replication_core::plan::RoleSettings;
use replication_core::properties::SourceSpec;
use serde_json::{Value, json};

use super::*;

const B1: &str = "arn:aws:iam::111111111111:policy/boundaries/old";
const B2: &str = "arn:aws:iam::111111111111:policy/boundaries/replication";

fn spec(extra: Value) -> SourceSpec {
    super::scripted_tests::source_spec_with(extra)
}

/// IAM answering every call the role step makes; the role holds no inline policy yet.
fn iam() -> (FakeAws, AccountClients) {
    let aws = FakeAws::new(|r| {
        let op = r.operation();
        match op.as_str() {
            "CreateRole" => Reply::ok(
                "<CreateRoleResponse><CreateRoleResult><Role><Path>/service-role/</Path>\
                 <RoleName>s3-kms-replication-source-s</RoleName><RoleId>AROAFAKE</RoleId>\
                 <Arn>arn:aws:iam::111111111111:role/service-role/s3-kms-replication-source-s</Arn>\
                 <CreateDate>2026-01-01T00:00:00Z</CreateDate></Role></CreateRoleResult>\
                 </CreateRoleResponse>",
            ),
            "GetRolePolicy" => Reply::iam_error(404, "NoSuchEntity", "no such policy"),
            "ListRolePolicies" => Reply::ok(
                "<ListRolePoliciesResponse><ListRolePoliciesResult><PolicyNames/>\
                 <IsTruncated>false</IsTruncated></ListRolePoliciesResult></ListRolePoliciesResponse>",
            ),
            "PutRolePolicy"
            | "UpdateAssumeRolePolicy"
            | "PutRolePermissionsBoundary"
            | "DeleteRolePermissionsBoundary"
            | "TagRole"
            | "UntagRole" => Reply::ok(format!(
                "<{op}Response><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></{op}Response>"
            )),
            other => Reply::iam_error(400, "NotScripted", other),
        }
    });
    let clients = AccountClients::new(aws.config(), true);
    (aws, clients)
}

fn existing(spec: &SourceSpec, boundary: Option<&str>, tags: &[(&str, &str)]) -> Role {
    let trust = plan::wanted_trust_policy(spec, None);
    Role::builder()
        .path("/")
        .role_name(spec.role_arn.name())
        .role_id("AROAFAKE")
        .arn(spec.role_arn.to_string())
        .create_date(aws_smithy_types::DateTime::from_secs(0))
        .assume_role_policy_document(policy::to_policy_string(&trust))
        .set_permissions_boundary(boundary.map(|b| {
            AttachedPermissionsBoundary::builder()
                .permissions_boundary_arn(b)
                .build()
        }))
        .set_tags(Some(
            tags.iter()
                .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
                .collect(),
        ))
        .build()
        .unwrap()
}

/// The request bodies of `op`, URL-decoded.
fn bodies(aws: &FakeAws, op: &str) -> Vec<String> {
    aws.requests()
        .iter()
        .filter(|r| r.operation() == op)
        .map(|r| {
            percent_encoding::percent_decode_str(&r.body)
                .decode_utf8()
                .unwrap()
                .into_owned()
        })
        .collect()
}

fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(10)
}

fn assert_catalogued(aws: &FakeAws) {
    let calls: Vec<&str> = replication_core::catalogue::grants("setup-source")
        .iter()
        .flat_map(|g| g.calls.iter().copied())
        .collect();
    for r in aws.requests() {
        assert!(calls.contains(&r.operation().as_str()), "{}", r.operation());
    }
}

#[tokio::test]
async fn a_role_we_create_carries_the_boundary_path_and_tags() {
    // GIVEN no role, and properties naming a boundary, a path and tags
    let (aws, c) = iam();
    let spec = spec(
        json!({"RolePermissionsBoundary": B2, "RolePath": "/service-role/",
        "RoleTags": r#"{"team": "storage"}"#}),
    );
    // WHEN step 2 runs
    let outcome = ensure_replication_role(&c, &spec, None, None, deadline())
        .await
        .unwrap();
    // THEN one CreateRole carries all three, after the management tag, and the outcome names
    // the role by its ARN under the path
    let create = bodies(&aws, "CreateRole");
    assert_eq!(create.len(), 1);
    let create = &create[0];
    assert!(
        create.contains(&format!("PermissionsBoundary={B2}")),
        "{create}"
    );
    assert!(create.contains("Path=/service-role/"), "{create}");
    assert!(
        create.contains("Tags.member.1.Key=s3-kms-replication:managed"),
        "{create}"
    );
    assert!(
        create.contains("Tags.member.2.Key=team&Tags.member.2.Value=storage"),
        "{create}"
    );
    assert_eq!(
        outcome.arn,
        "arn:aws:iam::111111111111:role/service-role/s3-kms-replication-source-s"
    );
    assert!(outcome.managed && outcome.settings_not_applied.is_none());
    assert!(bodies(&aws, "PutRolePermissionsBoundary").is_empty());
    assert_catalogued(&aws);
}

#[tokio::test]
async fn an_update_of_our_role_puts_the_boundary_and_changes_only_the_tags_it_named() {
    // GIVEN a role we created, with the old boundary, the old properties' tags, and a tag
    // someone else added
    let (aws, c) = iam();
    let spec = spec(json!({"RolePermissionsBoundary": B2,
        "RoleTags": {"team": "archive", "env": "prod"}}));
    let role = existing(
        &spec,
        Some(B1),
        &[
            (MANAGED_TAG, "true"),
            ("team", "storage"),
            ("cost-center", "42"),
            ("owner", "platform"),
        ],
    );
    let old_tags = vec![
        ("team".to_owned(), "storage".to_owned()),
        ("cost-center".to_owned(), "42".to_owned()),
    ];
    let previous = RoleSettings {
        permissions_boundary: Some(B1),
        tags: &old_tags,
    };
    // WHEN step 2 runs for the Update
    let outcome = ensure_replication_role(&c, &spec, Some(role), Some(previous), deadline())
        .await
        .unwrap();
    // THEN the new boundary is put, the changed and new tags set, and only the tag the old
    // properties named and the new do not is removed: never "owner", never ours
    assert!(outcome.managed);
    assert_eq!(
        bodies(&aws, "PutRolePermissionsBoundary"),
        vec![format!(
            "Action=PutRolePermissionsBoundary&Version=2010-05-08&RoleName=s3-kms-replication-source-s&PermissionsBoundary={B2}"
        )]
    );
    let tag = bodies(&aws, "TagRole");
    assert!(
        tag[0].contains("Tags.member.1.Key=team&Tags.member.1.Value=archive"),
        "{tag:?}"
    );
    assert!(
        tag[0].contains("Tags.member.2.Key=env&Tags.member.2.Value=prod"),
        "{tag:?}"
    );
    let untag = bodies(&aws, "UntagRole");
    assert_eq!(untag.len(), 1);
    assert!(
        untag[0].ends_with("TagKeys.member.1=cost-center"),
        "{untag:?}"
    );
    assert!(bodies(&aws, "DeleteRolePermissionsBoundary").is_empty());
    assert!(bodies(&aws, "CreateRole").is_empty());
    assert_catalogued(&aws);

    // AND an Update that stops naming the boundary removes the one it set
    let (aws, c) = iam();
    let plain = self::spec(json!({}));
    let role = existing(&plain, Some(B2), &[(MANAGED_TAG, "true")]);
    let none: Vec<(String, String)> = Vec::new();
    let previous = RoleSettings {
        permissions_boundary: Some(B2),
        tags: &none,
    };
    ensure_replication_role(&c, &plain, Some(role), Some(previous), deadline())
        .await
        .unwrap();
    assert_eq!(bodies(&aws, "DeleteRolePermissionsBoundary").len(), 1);
    assert_catalogued(&aws);
}

#[tokio::test]
async fn a_role_we_did_not_create_keeps_its_boundary_path_and_tags() {
    // GIVEN a role someone else created (no management tag)
    let (aws, c) = iam();
    let spec = spec(
        json!({"RolePermissionsBoundary": B2, "RolePath": "/service-role/",
        "RoleTags": {"team": "storage"}}),
    );
    let role = existing(&spec, None, &[("owner", "platform")]);
    // WHEN step 2 runs with properties naming a boundary, a path and tags
    let outcome = ensure_replication_role(&c, &spec, Some(role), None, deadline())
        .await
        .unwrap();
    // THEN nothing but our inline policy is written, and the outcome says what was not applied
    let writes: Vec<String> = aws.writes();
    assert!(
        writes.iter().all(|w| w.starts_with("PutRolePolicy")),
        "{writes:?}"
    );
    let note = outcome.settings_not_applied.unwrap();
    assert!(
        note.starts_with("RolePermissionsBoundary, RolePath, RoleTags: the role"),
        "{note}"
    );
    assert!(note.contains("not created by s3-kms-replication"), "{note}");
}
