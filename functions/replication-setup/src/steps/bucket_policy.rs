//! Step 5: D's bucket policy, merged statement by statement (never replaced whole).

use replication_core::plan;
use replication_core::policy::{self, SidScope};
use replication_core::properties::DestinationSpec;
use serde_json::Value;

use replication_aws::documents;

use super::{AccountClients, StepError, aws_error, policy_write_error, read_error};

pub(super) async fn get_bucket_policy(
    c: &AccountClients,
    bucket: &str,
    step: &str,
) -> Result<Option<Value>, StepError> {
    documents::bucket_policy(&c.s3, bucket)
        .await
        .map_err(|e| read_error(step, e))
}

/// D's bucket policy as it is, `None` when D has none: with `PolicyWrites: Report` it is read,
/// never written.
///
/// # Errors
/// When S3 refuses, or the policy is not a JSON object.
pub async fn read_bucket_policy(
    c: &AccountClients,
    bucket: &str,
) -> Result<Option<Value>, StepError> {
    get_bucket_policy(c, bucket, &format!("read_bucket_policy({bucket})")).await
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
pub(super) async fn put_bucket_policy(
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
