//! The destination's dashboard, drawn with the metrics this run published.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use e2e_tests::accounts::Account;
use e2e_tests::emulator::Emulator;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::world::World;

use crate::{Run, Verifying};

/// The destination's dashboard, drawn with the metrics this run published.
pub(crate) async fn dashboard(
    run: &mut Run,
    v: &Verifying,
    started_at: std::time::SystemTime,
) -> anyhow::Result<()> {
    let Run {
        demo,
        emulator,
        w,
        namespace,
        ..
    } = run;
    let Verifying { verifier, .. } = v;
    // The destination's dashboard, drawn with the metrics this run published.
    let image = match std::env::var_os("DASHBOARD_IMAGE") {
        Some(path) => PathBuf::from(path),
        None => e2e_tests::emulator::repo_root().join("dist/dashboard-data.png"),
    };
    let drawn = draw_dashboard(w, emulator, namespace, verifier, started_at, &image);
    demo.check(
        drawn.is_ok(),
        "dashboard drawn with this run's metrics, read back from CloudWatch",
        &drawn.unwrap_or_else(|e| format!("{e:#}")),
    );

    Ok(())
}

/// Draw the destination template's dashboard with the data this run published: the renderer
/// (`infra/render_dashboard.py`) reads every widget's metrics back from the emulator's
/// CloudWatch, in each account, evaluates the template's alarms over them, and fills the log
/// widget from the verifier's log lines.
fn draw_dashboard(
    w: &World,
    emulator: &Emulator,
    namespace: &str,
    verifier: &LambdaProcess,
    started_at: std::time::SystemTime,
    out: &std::path::Path,
) -> anyhow::Result<String> {
    let root = e2e_tests::emulator::repo_root();
    let logs = std::env::temp_dir().join(format!(
        "s3-kms-replication-demo-verifier-{}.jsonl",
        std::process::id()
    ));
    std::fs::write(&logs, verifier.stdout_lines().join("\n"))?;
    let iso = |t: std::time::SystemTime| {
        aws_sdk_s3::primitives::DateTime::from(t)
            .fmt(aws_sdk_s3::primitives::DateTimeFormat::DateTime)
            .unwrap_or_default()
    };
    let queue = w.queue_url.rsplit('/').next().unwrap_or_default();
    let sets = [
        ("AWS::StackName", "s3-kms-replication-demo"),
        ("DestinationBucket", w.destination_bucket.as_str()),
        ("SourceBucket", w.source_bucket.as_str()),
        ("DestinationKmsKeyArn", w.destination_key_arn.as_str()),
        ("SourceAccountId", Account::A.id()),
        ("MetricsNamespace", namespace),
        ("ReplicationRuleId", "to-destination"),
        ("Queue.QueueName", queue),
        ("DeadLetterQueue.QueueName", "none-in-the-demo"),
        ("ScheduledCheck", "true"),
        ("Liveness", "true"),
    ];
    let mut cmd = std::process::Command::new(root.join(".venv/bin/python"));
    // The emulator's placeholder credentials, only to call sts:AssumeRole on it; the roles
    // below pick each account.
    cmd.current_dir(&root)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .arg("infra/render_dashboard.py")
        .arg("--out")
        .arg(out)
        .args(["--endpoint-url", emulator.endpoint()])
        .args(["--start", &iso(started_at - Duration::from_secs(60))])
        .args([
            "--end",
            &iso(std::time::SystemTime::now() + Duration::from_secs(60)),
        ])
        .args(["--period", "60", "--log-lines"])
        .arg(&logs);
    for (name, value) in sets {
        cmd.arg("--set").arg(format!("{name}={value}"));
    }
    for account in [Account::A, Account::B] {
        cmd.arg("--account-role").arg(format!(
            "{0}=arn:aws:iam::{0}:role/local-aws-admin",
            account.id()
        ));
    }
    let output = cmd.output().context("run .venv/bin/python (make setup)")?;
    let _ = std::fs::remove_file(&logs);
    let report = String::from_utf8_lossy(&output.stdout);
    print!(
        "{}",
        report
            .lines()
            .map(|l| format!("  {l}\n"))
            .collect::<String>()
    );
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    anyhow::ensure!(
        output.status.success(),
        "the renderer exited with {}",
        output.status
    );
    // Every line of the run's own accounts must have been read.
    anyhow::ensure!(
        !report.contains("not read: account") && !report.contains(" 0 series with data"),
        "the renderer could not read this run's metrics"
    );
    Ok(report.lines().next().unwrap_or_default().to_owned())
}
