//! `replication-setup`: the CloudFormation custom resource behind `Custom::ReplicationSource`
//! and `Custom::ReplicationDestination` (seed steps 1-6).
//!
//! Trigger: CloudFormation custom-resource requests (Create, Update, Delete), directly or
//! through SNS-less `ServiceToken` invocation.
//!
//! Environment: the standard Lambda variables only (`AWS_REGION`, credentials). For local
//! emulators, `AWS_ENDPOINT_URL` and `S3_FORCE_PATH_STYLE=true`.
//!
//! This build answers every request, with no AWS writes yet: Delete succeeds (there is
//! nothing of ours to remove), Create and Update fail with a reason naming the resource type.
//! The resource types themselves land with the replication-setup issue.

mod handler;
mod response;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .init();
    let responder = response::HttpResponder::new()?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handler::handle(event, &responder)
    }))
    .await
}
