//! A minimal, fast stand-in for S3, KMS and CloudWatch on 127.0.0.1, for benchmarks.
//!
//! It answers exactly what the verifier calls: `HeadObject` (every object is a replica under
//! [`StubAws::key_arn`]), `kms:DescribeKey` and CloudWatch `PutMetricData` (rpcv2Cbor), after
//! an optional injected latency, and counts every call by operation. Unlike the emulator it
//! costs almost nothing per request, so what is measured is the function, not the stub.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response};

use crate::http::{TrafficControl, bind_loopback, serve};

/// The key every stub object is encrypted under.
pub const STUB_KEY_ARN: &str =
    "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";

/// The running stub; stops when dropped.
#[derive(Debug)]
pub struct StubAws {
    endpoint: String,
    traffic: TrafficControl,
    task: tokio::task::JoinHandle<()>,
}

impl StubAws {
    /// Start the stub on a free loopback port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start() -> anyhow::Result<Self> {
        let (listener, endpoint) = bind_loopback().await?;
        let traffic = TrafficControl::default();
        let shared = traffic.clone();
        let task = serve(listener, move |req| answer(req, shared.clone()));
        Ok(Self {
            endpoint,
            traffic,
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

    /// Its latency and call counts by operation (`HeadObject`, `DescribeKey`,
    /// `PutMetricData`, `Other`).
    pub fn traffic(&self) -> &TrafficControl {
        &self.traffic
    }
}

impl Drop for StubAws {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    req: Request<Incoming>,
    traffic: TrafficControl,
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
    traffic.record(op).await;
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
