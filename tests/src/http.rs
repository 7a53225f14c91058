//! The one loopback HTTP/1 server loop that the Runtime API, the proxy and the stub share.

use std::convert::Infallible;
use std::future::Future;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A response body.
pub(crate) type Body = Full<Bytes>;

/// Bind a free port on 127.0.0.1; returns the listener and its `http://` endpoint.
pub(crate) async fn bind_loopback() -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    Ok((listener, endpoint))
}

/// Serve `handler` on `listener` until the returned task is aborted.
pub(crate) fn serve<F, Fut>(listener: TcpListener, handler: F) -> tokio::task::JoinHandle<()>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = handler.clone();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handler))
                    .await;
            });
        }
    })
}

#[derive(Debug, Default)]
struct Traffic {
    latency: std::time::Duration,
    calls: std::collections::BTreeMap<String, u64>,
}

/// A loopback server's injected latency and its request counts, shared with its handlers.
#[derive(Debug, Clone, Default)]
pub struct TrafficControl(std::sync::Arc<std::sync::Mutex<Traffic>>);

impl TrafficControl {
    /// Delay every answer by `latency`.
    pub fn set_latency(&self, latency: std::time::Duration) {
        if let Ok(mut t) = self.0.lock() {
            t.latency = latency;
        }
    }

    /// Requests so far, by kind (an HTTP method or an operation name).
    pub fn calls(&self) -> std::collections::BTreeMap<String, u64> {
        self.0.lock().map(|t| t.calls.clone()).unwrap_or_default()
    }

    /// Forget the counts.
    pub fn reset_calls(&self) {
        if let Ok(mut t) = self.0.lock() {
            t.calls.clear();
        }
    }

    /// Count one request of `kind`, then wait the injected latency.
    pub(crate) async fn record(&self, kind: &str) {
        let latency = match self.0.lock() {
            Ok(mut t) => {
                *t.calls.entry(kind.to_owned()).or_insert(0) += 1;
                t.latency
            }
            Err(_) => std::time::Duration::ZERO,
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
    }
}
