//! Unit tests of `properties`.

use serde_json::{Value, json};

use super::*;

const KA: &str = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-11aa-11aa-11aa-111111aaaaaa";
const KB: &str = "arn:aws:kms:eu-central-1:222233334444:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";

pub(super) fn source_props() -> Value {
    json!({
        "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:setup",
        "SourceBucket": "source-bucket",
        "SourceKmsKeyArn": KA,
        "DestinationBucket": "replica-bucket",
        "DestinationAccountId": "222233334444",
        "DestinationKmsKeyArn": KB,
    })
}

pub(super) fn destination_props() -> Value {
    json!({
        "DestinationBucket": "replica-bucket",
        "DestinationKmsKeyArn": KB,
        "SourceAccountId": "111122223333",
        "SourceBucket": "source-bucket",
        "ReplicationRoleArn": "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket",
    })
}

pub(super) fn source_facts() -> SourceFacts {
    SourceFacts {
        account_id: AccountId::parse("111122223333").unwrap(),
        source_bucket_region: Region::parse("eu-west-1").unwrap(),
        source_key: ResolvedKey {
            arn: KmsKeyArn::parse(KA).unwrap(),
            manager: Some(KeyManager::Customer),
            state: None,
        },
        destination_key: ResolvedKey::from_arn(KmsKeyArn::parse(KB).unwrap()),
        destination_bucket_region: None,
        source_encryption: None,
        destination_encryption: None,
        source_object_lock: false,
    }
}

pub(super) fn destination_facts() -> DestinationFacts {
    DestinationFacts {
        account_id: AccountId::parse("222233334444").unwrap(),
        destination_bucket_region: Region::parse("eu-central-1").unwrap(),
        destination_key: ResolvedKey {
            arn: KmsKeyArn::parse(KB).unwrap(),
            manager: Some(KeyManager::Customer),
            state: None,
        },
        destination_encryption: None,
    }
}

pub(super) fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

pub(super) fn issue_for<'a>(err: &'a InvalidProperties, property: &str) -> &'a PropertyIssue {
    err.issues
        .iter()
        .find(|i| i.property == property)
        .unwrap_or_else(|| panic!("no issue for {property} in {err}"))
}

#[test]
fn minimal_source_properties_get_the_documented_defaults() {
    let p = SourceProperties::parse(&source_props()).unwrap();
    assert_eq!(p.effective_role_name(), "s3-kms-replication-source-bucket");
    assert_eq!(
        p.rules,
        vec![RuleProperties::whole_bucket(&p.destination_bucket)]
    );
    assert!(!p.replication_time_control && !p.replication_metrics);
    assert!(
        p.bucket_key_enabled,
        "Bucket Key contexts are admitted by default"
    );
    let spec = p.validate(&source_facts()).unwrap();
    assert!(
        spec.owner_override,
        "accounts differ, so owner override defaults on"
    );
    assert_eq!(
        spec.role_arn.to_string(),
        "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket"
    );
    assert_eq!(spec.destination_region.as_str(), "eu-central-1");
}

#[test]
fn owner_override_defaults_off_within_one_account() {
    let kb_same = "arn:aws:kms:eu-west-1:111122223333:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";
    let props = with(
        with(
            source_props(),
            "DestinationAccountId",
            json!("111122223333"),
        ),
        "DestinationKmsKeyArn",
        json!(kb_same),
    );
    let p = SourceProperties::parse(&props).unwrap();
    let mut facts = source_facts();
    facts.destination_key = ResolvedKey::from_arn(KmsKeyArn::parse(kb_same).unwrap());
    assert!(!p.validate(&facts).unwrap().owner_override);
    // Asked for explicitly within one account: refused, as the S3 guide advises.
    let p = SourceProperties::parse(&with(props, "OwnerOverride", json!(true))).unwrap();
    let err = p.validate(&facts).unwrap_err();
    assert!(
        issue_for(&err, "OwnerOverride")
            .problem
            .contains("different accounts")
    );
}

#[test]
fn the_tag_and_owner_switches_are_the_sources_and_refused_on_the_destination() {
    let p = SourceProperties::parse(&source_props()).unwrap();
    assert!(p.replicate_tags, "defaults to true");
    let off = with(source_props(), "ReplicateTags", json!("false"));
    assert!(!SourceProperties::parse(&off).unwrap().replicate_tags);
    // A tag filter needs the tags read: contradictory with ReplicateTags false.
    let tagged = with(
        off,
        "Rules",
        json!([{"Id": "t", "Tags": {"team": "a"}}, {"Id": "p", "Prefix": "x/"}]),
    );
    let err = SourceProperties::parse(&tagged).unwrap_err();
    assert_eq!(
        issue_for(&err, "Rules[0].Tags").fix,
        "set ReplicateTags to true, or select by Prefix only"
    );
    assert_eq!(err.issues.len(), 1);
    // On the destination: true (or absent) is accepted, false is refused with the fix.
    let on = with(destination_props(), "ReplicateTags", json!(true));
    assert!(DestinationProperties::parse(&on).is_ok());
    for property in ["ReplicateTags", "OwnerOverride"] {
        let err =
            DestinationProperties::parse(&with(destination_props(), property, json!("false")))
                .unwrap_err();
        assert!(
            issue_for(&err, property)
                .fix
                .contains("Custom::ReplicationSource")
        );
    }
}

#[test]
fn cloudformation_strings_are_accepted_for_booleans_and_numbers() {
    let props = with(
        with(source_props(), "ReplicationTimeControl", json!("true")),
        "Rules",
        json!([{"Id": "a", "Priority": "15", "DeleteMarkerReplication": "False"},
               {"Id": "b", "Priority": 16, "DeleteMarkerReplication": true}]),
    );
    let p = SourceProperties::parse(&props).unwrap();
    assert!(p.replication_time_control);
    assert!(p.replication_metrics, "RTC implies metrics");
    assert_eq!(p.rules[0].priority, 15);
    assert!(!p.rules[0].delete_marker_replication);
    assert_eq!(p.rules[1].priority, 16);
    assert!(p.rules[1].delete_marker_replication);
}

#[test]
fn bad_booleans_and_numbers_name_the_property() {
    let props = with(
        with(source_props(), "BucketKeyEnabled", json!("yes")),
        "Rules",
        json!([{"Id": "a", "Priority": "high"}]),
    );
    let err = SourceProperties::parse(&props).unwrap_err();
    assert!(
        issue_for(&err, "BucketKeyEnabled")
            .fix
            .contains("true or false")
    );
    assert!(
        issue_for(&err, "Rules[0].Priority")
            .fix
            .contains("whole number")
    );
}

#[test]
fn unknown_properties_are_named_but_service_token_is_ignored() {
    let props = with(source_props(), "SourceBuckett", json!("typo"));
    let err = SourceProperties::parse(&props).unwrap_err();
    let issue = issue_for(&err, "SourceBuckett");
    assert_eq!(issue.problem, "unknown property");
    assert!(issue.fix.contains("SourceBucket"));
    assert_eq!(err.issues.len(), 1, "ServiceToken is not reported: {err}");
}

#[test]
fn service_timeout_is_cloudformations_and_accepted_on_both_types() {
    let props = with(source_props(), "ServiceTimeout", json!("720"));
    assert!(SourceProperties::parse(&props).is_ok());
    let props = with(destination_props(), "ServiceTimeout", json!(720));
    assert!(DestinationProperties::parse(&props).is_ok());
}

#[test]
fn every_missing_property_is_reported_at_once() {
    let err = SourceProperties::parse(&json!({})).unwrap_err();
    let named: Vec<&str> = err.issues.iter().map(|i| i.property.as_str()).collect();
    assert_eq!(
        named,
        vec![
            "SourceBucket",
            "SourceKmsKeyArn",
            "DestinationBucket",
            "DestinationAccountId",
            "DestinationKmsKeyArn"
        ]
    );
    assert!(
        err.to_string()
            .contains("SourceBucket: missing; this property is required")
    );
}

#[test]
fn rules_accept_tags_as_list_or_map_and_refuse_unknown_keys() {
    let props = with(
        source_props(),
        "Rules",
        json!([
            {"Id": "list", "Tags": [{"Key": "team", "Value": "data"}]},
            {"Id": "map", "Priority": 7, "Prefix": "logs/", "Tags": {"env": "prod"}, "StorageClass": "STANDARD_IA"},
        ]),
    );
    let p = SourceProperties::parse(&props).unwrap();
    assert_eq!(
        p.rules[0].tags,
        vec![("team".to_owned(), "data".to_owned())]
    );
    assert_eq!(p.rules[0].priority, 1, "defaults to its position");
    assert_eq!(p.rules[1].priority, 7);
    assert_eq!(p.rules[1].storage_class.as_deref(), Some("STANDARD_IA"));

    let bad = with(source_props(), "Rules", json!([{"Id": "x", "Filter": {}}]));
    let err = SourceProperties::parse(&bad).unwrap_err();
    assert_eq!(
        issue_for(&err, "Rules[0].Filter").problem,
        "unknown property"
    );
}

#[test]
fn rule_conflicts_are_reported_before_any_write() {
    let props = with(
        source_props(),
        "Rules",
        json!([
            {"Id": "a", "Priority": 1},
            {"Id": "a", "Priority": 1, "Tags": {"k": "v"}, "DeleteMarkerReplication": true, "StorageClass": "COLD"},
        ]),
    );
    let err = SourceProperties::parse(&props).unwrap_err();
    assert!(
        issue_for(&err, "Rules[1].Id")
            .problem
            .contains("used twice")
    );
    assert!(
        issue_for(&err, "Rules[1].Priority")
            .problem
            .contains("equal priority")
    );
    assert!(
        issue_for(&err, "Rules[1].DeleteMarkerReplication")
            .problem
            .contains("tags")
    );
    assert!(
        issue_for(&err, "Rules[1].StorageClass")
            .fix
            .contains("GLACIER_IR")
    );
    let empty = SourceProperties::parse(&with(source_props(), "Rules", json!([]))).unwrap_err();
    assert_eq!(issue_for(&empty, "Rules").problem, "empty list");
}

#[test]
fn aws_managed_key_alias_is_refused_at_parse() {
    let props = with(source_props(), "SourceKmsKeyArn", json!("alias/aws/s3"));
    let err = SourceProperties::parse(&props).unwrap_err();
    assert!(
        issue_for(&err, "SourceKmsKeyArn")
            .fix
            .contains("customer managed")
    );
}

#[test]
fn aws_managed_key_found_by_describe_key_is_refused() {
    let p = SourceProperties::parse(&source_props()).unwrap();
    let mut facts = source_facts();
    facts.source_key.manager = Some(KeyManager::Aws);
    let err = p.validate(&facts).unwrap_err();
    assert!(
        issue_for(&err, "SourceKmsKeyArn")
            .problem
            .contains("AWS managed")
    );
}

#[test]
fn destination_alias_needs_the_access_role() {
    let props = with(
        source_props(),
        "DestinationKmsKeyArn",
        json!("alias/replicas"),
    );
    let err = SourceProperties::parse(&props).unwrap_err();
    assert!(
        issue_for(&err, "DestinationKmsKeyArn")
            .fix
            .contains("DestinationAccessRoleArn")
    );
    let single_stack = with(
        props,
        "DestinationAccessRoleArn",
        json!("arn:aws:iam::222233334444:role/setup-access"),
    );
    let p = SourceProperties::parse(&single_stack).unwrap();
    assert!(p.destination_kms_key.needs_resolution());
}

#[test]
fn key_region_must_equal_bucket_region() {
    let p = SourceProperties::parse(&source_props()).unwrap();
    let mut facts = source_facts();
    facts.source_bucket_region = Region::parse("us-east-1").unwrap();
    facts.destination_bucket_region = Some(Region::parse("eu-west-3").unwrap());
    let err = p.validate(&facts).unwrap_err();
    assert!(issue_for(&err, "SourceKmsKeyArn").fix.contains("us-east-1"));
    assert!(
        issue_for(&err, "DestinationKmsKeyArn")
            .fix
            .contains("eu-west-3")
    );
}

#[test]
fn key_accounts_must_match_the_account_properties() {
    let wrong_kb = "arn:aws:kms:eu-central-1:999988887777:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";
    let err = SourceProperties::parse(&with(
        source_props(),
        "DestinationKmsKeyArn",
        json!(wrong_kb),
    ))
    .unwrap_err();
    assert!(
        issue_for(&err, "DestinationKmsKeyArn")
            .problem
            .contains("999988887777")
    );

    let p = SourceProperties::parse(&source_props()).unwrap();
    let mut facts = source_facts();
    facts.account_id = AccountId::parse("555566667777").unwrap();
    let err = p.validate(&facts).unwrap_err();
    assert!(
        issue_for(&err, "SourceKmsKeyArn")
            .problem
            .contains("111122223333")
    );
}

#[test]
fn destination_properties_validate_against_facts() {
    let p = DestinationProperties::parse(&destination_props()).unwrap();
    let spec = p.validate(&destination_facts()).unwrap();
    assert!(spec.bucket_key_enabled);
    assert_eq!(spec.destination_key.to_string(), KB);

    let mut facts = destination_facts();
    facts.account_id = AccountId::parse("111122223333").unwrap();
    facts.destination_bucket_region = Region::parse("eu-west-1").unwrap();
    let err = p.validate(&facts).unwrap_err();
    let key_issues: Vec<&PropertyIssue> = err
        .issues
        .iter()
        .filter(|i| i.property == "DestinationKmsKeyArn")
        .collect();
    assert_eq!(key_issues.len(), 2, "{err}");
}

#[test]
fn role_in_another_account_than_source_account_is_refused() {
    let props = with(
        destination_props(),
        "ReplicationRoleArn",
        json!("arn:aws:iam::999988887777:role/r"),
    );
    let err = DestinationProperties::parse(&props).unwrap_err();
    assert!(
        issue_for(&err, "ReplicationRoleArn")
            .problem
            .contains("SourceAccountId")
    );
}

#[test]
fn notification_queue_must_be_in_the_bucket_region() {
    let props = with(
        destination_props(),
        "NotificationQueueArn",
        json!("arn:aws:sqs:us-east-1:222233334444:replica-events"),
    );
    let p = DestinationProperties::parse(&props).unwrap();
    let err = p.validate(&destination_facts()).unwrap_err();
    assert!(
        issue_for(&err, "NotificationQueueArn")
            .fix
            .contains("eu-central-1")
    );
}

#[test]
fn single_stack_destination_spec_matches_the_source_spec() {
    let props = with(
        source_props(),
        "DestinationAccessRoleArn",
        json!("arn:aws:iam::222233334444:role/setup-access"),
    );
    let spec = SourceProperties::parse(&props)
        .unwrap()
        .validate(&source_facts())
        .unwrap();
    let dest = spec.destination_spec();
    assert_eq!(dest.sid_scope(), spec.sid_scope());
    assert_eq!(dest.role_arn, spec.role_arn);
}

fn bucket_keys_on() -> Option<DefaultEncryption> {
    Some(DefaultEncryption {
        algorithm: "aws:kms".to_owned(),
        kms_key_id: Some(KB.to_owned()),
        kms_key_arn: None,
        bucket_key_enabled: true,
    })
}

#[test]
fn narrowing_to_object_contexts_is_refused_when_a_bucket_writes_bucket_key_objects() {
    // Absent or true: both contexts, whatever the buckets' default encryption.
    let mut facts = destination_facts();
    facts.destination_encryption = bucket_keys_on();
    let p = DestinationProperties::parse(&destination_props()).unwrap();
    assert!(p.validate(&facts).unwrap().bucket_key_enabled);
    // False beside a Bucket Key default: refused, naming the property and the bucket.
    let p = DestinationProperties::parse(&with(
        destination_props(),
        "BucketKeyEnabled",
        json!("false"),
    ))
    .unwrap();
    let err = p.validate(&facts).unwrap_err();
    let issue = issue_for(&err, "BucketKeyEnabled");
    assert!(issue.problem.contains("DestinationBucket"), "{issue}");
    assert!(issue.fix.contains("remove BucketKeyEnabled"), "{issue}");
    // False where no bucket uses Bucket Keys: accepted, narrow.
    let spec = p.validate(&destination_facts()).unwrap();
    assert!(!spec.bucket_key_enabled);

    let narrow = with(source_props(), "BucketKeyEnabled", json!(false));
    let p = SourceProperties::parse(&narrow).unwrap();
    for (source, destination, bucket) in [
        (bucket_keys_on(), None, "SourceBucket"),
        (None, bucket_keys_on(), "DestinationBucket"),
    ] {
        let mut facts = source_facts();
        facts.source_encryption = source;
        facts.destination_encryption = destination;
        let err = p.validate(&facts).unwrap_err();
        assert!(issue_for(&err, "BucketKeyEnabled").problem.contains(bucket));
    }
    assert!(!p.validate(&source_facts()).unwrap().bucket_key_enabled);
}

/// Only a customer alias needs describing: a key id or ARN names its key, and an AWS managed
/// alias is no customer key.
#[test]
fn only_a_customer_alias_in_the_default_encryption_is_resolved() {
    let default = |key: Option<&str>| DefaultEncryption {
        algorithm: "aws:kms".into(),
        kms_key_id: key.map(str::to_owned),
        kms_key_arn: None,
        bucket_key_enabled: false,
    };
    let alias_arn = "arn:aws:kms:eu-west-1:111122223333:alias/team";
    assert_eq!(
        default(Some("alias/team"))
            .alias_to_resolve()
            .map(|a| a.to_string()),
        Some("alias/team".to_owned())
    );
    assert_eq!(
        default(Some(alias_arn))
            .alias_to_resolve()
            .map(|a| a.to_string()),
        Some(alias_arn.to_owned())
    );
    for key in [
        None,
        Some(KA),
        Some("1111aaaa-11aa-11aa-11aa-111111aaaaaa"),
        Some("alias/aws/s3"),
    ] {
        assert_eq!(default(key).alias_to_resolve(), None, "{key:?}");
    }
}

/// Issue 21 §1: S's replication events go to a queue in S's region, and only with replication
/// metrics on (S3 sends none otherwise); empty text, a template's unset parameter, is omitted.
#[test]
fn replication_events_queue_needs_metrics_and_the_source_region() {
    let queue = |region: &str| json!(format!("arn:aws:sqs:{region}:222233334444:verifier"));
    let facts = source_facts();
    let here = facts.source_bucket_region.as_str().to_owned();
    let off = with(source_props(), "ReplicationEventsQueueArn", queue(&here));
    let err = SourceProperties::parse(&off).unwrap_err();
    assert!(
        issue_for(&err, "ReplicationEventsQueueArn")
            .fix
            .contains("ReplicationMetrics to true")
    );
    let on = with(off, "ReplicationMetrics", json!("true"));
    let spec = SourceProperties::parse(&on)
        .unwrap()
        .validate(&facts)
        .unwrap();
    assert_eq!(
        spec.replication_events_queue.unwrap().to_string(),
        queue(&here).as_str().unwrap()
    );
    let elsewhere = with(on, "ReplicationEventsQueueArn", queue("ap-south-2"));
    let err = SourceProperties::parse(&elsewhere)
        .unwrap()
        .validate(&facts)
        .unwrap_err();
    let issue = issue_for(&err, "ReplicationEventsQueueArn");
    assert!(issue.problem.contains("ap-south-2"), "{issue:?}");
    assert!(
        issue.fix.contains("OperationsFailedReplication"),
        "{issue:?}"
    );
    let empty = with(source_props(), "ReplicationEventsQueueArn", json!(""));
    assert_eq!(
        SourceProperties::parse(&empty)
            .unwrap()
            .replication_events_queue_arn,
        None
    );
    let url = with(
        with(source_props(), "ReplicationMetrics", json!("true")),
        "ReplicationEventsQueueArn",
        json!("https://sqs.eu-central-1.amazonaws.com/222233334444/verifier"),
    );
    let err = SourceProperties::parse(&url).unwrap_err();
    assert!(
        issue_for(&err, "ReplicationEventsQueueArn")
            .fix
            .contains("not its URL")
    );
}

#[test]
fn policy_writes_is_apply_unless_report_is_asked_and_anything_else_is_named() {
    let s = SourceProperties::parse(&source_props()).unwrap();
    let d = DestinationProperties::parse(&destination_props()).unwrap();
    assert_eq!(
        (s.policy_writes, d.policy_writes),
        (PolicyWrites::Apply, PolicyWrites::Apply)
    );
    // An unset template parameter is "".
    let unset = SourceProperties::parse(&with(source_props(), "PolicyWrites", json!(""))).unwrap();
    assert_eq!(unset.policy_writes, PolicyWrites::Apply);
    let report =
        DestinationProperties::parse(&with(destination_props(), "PolicyWrites", json!("report")))
            .unwrap();
    assert_eq!(report.policy_writes, PolicyWrites::Report);
    assert!(!report.policy_writes.applies());
    // A change of mode is an in-place Update, never a replacement.
    assert_eq!(
        report.update_kind(&d),
        UpdateKind::InPlace {
            changed: vec!["PolicyWrites"]
        }
    );
    let err =
        SourceProperties::parse(&with(source_props(), "PolicyWrites", json!("Never"))).unwrap_err();
    let issue = issue_for(&err, "PolicyWrites");
    assert!(issue.problem.contains("\"Never\""), "{issue:?}");
    assert!(
        issue.fix.contains("Apply") && issue.fix.contains("Report"),
        "{issue:?}"
    );
}
