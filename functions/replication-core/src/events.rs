//! The verifier's inputs: shape detection and parsing into [`ReplicaEvent`]s.
//!
//! The verifier is invoked in five ways, told apart from the payload alone ([`detect`]):
//!
//! | payload | shape |
//! |---|---|
//! | `{"Records":[{"eventSource":"aws:s3", …}]}` | [`EventShape::S3Notification`] (direct S3 notification) |
//! | `{"Records":[{"eventSource":"aws:sqs", …}]}` | [`EventShape::SqsBatch`] (S3 events in message bodies) |
//! | `{"source":"aws.s3","detail-type":…}` | [`EventShape::EventBridge`] |
//! | `{"invocationSchemaVersion":…,"tasks":[…]}` | [`EventShape::BatchOperations`] (S3 Batch Operations, schema 1.0 or 2.0) |
//! | `{"Event":"s3:TestEvent",…}` | [`EventShape::S3TestEvent`] (skipped and counted) |
//!
//! Anything else is a [`ShapeError`], which names what was found so the operator can fix the
//! wiring. [`parse`] then turns the payload into [`Item`]s: one per SQS message (so batch
//! failures can name it), one per Batch Operations task (so each gets its result), or a single
//! item for a direct or EventBridge invocation. Each item holds zero or more [`ReplicaEvent`]s,
//! or says why it was skipped (S3's `s3:TestEvent`, SNS-wrapped messages, bodies that are not S3
//! events).
//!
//! The payloads are read with the types `aws_lambda_events` maintains ([`SqsMessage`],
//! [`S3Entity`], [`EventBridgeEvent`], [`S3BatchJobEvent`], with its `catch-all-fields` for
//! what it does not model). Ours are only what the crate cannot express: which shape a payload
//! is (the crate has a type per trigger, not a detector), the S3 fields it leaves out
//! (`replicationEventData`, schema 2.0's `s3Bucket`), S3's detail inside an EventBridge event,
//! and key decoding, which the crate leaves to the caller ([`crate::s3_key`]) — in S3
//! notifications, EventBridge events and Batch Operations tasks alike, so that everything
//! downstream sees the real key.

use aws_lambda_events::eventbridge::EventBridgeEvent;
use aws_lambda_events::s3::S3Entity;
use aws_lambda_events::s3::batch_job::{S3BatchJobEvent, S3BatchJobTask};
use aws_lambda_events::sqs::SqsMessage;
use serde::Deserialize;
use serde_json::Value;

use crate::s3_key::{decode_batch_key, decode_event_key};
use crate::time::parse_rfc3339_millis;

/// The recognised invocation payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventShape {
    /// S3 invoked the function directly with `records` S3 event records.
    S3Notification {
        /// Number of records.
        records: usize,
    },
    /// An SQS event source mapping delivered `messages` messages.
    SqsBatch {
        /// Number of messages.
        messages: usize,
    },
    /// An EventBridge event from S3, with its `detail-type`.
    EventBridge {
        /// For example `Object Created`.
        detail_type: String,
    },
    /// S3's `s3:TestEvent`, sent once when a notification configuration that targets the
    /// function is saved: skipped and counted, never failed.
    S3TestEvent,
    /// An S3 Batch Operations "Invoke AWS Lambda function" event: one item per task, each
    /// answered with a result code.
    BatchOperations {
        /// `invocationSchemaVersion`, `1.0` or `2.0`, echoed in the response.
        schema_version: String,
        /// `invocationId`, echoed in the response.
        invocation_id: String,
    },
}

/// The payload is none of the shapes the verifier accepts, or an S3 Batch Operations event
/// that is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    /// None of the accepted shapes.
    #[error(
        "unrecognised event payload ({found}): expected an S3 notification, an SQS batch of S3 \
         events, or an EventBridge event from aws.s3; check the function's trigger"
    )]
    Unrecognised {
        /// A short description of what the payload looked like.
        found: String,
    },
    /// An S3 Batch Operations event (it has `invocationSchemaVersion`) that is malformed.
    #[error("malformed S3 Batch Operations event: {0}")]
    Batch(String),
}

/// Classify `payload`.
///
/// # Errors
/// [`ShapeError`] when the payload is none of the accepted shapes.
pub fn detect(payload: &Value) -> Result<EventShape, ShapeError> {
    if let Some(records) = payload.get("Records").and_then(Value::as_array) {
        let source = records
            .first()
            .and_then(|r| r.get("eventSource").or_else(|| r.get("EventSource")))
            .and_then(Value::as_str);
        return match source {
            Some("aws:s3") => Ok(EventShape::S3Notification {
                records: records.len(),
            }),
            Some("aws:sqs") => Ok(EventShape::SqsBatch {
                messages: records.len(),
            }),
            other => Err(ShapeError::Unrecognised {
                found: format!("Records with eventSource {other:?}"),
            }),
        };
    }
    if is_s3_test_event(payload) {
        return Ok(EventShape::S3TestEvent);
    }
    if let Some(version) = payload
        .get("invocationSchemaVersion")
        .and_then(Value::as_str)
    {
        return Ok(EventShape::BatchOperations {
            schema_version: version.to_owned(),
            invocation_id: payload
                .get("invocationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        });
    }
    if payload.get("source").and_then(Value::as_str) == Some("aws.s3") {
        let detail_type = payload
            .get("detail-type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        return Ok(EventShape::EventBridge { detail_type });
    }
    let found = match payload {
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(5).collect();
            format!("an object with keys {keys:?}")
        }
        Value::Null => "null".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        _ => "a scalar".to_owned(),
    };
    Err(ShapeError::Unrecognised { found })
}

/// S3's test message, `{"Service":"Amazon S3","Event":"s3:TestEvent",…}`: no `Records`.
/// Shape from the S3 User Guide, "Event message structure" (notification-content-structure.md).
fn is_s3_test_event(payload: &Value) -> bool {
    payload.get("Event").and_then(Value::as_str) == Some("s3:TestEvent")
}

/// One S3 object version named by an event, with its key decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// Bucket name.
    pub bucket: String,
    /// The real object key (URL-decoded).
    pub key: String,
    /// The version the event is about. `Some("null")` is the null version (an object written
    /// while versioning was off or suspended), which S3 addresses as `versionId=null`.
    pub version_id: Option<String>,
}

/// The S3 replication event types (`Replication:<kind>` in notifications).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicationEventKind {
    /// The object could not be replicated; `failureReason` says why. S3 does not retry.
    OperationFailedReplication,
    /// Replication Time Control: not replicated within the threshold.
    OperationMissedThreshold,
    /// Replication Time Control: replicated, but after the threshold.
    OperationReplicatedAfterThreshold,
    /// Replication Time Control no longer tracks the object.
    OperationNotTracked,
    /// A replication event type this version does not know.
    Other(String),
}

/// An S3 replication event, emitted on the *source* bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationEvent {
    /// Which event.
    pub kind: ReplicationEventKind,
    /// The source object.
    pub object: ObjectRef,
    /// `replicationEventData.replicationRuleId`.
    pub rule_id: Option<String>,
    /// The destination bucket's name (from the ARN in `replicationEventData.destinationBucket`).
    pub destination_bucket: Option<String>,
    /// `replicationEventData.failureReason`, for failures.
    pub failure_reason: Option<String>,
    /// `replicationEventData.s3Operation`, such as `OBJECT_PUT`.
    pub s3_operation: Option<String>,
}

/// What one event record asks of the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplicaEvent {
    /// `ObjectCreated:*` (or EventBridge `Object Created`): a replica to verify.
    Created {
        /// The object version.
        object: ObjectRef,
        /// The event's time in epoch milliseconds, for the verification-delay metric.
        event_time_ms: Option<i64>,
    },
    /// `ObjectRemoved:*`, including delete markers: counted, not verified.
    Removed {
        /// The object.
        object: ObjectRef,
        /// For example `ObjectRemoved:DeleteMarkerCreated`.
        event_name: String,
    },
    /// A replication event from the source bucket: counted in metrics, not verified.
    Replication(ReplicationEvent),
    /// Any other S3 event: counted, not verified.
    Other {
        /// The event name.
        event_name: String,
    },
    /// A record that cannot be read (for example a key that does not URL-decode).
    Unreadable {
        /// Why, naming the field.
        reason: String,
        /// The bucket, when the record names one.
        bucket: Option<String>,
        /// The object key as received (not decoded), when the record has one.
        raw_key: Option<String>,
    },
}

/// Why a whole SQS message was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// S3's `s3:TestEvent`, sent when a notification configuration is saved.
    TestEvent,
    /// An SNS envelope (`"Type":"Notification"`): subscribe the queue with raw message delivery.
    SnsWrapped,
    /// The body is not an S3 event; the text says what it was.
    NotAnS3Event(String),
}

/// One unit of work: an SQS message, an S3 Batch Operations task, or the whole of a direct or
/// EventBridge invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The SQS message id (for `batchItemFailures`) or the Batch Operations `taskId` (for its
    /// result); `None` for other shapes.
    pub message_id: Option<String>,
    /// What the item holds.
    pub content: ItemContent,
}

/// The events of an item, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemContent {
    /// The S3 event records, in order.
    Events(Vec<ReplicaEvent>),
    /// Skipped as a whole.
    Skipped(SkipReason),
}

/// A parsed invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// How the function was invoked.
    pub shape: EventShape,
    /// The items, in input order.
    pub items: Vec<Item>,
}

impl Invocation {
    /// Every event of every item, in input order, with the index of its item.
    pub fn events(&self) -> impl Iterator<Item = (usize, &ReplicaEvent)> {
        self.items.iter().enumerate().flat_map(|(i, item)| {
            let events: &[ReplicaEvent] = match &item.content {
                ItemContent::Events(events) => events,
                ItemContent::Skipped(_) => &[],
            };
            events.iter().map(move |e| (i, e))
        })
    }
}

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

/// The bucket name of an S3 bucket ARN in any partition (`arn:aws:s3:::b`,
/// `arn:aws-cn:s3:::b`, `arn:aws-us-gov:s3:::b`); anything else as it is.
fn bucket_of_arn(arn: &str) -> String {
    match arn.splitn(6, ':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "s3", "", "", bucket] => (*bucket).to_owned(),
        _ => arn.to_owned(),
    }
}

#[cfg(test)]
mod tests;
