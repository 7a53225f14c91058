//! Steps 3 and 4: KA's and KB's key policies, merged statement by statement.

use replication_core::arn::KmsKeyArn;
use replication_core::policy::{self, SidScope};
use serde_json::Value;

use replication_aws::documents;

use super::{AccountClients, StepError, policy_write_error, read_error};

pub(super) async fn get_key_policy(
    c: &AccountClients,
    key: &KmsKeyArn,
    step: &str,
) -> Result<Value, StepError> {
    let kms = c.kms_in(Some(key.region()));
    documents::key_policy(&kms, &key.to_string())
        .await
        .map_err(|e| read_error(step, e))?
        .ok_or_else(|| StepError::Invalid {
            step: step.to_owned(),
            message: "the key has no key policy".into(),
        })
}

/// `key`'s policy as it is: with `PolicyWrites: Report` it is read, never written.
///
/// # Errors
/// When KMS refuses, or the key has no policy.
pub async fn read_key_policy(c: &AccountClients, key: &KmsKeyArn) -> Result<Value, StepError> {
    get_key_policy(c, key, &format!("read_key_policy({key})")).await
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
pub(super) async fn put_key_policy(
    c: &AccountClients,
    key: &KmsKeyArn,
    doc: &Value,
    step: &str,
) -> Result<(), StepError> {
    c.kms_in(Some(key.region()))
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
