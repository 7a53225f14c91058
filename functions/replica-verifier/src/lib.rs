//! `replica-verifier`: proves that every replica is SSE-KMS under the expected destination key
//! (step 7) and publishes CloudWatch metrics.
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
//! objects (HeadObject needs them), `s3:ListBucket` on the bucket (without it a missing object
//! is 403, not 404: S3 API Reference, HeadObject, "Permissions"), `kms:DescribeKey` on the expected key when it is given as
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

pub mod handler;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod robustness;
pub mod sink;
