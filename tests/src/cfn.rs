//! CloudFormation's side of a custom resource: requests whose `ResponseURL` is a pre-signed S3
//! PUT URL (of the emulator, or of a real bucket in live mode), and the answers read back from
//! that bucket.

use std::time::Duration;

use anyhow::Context;
use aws_sdk_s3::presigning::PresigningConfig;
use serde_json::{Value, json};

use crate::accounts::Clients;
use crate::runtime_api::LambdaProcess;
use crate::unique_name;

/// Where CloudFormation's answers land.
#[derive(Debug, Clone)]
pub struct ResponseBucket {
    clients: Clients,
    bucket: String,
}

/// One custom-resource request to send.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// `Create`, `Update` or `Delete`.
    pub request_type: &'a str,
    /// For example `Custom::ReplicationSource`.
    pub resource_type: &'a str,
    /// `ResourceProperties`.
    pub properties: Value,
    /// `OldResourceProperties` (Update).
    pub old_properties: Option<Value>,
    /// `PhysicalResourceId` (Update, Delete).
    pub physical_id: Option<String>,
}

impl ResponseBucket {
    /// A fresh bucket in `clients`' account.
    ///
    /// # Errors
    /// When the bucket cannot be created.
    pub async fn create(clients: &Clients) -> anyhow::Result<Self> {
        let bucket = unique_name("cfn-responses");
        clients.s3.create_bucket().bucket(&bucket).send().await?;
        Ok(Self {
            clients: clients.clone(),
            bucket,
        })
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.bucket
    }

    /// Send `request` to the running setup function `f` and return CloudFormation's view of
    /// the answer: the JSON body that was PUT to the `ResponseURL`.
    ///
    /// # Errors
    /// When the function fails to answer, or answers anywhere but the `ResponseURL`.
    pub async fn send(&self, f: &mut LambdaProcess, request: Request<'_>) -> anyhow::Result<Value> {
        self.send_with_deadline(f, request, Duration::from_secs(120))
            .await
    }

    /// [`ResponseBucket::send`], with the function's deadline `timeout` from now.
    ///
    /// # Errors
    /// As [`ResponseBucket::send`].
    pub async fn send_with_deadline(
        &self,
        f: &mut LambdaProcess,
        request: Request<'_>,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let key = unique_name("response");
        let url = self
            .clients
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(PresigningConfig::expires_in(Duration::from_secs(3600))?)
            .await?
            .uri()
            .to_owned();
        let mut event = json!({
            "RequestType": request.request_type,
            "ServiceToken": "arn:aws:lambda:us-east-1:000000000000:function:replication-setup",
            "ResponseURL": url,
            "StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/e2e/00000000-0000-4000-8000-000000000000",
            "RequestId": key,
            "LogicalResourceId": "Replication",
            "ResourceType": request.resource_type,
            "ResourceProperties": request.properties,
        });
        if let Some(old) = request.old_properties {
            event["OldResourceProperties"] = old;
        }
        if let Some(id) = request.physical_id {
            event["PhysicalResourceId"] = json!(id);
        }
        f.invoke_with_deadline(&event, timeout)
            .await?
            .into_response()?;
        let body = self
            .clients
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .context("no answer at the ResponseURL")?;
        let answer: Value = serde_json::from_slice(&body.body.collect().await?.into_bytes())?;
        anyhow::ensure!(
            answer["RequestId"] == json!(key),
            "answer for another request: {answer}"
        );
        Ok(answer)
    }
}

/// The scheduled check's payload, as the templates' EventBridge Scheduler schedule sends it to
/// the setup function (`functions/replication-setup/src/scheduled.rs`).
pub fn scheduled_check(resource_type: &str, properties: &Value, liveness: bool) -> Value {
    json!({"ScheduledCheck": {"ResourceType": resource_type,
        "ResourceProperties": properties, "Liveness": liveness.to_string()}})
}
