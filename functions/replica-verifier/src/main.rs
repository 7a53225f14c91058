//! The `replica-verifier` Lambda's entry point: configuration from the environment once,
//! clients once, then the runtime loop. Everything else is in the library (see its docs).

use std::time::Duration;

use aws_config::BehaviorVersion;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use replica_verifier::{handler, sink};
use replication_core::verdict::Expectation;
use replication_core::verifier_config::VerifierConfig;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    if replication_core::panic_probe::requested(std::env::args()) {
        println!("{}", handler::panic_probe());
        return Ok(());
    }
    lambda_support::init_tracing();

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
    let s3 = aws_sdk_s3::Client::from_conf(
        lambda_support::s3_config(&sdk, lambda_support::force_path_style()).build(),
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
