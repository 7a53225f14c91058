//! S3 Batch Replication jobs through S3 Control, for the CLI (`redrive`, `backfill`) and the
//! setup function (`ReplicateExistingObjects`) alike: the client, `CreateJob` for a selection of
//! S's objects, and a job found again by its token.
//!
//! The job (S3 User Guide, "Replicating existing objects with S3 Batch Replication"):
//! `S3ReplicateObject` in account A and S's region, over a manifest that S3 generates from S
//! under the replication configuration (`EligibleForReplication`) with the selection's
//! `ObjectReplicationStatuses` (and `CreatedAfter`), stored with the completion report in the
//! report bucket under the report prefix (`<prefix>/manifests/`, `<prefix>/job-<id>/`).
//! `ConfirmationRequired` is false, so the job runs without a separate `UpdateJobStatus`.
//!
//! The audit ([`create_audit_job`]): an "Invoke AWS Lambda function" job (`LambdaInvoke`,
//! invocation schema 2.0) in account B over a CSV manifest of D's object versions, with the
//! verifier as the function.
//!
//! Calls: `s3:CreateJob` and `iam:PassRole` on the job role ([`create_replication_job`],
//! [`create_audit_job`]); `s3:ListJobs` ([`find_job`]).

use aws_sdk_s3control::config::endpoint::{EndpointFuture, Params, ResolveEndpoint};
use aws_sdk_s3control::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3control::types::{
    GeneratedManifestFormat, JobManifest, JobManifestFieldName, JobManifestFormat,
    JobManifestGenerator, JobManifestGeneratorFilter, JobManifestLocation, JobManifestSpec,
    JobOperation, JobReport, JobReportFormat, JobReportScope, LambdaInvokeOperation,
    ReplicationStatus, S3JobManifestGenerator, S3ManifestOutputLocation,
    S3ReplicateObjectOperation,
};
use aws_smithy_types::DateTime;
use replication_core::batch_job::{Selection, job_description, job_has_token};

/// The endpoint, used as given. S3 Control's endpoint rules put the account id in the host
/// (`<account>.<endpoint host>`), which does not resolve for a local endpoint; the account still
/// travels in `x-amz-account-id`.
#[derive(Debug)]
struct AsGiven(String);

impl ResolveEndpoint for AsGiven {
    fn resolve_endpoint<'a>(&'a self, _: &'a Params) -> EndpointFuture<'a> {
        EndpointFuture::ready(Ok(aws_smithy_types::endpoint::Endpoint::builder()
            .url(self.0.clone())
            .build()))
    }
}

/// An S3 Control client from `config` in `region`. With `endpoint_url` (a local emulator) every
/// call goes to that URL as given.
#[must_use]
pub fn control_client(
    config: aws_sdk_s3control::config::Builder,
    endpoint_url: Option<&str>,
    region: &str,
) -> aws_sdk_s3control::Client {
    let mut config = config.region(aws_sdk_s3control::config::Region::new(region.to_owned()));
    if let Some(url) = endpoint_url {
        config = config.endpoint_resolver(AsGiven(url.to_owned()));
    }
    aws_sdk_s3control::Client::from_conf(config.build())
}

/// A Batch Replication job for a pair, as plain data.
#[derive(Debug, Clone)]
pub struct ReplicationJob<'a> {
    /// A, where the job runs.
    pub account: &'a str,
    /// The partition of the buckets' ARNs.
    pub partition: &'a str,
    /// S.
    pub source_bucket: &'a str,
    /// D, named in the description only.
    pub destination_bucket: &'a str,
    /// Which objects.
    pub selection: Selection,
    /// Only objects created after this instant.
    pub created_after: Option<DateTime>,
    /// The job role (trusted by `batchoperations.s3.amazonaws.com`).
    pub role_arn: &'a str,
    /// The bucket of the generated manifest and the completion report.
    pub report_bucket: &'a str,
    /// The key prefix in it.
    pub report_prefix: &'a str,
    /// `ClientRequestToken`.
    pub token: &'a str,
    /// The token is also written into the description, so that [`find_job`] finds the job
    /// again after S3's idempotency has forgotten the token.
    pub findable: bool,
}

/// An S3 Control call that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("s3control:{operation}: {code}: {message}")]
pub struct JobError {
    /// `CreateJob`, `ListJobs`.
    pub operation: &'static str,
    /// The service's error code (`AccessDenied`, …), or what stands for one.
    pub code: String,
    /// The service's message, or the error's chain.
    pub message: String,
}

impl JobError {
    fn of<E: ProvideErrorMetadata + std::error::Error + 'static>(
        operation: &'static str,
        e: &aws_smithy_runtime_api::client::result::SdkError<
            E,
            aws_smithy_runtime_api::http::Response,
        >,
    ) -> Self {
        let status = e.raw_response().map(|r| r.status().as_u16());
        Self {
            operation,
            code: e
                .code()
                .map(str::to_owned)
                .or(status.map(|s| format!("HTTP {s}")))
                .unwrap_or_else(|| "NoResponse".to_owned()),
            message: e
                .message()
                .map_or_else(|| DisplayErrorContext(e).to_string(), str::to_owned),
        }
    }

    fn answer(operation: &'static str, problem: &str) -> Self {
        Self {
            operation,
            code: "InvalidAnswer".to_owned(),
            message: problem.to_owned(),
        }
    }
}

fn bucket_arn(partition: &str, bucket: &str) -> String {
    format!("arn:{partition}:s3:::{bucket}")
}

/// Every job's completion report: CSV, all tasks, under `<prefix>/job-<id>/` of the bucket.
fn completion_report(bucket_arn: &str, prefix: &str) -> JobReport {
    JobReport::builder()
        .bucket(bucket_arn)
        .format(JobReportFormat::ReportCsv20180820)
        .enabled(true)
        .prefix(prefix)
        .report_scope(JobReportScope::AllTasks)
        .build()
}

/// Start `job`; its id. A repeated token answers the first job's id (S3 API Reference,
/// CreateJob, `ClientRequestToken`).
///
/// # Errors
/// [`JobError`] when S3 Control refuses the job or answers without an id.
pub async fn create_replication_job(
    client: &aws_sdk_s3control::Client,
    job: &ReplicationJob<'_>,
) -> Result<String, JobError> {
    let invalid =
        |e: aws_sdk_s3control::error::BuildError| JobError::answer("CreateJob", &e.to_string());
    let reports = bucket_arn(job.partition, job.report_bucket);
    let filter = JobManifestGeneratorFilter::builder()
        .eligible_for_replication(true)
        .object_replication_statuses(ReplicationStatus::from(job.selection.replication_status()))
        .set_created_after(job.created_after);
    let generator = S3JobManifestGenerator::builder()
        .source_bucket(bucket_arn(job.partition, job.source_bucket))
        .enable_manifest_output(true)
        .manifest_output_location(
            S3ManifestOutputLocation::builder()
                .bucket(&reports)
                .manifest_prefix(format!("{}/manifests", job.report_prefix))
                .manifest_format(GeneratedManifestFormat::S3InventoryReportCsv20211130)
                .build()
                .map_err(invalid)?,
        )
        .filter(filter.build())
        .build()
        .map_err(invalid)?;
    let report = completion_report(&reports, job.report_prefix);
    let description = job_description(
        job.selection,
        job.source_bucket,
        job.destination_bucket,
        job.findable.then_some(job.token),
    );
    let created = client
        .create_job()
        .account_id(job.account)
        .confirmation_required(false)
        .operation(
            JobOperation::builder()
                .s3_replicate_object(S3ReplicateObjectOperation::builder().build())
                .build(),
        )
        .manifest_generator(JobManifestGenerator::S3JobManifestGenerator(generator))
        .report(report)
        .priority(10)
        .role_arn(job.role_arn)
        .client_request_token(job.token)
        .description(description)
        .send()
        .await
        .map_err(|e| JobError::of("CreateJob", &e))?;
    created
        .job_id
        .ok_or_else(|| JobError::answer("CreateJob", "no job id in the answer"))
}

/// An audit job: the verifier over a CSV manifest of D's versions, as plain data.
#[derive(Debug, Clone)]
pub struct AuditJob<'a> {
    /// B, where the job runs.
    pub account: &'a str,
    /// The partition of the buckets' ARNs.
    pub partition: &'a str,
    /// The function (the verifier's unqualified ARN).
    pub function_arn: &'a str,
    /// The job role (trusted by `batchoperations.s3.amazonaws.com`; `lambda:InvokeFunction` on
    /// the function, reads of the manifest, writes of the report).
    pub role_arn: &'a str,
    /// The manifest object: bucket, key and its ETag (without quotes).
    pub manifest: (&'a str, &'a str, &'a str),
    /// The bucket of the completion report.
    pub report_bucket: &'a str,
    /// The key prefix in it.
    pub report_prefix: &'a str,
    /// `ClientRequestToken`.
    pub token: &'a str,
    /// The job's description.
    pub description: &'a str,
}

/// Start `job`; its id.
///
/// # Errors
/// [`JobError`] when S3 Control refuses the job or answers without an id.
pub async fn create_audit_job(
    client: &aws_sdk_s3control::Client,
    job: &AuditJob<'_>,
) -> Result<String, JobError> {
    let invalid =
        |e: aws_sdk_s3control::error::BuildError| JobError::answer("CreateJob", &e.to_string());
    let (bucket, key, etag) = job.manifest;
    let manifest = JobManifest::builder()
        .spec(
            JobManifestSpec::builder()
                .format(JobManifestFormat::S3BatchOperationsCsv20180820)
                .fields(JobManifestFieldName::Bucket)
                .fields(JobManifestFieldName::Key)
                .fields(JobManifestFieldName::VersionId)
                .build()
                .map_err(invalid)?,
        )
        .location(
            JobManifestLocation::builder()
                .object_arn(format!("{}/{key}", bucket_arn(job.partition, bucket)))
                .e_tag(etag)
                .build()
                .map_err(invalid)?,
        )
        .build();
    let report = completion_report(
        &bucket_arn(job.partition, job.report_bucket),
        job.report_prefix,
    );
    let created = client
        .create_job()
        .account_id(job.account)
        .confirmation_required(false)
        .operation(
            JobOperation::builder()
                .lambda_invoke(
                    LambdaInvokeOperation::builder()
                        .function_arn(job.function_arn)
                        .invocation_schema_version("2.0")
                        .build(),
                )
                .build(),
        )
        .manifest(manifest)
        .report(report)
        .priority(10)
        .role_arn(job.role_arn)
        .client_request_token(job.token)
        .description(job.description)
        .send()
        .await
        .map_err(|e| JobError::of("CreateJob", &e))?;
    created
        .job_id
        .ok_or_else(|| JobError::answer("CreateJob", "no job id in the answer"))
}

/// The most `ListJobs` pages [`find_job`] reads (1,000 jobs each).
const MAX_PAGES: usize = 10;

/// The id of the newest job of `account` whose description carries `token` (a job created
/// [`ReplicationJob::findable`]), if `ListJobs` still lists it: "jobs that have ended within the
/// last 90 days" and every current one (S3 API Reference, ListJobs).
///
/// # Errors
/// [`JobError`] when `ListJobs` is refused.
pub async fn find_job(
    client: &aws_sdk_s3control::Client,
    account: &str,
    token: &str,
) -> Result<Option<String>, JobError> {
    let mut next: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = client
            .list_jobs()
            .account_id(account)
            .max_results(1000)
            .set_next_token(next.take())
            .send()
            .await
            .map_err(|e| JobError::of("ListJobs", &e))?;
        let found = page
            .jobs()
            .iter()
            .filter(|j| j.description().is_some_and(|d| job_has_token(d, token)))
            .max_by_key(|j| j.creation_time().map(|t| (t.secs(), t.subsec_nanos())))
            .and_then(|j| j.job_id().map(str::to_owned));
        if found.is_some() {
            return Ok(found);
        }
        match page.next_token {
            Some(token) if !token.is_empty() => next = Some(token),
            _ => return Ok(None),
        }
    }
    Ok(None)
}
