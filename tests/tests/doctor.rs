//! replication-doctor end to end: the real CLI binary, with one AWS CLI profile per account,
//! on a world that our own setup function configured. Healthy as set up; then one thing broken
//! at a time, each named as the only finding with the right step and document.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod common;

use e2e_tests::doctor_cli::{self, DoctorRun};
use e2e_tests::world::create_key;
use serde_json::{Value, json};

use common::harness::{Harness, SOURCE, Side};

/// The doctor on `h`'s pair, with both accounts' profiles unless `one_account`.
fn run(h: &Harness, one_account: bool, json: bool) -> DoctorRun {
    doctor_cli::run(&h.world, Some(&h.world.queue_arn), one_account, json).unwrap()
}

/// A world configured by our resources, with default properties.
async fn configured() -> Harness {
    let mut h = Harness::new().await;
    h.create_destination().await;
    h.create_source().await;
    h
}

/// What a repeat Create of the side that sees a breakage does with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redeploy {
    /// It writes the document again, and the side's check then finds nothing.
    Repairs,
    /// It cannot (a key's state, a foreign Deny): it fails with the finding in its Reason.
    Fails,
}

/// The breakage seen by every way of running the doctor, each naming it as the only finding
/// with `step` and `document`:
/// 1. the CLI, JSON (exit 1) and human output (a ✗ line with the fix), cross-checked by the
///    emulator's own permission check (an independent reading of the same AWS rules, in
///    Python; in live mode, AWS itself) replicating an object: FAILED when the finding stops
///    replication, COMPLETED when it does not (step 7, verification);
/// 2. the scheduled check of `side` (the account that can see the document): its finding, and
///    its `ReplicationSetupFindings` metric read back from CloudWatch as 1;
/// 3. the deploy-time path: a repeat Create of `side` repairs it or fails with the finding.
///
/// The CLI's JSON finding.
async fn only_finding(
    h: &mut Harness,
    (step, document): (u64, &str),
    side: Side,
    redeploy: Redeploy,
) -> Value {
    let json_run = run(h, false, true);
    let report = json_run.json().unwrap();
    assert_eq!(json_run.code, 1, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    let finding = findings[0].clone();
    assert_eq!(finding["step"], step, "{report:#}");
    assert!(
        finding["document"].as_str().unwrap().contains(document),
        "{report:#}"
    );
    let fix = finding["fix"].as_str().unwrap();
    assert!(!fix.is_empty());
    let text = run(h, false, false);
    assert_eq!(text.code, 1, "{}", text.stdout);
    assert!(
        text.stdout.contains('✗') && text.stdout.contains(fix),
        "{}",
        text.stdout
    );
    let want = if step == 7 { "COMPLETED" } else { "FAILED" };
    assert_eq!(
        replication_outcome(h).await,
        want,
        "the emulator disagrees: {report:#}"
    );

    let scheduled = h.scheduled_check(side, false).await;
    let seen = scheduled["findings"].as_array().unwrap();
    assert_eq!(seen.len(), 1, "{scheduled:#}");
    assert_eq!(seen[0]["step"], step, "{scheduled:#}");
    assert!(
        seen[0]["document"].as_str().unwrap().contains(document),
        "{scheduled:#}"
    );
    assert_eq!(h.findings_read_back(side).await, Some(1.0), "{scheduled:#}");

    let answer = h.redeploy(side).await;
    match redeploy {
        Redeploy::Repairs => {
            assert_eq!(answer["Status"], "SUCCESS", "{answer}");
            let after = h.scheduled_check(side, false).await;
            assert_eq!(after["findings"], json!([]), "not repaired: {after:#}");
        }
        Redeploy::Fails => {
            assert_eq!(answer["Status"], "FAILED", "{answer}");
            let reason = answer["Reason"].as_str().unwrap();
            assert!(
                reason.contains(&format!("step {step}")) && reason.contains(document),
                "{reason}"
            );
        }
    }
    finding
}

/// Put an SSE-KMS object in S (S's default decides its Bucket Key); its final status, or
/// FAILED when not even the source object can be written (KA unusable).
async fn replication_outcome(h: &Harness) -> String {
    let w = &h.world;
    let key = e2e_tests::unique_name("cross-check");
    let version = match w.put_source_object(&key, "x").await {
        Ok(v) => v,
        Err(e) if format!("{e:?}").contains("KMSInvalidStateException") => {
            return "FAILED".to_owned();
        }
        Err(e) => panic!("{e:?}"),
    };
    let head = w
        .wait_for_source_status(&key, &version, common::harness::wait())
        .await
        .unwrap();
    head.replication_status.unwrap().as_str().to_owned()
}

#[tokio::test]
async fn a_pair_set_up_by_our_resources_is_healthy_in_text_and_json() {
    let mut h = configured().await;
    let text = run(&h, false, false);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(
        text.stdout.trim_end().ends_with("healthy"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains('✗'), "{}", text.stdout);
    let json = run(&h, false, true);
    assert_eq!(json.code, 0);
    let report = json.json().unwrap();
    assert_eq!(report["healthy"], true, "{report:#}");
    assert_eq!(report["findings"], json!([]));
    assert_eq!(
        replication_outcome(&h).await,
        "COMPLETED",
        "the emulator disagrees"
    );
    for side in [Side::Source, Side::Destination] {
        let scheduled = h.scheduled_check(side, false).await;
        assert_eq!(scheduled["findings"], json!([]), "{scheduled:#}");
        assert_eq!(h.findings_read_back(side).await, Some(0.0), "{side:?}");
    }
}

#[tokio::test]
async fn with_one_accounts_credentials_it_says_what_it_could_not_check() {
    let h = configured().await;
    let run = run(&h, true, false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("--destination-profile"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('✗'), "{}", run.stdout);
}

#[tokio::test]
async fn kbs_statement_removed() {
    let mut h = configured().await;
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    only_finding(
        &mut h,
        (4, "KB's key policy"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
}

#[tokio::test]
async fn kms_decrypt_removed_from_the_role() {
    let mut h = configured().await;
    h.edit_role_policy(|doc| {
        doc["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["Sid"] != "SourceKeyDecrypt");
    })
    .await;
    let finding = only_finding(
        &mut h,
        (2, "the replication role's policies"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(finding["problem"].as_str().unwrap().contains("kms:Decrypt"));
}

#[tokio::test]
async fn d_versioning_suspended() {
    let mut h = configured().await;
    let w = &h.world;
    w.b.s3
        .put_bucket_versioning()
        .bucket(&w.destination_bucket)
        .versioning_configuration(
            aws_sdk_s3::types::VersioningConfiguration::builder()
                .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let finding = only_finding(
        &mut h,
        (1, "D's versioning"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
    // The fix runs in B, where D is: pasted as printed, it acts there.
    let fix = finding["fix"].as_str().unwrap();
    assert!(
        fix.starts_with("aws s3api put-bucket-versioning")
            && fix.ends_with("--profile b --region us-east-1"),
        "{fix}"
    );
}

#[tokio::test]
async fn kb_disabled_or_ka_scheduled_for_deletion() {
    let mut h = configured().await;
    let w = &h.world;
    w.b.kms
        .disable_key()
        .key_id(&w.destination_key_arn)
        .send()
        .await
        .unwrap();
    only_finding(&mut h, (4, "KB"), Side::Destination, Redeploy::Fails).await;
    let mut h = configured().await;
    let w = &h.world;
    w.a.kms
        .schedule_key_deletion()
        .key_id(&w.source_key_arn)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    let finding = only_finding(&mut h, (3, "KA"), Side::Source, Redeploy::Fails).await;
    assert!(
        finding["fix"]
            .as_str()
            .unwrap()
            .contains("cancel-key-deletion")
    );
}

/// Rewrite the first rule's `ReplicaKmsKeyID` in S's replication configuration, by hand.
async fn point_replica_key_at(h: &Harness, key: &str) {
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
    let destination = config.rules[0].destination.as_mut().unwrap();
    destination.encryption_configuration = Some(
        aws_sdk_s3::types::EncryptionConfiguration::builder()
            .replica_kms_key_id(key)
            .build(),
    );
    w.a.s3
        .put_bucket_replication()
        .bucket(&w.source_bucket)
        .replication_configuration(config)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_replica_key_pointed_at_another_key_or_at_an_alias() {
    let mut h = configured().await;
    let w = &h.world;
    let other = create_key(&w.b, "KX").await.unwrap();
    w.track(
        e2e_tests::accounts::Account::B,
        e2e_tests::cleanup::Resource::Key(other.clone()),
    );
    point_replica_key_at(&h, &other).await;
    let finding = only_finding(
        &mut h,
        (6, "S's replication configuration"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(finding["problem"].as_str().unwrap().contains(&other));

    // An alias of KB itself, made in B: S3 resolves it in the role's account, A, where it
    // does not exist (the emulator then fails the object with DstKmsKeyNotFound).
    let w = &h.world;
    let alias = format!("alias/{}", e2e_tests::unique_name("kb"));
    w.b.kms
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&w.destination_key_arn)
        .send()
        .await
        .unwrap();
    point_replica_key_at(&h, &alias).await;
    let finding = only_finding(
        &mut h,
        (6, "S's replication configuration"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(
        finding["problem"]
            .as_str()
            .unwrap()
            .contains("not as a key ARN")
    );
    h.world
        .b
        .kms
        .delete_alias()
        .alias_name(&alias)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_deny_in_ds_bucket_policy() {
    let mut h = configured().await;
    let w = &h.world;
    let mut policy = w.destination_bucket_policy().await.unwrap().unwrap();
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "NoReplicasFromOutside", "Effect": "Deny", "Principal": "*",
        "Action": "s3:ReplicateObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket),
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": e2e_tests::accounts::Account::B.id()}}}));
    w.b.s3
        .put_bucket_policy()
        .bucket(&w.destination_bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let finding = only_finding(
        &mut h,
        (5, "D's bucket policy"),
        Side::Destination,
        Redeploy::Fails,
    )
    .await;
    assert_eq!(finding["statement"], "NoReplicasFromOutside");
}

#[tokio::test]
async fn the_role_deleted_or_its_trust_broken() {
    let mut h = configured().await;
    let w = &h.world;
    let iam = &w.a.iam;
    iam.update_assume_role_policy()
        .role_name(&h.role_name)
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    only_finding(&mut h, (2, "trust policy"), Side::Source, Redeploy::Repairs).await;
    let w = &h.world;
    let iam = &w.a.iam;
    let name = w.role_policy_name().unwrap();
    iam.delete_role_policy()
        .role_name(&h.role_name)
        .policy_name(name)
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap();
    let finding = only_finding(
        &mut h,
        (2, "the replication role"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    assert!(
        finding["problem"]
            .as_str()
            .unwrap()
            .contains("does not exist")
    );
}

/// A role deleted and re-created by hand under the same name. AWS shows a deleted principal's
/// unique ID (`AROA…`) in a policy's `Principal` element only; a `Condition` value such as
/// `aws:PrincipalArn` is a string and stays as written (S3 User Guide, "Principals"; IAM User
/// Guide, "IAM identifiers"). Our statements name the account principal with that condition, so
/// the re-created role works again with no stack Update, and the doctor says so.
#[tokio::test]
async fn a_role_deleted_and_re_created_by_hand_works_again_with_no_update() {
    let h = configured().await;
    let w = &h.world;
    let iam = &w.a.iam;
    // GIVEN the replication role deleted (its inline policy first, as IAM requires)
    let policy = h.role_policy().await;
    let trust = iam
        .get_role()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .assume_role_policy_document
        .unwrap();
    let trust = percent_encoding::percent_decode_str(&trust)
        .decode_utf8()
        .unwrap()
        .into_owned();
    let name = w.role_policy_name().unwrap();
    iam.delete_role_policy()
        .role_name(&h.role_name)
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap();
    // WHEN someone re-creates it by hand, with the same name, trust and policy
    iam.create_role()
        .role_name(&h.role_name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(&h.role_name)
        .policy_name(&name)
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
    // THEN B's documents still name the role by ARN in their conditions
    let role_arn = h.role_arn();
    for document in [
        w.key_policy(&w.destination_key_arn)
            .await
            .unwrap()
            .to_string(),
        w.destination_bucket_policy()
            .await
            .unwrap()
            .unwrap()
            .to_string(),
    ] {
        assert!(document.contains(&role_arn), "{document}");
        assert!(!document.contains("AROA"), "{document}");
    }
    // AND the doctor finds nothing, and an object replicates, with no stack Update
    let report = run(&h, false, true);
    assert_eq!(report.code, 0, "{:#}", report.json().unwrap());
    assert_eq!(replication_outcome(&h).await, "COMPLETED");
}

/// The scheduled check fails closed (issue 18, defect 6): what it cannot read is counted in
/// `ReplicationSetupUnchecked`, and a check that cannot run at all still publishes it (1), so
/// the templates' alarm fires instead of the silence of a missing metric.
#[tokio::test]
async fn a_scheduled_check_that_cannot_run_fails_closed() {
    use replication_core::metric_names::REPLICATION_SETUP_UNCHECKED;
    // GIVEN a healthy pair: the destination's check read everything
    let mut h = configured().await;
    let healthy = h.scheduled_check(Side::Destination, false).await;
    assert_eq!(healthy["unchecked"], json!([]), "{healthy:#}");
    assert_eq!(
        h.setup_metric_read_back(Side::Destination, REPLICATION_SETUP_UNCHECKED)
            .await,
        Some(0.0)
    );
    // WHEN D is gone, so the check cannot even look its region up
    let w = &h.world;
    w.b.s3
        .delete_bucket()
        .bucket(&w.destination_bucket)
        .send()
        .await
        .unwrap();
    let payload = e2e_tests::cfn::scheduled_check(
        Side::Destination.resource_type(),
        &h.props(Side::Destination),
        false,
    );
    let outcome = h.in_b.invoke(&payload).await.unwrap();
    // THEN the invocation fails (Lambda's Errors) and the metric says "could not check"
    assert!(outcome.into_response().is_err());
    assert_eq!(
        h.setup_metric_read_back(Side::Destination, REPLICATION_SETUP_UNCHECKED)
            .await,
        Some(1.0)
    );
}

/// Rewrite `doc`'s text, replacing `from` with `to` (a grant narrowed by hand).
fn narrowed(doc: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&doc.to_string().replace(from, to)).unwrap()
}

/// Issue 18, defect 3: a pair configured as in the S3 guide's example policies, every grant on
/// `bucket/<prefix>*` and a rule with that prefix, is healthy; the doctor evaluates real objects
/// under the rule's prefix, and the emulator replicates one.
#[tokio::test]
async fn grants_narrowed_to_the_rules_prefix_are_healthy_and_replicate() {
    // GIVEN our resources with a rule for "logs/", then every grant narrowed to logs/ by hand
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut props = h.source_props();
    props["Rules"] = json!([{"Id": "logs", "Prefix": "logs/"}]);
    let created = h.send("Create", SOURCE, props, None).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let w = &h.world;
    let (s, d) = (&w.source_bucket, &w.destination_bucket);
    let narrow = |doc: &Value| {
        let doc = narrowed(doc, &format!("{s}/*"), &format!("{s}/logs/*"));
        narrowed(&doc, &format!("{d}/*"), &format!("{d}/logs/*"))
    };
    h.edit_role_policy(|doc| *doc = narrow(doc)).await;
    for key in [&w.source_key_arn, &w.destination_key_arn] {
        w.edit_key_policy(key, |doc| *doc = narrow(doc))
            .await
            .unwrap();
    }
    let policy = w.destination_bucket_policy().await.unwrap().unwrap();
    w.b.s3
        .put_bucket_policy()
        .bucket(d)
        .policy(narrow(&policy).to_string())
        .send()
        .await
        .unwrap();
    // THEN the doctor finds nothing, and an object under the prefix replicates
    let report = run(&h, false, true);
    assert_eq!(report.code, 0, "{:#}", report.json().unwrap());
    let key = "logs/narrowed.txt";
    let version = w.put_source_object(key, "x").await.unwrap();
    let head = w
        .wait_for_source_status(key, &version, common::harness::wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");
}

/// Issue 18, defect 3: a `StringEquals` grant on the literal `arn:aws:s3:::D/*` matches no
/// object's encryption context (each object's is its own ARN): the doctor finds it, and the
/// emulator fails the object.
#[tokio::test]
async fn a_string_equals_grant_on_the_literal_star_is_found() {
    let mut h = configured().await;
    let w = &h.world;
    w.edit_key_policy(&w.destination_key_arn, |doc| {
        *doc = narrowed(doc, "StringLike", "StringEquals");
    })
    .await
    .unwrap();
    only_finding(
        &mut h,
        (4, "KB's key policy"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
}

/// The doctor as a tool people install (issue 22): `--version`; usage errors exit 64, apart
/// from 2 ("could not check everything"); a mistyped profile or a missing region is one line
/// that names it; fix commands carry the profile and region they must run under.
#[tokio::test]
async fn the_cli_names_its_version_usage_errors_profiles_and_regions() {
    let h = configured().await;
    let w = &h.world;
    let version = doctor_cli::run_args(w, &["--version"], None).unwrap();
    assert_eq!(version.code, 0);
    assert_eq!(
        version.stdout.trim(),
        format!("replication-doctor {}", env!("CARGO_PKG_VERSION"))
    );
    let usage = doctor_cli::run_args(w, &["--source-bucket"], None).unwrap();
    assert_eq!(usage.code, 64, "{}", usage.stderr);
    assert!(
        usage.stderr.contains("--source-bucket needs a value"),
        "{}",
        usage.stderr
    );

    let pair = [
        "--source-bucket",
        &w.source_bucket,
        "--destination-bucket",
        &w.destination_bucket,
    ];
    let mistyped = [&pair[..], &["--source-profile", "a-typo"]].concat();
    let run = doctor_cli::run_args(w, &mistyped, Some("us-east-1")).unwrap();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("\"a-typo\" (--source-profile)"),
        "{}",
        run.stderr
    );

    let no_region = [&pair[..], &["--source-profile", "a"]].concat();
    let run = doctor_cli::run_args(w, &no_region, None).unwrap();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("--source-region"), "{}", run.stderr);
    let with_flag = [&no_region[..], &["--source-region", "us-east-1", "--json"]].concat();
    let run = doctor_cli::run_args(w, &with_flag, None).unwrap();
    assert_ne!(run.code, 64, "{}", run.stderr);
    assert!(run.json().is_ok(), "{}", run.stdout);
}

#[tokio::test]
async fn the_notification_removed() {
    let mut h = configured().await;
    let w = &h.world;
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(aws_sdk_s3::types::NotificationConfiguration::builder().build())
        .send()
        .await
        .unwrap();
    only_finding(
        &mut h,
        (7, "D's notification configuration"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
}

#[tokio::test]
async fn bucket_keys_on_s_with_a_role_policy_that_lacks_the_bucket_context() {
    let mut h = configured().await;
    let w = &h.world;
    e2e_tests::world::set_default_encryption(&w.a, &w.source_bucket, &w.source_key_arn, true)
        .await
        .unwrap();
    let healthy = run(&h, false, true);
    assert_eq!(
        healthy.code, 0,
        "our grants admit both contexts: {}",
        healthy.stdout
    );
    let source_objects = json!([format!("arn:aws:s3:::{}/*", w.source_bucket)]);
    h.edit_role_policy(|doc| {
        for statement in doc["Statement"].as_array_mut().unwrap() {
            if statement["Sid"] == "SourceKeyDecrypt" {
                statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] =
                    source_objects.clone();
            }
        }
    })
    .await;
    let finding = only_finding(
        &mut h,
        (2, "the replication role's policies"),
        Side::Source,
        Redeploy::Repairs,
    )
    .await;
    let expected = format!("arn:aws:s3:::{}", h.world.source_bucket);
    assert!(finding["problem"].as_str().unwrap().contains(&expected));
}
