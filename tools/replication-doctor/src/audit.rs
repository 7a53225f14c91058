//! `audit`: the replicas already in D, audited by AWS's own engine. Lists D's object versions,
//! writes them as a CSV manifest (`Bucket, Key, VersionId`, keys URL-encoded), starts an "Invoke
//! AWS Lambda function" job (`LambdaInvoke`, invocation schema 2.0) in account B with the verifier
//! as the function, and with `--wait` follows it and summarises its completion report: each task
//! is one version's verdict (`Succeeded` `Verified`, or `PermanentFailure` for a finding).
//!
//! Calls, in B: `sts:GetCallerIdentity`; `s3:GetBucketLocation` and `s3:ListBucketVersions` on
//! D; `s3:PutObject` on the manifest bucket's `<prefix>/audit-manifests/*`; `s3:CreateJob`,
//! `iam:PassRole` on the job role; `s3:DescribeJob` while waiting; `s3:GetObject` on the
//! report's objects.

use std::time::Duration;

use replication_aws::batch_job::{AuditJob, create_audit_job};
use replication_core::batch_job::{ObjectVersion, audit_manifest_csv};

use crate::args::{AuditOptions, EXIT_INCOMPLETE};
use crate::batch::{Started, conclude, control, request_token};
use crate::gather::{clients, described, load, one_line};

/// Every object version of `bucket` under `prefix` (delete markers are not objects: HEAD on
/// one is refused, so they are left out).
async fn versions(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: Option<&str>,
) -> anyhow::Result<Vec<ObjectVersion>> {
    let mut out = Vec::new();
    let (mut key_marker, mut version_marker) = (None, None);
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .set_prefix(prefix.map(str::to_owned))
            .set_key_marker(key_marker.take())
            .set_version_id_marker(version_marker.take())
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("s3:ListObjectVersions on {bucket}: {}", one_line(&e)))?;
        out.extend(page.versions().iter().filter_map(|v| {
            Some(ObjectVersion {
                key: v.key()?.to_owned(),
                version_id: v.version_id().unwrap_or("null").to_owned(),
            })
        }));
        if page.is_truncated != Some(true) {
            break;
        }
        key_marker = page.next_key_marker;
        version_marker = page.next_version_id_marker;
        if key_marker.is_none() {
            break;
        }
    }
    Ok(out)
}

/// The partition of an ARN (`arn:<partition>:…`).
fn partition(arn: &str) -> &str {
    arn.split(':').nth(1).unwrap_or("aws")
}

/// An audit job just started.
struct Begun {
    account: String,
    region: String,
    /// S3 in D's region.
    s3: aws_sdk_s3::Client,
    /// S3 Control in B, D's region.
    control: aws_sdk_s3control::Client,
    id: String,
}

/// Write the manifest and start the job.
async fn start(a: &AuditOptions) -> anyhow::Result<Begun> {
    let who = described(
        "B",
        a.destination_profile.as_deref(),
        "--destination-profile",
    );
    let config = load(
        a.destination_profile.as_deref(),
        a.destination_region.as_deref(),
        &who,
        "--destination-region",
    )
    .await?;
    let account = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "{who}: sts:GetCallerIdentity failed, so no credentials work: {}",
                one_line(&e)
            )
        })?
        .account
        .unwrap_or_default();
    let reader = clients(&config, None);
    let region = replication_aws::read::region(&reader, &a.destination_bucket)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let s3 = reader.in_region(&region).s3;
    let listed = versions(&s3, &a.destination_bucket, a.prefix.as_deref()).await?;
    if listed.is_empty() {
        anyhow::bail!(
            "D ({}) holds no object version{}: nothing to audit",
            a.destination_bucket,
            a.prefix
                .as_deref()
                .map_or(String::new(), |p| format!(" under {p:?}"))
        );
    }
    let token = request_token();
    let manifest_key = format!("{}/audit-manifests/{token}.csv", a.report_prefix);
    let put = s3
        .put_object()
        .bucket(&a.manifest_bucket)
        .key(&manifest_key)
        .content_type("text/csv")
        .body(
            audit_manifest_csv(&a.destination_bucket, &listed)
                .into_bytes()
                .into(),
        )
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "s3:PutObject s3://{}/{manifest_key}: {}",
                a.manifest_bucket,
                one_line(&e)
            )
        })?;
    let etag = put.e_tag().unwrap_or_default().trim_matches('"').to_owned();
    eprintln!(
        "replication-doctor: wrote a manifest of {} object versions of {} to s3://{}/{manifest_key}",
        listed.len(),
        a.destination_bucket,
        a.manifest_bucket
    );
    let description = format!(
        "s3-kms-replication audit: {} by {}",
        a.destination_bucket,
        a.function_arn.rsplit(':').next().unwrap_or_default()
    );
    let job = AuditJob {
        account: &account,
        partition: partition(&a.function_arn),
        function_arn: &a.function_arn,
        role_arn: &a.job_role_arn,
        manifest: (&a.manifest_bucket, &manifest_key, &etag),
        report_bucket: &a.report_bucket,
        report_prefix: &a.report_prefix,
        token: &token,
        description: &description,
    };
    let control = control(&config, &region);
    let id = create_audit_job(&control, &job).await?;
    Ok(Begun {
        account,
        region,
        s3,
        control,
        id,
    })
}

/// Start the audit, and with `--wait` follow it and summarise its report; the exit code.
pub async fn run(a: &AuditOptions) -> i32 {
    let begun = match start(a).await {
        Ok(begun) => begun,
        Err(e) => {
            eprintln!("replication-doctor: could not start the audit job: {e}");
            return EXIT_INCOMPLETE;
        }
    };
    eprintln!(
        "replication-doctor: started audit job {} in account {} ({}): {} invoked once per object version of {}",
        begun.id, begun.account, begun.region, a.function_arn, a.destination_bucket
    );
    conclude(Started {
        command: "audit",
        client: &begun.control,
        account: &begun.account,
        region: &begun.region,
        id: &begun.id,
        s3: begun.s3,
        report_bucket: &a.report_bucket,
        report_prefix: &a.report_prefix,
        profile: a.destination_profile.as_deref(),
        wait: a.wait,
        poll: Duration::from_millis(a.poll_millis),
        json: a.json,
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_is_the_arns_second_field() {
        assert_eq!(
            partition("arn:aws-cn:lambda:cn-north-1:1:function:f"),
            "aws-cn"
        );
        assert_eq!(partition("nonsense"), "aws");
    }
}
