//! Answering CloudFormation: the response PUT to the pre-signed `ResponseURL`.
//!
//! The URL was signed without a `Content-Type`, so none is sent. The body is at most 4096
//! bytes: the `Reason` is truncated to fit. The PUT is retried with backoff, because a
//! CloudFormation stack that never hears back waits for its `ServiceTimeout`; every attempt,
//! sleep and retry ends by the answer deadline the handler gives, inside the Lambda deadline.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_lambda_events::cloudformation::CloudFormationCustomResourceRequest;
use serde::{Deserialize, Serialize};

/// Largest response body CloudFormation accepts.
pub const MAX_BODY: usize = 4096;
const ATTEMPTS: u32 = 4;
/// The longest one PUT may take; a pre-signed S3 PUT of 4 KB normally takes well under 1 s.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(4);

/// The request type CloudFormation sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum RequestType {
    /// The resource is being created.
    Create,
    /// Properties changed.
    Update,
    /// The resource is being deleted (also after a failed Create, and after a replacement).
    Delete,
}

/// A CloudFormation custom-resource request, read as `aws_lambda_events`'
/// [`CloudFormationCustomResourceRequest`] and held flat.
///
/// The crate's type is an enum of three request types, each `#[non_exhaustive]`, so every
/// field the handler reads (the response URL, the ids, the properties) would be a three-way
/// match; this is the one place that match is made. Deserializing a `CfnRequest` always goes
/// through the crate's type (`#[serde(try_from)]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "CloudFormationCustomResourceRequest")]
pub struct CfnRequest {
    /// Create, Update or Delete.
    pub request_type: RequestType,
    /// The pre-signed S3 URL that the answer is PUT to.
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    /// The stack's ARN.
    pub stack_id: String,
    /// Unique per request; echoed back.
    pub request_id: String,
    /// For example `Custom::ReplicationSource`.
    pub resource_type: String,
    /// The template's logical id.
    pub logical_resource_id: String,
    /// Absent on Create.
    pub physical_resource_id: Option<String>,
    /// The template's Properties (CloudFormation sends numbers and booleans as strings).
    pub resource_properties: serde_json::Value,
    /// Update only: the previous Properties.
    pub old_resource_properties: Option<serde_json::Value>,
}

impl TryFrom<CloudFormationCustomResourceRequest> for CfnRequest {
    type Error = String;

    fn try_from(request: CloudFormationCustomResourceRequest) -> Result<Self, Self::Error> {
        Ok(match request {
            CloudFormationCustomResourceRequest::Create(r) => Self {
                request_type: RequestType::Create,
                response_url: r.response_url,
                stack_id: r.stack_id,
                request_id: r.request_id,
                resource_type: r.resource_type,
                logical_resource_id: r.logical_resource_id,
                physical_resource_id: None,
                resource_properties: r.resource_properties,
                old_resource_properties: None,
            },
            CloudFormationCustomResourceRequest::Update(r) => Self {
                request_type: RequestType::Update,
                response_url: r.response_url,
                stack_id: r.stack_id,
                request_id: r.request_id,
                resource_type: r.resource_type,
                logical_resource_id: r.logical_resource_id,
                physical_resource_id: Some(r.physical_resource_id),
                resource_properties: r.resource_properties,
                old_resource_properties: Some(r.old_resource_properties),
            },
            CloudFormationCustomResourceRequest::Delete(r) => Self {
                request_type: RequestType::Delete,
                response_url: r.response_url,
                stack_id: r.stack_id,
                request_id: r.request_id,
                resource_type: r.resource_type,
                logical_resource_id: r.logical_resource_id,
                physical_resource_id: Some(r.physical_resource_id),
                resource_properties: r.resource_properties,
                old_resource_properties: None,
            },
            other => return Err(format!("unsupported request type: {other:?}")),
        })
    }
}

/// SUCCESS or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseStatus {
    /// The resource is in the requested state.
    Success,
    /// It is not; `Reason` says why.
    Failed,
}

/// The answer PUT to the `ResponseURL`.
///
/// Ours rather than the crate's `CloudFormationCustomResourceResponse`, which serializes an
/// absent `Reason` as `"Reason": null`, always sends `NoEcho`, and keeps `Data` in a `HashMap`
/// whose order changes between runs. The CloudFormation User Guide ("Custom resource response
/// objects") makes `Reason` "Required if Status is FAILED. It's optional otherwise": absent is the
/// documented form, and a stable `Data` order keeps the 4,096-byte truncation reproducible.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CfnResponse {
    /// SUCCESS or FAILED.
    pub status: ResponseStatus,
    /// Why, for FAILED; shown in the stack's events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Stable id of what this resource manages.
    pub physical_resource_id: String,
    /// Echoed from the request.
    pub stack_id: String,
    /// Echoed from the request.
    pub request_id: String,
    /// Echoed from the request.
    pub logical_resource_id: String,
    /// Outputs for `Fn::GetAtt`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
}

impl CfnResponse {
    /// A response to `request`, with no `Data`.
    pub fn for_request(
        request: &CfnRequest,
        status: ResponseStatus,
        reason: Option<String>,
        physical_resource_id: String,
    ) -> Self {
        Self {
            status,
            reason,
            physical_resource_id,
            stack_id: request.stack_id.clone(),
            request_id: request.request_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            data: BTreeMap::new(),
        }
    }
}

/// Errors while answering CloudFormation.
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// Every attempt failed, or the answer deadline came first; the last failure is given.
    #[error("response PUT failed after {attempts} attempt(s) by the answer deadline: {last}")]
    Put {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The response could not be serialised.
    #[error("cannot serialise the response: {0}")]
    Serialise(#[from] serde_json::Error),
}

/// Sends responses over HTTPS.
#[derive(Debug, Clone)]
pub struct HttpResponder {
    client: reqwest::Client,
}

impl HttpResponder {
    /// A responder; each attempt's timeout is set per request (see [`HttpResponder::send`]).
    ///
    /// # Errors
    /// When the TLS stack cannot be initialised.
    pub fn new() -> Result<Self, ResponseError> {
        let client = reqwest::Client::builder()
            .build()
            .map_err(ResponseError::Client)?;
        Ok(Self { client })
    }

    /// PUT `response` to `url`, retrying transient failures, and give up by `until`: each
    /// attempt may take at most [`ATTEMPT_TIMEOUT`] and never past `until`, and no attempt or
    /// backoff starts that `until` would cut short.
    ///
    /// # Errors
    /// When every attempt failed or `until` came first.
    pub async fn send(
        &self,
        url: &str,
        response: &CfnResponse,
        until: tokio::time::Instant,
    ) -> Result<(), ResponseError> {
        let body = encode(response)?;
        let mut last = "no time left to send".to_owned();
        let mut attempts = 0;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                let backoff = Duration::from_millis(200 << attempt);
                if tokio::time::Instant::now() + backoff >= until {
                    break;
                }
                tokio::time::sleep(backoff).await;
            }
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            attempts += 1;
            let put = self.client.put(url).body(body.clone()).send();
            match tokio::time::timeout(left.min(ATTEMPT_TIMEOUT), put).await {
                Ok(Ok(r)) if r.status().is_success() => return Ok(()),
                Ok(Ok(r)) => last = format!("HTTP {}", r.status()),
                Ok(Err(e)) => last = e.to_string(),
                Err(_) => last = format!("no answer within {:?}", left.min(ATTEMPT_TIMEOUT)),
            }
            tracing::warn!(attempt, error = %last, "CloudFormation response PUT failed");
        }
        Err(ResponseError::Put { attempts, last })
    }
}

/// Serialise `response`, truncating `Reason` so that the body fits in [`MAX_BODY`] bytes.
///
/// # Errors
/// When serialisation fails.
pub fn encode(response: &CfnResponse) -> Result<Vec<u8>, ResponseError> {
    let mut body = serde_json::to_vec(response)?;
    if body.len() <= MAX_BODY {
        return Ok(body);
    }
    let mut trimmed = response.clone();
    let reason = trimmed.reason.take().unwrap_or_default();
    let overflow = body.len() - MAX_BODY;
    let mut keep = reason.len().saturating_sub(overflow + 32);
    while !reason.is_char_boundary(keep) {
        keep -= 1;
    }
    trimmed.reason = Some(format!("{} [truncated]", &reason[..keep]));
    body = serde_json::to_vec(&trimmed)?;
    if body.len() > MAX_BODY {
        // Data alone is too large: drop it rather than fail to answer.
        trimmed.data.clear();
        body = serde_json::to_vec(&trimmed)?;
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(reason: &str) -> CfnResponse {
        CfnResponse {
            status: ResponseStatus::Failed,
            reason: Some(reason.to_owned()),
            physical_resource_id: "pid".into(),
            stack_id: "stack".into(),
            request_id: "req".into(),
            logical_resource_id: "Res".into(),
            data: BTreeMap::new(),
        }
    }

    #[test]
    fn long_reason_is_truncated_to_fit_4096_bytes() {
        let body = encode(&response(&"é".repeat(5000))).unwrap();
        assert!(body.len() <= MAX_BODY, "{}", body.len());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(v["Reason"].as_str().unwrap().ends_with("[truncated]"));
        assert_eq!(v["Status"], "FAILED");
    }

    /// A ResponseURL that accepts the connection and never answers.
    async fn silent_url() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        format!("http://{addr}/response")
    }

    #[tokio::test(start_paused = true)]
    async fn a_url_that_never_answers_is_given_up_by_the_answer_deadline() {
        // Time is tokio's paused clock: it advances only while everything waits, so the
        // bound below is exact and independent of the machine's speed.
        let url = silent_url().await;
        let responder = HttpResponder::new().unwrap();
        let started = tokio::time::Instant::now();
        let until = started + Duration::from_secs(9);
        let err = responder
            .send(&url, &response("x"), until)
            .await
            .unwrap_err();
        assert!(
            tokio::time::Instant::now() <= until,
            "answered past the deadline"
        );
        let ResponseError::Put { attempts, last } = err else {
            panic!("{err}")
        };
        assert!(attempts >= 2, "{attempts} attempts");
        assert!(last.starts_with("no answer within"), "{last}");
    }

    #[tokio::test(start_paused = true)]
    async fn no_time_left_means_no_attempt() {
        let responder = HttpResponder::new().unwrap();
        let err = responder
            .send(
                "http://127.0.0.1:9/x",
                &response("x"),
                tokio::time::Instant::now(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, ResponseError::Put { attempts: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn short_reason_is_sent_unchanged() {
        let body = encode(&response("bad property")).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["Reason"], "bad property");
    }
}
