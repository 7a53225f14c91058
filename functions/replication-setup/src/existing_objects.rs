//! `ReplicateExistingObjects`: after a successful Create of the source (after the canary), one
//! S3 Batch Replication job for S's objects that were never replicated (`NONE`), started and
//! never waited for; its id goes to `Data`.
//!
//! One job per resource: its `ClientRequestToken` is derived from the stack, the logical id and
//! the PhysicalResourceId ([`existing_objects_token`]), so a repeated Create answers the first
//! job; the token is also in the job's description, so a later request finds that job with
//! `ListJobs` after S3 has forgotten the token, and an Update that keeps the property on only
//! reports it ([`existing_objects_step`]).
//!
//! A job that cannot be started FAILS the request: the stack asked for its existing objects to
//! be replicated, and a warning in `Data` would be read by no one while those objects stay
//! unreplicated. Everything before it is idempotent, so the rollback and a retry after the fix
//! are safe.

use replication_aws::batch_job::{
    JobError, ReplicationJob, control_client, create_replication_job, find_job,
};
use replication_core::batch_job::{
    DEFAULT_REPORT_PREFIX, ExistingObjectsStep, Selection, existing_objects_step,
    existing_objects_token,
};
use replication_core::properties::{SourceProperties, SourceSpec};

use crate::context::{Failure, Setup};
use crate::outputs::ExistingObjectsData;
use crate::response::CfnRequest;

/// Start or find the job, as [`existing_objects_step`] says; `None` when the property is off.
///
/// # Errors
/// [`Failure::ExistingObjectsJob`] when S3 Control refuses `ListJobs` or `CreateJob`.
pub(crate) async fn existing_objects_job(
    cfn: &CfnRequest,
    props: &SourceProperties,
    old: Option<&SourceProperties>,
    spec: &SourceSpec,
    setup: &Setup,
) -> Result<Option<ExistingObjectsData>, Failure> {
    let step = existing_objects_step(
        props.replicate_existing_objects,
        old.map(|o| o.replicate_existing_objects),
    );
    let (Some(role), Some(reports)) = (
        &props.batch_replication_role_arn,
        &props.batch_replication_report_bucket,
    ) else {
        // The parser refuses the property on without both; off needs neither.
        return Ok(None);
    };
    if step == ExistingObjectsStep::Nothing {
        return Ok(None);
    }
    let token = existing_objects_token(
        &cfn.stack_id,
        &cfn.logical_resource_id,
        &props.physical_resource_id(),
    );
    let client = control_client(
        aws_sdk_s3control::config::Builder::from(&setup.sdk),
        setup.sdk.endpoint_url(),
        spec.source_region.as_str(),
    );
    let account = spec.source_account.to_string();
    let failed = |e: JobError| Failure::ExistingObjectsJob {
        role: role.to_string(),
        error: e.to_string(),
    };
    let found = find_job(&client, &account, &token).await.map_err(failed)?;
    let (job_id, started) = match (found, step) {
        (Some(id), _) => (id, false),
        (None, ExistingObjectsStep::Report) => {
            tracing::warn!(
                %token,
                "ReplicateExistingObjects: the job an earlier request started is no longer listed (ListJobs keeps ended jobs 90 days); none is started again"
            );
            (String::new(), false)
        }
        (None, _) => {
            let job = ReplicationJob {
                account: &account,
                partition: spec.partition.as_str(),
                source_bucket: spec.source_bucket.as_str(),
                destination_bucket: spec.destination_bucket.as_str(),
                selection: Selection::Backfill,
                created_after: None,
                role_arn: &role.to_string(),
                report_bucket: reports.as_str(),
                report_prefix: DEFAULT_REPORT_PREFIX,
                token: &token,
                findable: true,
            };
            let id = create_replication_job(&client, &job)
                .await
                .map_err(failed)?;
            (id, true)
        }
    };
    tracing::info!(
        job_id = %job_id,
        started,
        source_bucket = %spec.source_bucket,
        "ReplicateExistingObjects: Batch Replication job for S's NONE objects"
    );
    let report = if job_id.is_empty() {
        String::new()
    } else {
        format!("s3://{reports}/{DEFAULT_REPORT_PREFIX}/job-{job_id}/")
    };
    Ok(Some(ExistingObjectsData {
        existing_objects_job_id: job_id,
        existing_objects_report: report,
    }))
}
