//! The adapter: a CloudFormation request in, exactly one response PUT out.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::response::{CfnRequest, CfnResponse, HttpResponder, RequestType, ResponseError, Status};

/// The resource types this function will serve.
pub const RESOURCE_TYPES: [&str; 2] = [
    "Custom::ReplicationDestination",
    "Custom::ReplicationSource",
];

/// Errors the handler reports to Lambda (CloudFormation has been answered, or could not be).
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The payload is not a CloudFormation custom-resource request, so there is no
    /// `ResponseURL` to answer.
    #[error("not a CloudFormation custom-resource request: {0}")]
    NotARequest(#[from] serde_json::Error),
    /// The response could not be delivered.
    #[error(transparent)]
    Response(#[from] ResponseError),
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        let error_type = match e {
            HandlerError::NotARequest(_) => "NotACloudFormationRequest",
            HandlerError::Response(_) => "ResponseNotDelivered",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// Handle one request: decide, then answer CloudFormation.
///
/// # Errors
/// When the event is not a custom-resource request or the answer cannot be delivered.
pub async fn handle(
    event: LambdaEvent<Value>,
    responder: &HttpResponder,
) -> Result<Value, HandlerError> {
    let request: CfnRequest = serde_json::from_value(event.payload)?;
    let response = decide(&request);
    tracing::info!(
        request_id = %response.request_id,
        status = ?response.status,
        reason = response.reason.as_deref().unwrap_or(""),
        "answering CloudFormation"
    );
    responder.send(&request.response_url, &response).await?;
    Ok(serde_json::json!({ "Status": response.status, "Reason": response.reason }))
}

fn decide(request: &CfnRequest) -> CfnResponse {
    let rtype = request.resource_type.as_str();
    let (status, reason) = if request.request_type == RequestType::Delete {
        // Nothing is ever written by this build, so there is nothing to remove.
        (Status::Success, None)
    } else if RESOURCE_TYPES.contains(&rtype) {
        (
            Status::Failed,
            Some(format!(
                "{rtype} is not implemented in this build of replication-setup"
            )),
        )
    } else {
        (
            Status::Failed,
            Some(format!(
                "unknown resource type {rtype}: this function serves {}",
                RESOURCE_TYPES.join(" and ")
            )),
        )
    };
    let physical = request
        .physical_resource_id
        .clone()
        .unwrap_or_else(|| format!("{}-{}", request.logical_resource_id, request.request_id));
    CfnResponse::for_request(request, status, reason, physical)
}
