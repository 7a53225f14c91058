//! The replica verifier's configuration, parsed from environment-style variables.
//!
//! [`VerifierConfig::from_lookup`] takes a lookup function (in the Lambda, `std::env::var`), so
//! the rules are unit-tested without touching the process environment. Every error names the
//! variable and what would be accepted.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `EXPECTED_KMS_KEY_ARN` | the destination key: key ARN, key id, alias name or alias ARN | required |
//! | `METRICS_NAMESPACE` | CloudWatch namespace | `S3KmsReplication` |
//! | `METRICS_SINK` | `emf`, `cloudwatch` or `both` | `emf` |
//! | `REQUIRE_REPLICA_STATUS` | require `x-amz-replication-status: REPLICA` | `true` |
//! | `EXPECTED_BUCKET_KEY` | require Bucket Keys on (`true`) or off (`false`) | unset: not checked |
//! | `DESTINATION_BUCKET` | also publish zero counts for this bucket on every invocation | unset |
//! | `MAX_CONCURRENCY` | HeadObject calls in flight per invocation (1-1000) | `64` |
//! | `MISSING_RETRIES` | retries of a 404 before `Missing` (0-10) | `3` |
//! | `MISSING_RETRY_DELAY_MS` | first retry delay, doubled each retry (1-60000) | `250` |
//! | `VERIFY_PREFIXES` | comma-separated key prefixes to verify ([`KeyScope`]) | unset: every key |
//!
//! ```
//! use replication_core::verifier_config::{VerifierConfig, SinkKind};
//! let c = VerifierConfig::from_lookup(|name| match name {
//!     "EXPECTED_KMS_KEY_ARN" => Some("alias/replicas".to_owned()),
//!     _ => None,
//! }).unwrap();
//! assert_eq!(c.sink, SinkKind::Emf);
//! assert!(c.key_needs_resolution());
//! ```

use std::time::Duration;

use crate::arn::KmsKeyRef;

/// Default CloudWatch namespace.
pub const DEFAULT_NAMESPACE: &str = "S3KmsReplication";

/// Where metrics go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SinkKind {
    /// Embedded Metric Format lines on stdout (no API call).
    Emf,
    /// `PutMetricData`.
    CloudWatch,
    /// Both.
    Both,
}

impl SinkKind {
    /// Whether EMF lines are written.
    pub fn emf(self) -> bool {
        matches!(self, SinkKind::Emf | SinkKind::Both)
    }

    /// Whether `PutMetricData` is called.
    pub fn cloudwatch(self) -> bool {
        matches!(self, SinkKind::CloudWatch | SinkKind::Both)
    }
}

/// A variable is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or empty.
    #[error("{var} is required: {hint}")]
    Missing {
        /// The variable.
        var: &'static str,
        /// What to set it to.
        hint: &'static str,
    },
    /// A variable has a value that is not accepted.
    #[error("{var}={value:?} is invalid: expected {expected}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// The value found.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
}

/// One of the verifier's environment variables, as the catalogue lists it.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// The variable.
    pub name: &'static str,
    /// `KmsKeyRef`, `String`, `Boolean`, `Integer`, `MetricsSink` (`emf`, `cloudwatch`,
    /// `both`) or `KeyPrefixes` (comma-separated).
    pub kind: &'static str,
    /// Whether the verifier refuses to start without it.
    pub required: bool,
    /// The value an unset variable takes; `None`: none. The tests hold this to
    /// [`VerifierConfig::from_lookup`].
    pub default: Option<&'static str>,
}

const fn setting(name: &'static str, kind: &'static str, default: Option<&'static str>) -> Setting {
    Setting {
        name,
        kind,
        required: false,
        default,
    }
}

/// Every variable [`VerifierConfig::from_lookup`] reads (besides Lambda's own
/// `AWS_LAMBDA_LOG_LEVEL`).
pub const SETTINGS: [Setting; 10] = [
    Setting {
        name: "EXPECTED_KMS_KEY_ARN",
        kind: "KmsKeyRef",
        required: true,
        default: None,
    },
    setting("METRICS_NAMESPACE", "String", Some(DEFAULT_NAMESPACE)),
    setting("METRICS_SINK", "MetricsSink", Some("emf")),
    setting("REQUIRE_REPLICA_STATUS", "Boolean", Some("true")),
    setting("EXPECTED_BUCKET_KEY", "Boolean", None),
    setting("DESTINATION_BUCKET", "String", None),
    setting("MAX_CONCURRENCY", "Integer", Some("64")),
    setting("MISSING_RETRIES", "Integer", Some("3")),
    setting("MISSING_RETRY_DELAY_MS", "Integer", Some("250")),
    setting("VERIFY_PREFIXES", "KeyPrefixes", None),
];

/// The longest object key S3 accepts, in bytes (S3 User Guide, "Naming Amazon S3 objects").
const MAX_KEY_BYTES: usize = 1024;

/// `VERIFY_PREFIXES`: which object keys the verifier judges as replicas.
///
/// A key is in scope when it starts with one of the prefixes (compared byte for byte with the
/// *decoded* key, so a prefix is written as the key is, `my reports/` with a space, never
/// `my+reports/`), when there are no prefixes (every key, the default), or when it names a
/// canary ([`crate::canary::is_canary`]): canaries are written by this project into S and are
/// always replicas, and judging them is what keeps the liveness alarm quiet, whichever rule's
/// prefix holds them.
///
/// ```
/// use replication_core::verifier_config::KeyScope;
/// let scope = KeyScope::parse("logs/, data/2026").unwrap();
/// assert!(scope.contains("logs/app.log"));
/// assert!(!scope.contains("inventory/d/2026-01-01/manifest.json"));
/// assert!(scope.contains("other/.s3-kms-replication-canary/liveness"));
/// assert!(KeyScope::default().contains("anything"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyScope {
    prefixes: Vec<String>,
}

impl KeyScope {
    /// Parse a comma-separated list of prefixes; each is trimmed of surrounding whitespace. An
    /// empty or blank `value` is every key.
    ///
    /// # Errors
    /// A message saying what is wrong: an empty entry (`a,,b` or a trailing comma, which would
    /// otherwise quietly mean "every key"), or a prefix longer than an S3 key can be.
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.trim().is_empty() {
            return Ok(Self::default());
        }
        let prefixes = value
            .split(',')
            .map(str::trim)
            .map(|p| {
                if p.is_empty() {
                    Err("an empty prefix (two commas together, or one at an end)".to_owned())
                } else if p.len() > MAX_KEY_BYTES {
                    Err(format!(
                        "a prefix of {} bytes, longer than an S3 key can be",
                        p.len()
                    ))
                } else {
                    Ok(p.to_owned())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { prefixes })
    }

    /// Whether the verifier judges `key` (decoded).
    pub fn contains(&self, key: &str) -> bool {
        self.prefixes.is_empty()
            || self.prefixes.iter().any(|p| key.starts_with(p.as_str()))
            || crate::canary::is_canary(key)
    }

    /// Whether every key is in scope (no prefixes).
    pub fn is_everything(&self) -> bool {
        self.prefixes.is_empty()
    }

    /// The prefixes, in the order given.
    pub fn prefixes(&self) -> &[String] {
        &self.prefixes
    }
}

/// The verifier's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// `EXPECTED_KMS_KEY_ARN`, parsed as the setup function parses a key property (resolve it
    /// with DescribeKey when [`VerifierConfig::key_needs_resolution`]).
    pub expected_key: KmsKeyRef,
    /// `METRICS_NAMESPACE`.
    pub namespace: String,
    /// `METRICS_SINK`.
    pub sink: SinkKind,
    /// `REQUIRE_REPLICA_STATUS`.
    pub require_replica_status: bool,
    /// `EXPECTED_BUCKET_KEY`.
    pub expected_bucket_key: Option<bool>,
    /// `DESTINATION_BUCKET`.
    pub destination_bucket: Option<String>,
    /// `MAX_CONCURRENCY`.
    pub max_concurrency: usize,
    /// `MISSING_RETRIES`.
    pub missing_retries: u32,
    /// `MISSING_RETRY_DELAY_MS`.
    pub missing_retry_delay: Duration,
    /// `VERIFY_PREFIXES`.
    pub verify_prefixes: KeyScope,
}

impl VerifierConfig {
    /// Parse from `get(name)`, which returns a variable's value or `None`.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first missing or malformed variable.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let value = |var: &str| {
            get(var)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let expected_key = value("EXPECTED_KMS_KEY_ARN").ok_or(ConfigError::Missing {
            var: "EXPECTED_KMS_KEY_ARN",
            hint: "set it to the destination KMS key's ARN (a key id, alias/name or alias ARN also works)",
        })?;
        let expected_key =
            KmsKeyRef::parse(&expected_key).map_err(|_| ConfigError::Invalid {
                var: "EXPECTED_KMS_KEY_ARN",
                value: expected_key,
                expected: "arn:aws:kms:<region>:<account>:key/<id>, a key id, alias/<name> or an alias ARN",
            })?;
        let sink = match value("METRICS_SINK")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("emf") => SinkKind::Emf,
            Some("cloudwatch") => SinkKind::CloudWatch,
            Some("both") => SinkKind::Both,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "METRICS_SINK",
                    value: other.to_owned(),
                    expected: "emf, cloudwatch or both",
                });
            }
        };
        // Lambda's log-level filtering classes a line without a "level" field as INFO (Lambda
        // Developer Guide, "Log-level filtering": "If the "level" value field is invalid or
        // missing, Lambda assigns the log output the level INFO"), and EMF documents carry none:
        // above INFO, Lambda would drop every metric without a word. RUST_LOG does not change
        // what Lambda filters, so only AWS_LAMBDA_LOG_LEVEL counts here.
        if sink.emf()
            && let Some(level) = value("AWS_LAMBDA_LOG_LEVEL")
            && matches!(
                level.to_ascii_uppercase().as_str(),
                "WARN" | "ERROR" | "FATAL"
            )
        {
            return Err(ConfigError::Invalid {
                var: "AWS_LAMBDA_LOG_LEVEL",
                value: level,
                expected: "TRACE, DEBUG or INFO while METRICS_SINK writes EMF: Lambda drops the \
                           metric lines (they have no level, so Lambda classes them INFO); set \
                           the function's LoggingConfig ApplicationLogLevel to INFO, or \
                           METRICS_SINK=cloudwatch",
            });
        }
        let verify_prefixes = match value("VERIFY_PREFIXES") {
            None => KeyScope::default(),
            Some(v) => KeyScope::parse(&v).map_err(|_| ConfigError::Invalid {
                var: "VERIFY_PREFIXES",
                value: v,
                expected: "comma-separated object key prefixes, none empty and none over 1024 \
                           bytes, such as logs/,data/ (unset: every key)",
            })?,
        };
        let namespace = value("METRICS_NAMESPACE").unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        if namespace.len() > 255 || namespace.starts_with(':') || namespace.starts_with("AWS/") {
            return Err(ConfigError::Invalid {
                var: "METRICS_NAMESPACE",
                value: namespace,
                expected: "1-255 characters, not starting with ':' or 'AWS/'",
            });
        }
        Ok(Self {
            expected_key,
            namespace,
            sink,
            require_replica_status: boolean(&value, "REQUIRE_REPLICA_STATUS")?.unwrap_or(true),
            expected_bucket_key: boolean(&value, "EXPECTED_BUCKET_KEY")?,
            destination_bucket: value("DESTINATION_BUCKET"),
            max_concurrency: number(
                &value,
                "MAX_CONCURRENCY",
                1,
                1000,
                "an integer from 1 to 1000",
            )?
            .unwrap_or(64) as usize,
            missing_retries: number(&value, "MISSING_RETRIES", 0, 10, "an integer from 0 to 10")?
                .unwrap_or(3) as u32,
            missing_retry_delay: Duration::from_millis(
                number(
                    &value,
                    "MISSING_RETRY_DELAY_MS",
                    1,
                    60_000,
                    "milliseconds from 1 to 60000",
                )?
                .unwrap_or(250),
            ),
            verify_prefixes,
        })
    }

    /// Whether the expected key must be resolved to a key ARN (with `kms:DescribeKey`, once
    /// per cold start): true for key ids, alias names and alias ARNs.
    pub fn key_needs_resolution(&self) -> bool {
        self.expected_key.as_key_arn().is_none()
    }

    /// The delay before retry `attempt` (0-based) of a missing object, or `None` when the
    /// retries are used up.
    pub fn missing_retry_delay(&self, attempt: u32) -> Option<Duration> {
        (attempt < self.missing_retries).then(|| {
            self.missing_retry_delay
                .saturating_mul(1 << attempt.min(16))
        })
    }
}

fn boolean(
    value: &impl Fn(&str) -> Option<String>,
    var: &'static str,
) -> Result<Option<bool>, ConfigError> {
    match value(var).map(|v| v.to_ascii_lowercase()).as_deref() {
        None => Ok(None),
        Some("true" | "1" | "yes") => Ok(Some(true)),
        Some("false" | "0" | "no") => Ok(Some(false)),
        Some(other) => Err(ConfigError::Invalid {
            var,
            value: other.to_owned(),
            expected: "true or false",
        }),
    }
}

fn number(
    value: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    min: u64,
    max: u64,
    expected: &'static str,
) -> Result<Option<u64>, ConfigError> {
    match value(var) {
        None => Ok(None),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ConfigError::Invalid {
                var,
                value: v,
                expected,
            }),
        },
    }
}

#[cfg(test)]
mod tests;
