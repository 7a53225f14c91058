//! The seed steps as AWS calls: one function per step, each reading the current document,
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
use replication_core::arn::{KeyManager, KmsKeyArn, KmsKeyRef, Region};
use replication_core::notification;
use replication_core::plan::{self, ReplicationConfiguration};
use replication_core::policy::{self, SidScope};
use replication_core::properties::{DefaultEncryption, DestinationSpec, ResolvedKey, SourceSpec};
use serde_json::Value;

use replication_aws::convert;

/// The tag our replication role carries, so that Delete removes only a role it created.
pub const MANAGED_TAG: &str = "s3-kms-replication:managed";

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
    /// S3.
    pub s3: aws_sdk_s3::Client,
    /// KMS.
    pub kms: aws_sdk_kms::Client,
    /// IAM (unused on the destination side).
    pub iam: aws_sdk_iam::Client,
}

impl AccountClients {
    /// Clients for the account of `config`'s credentials.
    pub fn new(config: &aws_config::SdkConfig, force_path_style: bool) -> Self {
        Self {
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config)
                    .force_path_style(force_path_style)
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

/// Where a bucket lives (`GetBucketLocation`).
///
/// # Errors
/// When the bucket is missing or not readable.
pub async fn bucket_region(c: &AccountClients, bucket: &str) -> Result<Region, StepError> {
    let step = format!("bucket_region({bucket})");
    let out =
        c.s3.get_bucket_location()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| aws_error(&step, &e))?;
    let name = out
        .location_constraint
        .map(|l| l.as_str().to_owned())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "us-east-1".to_owned());
    // S3's legacy "EU" constraint is eu-west-1.
    let name = if name == "EU" {
        "eu-west-1".to_owned()
    } else {
        name
    };
    Region::parse(&name).map_err(|e| StepError::Invalid {
        step,
        message: e.to_string(),
    })
}

/// Resolve a key reference with `DescribeKey`: its ARN and who manages it.
///
/// # Errors
/// When the key does not exist or cannot be described.
pub async fn describe_key(
    c: &AccountClients,
    key: &KmsKeyRef,
    property: &str,
) -> Result<ResolvedKey, StepError> {
    let step = format!("describe_key({property})");
    let out = c
        .kms
        .describe_key()
        .key_id(key.to_string())
        .send()
        .await
        .map_err(|e| aws_error(&step, &e))?;
    let meta = out.key_metadata.ok_or_else(|| StepError::Invalid {
        step: step.clone(),
        message: "DescribeKey returned no KeyMetadata".into(),
    })?;
    let arn = meta
        .arn
        .as_deref()
        .map(KmsKeyArn::parse)
        .transpose()
        .map_err(|e| StepError::Invalid {
            step: step.clone(),
            message: e.to_string(),
        })?;
    let arn = arn.ok_or_else(|| StepError::Invalid {
        step,
        message: "DescribeKey returned no key ARN".into(),
    })?;
    let manager = meta.key_manager.map(|m| match m {
        aws_sdk_kms::types::KeyManagerType::Aws => KeyManager::Aws,
        _ => KeyManager::Customer,
    });
    let state = meta.key_state.map(|s| s.as_str().to_owned());
    Ok(ResolvedKey {
        arn,
        manager,
        state,
    })
}

/// A bucket's default encryption (`GetBucketEncryption`), `None` when it has none. (Since
/// January 2023 every bucket has at least SSE-S3; a bucket without a configuration answers
/// `ServerSideEncryptionConfigurationNotFoundError`, S3 API Reference, GetBucketEncryption.)
///
/// # Errors
/// When the bucket is missing or its encryption is not readable.
pub async fn bucket_encryption(
    c: &AccountClients,
    bucket: &str,
) -> Result<Option<DefaultEncryption>, StepError> {
    let out = match c.s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => out,
        Err(e) if code_is(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {
            return Ok(None);
        }
        Err(e) => return Err(aws_error(format!("bucket_encryption({bucket})"), &e)),
    };
    Ok(convert::default_encryption(
        out.server_side_encryption_configuration.as_ref(),
    ))
}

/// Step 1: versioning Enabled on `bucket`. Returns whether it already was. Never suspends.
///
/// # Errors
/// When S3 refuses.
pub async fn enable_versioning(c: &AccountClients, bucket: &str) -> Result<bool, StepError> {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let step = format!("enable_versioning({bucket})");
    let current =
        c.s3.get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| aws_error(&step, &e))?;
    if current.status == Some(BucketVersioningStatus::Enabled) {
        return Ok(true);
    }
    c.s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(|e| aws_error(&step, &e))?;
    Ok(false)
}

async fn get_bucket_policy(
    c: &AccountClients,
    bucket: &str,
    step: &str,
) -> Result<Option<Value>, StepError> {
    match c.s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => {
            policy::parse_policy(out.policy.as_deref()).map_err(|source| StepError::Policy {
                step: step.to_owned(),
                source,
            })
        }
        Err(e) if code_is(&e, &["NoSuchBucketPolicy"]) => Ok(None),
        Err(e) => Err(aws_error(step, &e)),
    }
}

/// Step 5: merge our statements into D's bucket policy (created when D has none). Returns the
/// policy as it now is.
///
/// # Errors
/// When S3 refuses, or the merged policy is too large.
pub async fn merge_bucket_policy(
    c: &AccountClients,
    spec: &DestinationSpec,
) -> Result<Value, StepError> {
    let bucket = spec.destination_bucket.as_str();
    let step = format!("merge_bucket_policy({bucket})");
    let current = get_bucket_policy(c, bucket, &step).await?;
    let ours = plan::destination_bucket_policy_statements(spec);
    let merged = policy::merge_bucket_policy(current.as_ref(), &spec.sid_scope(), &ours).map_err(
        |source| StepError::Policy {
            step: step.clone(),
            source,
        },
    )?;
    if current.as_ref() == Some(&merged) {
        return Ok(merged);
    }
    put_bucket_policy(c, bucket, &merged, &step).await?;
    Ok(merged)
}

/// Write `bucket`'s policy. Not retried: see [`StepError::InvalidPrincipal`].
async fn put_bucket_policy(
    c: &AccountClients,
    bucket: &str,
    doc: &Value,
    step: &str,
) -> Result<(), StepError> {
    c.s3.put_bucket_policy()
        .bucket(bucket)
        .policy(policy::to_policy_string(doc))
        .send()
        .await
        .map_err(|e| policy_write_error(step, &e, doc))?;
    Ok(())
}

/// Delete: remove our statements from D's bucket policy (deleting the policy when nothing
/// else is left). A missing bucket or policy is already clean.
///
/// # Errors
/// When S3 refuses.
pub async fn remove_bucket_policy_statements(
    c: &AccountClients,
    bucket: &str,
    scope: &SidScope,
) -> Result<(), StepError> {
    let step = format!("remove_bucket_policy_statements({bucket})");
    let current = match get_bucket_policy(c, bucket, &step).await {
        Err(StepError::Aws { code, .. }) if code == "NoSuchBucket" => return Ok(()),
        other => other?,
    };
    if !policy::contains_ours(current.as_ref(), scope) {
        return Ok(());
    }
    let left = policy::remove_from_bucket_policy(current.as_ref(), scope).map_err(|source| {
        StepError::Policy {
            step: step.clone(),
            source,
        }
    })?;
    match left {
        None => {
            c.s3.delete_bucket_policy()
                .bucket(bucket)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error(&step, &e))
        }
        Some(doc) => put_bucket_policy(c, bucket, &doc, &step).await,
    }
}

async fn get_key_policy(
    c: &AccountClients,
    key: &KmsKeyArn,
    step: &str,
) -> Result<Value, StepError> {
    let out = c
        .kms
        .get_key_policy()
        .key_id(key.to_string())
        .policy_name("default")
        .send()
        .await
        .map_err(|e| aws_error(step, &e))?;
    policy::parse_policy(out.policy.as_deref())
        .map_err(|source| StepError::Policy {
            step: step.to_owned(),
            source,
        })?
        .ok_or_else(|| StepError::Invalid {
            step: step.to_owned(),
            message: "the key has no key policy".into(),
        })
}

/// Steps 3 and 4: merge `ours` into `key`'s policy, refusing to leave the key without an
/// administrator statement for its account.
///
/// # Errors
/// When KMS refuses, or the merge is refused (size, no administrator).
pub async fn merge_key_policy(
    c: &AccountClients,
    key: &KmsKeyArn,
    scope: &SidScope,
    ours: &[Value],
) -> Result<Value, StepError> {
    let step = format!("merge_key_policy({key})");
    let current = get_key_policy(c, key, &step).await?;
    let merged =
        policy::merge_key_policy(&current, key.account(), scope, ours).map_err(|source| {
            StepError::Policy {
                step: step.clone(),
                source,
            }
        })?;
    if merged == current {
        return Ok(merged);
    }
    put_key_policy(c, key, &merged, &step).await?;
    Ok(merged)
}

/// Write `key`'s policy. Not retried: see [`StepError::InvalidPrincipal`].
async fn put_key_policy(
    c: &AccountClients,
    key: &KmsKeyArn,
    doc: &Value,
    step: &str,
) -> Result<(), StepError> {
    c.kms
        .put_key_policy()
        .key_id(key.to_string())
        .policy_name("default")
        .policy(policy::to_policy_string(doc))
        .send()
        .await
        .map_err(|e| policy_write_error(step, &e, doc))?;
    Ok(())
}

/// Delete: remove our statements from `key`'s policy. A missing key is already clean.
///
/// # Errors
/// When KMS refuses, or the removal would leave no administrator.
pub async fn remove_key_policy_statements(
    c: &AccountClients,
    key: &KmsKeyArn,
    scope: &SidScope,
) -> Result<(), StepError> {
    let step = format!("remove_key_policy_statements({key})");
    let current = match get_key_policy(c, key, &step).await {
        Err(StepError::Aws { code, .. }) if code == "NotFoundException" => return Ok(()),
        other => other?,
    };
    if !policy::contains_ours(Some(&current), scope) {
        return Ok(());
    }
    let left =
        policy::remove_from_key_policy(&current, key.account(), scope).map_err(|source| {
            StepError::Policy {
                step: step.clone(),
                source,
            }
        })?;
    put_key_policy(c, key, &left, &step).await
}

/// What [`ensure_replication_role`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleOutcome {
    /// The role's ARN.
    pub arn: String,
    /// Whether the role is ours (created by this project, tagged [`MANAGED_TAG`]).
    pub managed: bool,
    /// Its trust policy as it now is.
    pub trust: Value,
}

/// The role named `name`, if it exists: its ARN carries its path (`/service-role/` for the
/// roles the S3 console creates), which a role ARN built from the name alone would not.
///
/// # Errors
/// When IAM refuses.
pub async fn get_role(
    c: &AccountClients,
    name: &str,
) -> Result<Option<aws_sdk_iam::types::Role>, StepError> {
    match c.iam.get_role().role_name(name).send().await {
        Ok(out) => Ok(out.role),
        Err(e) if code_is(&e, &["NoSuchEntity"]) => Ok(None),
        Err(e) => Err(aws_error(format!("get_role({name})"), &e)),
    }
}

/// Step 2: the replication role with S3's trust and our least-privilege inline policy. A role
/// we did not create keeps its trust policy; only our inline policy is put on it. `existing` is
/// what [`get_role`] found for `spec.role_arn`'s name.
///
/// # Errors
/// When IAM refuses.
pub async fn ensure_replication_role(
    c: &AccountClients,
    spec: &SourceSpec,
    existing: Option<aws_sdk_iam::types::Role>,
    deadline: Instant,
) -> Result<RoleOutcome, StepError> {
    let name = spec.role_arn.name().to_owned();
    let policy_name = plan::role_policy_name(&spec.sid_scope());
    let step = format!("ensure_replication_role({name})");
    let created_now = existing.is_none();
    let (managed, trust) = match existing {
        Some(existing) => {
            let managed = is_managed(&existing);
            let current_trust = existing
                .assume_role_policy_document()
                .map(decode_policy_document)
                .and_then(|t| serde_json::from_str::<Value>(&t).ok());
            let wanted = wanted_trust(spec, current_trust.as_ref());
            if managed && current_trust.as_ref() != Some(&wanted) {
                c.iam
                    .update_assume_role_policy()
                    .role_name(&name)
                    .policy_document(policy::to_policy_string(&wanted))
                    .send()
                    .await
                    .map_err(|e| aws_error(&step, &e))?;
            }
            let trust = if managed {
                wanted
            } else {
                current_trust.unwrap_or(Value::Null)
            };
            (managed, trust)
        }
        None => {
            let trust = wanted_trust(spec, None);
            c.iam
                .create_role()
                .role_name(&name)
                .path(spec.role_arn.path())
                .assume_role_policy_document(policy::to_policy_string(&trust))
                .description(format!(
                    "S3 replication from {} to {} with SSE-KMS (s3-kms-replication)",
                    spec.source_bucket, spec.destination_bucket
                ))
                .tags(
                    aws_sdk_iam::types::Tag::builder()
                        .key(MANAGED_TAG)
                        .value("true")
                        .build()
                        .map_err(|e| StepError::Invalid {
                            step: step.clone(),
                            message: e.to_string(),
                        })?,
                )
                .send()
                .await
                .map_err(|e| aws_error(&step, &e))?;
            (true, trust)
        }
    };
    let wanted = plan::replication_role_policy(spec);
    let current = match c
        .iam
        .get_role_policy()
        .role_name(&name)
        .policy_name(&policy_name)
        .send()
        .await
    {
        Ok(out) => {
            serde_json::from_str::<Value>(&decode_policy_document(&out.policy_document)).ok()
        }
        Err(e) if code_is(&e, &["NoSuchEntity"]) => None,
        Err(e) => return Err(aws_error(&step, &e)),
    };
    if current.as_ref() == Some(&wanted) {
        return Ok(RoleOutcome {
            arn: spec.role_arn.to_string(),
            managed,
            trust,
        });
    }
    let inline = policy::to_policy_string(&wanted);
    // A role we just created holds no other inline policy: nothing to list.
    if !created_now {
        let others = other_inline_policy_sizes(c, &name, &policy_name, &step).await?;
        plan::check_role_inline_budget(&others, plan::iam_policy_size(&inline))?;
    }
    eventually(deadline, || {
        c.iam
            .put_role_policy()
            .role_name(&name)
            .policy_name(&policy_name)
            .policy_document(&inline)
            .send()
    })
    .await
    .map_err(|e| aws_error(&step, &e))?;
    Ok(RoleOutcome {
        arn: spec.role_arn.to_string(),
        managed,
        trust,
    })
}

/// Whether `role` is ours: created by this project, tagged [`MANAGED_TAG`].
#[must_use]
pub fn is_managed(role: &aws_sdk_iam::types::Role) -> bool {
    role.tags().iter().any(|t| t.key() == MANAGED_TAG)
}

/// The trust policy our role should have: S3's, with the confused-deputy conditions when
/// `RoleTrustConditions` asks, admitting every source bucket the `current` policy admits (a
/// role shared by several source buckets) and this one.
fn wanted_trust(spec: &SourceSpec, current: Option<&Value>) -> Value {
    if !spec.role_trust_conditions {
        return plan::replication_role_trust_policy(None);
    }
    let mut arns = current.map(plan::trusted_source_arns).unwrap_or_default();
    arns.push(spec.source_bucket.arn(&spec.partition));
    arns.sort();
    arns.dedup();
    plan::replication_role_trust_policy(Some(&plan::TrustRestriction {
        source_account: spec.source_account.to_string(),
        source_bucket_arns: arns,
    }))
}

/// The sizes (as IAM counts them) of `role`'s inline policies other than `ours`: one
/// `ListRolePolicies` and one `GetRolePolicy` per other policy.
async fn other_inline_policy_sizes(
    c: &AccountClients,
    role: &str,
    ours: &str,
    step: &str,
) -> Result<Vec<usize>, StepError> {
    let names = c
        .iam
        .list_role_policies()
        .role_name(role)
        .send()
        .await
        .map_err(|e| aws_error(step, &e))?
        .policy_names;
    let mut sizes = Vec::new();
    for name in names.iter().filter(|n| n.as_str() != ours) {
        let document = c
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?
            .policy_document;
        sizes.push(plan::iam_policy_size(&decode_policy_document(&document)));
    }
    Ok(sizes)
}

/// IAM returns policy documents URL-encoded.
fn decode_policy_document(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .unwrap_or_else(|_| text.to_owned())
}

/// Delete: remove this pair's inline policy, and the role itself when we created it and no
/// other policy is left on it (another pair out of the same bucket keeps it). A missing role
/// is already clean.
///
/// # Errors
/// When IAM refuses.
pub async fn remove_replication_role(
    c: &AccountClients,
    role_name: &str,
    scope: &SidScope,
) -> Result<(), StepError> {
    let step = format!("remove_replication_role({role_name})");
    let policy_name = plan::role_policy_name(scope);
    let role = match c.iam.get_role().role_name(role_name).send().await {
        Ok(out) => out.role,
        Err(e) if code_is(&e, &["NoSuchEntity"]) => return Ok(()),
        Err(e) => return Err(aws_error(&step, &e)),
    };
    match c
        .iam
        .delete_role_policy()
        .role_name(role_name)
        .policy_name(&policy_name)
        .send()
        .await
    {
        Ok(_) => {}
        Err(e) if code_is(&e, &["NoSuchEntity"]) => {}
        Err(e) => return Err(aws_error(&step, &e)),
    }
    let managed = role.as_ref().is_some_and(is_managed);
    if !managed {
        return Ok(());
    }
    match c.iam.delete_role().role_name(role_name).send().await {
        Ok(_) => Ok(()),
        Err(e) if code_is(&e, &["NoSuchEntity"]) => Ok(()),
        Err(e) if code_is(&e, &["DeleteConflict"]) => {
            tracing::warn!(role = role_name, "role has other policies attached; kept");
            Ok(())
        }
        Err(e) => Err(aws_error(&step, &e)),
    }
}

async fn get_replication(
    c: &AccountClients,
    bucket: &str,
    step: &str,
) -> Result<Option<ReplicationConfiguration>, StepError> {
    match c.s3.get_bucket_replication().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .replication_configuration
            .as_ref()
            .map(convert::from_sdk)),
        Err(e) if code_is(&e, &["ReplicationConfigurationNotFoundError"]) => Ok(None),
        Err(e) => Err(aws_error(step, &e)),
    }
}

/// Step 6: merge our rules into S's replication configuration by Id, keeping every other
/// rule. On Update, `previous` names the old properties' rules: those the new rules do not
/// continue are removed, and a new rule may take an old rule's Id to another bucket.
///
/// # Errors
/// When S3 refuses, or the rules conflict with existing ones (priority, role, Ids).
pub async fn put_replication_rule(
    c: &AccountClients,
    spec: &SourceSpec,
    previous: Option<&plan::RuleOwner<'_>>,
    deadline: Instant,
) -> Result<ReplicationConfiguration, StepError> {
    let bucket = spec.source_bucket.as_str();
    let step = format!("put_replication_rule({bucket})");
    let current = get_replication(c, bucket, &step).await?;
    let mut ours = plan::replication_rules(spec);
    let (base, dropped) = match (&current, previous) {
        (Some(current), Some(previous)) => {
            let (kept, dropped) = plan::previous_rules(current, previous, &ours);
            (Some(kept), dropped)
        }
        _ => (current.clone(), Vec::new()),
    };
    plan::settle_default_priorities(base.as_ref(), &mut ours, &spec.rules, &dropped);
    let merged =
        plan::merge_replication_rules(base.as_ref(), &spec.role_arn.to_string(), &ours, &dropped)?;
    if current.as_ref() == Some(&merged) {
        return Ok(merged);
    }
    let sdk = convert::to_sdk(&merged).map_err(|e| StepError::Invalid {
        step: step.clone(),
        message: e.to_string(),
    })?;
    eventually(deadline, || {
        c.s3.put_bucket_replication()
            .bucket(bucket)
            .replication_configuration(sdk.clone())
            .send()
    })
    .await
    .map_err(|e| aws_error(&step, &e))?;
    Ok(merged)
}

pub use replication_core::canary::CANARY_FOLDER;

/// How a canary object fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanaryOutcome {
    /// Its key in S.
    pub key: String,
    /// `COMPLETED`, `FAILED`, or `PENDING` when still pending at the bound.
    pub status: String,
    /// How long the wait took.
    pub waited: Duration,
}

/// Put a small SSE-KMS object (under KA) at `key` in S, with the first rule's tags so that the
/// rule selects it; its version id.
async fn put_canary(
    c: &AccountClients,
    spec: &SourceSpec,
    key: &str,
    step: &str,
) -> Result<String, StepError> {
    let enc = |t: &str| {
        percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let tagging: Vec<String> = spec
        .rules
        .first()
        .map(|r| {
            r.tags
                .iter()
                .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
                .collect()
        })
        .unwrap_or_default();
    let put =
        c.s3.put_object()
            .bucket(spec.source_bucket.as_str())
            .key(key)
            .body(b"s3-kms-replication canary".to_vec().into())
            .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
            .ssekms_key_id(spec.source_key.to_string())
            .set_tagging((!tagging.is_empty()).then(|| tagging.join("&")))
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?;
    Ok(put.version_id.unwrap_or_default())
}

/// The first rule's prefix ("" without one): where canaries go.
fn canary_prefix(spec: &SourceSpec) -> String {
    spec.rules
        .first()
        .and_then(|r| r.prefix.clone())
        .unwrap_or_default()
}

/// The canary: put a small object in S under `<prefix>.s3-kms-replication-canary/<name>`
/// ([`put_canary`]), wait until `bound` for its replication status, then delete that version.
/// A delete by version id is never replicated ([`replication_core::canary`]), so the replica
/// stays in D for the verifier to see; the rule's `DeleteMarkerReplication` never comes into
/// play, since no delete marker is created.
///
/// # Errors
/// When S3 refuses the write, the wait or the delete.
pub async fn canary(
    c: &AccountClients,
    spec: &SourceSpec,
    name: &str,
    bound: Instant,
) -> Result<CanaryOutcome, StepError> {
    let bucket = spec.source_bucket.as_str();
    let step = format!("canary({bucket})");
    let key = format!("{}{CANARY_FOLDER}{name}", canary_prefix(spec));
    let started = Instant::now();
    let version = put_canary(c, spec, &key, &step).await?;
    let mut delay = Duration::from_millis(200);
    let status = loop {
        let head =
            c.s3.head_object()
                .bucket(bucket)
                .key(&key)
                .version_id(&version)
                .send()
                .await
                .map_err(|e| aws_error(&step, &e))?;
        let status = head
            .replication_status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        if status == "COMPLETED" || status == "FAILED" {
            break status;
        }
        if Instant::now() + delay >= bound {
            break "PENDING".to_owned();
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    };
    let waited = started.elapsed();
    c.s3.delete_object()
        .bucket(bucket)
        .key(&key)
        .version_id(&version)
        .send()
        .await
        .map_err(|e| aws_error(&step, &e))?;
    Ok(CanaryOutcome {
        key,
        status,
        waited,
    })
}

/// What a scheduled run did with the liveness canary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Liveness {
    /// The bucket: S for the source run, D for the destination run.
    pub bucket: String,
    /// The canary's key.
    pub key: String,
    /// The version written (source run only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
    /// The old versions removed.
    pub removed: Vec<String>,
}

/// The source run's liveness canary: one new version of [`replication_core::canary::liveness_key`]
/// in S, then the old versions removed (one `PutObject`, one `ListObjectVersions`, and one
/// `DeleteObject` per old version: normally the previous run's).
///
/// # Errors
/// When S3 refuses the write, the listing or a delete.
pub async fn liveness_canary(c: &AccountClients, spec: &SourceSpec) -> Result<Liveness, StepError> {
    let bucket = spec.source_bucket.as_str();
    let key = replication_core::canary::liveness_key(&canary_prefix(spec));
    let step = format!("liveness canary({bucket})");
    let written = put_canary(c, spec, &key, &step).await?;
    let removed =
        remove_old_versions(c, bucket, &key, replication_core::canary::KEEP_IN_SOURCE).await?;
    Ok(Liveness {
        bucket: bucket.to_owned(),
        key,
        written: Some(written),
        removed,
    })
}

/// Remove the versions of `key` in `bucket` but the `keep` newest
/// ([`replication_core::canary::versions_to_remove`]); the ids removed.
///
/// # Errors
/// When S3 refuses the listing or a delete.
pub async fn remove_old_versions(
    c: &AccountClients,
    bucket: &str,
    key: &str,
    keep: usize,
) -> Result<Vec<String>, StepError> {
    use replication_core::canary::{ObjectVersion, versions_to_remove};
    let step = format!("remove old canary versions({bucket})");
    let page =
        c.s3.list_object_versions()
            .bucket(bucket)
            .prefix(key)
            .send()
            .await
            .map_err(|e| aws_error(&step, &e))?;
    let versions: Vec<ObjectVersion> = page
        .versions()
        .iter()
        .filter_map(|v| {
            Some(ObjectVersion {
                key: v.key.clone()?,
                version_id: v.version_id.clone().unwrap_or_else(|| "null".to_owned()),
                last_modified_ms: v.last_modified.and_then(|t| t.to_millis().ok())?,
            })
        })
        .collect();
    let old = versions_to_remove(key, &versions, keep);
    for version in &old {
        c.s3.delete_object()
            .bucket(bucket)
            .key(key)
            .version_id(version)
            .send()
            .await
            .map_err(|e| aws_error(&step, &e))?;
    }
    Ok(old)
}

/// Delete: remove the rules `owner` owns from S's replication configuration, deleting it when
/// none is left. A missing bucket or configuration is already clean.
///
/// Returns the configuration's role when rules to `owner`'s destination bucket remain: a
/// replacement's new resource (or someone else) still replicates from S to that bucket, through
/// that role, and needs the pair's grants, which the caller must then keep.
///
/// # Errors
/// When S3 refuses.
pub async fn remove_replication_rules(
    c: &AccountClients,
    bucket: &str,
    owner: &plan::RuleOwner<'_>,
) -> Result<Option<String>, StepError> {
    let step = format!("remove_replication_rules({bucket})");
    let current = match get_replication(c, bucket, &step).await {
        Err(StepError::Aws { code, .. }) if code == "NoSuchBucket" => return Ok(None),
        other => other?,
    };
    let Some(current) = current else {
        return Ok(None);
    };
    let left = plan::remove_replication_rules(&current, owner);
    let still_used = left.as_ref().is_some_and(|l| {
        l.rules
            .iter()
            .any(|r| plan::replicates_to(r, owner.destination_bucket))
    });
    let role = still_used.then(|| current.role.clone());
    if !current.rules.iter().any(|r| owner.owns(r)) {
        return Ok(role);
    }
    match left {
        None => {
            c.s3.delete_bucket_replication()
                .bucket(bucket)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error(&step, &e))?
        }
        Some(left) => {
            let sdk = convert::to_sdk(&left).map_err(|e| StepError::Invalid {
                step: step.clone(),
                message: e.to_string(),
            })?;
            c.s3.put_bucket_replication()
                .bucket(bucket)
                .replication_configuration(sdk)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| aws_error(&step, &e))?;
        }
    }
    Ok(role)
}

/// Optional: D's `s3:ObjectCreated:*` notifications to the verifier's queue, in one
/// QueueConfiguration per queue shared by every pair into D ([`notification::plan`]); other
/// notification configurations are kept as read. `queue = None` takes this pair out, and the
/// configuration goes with its last pair.
///
/// # Errors
/// When our configuration would overlap another (S3 refuses that), or S3 refuses (for example
/// when the queue policy does not let S3 send).
pub async fn set_notification(
    c: &AccountClients,
    bucket: &str,
    scope: &SidScope,
    queue: Option<&str>,
) -> Result<(), StepError> {
    match prepare_notification(c, bucket, scope, queue).await? {
        Some(config) => put_notification(c, bucket, config).await,
        None => Ok(()),
    }
}

/// Write what [`prepare_notification`] planned.
///
/// # Errors
/// When S3 refuses (for example when the queue policy does not let S3 send).
pub async fn put_notification(
    c: &AccountClients,
    bucket: &str,
    config: aws_sdk_s3::types::NotificationConfiguration,
) -> Result<(), StepError> {
    c.s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(config)
        .send()
        .await
        .map_err(|e| aws_error(format!("set_notification({bucket})"), &e))?;
    Ok(())
}

/// The read and plan half of [`set_notification`]: D's whole notification configuration as it
/// should be written, or `None` when it already is. Run before any write, so that a conflict
/// fails the request before anything has changed.
///
/// # Errors
/// When our configuration would overlap another, or S3 refuses the read.
pub async fn prepare_notification(
    c: &AccountClients,
    bucket: &str,
    scope: &SidScope,
    queue: Option<&str>,
) -> Result<Option<aws_sdk_s3::types::NotificationConfiguration>, StepError> {
    use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
    let step = format!("set_notification({bucket})");
    let current = match c
        .s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) if queue.is_none() && code_is(&e, &["NoSuchBucket"]) => return Ok(None),
        Err(e) => return Err(aws_error(&step, &e)),
    };
    let (queues, others) = convert::notification_entries(&current);
    let Some(planned) = notification::plan(&queues, &others, scope, queue)? else {
        return Ok(None);
    };
    let mut written = Vec::with_capacity(planned.len());
    for p in planned {
        written.push(match p {
            notification::Planned::Keep(i) => current.queue_configurations()[i].clone(),
            notification::Planned::Ours { id, queue } => QueueConfiguration::builder()
                .id(id)
                .queue_arn(queue)
                .events(Event::from(notification::EVENT))
                .build()
                .map_err(|e| StepError::Invalid {
                    step: step.clone(),
                    message: e.to_string(),
                })?,
        });
    }
    Ok(Some(
        NotificationConfiguration::builder()
            .set_topic_configurations(Some(current.topic_configurations().to_vec()))
            .set_queue_configurations(Some(written))
            .set_lambda_function_configurations(Some(
                current.lambda_function_configurations().to_vec(),
            ))
            .set_event_bridge_configuration(current.event_bridge_configuration().cloned())
            .build(),
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use aws_sdk_iam::error::ErrorMetadata;
    use aws_sdk_iam::operation::get_role::GetRoleError;
    use aws_smithy_types::body::SdkBody;

    use super::*;

    type Result = std::result::Result<&'static str, SdkError<GetRoleError, HttpResponse>>;

    fn failure(code: &str, message: &str) -> SdkError<GetRoleError, HttpResponse> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let status = 400_u16.try_into().unwrap();
        SdkError::service_error(
            GetRoleError::generic(meta),
            HttpResponse::new(status, SdkBody::empty()),
        )
    }

    /// Runs `eventually` over answers given in turn, the last one repeating: `None` succeeds,
    /// `Some((code, message))` fails. Returns the outcome and how many calls were made.
    async fn run(deadline: Duration, answers: &[Option<(&str, &str)>]) -> (Result, u32) {
        let calls = AtomicU32::new(0);
        let outcome = eventually(Instant::now() + deadline, || {
            let n = calls.fetch_add(1, Ordering::Relaxed) as usize;
            let answer = match answers[n.min(answers.len() - 1)] {
                None => Ok("written"),
                Some((code, message)) => Err(failure(code, message)),
            };
            async move { answer }
        })
        .await;
        (outcome, calls.load(Ordering::Relaxed))
    }

    #[tokio::test]
    async fn the_clients_count_attempted_writes_and_not_reads() {
        // Nothing listens on port 9 of loopback: every call fails, after the interceptor.
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:9")
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("a", "b", None, None, "test"),
                ),
            )
            .build();
        let c = AccountClients::new(&config, true);
        let before = writes_attempted();
        let _ = c.s3.get_bucket_policy().bucket("b").send().await;
        let _ = c.kms.describe_key().key_id("k").send().await;
        let _ = c.iam.get_role().role_name("r").send().await;
        assert_eq!(writes_attempted(), before, "reads are not counted");
        let _ =
            c.s3.put_bucket_policy()
                .bucket("b")
                .policy("{}")
                .send()
                .await;
        let _ = c.iam.delete_role().role_name("r").send().await;
        assert!(writes_attempted() >= before + 2, "writes are counted");
    }

    #[test]
    fn reads_are_told_from_writes_by_the_operation_name() {
        for read in [
            "GetBucketPolicy",
            "GetKeyPolicy",
            "ListRolePolicies",
            "DescribeKey",
            "HeadBucket",
            "GetBucketLocation",
        ] {
            assert!(is_read(read), "{read}");
        }
        for write in [
            "PutBucketPolicy",
            "DeleteBucketPolicy",
            "PutKeyPolicy",
            "CreateRole",
            "TagRole",
            "UpdateAssumeRolePolicy",
            "PutBucketReplication",
            "DeleteRole",
            "",
        ] {
            assert!(!is_read(write), "{write}");
        }
    }

    #[test]
    fn just_created_principals_and_roles_are_recognised_and_nothing_else() {
        let yes = [
            ("NoSuchEntity", "The role with name r cannot be found."),
            (
                "MalformedPolicyDocumentException",
                "Policy contains a statement with one or more invalid principals.",
            ),
            ("MalformedPolicy", "Invalid principal in policy"),
            ("InvalidArgument", "Invalid principal in policy"),
            (
                "InvalidArgument",
                "Role arn:aws:iam::1:role/r does not exist or is not assumable",
            ),
        ];
        for (code, message) in yes {
            let e = failure(code, message);
            assert!(is_eventual_consistency(&e), "{code}: {message}");
        }
        let no = [
            ("AccessDenied", "Access Denied"),
            (
                "MalformedPolicyDocumentException",
                "The new key policy will not allow you to update the key policy in the future.",
            ),
            ("InvalidArgument", "Invalid version id specified"),
            ("NoSuchBucket", "The specified bucket does not exist"),
        ];
        for (code, message) in no {
            let e = failure(code, message);
            assert!(!is_eventual_consistency(&e), "{code}: {message}");
        }
    }

    #[tokio::test]
    async fn a_principal_that_becomes_visible_is_retried_until_it_works() {
        let (outcome, calls) = run(
            Duration::from_secs(30),
            &[Some(("NoSuchEntity", "role r cannot be found")), None],
        )
        .await;
        assert_eq!(outcome.unwrap(), "written");
        assert_eq!(calls, 2);
    }

    #[tokio::test]
    async fn other_errors_are_not_retried() {
        let (outcome, calls) = run(
            Duration::from_secs(30),
            &[Some(("AccessDenied", "Access Denied")), None],
        )
        .await;
        assert_eq!(outcome.unwrap_err().code(), Some("AccessDenied"));
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn retries_stop_before_the_deadline_and_return_the_last_error() {
        // The first backoff (500 ms) would end past a 100 ms deadline: no retry at all.
        let (outcome, calls) = run(
            Duration::from_millis(100),
            &[Some(("NoSuchEntity", "role r cannot be found"))],
        )
        .await;
        assert_eq!(outcome.unwrap_err().code(), Some("NoSuchEntity"));
        assert_eq!(calls, 1);
    }
}
