//! What the two Lambdas' adapters share: logging set up the way Lambda asks, the S3 client as
//! the emulator needs it, "now" in milliseconds, an error's chain as one line, and (feature
//! `test-util`) [`fake_aws`], an in-process AWS for unit tests of SDK calls.
//!
//! The decisions stay in `replication-core`, which has no SDK types; this crate is the thin
//! part both adapters would otherwise copy.
//!
//! [`init_tracing`] sets up logging once per cold start, the way Lambda's advanced logging
//! controls ask (the function's `LoggingConfig`, which Lambda passes as environment variables):
//!
//! | variable | effect |
//! |---|---|
//! | `RUST_LOG` | full `tracing` directives (`info`, `replica_verifier=debug,warn`); when set, it wins |
//! | `AWS_LAMBDA_LOG_LEVEL` | `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `FATAL` (as `error`): the level when `RUST_LOG` is unset |
//! | `AWS_LAMBDA_LOG_FORMAT` | `JSON` (also the default: one JSON object per line with `level` and `timestamp`, fields at the top level) or `Text` |
//!
//! Without either level variable the level is `info`. This follows `lambda_runtime`'s own
//! default subscriber (`lambda_runtime::tracing::init_default_subscriber`), with two
//! differences: `RUST_LOG` overrides Lambda's level rather than the other way round, so an
//! operator can raise one module's level without redeploying the `LoggingConfig`; and JSON stays
//! the default with event fields flattened into the line, which is what the dashboard's Logs
//! Insights query and the alarms' log searches read.
//!
//! ```
//! use lambda_support::{LogSettings, LogFormat};
//! let env = |name: &str| match name {
//!     "AWS_LAMBDA_LOG_LEVEL" => Some("WARN".to_owned()),
//!     _ => None,
//! };
//! let settings = LogSettings::from_lookup(env);
//! assert_eq!(settings.filter, "warn");
//! assert_eq!(settings.format, LogFormat::Json);
//! ```

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (the default).
    Json,
    /// `tracing`'s plain text, without colours.
    Text,
}

/// The logging settings a function's environment asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSettings {
    /// The `tracing` filter directives.
    pub filter: String,
    /// The line format.
    pub format: LogFormat,
}

impl LogSettings {
    /// The settings from an environment lookup (`std::env::var(..).ok()` in a function).
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let filter = match (set("RUST_LOG"), set("AWS_LAMBDA_LOG_LEVEL")) {
            (Some(directives), _) => directives,
            (None, Some(level)) => lambda_level(&level).to_owned(),
            (None, None) => "info".to_owned(),
        };
        let format = match set("AWS_LAMBDA_LOG_FORMAT") {
            Some(f) if f.eq_ignore_ascii_case("text") => LogFormat::Text,
            _ => LogFormat::Json,
        };
        Self { filter, format }
    }
}

/// Lambda's application log levels (`LoggingConfig.ApplicationLogLevel`) as `tracing` levels.
/// `tracing` has no `FATAL`: it keeps `error`. An unknown value keeps `info`.
fn lambda_level(level: &str) -> &'static str {
    match level.trim().to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "WARN" => "warn",
        "ERROR" | "FATAL" => "error",
        _ => "info",
    }
}

/// Install the global `tracing` subscriber from the process environment. Call once, first
/// thing in `main`.
pub fn init_tracing() {
    init_tracing_with(&LogSettings::from_lookup(|name| std::env::var(name).ok()));
}

/// Install the global `tracing` subscriber with `settings`. A directive that does not parse is
/// skipped (and the rest kept), as `tracing-subscriber` does for `RUST_LOG`.
pub fn init_tracing_with(settings: &LogSettings) {
    let filter = EnvFilter::builder().parse_lossy(&settings.filter);
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // `try_init`: a second call (a test harness that already installed one) keeps the first.
    let _ = match settings.format {
        // JSON lines carry `level` and an RFC 3339 `timestamp`: Lambda's log-level filtering
        // reads both, and classes a line without a valid timestamp as INFO (Lambda Developer
        // Guide, "Log-level filtering"), which would drop WARN lines below a WARN setting.
        LogFormat::Json => fmt
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
        // Lambda stamps text lines itself.
        LogFormat::Text => fmt.without_time().with_ansi(false).try_init(),
    };
}

/// Milliseconds since the Unix epoch (0 if the clock reads earlier).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `S3_FORCE_PATH_STYLE=true`: path-style S3 addressing, which the local emulator needs
/// (virtual-hosted style would put the bucket in the host name).
pub fn force_path_style() -> bool {
    std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true")
}

/// The S3 client configuration for `sdk`, path-style when asked; add interceptors and
/// build.
pub fn s3_config(sdk: &aws_config::SdkConfig, path_style: bool) -> aws_sdk_s3::config::Builder {
    aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style)
}

/// `error: its source: …`, each error's own `Display`: one line for a log or an answer, for
/// failures that carry no service error code (a connection refused, a timeout).
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(feature = "test-util")]
pub mod fake_aws;

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> LogSettings {
        LogSettings::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn without_any_variable_it_is_json_at_info() {
        assert_eq!(
            settings(&[]),
            LogSettings {
                filter: "info".into(),
                format: LogFormat::Json
            }
        );
    }

    #[test]
    fn lambdas_level_and_format_are_honoured() {
        let s = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ("AWS_LAMBDA_LOG_FORMAT", "Text"),
        ]);
        assert_eq!(s.filter, "debug");
        assert_eq!(s.format, LogFormat::Text);
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]).filter,
            "error"
        );
        assert_eq!(settings(&[("AWS_LAMBDA_LOG_LEVEL", "warn")]).filter, "warn");
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_FORMAT", "JSON")]).format,
            LogFormat::Json
        );
    }

    #[test]
    fn rust_log_overrides_lambdas_level() {
        let s = settings(&[
            ("AWS_LAMBDA_LOG_LEVEL", "ERROR"),
            ("RUST_LOG", "replica_verifier=debug,warn"),
        ]);
        assert_eq!(s.filter, "replica_verifier=debug,warn");
        assert_eq!(
            settings(&[("AWS_LAMBDA_LOG_LEVEL", "ERROR"), ("RUST_LOG", " ")]).filter,
            "error"
        );
    }

    #[test]
    fn an_unknown_level_keeps_info() {
        assert_eq!(settings(&[("AWS_LAMBDA_LOG_LEVEL", "LOUD")]).filter, "info");
    }
}
