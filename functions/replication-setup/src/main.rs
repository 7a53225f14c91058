//! `replication-setup`: the CloudFormation custom resource behind `Custom::ReplicationSource`
//! (account A: versioning on S, the replication role, KA's key policy, the replication rules)
//! and `Custom::ReplicationDestination` (account B: versioning on D, D's bucket policy, KB's key
//! policy, optionally D's notifications to the verifier's queue) — steps 1-6, corrected.
//!
//! **Trigger**: CloudFormation custom-resource requests (Create, Update, Delete) through the
//! resource's `ServiceToken`. Every request gets exactly one answer PUT to its `ResponseURL`,
//! also on errors, on a panic and before the Lambda deadline (minus 10 s).
//!
//! **Environment**: the standard Lambda variables only. For local emulators, also
//! `AWS_ENDPOINT_URL` and `S3_FORCE_PATH_STYLE=true`.
//!
//! **IAM permissions** (scope them to the named buckets, keys and role; `s3:PutBucketPolicy`,
//! `s3:DeleteBucketPolicy` and `kms:PutKeyPolicy` only with `PolicyWrites: Apply`, the default):
//! - destination: `s3:GetBucketLocation`, `s3:GetEncryptionConfiguration`,
//!   `s3:GetBucketVersioning`, `s3:PutBucketVersioning`, `s3:GetBucketPolicy`, `s3:PutBucketPolicy`, `s3:DeleteBucketPolicy`,
//!   `s3:GetBucketNotification`, `s3:PutBucketNotification` on D; `kms:DescribeKey`,
//!   `kms:GetKeyPolicy`, `kms:PutKeyPolicy` on KB;
//! - source: `s3:GetBucketLocation`, `s3:GetEncryptionConfiguration`,
//!   `s3:GetBucketObjectLockConfiguration`, `s3:GetBucketVersioning`, `s3:PutBucketVersioning`,
//!   `s3:GetReplicationConfiguration`, `s3:PutReplicationConfiguration` on S;
//!   `kms:DescribeKey`, `kms:GetKeyPolicy`, `kms:PutKeyPolicy` on KA; `iam:GetRole`,
//!   `iam:CreateRole`, `iam:TagRole`, `iam:UpdateAssumeRolePolicy`, `iam:GetRolePolicy`,
//!   `iam:ListRolePolicies`, `iam:PutRolePolicy`,
//!   `iam:DeleteRolePolicy`, `iam:DeleteRole`, `iam:UntagRole` (never the management tag),
//!   `iam:DeleteRolePermissionsBoundary` and `iam:PassRole` on the replication role, and
//!   `iam:PutRolePermissionsBoundary` with `RolePermissionsBoundary` (only that boundary);
//!   `sts:AssumeRole` on `DestinationAccessRoleArn` in single-stack mode; with `Canary`,
//!   `s3:PutObject`, `s3:PutObjectTagging`, `s3:GetObject`, `s3:GetObjectVersion`,
//!   `s3:DeleteObjectVersion` on `S/*.s3-kms-replication-canary/*` and `kms:GenerateDataKey` on KA;
//!   for the scheduled check (source side), `s3:GetBucketPolicy` on S and
//!   `iam:ListAttachedRolePolicies`, `iam:GetPolicy`, `iam:GetPolicyVersion`; with
//!   `ReplicateExistingObjects`, `s3:CreateJob`, `s3:ListJobs` and `iam:PassRole` on
//!   `BatchReplicationRoleArn`.
//!
//! **Scheduled check**: a `{"ScheduledCheck": {...}}` payload (an EventBridge Scheduler
//! schedule's input) runs the doctor read-only instead of answering CloudFormation; see
//! `scheduled.rs`.

mod checks;
mod context;
mod destination;
mod existing_objects;
mod handler;
mod outputs;
mod request;
mod response;
mod scheduled;
mod source;
mod steps;

use aws_config::BehaviorVersion;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    if replication_core::panic_probe::requested(std::env::args()) {
        println!("{}", handler::panic_probe().await);
        return Ok(());
    }
    lambda_support::init_tracing();
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let force_path_style = lambda_support::force_path_style();
    let setup = context::Setup {
        home: steps::AccountClients::new(&sdk, force_path_style),
        sdk,
        force_path_style,
        responder: response::HttpResponder::new()?,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        handler::handle(event, &setup)
    }))
    .await
}
