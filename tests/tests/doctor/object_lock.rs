//! An Object Lock source (issue 21 §4): D without Object Lock, and a role that cannot read
//! retention and legal holds, are each the one finding.

use crate::common::harness::{Harness, Side, enable_object_lock};
use crate::support::{replication_outcome, run};

/// S (and, with `lock_d`, D) with Object Lock, configured by our resources.
async fn configured_with_object_lock(lock_d: bool) -> Harness {
    let mut h = Harness::new().await;
    enable_object_lock(&h.world.a, &h.world.source_bucket).await;
    if lock_d {
        enable_object_lock(&h.world.b, &h.world.destination_bucket).await;
    }
    h.create_destination().await;
    h.create_source().await;
    h
}

#[tokio::test]
async fn an_object_lock_source_into_a_d_without_object_lock_is_a_step_1_finding() {
    // GIVEN S with Object Lock and D without, both configured by our resources
    let h = configured_with_object_lock(false).await;

    // WHEN the doctor runs with both accounts
    let json_run = run(&h, false, true);
    let report = json_run.json().unwrap();

    // THEN the one finding is step 1 on D's Object Lock configuration, with the fix
    assert_eq!(json_run.code, 1, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    let f = &findings[0];
    assert_eq!(f["step"], 1, "{report:#}");
    assert!(
        f["document"]
            .as_str()
            .unwrap()
            .contains("D's Object Lock configuration"),
        "{report:#}"
    );
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "put-object-lock-configuration --bucket {}",
            h.world.destination_bucket
        )),
        "{fix}"
    );
    // and S3 (the emulator) agrees: objects fail
    assert_eq!(replication_outcome(&h).await, "FAILED", "{report:#}");

    // WHEN D gets Object Lock THEN the doctor finds nothing and objects replicate
    enable_object_lock(&h.world.b, &h.world.destination_bucket).await;
    let after = run(&h, false, true);
    assert_eq!(after.code, 0, "{}", after.stdout);
    assert_eq!(replication_outcome(&h).await, "COMPLETED");
}

#[tokio::test]
async fn an_object_lock_sources_role_without_the_lock_reads_is_a_role_finding() {
    // GIVEN S and D with Object Lock, and the role's retention and legal hold reads removed
    let mut h = configured_with_object_lock(true).await;
    h.edit_role_policy(|doc| {
        for s in doc["Statement"].as_array_mut().unwrap() {
            if let Some(actions) = s["Action"].as_array_mut() {
                actions.retain(|a| a != "s3:GetObjectRetention" && a != "s3:GetObjectLegalHold");
            }
        }
    })
    .await;
    // THEN the CLI names the role's policies (step 2) and both actions. (Not cross-checked
    // with an object: which failure reason AWS gives a role without these reads is not
    // documented, so the emulator does not model one.)
    let json_run = run(&h, false, true);
    let report = json_run.json().unwrap();
    assert_eq!(json_run.code, 1, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["step"], 2, "{report:#}");
    let problem = findings[0]["problem"].as_str().unwrap();
    assert!(problem.contains("s3:GetObjectRetention"), "{problem}");
    assert!(problem.contains("s3:GetObjectLegalHold"), "{problem}");

    // AND the source side's scheduled check finds the same
    let scheduled = h.scheduled_check(Side::Source, false).await;
    let seen = scheduled["findings"].as_array().unwrap();
    assert_eq!(seen.len(), 1, "{scheduled:#}");
    assert_eq!(seen[0]["step"], 2, "{scheduled:#}");

    // WHEN the source is deployed again THEN the reads are back and nothing is found
    let answer = h.redeploy(Side::Source).await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let after = run(&h, false, true);
    assert_eq!(after.code, 0, "{}", after.stdout);
}
