//! `make demo`: the whole seed procedure, end to end, on the local emulator, with the real
//! release bootstraps — no AWS account needed.
//!
//! 1. The "before" world: accounts A and B, buckets, customer KMS keys; the key and bucket
//!    policies already hold foreign statements, and S already replicates `archive/` elsewhere
//!    with the team's own role.
//! 2. The setup bootstrap answers CloudFormation Create events, destination then source, at
//!    pre-signed emulator URLs.
//! 3. Each step is printed with ✓/✗ and what was written and kept.
//! 4. Objects with spaces, plus signs and unicode are uploaded; the emulator replicates them;
//!    D's notifications reach the verifier bootstrap through SQS; verdicts and metrics are shown.
//! 5. A replica rewritten under the wrong key is caught.
//! 6. Every object version already in D is audited through S3 Batch Operations events (built
//!    from a listing of D), with each task's result string (act 9 runs the audit as a job).
//! 7. One period of the scheduled check on both sides, with liveness: no findings, and A's
//!    canary replicated and verified in B (`CanaryReplicaVerified`).
//! 8. replication-doctor says healthy; with KB's statement removed it names that one finding,
//!    and so does the next scheduled period in B.
//! 9. The closed loop: KB's grant breaks, objects go FAILED, the doctor names it, it is fixed,
//!    `replication-doctor redrive` re-drives them (S3 Batch Replication on the emulator's Batch
//!    Operations engine), all COMPLETED; `replication-doctor audit` has the verifier prove each
//!    replica in a Batch Operations job: all Succeeded.
//! 10. Delete events remove ours and keep everything else.
//!
//! Needs `SETUP_BOOTSTRAP` and `VERIFIER_BOOTSTRAP` (the Makefile sets them). Exits 0 only if
//! everything behaved as expected. Details go to a log file whose path is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a demo step that cannot run is a failure

mod audit;
mod before;
mod closed_loop;
mod dashboard;
mod delete;
mod doctor;
mod replicate;
mod schedule;
mod setup;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_sdk_s3::types::*;
use e2e_tests::cfn::ResponseBucket;
use e2e_tests::emulator::Emulator;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::world::World;
use serde_json::Value;

use audit::audit;
use before::the_world_before;
use closed_loop::closed_loop;
use dashboard::dashboard;
use delete::delete;
use doctor::doctor;
use replicate::{metrics_read_back, replicate, wrong_key_is_caught};
use schedule::schedule;
use setup::setup;

const OURS: &str = "S3KmsReplication";
const WAIT: Duration = Duration::from_secs(15);

struct Demo {
    log: std::fs::File,
    failures: Vec<String>,
}

impl Demo {
    fn check(&mut self, ok: bool, what: &str, detail: &str) {
        let mark = if ok { "✓" } else { "✗" };
        println!(
            "  {mark} {what}{}",
            if detail.is_empty() {
                String::new()
            } else {
                format!(" — {detail}")
            }
        );
        let _ = writeln!(self.log, "{mark} {what} {detail}");
        if !ok {
            self.failures.push(what.to_owned());
        }
    }

    fn detail(&mut self, title: &str, value: &impl std::fmt::Display) {
        let _ = writeln!(self.log, "--- {title}\n{value}");
    }
}

fn env_path(name: &str) -> anyhow::Result<PathBuf> {
    Ok(PathBuf::from(
        std::env::var_os(name).with_context(|| format!("set {name} (make demo does)"))?,
    ))
}

fn sids(doc: &Value) -> (Vec<String>, Vec<String>) {
    let all: Vec<String> = doc["Statement"]
        .as_array()
        .map(|s| {
            s.iter()
                .map(|s| s["Sid"].as_str().unwrap_or("(no Sid)").to_owned())
                .collect()
        })
        .unwrap_or_default();
    all.into_iter().partition(|s| s.starts_with(OURS))
}

fn foreign(doc: &Value) -> Vec<Value> {
    doc["Statement"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| !s["Sid"].as_str().unwrap_or("").starts_with(OURS))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The world before, and what every act reads.
struct Run {
    demo: Demo,
    emulator: &'static Emulator,
    w: World,
    team_role: String,
    team_role_arn: String,
    team_rule: ReplicationRule,
    before_bucket_policy: Value,
    before_kb: Value,
    before_ka: Value,
    /// One namespace for every metric of the demo.
    namespace: String,
}

/// The two setup functions, and what they answered.
struct Deployed {
    responses: ResponseBucket,
    in_a: LambdaProcess,
    in_b: LambdaProcess,
    destination_props: Value,
    source_props: Value,
    dst: Value,
    src: Value,
}

/// The verifier, and the verdicts so far.
struct Verifying {
    verifier: LambdaProcess,
    table: Vec<(String, String)>,
}

/// The objects the demo replicates: spaces, plus signs and unicode in their keys.
const KEYS: [&str; 3] = [
    "reports/q4 summary.csv",
    "c++/notes+draft.txt",
    "ünïcødé/日本語.txt",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let started = Instant::now();
    let started_at = std::time::SystemTime::now();
    let setup_bin = env_path("SETUP_BOOTSTRAP")?;
    let verifier_bin = env_path("VERIFIER_BOOTSTRAP")?;
    let log_path = std::env::temp_dir().join(format!(
        "s3-kms-replication-demo-{}.log",
        std::process::id()
    ));
    let demo = Demo {
        log: std::fs::File::create(&log_path)?,
        failures: Vec::new(),
    };
    println!(
        "s3-kms-replication demo — detailed log: {}",
        log_path.display()
    );

    let mut run = the_world_before(demo).await?;
    let mut deployed = setup(&mut run, &setup_bin).await?;
    let mut v = replicate(&mut run, &verifier_bin).await?;
    wrong_key_is_caught(&mut run, &mut v).await?;
    metrics_read_back(&mut run).await?;
    audit(&mut run, &mut v).await?;
    schedule(&mut run, &mut deployed, &mut v).await?;
    doctor(&mut run, &mut deployed).await?;
    closed_loop(&mut run, &verifier_bin).await?;
    delete(&mut run, &mut deployed).await?;
    dashboard(&mut run, &v, started_at).await?;
    let Run { demo, .. } = run;
    let Deployed { in_a, in_b, .. } = deployed;
    let Verifying { verifier, .. } = v;
    drop(in_a);
    drop(in_b);
    drop(verifier);
    println!(
        "\n{} in {:.1} s (emulator stops with this process). Log: {}",
        if demo.failures.is_empty() {
            "All steps behaved as expected".to_owned()
        } else {
            format!(
                "{} step(s) FAILED: {:?}",
                demo.failures.len(),
                demo.failures
            )
        },
        started.elapsed().as_secs_f64(),
        log_path.display()
    );
    if demo.failures.is_empty() {
        Ok(())
    } else {
        std::process::exit(1)
    }
}
