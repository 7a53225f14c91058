//! What the sides share: the dependencies built once per cold start ([`Setup`]), a request's
//! outcome ([`Done`]) and why one failed ([`Failure`], the Reason CloudFormation shows). Below
//! the dispatcher (`handler`) and the sides (`source`, `destination`, `scheduled`), which all
//! use it; it uses only the steps.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use replication_core::arn::RoleArn;

use crate::response::HttpResponder;
use crate::steps::{AccountClients, StepError};

/// Why a request failed: the Reason CloudFormation shows.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The properties are invalid: each problem names the property and the fix.
    #[error("{0}")]
    Properties(String),
    /// An AWS step failed.
    #[error(transparent)]
    Step(#[from] StepError),
    /// `ResourceType` is not one of ours.
    #[error("{0}")]
    ResourceType(String),
    /// The function's own account cannot be read from its ARN.
    #[error("cannot tell this function's account from its ARN")]
    UnknownAccount,
    /// Single-stack mode could not assume `DestinationAccessRoleArn`.
    #[error("DestinationAccessRoleArn: {0}")]
    AssumeRole(String),
    /// IAM gave the existing role an ARN that does not parse.
    #[error("RoleName: IAM returned an unusable ARN: {0}")]
    UnusableRoleArn(String),
    /// The deploy-time check found something; the text lists the findings.
    #[error("{0}")]
    DeployTimeCheck(String),
    /// The canary's replication failed.
    #[error(
        "Canary: the canary object {key} was not replicated (FAILED after {waited_ms} ms). What this \
         account can see passed the deploy-time check, so look at the destination side \
         (D's bucket policy, KB's key policy and state): run replication-doctor with both \
         accounts' credentials, or read the verifier's 'replication failed' line for the \
         failureReason"
    )]
    Canary {
        /// The canary's key in S.
        key: String,
        /// How long its wait took.
        waited_ms: u128,
    },
    /// `ReplicateExistingObjects`: the Batch Replication job could not be started (or the one
    /// started before could not be looked up).
    #[error(
        "ReplicateExistingObjects: replication is configured, but the S3 Batch Replication job for \
         S's existing objects could not be started: {error}. The setup function's role needs \
         s3:CreateJob, s3:ListJobs and iam:PassRole on {role} (the source template grants them \
         with ReplicateExistingObjects true), and {role} must exist and trust \
         batchoperations.s3.amazonaws.com (the template's BatchReplicationRole). Fix it and retry \
         the stack operation, or set ReplicateExistingObjects to false and run \
         `replication-doctor backfill` later"
    )]
    ExistingObjectsJob {
        /// The job role.
        role: String,
        /// The S3 Control error.
        error: String,
    },
    /// No time was left before the Lambda deadline.
    #[error("timed out: no time left before the Lambda deadline")]
    NoTimeLeft,
    /// The work ran into the deadline's margin.
    #[error(
        "timed out after {elapsed_s} s, {margin_s} s before the Lambda deadline; the work is idempotent, so retrying the stack operation is safe"
    )]
    TimedOut {
        /// Seconds the work ran.
        elapsed_s: u64,
        /// The margin kept for the answer.
        margin_s: u64,
    },
    /// The work panicked (caught, answered).
    #[error("internal error (panic): {0}")]
    Panic(String),
}

/// What a successful request returns.
#[derive(Debug, Default)]
pub(crate) struct Done {
    pub(crate) physical_id: String,
    pub(crate) data: BTreeMap<String, String>,
}

/// Dependencies built once per cold start.
#[derive(Debug)]
pub struct Setup {
    /// Clients in the function's own account.
    pub home: AccountClients,
    /// The SDK configuration, for clients on assumed-role credentials.
    pub sdk: SdkConfig,
    /// Path-style S3 addressing (local emulators only).
    pub force_path_style: bool,
    /// Sends the answer.
    pub responder: HttpResponder,
}

impl Setup {
    /// Clients in the destination account through `role` (single-stack mode).
    pub(crate) async fn assume(&self, role: &RoleArn) -> Result<AccountClients, Failure> {
        let out = aws_sdk_sts::Client::new(&self.sdk)
            .assume_role()
            .role_arn(role.to_string())
            .role_session_name("s3-kms-replication-setup")
            .send()
            .await
            .map_err(|e| {
                Failure::AssumeRole(format!(
                    "cannot assume {role}: {}",
                    aws_sdk_sts::error::DisplayErrorContext(&e)
                ))
            })?;
        let c = out
            .credentials
            .ok_or_else(|| Failure::AssumeRole("AssumeRole returned no credentials".into()))?;
        let creds = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "assumed",
        );
        let config = self.sdk.to_builder().credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(creds),
        );
        Ok(AccountClients::new(&config.build(), self.force_path_style))
    }
}

pub(crate) fn properties_error(e: impl std::fmt::Display) -> Failure {
    Failure::Properties(e.to_string())
}
