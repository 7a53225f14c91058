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
//! events). [`Invocation::limit_to`] then sets aside the objects outside `VERIFY_PREFIXES`
//! ([`ReplicaEvent::OutOfScope`]).
//!
//! The payloads are read with the types `aws_lambda_events` maintains ([`SqsMessage`],
//! [`S3Entity`], [`EventBridgeEvent`], [`S3BatchJobEvent`], with its `catch-all-fields` for
//! what it does not model). Ours are only what the crate cannot express: which shape a payload
//! is (the crate has a type per trigger, not a detector), the S3 fields it leaves out
//! (`replicationEventData`, schema 2.0's `s3Bucket`), S3's detail inside an EventBridge event,
//! and key decoding, which the crate leaves to the caller ([`crate::s3_key`]) — in S3
//! notifications, EventBridge events and Batch Operations tasks alike, so that everything
//! downstream sees the real key.
//!
//! [`SqsMessage`]: aws_lambda_events::sqs::SqsMessage
//! [`S3Entity`]: aws_lambda_events::s3::S3Entity
//! [`EventBridgeEvent`]: aws_lambda_events::eventbridge::EventBridgeEvent
//! [`S3BatchJobEvent`]: aws_lambda_events::s3::batch_job::S3BatchJobEvent

use serde_json::Value;

use crate::verifier_config::KeyScope;

mod parse;
pub use parse::parse;

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
    /// An `ObjectCreated` or `ObjectRemoved` event (or a Batch Operations task) whose key is
    /// outside `VERIFY_PREFIXES` ([`Invocation::limit_to`]): not a replica, counted as skipped.
    OutOfScope {
        /// The object, key decoded.
        object: ObjectRef,
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
    /// Turn every `Created` and `Removed` event whose (decoded) key `scope` does not contain
    /// into [`ReplicaEvent::OutOfScope`]: inventory files, reports and objects written to D
    /// directly are not judged as replicas. Replication events are kept whatever their key:
    /// S3 sends them only for objects a replication rule selected, so they are never one of
    /// those, and a failure among them is one S3 will not retry.
    #[must_use]
    pub fn limit_to(mut self, scope: &KeyScope) -> Self {
        if scope.is_everything() {
            return self;
        }
        for item in &mut self.items {
            if let ItemContent::Events(events) = &mut item.content {
                for event in events.iter_mut() {
                    let object = match event {
                        ReplicaEvent::Created { object, .. }
                        | ReplicaEvent::Removed { object, .. }
                            if !scope.contains(&object.key) =>
                        {
                            object.clone()
                        }
                        _ => continue,
                    };
                    *event = ReplicaEvent::OutOfScope { object };
                }
            }
        }
        self
    }

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
