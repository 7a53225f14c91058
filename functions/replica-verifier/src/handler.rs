//! The adapter: payload in, one `HeadObject` per replica, verdicts, metrics and the response.

use aws_lambda_events::s3::batch_job::{S3BatchJobResponse, S3BatchJobResult};
use aws_lambda_events::sqs::SqsBatchResponse;
use aws_sdk_s3::error::ProvideErrorMetadata;
use futures_util::StreamExt;
use replication_core::events::{self, EventShape, ObjectRef, ReplicaEvent};
use replication_core::failure_reasons;
use replication_core::metrics::MetricSet;
use replication_core::panic_probe::{PANIC_PROBE_MESSAGE, panic_message};
use replication_core::report::{self, Checked};
use replication_core::verdict::{self, Expectation, ObjectFacts, Verdict};
use replication_core::verifier_config::VerifierConfig;
use serde_json::Value;

use crate::sink::MetricsSink;

/// Errors that fail an invocation (after its metrics and logs are written).
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// The payload is not a shape the verifier accepts.
    #[error(transparent)]
    Shape(#[from] events::ShapeError),
    /// Direct or EventBridge invocation with transient errors: fail, so Lambda retries.
    #[error(
        "{count} replica(s) could not be verified (first: {first}); failing so that Lambda retries the event"
    )]
    Transient {
        /// How many `Error` verdicts.
        count: usize,
        /// The first reason.
        first: String,
    },
    /// `EXPECTED_KMS_KEY_ARN` could not be resolved at cold start.
    #[error("EXPECTED_KMS_KEY_ARN={key:?} could not be resolved with kms:DescribeKey: {reason}")]
    KeyResolution {
        /// The configured value.
        key: String,
        /// Why.
        reason: String,
    },
}

impl From<VerifierError> for lambda_runtime::Diagnostic {
    fn from(e: VerifierError) -> Self {
        let error_type = match e {
            VerifierError::Shape(_) => "UnrecognisedPayload",
            VerifierError::Transient { .. } => "TransientVerificationError",
            VerifierError::KeyResolution { .. } => "KeyResolution",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// Resolve `EXPECTED_KMS_KEY_ARN` to a key ARN: no call for a key ARN, one `DescribeKey`
/// otherwise.
///
/// # Errors
/// [`VerifierError::KeyResolution`] when DescribeKey fails or returns no ARN.
pub async fn resolve_key(
    kms: &aws_sdk_kms::Client,
    config: &VerifierConfig,
) -> Result<String, VerifierError> {
    if !config.key_needs_resolution() {
        return Ok(config.expected_key.to_string());
    }
    let failed = |reason: String| VerifierError::KeyResolution {
        key: config.expected_key.to_string(),
        reason,
    };
    let out = kms
        .describe_key()
        .key_id(config.expected_key.to_string())
        .send()
        .await
        .map_err(|e| failed(aws_sdk_kms::error::DisplayErrorContext(&e).to_string()))?;
    out.key_metadata
        .and_then(|m| m.arn)
        .ok_or_else(|| failed("DescribeKey returned no key ARN".to_owned()))
}

/// The verifier, built once per cold start.
#[derive(Debug)]
pub struct Verifier {
    /// S3 client for the destination account.
    pub s3: aws_sdk_s3::Client,
    /// Where metrics go.
    pub sink: MetricsSink,
    /// What a replica must look like.
    pub expectation: Expectation,
    /// The validated environment.
    pub config: VerifierConfig,
}

impl Verifier {
    /// Handle one invocation.
    ///
    /// # Errors
    /// An unrecognised payload, or (direct and EventBridge invocations) a transient error on
    /// any replica.
    pub async fn handle(&self, payload: Value) -> Result<Value, VerifierError> {
        let invocation = match events::parse(&payload) {
            Ok(i) => i,
            Err(e) => {
                tracing::error!(error = %e, "unrecognised payload");
                let mut m = MetricSet::default();
                m.add_count(
                    replication_core::metric_names::EVENTS_SKIPPED,
                    &[("Reason", "UnrecognisedPayload")],
                    1.0,
                );
                self.sink.publish(&m, lambda_support::now_ms()).await;
                return Err(e.into());
            }
        };
        // The parsed payload is the largest thing in memory on a big batch; it is not needed
        // once its events are extracted.
        drop(payload);
        let invocation = invocation.limit_to(&self.config.verify_prefixes);
        let replicas = report::replicas_to_check(&invocation);
        let checked: Vec<Checked> = futures_util::stream::iter(replicas)
            .map(|(item, object, event_time_ms)| async move {
                let verdict = self.verify(&object).await;
                Checked {
                    item,
                    object,
                    event_time_ms,
                    verdict,
                }
            })
            .buffered(self.config.max_concurrency)
            .collect()
            .await;
        let now = lambda_support::now_ms();
        let always_zero: Vec<String> = self.config.destination_bucket.iter().cloned().collect();
        let report = report::report(&invocation, &checked, now, &always_zero);

        for c in checked.iter().filter(|c| c.verdict != Verdict::Verified) {
            log_verdict(c, &self.expectation.key_arn);
        }
        for (i, item) in invocation.items.iter().enumerate() {
            if let events::ItemContent::Skipped(reason) = &item.content {
                tracing::info!(item = i, message_id = item.message_id.as_deref(), reason = ?reason, "message skipped");
            }
        }
        for (i, event) in invocation.events() {
            if let ReplicaEvent::Replication(r) = event
                && r.kind == events::ReplicationEventKind::OperationFailedReplication
            {
                let reason = r.failure_reason.as_deref().unwrap_or("Unknown");
                let causes = failure_reasons::explain(reason);
                tracing::warn!(
                    item = i,
                    source_bucket = %r.object.bucket,
                    key = %r.object.key,
                    version_id = r.object.version_id.as_deref(),
                    rule_id = r.rule_id.as_deref(),
                    destination_bucket = r.destination_bucket.as_deref(),
                    failure_reason = reason,
                    probable_causes = %causes,
                    "replication failed"
                );
            }
            if let ReplicaEvent::OutOfScope { object } = event {
                // Debug, not info: an inventory delivery or a report can be thousands of
                // objects; the count is in the summary line and in EventsSkipped.
                tracing::debug!(
                    item = i,
                    bucket = %object.bucket,
                    key = %object.key,
                    version = object.version_id.as_deref(),
                    "record out of scope (VERIFY_PREFIXES)"
                );
            }
            if let ReplicaEvent::Unreadable {
                reason,
                bucket,
                raw_key,
            } = event
            {
                tracing::warn!(
                    item = i,
                    message_id = invocation.items[i].message_id.as_deref(),
                    bucket = bucket.as_deref(),
                    raw_key = raw_key.as_deref(),
                    reason = %verdict::cap_reason(reason.clone()),
                    "record unreadable"
                );
            }
        }
        let metric_calls = self.sink.publish(&report.metrics, now).await;
        let s = &report.summary;
        tracing::info!(
            shape = shape_name(&invocation.shape),
            checked = s.checked,
            verified = s.verified,
            not_verified = s.not_verified,
            errors = s.errors,
            deletes = s.deletes,
            replication_events = s.replication_events,
            skipped = s.skipped,
            out_of_scope = s.out_of_scope,
            batch_failures = report.failed_message_ids.len(),
            metric_calls,
            "invocation summary"
        );

        match &invocation.shape {
            EventShape::BatchOperations {
                schema_version,
                invocation_id,
            } => Ok(batch_response(
                schema_version,
                invocation_id,
                report::task_results(&invocation, &checked),
            )),
            EventShape::SqsBatch { .. } => {
                let mut response = SqsBatchResponse::default();
                response.set_failures(report.failed_message_ids);
                Ok(serde_json::to_value(response).unwrap_or(Value::Null))
            }
            _ if s.errors > 0 => Err(VerifierError::Transient {
                count: s.errors,
                first: checked
                    .iter()
                    .find(|c| c.verdict.is_transient())
                    .and_then(|c| c.verdict.reason())
                    .unwrap_or_default()
                    .to_owned(),
            }),
            _ => Ok(serde_json::to_value(s).unwrap_or(Value::Null)),
        }
    }

    /// One `HeadObject` (plus bounded retries while the object is not found).
    async fn verify(&self, object: &ObjectRef) -> Verdict {
        if let Some(verdict) =
            verdict::judge_without_asking(&object.bucket, &object.key, object.version_id.as_deref())
        {
            return verdict;
        }
        let mut attempt = 0;
        loop {
            let result = self
                .s3
                .head_object()
                .bucket(&object.bucket)
                .key(&object.key)
                .set_version_id(object.version_id.clone())
                .send()
                .await;
            match result {
                Ok(head) => {
                    let facts = ObjectFacts {
                        sse: head.server_side_encryption.map(|s| s.as_str().to_owned()),
                        kms_key_id: head.ssekms_key_id,
                        bucket_key_enabled: head.bucket_key_enabled,
                        replication_status: head.replication_status.map(|s| s.as_str().to_owned()),
                    };
                    return verdict::judge(&self.expectation, &facts);
                }
                Err(e) if is_not_found(&e) => match self.config.missing_retry_delay(attempt) {
                    Some(delay) => {
                        tokio::time::sleep(delay).await;
                        attempt += 1;
                    }
                    None => return Verdict::Missing,
                },
                Err(e) => {
                    // A HEAD error has no body, so S3's code is often absent: the status is
                    // named instead. Without a response, the error chain says what failed
                    // (short: no Debug dump of the SDK error).
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    if status == Some(400) && self.is_sse_c(object).await {
                        return verdict::sse_c();
                    }
                    let message = match e.message() {
                        Some(m) => Some(m.to_owned()),
                        None if status.is_none() => Some(lambda_support::error_chain(&e)),
                        None => None,
                    };
                    return verdict::judge_failure(status, e.code(), message.as_deref());
                }
            }
        }
    }
}

impl Verifier {
    /// Whether `object` is SSE-C, asked after its `HeadObject` answered a bare 400: one `GetObject`
    /// of its first byte, which S3 refuses with a body that says so (HEAD errors have none).
    /// S3 replicates SSE-C objects (S3 User Guide, "Replicating encrypted objects"), so a replica
    /// that is not under KB can be one; only this rare path pays the call.
    async fn is_sse_c(&self, object: &ObjectRef) -> bool {
        let got = self
            .s3
            .get_object()
            .bucket(&object.bucket)
            .key(&object.key)
            .set_version_id(object.version_id.clone())
            .range("bytes=0-0")
            .send()
            .await;
        match got {
            Err(e) => verdict::is_sse_c_refusal(e.code(), e.message()),
            Ok(_) => false,
        }
    }
}

/// Panics once and returns what was caught. Lambda's runtime catches a handler's panic and
/// reports the invocation failed; a binary built with `panic = "abort"` dies instead, losing the
/// batch and the warm process (see [`replication_core::panic_probe`]).
pub fn panic_probe() -> String {
    match std::panic::catch_unwind(|| -> () { panic!("{PANIC_PROBE_MESSAGE}") }) {
        Err(payload) => format!("panic caught: {}", panic_message(payload.as_ref())),
        Ok(()) => "the probe did not panic".to_owned(),
    }
}

/// The response S3 Batch Operations reads: the schema version and invocation id echoed, one
/// result per task (S3 User Guide, "Invoking an AWS Lambda function", example response).
fn batch_response(
    schema_version: &str,
    invocation_id: &str,
    results: Vec<report::TaskResult>,
) -> Value {
    let mut response = S3BatchJobResponse::default();
    response.invocation_schema_version = Some(schema_version.to_owned());
    response.treat_missing_keys_as = Some(report::TaskResultCode::PermanentFailure.as_str().into());
    response.invocation_id = Some(invocation_id.to_owned());
    response.results = results
        .into_iter()
        .map(|r| {
            let mut result = S3BatchJobResult::default();
            result.task_id = Some(r.task_id);
            result.result_code = Some(r.code.as_str().to_owned());
            result.result_string = Some(r.result_string);
            result
        })
        .collect();
    serde_json::to_value(response).unwrap_or(Value::Null)
}

fn is_not_found<E: ProvideErrorMetadata>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> bool {
    verdict::is_not_found(e.raw_response().map(|r| r.status().as_u16()), e.code())
}

fn shape_name(shape: &EventShape) -> &'static str {
    match shape {
        EventShape::S3Notification { .. } => "s3",
        EventShape::SqsBatch { .. } => "sqs",
        EventShape::EventBridge { .. } => "eventbridge",
        EventShape::S3TestEvent => "s3-test-event",
        EventShape::BatchOperations { .. } => "batch-operations",
    }
}

fn log_verdict(c: &Checked, expected: &str) {
    let reason = c.verdict.reason();
    tracing::warn!(
        verdict = c.verdict.name(),
        bucket = %c.object.bucket,
        key = %c.object.key,
        version = c.object.version_id.as_deref(),
        expected_key = expected,
        actual_key = c.verdict.actual_key(),
        found = c.verdict.found(),
        reason,
        "replica not verified"
    );
}

#[cfg(test)]
pub(crate) mod tests;
