//! A Lambda Runtime API server that runs a real `bootstrap` binary, as AWS Lambda does.
//!
//! [`LambdaProcess::spawn`] starts the binary with a clean environment (only what you pass, the
//! variables Lambda always sets, and `PATH`), pointed at a Runtime API bound to 127.0.0.1 on a
//! free port. It returns once the binary asks for its first event, and records that time as
//! [`LambdaProcess::ready_after`]: the cold start from spawn to ready.
//!
//! [`LambdaProcess::invoke`] queues one event, waits for the binary's response or error, and
//! returns it. Everything the binary writes to stdout (where EMF metrics go) and stderr is kept,
//! line by line. The child is killed when the `LambdaProcess` is dropped.
//!
//! Endpoints served (API version 2018-06-01): `GET runtime/invocation/next`,
//! `POST runtime/invocation/{id}/response`, `POST runtime/invocation/{id}/error` and
//! `POST runtime/init/error`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{mpsc, oneshot, watch};

use crate::http::{bind_loopback, serve};

const PREFIX: &str = "/2018-06-01/runtime/";

/// What one invocation returned.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The handler's response body, parsed as JSON (`Value::String` if it is not JSON).
    Response(Value),
    /// The handler reported an error (`POST …/error`).
    Error {
        /// `errorType`, as the runtime reported it.
        error_type: String,
        /// `errorMessage`.
        error_message: String,
    },
}

impl Outcome {
    /// The response, or an error naming what the handler reported instead.
    ///
    /// # Errors
    /// When the outcome is [`Outcome::Error`].
    pub fn into_response(self) -> anyhow::Result<Value> {
        match self {
            Outcome::Response(v) => Ok(v),
            Outcome::Error {
                error_type,
                error_message,
            } => bail!("function error {error_type}: {error_message}"),
        }
    }
}

struct Pending {
    id: String,
    body: Bytes,
    deadline_ms: u128,
}

struct Finished {
    outcome: Outcome,
    polls_at_finish: u64,
    duration: Duration,
}

struct Shared {
    queue: tokio::sync::Mutex<mpsc::Receiver<Pending>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Finished>>>,
    dispatched: Mutex<HashMap<String, Instant>>,
    polls: watch::Sender<u64>,
    init_error: Mutex<Option<String>>,
    function_arn: String,
}

/// A bootstrap binary running against our Runtime API.
pub struct LambdaProcess {
    child: Child,
    queue: mpsc::Sender<Pending>,
    shared: Arc<Shared>,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
    ready_after: Duration,
    last_duration: Duration,
    next_id: u64,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for LambdaProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LambdaProcess")
            .field("pid", &self.child.id())
            .field("ready_after", &self.ready_after)
            .finish()
    }
}

impl LambdaProcess {
    /// Start `binary` with `env` (added to the variables Lambda always sets) and wait until it
    /// asks for its first event.
    ///
    /// # Errors
    /// When the binary cannot be spawned, reports an init error, exits, or is not ready within
    /// 30 s.
    pub async fn spawn(binary: &Path, env: &[(String, String)]) -> anyhow::Result<Self> {
        Self::spawn_in(binary, env, "000000000000").await
    }

    /// [`LambdaProcess::spawn`], with the function's ARN (in its context) in `account`.
    ///
    /// # Errors
    /// As [`LambdaProcess::spawn`].
    pub async fn spawn_in(
        binary: &Path,
        env: &[(String, String)],
        account: &str,
    ) -> anyhow::Result<Self> {
        let (listener, endpoint) = bind_loopback().await?;
        let addr = endpoint.trim_start_matches("http://").to_owned();
        let name = binary
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "function".to_owned());
        let (queue, rx) = mpsc::channel(1024);
        let shared = Arc::new(Shared {
            queue: tokio::sync::Mutex::new(rx),
            waiting: Mutex::new(HashMap::new()),
            dispatched: Mutex::new(HashMap::new()),
            polls: watch::Sender::new(0),
            init_error: Mutex::new(None),
            function_arn: format!("arn:aws:lambda:us-east-1:{account}:function:{name}"),
        });
        let routes = shared.clone();
        let server = serve(listener, move |req| route(req, routes.clone()));

        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &addr)
            .env("AWS_LAMBDA_FUNCTION_NAME", &name)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut polls = shared.polls.subscribe();
        let started = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("spawning {}", binary.display()))?;
        let stdout = collect_lines(child.stdout.take());
        let stderr = collect_lines(child.stderr.take());

        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            tokio::select! {
                r = polls.wait_for(|n| *n > 0) => r.map(|_| ()).map_err(|e| anyhow::anyhow!(e)),
                status = child.wait() => Err(anyhow::anyhow!("exited before ready: {status:?}")),
            }
        })
        .await;
        let ready_after = started.elapsed();
        let mut process = LambdaProcess {
            child,
            queue,
            shared,
            stdout,
            stderr,
            ready_after,
            last_duration: Duration::ZERO,
            next_id: 0,
            server,
        };
        let failure = match ready {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(_) => Some(anyhow::anyhow!("not ready within 30 s")),
        };
        if let Some(e) = failure.or_else(|| process.init_error().map(anyhow::Error::msg)) {
            let _ = process.child.start_kill();
            tokio::time::sleep(Duration::from_millis(50)).await;
            bail!(
                "{} failed to start: {e}\nstderr:\n{}\nstdout:\n{}",
                binary.display(),
                process.stderr_lines().join("\n"),
                process.stdout_lines().join("\n")
            );
        }
        Ok(process)
    }

    /// The child's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Time from spawn until the binary first asked for an event.
    pub fn ready_after(&self) -> Duration {
        self.ready_after
    }

    /// The message of a `POST runtime/init/error`, if the binary sent one.
    pub fn init_error(&self) -> Option<String> {
        self.shared.init_error.lock().ok().and_then(|g| g.clone())
    }

    /// Invoke with `event` and a 60 s deadline.
    ///
    /// # Errors
    /// When the process exits or does not answer before the deadline (plus 5 s).
    pub async fn invoke(&mut self, event: &Value) -> anyhow::Result<Outcome> {
        self.invoke_with_deadline(event, Duration::from_secs(60))
            .await
    }

    /// Invoke with `event`; the function's context deadline is `timeout` from now.
    ///
    /// Returns once the function has answered and asked for its next event, so that what it
    /// wrote to stdout for this invocation is in [`LambdaProcess::stdout_lines`].
    ///
    /// # Errors
    /// When the process exits or does not answer before the deadline (plus 5 s).
    pub async fn invoke_with_deadline(
        &mut self,
        event: &Value,
        timeout: Duration,
    ) -> anyhow::Result<Outcome> {
        self.next_id += 1;
        let id = format!(
            "{:08x}-0000-4000-8000-{:012x}",
            std::process::id(),
            self.next_id
        );
        let (tx, rx) = oneshot::channel();
        self.shared
            .waiting
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .insert(id.clone(), tx);
        let deadline_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)?
            .as_millis()
            .saturating_add(timeout.as_millis());
        self.queue
            .send(Pending {
                id,
                body: Bytes::from(serde_json::to_vec(event)?),
                deadline_ms,
            })
            .await
            .map_err(|_| anyhow::anyhow!("runtime API stopped"))?;
        let finished = tokio::time::timeout(timeout + Duration::from_secs(5), async {
            tokio::select! {
                r = rx => r.map_err(|_| anyhow::anyhow!("invocation dropped")),
                status = self.child.wait() => Err(anyhow::anyhow!(
                    "function exited during the invocation: {status:?}")),
            }
        })
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {timeout:?} + 5 s"))??;
        self.last_duration = finished.duration;
        // Wait for the next poll: by then everything the invocation logged is in the pipes.
        let mut polls = self.shared.polls.subscribe();
        let after = finished.polls_at_finish;
        let _ = tokio::time::timeout(Duration::from_secs(5), polls.wait_for(|n| *n > after)).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(finished.outcome)
    }

    /// How long the last invocation took inside the function: from handing out the event to
    /// receiving its response or error.
    pub fn last_duration(&self) -> Duration {
        self.last_duration
    }

    /// Every line written to stdout so far.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Every line written to stderr so far.
    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Kill the binary and stop the Runtime API.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.server.abort();
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        self.server.abort();
    }
}

/// Where cargo put this workspace's binaries for the current profile (next to the running
/// test binary), or `BOOTSTRAP_DIR` when set (for example to release bootstraps).
pub fn binary_path(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("BOOTSTRAP_DIR") {
        return PathBuf::from(dir).join(name);
    }
    static PROFILE_DIR: OnceLock<PathBuf> = OnceLock::new();
    PROFILE_DIR
        .get_or_init(|| {
            // target/<profile>/deps/<test-binary>
            std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| PathBuf::from("target/debug"))
        })
        .join(name)
}

fn collect_lines<R>(pipe: Option<R>) -> Arc<Mutex<Vec<String>>>
where
    R: tokio::io::AsyncRead + Unpin + Send + 'static,
{
    let lines = Arc::new(Mutex::new(Vec::new()));
    if let Some(pipe) = pipe {
        let sink = lines.clone();
        let echo = std::env::var_os("LAMBDA_ECHO").is_some();
        tokio::spawn(async move {
            let mut reader = BufReader::new(pipe).lines();
            while let Ok(Some(line)) = reader.next_line().await {
                if echo {
                    eprintln!("[lambda] {line}");
                }
                if let Ok(mut g) = sink.lock() {
                    g.push(line);
                }
            }
        });
    }
    lines
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

async fn route(
    req: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return Ok(reply(StatusCode::NOT_FOUND, "unknown path"));
    };
    let method = req.method().clone();
    let body = match req.into_body().collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, "unreadable body")),
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let response = match (method, parts.as_slice()) {
        (Method::GET, ["invocation", "next"]) => next_invocation(&shared).await,
        (Method::POST, ["invocation", id, "response"]) => {
            let outcome =
                Outcome::Response(serde_json::from_slice(&body).unwrap_or_else(|_| {
                    Value::String(String::from_utf8_lossy(&body).into_owned())
                }));
            finish(&shared, id, outcome)
        }
        (Method::POST, ["invocation", id, "error"]) => {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let outcome = Outcome::Error {
                error_type: v["errorType"].as_str().unwrap_or_default().to_owned(),
                error_message: v["errorMessage"].as_str().unwrap_or_default().to_owned(),
            };
            finish(&shared, id, outcome)
        }
        (Method::POST, ["init", "error"]) => {
            if let Ok(mut g) = shared.init_error.lock() {
                *g = Some(String::from_utf8_lossy(&body).into_owned());
            }
            reply(StatusCode::ACCEPTED, "{\"status\":\"OK\"}")
        }
        _ => reply(StatusCode::NOT_FOUND, "unknown runtime API call"),
    };
    Ok(response)
}

async fn next_invocation(shared: &Shared) -> Response<Full<Bytes>> {
    shared.polls.send_modify(|n| *n += 1);
    let next = shared.queue.lock().await.recv().await;
    let Some(p) = next else {
        return reply(StatusCode::GONE, "runtime API stopped");
    };
    if let Ok(mut d) = shared.dispatched.lock() {
        d.insert(p.id.clone(), Instant::now());
    }
    let mut response = reply(StatusCode::OK, p.body);
    let headers = response.headers_mut();
    let pairs = [
        ("lambda-runtime-aws-request-id", p.id),
        ("lambda-runtime-deadline-ms", p.deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            shared.function_arn.clone(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
        ),
    ];
    for (name, value) in pairs {
        if let Ok(v) = value.parse() {
            headers.insert(name, v);
        }
    }
    response
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) -> Response<Full<Bytes>> {
    let waiter = shared.waiting.lock().ok().and_then(|mut g| g.remove(id));
    let started = shared.dispatched.lock().ok().and_then(|mut g| g.remove(id));
    match waiter {
        Some(tx) => {
            let _ = tx.send(Finished {
                outcome,
                polls_at_finish: *shared.polls.borrow(),
                duration: started.map(|t| t.elapsed()).unwrap_or_default(),
            });
            reply(StatusCode::ACCEPTED, "{\"status\":\"OK\"}")
        }
        None => reply(StatusCode::BAD_REQUEST, "unknown request id"),
    }
}
