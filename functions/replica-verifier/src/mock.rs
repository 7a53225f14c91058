//! Canned `HeadObject` answers for the handler's unit tests and the robustness property, over
//! [`lambda_support::fake_aws`]: the whole SDK pipeline runs, nothing leaves the process.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_support::fake_aws::{FakeAws, Recording, Reply};

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
    /// An S3 error with its XML body, as GET errors are.
    Error {
        /// The HTTP status.
        status: u16,
        /// `Code`.
        code: &'static str,
        /// `Message`.
        message: &'static str,
    },
}

impl Head {
    /// The fake's reply.
    pub fn reply(&self) -> Reply {
        match self {
            Head::Object { sse, key, status } => {
                let mut r = Reply::status(200);
                if let Some(sse) = sse {
                    r = r.header("x-amz-server-side-encryption", sse);
                }
                if let Some(key) = key {
                    r = r.header("x-amz-server-side-encryption-aws-kms-key-id", key);
                }
                if let Some(status) = status {
                    r = r.header("x-amz-replication-status", status);
                }
                r
            }
            Head::Status(code) => Reply::status(*code),
            Head::Error {
                status,
                code,
                message,
            } => Reply::xml_error(*status, code, message),
        }
    }
}

/// A virtual-hosted S3 client answering every request with `answer(path and query)`, and a
/// counter of requests.
pub fn s3_client(
    answer: impl Fn(&str) -> Head + Send + Sync + 'static,
) -> (aws_sdk_s3::Client, Arc<AtomicUsize>) {
    s3_client_by_method(move |_, path| answer(path))
}

/// [`s3_client`], answering by the request's method too (`HEAD`, `GET`).
pub fn s3_client_by_method(
    answer: impl Fn(&str, &str) -> Head + Send + Sync + 'static,
) -> (aws_sdk_s3::Client, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let aws = FakeAws::with_recording(Recording::Off, move |r| {
        counter.fetch_add(1, Ordering::Relaxed);
        answer(&r.method, &r.path_and_query).reply()
    });
    (aws.s3_virtual_hosted(), calls)
}
