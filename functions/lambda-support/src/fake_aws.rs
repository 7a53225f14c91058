//! An in-process AWS for unit tests of SDK calls (feature `test-util`).
//!
//! A real SDK client is built over an HTTP layer that is a function: the whole SDK pipeline
//! runs (serialisation, signing, endpoint resolution, retries, parsing), but nothing leaves
//! the process. The function answers each request; every request is recorded, so a test can
//! say exactly which calls were made, in which order, with which bodies. Like the AWS SDK
//! examples' `StaticReplayClient`, it needs no trait around the SDK; unlike a replay, the
//! answer is chosen from the request, so a test does not depend on the call order.
//!
//! ```
//! use lambda_support::fake_aws::{FakeAws, Reply};
//! # tokio_test_block_on(async {
//! let aws = FakeAws::new(|r| match r.operation().as_str() {
//!     "GetBucketPolicy" => Reply::xml_error(404, "NoSuchBucketPolicy", "none"),
//!     _ => Reply::status(200),
//! });
//! let s3 = aws.s3();
//! assert!(s3.get_bucket_policy().bucket("b").send().await.is_err());
//! assert_eq!(aws.requests()[0].operation(), "GetBucketPolicy");
//! # });
//! # fn tokio_test_block_on(f: impl std::future::Future<Output = ()>) {
//! #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
//! # }
//! ```

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::test_util::infallible_client_fn;

/// One request as the fake saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `PUT`, `POST`, …
    pub method: String,
    /// The path and query, e.g. `/bucket?policy`.
    pub path_and_query: String,
    /// `X-Amz-Target` (JSON protocols such as KMS: `TrentService.GetKeyPolicy`), if any.
    pub target: Option<String>,
    /// The body, as text.
    pub body: String,
}

impl Request {
    /// The operation's name: from `X-Amz-Target` (KMS), from `Action=` (IAM's query
    /// protocol), or for S3 from the method and the sub-resource (`PUT ?policy` is
    /// `PutBucketPolicy`). S3 object calls are `<METHOD> object`.
    pub fn operation(&self) -> String {
        if let Some(target) = &self.target {
            return target.rsplit('.').next().unwrap_or_default().to_owned();
        }
        if let Some(action) = self
            .body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
        {
            return action.to_owned();
        }
        let (path, query) = self
            .path_and_query
            .split_once('?')
            .unwrap_or((self.path_and_query.as_str(), ""));
        let sub = query.split('&').next().unwrap_or_default();
        let sub = sub.split('=').next().unwrap_or_default();
        let object = path.trim_matches('/').contains('/');
        let verb = match self.method.as_str() {
            "GET" => "Get",
            "PUT" => "Put",
            "DELETE" => "Delete",
            "HEAD" => "Head",
            other => other,
        };
        match (object, sub) {
            (true, _) => format!("{} object", self.method),
            (false, "policy") => format!("{verb}BucketPolicy"),
            (false, "versioning") => format!("{verb}BucketVersioning"),
            (false, "notification") => format!("{verb}BucketNotificationConfiguration"),
            (false, "replication") => format!("{verb}BucketReplication"),
            (false, "encryption") => format!("{verb}BucketEncryption"),
            (false, "location") => format!("{verb}BucketLocation"),
            (false, other) => format!("{verb} ?{other}"),
        }
    }

    /// Whether the call changes something (anything but Get/List/Describe/Head).
    pub fn is_write(&self) -> bool {
        let op = self.operation();
        !["Get", "List", "Describe", "Head", "GET ", "HEAD "]
            .iter()
            .any(|p| op.starts_with(p))
    }
}

/// The fake's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Reply {
    /// `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    /// 200 with `body`.
    pub fn ok(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            ..Self::status(200)
        }
    }

    /// With one more header.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// An S3 (or IAM, query protocol) error: `status` with an XML `<Error>` body.
    pub fn xml_error(status: u16, code: &str, message: &str) -> Self {
        Self {
            body: format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>fake</RequestId></Error>"
            ),
            ..Self::status(status)
        }
    }

    /// An IAM error, in the query protocol's `<ErrorResponse>` envelope.
    pub fn iam_error(status: u16, code: &str, message: &str) -> Self {
        Self {
            body: format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>"
            ),
            ..Self::status(status)
        }
    }

    /// A JSON-protocol (KMS) error: `status` with `{"__type": code, "message": …}`.
    pub fn json_error(status: u16, code: &str, message: &str) -> Self {
        Self {
            body: format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
            ..Self::status(status)
        }
    }
}

/// The fake AWS: an [`SdkConfig`] for clients, and the requests they made.
#[derive(Clone)]
pub struct FakeAws {
    config: SdkConfig,
    requests: Arc<Mutex<Vec<Request>>>,
}

/// Whether a [`FakeAws`] keeps the requests it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recording {
    /// Keep every request ([`FakeAws::requests`]).
    On,
    /// Keep nothing: for benchmarks, where recording would be measured too.
    Off,
}

impl std::fmt::Debug for FakeAws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeAws")
            .field("requests", &self.requests().len())
            .finish()
    }
}

impl FakeAws {
    /// A fake whose every request is answered by `answer`. Retries use the SDK's standard
    /// mode without waiting between attempts.
    pub fn new(answer: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Self {
        Self::with_recording(Recording::On, answer)
    }

    /// [`FakeAws::new`], keeping the requests or not.
    pub fn with_recording(
        recording: Recording,
        answer: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let requests: Arc<Mutex<Vec<Request>>> = Arc::default();
        let seen = requests.clone();
        let http = infallible_client_fn(move |req| {
            let request = Request {
                method: req.method().as_str().to_owned(),
                path_and_query: req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
                target: req
                    .headers()
                    .get("x-amz-target")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                body: req
                    .body()
                    .bytes()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default(),
            };
            let reply = answer(&request);
            if recording == Recording::On
                && let Ok(mut all) = seen.lock()
            {
                all.push(request);
            }
            let mut builder = http::Response::builder()
                .status(reply.status)
                .header("x-amz-request-id", "fake")
                .header("content-length", reply.body.len().to_string());
            for (k, v) in &reply.headers {
                builder = builder.header(k.as_str(), v.as_str());
            }
            builder
                .body(reply.body)
                .unwrap_or_else(|_| http::Response::new(String::new()))
        });
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url("http://fake-aws.localhost")
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDFAKE", "fake", None, None, "fake",
            )))
            .retry_config(
                aws_config::retry::RetryConfig::standard()
                    .with_initial_backoff(std::time::Duration::from_millis(1)),
            )
            .http_client(http)
            .build();
        Self { config, requests }
    }

    /// The configuration to build any SDK client over the fake.
    pub fn config(&self) -> &SdkConfig {
        &self.config
    }

    /// A path-style S3 client over the fake (`/bucket/key` paths).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(crate::s3_config(&self.config, true).build())
    }

    /// A virtual-hosted S3 client over the fake (`/key` paths, as on AWS).
    pub fn s3_virtual_hosted(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::from_conf(crate::s3_config(&self.config, false).build())
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The writes so far, as operation names, in order.
    pub fn writes(&self) -> Vec<String> {
        self.requests()
            .iter()
            .filter(|r| r.is_write())
            .map(Request::operation)
            .collect()
    }
}
