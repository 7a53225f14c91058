//! Act 9: the closed loop. A grant breaks, objects go FAILED, the doctor names the grant, it is
//! fixed, `replication-doctor redrive` re-drives them with S3 Batch Replication, every one is
//! COMPLETED, and `replication-doctor audit` has the verifier prove each replica in an S3 Batch
//! Operations job: all Succeeded. Both jobs run on the emulator's Batch Operations engine.

use std::path::Path;

use e2e_tests::accounts::{Account, REGION};
use e2e_tests::batch::batch_operations_role;
use e2e_tests::cleanup::Resource;
use e2e_tests::doctor_cli::{self, DoctorRun};
use e2e_tests::lambda_endpoint::FunctionEndpoint;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::unique_name;
use e2e_tests::world::World;
use serde_json::{Value, json};

use crate::{Run, WAIT};

/// The objects the loop re-drives.
const PREFIX: &str = "redrive/";
const OBJECTS: usize = 3;

/// A new bucket in `account`, deleted with `w`.
async fn bucket(w: &World, account: Account, prefix: &str) -> anyhow::Result<String> {
    let name = unique_name(prefix);
    let s3 = if account == Account::A {
        &w.a.s3
    } else {
        &w.b.s3
    };
    s3.create_bucket().bucket(&name).send().await?;
    w.track(account, Resource::Bucket(name.clone()));
    Ok(name)
}

/// The CLI, while this process's runtime goes on serving the verifier's endpoint.
fn cli(w: &World, args: &[&str]) -> anyhow::Result<DoctorRun> {
    tokio::task::block_in_place(|| doctor_cli::run_args(w, args, Some(REGION)))
}

/// The replication status of each object.
async fn statuses(w: &World, objects: &[(String, String)]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for (key, version) in objects {
        let head = w.wait_for_source_status(key, version, WAIT).await?;
        out.push(
            head.replication_status
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        );
    }
    Ok(out)
}

/// Act 9, on the healthy pair the doctor act left.
pub(crate) async fn closed_loop(run: &mut Run, verifier_bin: &Path) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    println!(
        "\n[closed loop] break KB's grant → objects FAILED → doctor names it → fix → redrive (S3 Batch Replication)\n              → all COMPLETED → audit job (the verifier per replica, S3 Batch Operations) → all Succeeded"
    );
    // Break: KB's statement for the replication role goes.
    let kb_policy = w.remove_our_key_statements(&w.destination_key_arn).await?;
    let mut objects = Vec::new();
    for i in 0..OBJECTS {
        let key = format!("{PREFIX}object {i}+ü.txt");
        let version = w.put_source_object(&key, "payload").await?;
        objects.push((key, version));
    }
    let before = statuses(w, &objects).await?;
    demo.check(
        before.iter().all(|s| s == "FAILED"),
        &format!("{OBJECTS} objects written while KB's grant is missing are FAILED (S3 never retries them)"),
        &before.join(", "),
    );
    let sick = doctor_cli::run(w, Some(&w.queue_arn), false, true)?;
    let findings = sick.json()?["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    demo.check(
        sick.code == 1 && findings.len() == 1 && findings[0]["step"] == 4,
        "doctor names it: step 4, KB's key policy",
        findings
            .first()
            .and_then(|f| f["fix"].as_str())
            .unwrap_or(""),
    );
    // Fix: the key policy as it was.
    w.b.kms
        .put_key_policy()
        .key_id(&w.destination_key_arn)
        .policy_name("default")
        .policy(kb_policy.to_string())
        .send()
        .await?;

    // Re-drive, under the S3 guide's Batch Replication role.
    let reports = bucket(w, Account::A, "batch-reports").await?;
    let s = w.source_bucket.clone();
    let job_role = batch_operations_role(
        w,
        Account::A,
        "batch-replication",
        vec![
            json!({"Effect": "Allow", "Action": "s3:InitiateReplication", "Resource": format!("arn:aws:s3:::{s}/*")}),
            json!({"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"], "Resource": format!("arn:aws:s3:::{s}")}),
            json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], "Resource": format!("arn:aws:s3:::{reports}/*")}),
        ],
    )
    .await?;
    let (d, ka, kb, queue) = (
        w.destination_bucket.clone(),
        w.source_key_arn.clone(),
        w.destination_key_arn.clone(),
        w.queue_arn.clone(),
    );
    let redrive_args = [
        "redrive",
        "--source-bucket",
        &s,
        "--destination-bucket",
        &d,
        "--source-profile",
        "a",
        "--destination-profile",
        "b",
        "--source-kms-key",
        &ka,
        "--destination-kms-key",
        &kb,
        "--queue-arn",
        &queue,
        "--job-role-arn",
        &job_role,
        "--report-bucket",
        &reports,
        "--poll-seconds",
        "0.2",
        "--wait",
    ];
    let redrive = cli(w, &redrive_args)?;
    println!("{}", indent(&redrive.stdout));
    demo.detail("replication-doctor redrive (stderr)", &redrive.stderr);
    demo.check(
        redrive.code == 0
            && redrive
                .stdout
                .contains(&format!("{OBJECTS} succeeded, 0 failed")),
        "redrive: the job re-drives every FAILED object (exit 0)",
        &format!("exit {}", redrive.code),
    );
    let after = statuses(w, &objects).await?;
    demo.check(
        after.iter().all(|s| s == "COMPLETED"),
        "every re-driven object is COMPLETED",
        &after.join(", "),
    );

    // Prove each replica: the verifier as the function of an audit job over D's re-driven keys.
    let mut env = w.b.lambda_env();
    env.push((
        "EXPECTED_KMS_KEY_ARN".to_owned(),
        w.destination_key_arn.clone(),
    ));
    let function = format!(
        "arn:aws:lambda:{REGION}:{}:function:{}",
        Account::B.id(),
        unique_name("verifier")
    );
    let endpoint = FunctionEndpoint::serve(LambdaProcess::spawn(verifier_bin, &env).await?).await?;
    endpoint
        .register(crate::Emulator::shared()?.endpoint(), &function)
        .await?;
    let audit_bucket = bucket(w, Account::B, "audit").await?;
    let audit_role = batch_operations_role(
        w,
        Account::B,
        "replica-audit",
        vec![
            json!({"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function}),
            json!({"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"], "Resource": format!("arn:aws:s3:::{audit_bucket}/*")}),
        ],
    )
    .await?;
    let audit_args = [
        "audit",
        "--destination-bucket",
        &d,
        "--destination-profile",
        "b",
        "--function-arn",
        &function,
        "--job-role-arn",
        &audit_role,
        "--manifest-bucket",
        &audit_bucket,
        "--prefix",
        PREFIX,
        "--poll-seconds",
        "0.2",
        "--wait",
        "--json",
    ];
    let audit = cli(w, &audit_args)?;
    let out: Value = audit.json()?;
    let summary = &out["summary"];
    println!(
        "  audit job {}: {}, {} tasks: {} succeeded ({}), {} failed",
        out["job_id"].as_str().unwrap_or(""),
        out["status"].as_str().unwrap_or(""),
        out["total_tasks"],
        summary["succeeded"],
        summary["succeeded_by_message"],
        summary["failed"]
    );
    demo.detail("replication-doctor audit", &format!("{out:#}"));
    demo.check(
        audit.code == 0
            && summary["succeeded_by_message"]["Verified"] == json!(OBJECTS)
            && summary["failed"] == 0,
        "audit job: the verifier proves every re-driven replica, all Succeeded (Verified)",
        &format!("exit {}", audit.code),
    );
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
