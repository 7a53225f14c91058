//! The adapter: a CloudFormation request in, exactly one response PUT out — on success, on any
//! error, on a panic (caught), and before the Lambda deadline runs out.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use futures_util::FutureExt;
use lambda_runtime::LambdaEvent;
use replication_core::arn::{AccountId, KmsKeyArn, KmsKeyRef, RoleArn};
use replication_core::panic_probe::{PANIC_PROBE_MESSAGE, panic_message};
use replication_core::plan;
use replication_core::policy::SidScope;
use replication_core::properties::{
    DefaultEncryption, DestinationFacts, DestinationProperties, DestinationSpec, ResolvedKey,
    ResourceType, SourceFacts, SourceProperties, UpdateKind,
};
use serde_json::Value;

use crate::checks;
use crate::response::{
    CfnRequest, CfnResponse, HttpResponder, RequestType, ResponseError, ResponseStatus,
};
use crate::scheduled;
use crate::steps::{self, AccountClients, StepError};
use replication_core::doctor::Report;

/// Time kept back from the Lambda deadline to answer CloudFormation.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// The longest a canary is waited for.
const CANARY_WAIT: Duration = Duration::from_secs(60);

/// The pause before a failed canary is tried once more.
const CANARY_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Of the margin, what is left to the function after the answer's last attempt.
const ANSWER_RESERVE: Duration = Duration::from_secs(1);

/// Prefix of the PhysicalResourceId of a Create that failed before it could write anything;
/// Delete of such a resource does nothing.
pub const FAILED_CREATE_PREFIX: &str = "s3-kms-replication:failed-create:";

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
    /// The scheduled check could not run.
    #[error("the scheduled check could not run: {0}")]
    Check(String),
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        let error_type = match e {
            HandlerError::NotARequest(_) => "NotACloudFormationRequest",
            HandlerError::Response(_) => "ResponseNotDelivered",
            HandlerError::Check(_) => "ScheduledCheckFailed",
        };
        lambda_runtime::Diagnostic {
            error_type: error_type.to_owned(),
            error_message: e.to_string(),
        }
    }
}

/// Why a request failed: the Reason CloudFormation shows.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error("{0}")]
    Properties(String),
    #[error(transparent)]
    Step(#[from] StepError),
    #[error("{0}")]
    Other(String),
}

/// What a successful request returns.
#[derive(Debug, Default)]
struct Done {
    physical_id: String,
    data: BTreeMap<String, String>,
}

/// Dependencies built once per cold start.
#[derive(Debug)]
pub struct Setup {
    /// Clients in the function's own account.
    pub home: AccountClients,
    /// The SDK configuration, for clients on assumed-role credentials.
    pub sdk: SdkConfig,
    /// Path-style S3 addressing (local emulators only).
    pub force_path_style: bool,
    /// Sends the answer.
    pub responder: HttpResponder,
}

impl Setup {
    /// Clients in the destination account through `role` (single-stack mode).
    async fn assume(&self, role: &RoleArn) -> Result<AccountClients, Failure> {
        let out = aws_sdk_sts::Client::new(&self.sdk)
            .assume_role()
            .role_arn(role.to_string())
            .role_session_name("s3-kms-replication-setup")
            .send()
            .await
            .map_err(|e| {
                Failure::Other(format!(
                    "DestinationAccessRoleArn: cannot assume {role}: {}",
                    aws_sdk_sts::error::DisplayErrorContext(&e)
                ))
            })?;
        let c = out.credentials.ok_or_else(|| {
            Failure::Other("DestinationAccessRoleArn: AssumeRole returned no credentials".into())
        })?;
        let creds = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "assumed",
        );
        let config = self.sdk.to_builder().credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(creds),
        );
        Ok(AccountClients::new(&config.build(), self.force_path_style))
    }
}

/// Handle one request and answer CloudFormation.
///
/// # Errors
/// When the event is not a custom-resource request or the answer cannot be delivered.
pub async fn handle(event: LambdaEvent<Value>, setup: &Setup) -> Result<Value, HandlerError> {
    if let Some(check) = event.payload.get(scheduled::PAYLOAD_KEY) {
        let account = account_of_function(&event.context.invoked_function_arn);
        return scheduled::run(check, setup, account)
            .await
            .map_err(|e| HandlerError::Check(e.to_string()));
    }
    let request: CfnRequest = serde_json::from_value(event.payload)?;
    let lambda_deadline = deadline_from_epoch_ms(event.context.deadline);
    let deadline = lambda_deadline.checked_sub(DEADLINE_MARGIN);
    let account = account_of_function(&event.context.invoked_function_arn);
    let started = Instant::now();
    let writes_before = steps::writes_attempted();

    // Never polled when no time is left: `guarded` answers without it.
    let work = run(
        &request,
        setup,
        account,
        deadline.unwrap_or_else(Instant::now),
    );
    let outcome = guarded(work, deadline, started).await;

    let response = match outcome {
        Ok(done) => {
            let mut r =
                CfnResponse::for_request(&request, ResponseStatus::Success, None, done.physical_id);
            r.data = done.data;
            r
        }
        Err(failure) => {
            let wrote = steps::writes_attempted() != writes_before;
            let physical = failed_physical_id(&request, wrote);
            CfnResponse::for_request(
                &request,
                ResponseStatus::Failed,
                Some(failure.to_string()),
                physical,
            )
        }
    };
    tracing::info!(
        request_type = ?request.request_type,
        resource_type = %request.resource_type,
        physical_resource_id = %response.physical_resource_id,
        status = ?response.status,
        reason = response.reason.as_deref().unwrap_or(""),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "answering CloudFormation"
    );
    // The answer, retries included, fits in the margin: it is given up 1 s before the Lambda
    // deadline, so the function still reports to Lambda itself.
    let answer_by = lambda_deadline
        .checked_sub(ANSWER_RESERVE)
        .unwrap_or_else(Instant::now);
    setup
        .responder
        .send(&request.response_url, &response, answer_by.into())
        .await?;
    Ok(serde_json::json!({
        "Status": response.status,
        "Reason": response.reason,
        "PhysicalResourceId": response.physical_resource_id,
        "Data": response.data,
    }))
}

/// Runs `work` so that it always ends in an outcome to answer with: its own, a FAILED "timed
/// out" once `deadline` (the Lambda deadline less [`DEADLINE_MARGIN`]) passes, or a FAILED
/// "internal error (panic)" when it panics. `None` means no time is left at all.
async fn guarded(
    work: impl Future<Output = Result<Done, Failure>>,
    deadline: Option<Instant>,
    started: Instant,
) -> Result<Done, Failure> {
    let Some(deadline) = deadline else {
        return Err(Failure::Other(
            "timed out: no time left before the Lambda deadline".into(),
        ));
    };
    match tokio::time::timeout_at(deadline.into(), AssertUnwindSafe(work).catch_unwind()).await {
        Err(_) => Err(Failure::Other(format!(
            "timed out after {} s, {} s before the Lambda deadline; the work is idempotent, so retrying the stack operation is safe",
            started.elapsed().as_secs(),
            DEADLINE_MARGIN.as_secs()
        ))),
        Ok(Err(panic)) => {
            let message = panic_message(panic.as_ref());
            Err(Failure::Other(format!("internal error (panic): {message}")))
        }
        Ok(Ok(result)) => result,
    }
}

/// Panics inside [`guarded`], the guard that serves every request, and returns the Reason
/// CloudFormation would be sent. A binary built with `panic = "abort"` (cargo-lambda's release
/// default) dies here instead of answering (see [`replication_core::panic_probe`]).
pub async fn panic_probe() -> String {
    let deadline = Some(Instant::now() + Duration::from_secs(60));
    let work = async {
        if deadline.is_some() {
            panic!("{PANIC_PROBE_MESSAGE}");
        }
        Ok(Done::default())
    };
    match guarded(work, deadline, Instant::now()).await {
        Err(failure) => failure.to_string(),
        Ok(_) => "the probe did not panic".to_owned(),
    }
}

fn deadline_from_epoch_ms(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

/// The account from `arn:aws:lambda:<region>:<account>:function:<name>`.
fn account_of_function(arn: &str) -> Option<AccountId> {
    arn.split(':').nth(4).and_then(|a| AccountId::parse(a).ok())
}

/// The PhysicalResourceId of a failed request. An Update or Delete keeps its id. A Create
/// that failed before any write was attempted (`wrote` false), or whose properties cannot be
/// parsed, gets a marker that Delete ignores: CloudFormation's rollback Delete then touches
/// nothing, not even documents of the same names that someone else owns. A Create that failed
/// after a write gets the id its properties name, so that its rollback Delete, and nothing
/// else, cleans up what it wrote.
fn failed_physical_id(request: &CfnRequest, wrote: bool) -> String {
    if let Some(id) = &request.physical_resource_id {
        return id.clone();
    }
    if !wrote {
        return format!("{FAILED_CREATE_PREFIX}{}", request.request_id);
    }
    let props = &request.resource_properties;
    match ResourceType::parse(&request.resource_type) {
        Ok(ResourceType::Destination) => DestinationProperties::parse(props)
            .ok()
            .map(|p| p.physical_resource_id()),
        Ok(ResourceType::Source) => SourceProperties::parse(props)
            .ok()
            .map(|p| p.physical_resource_id()),
        Err(_) => None,
    }
    .unwrap_or_else(|| format!("{FAILED_CREATE_PREFIX}{}", request.request_id))
}

async fn run(
    request: &CfnRequest,
    setup: &Setup,
    account: Option<AccountId>,
    deadline: Instant,
) -> Result<Done, Failure> {
    let physical = request.physical_resource_id.clone().unwrap_or_default();
    if request.request_type == RequestType::Delete && physical.starts_with(FAILED_CREATE_PREFIX) {
        return Ok(Done {
            physical_id: physical,
            ..Done::default()
        });
    }
    let resource_type =
        ResourceType::parse(&request.resource_type).map_err(|e| Failure::Other(e.to_string()))?;
    if request.request_type == RequestType::Delete {
        match resource_type {
            ResourceType::Destination => delete_destination(request, setup).await?,
            ResourceType::Source => delete_source(request, setup, account).await?,
        }
        return Ok(Done {
            physical_id: physical,
            ..Done::default()
        });
    }
    let account = account
        .ok_or_else(|| Failure::Other("cannot tell this function's account from its ARN".into()))?;
    match resource_type {
        ResourceType::Destination => apply_destination_request(request, setup, account).await,
        ResourceType::Source => apply_source_request(request, setup, account, deadline).await,
    }
}

fn properties_error(e: impl std::fmt::Display) -> Failure {
    Failure::Properties(e.to_string())
}

// ---------------------------------------------------------------------------------------
// Custom::ReplicationDestination
// ---------------------------------------------------------------------------------------

/// What the destination side looks up before validation.
pub(crate) async fn destination_facts(
    c: &AccountClients,
    props: &DestinationProperties,
    account: AccountId,
) -> Result<DestinationFacts, Failure> {
    let bucket = props.destination_bucket.as_str();
    Ok(DestinationFacts {
        account_id: account,
        destination_bucket_region: steps::bucket_region(c, bucket).await?,
        destination_key: steps::describe_key(c, &props.destination_kms_key, "DestinationKmsKeyArn")
            .await?,
        destination_encryption: steps::bucket_encryption(c, bucket).await?,
    })
}

async fn apply_destination_request(
    request: &CfnRequest,
    setup: &Setup,
    account: AccountId,
) -> Result<Done, Failure> {
    let props =
        DestinationProperties::parse(&request.resource_properties).map_err(properties_error)?;
    let old = request
        .old_resource_properties
        .as_ref()
        .and_then(|o| DestinationProperties::parse(o).ok());
    let c = &setup.home;
    let facts = destination_facts(c, &props, account).await?;
    let spec = props.validate(&facts).map_err(properties_error)?;
    // A queue dropped by an in-place Update: remove our notification. (A replacement's old
    // resource is deleted by CloudFormation, which removes it there.)
    if let Some(old) = &old
        && old.notification_queue_arn.is_some()
        && spec.notification_queue.is_none()
        && !matches!(props.update_kind(old), UpdateKind::Replacement { .. })
    {
        steps::set_notification(c, spec.destination_bucket.as_str(), &spec.sid_scope(), None)
            .await?;
    }
    let (versioning_was_enabled, written) = apply_destination(
        c,
        &spec,
        facts.destination_key.state.clone(),
        facts.destination_encryption.clone(),
    )
    .await?;
    deploy_time_check(props.deploy_time_checks, || {
        checks::destination(&spec, &written)
    })?;
    // An in-place move to another KB: our statement leaves the old key (compared by ARN).
    if let Some(old) = &old
        && !matches!(props.update_kind(old), UpdateKind::Replacement { .. })
        && let Some(key) =
            key_for_delete(c, &old.destination_kms_key, "DestinationKmsKeyArn").await?
        && key != spec.destination_key
    {
        steps::remove_key_policy_statements(c, &key, &spec.sid_scope()).await?;
    }
    let mut data = destination_data(&spec);
    data.insert(
        "DestinationVersioningWasEnabled".into(),
        versioning_was_enabled.to_string(),
    );
    data.extend(encryption_data(
        "Destination",
        facts.destination_encryption.as_ref(),
    ));
    Ok(Done {
        physical_id: props.physical_resource_id(),
        data,
    })
}

/// Steps 1, 4, 5 (and the optional notification) in the destination account. Returns whether
/// versioning was already enabled, and the documents as written (for the deploy-time check).
async fn apply_destination(
    c: &AccountClients,
    spec: &DestinationSpec,
    key_state: Option<String>,
    encryption: Option<DefaultEncryption>,
) -> Result<(bool, checks::DestinationWritten), Failure> {
    let bucket = spec.destination_bucket.as_str();
    // Planned before any write: a notification that S3 would refuse as overlapping fails the
    // request before anything has changed.
    let notification = match &spec.notification_queue {
        Some(queue) => {
            let queue = queue.to_string();
            steps::prepare_notification(c, bucket, &spec.sid_scope(), Some(&queue)).await?
        }
        None => None,
    };
    let was_enabled = steps::enable_versioning(c, bucket).await?;
    let bucket_policy = steps::merge_bucket_policy(c, spec).await?;
    let key_policy = steps::merge_key_policy(
        c,
        &spec.destination_key,
        &spec.sid_scope(),
        &plan::destination_key_policy_statements(spec),
    )
    .await?;
    if let Some(config) = notification {
        steps::put_notification(c, bucket, config).await?;
    }
    let written = checks::DestinationWritten {
        bucket_policy,
        key_policy,
        key_state,
        encryption,
    };
    Ok((was_enabled, written))
}

/// Fails with the findings when the deploy-time check (on, unless `DeployTimeChecks` is false)
/// finds anything.
fn deploy_time_check(enabled: bool, report: impl FnOnce() -> Report) -> Result<(), Failure> {
    if !enabled {
        return Ok(());
    }
    let report = report();
    tracing::info!(
        findings = report.findings.len(),
        checks = report.checks.len(),
        "deploy-time check"
    );
    match checks::failure(&report, 3000) {
        Some(reason) => Err(Failure::Other(reason)),
        None => Ok(()),
    }
}

fn destination_data(spec: &DestinationSpec) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "DestinationBucketArn".into(),
            spec.destination_bucket.arn(&spec.partition),
        ),
        (
            "DestinationKmsKeyArn".into(),
            spec.destination_key.to_string(),
        ),
        ("ReplicationRoleArn".into(), spec.role_arn.to_string()),
        ("SidPrefix".into(), spec.sid_scope().to_string()),
    ])
}

/// A bucket's default encryption as `Data`: `<side>DefaultEncryption` (`aws:kms`, `AES256`, …,
/// or `none`), `<side>DefaultKmsKeyId` (empty without one) and `<side>BucketKeyEnabled`.
fn encryption_data(side: &str, encryption: Option<&DefaultEncryption>) -> [(String, String); 3] {
    [
        (
            format!("{side}DefaultEncryption"),
            encryption.map_or_else(|| "none".to_owned(), |e| e.algorithm.clone()),
        ),
        (
            format!("{side}DefaultKmsKeyId"),
            encryption
                .and_then(|e| e.kms_key_id.clone())
                .unwrap_or_default(),
        ),
        (
            format!("{side}BucketKeyEnabled"),
            encryption.is_some_and(|e| e.bucket_key_enabled).to_string(),
        ),
    ]
}

/// Resolve a key reference for Delete: an ARN as is, anything else with DescribeKey; a key
/// that is gone is `None` (nothing to clean).
async fn key_for_delete(
    c: &AccountClients,
    key: &KmsKeyRef,
    property: &str,
) -> Result<Option<KmsKeyArn>, Failure> {
    if let Some(arn) = key.as_key_arn() {
        return Ok(Some(arn.clone()));
    }
    match steps::describe_key(c, key, property).await {
        Ok(k) => Ok(Some(k.arn)),
        Err(StepError::Aws { code, .. }) if code == "NotFoundException" => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn delete_destination(request: &CfnRequest, setup: &Setup) -> Result<(), Failure> {
    let Ok(props) = DestinationProperties::parse(&request.resource_properties) else {
        tracing::warn!(
            "Delete with unparseable properties: nothing of ours can be named, nothing removed"
        );
        return Ok(());
    };
    let scope = SidScope::for_replication(
        &props.source_account_id,
        &props.source_bucket,
        &props.destination_bucket,
    );
    remove_destination(
        &setup.home,
        &props.destination_bucket.to_string(),
        &props.destination_kms_key,
        &scope,
    )
    .await
}

async fn remove_destination(
    c: &AccountClients,
    bucket: &str,
    key: &KmsKeyRef,
    scope: &SidScope,
) -> Result<(), Failure> {
    steps::remove_bucket_policy_statements(c, bucket, scope).await?;
    if let Some(key) = key_for_delete(c, key, "DestinationKmsKeyArn").await? {
        steps::remove_key_policy_statements(c, &key, scope).await?;
    }
    steps::set_notification(c, bucket, scope, None).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Custom::ReplicationSource
// ---------------------------------------------------------------------------------------

/// The source side, looked up and validated: what Create, Update and the scheduled check share.
pub(crate) struct Prepared {
    pub(crate) facts: SourceFacts,
    pub(crate) spec: replication_core::properties::SourceSpec,
    pub(crate) existing_role: Option<aws_sdk_iam::types::Role>,
    /// Clients in B (single-stack mode).
    pub(crate) remote: Option<AccountClients>,
}

pub(crate) async fn prepare_source(
    props: &SourceProperties,
    setup: &Setup,
    account: AccountId,
) -> Result<Prepared, Failure> {
    let c = &setup.home;
    let remote = match &props.destination_access_role_arn {
        Some(role) => Some(setup.assume(role).await?),
        None => None,
    };
    let (destination_key, destination_bucket_region, destination_encryption) = match &remote {
        Some(b) => (
            steps::describe_key(b, &props.destination_kms_key, "DestinationKmsKeyArn").await?,
            Some(steps::bucket_region(b, props.destination_bucket.as_str()).await?),
            steps::bucket_encryption(b, props.destination_bucket.as_str()).await?,
        ),
        None => match props.destination_kms_key.as_key_arn() {
            Some(arn) => (ResolvedKey::from_arn(arn.clone()), None, None),
            None => {
                return Err(Failure::Properties(
                    "DestinationKmsKeyArn: a key id or alias cannot be resolved from the source account; give the key ARN or set DestinationAccessRoleArn".into(),
                ));
            }
        },
    };
    let facts = SourceFacts {
        account_id: account,
        source_bucket_region: steps::bucket_region(c, props.source_bucket.as_str()).await?,
        source_key: steps::describe_key(c, &props.source_kms_key, "SourceKmsKeyArn").await?,
        destination_key,
        destination_bucket_region,
        source_encryption: steps::bucket_encryption(c, props.source_bucket.as_str()).await?,
        destination_encryption,
    };
    let mut spec = props.validate(&facts).map_err(properties_error)?;
    // An existing role keeps its path: every document names it by the ARN IAM gives it (a role
    // ARN is arn:aws:iam::<account>:role/<path><name>, IAM User Guide, "IAM identifiers"), not
    // by one built from the name, which S3, KMS and aws:PrincipalArn would not match.
    let existing_role = steps::get_role(c, spec.role_arn.name()).await?;
    if let Some(arn) = existing_role.as_ref().map(|r| r.arn())
        && arn != spec.role_arn.to_string()
    {
        spec.role_arn = RoleArn::parse(arn)
            .map_err(|e| Failure::Other(format!("RoleName: IAM returned an unusable ARN: {e}")))?;
    }

    Ok(Prepared {
        facts,
        spec,
        existing_role,
        remote,
    })
}

async fn apply_source_request(
    request: &CfnRequest,
    setup: &Setup,
    account: AccountId,
    deadline: Instant,
) -> Result<Done, Failure> {
    let props = SourceProperties::parse(&request.resource_properties).map_err(properties_error)?;
    let old = request
        .old_resource_properties
        .as_ref()
        .and_then(|o| SourceProperties::parse(o).ok());
    let c = &setup.home;
    let Prepared {
        facts,
        spec,
        existing_role,
        remote,
    } = prepare_source(&props, setup, account).await?;

    // Refused before any write: a role this project did not create keeps its owner's trust.
    if spec.role_trust_conditions
        && let Some(role) = existing_role.as_ref().filter(|r| !steps::is_managed(r))
    {
        return Err(Failure::Properties(format!(
            "RoleTrustConditions: the role {} was not created by s3-kms-replication, so its trust \
             policy is its owner's to change; add the aws:SourceAccount and aws:SourceArn \
             conditions there, or remove RoleTrustConditions",
            role.arn()
        )));
    }
    let destination_written = match &remote {
        Some(b) => Some(
            apply_destination(
                b,
                &spec.destination_spec(),
                facts.destination_key.state.clone(),
                facts.destination_encryption.clone(),
            )
            .await?
            .1,
        ),
        None => None,
    };
    let versioning_was_enabled = steps::enable_versioning(c, spec.source_bucket.as_str()).await?;
    let role = steps::ensure_replication_role(c, &spec, existing_role, deadline).await?;
    let source_key_policy = steps::merge_key_policy(
        c,
        &spec.source_key,
        &spec.sid_scope(),
        &plan::source_key_policy_statements(&spec),
    )
    .await?;
    let new_ids = spec.rule_ids();
    // The old properties' rules, when they are on this S: an Update replaces them.
    let old_ids: Vec<String> = old
        .as_ref()
        .map(|o| o.rules.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    let old_account = old.as_ref().map(|o| o.destination_account_id.to_string());
    let previous = old
        .as_ref()
        .zip(old_account.as_deref())
        .filter(|(o, _)| o.source_bucket == spec.source_bucket)
        .map(|(o, account)| plan::RuleOwner {
            ids: &old_ids,
            destination_bucket: o.destination_bucket.as_str(),
            destination_account: account,
        });
    let replication = steps::put_replication_rule(c, &spec, previous.as_ref(), deadline).await?;
    if let Some(old) = &old {
        release_old_source_grants(c, remote.as_ref(), old, &spec).await?;
    }
    let written = checks::SourceWritten {
        replication,
        role_arn: role.arn.clone(),
        trust: role.trust.clone(),
        key_policy: source_key_policy,
        key_state: facts.source_key.state.clone(),
        encryption: facts.source_encryption.clone(),
    };
    deploy_time_check(props.deploy_time_checks, || {
        checks::source(&spec, &written, destination_written.as_ref())
    })?;
    let canary = if props.canary {
        // Bounded: a minute at most, and never into the answer's margin.
        let bound = deadline.min(Instant::now() + CANARY_WAIT);
        let mut outcome = steps::canary(c, &spec, &request.request_id, bound).await?;
        // A role or grant seconds old may not be visible to S3 yet (IAM is eventually
        // consistent), and S3 never retries a failed object: one more canary, if time allows.
        if outcome.status == "FAILED" && Instant::now() + CANARY_RETRY_AFTER < bound {
            tokio::time::sleep(CANARY_RETRY_AFTER).await;
            let name = format!("{}-retry", request.request_id);
            outcome = steps::canary(c, &spec, &name, bound).await?;
        }
        if outcome.status == "FAILED" {
            return Err(Failure::Other(format!(
                "Canary: the canary object {} was not replicated (FAILED after {} ms). What this \
                 account can see passed the deploy-time check, so look at the destination side \
                 (D's bucket policy, KB's key policy and state): run replication-doctor with both \
                 accounts' credentials, or read the verifier's 'replication failed' line for the \
                 failureReason",
                outcome.key,
                outcome.waited.as_millis()
            )));
        }
        Some(outcome)
    } else {
        None
    };

    let mut data = BTreeMap::from([
        ("RoleArn".into(), role.arn),
        ("RoleName".into(), spec.role_arn.name().to_owned()),
        ("RoleCreatedByThisResource".into(), role.managed.to_string()),
        ("RuleIds".into(), new_ids.join(",")),
        (
            "SourceBucketArn".into(),
            spec.source_bucket.arn(&spec.partition),
        ),
        (
            "DestinationBucketArn".into(),
            spec.destination_bucket.arn(&spec.partition),
        ),
        ("SourceKmsKeyArn".into(), spec.source_key.to_string()),
        (
            "DestinationKmsKeyArn".into(),
            spec.destination_key.to_string(),
        ),
        (
            "SourceVersioningWasEnabled".into(),
            versioning_was_enabled.to_string(),
        ),
        ("SidPrefix".into(), spec.sid_scope().to_string()),
        (
            "RolePolicyName".into(),
            plan::role_policy_name(&spec.sid_scope()),
        ),
    ]);
    data.extend(encryption_data("Source", facts.source_encryption.as_ref()));
    if let Some(canary) = canary {
        data.insert("CanaryStatus".into(), canary.status.clone());
        data.insert("CanaryKey".into(), canary.key.clone());
        if canary.status == "PENDING" {
            data.insert(
                "CanaryNote".into(),
                format!(
                    "still pending after {} s; S3 replication without RTC promises no time",
                    canary.waited.as_secs()
                ),
            );
        }
    }
    if remote.is_some() {
        data.extend(encryption_data(
            "Destination",
            facts.destination_encryption.as_ref(),
        ));
    }
    Ok(Done {
        physical_id: props.physical_resource_id(),
        data,
    })
}

/// After an Update of one pair (the same Sid scope), our grants leave the key and the role
/// that the old properties named and the new ones do not (issue 8, defect 4). Keys are compared
/// by ARN, so an alias of the same key is not "another key".
async fn release_old_source_grants(
    c: &AccountClients,
    remote: Option<&AccountClients>,
    old: &SourceProperties,
    spec: &replication_core::properties::SourceSpec,
) -> Result<(), Failure> {
    let scope = spec.sid_scope();
    let old_scope = SidScope::for_replication(
        &spec.source_account,
        &old.source_bucket,
        &old.destination_bucket,
    );
    if old_scope != scope {
        return Ok(()); // a replacement: CloudFormation's Delete of the old resource cleans up
    }
    if let Some(key) = key_for_delete(c, &old.source_kms_key, "SourceKmsKeyArn").await?
        && key != spec.source_key
    {
        steps::remove_key_policy_statements(c, &key, &scope).await?;
    }
    let old_role = old.effective_role_name();
    if old_role != spec.role_arn.name() {
        steps::remove_replication_role(c, &old_role, &scope).await?;
    }
    if let Some(b) = remote
        && let Some(key) =
            key_for_delete(b, &old.destination_kms_key, "DestinationKmsKeyArn").await?
        && key != spec.destination_key
    {
        steps::remove_key_policy_statements(b, &key, &scope).await?;
    }
    Ok(())
}

async fn delete_source(
    request: &CfnRequest,
    setup: &Setup,
    account: Option<AccountId>,
) -> Result<(), Failure> {
    let Ok(props) = SourceProperties::parse(&request.resource_properties) else {
        tracing::warn!(
            "Delete with unparseable properties: nothing of ours can be named, nothing removed"
        );
        return Ok(());
    };
    let c = &setup.home;
    let rule_ids: Vec<String> = props.rules.iter().map(|r| r.id.clone()).collect();
    let owner = plan::RuleOwner {
        ids: &rule_ids,
        destination_bucket: props.destination_bucket.as_str(),
        destination_account: props.destination_account_id.as_str(),
    };
    let still_used_by =
        steps::remove_replication_rules(c, props.source_bucket.as_str(), &owner).await?;
    let account = account
        .ok_or_else(|| Failure::Other("cannot tell this function's account from its ARN".into()))?;
    let scope =
        SidScope::for_replication(&account, &props.source_bucket, &props.destination_bucket);
    // Rules from S to D remain: a replacement's new resource (same Sid scope, such as a change
    // of DestinationAccountId alone) or someone else still replicates through the scope's
    // grants. They stay; only a role that the configuration no longer uses loses our policy.
    if let Some(role) = still_used_by {
        let old_role = props.effective_role_name();
        tracing::info!(
            rules_to = %props.destination_bucket,
            role = %role,
            "rules to the destination remain; the pair's grants are kept"
        );
        if role.rsplit('/').next() != Some(old_role.as_str()) {
            steps::remove_replication_role(c, &old_role, &scope).await?;
        }
        return Ok(());
    }
    if let Some(key) = key_for_delete(c, &props.source_kms_key, "SourceKmsKeyArn").await? {
        steps::remove_key_policy_statements(c, &key, &scope).await?;
    }
    steps::remove_replication_role(c, &props.effective_role_name(), &scope).await?;
    if let Some(role) = &props.destination_access_role_arn {
        let b = setup.assume(role).await?;
        remove_destination(
            &b,
            props.destination_bucket.as_str(),
            &props.destination_kms_key,
            &scope,
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(text: &str) -> CfnRequest {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_cfn_fixture_parses_with_the_functions_own_property_parsers() {
        let fixtures = [
            include_str!("../../../events/cfn-destination-create.json"),
            include_str!("../../../events/cfn-destination-update.json"),
            include_str!("../../../events/cfn-destination-delete.json"),
            include_str!("../../../events/cfn-source-create.json"),
            include_str!("../../../events/cfn-source-update.json"),
            include_str!("../../../events/cfn-source-delete.json"),
        ];
        for text in fixtures {
            let r = fixture(text);
            let props = [
                Some(&r.resource_properties),
                r.old_resource_properties.as_ref(),
            ];
            for p in props.into_iter().flatten() {
                match ResourceType::parse(&r.resource_type).unwrap() {
                    ResourceType::Destination => {
                        let parsed = DestinationProperties::parse(p).unwrap();
                        assert_eq!(
                            r.physical_resource_id
                                .clone()
                                .unwrap_or_else(|| parsed.physical_resource_id()),
                            parsed.physical_resource_id()
                        );
                    }
                    ResourceType::Source => {
                        let parsed = SourceProperties::parse(p).unwrap();
                        assert_eq!(
                            r.physical_resource_id
                                .clone()
                                .unwrap_or_else(|| parsed.physical_resource_id()),
                            parsed.physical_resource_id()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn failed_create_with_unparseable_properties_gets_a_marker_that_delete_ignores() {
        let mut r = fixture(include_str!("../../../events/cfn-destination-create.json"));
        r.resource_properties = serde_json::json!({"DestinationBucket": 5});
        assert!(failed_physical_id(&r, true).starts_with(FAILED_CREATE_PREFIX));
        let r = fixture(include_str!("../../../events/cfn-destination-create.json"));
        assert!(
            failed_physical_id(&r, false).starts_with(FAILED_CREATE_PREFIX),
            "no write attempted"
        );
        assert_eq!(
            failed_physical_id(&r, true),
            "s3-kms-replication:destination:111111111111:example-source-bucket:example-destination-bucket"
        );
    }

    #[test]
    fn the_account_comes_from_the_function_arn() {
        let a = account_of_function("arn:aws:lambda:us-east-1:222222222222:function:setup");
        assert_eq!(a.map(|a| a.to_string()), Some("222222222222".to_owned()));
        assert_eq!(account_of_function("not-an-arn"), None);
    }

    #[tokio::test]
    async fn a_panic_in_the_work_becomes_a_failed_answer_that_says_so() {
        let deadline = Some(Instant::now() + Duration::from_secs(60));
        let work = async {
            if deadline.is_some() {
                panic!("boom in step 4");
            }
            Ok(Done::default())
        };
        let failure = guarded(work, deadline, Instant::now()).await.unwrap_err();
        assert_eq!(
            failure.to_string(),
            "internal error (panic): boom in step 4"
        );
        let formatted = async {
            if deadline.is_some() {
                panic!("bucket {} vanished", "d");
            }
            Ok(Done::default())
        };
        let failure = guarded(formatted, deadline, Instant::now())
            .await
            .unwrap_err();
        assert_eq!(
            failure.to_string(),
            "internal error (panic): bucket d vanished"
        );
    }

    #[tokio::test]
    async fn the_panic_probe_answers_through_the_guard() {
        assert_eq!(panic_probe().await, "internal error (panic): panic probe");
    }

    #[tokio::test]
    async fn work_past_the_deadline_or_without_time_is_answered_timed_out() {
        let soon = Some(Instant::now() + Duration::from_millis(20));
        let failure = guarded(std::future::pending(), soon, Instant::now())
            .await
            .unwrap_err();
        let reason = failure.to_string();
        assert!(reason.starts_with("timed out after "), "{reason}");
        assert!(
            reason.contains(" s, 10 s before the Lambda deadline"),
            "{reason}"
        );
        let failure = guarded(std::future::pending(), None, Instant::now())
            .await
            .unwrap_err();
        assert!(failure.to_string().contains("no time left"));
    }

    #[tokio::test]
    async fn work_that_finishes_in_time_keeps_its_own_outcome() {
        let deadline = Some(Instant::now() + Duration::from_secs(60));
        let done = guarded(async { Ok(Done::default()) }, deadline, Instant::now()).await;
        assert!(done.is_ok());
        let failed = guarded(
            async { Err(Failure::Other("DestinationBucket: no such bucket".into())) },
            deadline,
            Instant::now(),
        )
        .await;
        assert_eq!(
            failed.unwrap_err().to_string(),
            "DestinationBucket: no such bucket"
        );
    }
}
