//! `ReplicateExistingObjects`: after a successful Create, one S3 Batch Replication job for the
//! objects of S that predate the rule, run by the emulator's Batch Operations engine; never a
//! second one for the same resource.

use e2e_tests::proxy::Fault;
use e2e_tests::world::enable_versioning;
use serde_json::{Value, json};

use crate::common::harness::{
    Harness, SOURCE, assert_replicated, job_role, jobs_on_source, objects,
};

/// `h`'s source properties with `ReplicateExistingObjects` under `role`, reports in `reports`.
fn with_existing_objects(h: &Harness, role: &str, reports: &str) -> Value {
    let mut props = h.source_props();
    props["ReplicateExistingObjects"] = json!("true");
    props["BatchReplicationRoleArn"] = json!(role);
    props["BatchReplicationReportBucket"] = json!(reports);
    props
}

#[tokio::test]
async fn replicate_existing_objects_starts_exactly_one_job_and_replicates_them() {
    // GIVEN objects in a versioned S written before any rule, and a Batch Replication role
    let mut h = Harness::new().await;
    h.create_destination().await;
    enable_versioning(&h.world.a, &h.world.source_bucket)
        .await
        .unwrap();
    let old = objects(&h, "existing/old", 2, "NONE").await;
    let (role, reports) = job_role(&h, "").await;
    let props = with_existing_objects(&h, &role, &reports);

    // WHEN the source is created with ReplicateExistingObjects
    let answer = h.send("Create", SOURCE, props.clone(), None).await;

    // THEN it succeeds at once with the job's id and where its report will be
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let job = answer["Data"]["ExistingObjectsJobId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!job.is_empty(), "{answer}");
    assert_eq!(
        answer["Data"]["ExistingObjectsReport"],
        json!(format!("s3://{reports}/s3-kms-replication/job-{job}/")),
    );
    // AND a repeat Create and an Update answer that job, and start no other
    let again = h.send("Create", SOURCE, props.clone(), None).await;
    assert_eq!(again["Data"]["ExistingObjectsJobId"], json!(job), "{again}");
    let physical = answer["PhysicalResourceId"].clone();
    let updated = h.update(SOURCE, props.clone(), props, &physical).await;
    assert_eq!(updated["Status"], "SUCCESS", "{updated}");
    assert_eq!(
        updated["Data"]["ExistingObjectsJobId"],
        json!(job),
        "{updated}"
    );
    let jobs = jobs_on_source(&h).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].0, job);
    assert!(
        jobs[0].1.starts_with("s3-kms-replication backfill: "),
        "{jobs:?}"
    );
    // AND the job replicates the objects that predate the rule, under KB
    assert_replicated(&h, &old).await;
}

#[tokio::test]
async fn a_job_that_cannot_be_started_fails_the_create_naming_the_permissions() {
    if e2e_tests::target::emulator_only(
        "a_job_that_cannot_be_started_fails_the_create_naming_the_permissions",
        "it injects faults through a proxy to the emulator",
    ) {
        return;
    }
    // GIVEN S3 Control refusing the setup function's job calls
    let (mut h, proxy) = Harness::behind_proxy("AWS_ENDPOINT_URL").await;
    h.create_destination().await;
    let (role, reports) = job_role(&h, "").await;
    proxy.add_fault(Fault {
        path_contains: "/v20180820/jobs".into(),
        status: 403,
        code: "AccessDenied".into(),
    });

    // WHEN the source is created with ReplicateExistingObjects
    let props = with_existing_objects(&h, &role, &reports);
    let answer = h.send("Create", SOURCE, props, None).await;

    // THEN the Create fails, naming what the function's role needs and the way out
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    for needed in [
        "ReplicateExistingObjects",
        "AccessDenied",
        "s3:CreateJob",
        "iam:PassRole",
        &role,
        "replication-doctor backfill",
    ] {
        assert!(reason.contains(needed), "{needed}: {reason}");
    }
    // AND nothing was started
    proxy.clear_faults();
    assert!(jobs_on_source(&h).await.is_empty());
}
