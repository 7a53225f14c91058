//! The deploy-time canary and the scheduled liveness canary (see replication_core::canary).

use std::time::{Duration, Instant};

use replication_core::canary::CANARY_FOLDER;
use replication_core::properties::SourceSpec;

use super::{AccountClients, StepError, aws_error};

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
pub(super) async fn put_canary(
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
pub(super) fn canary_prefix(spec: &SourceSpec) -> String {
    spec.rules
        .first()
        .and_then(|r| r.prefix.clone())
        .unwrap_or_default()
}

/// The canary: put a small object in S under `<prefix>.s3-kms-replication-canary/<name>@<S>`
/// ([`put_canary`]), wait until `bound` for its replication status, then delete that version
/// unless it is still `PENDING`.
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
    let key = format!(
        "{}{CANARY_FOLDER}{}",
        canary_prefix(spec),
        replication_core::canary::canary_name(name, spec.source_bucket.as_str())
    );
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
    // Still PENDING: kept, or S3 would have nothing to replicate (SrcVersionNotFound); the
    // source's scheduled liveness run removes it once stale (canary::deploy_canaries_to_remove).
    if status != "PENDING" {
        c.s3.delete_object()
            .bucket(bucket)
            .key(&key)
            .version_id(&version)
            .send()
            .await
            .map_err(|e| aws_error(&step, &e))?;
    }
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
    let key =
        replication_core::canary::liveness_key(&canary_prefix(spec), spec.source_bucket.as_str());
    let step = format!("liveness canary({bucket})");
    let written = put_canary(c, spec, &key, &step).await?;
    // One listing of the canary folder serves both trims: the liveness key's old versions and
    // the deploy-time canaries kept while PENDING.
    let folder = format!("{}{}", canary_prefix(spec), CANARY_FOLDER);
    let versions = list_versions(c, bucket, &folder, &step).await?;
    let keep = replication_core::canary::KEEP_IN_SOURCE;
    let mut removed = Vec::new();
    for version in replication_core::canary::versions_to_remove(&key, &versions, keep) {
        delete_version(c, bucket, &key, &version, &step).await?;
        removed.push(version);
    }
    let now = lambda_support::now_ms();
    for (stale_key, version) in
        replication_core::canary::deploy_canaries_to_remove(&key, &versions, now)
    {
        delete_version(c, bucket, &stale_key, &version, &step).await?;
        removed.push(format!("{stale_key}@{version}"));
    }
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
    let step = format!("remove old canary versions({bucket})");
    let versions = list_versions(c, bucket, key, &step).await?;
    let old = replication_core::canary::versions_to_remove(key, &versions, keep);
    for version in &old {
        delete_version(c, bucket, key, version, &step).await?;
    }
    Ok(old)
}

/// The versions under `prefix` in `bucket` (one page: up to 1,000).
async fn list_versions(
    c: &AccountClients,
    bucket: &str,
    prefix: &str,
    step: &str,
) -> Result<Vec<replication_core::canary::ObjectVersion>, StepError> {
    let page =
        c.s3.list_object_versions()
            .bucket(bucket)
            .prefix(prefix)
            .send()
            .await
            .map_err(|e| aws_error(step, &e))?;
    Ok(page
        .versions()
        .iter()
        .filter_map(|v| {
            Some(replication_core::canary::ObjectVersion {
                key: v.key.clone()?,
                version_id: v.version_id.clone().unwrap_or_else(|| "null".to_owned()),
                last_modified_ms: v.last_modified.and_then(|t| t.to_millis().ok())?,
            })
        })
        .collect())
}

async fn delete_version(
    c: &AccountClients,
    bucket: &str,
    key: &str,
    version: &str,
    step: &str,
) -> Result<(), StepError> {
    c.s3.delete_object()
        .bucket(bucket)
        .key(key)
        .version_id(version)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| aws_error(step, &e))
}
