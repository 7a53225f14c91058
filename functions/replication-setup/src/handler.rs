//! The adapter: a CloudFormation request in, exactly one response PUT out — on success, on any
//! error, on a panic (caught), and before the Lambda deadline runs out.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use lambda_runtime::LambdaEvent;
use replication_core::arn::AccountId;
use replication_core::panic_probe::{PANIC_PROBE_MESSAGE, panic_message};
use serde_json::Value;

use crate::context::{Done, Failure, Setup};
use crate::destination::{apply_destination_request, delete_destination};
use crate::request::{Invocation, Resource, ResourceRequest};
use crate::response::{CfnResponse, RequestType, ResponseError, ResponseStatus};
use crate::scheduled;
use crate::source::{apply_source_request, delete_source};
use crate::steps;

/// Time kept back from the Lambda deadline to answer CloudFormation.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

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

/// Handle one request and answer CloudFormation.
///
/// # Errors
/// When the event is not a custom-resource request or the answer cannot be delivered.
pub async fn handle(event: LambdaEvent<Value>, setup: &Setup) -> Result<Value, HandlerError> {
    let request = match Invocation::parse(event.payload)? {
        Invocation::Scheduled(check) => {
            let account = own_account(setup, &event.context.invoked_function_arn).await;
            return scheduled::run(*check, setup, account)
                .await
                .map_err(|e| HandlerError::Check(e.to_string()));
        }
        Invocation::Resource(request) => *request,
    };
    let lambda_deadline = deadline_from_epoch_ms(event.context.deadline);
    let deadline = lambda_deadline.checked_sub(DEADLINE_MARGIN);
    let account = own_account(setup, &event.context.invoked_function_arn).await;
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
            let mut r = CfnResponse::for_request(
                &request.cfn,
                ResponseStatus::Success,
                None,
                done.physical_id,
            );
            r.data = done.data;
            r
        }
        Err(failure) => {
            let wrote = steps::writes_attempted() != writes_before;
            let physical = failed_physical_id(&request, wrote);
            CfnResponse::for_request(
                &request.cfn,
                ResponseStatus::Failed,
                Some(failure.to_string()),
                physical,
            )
        }
    };
    tracing::info!(
        request_type = ?request.cfn.request_type,
        resource_type = %request.cfn.resource_type,
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
        .send(&request.cfn.response_url, &response, answer_by.into())
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
        return Err(Failure::NoTimeLeft);
    };
    match tokio::time::timeout_at(deadline.into(), AssertUnwindSafe(work).catch_unwind()).await {
        Err(_) => Err(Failure::TimedOut {
            elapsed_s: started.elapsed().as_secs(),
            margin_s: DEADLINE_MARGIN.as_secs(),
        }),
        Ok(Err(panic)) => {
            let message = panic_message(panic.as_ref());
            Err(Failure::Panic(message))
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

/// The budget given when the runtime's deadline is not a time: a local run.
pub(crate) const LOCAL_BUDGET: Duration = Duration::from_secs(300);

/// Deadlines before this (2001-01-01, epoch ms) cannot be Lambda's.
const EARLIEST_REAL_DEADLINE_MS: u64 = 978_307_200_000;

/// The Lambda deadline as an `Instant`. Lambda gives it in `Lambda-Runtime-Deadline-Ms` as
/// "the date that the function times out in Unix time milliseconds" (Lambda Developer Guide,
/// "Using the Lambda runtime API for custom runtimes", Next invocation). `cargo lambda watch`
/// sends the constant `600000` instead (cargo-lambda 1.9.2,
/// `crates/cargo-lambda-watch/src/runtime/functions_router.rs`), which read as a date is
/// 1970-01-01T00:10Z: every local invocation would time out at once. A deadline before 2001 is
/// therefore not a date, and [`LOCAL_BUDGET`] from now stands in for it, with a warning.
fn deadline_from_epoch_ms(deadline_ms: u64) -> Instant {
    if deadline_ms < EARLIEST_REAL_DEADLINE_MS {
        tracing::warn!(
            deadline_ms,
            budget_s = LOCAL_BUDGET.as_secs(),
            "the runtime's deadline is not a date (cargo lambda watch sends 600000); using a local budget"
        );
        return Instant::now() + LOCAL_BUDGET;
    }
    let now_ms = u64::try_from(lambda_support::now_ms()).unwrap_or(0);
    Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

/// This function's account: from its ARN, as Lambda gives it. A local runtime may give no ARN
/// (`cargo lambda watch` sends `function-arn`): then from `sts:GetCallerIdentity`, one call.
async fn own_account(setup: &Setup, function_arn: &str) -> Option<AccountId> {
    if let Some(account) = account_of_function(function_arn) {
        return Some(account);
    }
    let identity = aws_sdk_sts::Client::new(&setup.sdk)
        .get_caller_identity()
        .send()
        .await;
    let account = identity
        .ok()
        .and_then(|i| i.account)
        .and_then(|a| AccountId::parse(&a).ok());
    tracing::warn!(
        function_arn,
        account = account.as_ref().map(ToString::to_string),
        "the invoked function ARN names no account; asked sts:GetCallerIdentity"
    );
    account
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
fn failed_physical_id(request: &ResourceRequest, wrote: bool) -> String {
    if let Some(id) = &request.cfn.physical_resource_id {
        return id.clone();
    }
    let marker = || format!("{FAILED_CREATE_PREFIX}{}", request.cfn.request_id);
    if !wrote {
        return marker();
    }
    request
        .resource
        .as_ref()
        .ok()
        .and_then(Resource::physical_resource_id)
        .unwrap_or_else(marker)
}

async fn run(
    request: &ResourceRequest,
    setup: &Setup,
    account: Option<AccountId>,
    deadline: Instant,
) -> Result<Done, Failure> {
    let cfn = &request.cfn;
    let physical = cfn.physical_resource_id.clone().unwrap_or_default();
    if cfn.request_type == RequestType::Delete && physical.starts_with(FAILED_CREATE_PREFIX) {
        return Ok(Done {
            physical_id: physical,
            ..Done::default()
        });
    }
    let resource = request
        .resource
        .as_ref()
        .map_err(|e| Failure::ResourceType(e.clone()))?;
    if cfn.request_type == RequestType::Delete {
        match resource {
            Resource::Destination(props) => delete_destination(props, setup).await?,
            Resource::Source(props) => delete_source(props, setup, account).await?,
        }
        return Ok(Done {
            physical_id: physical,
            ..Done::default()
        });
    }
    let account = account.ok_or(Failure::UnknownAccount)?;
    match resource {
        Resource::Destination(props) => apply_destination_request(props, setup, account).await,
        Resource::Source(props) => apply_source_request(props, cfn, setup, account, deadline).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::request::Old;

    fn fixture(text: &str) -> ResourceRequest {
        match Invocation::parse(serde_json::from_str(text).unwrap()).unwrap() {
            Invocation::Resource(r) => *r,
            Invocation::Scheduled(c) => panic!("{c:?}"),
        }
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
            let is_update = r.cfn.old_resource_properties.is_some();
            let (id, old_ok) = match r.resource.unwrap() {
                Resource::Destination(p) => (
                    p.new.unwrap().physical_resource_id(),
                    !matches!(p.old, Old::Unparseable(_))
                        && (matches!(p.old, Old::Parsed(_)) == is_update),
                ),
                Resource::Source(p) => (
                    p.new.unwrap().physical_resource_id(),
                    !matches!(p.old, Old::Unparseable(_))
                        && (matches!(p.old, Old::Parsed(_)) == is_update),
                ),
            };
            assert!(old_ok, "{text}");
            assert_eq!(
                r.cfn
                    .physical_resource_id
                    .clone()
                    .unwrap_or_else(|| id.clone()),
                id
            );
        }
    }

    #[test]
    fn failed_create_with_unparseable_properties_gets_a_marker_that_delete_ignores() {
        let text = include_str!("../../../events/cfn-destination-create.json");
        let mut payload: Value = serde_json::from_str(text).unwrap();
        payload["ResourceProperties"] = serde_json::json!({"DestinationBucket": 5});
        let Ok(Invocation::Resource(r)) = Invocation::parse(payload) else {
            panic!("not a request");
        };
        assert!(failed_physical_id(&r, true).starts_with(FAILED_CREATE_PREFIX));
        let r = fixture(text);
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

    #[test]
    fn a_deadline_that_is_not_a_date_gets_the_local_budget() {
        // cargo lambda watch's constant: a local run gets a usable budget, not "timed out".
        let local = deadline_from_epoch_ms(600_000);
        let left = local.saturating_duration_since(Instant::now());
        assert!(left > Duration::from_secs(60), "{left:?}");
        // A real deadline, 42 s from now, is kept (not replaced by the local budget).
        let now_ms = u64::try_from(lambda_support::now_ms()).unwrap();
        let real = deadline_from_epoch_ms(now_ms + 42_000);
        let left = real.saturating_duration_since(Instant::now());
        assert!(left <= Duration::from_secs(42), "{left:?}");
    }

    #[tokio::test]
    async fn work_that_finishes_in_time_keeps_its_own_outcome() {
        let deadline = Some(Instant::now() + Duration::from_secs(60));
        let done = guarded(async { Ok(Done::default()) }, deadline, Instant::now()).await;
        assert!(done.is_ok());
        let failed = guarded(
            async {
                Err(Failure::Properties(
                    "DestinationBucket: no such bucket".into(),
                ))
            },
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
