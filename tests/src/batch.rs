//! S3 Batch Operations "Invoke AWS Lambda function" events, for the tests, the demo and the
//! bench. Our emulator has no Batch Operations engine, so these stand in for what it would send:
//! one task per invocation, shaped exactly like the documented fixtures in `events/`.

use serde_json::{Value, json};

use crate::accounts::Account;
use crate::cleanup::Resource;
use crate::emulator::repo_root;
use crate::world::World;

/// `key` as a Batch Operations manifest carries it: URL-encoded, `/` kept (S3 User Guide,
/// "Specifying a manifest": "Object keys must be URL-encoded").
pub fn encode_key(key: &str) -> String {
    replication_core::batch_job::encode_manifest_key(key)
}

/// One invocation with one task for `bucket`/`encoded_key` (and `version`), built from
/// `events/s3-batch-operations-<schema>.json`, with a unique task id.
///
/// # Errors
/// When the fixture cannot be read.
pub fn task_event(
    schema: &str,
    bucket: &str,
    encoded_key: &str,
    version: Option<&str>,
) -> anyhow::Result<Value> {
    let path = repo_root()
        .join("events")
        .join(format!("s3-batch-operations-{schema}.json"));
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let task = &mut event["tasks"][0];
    task["taskId"] = json!(crate::unique_name("task"));
    task["s3Key"] = json!(encoded_key);
    task["s3VersionId"] = json!(version);
    if schema == "1.0" {
        task["s3BucketArn"] = json!(format!("arn:aws:s3:::{bucket}"));
    } else {
        task["s3Bucket"] = json!(bucket);
    }
    Ok(event)
}

/// A role in `account` of `world` that S3 Batch Operations may assume (trusted by
/// `batchoperations.s3.amazonaws.com`, no condition, as the templates' job roles), with
/// `statements` as its inline policy; deleted with `world`. Its ARN.
///
/// # Errors
/// When IAM refuses the role or its policy.
pub async fn batch_operations_role(
    world: &World,
    account: Account,
    name_prefix: &str,
    statements: Vec<Value>,
) -> anyhow::Result<String> {
    let iam = if account == Account::A {
        &world.a.iam
    } else {
        &world.b.iam
    };
    let name = crate::unique_name(name_prefix);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "batchoperations.s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = iam
        .create_role()
        .role_name(&name)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await?
        .role
        .ok_or_else(|| anyhow::anyhow!("CreateRole returned no role"))?
        .arn;
    world.track(account, Resource::Role(name.clone()));
    let policy = json!({"Version": "2012-10-17", "Statement": statements});
    iam.put_role_policy()
        .role_name(&name)
        .policy_name(name_prefix)
        .policy_document(policy.to_string())
        .send()
        .await?;
    Ok(role)
}
