//! The doctor is the single source of truth for "is this grant enough": what the setup plan
//! writes passes it, and each thing broken afterwards is its one finding, with the right step
//! and document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use replication_core::doctor::{Outcome, Report, Seen, Snapshot, diagnose};
use replication_core::plan::replication_role_policy;
use replication_core::properties::DefaultEncryption;
use serde_json::{Value, json};

mod common;
use common::healthy::{A, B, ROLE, healthy};
use common::{KA, KB, source_spec};

/// The one finding of `report`, with its step and a part of its document's name.
fn only_finding(report: &Report, step: u8, document: &str) {
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    let f = &report.findings[0];
    assert_eq!(f.step, step, "{f}");
    assert!(f.document.contains(document), "{f}");
    assert!(!report.healthy);
    assert_eq!(report.exit_code(), 1);
}

fn statements_without(doc: &Value, sid_part: &str) -> Value {
    let mut doc = doc.clone();
    let kept: Vec<Value> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["Sid"].as_str().unwrap_or("").contains(sid_part))
        .cloned()
        .collect();
    doc["Statement"] = json!(kept);
    doc
}

#[test]
fn what_the_setup_plan_writes_is_healthy() {
    let report = diagnose(&healthy());
    assert!(report.healthy, "{:#?}", report);
    assert_eq!(report.exit_code(), 0);
    assert!(report.checks.iter().all(|c| c.outcome == Outcome::Pass));
    assert_eq!(report.checks.len(), 9, "{:#?}", report.checks);
}

#[test]
fn kbs_statement_removed() {
    let mut s = healthy();
    if let Seen::Read(Some(k)) = &mut s.destination_key {
        k.policy = statements_without(&k.policy, "S3KmsReplication");
    }
    only_finding(&diagnose(&s), 4, "KB's key policy");
}

#[test]
fn kms_decrypt_removed_from_the_role() {
    let mut s = healthy();
    if let Seen::Read(Some(r)) = &mut s.role {
        r.policies[0].1 = statements_without(&r.policies[0].1, "SourceKeyDecrypt");
    }
    let report = diagnose(&s);
    only_finding(&report, 2, "the replication role's policies");
    assert!(
        report.findings[0].problem.contains("kms:Decrypt"),
        "{}",
        report.findings[0]
    );
}

/// An Object Lock source, with the role the plan writes for it (the two lock reads).
fn object_lock_source() -> Snapshot {
    let mut s = healthy();
    let mut spec = source_spec(&json!({
        "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:replication-setup",
        "SourceBucket": "source-bucket",
        "SourceKmsKeyArn": KA,
        "DestinationBucket": "replica-bucket",
        "DestinationAccountId": B,
        "DestinationKmsKeyArn": KB
    }));
    spec.source_object_lock = true;
    let Seen::Read(Some(role)) = &mut s.role else {
        unreachable!()
    };
    role.policies[0].1 = replication_role_policy(&spec);
    s.source_object_lock = Seen::Read(true);
    s.destination_object_lock = Seen::Read(true);
    s
}

#[test]
fn object_lock_on_s_and_d_with_the_plans_role_is_healthy() {
    let report = diagnose(&object_lock_source());
    assert!(report.healthy, "{:#?}", report);
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.step == 1 && c.name.starts_with("Object Lock on D"))
    );
}

#[test]
fn object_lock_on_s_and_not_on_d_is_a_step_1_finding_with_the_fix() {
    let mut s = object_lock_source();
    s.destination_object_lock = Seen::Read(false);
    let report = diagnose(&s);
    only_finding(&report, 1, "D's Object Lock configuration (replica-bucket)");
    let f = &report.findings[0];
    assert!(
        f.problem.contains("DstBucketObjectLockConfigMissing"),
        "{f}"
    );
    assert!(
        f.fix.contains(
            "put-object-lock-configuration --bucket replica-bucket --object-lock-configuration ObjectLockEnabled=Enabled"
        ),
        "{f}"
    );
    // D without Object Lock is fine when S has none.
    let mut plain = healthy();
    plain.destination_object_lock = Seen::Read(false);
    assert!(diagnose(&plain).healthy);
    // S's state unknown: a check that could not be made, never a finding.
    s.source_object_lock = Seen::Unreadable("AccessDenied".into());
    let report = diagnose(&s);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.exit_code(), 2);
}

#[test]
fn an_object_lock_source_whose_role_cannot_read_retention_is_a_role_finding() {
    // GIVEN S with Object Lock and the role the plan writes without it (no lock reads)
    let mut s = object_lock_source();
    let Seen::Read(Some(role)) = &mut s.role else {
        unreachable!()
    };
    role.policies[0].1 = replication_role_policy(&source_spec(&json!({
        "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:replication-setup",
        "SourceBucket": "source-bucket",
        "SourceKmsKeyArn": KA,
        "DestinationBucket": "replica-bucket",
        "DestinationAccountId": B,
        "DestinationKmsKeyArn": KB
    })));
    // WHEN diagnosed THEN one step-2 finding on the role's policies names both actions
    let report = diagnose(&s);
    only_finding(&report, 2, "role");
    let f = &report.findings[0];
    assert!(f.problem.contains("s3:GetObjectRetention"), "{f}");
    assert!(f.problem.contains("s3:GetObjectLegalHold"), "{f}");
    // and the same role is healthy for a source without Object Lock
    s.source_object_lock = Seen::Read(false);
    assert!(diagnose(&s).healthy);
}

#[test]
fn d_versioning_suspended() {
    let mut s = healthy();
    s.destination_versioning = Seen::Read(Some("Suspended".into()));
    only_finding(&diagnose(&s), 1, "D's versioning");
}

#[test]
fn kb_disabled_and_ka_pending_deletion() {
    let mut s = healthy();
    if let Seen::Read(Some(k)) = &mut s.destination_key {
        k.state = "Disabled".into();
    }
    only_finding(&diagnose(&s), 4, "KB");
    let mut s = healthy();
    if let Seen::Read(Some(k)) = &mut s.source_key {
        k.state = "PendingDeletion".into();
    }
    let report = diagnose(&s);
    only_finding(&report, 3, "KA");
    assert!(report.findings[0].fix.contains("cancel-key-deletion"));
}

fn set_replica_key(s: &mut Snapshot, key: &str) {
    if let Seen::Read(Some(c)) = &mut s.replication {
        c.rules[0]
            .destination
            .encryption_configuration
            .as_mut()
            .unwrap()
            .replica_kms_key_id = Some(key.into());
    }
}

#[test]
fn replica_key_pointed_elsewhere_or_at_an_alias_name() {
    for other in [
        "arn:aws:kms:eu-central-1:222233334444:key/3333cccc-33cc-33cc-33cc-333333cccccc",
        "alias/replicas",
    ] {
        let mut s = healthy();
        set_replica_key(&mut s, other);
        let report = diagnose(&s);
        only_finding(&report, 6, "S's replication configuration");
        assert!(
            report.findings[0].problem.contains(other),
            "{}",
            report.findings[0]
        );
    }
}

/// S3 API Reference, `EncryptionConfiguration`: `ReplicaKmsKeyID` is "the ID (Key ARN or Alias
/// ARN)": an alias ARN is not wrong; which key it names is unknown to the doctor.
#[test]
fn an_alias_arn_as_the_replica_key_is_unknown_not_a_finding() {
    let mut s = healthy();
    set_replica_key(
        &mut s,
        "arn:aws:kms:eu-central-1:222233334444:alias/replicas",
    );
    let report = diagnose(&s);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let step6 = report.checks.iter().find(|c| c.step == 6).unwrap();
    assert_eq!(step6.outcome, Outcome::Unknown, "{step6:?}");
    assert!(step6.detail.contains("alias ARN"), "{step6:?}");
    assert_eq!(report.exit_code(), 2);
}

/// A rule with a prefix and grants scoped to it, as in the S3 guide's example policies
/// (`bucket/key-prefix1*`): real objects under the prefix are evaluated, so it is healthy.
#[test]
fn grants_scoped_to_the_rules_prefix_pass_and_a_literal_star_context_fails() {
    let mut s = healthy();
    if let Seen::Read(Some(c)) = &mut s.replication {
        c.rules[0].filter = Some(replication_core::plan::RuleFilter {
            prefix: Some("key-prefix1".into()),
            ..Default::default()
        });
    }
    let narrow = |doc: &mut Value, from: &str, to: &str| {
        let text = doc.to_string().replace(from, to);
        *doc = serde_json::from_str(&text).unwrap();
    };
    if let Seen::Read(Some(r)) = &mut s.role {
        for (_, p) in &mut r.policies {
            narrow(p, "source-bucket/*", "source-bucket/key-prefix1*");
            narrow(p, "replica-bucket/*", "replica-bucket/key-prefix1*");
        }
    }
    if let Seen::Read(Some(p)) = &mut s.destination_bucket_policy {
        narrow(p, "replica-bucket/*", "replica-bucket/key-prefix1*");
    }
    let report = diagnose(&s);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // KB's grant with StringEquals on the literal "arn:aws:s3:::replica-bucket/*", which equals
    // no object's encryption context.
    let mut s = healthy();
    if let Seen::Read(Some(k)) = &mut s.destination_key {
        let text = k.policy.to_string().replace("StringLike", "StringEquals");
        k.policy = serde_json::from_str(&text).unwrap();
    }
    only_finding(&diagnose(&s), 4, "KB's key policy");
}

/// IAM User Guide: in one account, a resource policy's grant to the account principal
/// delegates to the role's own policies; it does not grant by itself.
#[test]
fn a_same_account_bucket_policy_grant_to_the_account_needs_the_roles_own_policy() {
    let mut s = healthy();
    s.destination_account = Some(A.into());
    s.destination_bucket_policy = Seen::Read(Some(json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "AccountMayReplicate", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{A}:root")},
        "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
        "Resource": "arn:aws:s3:::replica-bucket/*"}]})));
    if let Seen::Read(Some(r)) = &mut s.role {
        for (_, p) in &mut r.policies {
            for st in p["Statement"].as_array_mut().unwrap() {
                if let Some(actions) = st["Action"].as_array_mut() {
                    actions.retain(|a| a != "s3:ReplicateObject");
                }
            }
        }
    }
    let report = diagnose(&s);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.step == 2 && f.problem.contains("s3:ReplicateObject")),
        "{:#?}",
        report.findings
    );
}

/// S3 skips disabled rules and applies the highest priority among rules to one destination.
#[test]
fn the_rule_checked_is_the_one_s3_applies() {
    let mut s = healthy();
    if let Seen::Read(Some(c)) = &mut s.replication {
        let mut disabled = c.rules[0].clone();
        disabled.id = Some("old-disabled".into());
        disabled.status = "Disabled".into();
        disabled.priority = Some(99);
        disabled
            .destination
            .encryption_configuration
            .as_mut()
            .unwrap()
            .replica_kms_key_id = Some(
            "arn:aws:kms:eu-central-1:222233334444:key/3333cccc-33cc-33cc-33cc-333333cccccc".into(),
        );
        c.rules.insert(0, disabled);
    }
    let report = diagnose(&s);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
}

#[test]
fn a_deny_in_ds_policy_is_named() {
    let mut s = healthy();
    if let Seen::Read(Some(p)) = &mut s.destination_bucket_policy {
        p["Statement"].as_array_mut().unwrap().push(json!({"Sid": "NoOutsiders", "Effect": "Deny",
            "Principal": "*", "Action": "s3:Replicate*", "Resource": "arn:aws:s3:::replica-bucket/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": B}}}));
    }
    let report = diagnose(&s);
    only_finding(&report, 5, "D's bucket policy");
    assert_eq!(report.findings[0].statement.as_deref(), Some("NoOutsiders"));
}

#[test]
fn bucket_keys_on_s_with_a_role_policy_that_lacks_the_bucket_context() {
    let mut s = healthy();
    s.source_encryption = Seen::Read(Some(DefaultEncryption {
        algorithm: "aws:kms".into(),
        kms_key_id: Some(KA.into()),
        kms_key_arn: None,
        bucket_key_enabled: true,
    }));
    assert!(diagnose(&s).healthy, "our grants admit both contexts");
    if let Seen::Read(Some(r)) = &mut s.role {
        let statements = r.policies[0].1["Statement"].as_array_mut().unwrap();
        let decrypt = statements
            .iter_mut()
            .find(|st| st["Sid"] == "SourceKeyDecrypt")
            .unwrap();
        decrypt["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] =
            json!(["arn:aws:s3:::source-bucket/*"]);
    }
    let report = diagnose(&s);
    only_finding(&report, 2, "the replication role's policies");
    assert!(
        report.findings[0]
            .problem
            .contains("arn:aws:s3:::source-bucket"),
        "{}",
        report.findings[0]
    );
}

#[test]
fn the_role_deleted_or_its_trust_broken() {
    let mut s = healthy();
    s.role = Seen::Read(None);
    let report = diagnose(&s);
    only_finding(&report, 2, "the replication role");
    assert!(
        report.findings[0]
            .problem
            .contains("AssumeRoleNotPermitted")
    );
    let mut s = healthy();
    if let Seen::Read(Some(r)) = &mut s.role {
        r.trust["Statement"][0]["Principal"] = json!({"Service": "lambda.amazonaws.com"});
    }
    only_finding(&diagnose(&s), 2, "trust policy");
}

#[test]
fn the_notification_removed() {
    let mut s = healthy();
    s.notifications = Seen::Read(Vec::new());
    only_finding(&diagnose(&s), 7, "D's notification configuration");
}

#[test]
fn what_cannot_be_read_is_unknown_not_a_finding() {
    let mut s = healthy();
    s.destination_bucket_policy = Seen::Unreadable("no credentials for account B".into());
    s.destination_key = Seen::Unreadable("no credentials for account B".into());
    s.destination_versioning = Seen::Unreadable("no credentials for account B".into());
    let report = diagnose(&s);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.exit_code(), 2);
    assert!(!report.healthy);
}

#[test]
fn the_reason_fits_and_keeps_the_most_serious_first() {
    let mut s = healthy();
    s.source_versioning = Seen::Read(None);
    s.notifications = Seen::Read(Vec::new());
    let report = diagnose(&s);
    assert_eq!(report.findings.len(), 2);
    let reason = report.reason(120);
    assert!(reason.len() <= 120, "{}", reason.len());
    assert!(reason.starts_with("2 finding(s): step 1"), "{reason}");
}

/// What the destination side sees at deploy time: its own account's documents, and the role by
/// the ARN its properties name.
fn destination_view(mut s: Snapshot) -> Snapshot {
    let unread = || "checked by the source side".to_owned();
    s.replication = Seen::Unreadable(unread());
    s.role = Seen::Unreadable(unread());
    s.role_arn = Some(ROLE.into());
    s.source_versioning = Seen::Unreadable(unread());
    s.source_bucket_policy = Seen::Unreadable(unread());
    s.source_key = Seen::Unreadable(unread());
    s.source_encryption = Seen::Unreadable(unread());
    s.source_object_lock = Seen::Unreadable(unread());
    s
}

/// What the source side sees at deploy time.
fn source_view(mut s: Snapshot) -> Snapshot {
    let unread = || "checked by the destination side".to_owned();
    s.destination_versioning = Seen::Unreadable(unread());
    s.destination_bucket_policy = Seen::Unreadable(unread());
    s.destination_key = Seen::Unreadable(unread());
    s.destination_encryption = Seen::Unreadable(unread());
    s.notifications = Seen::Unreadable(unread());
    s.destination_object_lock = Seen::Unreadable(unread());
    s
}

#[test]
fn each_side_alone_finds_what_its_own_account_breaks_and_nothing_else() {
    // As written: no finding on either side (the other side's checks are unknown).
    for view in [destination_view(healthy()), source_view(healthy())] {
        let report = diagnose(&view);
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        assert_eq!(report.exit_code(), 2);
    }
    // D's statements missing: the destination side says so.
    let mut s = healthy();
    s.destination_bucket_policy = Seen::Read(None);
    only_finding(&diagnose(&destination_view(s)), 5, "D's bucket policy");
    // KB's statement missing: the destination side says so.
    let mut s = healthy();
    if let Seen::Read(Some(k)) = &mut s.destination_key {
        k.policy = statements_without(&k.policy, "S3KmsReplication");
    }
    only_finding(&diagnose(&destination_view(s)), 4, "KB's key policy");
    // The role may not use KB: the source side says so (across accounts IAM must allow too).
    let mut s = healthy();
    if let Seen::Read(Some(r)) = &mut s.role {
        r.policies[0].1 = statements_without(&r.policies[0].1, "ReplicaKeyEncrypt");
    }
    let report = diagnose(&source_view(s));
    only_finding(&report, 2, "the replication role's policies");
    assert!(
        report.findings[0]
            .problem
            .contains("kms:Encrypt on arn:aws:kms"),
        "{}",
        report.findings[0]
    );
}

fn source_default(algorithm: &str, key: Option<&str>) -> Seen<Option<DefaultEncryption>> {
    Seen::Read(Some(DefaultEncryption {
        algorithm: algorithm.into(),
        kms_key_id: key.map(str::to_owned),
        kms_key_arn: None,
        bucket_key_enabled: false,
    }))
}

#[test]
fn an_sse_s3_default_on_s_is_a_warning_that_leaves_the_pair_healthy() {
    // GIVEN what the plan writes, on an S whose default encryption is SSE-S3
    let mut s = healthy();
    s.source_encryption = source_default("AES256", None);
    // WHEN diagnosed
    let report = diagnose(&s);
    // THEN healthy, exit 0, and one warning about S's default encryption, in the JSON too
    assert!(report.healthy, "{report:#?}");
    assert_eq!(report.exit_code(), 0);
    assert_eq!(report.warnings.len(), 1, "{:#?}", report.warnings);
    assert!(
        report.warnings[0]
            .document
            .starts_with("S's default encryption")
    );
    assert!(report.warnings[0].problem.contains("SSE-S3"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["warnings"][0]["problem"], report.warnings[0].problem);
}

#[test]
fn another_kms_key_as_ss_default_is_a_warning_not_a_finding() {
    let mut s = healthy();
    let other = "arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab";
    s.source_encryption = source_default("aws:kms", Some(other));
    let report = diagnose(&s);
    assert_eq!(report.exit_code(), 0, "{report:#?}");
    assert_eq!(report.warnings.len(), 1, "{:#?}", report.warnings);
    assert!(report.warnings[0].problem.contains(other));
}

#[test]
fn ka_as_ss_default_gives_no_warnings_and_no_warnings_key_in_the_json() {
    let mut s = healthy();
    s.source_encryption = source_default("aws:kms", Some(KA));
    let report = diagnose(&s);
    assert_eq!(report.warnings, vec![]);
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.get("warnings").is_none(), "{json:#}");
    // S's default unreadable: nothing is guessed.
    s.source_encryption = Seen::Unreadable("AccessDenied".into());
    assert_eq!(diagnose(&s).warnings, vec![]);
}
