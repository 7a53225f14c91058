//! `replica-verifier`: proves that every replica is SSE-KMS under the expected destination key
//! (seed step 7) and publishes CloudWatch metrics.
//!
//! Trigger: S3 event notifications (direct), SQS batches of S3 events, or EventBridge
//! "Object Created" events. The payload's shape is detected by
//! [`replication_core::event_shape::detect`].
//!
//! This build detects and counts the shape of each invocation; verification of each replica
//! lands with the replica-verifier issue.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use replication_core::events::{self as event_shape, EventShape};
use serde_json::{Value, json};

async fn handle(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let shape = event_shape::detect(&event.payload)?;
    let summary = match shape {
        EventShape::S3Notification { records } => json!({"shape": "s3", "records": records}),
        EventShape::SqsBatch { messages } => json!({"shape": "sqs", "records": messages}),
        EventShape::EventBridge { detail_type } => {
            json!({"shape": "eventbridge", "detailType": detail_type, "records": 1})
        }
    };
    tracing::info!(summary = %summary, "invocation summary");
    Ok(summary)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .init();
    lambda_runtime::run(service_fn(handle)).await
}
