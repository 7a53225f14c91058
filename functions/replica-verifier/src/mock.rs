//! An S3 client whose HTTP layer is a function: the whole SDK pipeline (serialisation,
//! signing, endpoint resolution, parsing) runs, but nothing leaves the process. For unit tests
//! and the CPU-per-record benchmark (`examples/cpu_per_record.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_credential_types::Credentials;
use aws_sdk_s3::config::{BehaviorVersion, Region};
use aws_smithy_http_client::test_util::infallible_client_fn;

/// A canned HeadObject answer.
#[derive(Debug, Clone)]
pub enum Head {
    /// 200 with these SSE headers and replication status.
    Object {
        /// `x-amz-server-side-encryption`.
        sse: Option<&'static str>,
        /// `x-amz-server-side-encryption-aws-kms-key-id`.
        key: Option<String>,
        /// `x-amz-replication-status`.
        status: Option<&'static str>,
    },
    /// An HTTP error status with no body, as HEAD errors are.
    Status(u16),
}

/// An S3 client answering every request with `answer(path and query)`, and a counter of
/// requests.
pub fn s3_client(
    answer: impl Fn(&str) -> Head + Send + Sync + 'static,
) -> (aws_sdk_s3::Client, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let http = infallible_client_fn(move |req| {
        counter.fetch_add(1, Ordering::Relaxed);
        let builder = http::Response::builder().header("x-amz-request-id", "mock");
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let response = match answer(&target) {
            Head::Object { sse, key, status } => {
                let mut b = builder.status(200).header("content-length", "5");
                if let Some(sse) = sse {
                    b = b.header("x-amz-server-side-encryption", sse);
                }
                if let Some(key) = key {
                    b = b.header("x-amz-server-side-encryption-aws-kms-key-id", key);
                }
                if let Some(status) = status {
                    b = b.header("x-amz-replication-status", status);
                }
                b.body("")
            }
            Head::Status(code) => builder.status(code).body(""),
        };
        response.unwrap_or_else(|_| http::Response::new(""))
    });
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDMOCK", "mock", None, None, "mock"))
        .http_client(http)
        .build();
    (aws_sdk_s3::Client::from_conf(config), calls)
}
