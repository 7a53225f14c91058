//! S3 Batch Operations "Invoke AWS Lambda function" events, for the tests, the demo and the
//! bench. Our emulator has no Batch Operations engine, so these stand in for what it would send:
//! one task per invocation, shaped exactly like the documented fixtures in `events/`.

use serde_json::{Value, json};

use crate::emulator::repo_root;

/// `key` as a Batch Operations manifest carries it: URL-encoded, `/` kept (S3 User Guide,
/// "Specifying a manifest": "Object keys must be URL-encoded").
pub fn encode_key(key: &str) -> String {
    key.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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
