//! Step 6: S's replication configuration, our rules merged by owner (Id, bucket, account).

use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use replication_aws::{convert, documents};
use replication_core::plan::{self, ReplicationConfiguration};
use replication_core::properties::SourceSpec;

use super::{AccountClients, StepError, aws_error, code_is, eventually};

pub(super) async fn get_replication(
    c: &AccountClients,
    bucket: &str,
    step: &str,
) -> Result<Option<ReplicationConfiguration>, StepError> {
    documents::replication(&c.s3, bucket)
        .await
        .map_err(|e| aws_error(step, &e))
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
    let put = || {
        eventually(deadline, || {
            c.s3.put_bucket_replication()
                .bucket(bucket)
                .replication_configuration(sdk.clone())
                .send()
        })
    };
    until_destination_versioned(deadline, put)
        .await
        .map_err(|wait| match wait {
            Wait::Refused(e) => aws_error(&step, &e),
            Wait::GaveUp { waited } => StepError::DestinationNotReady {
                step: step.clone(),
                destination_bucket: spec.destination_bucket.to_string(),
                destination_account: spec.destination_account.to_string(),
                waited_s: waited.as_secs(),
            },
        })?;
    Ok(merged)
}

/// The first pause while D is not ready; it doubles up to [`DESTINATION_WAIT_MAX_DELAY`].
const DESTINATION_WAIT_FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest pause between two attempts while D is not ready.
const DESTINATION_WAIT_MAX_DELAY: Duration = Duration::from_secs(10);

/// How [`until_destination_versioned`] ended without success.
enum Wait<E> {
    /// S3 refused for another reason, or the put failed: its error.
    Refused(E),
    /// D was still missing or unversioned when the next pause would pass the deadline.
    GaveUp { waited: Duration },
}

/// Retry `put` while S3 answers that D is missing or unversioned, never past `deadline`.
///
/// `PutBucketReplication` checks the destination: a missing or unversioned D is 400
/// `InvalidRequest` "Destination bucket must have versioning enabled." (recorded on AWS in
/// LocalStack's `TestS3BucketReplication::test_replication_config_without_filter`, and across
/// accounts in hashicorp/terraform-provider-aws#23578). Account A cannot turn D's versioning
/// on, so a source deployed before its destination waits, bounded, for the destination stack
/// that may be deploying at the same time, and then gives up with a reason that says so.
async fn until_destination_versioned<T, E, F, Fut>(
    deadline: Instant,
    mut put: F,
) -> Result<T, Wait<SdkError<E, HttpResponse>>>
where
    E: ProvideErrorMetadata,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let started = Instant::now();
    let mut delay = DESTINATION_WAIT_FIRST_DELAY;
    loop {
        match put().await {
            Err(e) if destination_not_ready(&e) => {
                if Instant::now() + delay >= deadline {
                    return Err(Wait::GaveUp {
                        waited: started.elapsed(),
                    });
                }
                tracing::warn!(
                    message = e.message(),
                    delay_ms = delay.as_millis() as u64,
                    "the destination bucket is missing or unversioned; waiting for the destination stack"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(DESTINATION_WAIT_MAX_DELAY);
            }
            Err(e) => return Err(Wait::Refused(e)),
            Ok(out) => return Ok(out),
        }
    }
}

/// Whether S3 refused a replication configuration because D is missing or unversioned.
fn destination_not_ready<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    code_is(e, &["InvalidRequest"])
        && e.message()
            .is_some_and(|m| m.starts_with("Destination bucket must have versioning enabled"))
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
