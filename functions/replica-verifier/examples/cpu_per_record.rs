//! CPU per record of the verifier's handler, excluding the network: the real SDK pipeline
//! (serialisation, SigV4 signing, endpoint resolution, response parsing) against an in-process
//! HTTP function, so no socket, syscall or peer is measured. Run by `make bench` in release.
//!
//! Prints `cpu_per_record_us=<figure>`: process CPU time (user + system) over a batch, divided
//! by its records. It asserts nothing about time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails by panicking

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_support::fake_aws::{FakeAws, Recording, Reply};
use replica_verifier::handler::Verifier;
use replica_verifier::sink::MetricsSink;
use replication_core::verdict::Expectation;
use replication_core::verifier_config::{SinkKind, VerifierConfig};
use serde_json::{Value, json};

const KB: &str = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";

fn sqs(n: usize) -> Value {
    json!({"Records": (0..n).map(|i| json!({
        "messageId": format!("m{i}"), "eventSource": "aws:sqs",
        "body": json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "eventTime": "2026-11-29T05:00:00.000Z",
            "s3": {"bucket": {"name": "bench-destination"},
                   "object": {"key": format!("bench/object+{i:05}.bin"), "versionId": format!("v{i}")}}}]}).to_string()
    })).collect::<Vec<_>>()})
}

/// utime + stime of this process, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    ticks as f64 / 100.0
}

#[tokio::main]
async fn main() {
    // Every HeadObject finds a replica under KB; requests are counted, not recorded.
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let aws = FakeAws::with_recording(Recording::Off, move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
        Reply::status(200)
            .header("x-amz-server-side-encryption", "aws:kms")
            .header("x-amz-server-side-encryption-aws-kms-key-id", KB)
            .header("x-amz-replication-status", "REPLICA")
    });
    let s3 = aws.s3_virtual_hosted();
    let config =
        VerifierConfig::from_lookup(|k| (k == "EXPECTED_KMS_KEY_ARN").then(|| KB.to_owned()))
            .unwrap();
    let verifier = Verifier {
        s3,
        // Metrics are built but not written: this measures the handler, not stdout.
        sink: MetricsSink::new(SinkKind::CloudWatch, "Bench".into(), None),
        expectation: Expectation::new(KB),
        config,
    };
    verifier.handle(sqs(100)).await.unwrap();
    let n = 20_000;
    let event = sqs(n);
    let before = cpu_seconds();
    let out = verifier.handle(event).await.unwrap();
    let cpu = cpu_seconds() - before;
    assert_eq!(out["batchItemFailures"], json!([]));
    assert_eq!(calls.load(Ordering::Relaxed), n + 100);
    println!("cpu_per_record_us={:.1}", cpu / n as f64 * 1e6);

    // The SDK alone: the same number of HeadObject calls, 64 at a time, and nothing else. The
    // floor any handler that makes one SDK call per record starts from.
    use futures_util::StreamExt;
    let s3 = verifier.s3.clone();
    let before = cpu_seconds();
    let heads = futures_util::stream::iter(0..n)
        .map(|i| {
            s3.head_object()
                .bucket("bench-destination")
                .key(format!("bench/object {i:05}.bin"))
                .version_id(format!("v{i}"))
                .send()
        })
        .buffered(64)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;
    assert_eq!(heads, n);
    let sdk = (cpu_seconds() - before) / n as f64 * 1e6;
    println!("sdk_head_object_us={sdk:.1}");

    // The same batch through our own code only (parse, verdicts, report, EMF and PutMetricData
    // shaping), without the SDK: the share of the figure above that is ours.
    let event = sqs(n);
    let before = cpu_seconds();
    let rounds = 5;
    for _ in 0..rounds {
        let inv = replication_core::events::parse(&event).unwrap();
        let facts = replication_core::verdict::ObjectFacts {
            sse: Some("aws:kms".into()),
            kms_key_id: Some(KB.into()),
            bucket_key_enabled: None,
            replication_status: Some("REPLICA".into()),
        };
        let checked: Vec<_> = replication_core::report::replicas_to_check(&inv)
            .into_iter()
            .map(|(item, object, t)| replication_core::report::Checked {
                item,
                object,
                event_time_ms: t,
                verdict: replication_core::verdict::judge(&Expectation::new(KB), &facts),
            })
            .collect();
        let report = replication_core::report::report(&inv, &checked, 0, &[]);
        std::hint::black_box(report.metrics.to_emf("Bench", 0));
        std::hint::black_box(replication_core::metrics::batch_datums(
            report.metrics.to_datums(),
        ));
    }
    let ours = (cpu_seconds() - before) / (rounds * n) as f64 * 1e6;
    println!("core_per_record_us={ours:.1}");
}
