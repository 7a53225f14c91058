//! The plan's documents, compared with the golden JSON files in `tests/golden/`.
//!
//! The inputs are Properties exactly as CloudFormation sends them (strings for booleans and
//! numbers), parsed and validated like the adapter does. To accept an intended change, run
//! with `UPDATE_GOLDEN=1` and review the diff of `tests/golden/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use replication_core::plan::{
    ReplicationConfiguration, destination_bucket_policy_statements,
    destination_key_policy_statements, merge_replication_rules, replication_role_policy,
    replication_role_trust_policy, replication_rules, source_key_policy_statements,
};
use replication_core::policy::{merge_bucket_policy, merge_key_policy, remove_from_key_policy};
use serde_json::{Value, json};

mod common;
use common::{KA, KB, destination_spec, source_spec};

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name)
}

fn read_golden(name: &str) -> Value {
    let text = std::fs::read_to_string(golden_path(name)).expect("golden file exists");
    serde_json::from_str(&text).expect("golden file is JSON")
}

/// Compare `actual` with the golden file `name`, as pretty-printed text so that key order
/// counts too.
fn assert_golden(name: &str, actual: &Value) {
    let pretty = format!("{}\n", serde_json::to_string_pretty(actual).unwrap());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(golden_path(name), &pretty).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(golden_path(name))
        .unwrap_or_else(|_| panic!("missing golden file {name}; run with UPDATE_GOLDEN=1"));
    assert_eq!(
        pretty, expected,
        "{name} differs from its golden file; if intended, run with UPDATE_GOLDEN=1"
    );
}

fn minimal_source() -> Value {
    json!({
        "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:replication-setup",
        "SourceBucket": "source-bucket",
        "SourceKmsKeyArn": KA,
        "DestinationBucket": "replica-bucket",
        "DestinationAccountId": "222233334444",
        "DestinationKmsKeyArn": KB
    })
}

fn full_source() -> Value {
    json!({
        "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:replication-setup",
        "SourceBucket": "source-bucket",
        "SourceKmsKeyArn": KA,
        "DestinationBucket": "replica-bucket",
        "DestinationAccountId": "222233334444",
        "DestinationKmsKeyArn": KB,
        "RoleName": "replicator",
        "ReplicationTimeControl": "true",
        "BucketKeyEnabled": "false",
        "Rules": [
            {"Id": "invoices", "Priority": "10", "Prefix": "invoices/", "DeleteMarkerReplication": "true", "StorageClass": "STANDARD_IA"},
            {"Id": "tagged", "Priority": "20", "Tags": [{"Key": "replicate", "Value": "yes"}]},
            {"Id": "tagged-reports", "Priority": "30", "Prefix": "reports/", "Tags": {"team": "finance", "replicate": "yes"}}
        ]
    })
}

fn minimal_destination() -> Value {
    json!({
        "ServiceToken": "arn:aws:lambda:eu-central-1:222233334444:function:replication-setup",
        "DestinationBucket": "replica-bucket",
        "DestinationKmsKeyArn": KB,
        "SourceAccountId": "111122223333",
        "SourceBucket": "source-bucket",
        "ReplicationRoleArn": "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket"
    })
}

/// Narrowed to per-object encryption contexts.
fn narrow_destination() -> Value {
    let mut props = minimal_destination();
    props["BucketKeyEnabled"] = json!("false");
    props
}

#[test]
fn role_trust_policy_matches_golden() {
    assert_golden(
        "role-trust-policy.json",
        &replication_role_trust_policy(None),
    );
    let restriction = replication_core::plan::TrustRestriction {
        source_account: "111122223333".to_owned(),
        source_bucket_arns: vec!["arn:aws:s3:::source-bucket".to_owned()],
    };
    let restricted = replication_role_trust_policy(Some(&restriction));
    assert_golden("role-trust-policy.restricted.json", &restricted);
    assert_eq!(
        replication_core::plan::trusted_source_arns(&restricted),
        restriction.source_bucket_arns
    );
}

#[test]
/// By default both encryption contexts of each bucket are admitted (S3 Bucket Key objects use
/// the bucket ARN), and the role may `kms:Decrypt` with KB (which a Bucket Key replica needs).
fn role_policy_is_the_documented_least_privilege() {
    assert_golden(
        "role-policy.json",
        &replication_role_policy(&source_spec(&minimal_source())),
    );
}

#[test]
fn role_policy_narrowed_to_object_contexts_has_no_bucket_arn_context_and_no_replica_decrypt() {
    assert_golden(
        "role-policy.object-contexts-only.json",
        &replication_role_policy(&source_spec(&full_source())),
    );
}

#[test]
fn source_key_policy_statement_matches_golden() {
    let statements = source_key_policy_statements(&source_spec(&minimal_source()));
    assert_golden("source-key-policy-statements.json", &json!(statements));
}

#[test]
fn destination_key_policy_statement_matches_golden() {
    let statements = destination_key_policy_statements(&destination_spec(&minimal_destination()));
    assert_golden("destination-key-policy-statements.json", &json!(statements));
}

#[test]
fn destination_key_policy_narrowed_to_object_contexts_has_encrypt_only() {
    let statements = destination_key_policy_statements(&destination_spec(&narrow_destination()));
    assert_golden(
        "destination-key-policy-statements.object-contexts-only.json",
        &json!(statements),
    );
}

#[test]
fn destination_bucket_policy_statements_match_golden() {
    let statements =
        destination_bucket_policy_statements(&destination_spec(&minimal_destination()));
    assert_golden(
        "destination-bucket-policy-statements.json",
        &json!(statements),
    );
}

/// Tags and ownership are the source's switches: off, the role may neither read tags nor
/// replicate them, nor hand replicas to D's owner, and the rule has no AccessControlTranslation.
#[test]
fn role_policy_without_tags_or_owner_override() {
    let mut props = minimal_source();
    props["ReplicateTags"] = json!("false");
    props["OwnerOverride"] = json!("false");
    let spec = source_spec(&props);
    assert_golden(
        "role-policy.no-tags-no-override.json",
        &replication_role_policy(&spec),
    );
    let rules = replication_rules(&spec);
    assert!(rules[0].destination.access_control_translation.is_none());
}

/// An Object Lock source: the role also reads each object's retention and legal hold, on S's
/// objects and nowhere else (S3 User Guide, "Using Object Lock with S3 Replication"); without
/// Object Lock it has neither.
#[test]
fn role_policy_reads_retention_and_legal_hold_only_for_an_object_lock_source() {
    let lock_actions = ["s3:GetObjectRetention", "s3:GetObjectLegalHold"];
    let plain = source_spec(&minimal_source());
    let plain_policy = replication_role_policy(&plain);
    let text = plain_policy.to_string();
    assert!(lock_actions.iter().all(|a| !text.contains(a)), "{text}");

    let mut locked = plain.clone();
    locked.source_object_lock = true;
    let policy = replication_role_policy(&locked);
    let statements = policy["Statement"].as_array().unwrap();
    let with: Vec<&Value> = statements
        .iter()
        .filter(|s| {
            let actions = s["Action"].as_array().unwrap();
            lock_actions.iter().any(|a| actions.contains(&json!(a)))
        })
        .collect();
    assert_eq!(with.len(), 1, "{policy:#}");
    assert_eq!(with[0]["Sid"], "SourceObjects");
    assert_eq!(with[0]["Resource"], json!(["arn:aws:s3:::source-bucket/*"]));
    for a in lock_actions {
        assert!(with[0]["Action"].as_array().unwrap().contains(&json!(a)));
    }
    // Nothing else changes.
    let others = |p: &Value| -> Vec<Value> {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Sid"] != "SourceObjects")
            .cloned()
            .collect()
    };
    assert_eq!(others(&policy), others(&plain_policy));
}

#[test]
fn default_replication_configuration_matches_golden() {
    let spec = source_spec(&minimal_source());
    let config = merge_replication_rules(
        None,
        &spec.role_arn.to_string(),
        &replication_rules(&spec),
        &[],
    )
    .unwrap();
    assert_golden(
        "replication-configuration.json",
        &serde_json::to_value(config).unwrap(),
    );
}

#[test]
fn replication_configuration_with_rules_and_rtc_matches_golden() {
    let spec = source_spec(&full_source());
    let config = merge_replication_rules(
        None,
        &spec.role_arn.to_string(),
        &replication_rules(&spec),
        &[],
    )
    .unwrap();
    assert_golden(
        "replication-configuration.rules-rtc.json",
        &serde_json::to_value(config).unwrap(),
    );
}

/// Metrics without RTC: `Metrics {Status: Enabled}` and no `EventThreshold`, which S3 refuses
/// without `ReplicationTime` (400 `InvalidArgument` "Metrics cannot contain an event threshold
/// when ReplicationTime is not specified or Disabled", quoted in
/// hashicorp/terraform-provider-aws#21895 and aws/aws-cdk#35772). With RTC, the threshold stays.
#[test]
fn metrics_without_rtc_have_no_event_threshold() {
    let mut props = minimal_source();
    props["ReplicationMetrics"] = json!("true");
    let rules = replication_rules(&source_spec(&props));
    let destination = serde_json::to_value(&rules[0].destination).unwrap();
    assert_eq!(destination["Metrics"], json!({"Status": "Enabled"}));
    assert!(destination.get("ReplicationTime").is_none());

    props["ReplicationTimeControl"] = json!("true");
    let rules = replication_rules(&source_spec(&props));
    let destination = serde_json::to_value(&rules[0].destination).unwrap();
    assert_eq!(
        destination["Metrics"],
        json!({"Status": "Enabled", "EventThreshold": {"Minutes": 15}})
    );
    assert_eq!(destination["ReplicationTime"]["Status"], "Enabled");
}

#[test]
fn both_sides_agree_on_the_scope_and_the_role() {
    // GIVEN the two resources of one replication, each configured in its own account
    let source = source_spec(&minimal_source());
    let destination = destination_spec(&minimal_destination());
    // THEN they compute the same Sid scope, and the destination names the source's default role
    assert_eq!(source.sid_scope(), destination.sid_scope());
    assert_eq!(source.role_arn, destination.role_arn);
    // AND the single-stack destination spec plans the same destination documents
    assert_eq!(
        destination_bucket_policy_statements(&source.destination_spec()),
        destination_bucket_policy_statements(&destination)
    );
}

#[test]
fn merged_key_policy_keeps_the_default_statements() {
    // GIVEN KB's default key policy as the KMS console writes it
    let before = read_golden("key-policy.before.json");
    let spec = destination_spec(&minimal_destination());
    let ours = destination_key_policy_statements(&spec);
    // WHEN our statement is merged
    let merged =
        merge_key_policy(&before, &spec.destination_account, &spec.sid_scope(), &ours).unwrap();
    // THEN the result is the golden document, and removing ours gives back the original
    assert_golden("key-policy.merged.json", &merged);
    let restored =
        remove_from_key_policy(&merged, &spec.destination_account, &spec.sid_scope()).unwrap();
    assert_eq!(restored.to_string(), before.to_string());
}

#[test]
fn merged_bucket_policy_keeps_foreign_statements() {
    let before = read_golden("bucket-policy.before.json");
    let spec = destination_spec(&minimal_destination());
    let merged = merge_bucket_policy(
        Some(&before),
        &spec.sid_scope(),
        &destination_bucket_policy_statements(&spec),
    )
    .unwrap();
    assert_golden("bucket-policy.merged.json", &merged);
}

#[test]
fn replication_configuration_update_keeps_a_foreign_rule() {
    // GIVEN S already replicates a prefix elsewhere, under our role
    let spec = source_spec(&minimal_source());
    let existing: ReplicationConfiguration =
        serde_json::from_value(read_golden("replication-configuration.before.json")).unwrap();
    // WHEN our default rule is merged
    let merged = merge_replication_rules(
        Some(&existing),
        &spec.role_arn.to_string(),
        &replication_rules(&spec),
        &[],
    )
    .unwrap();
    // THEN the foreign rule comes first, unchanged, and ours follows
    assert_golden(
        "replication-configuration.merged.json",
        &serde_json::to_value(merged).unwrap(),
    );
}

#[test]
fn generated_policies_carry_no_wildcard_actions() {
    let source = source_spec(&full_source());
    let destination = destination_spec(&minimal_destination());
    let mut all: Vec<Value> = vec![replication_role_policy(&source)];
    all.extend(source_key_policy_statements(&source));
    all.extend(destination_key_policy_statements(&destination));
    all.extend(destination_bucket_policy_statements(&destination));
    let text = Value::Array(all).to_string();
    for wildcard in ["s3:*", "kms:*", "List*", "GenerateDataKey*", "ReEncrypt*"] {
        assert!(
            !text.contains(wildcard),
            "{wildcard} found in generated policies"
        );
    }
    assert!(!text.contains("alias/"), "policies name keys by ARN only");
}

#[test]
fn the_wanted_trust_keeps_the_source_buckets_a_shared_role_already_admits() {
    // Without RoleTrustConditions: S3's plain trust, whatever the current one holds.
    let plain = source_spec(&minimal_source());
    assert_eq!(
        replication_core::plan::wanted_trust_policy(&plain, None),
        replication_role_trust_policy(None)
    );
    // With them: the other source bucket a shared role admits stays, S is added once.
    let mut props = minimal_source();
    props["RoleTrustConditions"] = json!("true");
    let spec = source_spec(&props);
    let other = "arn:aws:s3:::another-source".to_owned();
    let current = replication_role_trust_policy(Some(&replication_core::plan::TrustRestriction {
        source_account: spec.source_account.to_string(),
        source_bucket_arns: vec![other.clone()],
    }));
    let wanted = replication_core::plan::wanted_trust_policy(&spec, Some(&current));
    let mut admitted = replication_core::plan::trusted_source_arns(&wanted);
    admitted.sort();
    let s = spec.source_bucket.arn(&spec.partition);
    let mut expected = vec![other, s.clone()];
    expected.sort();
    assert_eq!(admitted, expected);
    let again = replication_core::plan::wanted_trust_policy(&spec, Some(&wanted));
    assert_eq!(again, wanted, "a repeat changes nothing");
}

#[test]
fn an_update_replaces_the_old_rules_only_on_the_same_source_bucket() {
    use replication_core::plan::PreviousRules;
    use replication_core::properties::SourceProperties;
    let spec = source_spec(&minimal_source());
    let old = SourceProperties::parse(&minimal_source()).unwrap();
    let previous = PreviousRules::of_update(Some(&old), &spec).unwrap();
    assert_eq!(previous.ids, spec.rule_ids());
    assert_eq!(
        previous.destination_bucket,
        spec.destination_bucket.as_str()
    );
    assert_eq!(previous.owner().ids, previous.ids.as_slice());
    let mut elsewhere = minimal_source();
    elsewhere["SourceBucket"] = json!("another-source-bucket");
    let other = SourceProperties::parse(&elsewhere).unwrap();
    assert_eq!(PreviousRules::of_update(Some(&other), &spec), None);
    assert_eq!(PreviousRules::of_update(None, &spec), None);
}
