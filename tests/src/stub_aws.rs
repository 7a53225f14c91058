//! A minimal, fast stand-in for S3, KMS and CloudWatch on 127.0.0.1, for benchmarks.
//!
//! It answers exactly what the verifier calls: `HeadObject` (every object is a replica under
//! [`StubAws::key_arn`]), `kms:DescribeKey` and CloudWatch `PutMetricData` (rpcv2Cbor), after
//! an optional injected latency, and counts every call by operation. Unlike the emulator it
//! costs almost nothing per request, so what is measured is the function, not the stub.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};

use crate::http::{bind_loopback, serve};

/// The key every stub object is encrypted under.
pub const STUB_KEY_ARN: &str =
    "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";

#[derive(Debug, Default)]
struct State {
    latency: Duration,
    calls: BTreeMap<&'static str, u64>,
}

/// The running stub; stops when dropped.
#[derive(Debug)]
pub struct StubAws {
    endpoint: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl StubAws {
    /// Start the stub on a free loopback port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start() -> anyhow::Result<Self> {
        let (listener, endpoint) = bind_loopback().await?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let task = serve(listener, move |req| answer(req, shared.clone()));
        Ok(Self {
            endpoint,
            state,
            task,
        })
    }

    /// The endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The key ARN objects are under.
    pub fn key_arn(&self) -> &'static str {
        STUB_KEY_ARN
    }

    /// Delay every answer by `latency`.
    pub fn set_latency(&self, latency: Duration) {
        if let Ok(mut s) = self.state.lock() {
            s.latency = latency;
        }
    }

    /// Calls by operation (`HeadObject`, `DescribeKey`, `PutMetricData`, `Other`).
    pub fn calls(&self) -> BTreeMap<&'static str, u64> {
        self.state
            .lock()
            .map(|s| s.calls.clone())
            .unwrap_or_default()
    }

    /// Forget the counts.
    pub fn reset_calls(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.calls.clear();
        }
    }
}

impl Drop for StubAws {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let op = if req.method() == Method::HEAD {
        "HeadObject"
    } else if target.ends_with("DescribeKey") {
        "DescribeKey"
    } else if req.uri().path().ends_with("/operation/PutMetricData") {
        "PutMetricData"
    } else {
        "Other"
    };
    let _ = req.into_body().collect().await;
    let latency = match state.lock() {
        Ok(mut s) => {
            *s.calls.entry(op).or_insert(0) += 1;
            s.latency
        }
        Err(_) => Duration::ZERO,
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let builder = Response::builder().header("x-amz-request-id", "stub");
    let response = match op {
        "HeadObject" => builder
            .header("content-length", "5")
            .header("etag", "\"5d41402abc4b2a76b9719d911017c592\"")
            .header("last-modified", "Sun, 29 Nov 2026 05:00:00 GMT")
            .header("x-amz-version-id", "stub-version")
            .header("x-amz-server-side-encryption", "aws:kms")
            .header("x-amz-server-side-encryption-aws-kms-key-id", STUB_KEY_ARN)
            .header("x-amz-replication-status", "REPLICA")
            .body(Full::new(Bytes::new())),
        "DescribeKey" => builder
            .header("content-type", "application/x-amz-json-1.1")
            .body(Full::new(Bytes::from(format!(
                "{{\"KeyMetadata\":{{\"KeyId\":\"{}\",\"Arn\":\"{STUB_KEY_ARN}\"}}}}",
                STUB_KEY_ARN.rsplit('/').next().unwrap_or_default()
            )))),
        "PutMetricData" => builder
            .header("smithy-protocol", "rpc-v2-cbor")
            .body(Full::new(Bytes::new())),
        _ => builder
            .status(400)
            .body(Full::new(Bytes::from("unsupported by the stub"))),
    };
    Ok(response.unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}
