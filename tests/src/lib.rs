//! End-to-end test support for s3-kms-replication.
//!
//! The pieces, used by the tests in `tests/tests/` and by `make demo`:
//!
//! - [`emulator`]: the local AWS emulator (moto server 5.2.5 plus our extension layer in
//!   `tests/local-aws/`), started once per test process on a free 127.0.0.1 port, or reused
//!   from `LOCAL_AWS_ENDPOINT` when `make emulator-start` already runs one.
//! - [`accounts`]: SDK clients for the two emulated accounts, A = `111111111111` and
//!   B = `222222222222`, through `sts:AssumeRole` (moto maps the returned keys to the account),
//!   or for two real accounts in live mode.
//! - [`target`]: where the tests run: the emulator, or two real accounts when
//!   `S3KR_LIVE_PROFILE_A` and `S3KR_LIVE_PROFILE_B` name AWS CLI profiles (live mode).
//! - [`cleanup`]: what a test created, deleted when its world is dropped, also on failure.
//! - [`emf`]: CloudWatch Logs' extraction of EMF lines, which the emulator lacks: a function's
//!   EMF metrics put into the emulator's CloudWatch, to be read back as an alarm would.
//! - [`doctor_cli`]: runs the `replication-doctor` binary on a world, with a profile per account.
//! - [`runtime_api`]: a Lambda Runtime API server that runs a real `bootstrap` binary, invokes
//!   it with an event and returns the response or error, its stdout lines and its cold start.
//! - [`lambda_endpoint`]: such a process behind a loopback URL, registered with the emulator as
//!   a Batch Operations job's `LambdaInvoke` function.
//! - [`proxy`]: a call-counting, latency- and fault-injecting proxy in front of the emulator.
//! - [`stub_aws`]: a near-zero-cost S3/KMS/CloudWatch stand-in with injected latency, for benchmarks.
//! - [`cfn`]: custom-resource requests with pre-signed emulator `ResponseURL`s, answers read back.
//! - [`world`]: the two-account "before" world (buckets, keys, queue) and replication by hand.
//! - [`batch`]: S3 Batch Operations invocation events, one task each, as the engine sends them.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use e2e_tests::{accounts::Account, emulator::Emulator};
//! let emulator = Emulator::shared()?;
//! let a = Account::A.connect(emulator).await?;
//! a.s3.create_bucket().bucket("my-source").send().await?;
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod batch;
pub mod cfn;
pub mod cleanup;
pub mod doctor_cli;
pub mod emf;
pub mod emulator;
mod http;
pub mod lambda_endpoint;
pub use http::TrafficControl;
pub mod proxy;
pub mod runtime_api;
pub mod stub_aws;
pub mod target;
pub mod template;
pub mod world;

use std::sync::atomic::{AtomicU32, Ordering};

/// A name that is unique within this test process and across processes, for buckets, keys
/// and queues (moto's bucket namespace is global, as AWS's is). Besides the PID it carries a
/// tag of the process's start time, because PIDs are reused and an emulator started with
/// `make emulator-start` outlives many test runs.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let run = RUN.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        // Five base-36 digits of the start time in 10 µs units: wraps every ~10 minutes.
        let mut t = (nanos / 10_000) % 36_u128.pow(5);
        let mut tag = [b'0'; 5];
        for digit in tag.iter_mut().rev() {
            *digit = b"0123456789abcdefghijklmnopqrstuvwxyz"[(t % 36) as usize];
            t /= 36;
        }
        format!("{}-{}", std::process::id(), String::from_utf8_lossy(&tag))
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{run}-{n}")
}
