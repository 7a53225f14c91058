//! A [`LambdaProcess`] behind a loopback HTTP endpoint, so that the emulator's S3 Batch
//! Operations engine can invoke the real bootstrap as a job's `LambdaInvoke` function.
//!
//! The contract is the emulator's (`tests/local-aws/localaws/s3control_jobs.py`):
//! `POST /_localaws/lambda-functions {"FunctionArn", "Url"}` registers the URL for a function
//! ARN ([`FunctionEndpoint::register`]); the engine then POSTs each invocation's JSON payload to
//! the URL and reads the function's JSON answer, with `X-Amz-Function-Error` marking a function
//! error, as Lambda's Invoke API does. Each POST here is one [`LambdaProcess::invoke`], one at a
//! time: one function instance, as a reserved concurrency of 1 would give.
//!
//! ```no_run
//! # async fn demo(verifier: e2e_tests::runtime_api::LambdaProcess, emulator: &str) -> anyhow::Result<()> {
//! use e2e_tests::lambda_endpoint::FunctionEndpoint;
//! let endpoint = FunctionEndpoint::serve(verifier).await?;
//! endpoint.register(emulator, "arn:aws:lambda:us-east-1:222222222222:function:verifier").await?;
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::sync::Arc;

use anyhow::bail;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::http::{bind_loopback, serve};
use crate::runtime_api::{LambdaProcess, Outcome};

/// The header by which Lambda's Invoke API marks a function error.
pub const FUNCTION_ERROR_HEADER: &str = "X-Amz-Function-Error";

/// The running endpoint; stops serving when dropped (the process with it).
pub struct FunctionEndpoint {
    url: String,
    process: Arc<tokio::sync::Mutex<LambdaProcess>>,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FunctionEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionEndpoint")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl FunctionEndpoint {
    /// Serve `process` on a free 127.0.0.1 port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn serve(process: LambdaProcess) -> anyhow::Result<Self> {
        let (listener, endpoint) = bind_loopback().await?;
        let process = Arc::new(tokio::sync::Mutex::new(process));
        let shared = process.clone();
        let server = serve(listener, move |req| invoke(req, shared.clone()));
        Ok(Self {
            url: format!("{endpoint}/invoke"),
            process,
            server,
        })
    }

    /// The URL the engine POSTs invocations to.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Register this endpoint with the emulator at `emulator` as the function `function_arn`.
    ///
    /// # Errors
    /// When the emulator refuses it.
    pub async fn register(&self, emulator: &str, function_arn: &str) -> anyhow::Result<()> {
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let body = json!({"FunctionArn": function_arn, "Url": self.url});
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!(
                "{}/_localaws/lambda-functions",
                emulator.trim_end_matches('/')
            ))
            .header("Content-Type", "application/json")
            .body(Full::new(Bytes::from(body.to_string())))?;
        let answer = client.request(request).await?;
        let status = answer.status();
        if !status.is_success() {
            let text = answer.into_body().collect().await?.to_bytes();
            bail!(
                "registering {function_arn}: HTTP {status}: {}",
                String::from_utf8_lossy(&text)
            );
        }
        Ok(())
    }

    /// The process, between invocations (its stdout lines, say).
    pub async fn process(&self) -> tokio::sync::MutexGuard<'_, LambdaProcess> {
        self.process.lock().await
    }
}

impl Drop for FunctionEndpoint {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn reply(status: StatusCode, body: &Value, function_error: bool) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    if function_error {
        response.headers_mut().insert(
            FUNCTION_ERROR_HEADER,
            hyper::header::HeaderValue::from_static("Unhandled"),
        );
    }
    response
}

/// One POST: the payload to the process; its response, or its error with the header. A process
/// that does not answer is a 500 (the engine's `TemporaryFailure`, redriven).
async fn invoke(
    req: Request<Incoming>,
    process: Arc<tokio::sync::Mutex<LambdaProcess>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if req.method() != Method::POST {
        return Ok(reply(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({"message": "POST an invocation payload"}),
            false,
        ));
    }
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, &json!({}), false)),
    };
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return Ok(reply(
            StatusCode::BAD_REQUEST,
            &json!({"message": "the payload is not JSON"}),
            false,
        ));
    };
    let outcome = process.lock().await.invoke(&event).await;
    Ok(match outcome {
        Ok(Outcome::Response(value)) => reply(StatusCode::OK, &value, false),
        Ok(Outcome::Error {
            error_type,
            error_message,
        }) => reply(
            StatusCode::OK,
            &json!({"errorType": error_type, "errorMessage": error_message}),
            true,
        ),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"message": e.to_string()}),
            false,
        ),
    })
}
