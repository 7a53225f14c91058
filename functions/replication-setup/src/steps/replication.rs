//! Step 6: S's replication configuration, our rules merged by owner (Id, bucket, account).

use std::time::Instant;

use replication_aws::convert;
use replication_core::plan::{self, ReplicationConfiguration};
use replication_core::properties::SourceSpec;

use super::{AccountClients, StepError, aws_error, code_is, eventually};

pub(super) async fn get_replication(
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
