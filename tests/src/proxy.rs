//! A fault-injecting, call-counting HTTP proxy in front of the emulator, on 127.0.0.1.
//!
//! Point a function's `AWS_ENDPOINT_URL_S3` at [`FaultProxy::endpoint`] and every S3 call goes
//! through it. It counts requests by method, can delay every request (to model network
//! latency) and can answer chosen requests with an S3 error instead of forwarding them (to
//! model a denied `HeadObject`). moto does not check signatures, so forwarding unchanged works.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::http::{TrafficControl, bind_loopback, serve};

/// A rule: answer requests whose path contains `path_contains` with `status` and S3 error
/// `code`.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Substring of the (still URL-encoded) request path.
    pub path_contains: String,
    /// HTTP status, such as 403.
    pub status: u16,
    /// S3 error code, such as `AccessDenied`.
    pub code: String,
}

#[derive(Debug, Default)]
struct State {
    faults: Vec<Fault>,
}

/// The running proxy; stops when dropped.
#[derive(Debug)]
pub struct FaultProxy {
    endpoint: String,
    state: Arc<Mutex<State>>,
    traffic: TrafficControl,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Start a proxy to `upstream` (such as the emulator endpoint).
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub async fn start(upstream: &str) -> anyhow::Result<Self> {
        let (listener, endpoint) = bind_loopback().await?;
        let state = Arc::new(Mutex::new(State::default()));
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let upstream = upstream.trim_end_matches('/').to_owned();
        let shared = state.clone();
        let traffic = TrafficControl::default();
        let counted = traffic.clone();
        let task = serve(listener, move |req| {
            forward(
                req,
                shared.clone(),
                counted.clone(),
                client.clone(),
                upstream.clone(),
            )
        });
        Ok(Self {
            endpoint,
            state,
            traffic,
            task,
        })
    }

    /// The proxy's endpoint URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Add a fault rule.
    pub fn add_fault(&self, fault: Fault) {
        if let Ok(mut s) = self.state.lock() {
            s.faults.push(fault);
        }
    }

    /// Remove every fault rule.
    pub fn clear_faults(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.faults.clear();
        }
    }

    /// Its latency and call counts by HTTP method.
    pub fn traffic(&self) -> &TrafficControl {
        &self.traffic
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(
    req: Request<Incoming>,
    state: Arc<Mutex<State>>,
    traffic: TrafficControl,
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: String,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    traffic.record(req.method().as_str()).await;
    let fault = state.lock().ok().and_then(|s| {
        s.faults
            .iter()
            .find(|f| path.contains(&f.path_contains))
            .cloned()
    });
    if let Some(f) = fault {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>injected by the test proxy</Message></Error>",
            f.code
        );
        let mut r = Response::new(Full::new(Bytes::from(body)));
        *r.status_mut() = StatusCode::from_u16(f.status).unwrap_or(StatusCode::FORBIDDEN);
        r.headers_mut().insert(
            "content-type",
            hyper::header::HeaderValue::from_static("application/xml"),
        );
        return Ok(r);
    }
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut out = Request::builder()
        .method(parts.method)
        .uri(format!("{upstream}{path}"));
    for (k, v) in &parts.headers {
        if k != hyper::header::HOST {
            out = out.header(k, v);
        }
    }
    let Ok(out) = out.body(Full::new(bytes)) else {
        return Ok(bad_gateway("cannot build the upstream request"));
    };
    match client.request(out).await {
        Ok(resp) => {
            let (parts, body) = resp.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok(Response::from_parts(parts, Full::new(bytes)))
        }
        Err(e) => Ok(bad_gateway(&e.to_string())),
    }
}

fn bad_gateway(why: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(why.to_owned())));
    *r.status_mut() = StatusCode::BAD_GATEWAY;
    r
}
