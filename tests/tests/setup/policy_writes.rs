//! Issue 21 §4, policies owned elsewhere: with the templates' `PolicyWrites` parameter at
//! `Report`, both resources write nothing to KA's or KB's key policy or D's bucket policy, on
//! Create and on Delete, and return the exact statements in `Data`; applied as a pipeline would
//! (and as `replication-doctor statements` prints them), they make replication work and the
//! deploy-time check pass, and one left out is named.

use e2e_tests::accounts::Account;
use e2e_tests::doctor_cli;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE};
use crate::role_settings::template_source_props;
use crate::support::template_properties;

/// The `ReplicationDestination` resource's Properties of `infra/destination-account.yaml`,
/// resolved with the harness's buckets, key and role and with `extra` parameters; the queue is
/// the world's (the template's own would be `!GetAtt Queue.Arn`).
fn template_destination_props(h: &Harness, extra: &[(&str, &str)]) -> Value {
    let w = &h.world;
    let base = [
        ("DestinationBucket", w.destination_bucket.as_str()),
        ("DestinationKmsKeyArn", w.destination_key_arn.as_str()),
        ("SourceAccountId", Account::A.id()),
        ("SourceBucket", w.source_bucket.as_str()),
        ("ReplicationRoleName", h.role_name.as_str()),
    ];
    let overrides: Vec<(&str, &str)> = base.into_iter().chain(extra.iter().copied()).collect();
    let mut props = template_properties(
        "destination-account.yaml",
        "ReplicationDestination",
        &overrides,
    );
    props["NotificationQueueArn"] = json!(w.queue_arn);
    props
}

/// KA's and KB's key policies and D's bucket policy, as the services return their text.
async fn policy_texts(h: &Harness) -> [Option<String>; 3] {
    let w = &h.world;
    let key = |c: &e2e_tests::accounts::Clients, arn: &str| {
        let get = c
            .kms
            .get_key_policy()
            .key_id(arn)
            .policy_name("default")
            .send();
        async move { get.await.unwrap().policy }
    };
    let bucket =
        w.b.s3
            .get_bucket_policy()
            .bucket(&w.destination_bucket)
            .send()
            .await
            .ok()
            .and_then(|o| o.policy);
    [
        key(&w.a, &w.source_key_arn).await,
        key(&w.b, &w.destination_key_arn).await,
        bucket,
    ]
}

/// The statements of a `*PolicyStatements` attribute of `answer`'s Data.
fn data_statements(answer: &Value, attribute: &str) -> Vec<Value> {
    let text = answer["Data"][attribute].as_str().unwrap_or_default();
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{attribute}: {e}: {answer}"))
}

/// What a policy pipeline does: append `statements` to D's bucket policy.
async fn pipeline_applies_to_bucket_policy(h: &Harness, statements: &[Value]) {
    let w = &h.world;
    let mut policy = w
        .destination_bucket_policy()
        .await
        .unwrap()
        .unwrap_or_else(|| json!({"Version": "2012-10-17", "Statement": []}));
    policy["Statement"]
        .as_array_mut()
        .unwrap()
        .extend(statements.iter().cloned());
    w.put_destination_bucket_policy(&policy).await.unwrap();
}

/// What a policy pipeline does: append `statements` to `key`'s policy.
async fn pipeline_applies_to_key_policy(h: &Harness, key: &str, statements: &[Value]) {
    let statements = statements.to_vec();
    h.world
        .edit_key_policy(key, move |p| {
            p["Statement"].as_array_mut().unwrap().extend(statements);
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn report_mode_writes_no_policy_returns_the_statements_and_requires_them() {
    // GIVEN the world's policies with another team's statements in them
    let mut h = Harness::new().await;
    h.add_foreign_statements().await;
    let untouched = policy_texts(&h).await;
    let report = [("PolicyWrites", "Report")];

    // WHEN the destination stack is created with PolicyWrites Report and the deploy-time check
    // THEN it fails before any write, naming KB's and D's missing statements
    let checked = template_destination_props(
        &h,
        &[("PolicyWrites", "Report"), ("DeployTimeChecks", "true")],
    );
    assert_eq!(checked["PolicyWrites"], "Report");
    let refused = h.send("Create", DESTINATION, checked.clone(), None).await;
    assert_eq!(refused["Status"], "FAILED", "{refused}");
    let reason = refused["Reason"].as_str().unwrap();
    assert!(reason.contains("nothing was written"), "{reason}");
    for part in [
        "KB's key policy",
        "D's bucket policy",
        "ReplicaKeyEncrypt",
        "ReplicaObjects",
        "ReplicaBucket",
    ] {
        assert!(reason.contains(part), "{part}: {reason}");
    }
    assert_eq!(
        policy_texts(&h).await,
        untouched,
        "a refused Create wrote a policy"
    );

    // WHEN both stacks are created with the check deferred (the pipeline applies afterwards)
    let unchecked =
        |h: &Harness| template_destination_props(h, &[report[0], ("DeployTimeChecks", "false")]);
    let destination = h.send("Create", DESTINATION, unchecked(&h), None).await;
    let source_props = template_source_props(&h, &[report[0], ("DeployTimeChecks", "false")]);
    let source = h.send("Create", SOURCE, source_props.clone(), None).await;

    // THEN both succeed, every policy is byte for byte as it was, and Data holds the statements
    assert_eq!(destination["Status"], "SUCCESS", "{destination}");
    assert_eq!(source["Status"], "SUCCESS", "{source}");
    assert_eq!(
        policy_texts(&h).await,
        untouched,
        "Report mode wrote a policy"
    );
    assert_eq!(destination["Data"]["PolicyWrites"], "Report");
    eprintln!("destination Data: {:#}", destination["Data"]);
    let kb_statements = data_statements(&destination, "DestinationKeyPolicyStatements");
    let d_statements = data_statements(&destination, "DestinationBucketPolicyStatements");
    let ka_statements = data_statements(&source, "SourceKeyPolicyStatements");
    assert_eq!(
        (ka_statements.len(), kb_statements.len(), d_statements.len()),
        (1, 1, 2)
    );
    // The role, the rule and D's notification are still the resources' own work.
    assert!(h.role_exists().await);
    assert_eq!(h.queue_notifications().await.len(), 1);

    // AND `replication-doctor statements` prints exactly those statements, offline
    let w = &h.world;
    let role = h.role_arn();
    let args = [
        "statements",
        "--source-bucket",
        &w.source_bucket,
        "--destination-bucket",
        &w.destination_bucket,
        "--source-kms-key",
        &w.source_key_arn,
        "--destination-kms-key",
        &w.destination_key_arn,
        "--role-arn",
        &role,
    ];
    let cli = doctor_cli::run_args(w, &[&args[..], &["--json"]].concat(), None).unwrap();
    assert_eq!(cli.code, 0, "{cli:?}");
    let printed = cli.json().unwrap();
    let documents = printed["documents"].as_array().unwrap();
    let by_attribute = |name: &str| {
        documents
            .iter()
            .find(|d| d["dataAttribute"] == name)
            .unwrap()["statements"]
            .clone()
    };
    assert_eq!(
        by_attribute("SourceKeyPolicyStatements"),
        json!(ka_statements)
    );
    assert_eq!(
        by_attribute("DestinationKeyPolicyStatements"),
        json!(kb_statements)
    );
    assert_eq!(
        by_attribute("DestinationBucketPolicyStatements"),
        json!(d_statements)
    );
    let human = doctor_cli::run_args(w, &args, None).unwrap();
    assert!(
        human.stdout.contains("step 5  D's bucket policy"),
        "{}",
        human.stdout
    );

    // WHEN the pipeline applies all but D's bucket-level statement
    pipeline_applies_to_key_policy(&h, &w.source_key_arn.clone(), &ka_statements).await;
    pipeline_applies_to_key_policy(&h, &h.world.destination_key_arn.clone(), &kb_statements).await;
    pipeline_applies_to_bucket_policy(&h, &d_statements[..1]).await;

    // THEN the destination's deploy-time check names that one statement and its document
    let refused = h.send("Create", DESTINATION, checked.clone(), None).await;
    assert_eq!(refused["Status"], "FAILED", "{refused}");
    let reason = refused["Reason"].as_str().unwrap();
    let missing = d_statements[1]["Sid"].as_str().unwrap();
    eprintln!("Reason with one statement missing: {reason}");
    assert!(reason.contains("1 finding(s)"), "{reason}");
    assert!(reason.contains(missing), "{reason}");
    assert!(
        reason.contains(&format!(
            "D's bucket policy ({})",
            h.world.destination_bucket
        )),
        "{reason}"
    );

    // WHEN the pipeline applies the last one
    pipeline_applies_to_bucket_policy(&h, &d_statements[1..]).await;
    let applied = policy_texts(&h).await;

    // THEN both checked Creates pass, write nothing, and objects replicate under KB
    let destination = h.send("Create", DESTINATION, checked.clone(), None).await;
    assert_eq!(destination["Status"], "SUCCESS", "{destination}");
    let checked_source = template_source_props(&h, &[report[0], ("DeployTimeChecks", "true")]);
    let source = h.send("Create", SOURCE, checked_source.clone(), None).await;
    assert_eq!(source["Status"], "SUCCESS", "{source}");
    assert_eq!(policy_texts(&h).await, applied);
    h.assert_replicates("policy-writes/applied.txt").await;

    // WHEN both are deleted
    let physical = |a: &Value| a["PhysicalResourceId"].as_str().map(str::to_owned);
    let gone_s = h
        .send("Delete", SOURCE, checked_source, physical(&source))
        .await;
    let gone_d = h
        .send("Delete", DESTINATION, checked, physical(&destination))
        .await;

    // THEN the policies are byte for byte as the pipeline left them; the rest is removed
    assert_eq!(gone_s["Status"], "SUCCESS", "{gone_s}");
    assert_eq!(gone_d["Status"], "SUCCESS", "{gone_d}");
    assert_eq!(
        policy_texts(&h).await,
        applied,
        "Report mode's Delete touched a policy"
    );
    assert!(!h.role_exists().await);
    assert!(h.queue_notifications().await.is_empty());
}

#[tokio::test]
async fn switching_to_report_leaves_the_statements_written_and_the_scheduled_check_names_a_reverted_one()
 {
    // GIVEN both resources created with PolicyWrites Apply (the default)
    let mut h = Harness::new().await;
    let apply_d = template_destination_props(&h, &[]);
    let apply_s = template_source_props(&h, &[]);
    let d = h.send("Create", DESTINATION, apply_d.clone(), None).await;
    let s = h.send("Create", SOURCE, apply_s.clone(), None).await;
    assert_eq!(
        (d["Status"].as_str(), s["Status"].as_str()),
        (Some("SUCCESS"), Some("SUCCESS")),
        "{d} {s}"
    );
    assert_eq!(d["Data"]["DestinationKeyPolicyStatements"], "");
    let written = policy_texts(&h).await;

    // WHEN both are updated to Report, then deleted
    let report_d = template_destination_props(&h, &[("PolicyWrites", "Report")]);
    let report_s = template_source_props(&h, &[("PolicyWrites", "Report")]);
    let ud = h
        .update(
            DESTINATION,
            apply_d,
            report_d.clone(),
            &d["PhysicalResourceId"],
        )
        .await;
    let us = h
        .update(SOURCE, apply_s, report_s.clone(), &s["PhysicalResourceId"])
        .await;

    // THEN the statements they wrote stay, now the pipeline's; the check finds them in place
    assert_eq!(
        (ud["Status"].as_str(), us["Status"].as_str()),
        (Some("SUCCESS"), Some("SUCCESS")),
        "{ud} {us}"
    );
    assert_eq!(policy_texts(&h).await, written);
    h.assert_replicates("policy-writes/switched.txt").await;

    // WHEN the pipeline reverts KB's statement
    h.world
        .remove_our_key_statements(&h.world.destination_key_arn.clone())
        .await
        .unwrap();

    // THEN the scheduled check of the destination side names it
    let payload = e2e_tests::cfn::scheduled_check(DESTINATION, &report_d, false);
    let result = h
        .in_b
        .invoke(&payload)
        .await
        .unwrap()
        .into_response()
        .unwrap();
    let findings = result["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        findings.iter().any(|f| f["document"]
            .as_str()
            .unwrap_or("")
            .starts_with("KB's key policy")
            && f["statement"]
                .as_str()
                .unwrap_or("")
                .ends_with("ReplicaKeyEncrypt")
            && f["problem"].as_str().unwrap_or("").contains("missing")),
        "{result:#}"
    );

    // WHEN both are deleted in Report mode, nothing leaves the policies
    let before_delete = policy_texts(&h).await;
    let gone_s = h
        .send(
            "Delete",
            SOURCE,
            report_s,
            s["PhysicalResourceId"].as_str().map(str::to_owned),
        )
        .await;
    let gone_d = h
        .send(
            "Delete",
            DESTINATION,
            report_d,
            d["PhysicalResourceId"].as_str().map(str::to_owned),
        )
        .await;
    assert_eq!(
        (gone_s["Status"].as_str(), gone_d["Status"].as_str()),
        (Some("SUCCESS"), Some("SUCCESS"))
    );
    assert_eq!(policy_texts(&h).await, before_delete);
}
