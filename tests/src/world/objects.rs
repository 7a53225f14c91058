//! Objects in S, their replication status, and the queue's messages as an SQS event.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use serde_json::{Value, json};

use super::World;
use crate::accounts::REGION;

impl World {
    /// Put `body` at `key` in S, SSE-KMS under KA; returns the version id.
    ///
    /// # Errors
    /// When the put fails.
    pub async fn put_source_object(&self, key: &str, body: &str) -> anyhow::Result<String> {
        self.put_source_object_with(key, body, None).await
    }

    /// [`World::put_source_object`], with the write's own `x-amz-server-side-encryption-bucket-key-enabled`
    /// header when `bucket_key` is given (else S's default decides).
    ///
    /// # Errors
    /// When the put fails.
    pub async fn put_source_object_with(
        &self,
        key: &str,
        body: &str,
        bucket_key: Option<bool>,
    ) -> anyhow::Result<String> {
        self.put_source(key, body, bucket_key, None).await
    }

    /// [`World::put_source_object`], with tags (`tagging` as in the header: `k=v&k2=v2`).
    ///
    /// # Errors
    /// When the put fails.
    pub async fn put_source_object_tagged(
        &self,
        key: &str,
        body: &str,
        tagging: &str,
    ) -> anyhow::Result<String> {
        self.put_source(key, body, None, Some(tagging)).await
    }

    async fn put_source(
        &self,
        key: &str,
        body: &str,
        bucket_key: Option<bool>,
        tagging: Option<&str>,
    ) -> anyhow::Result<String> {
        let out = self
            .a
            .s3
            .put_object()
            .bucket(&self.source_bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.source_key_arn)
            .set_bucket_key_enabled(bucket_key)
            .set_tagging(tagging.map(str::to_owned))
            .send()
            .await?;
        out.version_id.context("PutObject returned no version id")
    }

    /// Poll HeadObject on the source version until its replication status is final
    /// (COMPLETED or FAILED), for at most `timeout`.
    ///
    /// # Errors
    /// When the status is still PENDING (or absent) after `timeout`.
    pub async fn wait_for_source_status(
        &self,
        key: &str,
        version: &str,
        timeout: Duration,
    ) -> anyhow::Result<HeadObjectOutput> {
        let deadline = Instant::now() + timeout;
        loop {
            let head = self
                .a
                .s3
                .head_object()
                .bucket(&self.source_bucket)
                .key(key)
                .version_id(version)
                .send()
                .await?;
            let status = head
                .replication_status
                .as_ref()
                .map(|s| s.as_str().to_owned());
            if matches!(status.as_deref(), Some("COMPLETED" | "FAILED")) {
                return Ok(head);
            }
            if Instant::now() > deadline {
                bail!("replication status of {key} still {status:?} after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Receive messages from the queue until `want` of them carry `ObjectCreated` events
    /// (waiting at most `timeout`), and wrap all received messages (S3's test event included)
    /// as the SQS event an event source mapping would deliver to a Lambda.
    ///
    /// # Errors
    /// When SQS fails.
    pub async fn sqs_lambda_event(&self, want: usize, timeout: Duration) -> anyhow::Result<Value> {
        self.sqs_lambda_event_with(want, "ObjectCreated", timeout)
            .await
    }

    /// [`World::sqs_lambda_event`], counting the messages whose body contains `marker` (such
    /// as `Replication:OperationFailedReplication`).
    ///
    /// # Errors
    /// When SQS fails.
    pub async fn sqs_lambda_event_with(
        &self,
        want: usize,
        marker: &str,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        let deadline = Instant::now() + timeout;
        let mut records = Vec::new();
        let mut created = 0;
        while created < want && Instant::now() < deadline {
            let out = self
                .b
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await?;
            for m in out.messages.unwrap_or_default() {
                created += usize::from(m.body().is_some_and(|b| b.contains(marker)));
                records.push(json!({
                    "messageId": m.message_id,
                    "receiptHandle": m.receipt_handle,
                    "body": m.body,
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": REGION,
                }));
            }
        }
        Ok(json!({ "Records": records }))
    }
}
