//! One read of each AWS document the project acts on, for the setup steps (which merge into
//! what they read) and the doctor's readers ([`crate::read`]) alike: the same call, the same
//! "there is none" answers, the same parse. Each caller keeps only how it reports a failure: a
//! step error, or a document the doctor could not read.

use aws_sdk_kms::operation::get_key_policy::GetKeyPolicyError;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_bucket_encryption::GetBucketEncryptionError;
use aws_sdk_s3::operation::get_bucket_policy::GetBucketPolicyError;
use aws_sdk_s3::operation::get_bucket_replication::GetBucketReplicationError;
use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningError;
use aws_sdk_s3::operation::get_object_lock_configuration::GetObjectLockConfigurationError;
use aws_sdk_s3::types::ObjectLockEnabled;
use replication_core::plan::ReplicationConfiguration;
use replication_core::policy::{self, PolicyError};
use replication_core::properties::DefaultEncryption;
use serde_json::Value;

use crate::convert;

/// A policy read that failed: AWS refused the call, or what it returned is not a policy.
#[derive(Debug)]
pub enum PolicyReadError<E> {
    /// The call failed (boxed: an SDK error is large, and this is the rare path).
    Aws(Box<SdkError<E>>),
    /// The stored text is not a JSON object.
    NotAPolicy(PolicyError),
}

/// A bucket's policy; `None` when it has none (`NoSuchBucketPolicy`).
///
/// # Errors
/// When S3 refuses, or the policy is not a JSON object.
pub async fn bucket_policy(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<Value>, PolicyReadError<GetBucketPolicyError>> {
    match s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => policy::parse_policy(out.policy.as_deref()).map_err(PolicyReadError::NotAPolicy),
        Err(e) if e.code() == Some("NoSuchBucketPolicy") => Ok(None),
        Err(e) => Err(PolicyReadError::Aws(Box::new(e))),
    }
}

/// A key's policy (the `default` one, the only name KMS has); `None` when it is empty.
///
/// # Errors
/// When KMS refuses, or the policy is not a JSON object.
pub async fn key_policy(
    kms: &aws_sdk_kms::Client,
    key: &str,
) -> Result<Option<Value>, PolicyReadError<GetKeyPolicyError>> {
    let out = kms
        .get_key_policy()
        .key_id(key)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| PolicyReadError::Aws(Box::new(e)))?;
    policy::parse_policy(out.policy.as_deref()).map_err(PolicyReadError::NotAPolicy)
}

/// A bucket's replication configuration; `None` when it has none
/// (`ReplicationConfigurationNotFoundError`).
///
/// # Errors
/// When S3 refuses.
pub async fn replication(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<ReplicationConfiguration>, SdkError<GetBucketReplicationError>> {
    match s3.get_bucket_replication().bucket(bucket).send().await {
        Ok(out) => Ok(out
            .replication_configuration
            .as_ref()
            .map(convert::from_sdk)),
        Err(e) if e.code() == Some("ReplicationConfigurationNotFoundError") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A bucket's default encryption; `None` when it has none. (Since January 2023 every bucket
/// has at least SSE-S3; a bucket without a configuration answers
/// `ServerSideEncryptionConfigurationNotFoundError`, S3 API Reference, GetBucketEncryption.)
///
/// # Errors
/// When S3 refuses.
pub async fn encryption(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<DefaultEncryption>, SdkError<GetBucketEncryptionError>> {
    match s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => Ok(convert::default_encryption(
            out.server_side_encryption_configuration.as_ref(),
        )),
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => Ok(None),
        Err(e) => Err(e),
    }
}

/// A bucket's versioning status (`Enabled`, `Suspended`); `None` when it was never set.
///
/// # Errors
/// When S3 refuses.
pub async fn versioning(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<Option<String>, SdkError<GetBucketVersioningError>> {
    let out = s3.get_bucket_versioning().bucket(bucket).send().await?;
    Ok(out.status.map(|s| s.as_str().to_owned()))
}

/// Whether a bucket has Object Lock enabled (`GetObjectLockConfiguration`'s `ObjectLockEnabled:
/// Enabled`); `false` when it has no Object Lock configuration
/// (`ObjectLockConfigurationNotFoundError`: "If you make a request for an Object Lock
/// configuration against a bucket that doesn't have S3 Object Lock enabled, Amazon S3 returns
/// an error", S3 User Guide, "Object Lock considerations"). Needs
/// `s3:GetBucketObjectLockConfiguration`.
///
/// # Errors
/// When S3 refuses.
pub async fn object_lock(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<bool, SdkError<GetObjectLockConfigurationError>> {
    match s3
        .get_object_lock_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .object_lock_configuration
            .and_then(|c| c.object_lock_enabled)
            == Some(ObjectLockEnabled::Enabled)),
        Err(e) if e.code() == Some("ObjectLockConfigurationNotFoundError") => Ok(false),
        Err(e) => Err(e),
    }
}
