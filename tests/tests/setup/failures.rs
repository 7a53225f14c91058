//! Failures: AWS errors and deadlines answered FAILED in time, failed Creates and their
//! rollback, and a foreign statement that can never be written back.

use std::time::Duration;

use e2e_tests::accounts::Account;
use e2e_tests::proxy::Fault;
use e2e_tests::target::emulator_only;
use e2e_tests::unique_name;
use e2e_tests::world::s3_trust_policy;
use serde_json::json;

use crate::common::harness::{DESTINATION, Harness, SOURCE, ours};
use crate::support::MARKER;

#[tokio::test]
async fn an_aws_error_is_answered_with_failed_never_silence() {
    if emulator_only(
        "an_aws_error_is_answered_with_failed_never_silence",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN an S3 endpoint that refuses every bucket-policy call
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL_S3").await;
    proxy.add_fault(Fault {
        path_contains: "?policy".into(),
        status: 500,
        code: "InternalError".into(),
    });
    // WHEN a Create hits it
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props, None).await;
    // THEN CloudFormation hears FAILED with the step and the error
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("merge_bucket_policy") && reason.contains("InternalError"),
        "{reason}"
    );
}

#[tokio::test]
async fn a_request_without_time_left_is_answered_failed_before_the_deadline() {
    // 5 s to the deadline is inside the 10 s margin: answer at once.
    let mut h = Harness::new().await;
    let props = h.destination_props();
    let answer = h
        .send_with_deadline("Create", DESTINATION, props, None, Duration::from_secs(5))
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    assert!(
        answer["Reason"].as_str().unwrap().contains("timed out"),
        "{answer}"
    );
}

#[tokio::test]
async fn work_that_outlasts_the_deadline_is_answered_failed_in_time() {
    if emulator_only(
        "work_that_outlasts_the_deadline_is_answered_failed_in_time",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN every AWS call takes 1 s, and the function has 13 s (3 s after the margin)
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL").await;
    proxy.traffic().set_latency(Duration::from_secs(1));
    let props = h.destination_props();
    let answer = h
        .send_with_deadline("Create", DESTINATION, props, None, Duration::from_secs(13))
        .await;
    // THEN CloudFormation hears FAILED "timed out" from the guard, which fires at the deadline
    // less the margin (the reason says so), not from Lambda killing the function
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(reason.contains("timed out after"), "{answer}");
    assert!(
        reason.contains("10 s before the Lambda deadline"),
        "{answer}"
    );
}

// ---------------------------------------------------------------------------------------
// Issue 8, defect 3: a Create that fails before writing answers the failed-create marker; one
// that fails after a write is cleaned up by its rollback Delete.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_create_that_fails_before_any_write_answers_the_marker_and_its_rollback_touches_nothing()
{
    let mut h = Harness::new().await;
    h.add_foreign_statements().await;
    let before = h.snapshot().await;
    // A key that does not exist: DescribeKey fails before anything is written.
    let mut missing_key = h.destination_props();
    missing_key["DestinationKmsKeyArn"] = json!(format!(
        "arn:aws:kms:us-east-1:{}:key/00000000-0000-0000-0000-000000000000",
        Account::B.id()
    ));
    let answer = h
        .send("Create", DESTINATION, missing_key.clone(), None)
        .await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let id = answer["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert!(id.starts_with(MARKER), "{id}");
    let rollback = h.send("Delete", DESTINATION, missing_key, Some(id)).await;
    assert_eq!(rollback["Status"], "SUCCESS", "{rollback}");
    assert_eq!(h.snapshot().await, before);
}

#[tokio::test]
async fn a_create_that_fails_after_a_write_is_cleaned_up_by_its_rollback_delete() {
    if emulator_only(
        "a_create_that_fails_after_a_write_is_cleaned_up_by_its_rollback_delete",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN the destination side, and S3 refusing every replication-configuration call in A
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL_S3").await;
    h.create_destination().await;
    let before = h.snapshot().await;
    proxy.add_fault(Fault {
        path_contains: "?replication".into(),
        status: 500,
        code: "InternalError".into(),
    });
    // WHEN the source Create fails at step 6, after the role and KA's statement were written
    let props = h.source_props();
    let answer = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let id = answer["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert!(!id.starts_with(MARKER), "{id}");
    let w = &h.world;
    assert!(h.role_exists().await);
    assert!(ours(&w.key_policy(&w.source_key_arn).await.unwrap()) > 0);
    // THEN its rollback Delete (S3 answering again) removes what it wrote
    proxy.clear_faults();
    let rollback = h.send("Delete", SOURCE, props, Some(id)).await;
    assert_eq!(rollback["Status"], "SUCCESS", "{rollback}");
    assert!(!h.role_exists().await);
    assert_eq!(h.snapshot().await["ka"], before["ka"]);
}

/// Issue 8, defect 8: a policy that holds another team's statement naming a deleted principal
/// can never be written back; the request fails at once, naming that statement, instead of
/// retrying until the deadline.
#[tokio::test]
async fn a_stale_foreign_principal_fails_at_once_with_a_reason_that_names_its_statement() {
    // GIVEN D's policy grants a role of B that is then deleted
    let mut h = Harness::new().await;
    let w = &h.world;
    let auditor = unique_name("auditor");
    let role =
        w.b.iam
            .create_role()
            .role_name(&auditor)
            .assume_role_policy_document(s3_trust_policy().to_string())
            .send()
            .await
            .unwrap()
            .role
            .unwrap();
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Sid": "TeamAudit",
        "Effect": "Allow", "Principal": {"AWS": role.arn}, "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{}/*", w.destination_bucket)}]});
    w.put_destination_bucket_policy(&policy).await.unwrap();
    w.b.iam
        .delete_role()
        .role_name(&auditor)
        .send()
        .await
        .unwrap();
    // WHEN the destination is created
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props, None).await;
    // THEN it fails naming the statement and the deleted principal's ID
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("TeamAudit") && reason.contains(&role.role_id),
        "{reason}"
    );
    assert!(!reason.contains("timed out"), "{reason}");
}
