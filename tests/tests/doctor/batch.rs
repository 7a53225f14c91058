//! `replication-doctor redrive` and `backfill` end to end: S3 Batch Replication jobs started
//! through the CLI, run by the emulator's Batch Operations engine under a job role with the S3
//! guide's least-privilege policy ("Configuring IAM policies for Batch Replication").

use e2e_tests::doctor_cli::{self, DoctorRun};

use crate::common::harness::{
    Harness, Side, assert_replicated, job_role, objects, objects_before_the_rule,
};
use crate::support::{configured, remove_source_key_decrypt};

/// The CLI's `command` on `h`'s pair with both profiles, `--wait --json` and `extra`.
fn job(h: &Harness, command: &str, role: &str, reports: &str, extra: &[&str]) -> DoctorRun {
    let w = &h.world;
    let mut args = vec![
        command,
        "--source-bucket",
        &w.source_bucket,
        "--destination-bucket",
        &w.destination_bucket,
        "--source-profile",
        "a",
        "--destination-profile",
        "b",
        "--source-kms-key",
        &w.source_key_arn,
        "--destination-kms-key",
        &w.destination_key_arn,
        "--job-role-arn",
        role,
        "--report-bucket",
        reports,
        "--wait",
        "--json",
        "--poll-seconds",
        "0.2",
    ];
    args.extend_from_slice(extra);
    doctor_cli::run_args(w, &args, Some(e2e_tests::accounts::REGION)).unwrap()
}

#[tokio::test]
async fn redrive_after_the_fix_replicates_every_failed_object() {
    let mut h = configured().await;
    remove_source_key_decrypt(&h).await;
    let failed = objects(&h, "redrive/object", 3, "FAILED").await;
    assert_eq!(h.redeploy(Side::Source).await["Status"], "SUCCESS");
    let (role, reports) = job_role(&h, "").await;

    let run = job(&h, "redrive", &role, &reports, &[]);

    let out = run.json().unwrap();
    assert_eq!(run.code, 0, "{out:#}\n{}", run.stderr);
    assert_eq!(out["status"], "Complete", "{out:#}");
    assert_eq!(out["total_tasks"], 3, "{out:#}");
    assert_eq!(out["summary"]["succeeded"], 3, "{out:#}");
    assert_eq!(out["summary"]["failed"], 0, "{out:#}");
    assert!(run.stderr.contains("started redrive job"), "{}", run.stderr);
    assert_replicated(&h, &failed).await;
}

#[tokio::test]
async fn backfill_replicates_the_objects_that_predate_the_rule() {
    let (h, old) = objects_before_the_rule("backfill/old", 2).await;
    let (role, reports) = job_role(&h, "").await;

    let run = job(&h, "backfill", &role, &reports, &[]);

    let out = run.json().unwrap();
    assert_eq!(run.code, 0, "{out:#}\n{}", run.stderr);
    assert_eq!(out["summary"]["succeeded"], 2, "{out:#}");
    assert_replicated(&h, &old).await;
    let again = job(&h, "backfill", &role, &reports, &[]).json().unwrap();
    assert_eq!(
        again["total_tasks"], 0,
        "nothing is NONE any more: {again:#}"
    );
}

#[tokio::test]
async fn a_job_role_missing_one_permission_fails_naming_it() {
    let (h, _) = objects_before_the_rule("denied/old", 1).await;
    let (role, reports) = job_role(&h, "s3:InitiateReplication").await;

    let run = job(&h, "backfill", &role, &reports, &[]);

    let out = run.json().unwrap();
    assert_eq!(run.code, 1, "{out:#}");
    assert_eq!(
        out["summary"]["failed_by_code"]["AccessDenied"], 1,
        "{out:#}"
    );
    let message = out["summary"]["first_failures"][0]["message"]
        .as_str()
        .unwrap();
    assert!(message.contains("s3:InitiateReplication"), "{message}");
    assert!(message.contains(&role), "{message}");

    // The same, as a person reads it (without --json); `--nocapture` prints it.
    let mut args = vec!["backfill", "--source-bucket", &h.world.source_bucket];
    args.extend([
        "--destination-bucket",
        &h.world.destination_bucket,
        "--source-profile",
        "a",
        "--destination-profile",
        "b",
        "--job-role-arn",
        &role,
        "--report-bucket",
        &reports,
        "--wait",
        "--poll-seconds",
        "0.2",
    ]);
    let text = doctor_cli::run_args(&h.world, &args, Some(e2e_tests::accounts::REGION)).unwrap();
    println!("{}{}", text.stderr, text.stdout);
    assert_eq!(text.code, 1, "{}", text.stdout);
    assert!(
        text.stdout.contains("failed with AccessDenied: 1"),
        "{}",
        text.stdout
    );

    let (role, reports) = job_role(&h, "s3:PutInventoryConfiguration").await;
    let out = job(&h, "backfill", &role, &reports, &[]).json().unwrap();
    assert_eq!(out["status"], "Failed", "{out:#}");
    let reason = out["failure_reasons"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("s3:PutInventoryConfiguration"), "{reason}");
}

#[tokio::test]
async fn a_doctor_finding_blocks_the_redrive_unless_forced() {
    let h = configured().await;
    remove_source_key_decrypt(&h).await;
    let (role, reports) = job_role(&h, "").await;

    let refused = job(&h, "redrive", &role, &reports, &[]);

    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert_eq!(refused.json().unwrap()["started"], false);
    assert!(
        refused.stderr.contains("not starting the redrive job"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);

    let forced = job(&h, "redrive", &role, &reports, &["--force"]);
    assert!(
        forced.stderr.contains("started redrive job"),
        "{}",
        forced.stderr
    );
    assert_eq!(
        forced.json().unwrap()["status"],
        "Complete",
        "{}",
        forced.stdout
    );
}
