//! `replica-verifier`: proves that every replica is SSE-KMS under the expected destination key
//! (seed step 7) and publishes CloudWatch metrics.
//!
//! **Trigger**: S3 event notifications invoking the function directly, an SQS queue that
//! receives S3 events (event source mapping with `ReportBatchItemFailures`), or EventBridge
//! "Object Created" events from S3. The shape is detected from the payload
//! ([`replication_core::events::detect`]); an unrecognised payload fails the invocation.
//!
//! **Environment** (validated at cold start; see [`replication_core::verifier_config`]):
//! `EXPECTED_KMS_KEY_ARN` (required), `METRICS_NAMESPACE`, `METRICS_SINK` (`emf` | `cloudwatch`
//! | `both`), `REQUIRE_REPLICA_STATUS`, `EXPECTED_BUCKET_KEY`, `DESTINATION_BUCKET`,
//! `MAX_CONCURRENCY`, `MISSING_RETRIES`, `MISSING_RETRY_DELAY_MS`; for local emulators also
//! `AWS_ENDPOINT_URL` and `S3_FORCE_PATH_STYLE=true`.
//!
//! **IAM permissions**: `s3:GetObject` and `s3:GetObjectVersion` on the destination bucket's
//! objects (HeadObject needs them), `kms:DescribeKey` on the expected key when it is given as
//! an alias or key id, `cloudwatch:PutMetricData` when the sink includes `cloudwatch`, and the
//! SQS consumer actions when fed by a queue. HeadObject of an SSE-KMS object needs no
//! `kms:Decrypt`.
//!
//! **Failure semantics**:
//! - SQS: the response's `batchItemFailures` lists exactly the messages with a transient
//!   `Error` verdict (access denied, throttling after the SDK's retries), so SQS redelivers
//!   them. `WrongKey`, `NotKmsEncrypted`, `NotReplica`, `BucketKeyMismatch` and `Missing` are
//!   final findings: reported in logs and metrics, not retried.
//! - Direct S3 and EventBridge: an `Error` verdict fails the invocation, so Lambda's async
//!   retries and on-failure destination keep the event.

mod handler;
mod sink;

use std::time::Duration;

use aws_config::BehaviorVersion;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use replication_core::verdict::Expectation;
use replication_core::verifier_config::VerifierConfig;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .init();

    let config = VerifierConfig::from_lookup(|name| std::env::var(name).ok()).inspect_err(|e| {
        tracing::error!(error = %e, "invalid configuration");
    })?;
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .load()
        .await;
    let force_path_style = std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true");
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(force_path_style)
            .build(),
    );
    let key_arn = handler::resolve_key(&aws_sdk_kms::Client::new(&sdk), &config)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot resolve the expected key"))?;
    let expectation = Expectation {
        key_arn,
        bucket_key: config.expected_bucket_key,
        require_replica_status: config.require_replica_status,
    };
    let cloudwatch = config
        .sink
        .cloudwatch()
        .then(|| aws_sdk_cloudwatch::Client::new(&sdk));
    let verifier = handler::Verifier {
        s3,
        sink: sink::MetricsSink::new(config.sink, config.namespace.clone(), cloudwatch),
        expectation,
        config,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        verifier.handle(event.payload)
    }))
    .await
}
