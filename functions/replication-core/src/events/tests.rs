//! Unit tests of `events`.

use serde_json::json;

use super::*;
use crate::time::parse_rfc3339_millis;

fn s3_record(event_name: &str, bucket: &str, key: &str, version: Option<&str>) -> Value {
    let mut object = json!({"key": key, "size": 5, "eTag": "e"});
    if let Some(v) = version {
        object["versionId"] = json!(v);
    }
    json!({"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
           "eventTime": "2026-11-29T05:00:00.000Z", "eventName": event_name,
           "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket}, "object": object}})
}

fn created(bucket: &str, key: &str, version: Option<&str>) -> ReplicaEvent {
    ReplicaEvent::Created {
        object: ObjectRef {
            bucket: bucket.into(),
            key: key.into(),
            version_id: version.map(Into::into),
        },
        event_time_ms: parse_rfc3339_millis("2026-11-29T05:00:00.000Z"),
    }
}

#[test]
fn direct_notification_yields_one_item_with_decoded_keys() {
    let e = json!({"Records": [
        s3_record("ObjectCreated:Put", "dst", "a+b%2Bc", Some("v1")),
        s3_record("ObjectCreated:CompleteMultipartUpload", "dst", "x", None)]});
    let inv = parse(&e).unwrap();
    assert_eq!(inv.items.len(), 1);
    assert_eq!(
        inv.items[0].content,
        ItemContent::Events(vec![
            created("dst", "a b+c", Some("v1")),
            created("dst", "x", None)
        ])
    );
}

#[test]
fn sqs_batch_yields_one_item_per_message_with_its_id() {
    let body = |key: &str| {
        json!({"Records": [s3_record("ObjectCreated:Put", "dst", key, Some("v"))]}).to_string()
    };
    let e = json!({"Records": [
        {"messageId": "m1", "eventSource": "aws:sqs", "body": body("one")},
        {"messageId": "m2", "eventSource": "aws:sqs", "body": body("two")}]});
    let inv = parse(&e).unwrap();
    assert_eq!(inv.shape, EventShape::SqsBatch { messages: 2 });
    assert_eq!(inv.items[1].message_id.as_deref(), Some("m2"));
    assert_eq!(
        inv.items[1].content,
        ItemContent::Events(vec![created("dst", "two", Some("v"))])
    );
    assert_eq!(inv.events().count(), 2);
}

#[test]
fn test_events_sns_envelopes_and_garbage_are_skipped_not_failed() {
    let test_event = json!({"Service": "Amazon S3", "Event": "s3:TestEvent",
        "Time": "2026-11-29T05:00:00.000Z", "Bucket": "dst", "RequestId": "r", "HostId": "h"});
    let sns = json!({"Type": "Notification", "MessageId": "x", "Message": "{}"});
    let e = json!({"Records": [
        {"messageId": "t", "eventSource": "aws:sqs", "body": test_event.to_string()},
        {"messageId": "s", "eventSource": "aws:sqs", "body": sns.to_string()},
        {"messageId": "g", "eventSource": "aws:sqs", "body": "not json"},
        {"messageId": "o", "eventSource": "aws:sqs", "body": "{\"other\": 1}"}]});
    let inv = parse(&e).unwrap();
    let contents: Vec<_> = inv.items.iter().map(|i| &i.content).collect();
    assert_eq!(contents[0], &ItemContent::Skipped(SkipReason::TestEvent));
    assert_eq!(contents[1], &ItemContent::Skipped(SkipReason::SnsWrapped));
    assert!(
        matches!(contents[2], ItemContent::Skipped(SkipReason::NotAnS3Event(r)) if r.contains("not JSON"))
    );
    assert!(matches!(
        contents[3],
        ItemContent::Skipped(SkipReason::NotAnS3Event(_))
    ));
}

#[test]
fn eventbridge_object_created_is_a_created_event() {
    let e = json!({"version": "0", "id": "1", "detail-type": "Object Created",
        "source": "aws.s3", "account": "222222222222", "time": "2026-11-29T05:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:s3:::dst"],
        "detail": {"version": "0", "bucket": {"name": "dst"},
                   "object": {"key": "k+1", "size": 5, "etag": "e", "version-id": "v9",
                              "sequencer": "s"}, "reason": "PutObject"}});
    let inv = parse(&e).unwrap();
    let ItemContent::Events(events) = &inv.items[0].content else {
        panic!()
    };
    assert_eq!(
        events[0],
        ReplicaEvent::Created {
            object: ObjectRef {
                bucket: "dst".into(),
                key: "k 1".into(),
                version_id: Some("v9".into())
            },
            event_time_ms: parse_rfc3339_millis("2026-11-29T05:00:00Z"),
        }
    );
}

#[test]
fn removals_and_delete_markers_are_counted_not_verified() {
    let e =
        json!({"Records": [s3_record("ObjectRemoved:DeleteMarkerCreated", "dst", "k", Some("v"))]});
    let inv = parse(&e).unwrap();
    let ItemContent::Events(events) = &inv.items[0].content else {
        panic!()
    };
    assert!(
        matches!(&events[0], ReplicaEvent::Removed { event_name, .. } if event_name == "ObjectRemoved:DeleteMarkerCreated")
    );
}

#[test]
fn replication_failure_event_carries_rule_destination_and_reason() {
    let mut r = s3_record(
        "Replication:OperationFailedReplication",
        "src",
        "k%20x",
        Some("v"),
    );
    r["replicationEventData"] = json!({"replicationRuleId": "rule-1",
        "destinationBucket": "arn:aws:s3:::dst", "s3Operation": "OBJECT_PUT",
        "requestTime": "2026-11-29T05:00:00.000Z", "failureReason": "DstKmsKeyNotFound"});
    let inv = parse(&json!({"Records": [r]})).unwrap();
    let ItemContent::Events(events) = &inv.items[0].content else {
        panic!()
    };
    let ReplicaEvent::Replication(ev) = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(ev.kind, ReplicationEventKind::OperationFailedReplication);
    assert_eq!(ev.object.key, "k x");
    assert_eq!(ev.rule_id.as_deref(), Some("rule-1"));
    assert_eq!(ev.destination_bucket.as_deref(), Some("dst"));
    assert_eq!(ev.failure_reason.as_deref(), Some("DstKmsKeyNotFound"));
}

#[test]
fn threshold_events_are_recognised() {
    for (name, kind) in [
        (
            "Replication:OperationMissedThreshold",
            ReplicationEventKind::OperationMissedThreshold,
        ),
        (
            "Replication:OperationReplicatedAfterThreshold",
            ReplicationEventKind::OperationReplicatedAfterThreshold,
        ),
        (
            "Replication:OperationNotTracked",
            ReplicationEventKind::OperationNotTracked,
        ),
    ] {
        let inv = parse(&json!({"Records": [s3_record(name, "src", "k", None)]})).unwrap();
        let ItemContent::Events(events) = &inv.items[0].content else {
            panic!()
        };
        assert!(
            matches!(&events[0], ReplicaEvent::Replication(e) if e.kind == kind),
            "{name}"
        );
    }
}

#[test]
fn a_record_with_a_bad_key_is_unreadable_and_the_others_survive() {
    let e = json!({"Records": [
        s3_record("ObjectCreated:Put", "dst", "bad%zz", None),
        s3_record("ObjectCreated:Put", "dst", "good", None)]});
    let inv = parse(&e).unwrap();
    let ItemContent::Events(events) = &inv.items[0].content else {
        panic!()
    };
    assert!(
        matches!(&events[0], ReplicaEvent::Unreadable { reason, .. } if reason.contains("s3.object.key"))
    );
    assert_eq!(events[1], created("dst", "good", None));
}

#[test]
fn an_unreadable_record_keeps_its_bucket_and_raw_key_for_the_log() {
    let mut no_key = s3_record("ObjectCreated:Put", "dst", "x", None);
    no_key["s3"]["object"]
        .as_object_mut()
        .unwrap()
        .remove("key");
    let e = json!({"Records": [
        s3_record("ObjectCreated:Put", "dst", "bad%ZZ", None),
        s3_record("ObjectCreated:Put", "dst", "trunc%C3", None),
        no_key]});
    let inv = parse(&e).unwrap();
    let ItemContent::Events(events) = &inv.items[0].content else {
        panic!()
    };
    let unreadable: Vec<_> = events
        .iter()
        .map(|e| match e {
            ReplicaEvent::Unreadable {
                bucket, raw_key, ..
            } => (bucket.as_deref(), raw_key.as_deref()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        unreadable,
        [
            (Some("dst"), Some("bad%ZZ")),
            (Some("dst"), Some("trunc%C3")),
            (Some("dst"), None)
        ]
    );
}

#[test]
fn the_null_version_is_addressed_as_null_and_an_empty_one_as_none() {
    let e = json!({"Records": [
        s3_record("ObjectCreated:Put", "dst", "k", Some("null")),
        s3_record("ObjectCreated:Put", "dst", "k", Some(""))]});
    let inv = parse(&e).unwrap();
    assert_eq!(
        inv.items[0].content,
        ItemContent::Events(vec![
            created("dst", "k", Some("null")),
            created("dst", "k", None)
        ])
    );
}

#[test]
fn a_test_event_invoked_directly_is_skipped_not_unrecognised() {
    let e = json!({"Service": "Amazon S3", "Event": "s3:TestEvent",
        "Time": "2026-11-29T05:00:00.000Z", "Bucket": "dst", "RequestId": "r", "HostId": "h"});
    let inv = parse(&e).unwrap();
    assert_eq!(inv.shape, EventShape::S3TestEvent);
    assert_eq!(
        inv.items,
        vec![Item {
            message_id: None,
            content: ItemContent::Skipped(SkipReason::TestEvent)
        }]
    );
}

#[test]
fn batch_tasks_decode_plus_as_a_space_and_keep_the_null_version() {
    let e = json!({"invocationSchemaVersion": "2.0", "invocationId": "inv",
        "job": {"id": "j", "userArguments": {}},
        "tasks": [
            {"taskId": "t1", "s3Key": "object+key+with%2Bplus%20c", "s3VersionId": null, "s3Bucket": "dst"},
            {"taskId": "t2", "s3Key": "k", "s3VersionId": "null", "s3Bucket": "dst"},
            {"taskId": "t3", "s3Key": "bad%ZZ", "s3Bucket": "dst"},
            {"taskId": "t4", "s3Key": "k"}]});
    let inv = parse(&e).unwrap();
    let contents: Vec<_> = inv.items.iter().map(|i| i.content.clone()).collect();
    let created = |key: &str, version: Option<&str>| {
        ItemContent::Events(vec![ReplicaEvent::Created {
            object: ObjectRef {
                bucket: "dst".into(),
                key: key.into(),
                version_id: version.map(Into::into),
            },
            event_time_ms: None,
        }])
    };
    assert_eq!(contents[0], created("object key with+plus c", None));
    assert_eq!(contents[1], created("k", Some("null")));
    assert!(matches!(&contents[2], ItemContent::Events(e)
        if matches!(&e[0], ReplicaEvent::Unreadable { raw_key: Some(k), .. } if k == "bad%ZZ")));
    assert!(matches!(&contents[3], ItemContent::Events(e)
        if matches!(&e[0], ReplicaEvent::Unreadable { bucket: None, .. })));
    assert_eq!(inv.items[3].message_id.as_deref(), Some("t4"));
}

#[test]
fn a_batch_event_whose_tasks_are_missing_or_not_a_list_names_tasks() {
    for tasks in [None, Some(json!("t1")), Some(json!({"taskId": "t1"}))] {
        let mut e = json!({"invocationSchemaVersion": "2.0", "invocationId": "i",
            "job": {"id": "j", "userArguments": {}}});
        if let Some(tasks) = tasks {
            e["tasks"] = tasks;
        }
        let err = parse(&e).unwrap_err().to_string();
        assert!(err.contains("`tasks`"), "{err}");
        assert!(!err.contains("unrecognised"), "{err}");
    }
}

#[test]
fn a_batch_event_without_a_job_is_unrecognised_with_the_reason() {
    let e = json!({"invocationSchemaVersion": "1.0", "invocationId": "i", "tasks": []});
    let err = parse(&e).unwrap_err();
    assert!(err.to_string().contains("S3 Batch Operations"), "{err}");
}

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

#[test]
fn a_destination_bucket_arn_is_read_in_every_partition() {
    for arn in [
        "arn:aws:s3:::d",
        "arn:aws-cn:s3:::d",
        "arn:aws-us-gov:s3:::d",
        "d",
    ] {
        assert_eq!(bucket_of_arn(arn), "d", "{arn}");
    }
    assert_eq!(
        bucket_of_arn("arn:aws:sqs:us-east-1:1:q"),
        "arn:aws:sqs:us-east-1:1:q"
    );
}

fn scoped(records: Vec<Value>, prefixes: &str) -> Vec<ReplicaEvent> {
    let inv = parse(&json!({ "Records": records }))
        .unwrap()
        .limit_to(&KeyScope::parse(prefixes).unwrap());
    match inv.items.into_iter().next().unwrap().content {
        ItemContent::Events(events) => events,
        ItemContent::Skipped(r) => panic!("skipped: {r:?}"),
    }
}

fn out_of_scope(bucket: &str, key: &str) -> ReplicaEvent {
    ReplicaEvent::OutOfScope {
        object: ObjectRef {
            bucket: bucket.into(),
            key: key.into(),
            version_id: Some("v".into()),
        },
    }
}

#[test]
fn keys_outside_the_prefixes_are_out_of_scope_matched_on_the_decoded_key() {
    // GIVEN S3's URL-encoded keys: `my+reports%2Fq1.csv` is `my reports/q1.csv`
    let events = scoped(
        vec![
            s3_record("ObjectCreated:Put", "dst", "my+reports%2Fq1.csv", Some("v")),
            s3_record("ObjectCreated:Put", "dst", "logs%2Fapp.log", Some("v")),
            s3_record(
                "ObjectCreated:Put",
                "dst",
                "inventory/manifest.json",
                Some("v"),
            ),
            s3_record(
                "ObjectRemoved:Delete",
                "dst",
                "inventory/old.csv",
                Some("v"),
            ),
        ],
        "my reports/,logs/",
    );
    // THEN the decoded keys under the prefixes stay replicas and the others are set aside
    assert_eq!(
        events,
        vec![
            created("dst", "my reports/q1.csv", Some("v")),
            created("dst", "logs/app.log", Some("v")),
            out_of_scope("dst", "inventory/manifest.json"),
            out_of_scope("dst", "inventory/old.csv"),
        ]
    );
    // AND the encoded spelling of a prefix matches nothing
    assert_eq!(
        scoped(
            vec![s3_record(
                "ObjectCreated:Put",
                "dst",
                "my+reports%2Fq1.csv",
                Some("v")
            )],
            "my+reports%2F",
        ),
        vec![out_of_scope("dst", "my reports/q1.csv")]
    );
}

#[test]
fn an_empty_scope_changes_nothing() {
    let records = vec![
        s3_record(
            "ObjectCreated:Put",
            "dst",
            "inventory/manifest.json",
            Some("v"),
        ),
        s3_record("ObjectRemoved:Delete", "dst", "x", Some("v")),
    ];
    let all = parse(&json!({ "Records": records.clone() })).unwrap();
    assert_eq!(all.clone().limit_to(&KeyScope::parse("").unwrap()), all);
    assert_eq!(all.clone().limit_to(&KeyScope::default()), all);
}

#[test]
fn canary_replicas_stay_in_scope() {
    let canary = crate::canary::liveness_key("logs/", "s");
    let events = scoped(
        vec![s3_record("ObjectCreated:Put", "dst", &canary, Some("v"))],
        "logs/",
    );
    assert!(
        matches!(events[0], ReplicaEvent::Created { .. }),
        "{events:?}"
    );
    let events = scoped(
        vec![s3_record("ObjectCreated:Put", "dst", &canary, Some("v"))],
        "data/",
    );
    assert!(
        matches!(events[0], ReplicaEvent::Created { .. }),
        "{events:?}"
    );
}

#[test]
fn replication_events_are_kept_whatever_their_key() {
    let mut failed = s3_record(
        "Replication:OperationFailedReplication",
        "src",
        "elsewhere/k",
        Some("v"),
    );
    failed["replicationEventData"] = json!({"replicationRuleId": "r",
        "destinationBucket": "arn:aws:s3:::dst", "failureReason": "AssumeRoleNotPermitted"});
    let events = scoped(vec![failed], "logs/");
    assert!(
        matches!(&events[0], ReplicaEvent::Replication(r)
            if r.kind == ReplicationEventKind::OperationFailedReplication),
        "{events:?}"
    );
}

#[test]
fn batch_operations_tasks_outside_the_prefixes_are_out_of_scope() {
    let task = |id: &str, key: &str| json!({"taskId": id, "s3Key": key, "s3VersionId": "v", "s3BucketArn": "arn:aws:s3:::dst"});
    let inv = parse(
        &json!({"invocationSchemaVersion": "1.0", "invocationId": "i",
        "job": {"id": "j"}, "tasks": [task("t1", "logs/a+b"), task("t2", "reports/r.csv")]}),
    )
    .unwrap()
    .limit_to(&KeyScope::parse("logs/").unwrap());
    assert_eq!(
        inv.items[1].content,
        ItemContent::Events(vec![out_of_scope("dst", "reports/r.csv")])
    );
    assert!(matches!(
        &inv.items[0].content,
        ItemContent::Events(e) if matches!(&e[0], ReplicaEvent::Created { object, .. } if object.key == "logs/a b")
    ));
}
