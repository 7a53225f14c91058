//! Shape detection for the payloads the replica verifier is wired to.
//!
//! The verifier is invoked in three ways, told apart from the payload alone:
//!
//! | payload | shape |
//! |---|---|
//! | `{"Records":[{"eventSource":"aws:s3", …}]}` | [`EventShape::S3Notification`] (direct S3 notification) |
//! | `{"Records":[{"eventSource":"aws:sqs", …}]}` | [`EventShape::SqsBatch`] (S3 events in message bodies) |
//! | `{"source":"aws.s3","detail-type":…}` | [`EventShape::EventBridge`] |
//!
//! Anything else is [`ShapeError`], which names what was found so the operator can fix the
//! wiring.

use serde_json::Value;

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
}

/// The payload is none of the shapes the verifier accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unrecognised event payload ({found}): expected an S3 notification, an SQS batch of S3 \
     events, or an EventBridge event from aws.s3; check the function's trigger"
)]
pub struct ShapeError {
    /// A short description of what the payload looked like.
    pub found: String,
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
            other => Err(ShapeError {
                found: format!("Records with eventSource {other:?}"),
            }),
        };
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
    Err(ShapeError { found })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn direct_s3_notification_is_detected() {
        let e = json!({"Records": [{"eventSource": "aws:s3"}, {"eventSource": "aws:s3"}]});
        assert_eq!(detect(&e), Ok(EventShape::S3Notification { records: 2 }));
    }

    #[test]
    fn sqs_batch_is_detected() {
        let e = json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]});
        assert_eq!(detect(&e), Ok(EventShape::SqsBatch { messages: 1 }));
    }

    #[test]
    fn eventbridge_object_created_is_detected() {
        let e = json!({"source": "aws.s3", "detail-type": "Object Created", "detail": {}});
        assert_eq!(
            detect(&e),
            Ok(EventShape::EventBridge {
                detail_type: "Object Created".into()
            })
        );
    }

    #[test]
    fn unknown_payload_names_what_was_found() {
        let err = detect(&json!({"hello": 1})).unwrap_err();
        assert!(err.to_string().contains("\"hello\""), "{err}");
        let err = detect(&json!({"Records": [{"eventSource": "aws:dynamodb"}]})).unwrap_err();
        assert!(err.to_string().contains("aws:dynamodb"), "{err}");
    }
}
