//! Resources and documents made with plain SDK calls, for the world and for the tests: keys,
//! queues, versioning, default encryption, key statements and other teams' rules.

use anyhow::Context;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use serde_json::{Value, json};

use crate::accounts::{Account, Clients};
use crate::unique_name;

/// The plain trust policy of a role that S3 may assume, as a team writes it by hand.
pub fn s3_trust_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

/// Another team's replication rule: `id` at `priority`, objects under `prefix` to `bucket`,
/// no delete markers.
///
/// # Errors
/// When the SDK's builder rejects the rule.
pub fn foreign_replication_rule(
    id: &str,
    priority: i32,
    prefix: &str,
    bucket: &str,
) -> anyhow::Result<aws_sdk_s3::types::ReplicationRule> {
    use aws_sdk_s3::types::*;
    Ok(ReplicationRule::builder()
        .id(id)
        .priority(priority)
        .status(ReplicationRuleStatus::Enabled)
        .filter(ReplicationRuleFilter::builder().prefix(prefix).build())
        .delete_marker_replication(
            DeleteMarkerReplication::builder()
                .status(DeleteMarkerReplicationStatus::Disabled)
                .build(),
        )
        .destination(
            Destination::builder()
                .bucket(format!("arn:aws:s3:::{bucket}"))
                .build()?,
        )
        .build()?)
}

/// Turn versioning on for `bucket` (with the bucket owner's clients).
///
/// # Errors
/// When S3 refuses.
pub async fn enable_versioning(c: &Clients, bucket: &str) -> anyhow::Result<()> {
    c.s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await?;
    Ok(())
}

/// Set `bucket`'s default encryption to SSE-KMS under `key`, with S3 Bucket Keys on or off.
///
/// # Errors
/// When S3 refuses.
pub async fn set_default_encryption(
    c: &Clients,
    bucket: &str,
    key: &str,
    bucket_key: bool,
) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .kms_master_key_id(key)
                .build()?,
        )
        .bucket_key_enabled(bucket_key)
        .build();
    c.s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}

/// Append `statement` to `key`'s policy (the key owner's clients).
///
/// # Errors
/// When a KMS call fails.
pub async fn append_key_statement(c: &Clients, key: &str, statement: Value) -> anyhow::Result<()> {
    let current = c
        .kms
        .get_key_policy()
        .key_id(key)
        .policy_name("default")
        .send()
        .await?;
    let mut doc: Value = serde_json::from_str(current.policy().unwrap_or("{}"))?;
    doc["Statement"]
        .as_array_mut()
        .context("key policy without a Statement list")?
        .push(statement);
    c.kms
        .put_key_policy()
        .key_id(key)
        .policy_name("default")
        .policy(doc.to_string())
        .send()
        .await?;
    Ok(())
}

/// Create a customer managed key in `c`'s account; returns its ARN.
///
/// # Errors
/// When KMS fails.
pub async fn create_key(c: &Clients, description: &str) -> anyhow::Result<String> {
    let meta = c
        .kms
        .create_key()
        .description(description)
        .send()
        .await?
        .key_metadata
        .context("CreateKey returned no metadata")?;
    meta.arn.context("key without ARN")
}

/// A new queue in `c`'s account that S3 may send to, for buckets of either account (AWS checks
/// this when a notification is configured, and so does the emulator): its URL and ARN. The
/// caller tracks it for cleanup.
///
/// # Errors
/// When SQS refuses.
pub async fn s3_queue(c: &Clients, prefix: &str) -> anyhow::Result<(String, String)> {
    let queue_url = c
        .sqs
        .create_queue()
        .queue_name(unique_name(prefix))
        .send()
        .await?
        .queue_url
        .context("CreateQueue returned no URL")?;
    let queue_arn = c
        .sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut m| m.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .context("queue without ARN")?;
    let queue_policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": [Account::A.id(), Account::B.id()]}}}]});
    c.sqs
        .set_queue_attributes()
        .queue_url(&queue_url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            queue_policy.to_string(),
        )
        .send()
        .await?;
    Ok((queue_url, queue_arn))
}
