//! Issue 10 at deploy time and on schedule: the deploy-time check, the canary, and the
//! scheduled check's findings metric.

use e2e_tests::accounts::Account;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE};

// ---------------------------------------------------------------------------------------
// Issue 10: the deploy-time check.
// ---------------------------------------------------------------------------------------

/// A foreign Deny in D's bucket policy would stop every replica: the destination's Create
/// fails with the finding, naming the statement; with `DeployTimeChecks: false` it succeeds.
#[tokio::test]
async fn a_create_fails_with_the_deploy_time_finding_unless_checks_are_off() {
    let mut h = Harness::new().await;
    let w = &h.world;
    let deny = json!({"Version": "2012-10-17", "Statement": [{"Sid": "NoReplicas",
        "Effect": "Deny", "Principal": "*", "Action": "s3:ReplicateObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket),
        "Condition": {"StringNotEquals": {"aws:PrincipalAccount": Account::B.id()}}}]});
    w.b.s3
        .put_bucket_policy()
        .bucket(&w.destination_bucket)
        .policy(deny.to_string())
        .send()
        .await
        .unwrap();
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props.clone(), None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("deploy-time check")
            && reason.contains("step 5")
            && reason.contains("NoReplicas"),
        "{reason}"
    );
    assert!(reason.len() <= 3000, "{}", reason.len());
    let mut off = props;
    off["DeployTimeChecks"] = json!("false");
    let answer = h.send("Create", DESTINATION, off, None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
}

/// KA disabled: the source's Create fails with the step-3 finding and the fix.
#[tokio::test]
async fn a_source_create_with_ka_disabled_fails_with_the_finding() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    let w = &h.world;
    w.a.kms
        .disable_key()
        .key_id(&w.source_key_arn)
        .send()
        .await
        .unwrap();
    let props = h.source_props();
    let answer = h.send("Create", SOURCE, props, None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("step 3") && reason.contains("enable-key"),
        "{reason}"
    );
}

/// Issue 10: the canary proves replication end to end at deploy time, and catches what the
/// source account's documents cannot show (here: KB's statement, in the other account).
#[tokio::test]
async fn the_canary_replicates_or_fails_the_create_with_where_to_look() {
    // GIVEN a healthy pair WHEN the source is created with Canary THEN it replicates
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut props = h.source_props();
    props["Canary"] = json!("true");
    let answer = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["Data"]["CanaryStatus"], "COMPLETED", "{answer}");
    let key = answer["Data"]["CanaryKey"].as_str().unwrap().to_owned();
    assert!(key.starts_with(".s3-kms-replication-canary/"), "{key}");
    // AND its source version is gone, its replica stays in D for the verifier
    let w = &h.world;
    let left =
        w.a.s3
            .list_object_versions()
            .bucket(&w.source_bucket)
            .prefix(&key)
            .send()
            .await
            .unwrap();
    assert!(left.versions().is_empty() && left.delete_markers().is_empty());
    let replica =
        w.b.s3
            .head_object()
            .bucket(&w.destination_bucket)
            .key(&key)
            .send()
            .await;
    assert!(replica.is_ok(), "{replica:?}");

    // GIVEN KB's statement removed in B WHEN the source is updated with Canary THEN it fails
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    let answer = h
        .update(SOURCE, props.clone(), props, &answer["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.starts_with("Canary:") && reason.contains("KB's key policy"),
        "{reason}"
    );
}

/// Issue 10: the scheduled check, on each side, publishes the number of findings as the EMF
/// metric `ReplicationSetupFindings` and logs each finding.
#[tokio::test]
async fn the_scheduled_check_publishes_its_findings_as_a_metric_and_logs_each() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    h.create_source().await;
    let check = |resource_type: &str, props: Value| json!({"ScheduledCheck": {"ResourceType": resource_type, "ResourceProperties": props}});
    let last_metric = |lines: Vec<String>| -> f64 {
        lines
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v.get("_aws").is_some())
            .filter_map(|v| v["ReplicationSetupFindings"].as_f64())
            .next_back()
            .expect("no ReplicationSetupFindings EMF line")
    };
    // As written: no finding on either side (an empty optional parameter is "not set").
    let mut source = h.source_props();
    source["RoleName"] = json!(h.role_name);
    source["OwnerOverride"] = json!("");
    let answer = h
        .in_a
        .invoke(&check(SOURCE, source))
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(answer["findings"], json!([]), "{answer}");
    assert_eq!(last_metric(h.in_a.stdout_lines()), 0.0);
    let destination = h.destination_props();
    let answer = h
        .in_b
        .invoke(&check(DESTINATION, destination.clone()))
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(answer["findings"], json!([]), "{answer}");
    assert_eq!(last_metric(h.in_b.stdout_lines()), 0.0);
    // Someone edits KB's policy by hand: the next run counts it and logs it.
    let w = &h.world;
    w.remove_our_key_statements(&w.destination_key_arn)
        .await
        .unwrap();
    let answer = h
        .in_b
        .invoke(&check(DESTINATION, destination))
        .await
        .unwrap()
        .into_response()
        .unwrap();
    assert_eq!(answer["findings"][0]["step"], 4, "{answer}");
    let lines = h.in_b.stdout_lines();
    assert_eq!(last_metric(lines.clone()), 1.0);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("replication setup finding") && l.contains("KB's key policy")),
        "{lines:#?}"
    );
}
