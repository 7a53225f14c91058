//! [`parse`]: S3 notification records, SQS messages, EventBridge events and Batch Operations
//! tasks read into items of replica events.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::s3::S3Entity;
use aws_lambda_events::s3::batch_job::{S3BatchJobEvent, S3BatchJobTask};
use aws_lambda_events::sqs::SqsMessage;
use serde::Deserialize;
use serde_json::Value;

use super::{
    EventShape, Invocation, Item, ItemContent, ObjectRef, ReplicaEvent, ReplicationEvent,
    ReplicationEventKind, ShapeError, SkipReason, bucket_of_arn, detect, is_s3_test_event,
};
use crate::s3_key::{decode_batch_key, decode_event_key};
use crate::time::parse_rfc3339_millis;

#[derive(Deserialize)]
struct S3Notification {
    #[serde(rename = "Records")]
    records: Vec<Value>,
}

/// The fields of an S3 event record the verifier reads; the `s3` entity (bucket, object, key,
/// version) is `aws_lambda_events`' own [`S3Entity`].
///
/// Not the crate's whole `S3EventRecord`: that type makes `eventTime`, `userIdentity` and
/// `requestParameters` required, which the verifier never reads, and a record without them is
/// still a replica to check. Nor does the crate model `replicationEventData`, which S3 adds to
/// replication events (S3 User Guide, "Event message structure"), so that part is ours.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct S3Record {
    event_name: String,
    #[serde(default)]
    event_time: Option<String>,
    s3: S3Entity,
    #[serde(default)]
    replication_event_data: Option<ReplicationEventData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplicationEventData {
    #[serde(default, alias = "ruleId")]
    replication_rule_id: Option<String>,
    #[serde(default)]
    destination_bucket: Option<String>,
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    s3_operation: Option<String>,
}

/// Parse `payload` into items of replica events.
///
/// # Errors
/// [`ShapeError`] when the payload is none of the accepted shapes. Problems inside a record or
/// message never fail the parse: they become [`ReplicaEvent::Unreadable`] or
/// [`SkipReason::NotAnS3Event`], so one bad message cannot hide the others.
pub fn parse(payload: &Value) -> Result<Invocation, ShapeError> {
    let shape = detect(payload)?;
    let items = match &shape {
        EventShape::S3Notification { .. } => vec![Item {
            message_id: None,
            content: ItemContent::Events(s3_records(payload)),
        }],
        EventShape::SqsBatch { .. } => payload
            .get("Records")
            .and_then(Value::as_array)
            .map(|records| records.iter().map(sqs_item).collect())
            .unwrap_or_default(),
        EventShape::EventBridge { .. } => vec![Item {
            message_id: None,
            content: ItemContent::Events(vec![eventbridge_event(payload)]),
        }],
        EventShape::S3TestEvent => vec![Item {
            message_id: None,
            content: ItemContent::Skipped(SkipReason::TestEvent),
        }],
        EventShape::BatchOperations { .. } => batch_tasks(payload)?,
    };
    Ok(Invocation { shape, items })
}

/// The tasks of an S3 Batch Operations event, one item each, with the task id as the item's id.
///
/// Shapes from the S3 User Guide, "Invoking an AWS Lambda function" (batch-ops-invoke-lambda.md)
/// and the S3 Control API Reference, `LambdaInvokeOperation`: schema 1.0 names the bucket by
/// `s3BucketArn`; 2.0 replaces it with `s3Bucket`, the bucket's name ("uses bucket name rather
/// than bucket ARN"), and adds `job.userArguments`. `aws_lambda_events` models 1.0; the 2.0
/// field arrives in its catch-all map.
fn batch_tasks(payload: &Value) -> Result<Vec<Item>, ShapeError> {
    if !payload.get("tasks").is_some_and(Value::is_array) {
        return Err(ShapeError::Batch(
            "`tasks` is missing or not a list; S3 sends `tasks` as a list of {taskId, s3Key, \
             s3VersionId, s3BucketArn or s3Bucket}"
                .to_owned(),
        ));
    }
    let event = S3BatchJobEvent::deserialize(payload)
        .map_err(|e| ShapeError::Batch(format!("it does not parse: {e}")))?;
    Ok(event.tasks.iter().map(batch_task).collect())
}

fn batch_task(task: &S3BatchJobTask) -> Item {
    let bucket = task
        .s3_bucket_arn
        .as_deref()
        // `arn:aws:s3:::bucket`; the guide's own example has `arn:aws:s3:us-east-1:…:bucket`.
        .and_then(|arn| arn.rsplit(':').next())
        .or_else(|| task.other.get("s3Bucket").and_then(Value::as_str))
        .filter(|b| !b.is_empty())
        .map(str::to_owned);
    let raw_key = task.s3_key.clone();
    let event = match (&bucket, &raw_key) {
        (Some(bucket), Some(raw)) => match decode_batch_key(raw) {
            Ok(key) => ReplicaEvent::Created {
                object: ObjectRef {
                    bucket: bucket.clone(),
                    key,
                    version_id: event_version_id(task.s3_version_id.clone()),
                },
                event_time_ms: None,
            },
            Err(e) => ReplicaEvent::Unreadable {
                reason: format!("s3Key: {e}"),
                bucket: Some(bucket.clone()),
                raw_key: Some(raw.clone()),
            },
        },
        _ => ReplicaEvent::Unreadable {
            reason: "task has no s3Key, or no s3BucketArn (schema 1.0) or s3Bucket (2.0)".into(),
            bucket,
            raw_key,
        },
    };
    Item {
        message_id: task.task_id.clone(),
        content: ItemContent::Events(vec![event]),
    }
}

fn s3_records(notification: &Value) -> Vec<ReplicaEvent> {
    notification
        .get("Records")
        .and_then(Value::as_array)
        .map(|records| records.iter().map(s3_record).collect())
        .unwrap_or_default()
}

/// One SQS message, as `aws_lambda_events`' [`SqsMessage`]. Each message is read on its own
/// (not the whole batch as one `SqsEvent`), so that a message that does not parse is skipped
/// alone, with its id, and cannot hide the others.
fn sqs_item(raw: &Value) -> Item {
    let message = match SqsMessage::deserialize(raw) {
        Ok(m) => m,
        Err(e) => {
            return Item {
                message_id: raw
                    .get("messageId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                content: ItemContent::Skipped(SkipReason::NotAnS3Event(format!(
                    "SQS message does not parse: {e}"
                ))),
            };
        }
    };
    let body = message.body.as_deref().unwrap_or("");
    let content = match serde_json::from_str::<Value>(body) {
        Err(e) => ItemContent::Skipped(SkipReason::NotAnS3Event(format!(
            "message body is not JSON: {e}"
        ))),
        Ok(v) if is_s3_test_event(&v) => ItemContent::Skipped(SkipReason::TestEvent),
        Ok(v) if v.get("Type").and_then(Value::as_str) == Some("Notification") => {
            ItemContent::Skipped(SkipReason::SnsWrapped)
        }
        Ok(v) if v.get("source").and_then(Value::as_str) == Some("aws.s3") => {
            ItemContent::Events(vec![eventbridge_event(&v)])
        }
        Ok(v) => match serde_json::from_value::<S3Notification>(v) {
            Ok(n) => ItemContent::Events(n.records.iter().map(s3_record).collect()),
            Err(_) => ItemContent::Skipped(SkipReason::NotAnS3Event(
                "message body has no S3 Records".to_owned(),
            )),
        },
    };
    Item {
        message_id: message.message_id,
        content,
    }
}

fn s3_record(record: &Value) -> ReplicaEvent {
    let r: S3Record = match S3Record::deserialize(record) {
        Ok(r) => r,
        Err(e) => {
            let s3 = &record["s3"];
            return ReplicaEvent::Unreadable {
                reason: format!("S3 event record: {e}"),
                bucket: s3["bucket"]["name"].as_str().map(str::to_owned),
                raw_key: s3["object"]["key"].as_str().map(str::to_owned),
            };
        }
    };
    let (bucket, raw_key) = (r.s3.bucket.name, r.s3.object.key);
    let (Some(name), Some(encoded)) = (&bucket, &raw_key) else {
        return ReplicaEvent::Unreadable {
            reason: "S3 event record: s3.bucket.name or s3.object.key is missing".to_owned(),
            bucket,
            raw_key,
        };
    };
    let key = match decode_event_key(encoded) {
        Ok(k) => k,
        Err(e) => {
            return ReplicaEvent::Unreadable {
                reason: format!("s3.object.key: {e}"),
                bucket,
                raw_key,
            };
        }
    };
    let object = ObjectRef {
        bucket: name.clone(),
        key,
        version_id: event_version_id(r.s3.object.version_id),
    };
    classify(
        &r.event_name,
        object,
        r.event_time.as_deref().and_then(parse_rfc3339_millis),
        r.replication_event_data,
    )
}

/// The version an event names. The string `"null"` is kept: it is the id of the null version
/// (S3 User Guide, "Adding objects to versioning-suspended buckets": S3 "adds a `null` version
/// ID to every subsequent object stored"), and `HeadObject` with `versionId=null` reads that
/// version, where a HEAD without a version would read whatever is latest — possibly another
/// object. Absent, JSON null and empty mean the event names no version.
fn event_version_id(version_id: Option<String>) -> Option<String> {
    version_id.filter(|v| !v.is_empty())
}

fn classify(
    event_name: &str,
    object: ObjectRef,
    event_time_ms: Option<i64>,
    replication: Option<ReplicationEventData>,
) -> ReplicaEvent {
    let name = event_name.strip_prefix("s3:").unwrap_or(event_name);
    if name.starts_with("ObjectCreated:") {
        ReplicaEvent::Created {
            object,
            event_time_ms,
        }
    } else if name.starts_with("ObjectRemoved:") {
        ReplicaEvent::Removed {
            object,
            event_name: name.to_owned(),
        }
    } else if let Some(kind) = name.strip_prefix("Replication:") {
        let data = replication.unwrap_or(ReplicationEventData {
            replication_rule_id: None,
            destination_bucket: None,
            failure_reason: None,
            s3_operation: None,
        });
        let kind = match kind {
            "OperationFailedReplication" => ReplicationEventKind::OperationFailedReplication,
            "OperationMissedThreshold" => ReplicationEventKind::OperationMissedThreshold,
            "OperationReplicatedAfterThreshold" => {
                ReplicationEventKind::OperationReplicatedAfterThreshold
            }
            "OperationNotTracked" => ReplicationEventKind::OperationNotTracked,
            other => ReplicationEventKind::Other(other.to_owned()),
        };
        ReplicaEvent::Replication(ReplicationEvent {
            kind,
            object,
            rule_id: data.replication_rule_id,
            destination_bucket: data.destination_bucket.map(|b| bucket_of_arn(&b)),
            failure_reason: data.failure_reason,
            s3_operation: data.s3_operation,
        })
    } else {
        ReplicaEvent::Other {
            event_name: name.to_owned(),
        }
    }
}

/// An EventBridge event from S3, as `aws_lambda_events`' [`EventBridgeEvent`]. The crate
/// leaves `detail` untyped (it has no type for S3's detail), so bucket, key and version are read
/// from it here, as the S3 User Guide's "Using EventBridge" event examples name them.
fn eventbridge_event(raw: &Value) -> ReplicaEvent {
    let event = match EventBridgeEvent::<Value>::deserialize(raw) {
        Ok(e) => e,
        Err(e) => {
            return ReplicaEvent::Unreadable {
                reason: format!("EventBridge event: {e}"),
                bucket: raw["detail"]["bucket"]["name"].as_str().map(str::to_owned),
                raw_key: raw["detail"]["object"]["key"].as_str().map(str::to_owned),
            };
        }
    };
    let detail = &event.detail;
    let (Some(bucket), Some(raw_key)) = (
        detail["bucket"]["name"].as_str(),
        detail["object"]["key"].as_str(),
    ) else {
        return ReplicaEvent::Unreadable {
            reason: "EventBridge detail.bucket.name or detail.object.key is missing".to_owned(),
            bucket: detail["bucket"]["name"].as_str().map(str::to_owned),
            raw_key: detail["object"]["key"].as_str().map(str::to_owned),
        };
    };
    let key = match decode_event_key(raw_key) {
        Ok(k) => k,
        Err(e) => {
            return ReplicaEvent::Unreadable {
                reason: format!("detail.object.key: {e}"),
                bucket: Some(bucket.to_owned()),
                raw_key: Some(raw_key.to_owned()),
            };
        }
    };
    let object = ObjectRef {
        bucket: bucket.to_owned(),
        key,
        version_id: event_version_id(detail["object"]["version-id"].as_str().map(str::to_owned)),
    };
    let event_name = match event.detail_type.as_str() {
        "Object Created" => "ObjectCreated:EventBridge",
        "Object Deleted" => "ObjectRemoved:EventBridge",
        other => other,
    };
    classify(
        event_name,
        object,
        event.time.map(|t| t.timestamp_millis()),
        None,
    )
}
