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
//!    from a listing of D: the emulator has no Batch Operations engine), with per-task results.
//! 7. One period of the scheduled check on both sides, with liveness: no findings, and A's
//!    canary replicated and verified in B (`CanaryReplicaVerified`).
//! 8. replication-doctor says healthy; with KB's statement removed it names that one finding,
//!    and so does the next scheduled period in B.
//! 9. Delete events remove ours and keep everything else.
//!
//! Needs `SETUP_BOOTSTRAP` and `VERIFIER_BOOTSTRAP` (the Makefile sets them). Exits 0 only if
//! everything behaved as expected. Details go to a log file whose path is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a demo step that cannot run is a failure

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use aws_sdk_s3::types::*;
use e2e_tests::accounts::Account;
use e2e_tests::batch;
use e2e_tests::cfn::{Request, ResponseBucket};
use e2e_tests::emulator::Emulator;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::target::Target;
use e2e_tests::unique_name;
use e2e_tests::world::{World, enable_versioning, foreign_replication_rule};
use replication_core::s3_key::decode_event_key;
use serde_json::{Value, json};

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

/// Act 1: the "before" world: accounts A and B, buckets, customer keys, foreign statements,
/// and a rule of the team's own on S.
async fn the_world_before(mut demo: Demo) -> anyhow::Result<Run> {
    // 1. The "before" world.
    let emulator = Emulator::shared()?;
    println!(
        "\n[0] the world before: accounts A={} and B={} on {}",
        Account::A.id(),
        Account::B.id(),
        emulator.endpoint()
    );
    // Always the emulator, whatever the live-mode variables say.
    let w = World::create_with(Target::emulator()?, false, false).await?;
    let team_role = unique_name("team-replication");
    let archive = unique_name("archive");
    w.a.s3.create_bucket().bucket(&archive).send().await?;
    for bucket in [&w.source_bucket, &archive] {
        enable_versioning(&w.a, bucket).await?;
    }
    let team_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObjectVersionForReplication", "s3:ReplicateObject"],
        "Resource": [format!("arn:aws:s3:::{}/*", w.source_bucket), format!("arn:aws:s3:::{archive}/*")]}]});
    let team_role_arn = w.create_replication_role(&team_role, &team_policy).await?;
    let team_rule = foreign_replication_rule("team-archive", 1, "archive/", &archive)?;
    w.a.s3
        .put_bucket_replication()
        .bucket(&w.source_bucket)
        .replication_configuration(
            ReplicationConfiguration::builder()
                .role(&team_role_arn)
                .rules(team_rule.clone())
                .build()?,
        )
        .send()
        .await?;
    w.add_foreign_statements().await?;
    let before_bucket_policy = w.destination_bucket_policy().await?.unwrap_or(Value::Null);
    let before_kb = w.key_policy(&w.destination_key_arn).await?;
    let before_ka = w.key_policy(&w.source_key_arn).await?;
    println!(
        "  S={} (versioned, rule team-archive), D={} (unversioned), KA, KB, queue in B",
        w.source_bucket, w.destination_bucket
    );
    println!(
        "  foreign statements: D policy {:?}, KB {:?}, KA {:?}",
        sids(&before_bucket_policy).1,
        sids(&before_kb).1,
        sids(&before_ka).1
    );

    // One namespace for every metric of the demo: the verifier's and the scheduled checks'.
    let namespace = unique_name("S3KmsReplication/Demo");
    demo.detail("metrics namespace", &namespace);
    Ok(Run {
        demo,
        emulator,
        w,
        team_role,
        team_role_arn,
        team_rule,
        before_bucket_policy,
        before_kb,
        before_ka,
        namespace,
    })
}

/// Acts 2 and 3: the setup bootstrap answers Create, destination then source; each step checked.
async fn setup(run: &mut Run, setup_bin: &std::path::Path) -> anyhow::Result<Deployed> {
    let Run {
        demo,
        w,
        team_role,
        team_role_arn,
        team_rule,
        before_bucket_policy,
        before_kb,
        before_ka,
        namespace,
        ..
    } = run;
    // 2. The setup bootstrap, destination then source.
    println!("\n[1-6] replication-setup: CloudFormation Create, destination (B) then source (A)");
    let responses = ResponseBucket::create(&w.b).await?;
    let setup_env = |c: &e2e_tests::accounts::Clients| {
        let mut env = c.lambda_env();
        env.push(("METRICS_NAMESPACE".to_owned(), namespace.clone()));
        env
    };
    let mut in_b = LambdaProcess::spawn_in(setup_bin, &setup_env(&w.b), Account::B.id()).await?;
    let mut in_a = LambdaProcess::spawn_in(setup_bin, &setup_env(&w.a), Account::A.id()).await?;
    let destination_props = json!({
        "DestinationBucket": w.destination_bucket, "DestinationKmsKeyArn": w.destination_key_arn,
        "SourceAccountId": Account::A.id(), "SourceBucket": w.source_bucket,
        "ReplicationRoleArn": team_role_arn, "NotificationQueueArn": w.queue_arn});
    let source_props = json!({
        "SourceBucket": w.source_bucket, "SourceKmsKeyArn": w.source_key_arn,
        "DestinationBucket": w.destination_bucket, "DestinationAccountId": Account::B.id(),
        "DestinationKmsKeyArn": w.destination_key_arn, "RoleName": team_role,
        "ReplicationMetrics": "true", "Rules": [{"Id": "to-destination", "Priority": "2"}]});
    let t = Instant::now();
    let dst = responses
        .send(
            &mut in_b,
            Request {
                request_type: "Create",
                resource_type: "Custom::ReplicationDestination",
                properties: destination_props.clone(),
                old_properties: None,
                physical_id: None,
            },
        )
        .await?;
    let src = responses
        .send(
            &mut in_a,
            Request {
                request_type: "Create",
                resource_type: "Custom::ReplicationSource",
                properties: source_props.clone(),
                old_properties: None,
                physical_id: None,
            },
        )
        .await?;
    demo.detail("destination answer", &dst);
    demo.detail("source answer", &src);
    demo.check(
        dst["Status"] == "SUCCESS" && src["Status"] == "SUCCESS",
        "CloudFormation answered SUCCESS twice",
        &format!(
            "{} ms; Reason: {}",
            t.elapsed().as_millis(),
            [&dst, &src]
                .iter()
                .filter_map(|a| a["Reason"].as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    );

    let versioning = |v: Option<BucketVersioningStatus>| {
        v.map(|s| s.as_str().to_owned())
            .unwrap_or_else(|| "off".into())
    };
    let vs =
        w.a.s3
            .get_bucket_versioning()
            .bucket(&w.source_bucket)
            .send()
            .await?
            .status;
    let vd =
        w.b.s3
            .get_bucket_versioning()
            .bucket(&w.destination_bucket)
            .send()
            .await?
            .status;
    demo.check(
        vs == Some(BucketVersioningStatus::Enabled) && vd == Some(BucketVersioningStatus::Enabled),
        "step 1 versioning on S and D",
        &format!(
            "S {} (was on: {}), D {} (was on: {})",
            versioning(vs),
            src["Data"]["SourceVersioningWasEnabled"]
                .as_str()
                .unwrap_or("?"),
            versioning(vd.clone()),
            dst["Data"]["DestinationVersioningWasEnabled"]
                .as_str()
                .unwrap_or("?")
        ),
    );

    let inline =
        w.a.iam
            .get_role_policy()
            .role_name(team_role.as_str())
            .policy_name(w.role_policy_name()?)
            .send()
            .await;
    let inline_doc: Value = inline
        .as_ref()
        .ok()
        .and_then(|o| {
            percent_encoding::percent_decode_str(&o.policy_document)
                .decode_utf8()
                .ok()
        })
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    demo.detail("role inline policy", &inline_doc);
    let actions: Vec<String> = inline_doc["Statement"]
        .as_array()
        .map(|s| {
            s.iter()
                .flat_map(|st| {
                    st["Action"]
                        .as_array()
                        .cloned()
                        .unwrap_or_else(|| vec![st["Action"].clone()])
                })
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    demo.check(
        inline.is_ok()
            && actions
                .iter()
                .any(|a| a == "s3:GetObjectVersionForReplication")
            && !actions.iter().any(|a| a.ends_with('*')),
        "step 2 replication role policy (least privilege, no wildcards)",
        &format!("{team_role}: {}", actions.join(", ")),
    );

    for (step, doc, before) in [
        (
            "step 3 KA key policy",
            w.key_policy(&w.source_key_arn).await?,
            &before_ka,
        ),
        (
            "step 4 KB key policy",
            w.key_policy(&w.destination_key_arn).await?,
            &before_kb,
        ),
        (
            "step 5 D bucket policy",
            w.destination_bucket_policy().await?.unwrap_or(Value::Null),
            &before_bucket_policy,
        ),
    ] {
        demo.detail(step, &doc);
        let (ours, kept) = sids(&doc);
        demo.check(
            !ours.is_empty() && foreign(&doc) == foreign(before),
            step,
            &format!("added {ours:?}; kept {kept:?} unchanged"),
        );
    }
    let rules = w.source_replication_rules().await?;
    let ours = rules.iter().find(|r| r.id() == Some("to-destination"));
    demo.check(
        ours.is_some_and(|r| {
            r.destination()
                .and_then(|d| d.encryption_configuration())
                .and_then(|e| e.replica_kms_key_id())
                == Some(w.destination_key_arn.as_str())
        }) && rules.contains(team_rule),
        "step 6 replication rule on S",
        &format!(
            "rules {:?}; ReplicaKmsKeyID = KB's ARN; team-archive kept",
            rules.iter().filter_map(|r| r.id()).collect::<Vec<_>>()
        ),
    );

    Ok(Deployed {
        responses,
        in_a,
        in_b,
        destination_props,
        source_props,
        dst,
        src,
    })
}

/// Act 4: objects replicate, SQS delivers their events, and the verifier checks every replica.
async fn replicate(run: &mut Run, verifier_bin: &std::path::Path) -> anyhow::Result<Verifying> {
    let Run {
        demo, w, namespace, ..
    } = run;
    // 4. Objects replicate and are verified.
    println!("\n[7] replica-verifier: objects replicate, SQS delivers, every replica is checked");
    let keys = KEYS;
    for key in keys {
        let version = w.put_source_object(key, "demo payload").await?;
        let status = w
            .wait_for_source_status(key, &version, WAIT)
            .await
            .ok()
            .and_then(|h| h.replication_status)
            .map(|s| s.as_str().to_owned());
        demo.check(
            status.as_deref() == Some("COMPLETED"),
            &format!("replicated {key:?}"),
            status.as_deref().unwrap_or("no status"),
        );
    }
    let mut env = w.b.lambda_env();
    env.extend([
        (
            "EXPECTED_KMS_KEY_ARN".to_owned(),
            w.destination_key_arn.clone(),
        ),
        ("METRICS_SINK".to_owned(), "both".to_owned()),
        ("METRICS_NAMESPACE".to_owned(), namespace.clone()),
        (
            "DESTINATION_BUCKET".to_owned(),
            w.destination_bucket.clone(),
        ),
    ]);
    let mut verifier = LambdaProcess::spawn(verifier_bin, &env).await?;
    let event = w.sqs_lambda_event(keys.len(), WAIT).await?;
    let answer = verifier.invoke(&event).await?.into_response()?;
    let table = verdict_table(&event, &verifier);
    demo.check(
        answer == json!({"batchItemFailures": []})
            && table.iter().filter(|(_, v)| v == "Verified").count() == keys.len(),
        "every replica Verified (SSE-KMS under KB, REPLICA)",
        "",
    );

    Ok(Verifying { verifier, table })
}

/// Act 5: a replica rewritten under the wrong key is caught.
async fn wrong_key_is_caught(run: &mut Run, v: &mut Verifying) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    let Verifying {
        verifier, table, ..
    } = v;
    let keys = KEYS;
    // 5. A broken case is caught.
    let kx =
        w.b.kms
            .create_key()
            .description("KX, the wrong key")
            .send()
            .await?
            .key_metadata
            .and_then(|m| m.arn)
            .unwrap_or_default();
    let victim = keys[0];
    w.b.s3
        .copy_object()
        .bucket(&w.destination_bucket)
        .key(victim)
        .copy_source(format!(
            "{}/{}",
            w.destination_bucket,
            victim.replace(' ', "%20")
        ))
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id(&kx)
        .send()
        .await?;
    let event = w.sqs_lambda_event(1, WAIT).await?;
    verifier.invoke(&event).await?.into_response()?;
    table.extend(verdict_table(&event, verifier));
    demo.check(
        table
            .last()
            .is_some_and(|(k, v)| k == victim && v.starts_with("WrongKey")),
        "a replica rewritten under KX is caught as WrongKey",
        "",
    );
    println!("\n  {:<28} verdict", "replica");
    for (key, verdict) in table.iter() {
        println!("  {key:<28} {verdict}");
    }
    demo.detail("verifier stdout", &verifier.stdout_lines().join("\n"));

    Ok(())
}

/// The verifier's metrics, read back from CloudWatch.
async fn metrics_read_back(run: &mut Run) -> anyhow::Result<()> {
    let Run {
        demo, w, namespace, ..
    } = run;
    let keys = KEYS;
    let names = {
        use replication_core::metric_names::*;
        [
            REPLICAS_VERIFIED,
            REPLICA_WRONG_KEY,
            REPLICA_NOT_KMS_ENCRYPTED,
            REPLICA_MISSING,
            VERIFICATION_ERRORS,
        ]
    };
    let sums: Vec<f64> = w
        .destination_metric_sums(namespace, &names)
        .await?
        .into_iter()
        .map(|(_, sum)| sum)
        .collect();
    println!(
        "\n  metrics read back from CloudWatch ({namespace}, DestinationBucket={}):",
        w.destination_bucket
    );
    for (name, sum) in names.iter().zip(&sums) {
        println!("    {name:<24} {sum}");
    }
    demo.check(
        sums[0] == keys.len() as f64 && sums[1] == 1.0,
        "metrics: 3 verified, 1 wrong key",
        "",
    );

    Ok(())
}

/// Act 6: every replica already in D, audited as an S3 Batch Operations job would.
async fn audit(run: &mut Run, v: &mut Verifying) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    let Verifying { verifier, .. } = v;
    let keys = KEYS;
    let victim = keys[0];
    // 6. Audit every replica already in D, as an S3 Batch Operations job would.
    println!(
        "\n[audit] S3 Batch Operations over every object version in D (schema 2.0, one task per invocation;\n        the emulator has no Batch Operations engine, so the tasks come from a listing of D)"
    );
    let audit = audit_destination(w, verifier).await?;
    println!(
        "\n  {:<28} {:<10} {:<17} resultString",
        "key", "version", "resultCode"
    );
    for (key, version, code, text) in &audit {
        println!("  {key:<28} {:<10} {code:<17} {text}", short(version));
    }
    let failed: Vec<_> = audit
        .iter()
        .filter(|(_, _, code, _)| code != "Succeeded")
        .collect();
    demo.check(
        audit.len() == keys.len() + 1
            && failed.len() == 1
            && failed[0].0 == victim
            && failed[0].2 == "PermanentFailure"
            && failed[0].3.starts_with("WrongKey"),
        "audit: every version verified but the rewritten one, a PermanentFailure WrongKey",
        &format!("{} tasks", audit.len()),
    );

    Ok(())
}

/// Act 7: one period of the scheduled check on both sides, with A's liveness canary.
async fn schedule(run: &mut Run, deployed: &mut Deployed, v: &mut Verifying) -> anyhow::Result<()> {
    let Run {
        demo, w, namespace, ..
    } = run;
    let Deployed {
        in_a,
        in_b,
        destination_props,
        source_props,
        ..
    } = deployed;
    let Verifying { verifier, .. } = v;
    // One scheduled period: each side's checks, and A's liveness canary verified in B.
    println!(
        "\n[schedule] one period of the scheduled check (EventBridge Scheduler), both sides, with liveness"
    );
    let period = scheduled_period(in_b, &w.b, destination_props, true).await?;
    let (a_period, canary) = liveness_period(w, in_a, source_props, verifier).await?;
    let canary_sums = w
        .destination_metric_sums(
            namespace,
            &[replication_core::metric_names::CANARY_REPLICA_VERIFIED],
        )
        .await?;
    println!(
        "  findings: destination {}, source {}; canary {} replicated and verified: CanaryReplicaVerified = {}",
        period["findings"].as_array().map_or(0, Vec::len),
        a_period["findings"].as_array().map_or(0, Vec::len),
        canary,
        canary_sums[0].1
    );
    demo.check(
        period["findings"] == json!([])
            && a_period["findings"] == json!([])
            && canary_sums[0].1 == 1.0,
        "schedule: 0 findings on both sides; the liveness canary's replica verified in B",
        "ReplicationSetupFindings 0 (EMF, into CloudWatch), CanaryReplicaVerified 1",
    );

    Ok(())
}

/// Act 8: replication-doctor, healthy; then with KB's statement removed, the one finding, and
/// the next scheduled period in B counting it.
async fn doctor(run: &mut Run, deployed: &mut Deployed) -> anyhow::Result<()> {
    let Run { demo, w, .. } = run;
    let Deployed {
        in_b,
        destination_props,
        ..
    } = deployed;
    // The doctor: read-only, both accounts; healthy, then one grant broken.
    println!("\n[doctor] replication-doctor on this pair, then on it with KB's statement removed");
    let healthy = e2e_tests::doctor_cli::run(w, Some(&w.queue_arn), false, false)?;
    demo.detail("replication-doctor (healthy)", &healthy.stdout);
    demo.check(
        healthy.code == 0 && healthy.stdout.trim_end().ends_with("healthy"),
        "doctor: healthy, every check ✓",
        &format!("exit {}", healthy.code),
    );
    let kb_policy = w.remove_our_key_statements(&w.destination_key_arn).await?;
    let sick = e2e_tests::doctor_cli::run(w, Some(&w.queue_arn), false, true)?;
    let report = sick.json()?;
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    for f in &findings {
        println!(
            "  ✗ step {}: {}\n      {}\n      fix: {}",
            f["step"],
            f["document"].as_str().unwrap_or(""),
            f["problem"].as_str().unwrap_or(""),
            f["fix"].as_str().unwrap_or("")
        );
    }
    demo.check(
        sick.code == 1 && findings.len() == 1 && findings[0]["step"] == 4,
        "doctor: the one finding is step 4, KB's key policy",
        &format!("exit {}", sick.code),
    );
    let period = scheduled_period(in_b, &w.b, destination_props, true).await?;
    demo.check(
        period["findings"]
            .as_array()
            .is_some_and(|f| f.len() == 1 && f[0]["step"] == 4),
        "schedule: the next period in B counts it (ReplicationSetupFindings 1) and logs it",
        "",
    );
    w.b.kms
        .put_key_policy()
        .key_id(&w.destination_key_arn)
        .policy_name("default")
        .policy(kb_policy.to_string())
        .send()
        .await?;

    Ok(())
}

/// Act 9: Delete removes ours and keeps everything else.
async fn delete(run: &mut Run, deployed: &mut Deployed) -> anyhow::Result<()> {
    let Run {
        demo,
        w,
        team_role,
        team_rule,
        before_bucket_policy,
        before_kb,
        before_ka,
        ..
    } = run;
    let Deployed {
        responses,
        in_a,
        in_b,
        destination_props,
        source_props,
        dst,
        src,
        ..
    } = deployed;
    // 7. Delete: ours goes, the rest stays.
    println!("\n[delete] CloudFormation Delete, source then destination");
    let del_src = responses
        .send(
            in_a,
            Request {
                request_type: "Delete",
                resource_type: "Custom::ReplicationSource",
                properties: source_props.clone(),
                old_properties: None,
                physical_id: src["PhysicalResourceId"].as_str().map(str::to_owned),
            },
        )
        .await?;
    let del_dst = responses
        .send(
            in_b,
            Request {
                request_type: "Delete",
                resource_type: "Custom::ReplicationDestination",
                properties: destination_props.clone(),
                old_properties: None,
                physical_id: dst["PhysicalResourceId"].as_str().map(str::to_owned),
            },
        )
        .await?;
    demo.check(
        del_src["Status"] == "SUCCESS" && del_dst["Status"] == "SUCCESS",
        "CloudFormation answered SUCCESS twice",
        "",
    );
    demo.check(
        w.key_policy(&w.source_key_arn).await? == *before_ka
            && w.key_policy(&w.destination_key_arn).await? == *before_kb
            && w.destination_bucket_policy().await?.unwrap_or(Value::Null) == *before_bucket_policy,
        "key and bucket policies are back to what they were",
        "foreign statements intact",
    );
    let rules = w.source_replication_rules().await?;
    demo.check(
        rules == vec![team_rule.clone()],
        "rule team-archive survived; ours removed",
        "",
    );
    let role_kept =
        w.a.iam
            .get_role()
            .role_name(team_role.as_str())
            .send()
            .await
            .is_ok();
    let ours_gone =
        w.a.iam
            .get_role_policy()
            .role_name(team_role.as_str())
            .policy_name(w.role_policy_name()?)
            .send()
            .await
            .is_err();
    demo.check(
        role_kept && ours_gone,
        "the team's role is kept, only our inline policy removed",
        "",
    );

    Ok(())
}

/// The destination's dashboard, drawn with the metrics this run published.
async fn dashboard(
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

/// One scheduled period of `f` (a setup function), as the template's schedule invokes it with
/// `props`; its EMF lines go into `c`'s CloudWatch, as CloudWatch Logs would extract them.
async fn scheduled_period(
    f: &mut LambdaProcess,
    c: &e2e_tests::accounts::Clients,
    props: &Value,
    liveness: bool,
) -> anyhow::Result<Value> {
    let resource_type = if props.get("SourceKmsKeyArn").is_some() {
        "Custom::ReplicationSource"
    } else {
        "Custom::ReplicationDestination"
    };
    let payload = e2e_tests::cfn::scheduled_check(resource_type, props, liveness);
    let before = f.stdout_lines().len();
    let answer = f.invoke(&payload).await?.into_response()?;
    let lines = f.stdout_lines().split_off(before);
    e2e_tests::emf::ship(&lines, &c.cloudwatch).await?;
    Ok(answer)
}

/// A's scheduled period with liveness: its canary replicates, and the verifier in B verifies
/// the replica from D's notification. A's answer, and the canary's key.
async fn liveness_period(
    w: &World,
    in_a: &mut LambdaProcess,
    source_props: &Value,
    verifier: &mut LambdaProcess,
) -> anyhow::Result<(Value, String)> {
    let answer = scheduled_period(in_a, &w.a, source_props, true).await?;
    let key = answer["liveness"]["key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let version = answer["liveness"]["written"]
        .as_str()
        .context("no liveness canary written")?;
    w.wait_for_source_status(&key, version, WAIT).await?;
    let event = w.sqs_lambda_event(1, WAIT).await?;
    verifier.invoke(&event).await?.into_response()?;
    Ok((answer, key))
}

/// (key, verdict) for the ObjectCreated messages of `event`: the verifier logs every verdict
/// other than Verified; a replica without such a line was Verified.
/// One Batch Operations task per object version in D, each answered by the verifier:
/// (key, version, resultCode, resultString).
async fn audit_destination(
    w: &World,
    verifier: &mut LambdaProcess,
) -> anyhow::Result<Vec<(String, String, String, String)>> {
    let listing =
        w.b.s3
            .list_object_versions()
            .bucket(&w.destination_bucket)
            .send()
            .await?;
    let mut rows = Vec::new();
    for v in listing.versions() {
        let (Some(key), Some(version)) = (v.key(), v.version_id()) else {
            continue;
        };
        let event = batch::task_event(
            "2.0",
            &w.destination_bucket,
            &batch::encode_key(key),
            Some(version),
        )?;
        let answer = verifier.invoke(&event).await?.into_response()?;
        let result = &answer["results"][0];
        rows.push((
            key.to_owned(),
            version.to_owned(),
            result["resultCode"].as_str().unwrap_or_default().to_owned(),
            result["resultString"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        ));
    }
    Ok(rows)
}

/// The first characters of a version id, for the table.
fn short(version: &str) -> String {
    version.chars().take(8).collect()
}

fn verdict_table(event: &Value, verifier: &LambdaProcess) -> Vec<(String, String)> {
    let lines: Vec<Value> = verifier
        .stdout_lines()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    event["Records"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| serde_json::from_str::<Value>(r["body"].as_str()?).ok())
        .filter(|b| {
            b["Records"][0]["eventName"]
                .as_str()
                .is_some_and(|n| n.starts_with("ObjectCreated"))
        })
        .map(|b| {
            let raw = b["Records"][0]["s3"]["object"]["key"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let key = decode_event_key(&raw).unwrap_or(raw);
            let version = b["Records"][0]["s3"]["object"]["versionId"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            let verdict = lines
                .iter()
                .rev()
                .find(|l| {
                    l["key"] == key.as_str()
                        && l["version"] == version.as_str()
                        && l.get("verdict").is_some()
                })
                .map(|l| {
                    format!(
                        "{} (actual key {})",
                        l["verdict"].as_str().unwrap_or("?"),
                        l["actual_key"].as_str().unwrap_or("-")
                    )
                })
                .unwrap_or_else(|| "Verified".to_owned());
            (key, verdict)
        })
        .collect()
}
