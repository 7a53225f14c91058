//! Step 1: versioning on a bucket.

use replication_aws::documents;

use super::{AccountClients, StepError, aws_error};

/// Step 1: versioning Enabled on `bucket`. Returns whether it already was. Never suspends.
///
/// # Errors
/// When S3 refuses.
pub async fn enable_versioning(c: &AccountClients, bucket: &str) -> Result<bool, StepError> {
    use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
    let step = format!("enable_versioning({bucket})");
    let current = documents::versioning(&c.s3, bucket)
        .await
        .map_err(|e| aws_error(&step, &e))?;
    if current.as_deref() == Some(BucketVersioningStatus::Enabled.as_str()) {
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
