//! `make bench`: the verifier's cold start, memory, CPU per record, batch latency, audit
//! throughput and cost, and AWS call counts, measured on the release bootstrap against a local
//! stub of S3/KMS/CloudWatch.
//!
//! It prints figures and the targets beside them; it asserts nothing about wall-clock time
//! (shared machines are noisy). It exits non-zero only when a *call count* is wrong, because
//! those are exact.
//!
//! Needs `VERIFIER_BOOTSTRAP`: the bootstrap from the shipped zip (the Makefile sets it to
//! `dist/shipped/replica-verifier/bootstrap`), so the figures are those of the shipped artifact.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use e2e_tests::batch;
use e2e_tests::runtime_api::LambdaProcess;
use e2e_tests::stub_aws::StubAws;
use serde_json::{Value, json};

fn sqs_event(n: usize) -> Value {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            let body = json!({"Records": [{
                "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
                "eventTime": "2026-11-29T05:00:00.000Z", "eventName": "ObjectCreated:Put",
                "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "bench-destination"},
                       "object": {"key": format!("bench/object+{i:05}.bin"), "size": 5,
                                  "versionId": format!("v{i}"), "eTag": "e"}}}]});
            json!({"messageId": format!("m-{i:05}"), "receiptHandle": "r", "body": body.to_string(),
                   "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                   "eventSourceARN": "arn:aws:sqs:us-east-1:222222222222:bench", "awsRegion": "us-east-1"})
        })
        .collect();
    json!({ "Records": records })
}

fn env(stub: &StubAws, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = [
        ("AWS_ENDPOINT_URL", stub.endpoint()),
        ("AWS_ACCESS_KEY_ID", "AKIDBENCH"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
        ("AWS_REGION", "us-east-1"),
        ("S3_FORCE_PATH_STYLE", "true"),
        ("EXPECTED_KMS_KEY_ARN", stub.key_arn()),
        ("RUST_LOG", "warn"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in extra {
        env.retain(|(name, _)| name != k);
        env.push(((*k).to_owned(), (*v).to_owned()));
    }
    env
}

fn proc_field(pid: u32, file: &str, key: &str) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/{file}"))?;
    let line = text
        .lines()
        .find(|l| l.starts_with(key))
        .context("field not found")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("no value")?
        .parse()?)
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').context("bad stat")?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    // after ')': state is field 3, utime field 14, stime field 15 (1-based, whole line)
    Ok(f[11].parse::<u64>()? + f[12].parse::<u64>()?)
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// `tasks` SSE-KMS objects in a bucket of the emulator's account B, audited by a `LambdaInvoke`
/// job (schema 2.0) of its Batch Operations engine with `binary` as the function: (tasks, from
/// CreateJob to Complete, tasks Succeeded). The engine invokes one task at a time, so this is
/// one function instance's rate, the emulator's own S3 and the HTTP hop included.
async fn audit_through_the_engine(
    binary: &std::path::Path,
    tasks: usize,
) -> anyhow::Result<(usize, Duration, usize)> {
    use e2e_tests::accounts::Account;
    use e2e_tests::lambda_endpoint::FunctionEndpoint;
    use replication_aws::batch_job::{AuditJob, control_client, create_audit_job};
    use replication_core::batch_job::{ObjectVersion, audit_manifest_csv};

    let emulator = e2e_tests::emulator::Emulator::shared()?;
    let b = Account::B.connect(emulator).await?;
    let bucket = e2e_tests::unique_name("bench-audit");
    b.s3.create_bucket().bucket(&bucket).send().await?;
    // Versioned, as D is: each manifest row names a version.
    e2e_tests::world::enable_versioning(&b, &bucket).await?;
    let key = b
        .kms
        .create_key()
        .send()
        .await?
        .key_metadata
        .and_then(|k| k.arn)
        .context("CreateKey returned no ARN")?;
    let mut versions = Vec::new();
    for i in 0..tasks {
        let name = format!("audit/object {i:05}.bin");
        let put =
            b.s3.put_object()
                .bucket(&bucket)
                .key(&name)
                .body(b"x".to_vec().into())
                .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
                .ssekms_key_id(&key)
                .send()
                .await?;
        versions.push(ObjectVersion {
            key: name,
            version_id: put.version_id.unwrap_or_else(|| "null".to_owned()),
        });
    }
    let manifest_key = "bench/manifest.csv";
    let put =
        b.s3.put_object()
            .bucket(&bucket)
            .key(manifest_key)
            .body(audit_manifest_csv(&bucket, &versions).into_bytes().into())
            .send()
            .await?;
    let etag = put.e_tag().unwrap_or_default().trim_matches('"').to_owned();
    let function = format!(
        "arn:aws:lambda:us-east-1:{}:function:{}",
        Account::B.id(),
        e2e_tests::unique_name("bench-verifier")
    );
    let role_name = e2e_tests::unique_name("bench-audit");
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "batchoperations.s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = b
        .iam
        .create_role()
        .role_name(&role_name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await?
        .role
        .context("CreateRole returned no role")?
        .arn;
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
         "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
    b.iam
        .put_role_policy()
        .role_name(&role_name)
        .policy_name("audit")
        .policy_document(policy.to_string())
        .send()
        .await?;
    let mut env = b.lambda_env();
    env.extend([
        ("EXPECTED_KMS_KEY_ARN".to_owned(), key.clone()),
        ("REQUIRE_REPLICA_STATUS".to_owned(), "false".to_owned()),
        ("VERIFY_PREFIXES".to_owned(), "audit/".to_owned()),
    ]);
    let endpoint = FunctionEndpoint::serve(LambdaProcess::spawn(binary, &env).await?).await?;
    endpoint.register(emulator.endpoint(), &function).await?;
    let control = control_client(
        aws_sdk_s3control::config::Builder::from(&b.config),
        b.config.endpoint_url(),
        "us-east-1",
    );
    let account = Account::B.id().to_owned();
    let started = Instant::now();
    let id = create_audit_job(
        &control,
        &AuditJob {
            account: &account,
            partition: "aws",
            function_arn: &function,
            role_arn: &role,
            manifest: (&bucket, manifest_key, &etag),
            report_bucket: &bucket,
            report_prefix: "bench",
            token: &e2e_tests::unique_name("bench-token"),
            description: "bench: audit through the engine",
        },
    )
    .await?;
    loop {
        let job = control
            .describe_job()
            .account_id(&account)
            .job_id(&id)
            .send()
            .await?
            .job
            .context("DescribeJob returned no job")?;
        let status = job
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        if matches!(status.as_str(), "Complete" | "Failed" | "Cancelled") {
            let wall = started.elapsed();
            let ok = job
                .progress_summary()
                .and_then(|p| p.number_of_tasks_succeeded())
                .unwrap_or(0);
            if status != "Complete" {
                bail!("the audit job ended {status}: {:?}", job.failure_reasons());
            }
            if ok == 0 {
                let lines = endpoint.process().await.stdout_lines();
                eprintln!(
                    "audit job: no task succeeded ({:?}); the verifier's last lines: {:?}",
                    job.progress_summary(),
                    lines.iter().rev().take(3).collect::<Vec<_>>()
                );
            }
            return Ok((tasks, wall, usize::try_from(ok).unwrap_or(0)));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn row(name: &str, figure: String, target: &str) {
    println!("| {name:<58} | {figure:>22} | {target:<14} |");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let binary = std::path::PathBuf::from(
        std::env::var_os("VERIFIER_BOOTSTRAP")
            .context("set VERIFIER_BOOTSTRAP to the release bootstrap (make bench does)")?,
    );
    let stub = StubAws::start().await?;
    let mut wrong_counts = Vec::new();
    println!("replica-verifier benchmarks ({})", binary.display());
    println!(
        "| {:<58} | {:>22} | {:<14} |",
        "figure", "measured", "target"
    );
    println!("|{}|{}|{}|", "-".repeat(60), "-".repeat(24), "-".repeat(16));

    // Cold start: spawn to first /next, key given as an ARN (no DescribeKey).
    let mut starts = Vec::new();
    for _ in 0..21 {
        let f = LambdaProcess::spawn(&binary, &env(&stub, &[])).await?;
        starts.push(f.ready_after());
        f.stop().await;
    }
    starts.sort();
    let median = starts[starts.len() / 2];
    row(
        "cold start, spawn to ready (median of 21; min..max)",
        format!(
            "{:.1} ms ({:.1}..{:.1})",
            ms(median),
            ms(starts[0]),
            ms(starts[20])
        ),
        "<= 10 ms",
    );

    // DescribeKey per cold start with an alias.
    stub.traffic().reset_calls();
    let mut alias_starts = Vec::new();
    for _ in 0..5 {
        let f = LambdaProcess::spawn(
            &binary,
            &env(&stub, &[("EXPECTED_KMS_KEY_ARN", "alias/replicas")]),
        )
        .await?;
        alias_starts.push(f.ready_after());
        f.stop().await;
    }
    alias_starts.sort();
    let describe = stub
        .traffic()
        .calls()
        .get("DescribeKey")
        .copied()
        .unwrap_or(0);
    row(
        "cold start with an alias (median of 5, incl. DescribeKey)",
        format!("{:.1} ms", ms(alias_starts[2])),
        "-",
    );
    row(
        "DescribeKey calls per cold start (alias)",
        format!("{:.1}", describe as f64 / 5.0),
        "<= 1",
    );
    if describe != 5 {
        wrong_counts.push(format!("DescribeKey: {describe} for 5 cold starts"));
    }

    // Peak RSS and calls over a 1,000-record batch (emf sink).
    stub.traffic().reset_calls();
    let mut f = LambdaProcess::spawn(&binary, &env(&stub, &[])).await?;
    let pid = f.pid().context("no pid")?;
    let rss_idle = proc_field(pid, "status", "VmHWM:")?;
    let out = f.invoke(&sqs_event(1000)).await?.into_response()?;
    let rss_peak = proc_field(pid, "status", "VmHWM:")?;
    let failures = out["batchItemFailures"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(usize::MAX);
    row(
        "peak RSS over a 1,000-record batch (idle after init)",
        format!(
            "{:.1} MB ({:.1} MB)",
            rss_peak as f64 / 1024.0,
            rss_idle as f64 / 1024.0
        ),
        "<= 16 MB",
    );
    let calls = stub.traffic().calls();
    let heads = calls.get("HeadObject").copied().unwrap_or(0);
    let puts = calls.get("PutMetricData").copied().unwrap_or(0);
    row(
        "S3 calls per replica (1,000-record batch)",
        format!("{:.3}", heads as f64 / 1000.0),
        "exactly 1",
    );
    row(
        "PutMetricData calls per invocation (emf sink)",
        puts.to_string(),
        "0",
    );
    if heads != 1000 || puts != 0 || failures != 0 {
        wrong_counts.push(format!(
            "emf batch: {heads} HeadObject, {puts} PutMetricData, {failures} failures"
        ));
    }
    f.stop().await;

    // CPU per record: 10,000 records, no injected latency, CPU of the function process only.
    let mut f = LambdaProcess::spawn(&binary, &env(&stub, &[])).await?;
    let pid = f.pid().context("no pid")?;
    f.invoke(&sqs_event(10)).await?; // warm the connection pool
    let before = cpu_ticks(pid)?;
    f.invoke(&sqs_event(10_000)).await?.into_response()?;
    let ticks = cpu_ticks(pid)? - before;
    let per_record = ticks as f64 / clock_ticks_per_second() as f64 / 10_000.0 * 1e6;
    row(
        "handler CPU per record vs local stub (10,000 records)",
        format!("{per_record:.1} us"),
        "<= 20 us",
    );
    f.stop().await;

    // 10,000 records with 10 ms injected latency per S3 call, at the default MAX_CONCURRENCY
    // (64) and at 128; and peak RSS of 1,000 records at 128.
    stub.traffic().set_latency(Duration::from_millis(10));
    for concurrency in ["64", "128"] {
        let mut f =
            LambdaProcess::spawn(&binary, &env(&stub, &[("MAX_CONCURRENCY", concurrency)])).await?;
        let pid = f.pid().context("no pid")?;
        let event = sqs_event(10_000);
        let (function_before, harness_before) = (cpu_ticks(pid)?, cpu_ticks(std::process::id())?);
        let started = Instant::now();
        let out = f.invoke(&event).await?.into_response()?;
        let wall = started.elapsed();
        let seconds = |ticks: u64| ticks as f64 / clock_ticks_per_second() as f64;
        let function_cpu = seconds(cpu_ticks(pid)? - function_before);
        let harness_cpu = seconds(cpu_ticks(std::process::id())? - harness_before);
        let failures = out["batchItemFailures"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(usize::MAX);
        row(
            &format!("10,000 records, 10 ms per S3 call, MAX_CONCURRENCY={concurrency}"),
            format!(
                "{:.2} s ({:.2} s)",
                f.last_duration().as_secs_f64(),
                wall.as_secs_f64()
            ),
            "<= 2 s",
        );
        row(
            "  CPU of the function; of this harness (stub, Runtime API)",
            format!("{function_cpu:.2} s; {harness_cpu:.2} s"),
            "-",
        );
        if failures != 0 {
            wrong_counts.push(format!("latency batch: {failures} failures"));
        }
        f.stop().await;
    }
    stub.traffic().set_latency(Duration::ZERO);
    let mut f = LambdaProcess::spawn(&binary, &env(&stub, &[("MAX_CONCURRENCY", "128")])).await?;
    let pid = f.pid().context("no pid")?;
    f.invoke(&sqs_event(1000)).await?.into_response()?;
    row(
        "peak RSS over a 1,000-record batch, MAX_CONCURRENCY=128",
        format!(
            "{:.1} MB",
            proc_field(pid, "status", "VmHWM:")? as f64 / 1024.0
        ),
        "<= 16 MB",
    );
    f.stop().await;

    // Audit: S3 Batch Operations invokes one function instance per task at a time, one task
    // per invocation; 10 ms per S3 call. One instance's rate, memory and billed duration.
    stub.traffic().set_latency(Duration::from_millis(10));
    stub.traffic().reset_calls();
    let mut f = LambdaProcess::spawn(&binary, &env(&stub, &[])).await?;
    let pid = f.pid().context("no pid")?;
    let tasks = 1000;
    let mut billed_ms = 0_u128;
    let mut not_succeeded = 0;
    let started = Instant::now();
    for i in 0..tasks {
        let event = batch::task_event(
            "2.0",
            "bench-destination",
            &format!("audit/object%20{i:05}.bin"),
            Some(&format!("v{i}")),
        )?;
        let out = f.invoke(&event).await?.into_response()?;
        // Lambda bills each invocation's duration rounded up to the millisecond.
        billed_ms += f.last_duration().as_micros().div_ceil(1000);
        not_succeeded += usize::from(out["results"][0]["resultCode"] != "Succeeded");
    }
    let wall = started.elapsed();
    let heads = stub
        .traffic()
        .calls()
        .get("HeadObject")
        .copied()
        .unwrap_or(0);
    let mean_billed_ms = billed_ms as f64 / tasks as f64;
    row(
        "audit: replicas per second, one instance (1 task/invocation)",
        format!("{:.0} /s", tasks as f64 / wall.as_secs_f64()),
        "-",
    );
    row(
        "audit: billed duration per task, mean (10 ms S3)",
        format!("{mean_billed_ms:.1} ms"),
        "-",
    );
    row(
        "audit: peak RSS over 1,000 tasks",
        format!(
            "{:.1} MB",
            proc_field(pid, "status", "VmHWM:")? as f64 / 1024.0
        ),
        "<= 16 MB",
    );
    // us-east-1 list prices, x86_64: $0.0000166667 per GB-second and $0.20 per million
    // requests (Lambda); S3 Standard GET/HEAD $0.0004 per 1,000 requests.
    let lambda_cost =
        |memory_gb: f64| 1e6 * (mean_billed_ms / 1000.0 * memory_gb * 0.000_016_666_7) + 0.20;
    row(
        "audit: Lambda cost per million replicas, 128 MB; 1,024 MB",
        format!("${:.2}; ${:.2}", lambda_cost(0.125), lambda_cost(1.0)),
        "-",
    );
    row(
        "audit: S3 HEAD cost per million replicas (for comparison)",
        "$0.40".to_owned(),
        "-",
    );
    row(
        "audit: S3 calls per task",
        format!("{:.3}", heads as f64 / tasks as f64),
        "exactly 1",
    );
    if heads != tasks || not_succeeded != 0 {
        wrong_counts.push(format!(
            "audit: {heads} HeadObject for {tasks} tasks, {not_succeeded} not Succeeded"
        ));
    }
    f.stop().await;
    stub.traffic().set_latency(Duration::ZERO);

    // Audit through the emulator's S3 Batch Operations engine: a LambdaInvoke job whose function
    // is this bootstrap (behind a loopback endpoint), over a CSV manifest of real SSE-KMS objects.
    let (engine_tasks, engine_wall, engine_ok) = audit_through_the_engine(&binary, 300).await?;
    row(
        "audit job through the emulator's engine: tasks/s, one instance",
        format!(
            "{:.0} /s ({engine_tasks} in {:.1} s)",
            engine_tasks as f64 / engine_wall.as_secs_f64(),
            engine_wall.as_secs_f64()
        ),
        "-",
    );
    if engine_ok != engine_tasks {
        wrong_counts.push(format!(
            "audit job: {engine_ok} of {engine_tasks} tasks Succeeded"
        ));
    }

    // cloudwatch sink: one PutMetricData per invocation.
    stub.traffic().reset_calls();
    let mut f =
        LambdaProcess::spawn(&binary, &env(&stub, &[("METRICS_SINK", "cloudwatch")])).await?;
    f.invoke(&sqs_event(1000)).await?.into_response()?;
    let puts = stub
        .traffic()
        .calls()
        .get("PutMetricData")
        .copied()
        .unwrap_or(0);
    row(
        "PutMetricData calls per invocation (cloudwatch sink)",
        puts.to_string(),
        "1",
    );
    if puts != 1 {
        wrong_counts.push(format!("cloudwatch sink: {puts} PutMetricData calls"));
    }
    f.stop().await;

    if !wrong_counts.is_empty() {
        bail!("call counts off: {}", wrong_counts.join("; "));
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
