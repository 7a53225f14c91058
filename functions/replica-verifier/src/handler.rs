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
pub(crate) mod tests {
    use super::*;
    use crate::mock::{Head, s3_client, s3_client_by_method};
    use replication_core::verifier_config::SinkKind;
    use serde_json::json;
    use std::sync::atomic::Ordering;

    pub(crate) const KB: &str =
        "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";

    /// A verifier expecting [`KB`] over `s3`, with `retries` retries of a 404 (1 ms apart).
    pub(crate) fn verifier(s3: aws_sdk_s3::Client, retries: &str) -> Verifier {
        verifier_with(s3, &[("MISSING_RETRIES", retries)])
    }

    /// A verifier expecting [`KB`] over `s3`, 1 ms between retries of a 404, with `env` besides.
    pub(crate) fn verifier_with(s3: aws_sdk_s3::Client, env: &[(&str, &str)]) -> Verifier {
        let config = VerifierConfig::from_lookup(|k| match k {
            "EXPECTED_KMS_KEY_ARN" => Some(KB.to_owned()),
            "MISSING_RETRY_DELAY_MS" => Some("1".to_owned()),
            _ => env
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned()),
        })
        .unwrap();
        Verifier {
            s3,
            // A cloudwatch sink without a client publishes nothing: the tests read the response.
            sink: MetricsSink::new(SinkKind::CloudWatch, "Test".into(), None),
            expectation: Expectation::new(KB),
            config,
        }
    }

    fn sqs(keys: &[&str]) -> Value {
        json!({"Records": keys.iter().enumerate().map(|(i, k)| json!({
            "messageId": format!("m{i}"), "eventSource": "aws:sqs",
            "body": json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": "dst"}, "object": {"key": k, "versionId": "v"}}}]}).to_string()
        })).collect::<Vec<_>>()})
    }

    #[test]
    fn the_panic_probe_catches_its_panic() {
        assert_eq!(panic_probe(), "panic caught: panic probe");
    }

    #[tokio::test]
    async fn one_head_object_per_replica_and_decoded_keys_on_the_wire() {
        let (s3, calls) = s3_client(|path| {
            assert!(
                path.contains("a%20b%2Bc") || path.contains("plain"),
                "{path}"
            );
            Head::Object {
                sse: Some("aws:kms"),
                key: Some(KB.into()),
                status: Some("REPLICA"),
            }
        });
        let out = verifier(s3, "3")
            .handle(sqs(&["a+b%2Bc", "plain"]))
            .await
            .unwrap();
        assert_eq!(out, json!({"batchItemFailures": []}));
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn forbidden_head_is_a_transient_error_reported_for_its_message_only() {
        let (s3, _) = s3_client(|path| {
            if path.contains("denied") {
                Head::Status(403)
            } else {
                Head::Object {
                    sse: Some("aws:kms"),
                    key: Some(KB.into()),
                    status: Some("REPLICA"),
                }
            }
        });
        let out = verifier(s3, "0")
            .handle(sqs(&["ok", "denied"]))
            .await
            .unwrap();
        assert_eq!(
            out,
            json!({"batchItemFailures": [{"itemIdentifier": "m1"}]})
        );
    }

    #[tokio::test]
    async fn missing_object_is_retried_a_bounded_number_of_times() {
        let (s3, calls) = s3_client(|_| Head::Status(404));
        let out = verifier(s3, "2").handle(sqs(&["gone"])).await.unwrap();
        // Missing is final: not retried through SQS.
        assert_eq!(out, json!({"batchItemFailures": []}));
        assert_eq!(
            calls.load(Ordering::Relaxed),
            3,
            "one call plus two retries"
        );
    }

    #[tokio::test]
    async fn a_bad_request_is_final_and_not_a_batch_failure() {
        let (s3, calls) = s3_client(|_| Head::Status(400));
        let out = verifier(s3, "3").handle(sqs(&["k"])).await.unwrap();
        assert_eq!(out, json!({"batchItemFailures": []}));
        assert_eq!(
            calls.load(Ordering::Relaxed),
            2,
            "a 400 is not retried: one HEAD, and one ranged GET to tell SSE-C"
        );
    }

    /// An SSE-C replica: HEAD without its key is a bare 400; GET says why (recorded on AWS in
    /// LocalStack's `TestS3SSECEncryption::test_object_retrieval_sse_c`, `get-obj-no-sse-c`).
    #[tokio::test]
    async fn an_sse_c_replica_is_not_kms_encrypted() {
        let (s3, calls) = s3_client_by_method(|method, _| match method {
            "HEAD" => Head::Status(400),
            _ => Head::Error {
                status: 400,
                code: "InvalidRequest",
                message: "The object was stored using a form of Server Side Encryption. The \
                          correct parameters must be provided to retrieve the object.",
            },
        });
        let v = verifier(s3, "0");
        let verdict = v
            .verify(&ObjectRef {
                bucket: "dst".into(),
                key: "k".into(),
                version_id: Some("v".into()),
            })
            .await;
        assert_eq!(
            verdict,
            Verdict::NotKmsEncrypted {
                sse: "SSE-C".into()
            }
        );
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn the_null_version_is_read_as_versionid_null() {
        let (s3, calls) = s3_client(|path| {
            assert!(path.contains("versionId=null"), "{path}");
            Head::Object {
                sse: Some("aws:kms"),
                key: Some(KB.into()),
                status: Some("REPLICA"),
            }
        });
        let event = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "dst"}, "object": {"key": "k", "versionId": "null"}}}]});
        let out = verifier(s3, "0").handle(event).await.unwrap();
        assert_eq!(out["verified"], 1);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn a_test_event_invoked_directly_is_skipped_without_a_call() {
        let (s3, calls) = s3_client(|_| Head::Status(500));
        let event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent",
            "Time": "2026-11-29T05:00:00.000Z", "Bucket": "dst", "RequestId": "r", "HostId": "h"});
        let out = verifier(s3, "0").handle(event).await.unwrap();
        assert_eq!(out["skipped"], 1);
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn batch_operations_tasks_get_one_result_each_named_by_the_verdict() {
        const OTHER: &str = "arn:aws:kms:us-east-1:222222222222:key/other";
        let (s3, calls) = s3_client(|path| match path {
            p if p.contains("denied") => Head::Status(403),
            p if p.contains("wrong") => Head::Object {
                sse: Some("aws:kms"),
                key: Some(OTHER.into()),
                status: Some("REPLICA"),
            },
            _ => Head::Object {
                sse: Some("aws:kms"),
                key: Some(KB.into()),
                status: Some("REPLICA"),
            },
        });
        let task = |id: &str, key: &str| json!({"taskId": id, "s3Key": key, "s3VersionId": "v", "s3BucketArn": "arn:aws:s3:::dst"});
        let event = json!({"invocationSchemaVersion": "1.0", "invocationId": "inv",
            "job": {"id": "j"},
            "tasks": [task("t1", "ok"), task("t2", "wrong"), task("t3", "denied"), task("t4", "bad%ZZ")]});
        let out = verifier(s3, "0").handle(event).await.unwrap();
        assert_eq!(
            out,
            json!({"invocationSchemaVersion": "1.0", "treatMissingKeysAs": "PermanentFailure",
                "invocationId": "inv", "results": [
                {"taskId": "t1", "resultCode": "Succeeded", "resultString": "Verified"},
                {"taskId": "t2", "resultCode": "PermanentFailure",
                 "resultString": format!("WrongKey: under {OTHER}, expected {KB}")},
                {"taskId": "t3", "resultCode": "TemporaryFailure",
                 "resultString": "Error: AccessDenied (HTTP 403)"},
                {"taskId": "t4", "resultCode": "PermanentFailure",
                 "resultString": "Unreadable: s3Key: object key \"bad%ZZ\" has a malformed percent escape at byte 3"}]})
        );
        assert_eq!(
            calls.load(Ordering::Relaxed),
            3,
            "one HEAD per readable task"
        );
    }

    /// Issue 21 §2: with `VERIFY_PREFIXES`, an inventory file or a report in D is neither
    /// read nor judged, only counted; a replica under a prefix (its key URL-encoded in the
    /// event) is verified.
    #[tokio::test]
    async fn objects_outside_verify_prefixes_are_skipped_without_a_call() {
        // GIVEN S3 that denies everything but the replica, so a judged out-of-scope object
        // would be a batch failure
        let (s3, calls) = s3_client(|path| {
            if path.contains("my%20logs/") {
                Head::Object {
                    sse: Some("aws:kms"),
                    key: Some(KB.into()),
                    status: Some("REPLICA"),
                }
            } else {
                Head::Status(403)
            }
        });
        let v = verifier_with(s3, &[("VERIFY_PREFIXES", "my logs/,data/")]);
        // WHEN an SQS batch holds a replica and two objects outside the prefixes
        let out = v
            .handle(sqs(&[
                "my+logs%2Fapp.log",
                "inventory/manifest.json",
                "reports%2Fq1",
            ]))
            .await
            .unwrap();
        // THEN only the replica is read, and nothing fails
        assert_eq!(out, json!({"batchItemFailures": []}));
        assert_eq!(calls.load(Ordering::Relaxed), 1);

        // AND invoked directly, the summary counts them as skipped, out of scope
        let direct = json!({"Records": [
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "dst"}, "object": {"key": "my+logs/a", "versionId": "v"}}},
            {"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
             "s3": {"bucket": {"name": "dst"}, "object": {"key": "elsewhere", "versionId": "v"}}}]});
        let out = v.handle(direct).await.unwrap();
        assert_eq!(
            (&out["verified"], &out["skipped"], &out["outOfScope"]),
            (&json!(1), &json!(1), &json!(1)),
            "{out}"
        );
    }

    /// An audit over an inventory of D: tasks outside `VERIFY_PREFIXES` succeed, saying they
    /// were skipped, so that the job's failed tasks are its findings.
    #[tokio::test]
    async fn batch_tasks_outside_verify_prefixes_succeed_as_skipped() {
        let (s3, calls) = s3_client(|_| Head::Status(404));
        let v = verifier_with(
            s3,
            &[("VERIFY_PREFIXES", "logs/"), ("MISSING_RETRIES", "0")],
        );
        let task = |id: &str, key: &str| json!({"taskId": id, "s3Key": key, "s3VersionId": "v", "s3BucketArn": "arn:aws:s3:::dst"});
        let event = json!({"invocationSchemaVersion": "2.0", "invocationId": "inv",
            "job": {"id": "j"}, "tasks": [task("t1", "inventory/data.csv"), task("t2", "logs/gone")]});
        let out = v.handle(event).await.unwrap();
        assert_eq!(out["results"][0]["resultCode"], "Succeeded", "{out}");
        assert_eq!(
            out["results"][0]["resultString"],
            report::OUT_OF_SCOPE_RESULT,
            "{out}"
        );
        assert_eq!(out["results"][1]["resultCode"], "PermanentFailure", "{out}");
        assert_eq!(
            calls.load(Ordering::Relaxed),
            1,
            "only the in-scope task is read"
        );
    }

    #[tokio::test]
    async fn direct_invocation_with_a_transient_error_fails() {
        let (s3, _) = s3_client(|_| Head::Status(503));
        let event = json!({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"bucket": {"name": "dst"}, "object": {"key": "k"}}}]});
        let err = verifier(s3, "0").handle(event).await.unwrap_err();
        assert!(
            matches!(err, VerifierError::Transient { count: 1, .. }),
            "{err}"
        );
    }
}
