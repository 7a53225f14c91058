//! Unit tests of the property tables: what a change to each property means (replacement or in
//! place), that each table says what its parser does, and `Rules` given as JSON text.

use serde_json::{Value, json};

use super::tests::{destination_props, issue_for, source_props, with};
use super::*;

#[test]
fn changing_a_bucket_or_account_means_replacement() {
    let old = SourceProperties::parse(&source_props()).unwrap();
    let new = SourceProperties::parse(&with(
        source_props(),
        "DestinationBucket",
        json!("other-replicas"),
    ))
    .unwrap();
    assert_eq!(
        new.update_kind(&old),
        UpdateKind::Replacement {
            because: vec!["DestinationBucket"]
        }
    );
    assert_ne!(new.physical_resource_id(), old.physical_resource_id());

    let old_d = DestinationProperties::parse(&destination_props()).unwrap();
    let new_d = DestinationProperties::parse(&with(
        destination_props(),
        "SourceBucket",
        json!("other-source"),
    ))
    .unwrap();
    assert!(matches!(
        new_d.update_kind(&old_d),
        UpdateKind::Replacement { .. }
    ));
    assert_ne!(new_d.physical_resource_id(), old_d.physical_resource_id());
}

#[test]
fn changing_a_prefix_or_flag_is_an_in_place_update() {
    let old = SourceProperties::parse(&with(
        source_props(),
        "Rules",
        json!([{"Id": "r", "Prefix": "a/"}]),
    ))
    .unwrap();
    let new = SourceProperties::parse(&with(
        with(
            source_props(),
            "Rules",
            json!([{"Id": "r", "Prefix": "b/"}]),
        ),
        "ReplicationMetrics",
        json!("true"),
    ))
    .unwrap();
    assert_eq!(
        new.update_kind(&old),
        UpdateKind::InPlace {
            changed: vec!["Rules", "ReplicationMetrics"]
        }
    );
    assert_eq!(new.physical_resource_id(), old.physical_resource_id());
    assert_eq!(old.update_kind(&old), UpdateKind::NoChange);
    // "true" and true are the same value.
    let a =
        SourceProperties::parse(&with(source_props(), "BucketKeyEnabled", json!("true"))).unwrap();
    let b =
        SourceProperties::parse(&with(source_props(), "BucketKeyEnabled", json!(true))).unwrap();
    assert_eq!(a.update_kind(&b), UpdateKind::NoChange);
}

#[test]
fn unknown_resource_type_lists_the_accepted_ones() {
    let err = ResourceType::parse("Custom::Replication").unwrap_err();
    for accepted in ResourceType::ACCEPTED {
        assert!(err.to_string().contains(accepted));
    }
    assert_eq!(
        ResourceType::parse("Custom::ReplicationSource"),
        Ok(ResourceType::Source)
    );
}

/// The table's `required` and `default` are what `parse` does: a required property left out is
/// refused by name; an optional one set explicitly to the table's default parses to what
/// leaving it out gives (no change by the table's own comparison).
#[test]
fn the_property_tables_say_what_parse_does() {
    fn check<T>(
        table: &[super::Property<T>],
        minimal: &Value,
        parse: fn(&Value) -> Result<T, InvalidProperties>,
        update_kind: fn(&T, &T) -> UpdateKind,
    ) {
        let base = parse(minimal).unwrap();
        for row in table {
            let without = {
                let mut v = minimal.clone();
                v.as_object_mut().unwrap().remove(row.name);
                v
            };
            match (row.required, row.default) {
                (true, _) => {
                    let err = parse(&without).err().unwrap_or_else(|| {
                        panic!(
                            "{} is required in the table, but parse accepts it missing",
                            row.name
                        )
                    });
                    issue_for(&err, row.name);
                }
                (false, Some(default)) => {
                    let parsed =
                        parse(&without).unwrap_or_else(|e| panic!("{} left out: {e}", row.name));
                    let explicit = parse(&with(without, row.name, json!(default)))
                        .unwrap_or_else(|e| panic!("{} = {default}: {e}", row.name));
                    assert_eq!(
                        update_kind(&explicit, &parsed),
                        UpdateKind::NoChange,
                        "{}: the table's default {default} is not what parse gives when it is absent",
                        row.name
                    );
                    assert_eq!(
                        update_kind(&parsed, &base),
                        UpdateKind::NoChange,
                        "{}",
                        row.name
                    );
                }
                (false, None) => {
                    parse(&without).unwrap_or_else(|e| panic!("{} is optional: {e}", row.name));
                }
            }
        }
    }
    check(
        &SourceProperties::PROPERTIES,
        &source_props(),
        SourceProperties::parse,
        SourceProperties::update_kind,
    );
    check(
        &DestinationProperties::PROPERTIES,
        &destination_props(),
        DestinationProperties::parse,
        DestinationProperties::update_kind,
    );
}

/// A template parameter carries only text: `Rules` as JSON text parses as the list itself,
/// empty text as omitted, and other text is refused by name.
#[test]
fn rules_given_as_json_text_are_the_list() {
    let list = json!([{"Id": "logs", "Priority": "2", "Prefix": "logs/", "Tags": {"k": "v"}}]);
    let as_list = SourceProperties::parse(&with(source_props(), "Rules", list.clone())).unwrap();
    let as_text =
        SourceProperties::parse(&with(source_props(), "Rules", json!(list.to_string()))).unwrap();
    assert_eq!(as_text, as_list);
    assert_eq!(as_text.rules[0].prefix.as_deref(), Some("logs/"));

    let empty = SourceProperties::parse(&with(source_props(), "Rules", json!(""))).unwrap();
    assert_eq!(empty, SourceProperties::parse(&source_props()).unwrap());

    for text in ["{\"Id\": \"x\"}", "not json", "[{\"Id\": 1"] {
        let err = SourceProperties::parse(&with(source_props(), "Rules", json!(text))).unwrap_err();
        let issue = issue_for(&err, "Rules");
        assert!(issue.problem.contains("JSON list"), "{text}: {issue:?}");
        assert!(issue.fix.contains("[{"), "{text}: {issue:?}");
    }
}

/// `ReplicateExistingObjects` needs the job role and the report bucket; empty text (an unset
/// template parameter) is omitted; the report bucket may not be S.
#[test]
fn replicate_existing_objects_names_what_the_job_needs() {
    let on = with(source_props(), "ReplicateExistingObjects", json!("true"));
    let err = SourceProperties::parse(&with(on.clone(), "BatchReplicationRoleArn", json!("")))
        .unwrap_err();
    assert!(
        issue_for(&err, "BatchReplicationRoleArn")
            .problem
            .contains("missing")
    );
    assert!(
        issue_for(&err, "BatchReplicationReportBucket")
            .fix
            .contains("manifest")
    );
    let given = with(
        with(
            on,
            "BatchReplicationRoleArn",
            json!("arn:aws:iam::111111111111:role/batch"),
        ),
        "BatchReplicationReportBucket",
        json!("reports-bucket"),
    );
    let p = SourceProperties::parse(&given).unwrap();
    assert!(p.replicate_existing_objects);
    assert_eq!(
        p.batch_replication_report_bucket.unwrap().as_str(),
        "reports-bucket"
    );
    let source = source_props()["SourceBucket"].clone();
    let err =
        SourceProperties::parse(&with(given, "BatchReplicationReportBucket", source)).unwrap_err();
    assert!(
        issue_for(&err, "BatchReplicationReportBucket")
            .problem
            .contains("SourceBucket")
    );
}
