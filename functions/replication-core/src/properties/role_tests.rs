//! Unit tests of the replication role's settings: `RolePermissionsBoundary`, `RolePath` and
//! `RoleTags` (issue 21 §4), as properties and as template text.

use serde_json::json;

use super::tests::{issue_for, source_facts, source_props, with};
use super::*;

const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/boundaries/replication";

#[test]
fn role_settings_are_parsed_and_reach_the_spec() {
    let props = with(
        with(
            with(source_props(), "RolePermissionsBoundary", json!(BOUNDARY)),
            "RolePath",
            json!("/service-role/"),
        ),
        "RoleTags",
        json!({"team": "storage", "cost-center": "42"}),
    );
    let p = SourceProperties::parse(&props).unwrap();
    assert_eq!(p.role_path(), "/service-role/");
    let spec = p.validate(&source_facts()).unwrap();
    // Every document names the role by the ARN IAM gives it under its path.
    assert_eq!(
        spec.role_arn.to_string(),
        "arn:aws:iam::111122223333:role/service-role/s3-kms-replication-source-bucket"
    );
    assert_eq!(spec.destination_spec().role_arn, spec.role_arn);
    assert_eq!(spec.role_settings().permissions_boundary, Some(BOUNDARY));
    assert_eq!(
        spec.role_tags,
        vec![
            ("team".to_owned(), "storage".to_owned()),
            ("cost-center".to_owned(), "42".to_owned())
        ]
    );
}

#[test]
fn role_settings_as_template_text_are_what_the_properties_give() {
    // Template parameters are text: "" is unset, and RoleTags may be JSON text.
    let unset = SourceProperties::parse(&with(
        with(
            with(source_props(), "RolePermissionsBoundary", json!("")),
            "RolePath",
            json!(""),
        ),
        "RoleTags",
        json!(""),
    ))
    .unwrap();
    assert_eq!(unset, SourceProperties::parse(&source_props()).unwrap());
    let text = SourceProperties::parse(&with(
        source_props(),
        "RoleTags",
        json!(r#"[{"Key": "team", "Value": "storage"}]"#),
    ))
    .unwrap();
    let list = SourceProperties::parse(&with(
        source_props(),
        "RoleTags",
        json!([{"Key": "team", "Value": "storage"}]),
    ))
    .unwrap();
    assert_eq!(text.role_tags, list.role_tags);
    assert_eq!(
        text.role_tags,
        vec![("team".to_owned(), "storage".to_owned())]
    );
}

#[test]
fn a_bad_permissions_boundary_is_refused_with_the_fix() {
    for bad in [
        "arn:aws:iam::111122223333:role/boundary",
        "boundary",
        "arn:aws:s3:::bucket",
        "arn:aws:iam::111122223333:policy/",
    ] {
        let err =
            SourceProperties::parse(&with(source_props(), "RolePermissionsBoundary", json!(bad)))
                .unwrap_err();
        let issue = issue_for(&err, "RolePermissionsBoundary");
        assert!(
            issue.problem.contains("managed policy ARN"),
            "{bad}: {issue:?}"
        );
        assert!(issue.fix.contains(":policy/"), "{issue:?}");
    }
    // AWS managed policies are managed policies too.
    SourceProperties::parse(&with(
        source_props(),
        "RolePermissionsBoundary",
        json!("arn:aws:iam::aws:policy/PowerUserAccess"),
    ))
    .unwrap();
    // A boundary of another partition than the keys' is refused at validation.
    let p = SourceProperties::parse(&with(
        source_props(),
        "RolePermissionsBoundary",
        json!("arn:aws-cn:iam::111122223333:policy/b"),
    ))
    .unwrap();
    let err = p.validate(&source_facts()).unwrap_err();
    issue_for(&err, "RolePermissionsBoundary");
}

#[test]
fn a_role_path_is_validated_by_iams_rules() {
    for good in ["/", "/service-role/", "/a/b-c_d/"] {
        SourceProperties::parse(&with(source_props(), "RolePath", json!(good)))
            .unwrap_or_else(|e| panic!("{good}: {e}"));
    }
    let long = format!("/{}/", "a".repeat(511));
    for bad in [
        "service-role/",
        "/service-role",
        "/with space/",
        "/é/",
        "//",
        "/a//b/",
        long.as_str(),
    ] {
        let err =
            SourceProperties::parse(&with(source_props(), "RolePath", json!(bad))).unwrap_err();
        let issue = issue_for(&err, "RolePath");
        assert!(
            issue.problem.contains("not a valid IAM path"),
            "{bad}: {issue:?}"
        );
        assert!(issue.fix.contains("starts and ends with /"), "{issue:?}");
    }
}

#[test]
fn role_tags_keep_iams_tag_rules() {
    let refused = |tags: serde_json::Value| {
        SourceProperties::parse(&with(source_props(), "RoleTags", tags)).unwrap_err()
    };
    let err = refused(json!({"aws:team": "x"}));
    assert!(issue_for(&err, "RoleTags").problem.contains("aws:"));
    let err = refused(json!({"s3-kms-replication:managed": "false"}));
    assert!(issue_for(&err, "RoleTags").fix.contains("sets it"));
    let err = refused(json!({"team": "a<b"}));
    assert!(
        issue_for(&err, "RoleTags")
            .problem
            .contains("not a valid IAM tag")
    );
    let err = refused(json!([{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}]));
    assert!(
        issue_for(&err, "RoleTags")
            .problem
            .contains("appears twice")
    );
    let err = refused(json!([{"Key": "team"}]));
    issue_for(&err, "RoleTags[0]");
    let err = refused(json!("team=storage"));
    assert!(issue_for(&err, "RoleTags").fix.contains("JSON text"));
    let fifty: serde_json::Map<String, serde_json::Value> =
        (0..50).map(|i| (format!("k{i}"), json!("v"))).collect();
    let err = refused(serde_json::Value::Object(fifty));
    assert!(issue_for(&err, "RoleTags").fix.contains("at most 49"));
}

#[test]
fn changing_a_role_setting_is_an_in_place_update() {
    let old = SourceProperties::parse(&source_props()).unwrap();
    for (name, value) in [
        ("RolePermissionsBoundary", json!(BOUNDARY)),
        ("RolePath", json!("/service-role/")),
        ("RoleTags", json!({"team": "storage"})),
    ] {
        let new = SourceProperties::parse(&with(source_props(), name, value)).unwrap();
        assert_eq!(
            new.update_kind(&old),
            UpdateKind::InPlace {
                changed: vec![name]
            }
        );
    }
}
