//! The steps as AWS calls: one function per step, each reading the current document,
//! asking `replication_core` what it should become, and writing only when that differs.
//!
//! Every function is idempotent and safe to repeat; a write is skipped when the document
//! already holds what we want, so a repeated Create costs only reads.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use replication_core::notification;
use replication_core::plan;
use replication_core::policy;
use serde_json::Value;

/// The tag our replication role carries, so that Delete removes only a role it created.
pub const MANAGED_TAG: &str = plan::ROLE_MANAGED_TAG;

mod bucket_policy;
mod canary;
mod key_policy;
mod lookup;
mod notifications;
mod replication;
mod role;
mod versioning;
pub use bucket_policy::{merge_bucket_policy, read_bucket_policy, remove_bucket_policy_statements};
pub use canary::{Liveness, canary, liveness_canary, remove_old_versions};
pub use key_policy::{merge_key_policy, read_key_policy, remove_key_policy_statements};
pub use lookup::{bucket_encryption, bucket_object_lock, bucket_region, describe_key};
pub use notifications::{
    enable_event_bridge, prepare_notification, put_notification, set_notification,
};
pub use replication::{put_replication_rule, remove_replication_rules};
pub use role::{ensure_replication_role, get_role, is_managed, remove_replication_role};
pub use versioning::enable_versioning;

/// A failed step: which one, and the service's code and message.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// An AWS call failed.
    #[error("{step}: {code}: {message}")]
    Aws {
        /// The step, such as `merge_key_policy(KB)`.
        step: String,
        /// The service's error code.
        code: String,
        /// The service's message.
        message: String,
    },
    /// AWS refused a policy for a principal that does not exist. Never retried: our statements
    /// name account principals, which are never seconds old, so the principal is another
    /// statement's (or the account does not exist) and no retry can succeed.
    #[error("{step}: {code}: {message}; {}", describe_unresolved(statements))]
    InvalidPrincipal {
        /// The step.
        step: String,
        /// The service's error code.
        code: String,
        /// The service's message.
        message: String,
        /// The policy's statements that name deleted principals
        /// ([`policy::unresolved_principals`]).
        statements: Vec<String>,
    },
    /// S3 refused our rule while D was missing or unversioned, for as long as we could wait.
    #[error(
        "{step}: S3 refuses a replication rule until the destination bucket {destination_bucket} exists \
         and has versioning enabled (PutBucketReplication: InvalidRequest \"Destination bucket must have \
         versioning enabled.\"); waited {waited_s} s. Account A cannot enable it: deploy the destination \
         stack (Custom::ReplicationDestination) in account {destination_account} first, then retry this one"
    )]
    DestinationNotReady {
        /// The step.
        step: String,
        /// D.
        destination_bucket: String,
        /// D's account.
        destination_account: String,
        /// How long the step waited.
        waited_s: u64,
    },
    /// A document could not be merged (too large, no key administrator, …).
    #[error("{step}: {source}")]
    Policy {
        /// The step.
        step: String,
        /// Why.
        source: policy::PolicyError,
    },
    /// The replication rules cannot be merged.
    #[error("put_replication_rule: {0}")]
    Plan(#[from] plan::PlanError),
    /// Our notification configuration would overlap another.
    #[error("{0}")]
    Notification(#[from] notification::Conflict),
    /// S3 could not validate destinations of D's notification configuration, ours or another's.
    #[error("{step}: {reason}")]
    UnvalidatedDestinations {
        /// The step.
        step: String,
        /// Each destination, its entry and the fix ([`notification::unvalidated::describe`]).
        reason: String,
    },
    /// The role has no room left for this pair's inline policy.
    #[error("ensure_replication_role: {0}")]
    RoleBudget(#[from] plan::RoleBudgetExceeded),
    /// A document from AWS or for AWS could not be converted.
    #[error("{step}: {message}")]
    Invalid {
        /// The step.
        step: String,
        /// Why.
        message: String,
    },
}

fn aws_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    step: impl Into<String>,
    e: &SdkError<E, HttpResponse>,
) -> StepError {
    let status = e.raw_response().map(|r| r.status().as_u16());
    StepError::Aws {
        step: step.into(),
        code: e
            .code()
            .map(str::to_owned)
            .or(status.map(|s| format!("HTTP {s}")))
            .unwrap_or_else(|| "NoResponse".to_owned()),
        message: e.message().map(str::to_owned).unwrap_or_else(|| {
            // No service message: the error's own chain, kept short for the 4 KB response.
            let mut text = aws_sdk_s3::error::DisplayErrorContext(e).to_string();
            if let Some((cut, _)) = text.char_indices().nth(300) {
                text.truncate(cut);
                text.push('…');
            }
            text
        }),
    }
}

fn describe_unresolved(statements: &[String]) -> String {
    if statements.is_empty() {
        return "no statement of the policy names a deleted principal, and ours name account \
                principals only: check that SourceAccountId names an existing AWS account"
            .to_owned();
    }
    format!(
        "the policy holds statements that name principals deleted since they were written (AWS \
         shows them by unique ID and refuses to store them again): {}. They are not ours to \
         change: remove the deleted principal from them (the S3 guide: principals with unique \
         identifiers can safely be removed), then retry the stack operation",
        statements.join(", ")
    )
}

/// The error of a shared document read ([`replication_aws::documents`]) in `step`.
fn read_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    step: &str,
    e: replication_aws::documents::PolicyReadError<E>,
) -> StepError {
    match e {
        replication_aws::documents::PolicyReadError::Aws(e) => aws_error(step, &e),
        replication_aws::documents::PolicyReadError::NotAPolicy(source) => StepError::Policy {
            step: step.to_owned(),
            source,
        },
    }
}

/// The error of writing the policy `written`: an invalid principal becomes
/// [`StepError::InvalidPrincipal`], naming the statements to fix.
fn policy_write_error<E: ProvideErrorMetadata + std::error::Error + 'static>(
    step: &str,
    e: &SdkError<E, HttpResponse>,
    written: &Value,
) -> StepError {
    let invalid_principal = code_is(e, &["MalformedPolicy", "MalformedPolicyDocumentException"])
        && e.message()
            .is_some_and(|m| m.to_ascii_lowercase().contains("principal"));
    match aws_error(step, e) {
        StepError::Aws {
            step,
            code,
            message,
        } if invalid_principal => StepError::InvalidPrincipal {
            step,
            code,
            message,
            statements: policy::unresolved_principals(written),
        },
        other => other,
    }
}

fn code_is<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>, codes: &[&str]) -> bool {
    e.code().is_some_and(|c| codes.contains(&c))
}

/// Retry `op` while AWS rejects a principal or role that is seconds old (IAM and KMS are
/// eventually consistent), with doubling backoff from 500 ms, and never past `deadline`.
pub async fn eventually<T, E, F, Fut>(
    deadline: Instant,
    mut op: F,
) -> Result<T, SdkError<E, HttpResponse>>
where
    E: ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let mut delay = Duration::from_millis(500);
    loop {
        match op().await {
            Err(e) if is_eventual_consistency(&e) && Instant::now() + delay < deadline => {
                tracing::warn!(
                    code = e.code(),
                    message = e.message(),
                    delay_ms = delay.as_millis() as u64,
                    "principal or role not visible yet; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
            other => return other,
        }
    }
}

fn is_eventual_consistency<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    let message = e.message().unwrap_or("").to_ascii_lowercase();
    code_is(e, &["NoSuchEntity"])
        || (code_is(
            e,
            &[
                "MalformedPolicyDocumentException",
                "MalformedPolicyDocument",
                "MalformedPolicy",
                "InvalidArgument",
            ],
        ) && (message.contains("principal") || message.contains("role")))
}

/// AWS operations other than reads that this process has attempted (see [`WriteCounter`]).
static WRITES: AtomicU64 = AtomicU64::new(0);

/// How many AWS operations other than reads this process has attempted so far. The handler
/// compares it before and after a request: a Create that failed without a single write
/// attempt answers the failed-create marker, which CloudFormation's rollback Delete then
/// ignores.
#[must_use]
pub fn writes_attempted() -> u64 {
    WRITES.load(Ordering::Relaxed)
}

/// Whether an operation only reads, by its name: S3, KMS and IAM name every read `Get…`,
/// `List…`, `Describe…` or `Head…`.
#[must_use]
pub fn is_read(operation: &str) -> bool {
    ["Get", "List", "Describe", "Head"]
        .iter()
        .any(|verb| operation.starts_with(verb))
}

/// Counts every attempted operation that is not a read ([`is_read`]) into [`writes_attempted`],
/// before it is sent: a write that then fails may still have happened. An operation whose name
/// cannot be told counts as a write.
#[derive(Debug)]
struct WriteCounter;

impl aws_smithy_runtime_api::client::interceptors::Intercept for WriteCounter {
    fn name(&self) -> &'static str {
        "WriteCounter"
    }

    // Not `read_before_execution`: a client's interceptors run that before the operation's
    // configuration, which holds its name, is applied.
    fn read_before_serialization(
        &self,
        _context: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let operation = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>();
        if !operation.is_some_and(|m| is_read(m.name())) {
            WRITES.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// S3, KMS and IAM clients acting in one account.
#[derive(Debug, Clone)]
pub struct AccountClients {
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    /// Unused on the destination side.
    pub iam: aws_sdk_iam::Client,
}

impl AccountClients {
    /// The same account's clients, addressing `region` ([`replication_aws::regional`]); IAM is
    /// global and kept.
    #[must_use]
    pub fn in_region(&self, region: &str) -> Self {
        Self {
            s3: replication_aws::regional::s3(&self.s3, region),
            kms: replication_aws::regional::kms(&self.kms, region),
            iam: self.iam.clone(),
        }
    }

    /// The KMS client for a key in `region` (a key or alias ARN names one), else this one (a key
    /// id or alias name is resolved in the caller's region).
    pub fn kms_in(&self, region: Option<&replication_core::arn::Region>) -> aws_sdk_kms::Client {
        match region {
            Some(region) => replication_aws::regional::kms(&self.kms, region.as_str()),
            None => self.kms.clone(),
        }
    }

    /// Clients for the account of `config`'s credentials.
    pub fn new(config: &aws_config::SdkConfig, force_path_style: bool) -> Self {
        Self {
            s3: aws_sdk_s3::Client::from_conf(
                lambda_support::s3_config(config, force_path_style)
                    .interceptor(WriteCounter)
                    .build(),
            ),
            kms: aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(config)
                    .interceptor(WriteCounter)
                    .build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(
                aws_sdk_iam::config::Builder::from(config)
                    .interceptor(WriteCounter)
                    .build(),
            ),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod role_scripted_tests;
#[cfg(test)]
pub(crate) mod scripted_tests;
