//! `replication-doctor redrive` and `backfill` end to end: S3 Batch Replication jobs started
//! through the CLI, run by the emulator's Batch Operations engine under a job role with the S3
//! guide's least-privilege policy ("Configuring IAM policies for Batch Replication").

use e2e_tests::accounts::Account;
use e2e_tests::cleanup::Resource;
use e2e_tests::doctor_cli::{self, DoctorRun};
use e2e_tests::world::enable_versioning;
use serde_json::{Value, json};

use crate::common::harness::{Harness, Side, wait};
use crate::support::{configured, remove_source_key_decrypt};

/// A bucket in A for the generated manifest and the completion report, and a job role there
/// with the S3 guide's policy for a stored generated manifest, less `without`.
async fn job_role(h: &Harness, without: &str) -> (String, String) {
    let w = &h.world;
    let reports = e2e_tests::unique_name("reports");
    w.a.s3
        .create_bucket()
        .bucket(&reports)
        .send()
        .await
        .unwrap();
    w.track(Account::A, Resource::Bucket(reports.clone()));
    let name = e2e_tests::unique_name("batch-replication");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "batchoperations.s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role =
        w.a.iam
            .create_role()
            .role_name(&name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .unwrap()
            .role
            .unwrap()
            .arn;
    w.track(Account::A, Resource::Role(name.clone()));
    let s = &w.source_bucket;
    let grants = [
        (
            vec!["s3:InitiateReplication"],
            format!("arn:aws:s3:::{s}/*"),
        ),
        (
            vec![
                "s3:GetReplicationConfiguration",
                "s3:PutInventoryConfiguration",
            ],
            format!("arn:aws:s3:::{s}"),
        ),
        (
            vec!["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
            format!("arn:aws:s3:::{reports}/*"),
        ),
    ];
    let statements: Vec<Value> = grants
        .into_iter()
        .filter_map(|(actions, resource)| {
            let kept: Vec<&str> = actions.into_iter().filter(|a| *a != without).collect();
            (!kept.is_empty())
                .then(|| json!({"Effect": "Allow", "Action": kept, "Resource": resource}))
        })
        .collect();
    let policy = json!({"Version": "2012-10-17", "Statement": statements});
    w.a.iam
        .put_role_policy()
        .role_name(&name)
        .policy_name("batch-replication")
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
    (role, reports)
}

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

/// A world where S already holds objects, written before any replication rule (S versioned, as
/// a team that turns replication on usually has it).
async fn objects_before_the_rule(prefix: &str, n: usize) -> (Harness, Vec<(String, String)>) {
    let mut h = Harness::new().await;
    h.create_destination().await;
    enable_versioning(&h.world.a, &h.world.source_bucket)
        .await
        .unwrap();
    let old = objects(&h, prefix, n, "NONE").await;
    h.create_source().await;
    (h, old)
}

/// Put `n` SSE-KMS objects in S and wait for each to settle; their keys and versions.
async fn objects(h: &Harness, prefix: &str, n: usize, want: &str) -> Vec<(String, String)> {
    let w = &h.world;
    let mut out = Vec::new();
    for i in 0..n {
        let key = format!("{prefix} {i}+ü.txt");
        let version = w.put_source_object(&key, "payload").await.unwrap();
        let status = if want == "NONE" {
            let head =
                w.a.s3
                    .head_object()
                    .bucket(&w.source_bucket)
                    .key(&key)
                    .send()
                    .await
                    .unwrap();
            head.replication_status.map(|s| s.as_str().to_owned())
        } else {
            let head = w
                .wait_for_source_status(&key, &version, wait())
                .await
                .unwrap();
            head.replication_status.map(|s| s.as_str().to_owned())
        };
        assert_eq!(status.as_deref().unwrap_or("NONE"), want, "{key}");
        out.push((key, version));
    }
    out
}

/// Each object is COMPLETED in S and its replica in D is SSE-KMS under KB.
async fn assert_replicated(h: &Harness, objects: &[(String, String)]) {
    for (key, version) in objects {
        h.assert_replicated_to(key, version, &[&h.world.destination_bucket])
            .await;
    }
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
