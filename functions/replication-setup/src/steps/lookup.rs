//! What a side looks up before validation: a bucket's region, a key's ARN and state, a
//! bucket's default encryption and whether it has Object Lock.

use replication_aws::documents;
use replication_core::arn::{KeyManager, KmsKeyArn, KmsKeyRef, Region};
use replication_core::properties::{DefaultEncryption, ResolvedKey};

use super::{AccountClients, StepError, aws_error};

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
    // A key or alias ARN is described in its own region; a key id or alias name in the
    // caller's.
    let out = c
        .kms_in(key.region())
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
    documents::encryption(&c.s3, bucket)
        .await
        .map_err(|e| aws_error(format!("bucket_encryption({bucket})"), &e))
}

/// Whether a bucket has Object Lock enabled (`GetObjectLockConfiguration`; none is `false`).
///
/// # Errors
/// When the bucket is missing or its Object Lock configuration is not readable.
pub async fn bucket_object_lock(c: &AccountClients, bucket: &str) -> Result<bool, StepError> {
    documents::object_lock(&c.s3, bucket)
        .await
        .map_err(|e| aws_error(format!("bucket_object_lock({bucket})"), &e))
}
