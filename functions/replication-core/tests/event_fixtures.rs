//! Every fixture in `events/` parses as the shape it claims, with keys decoded.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use replication_core::events::{
    EventShape, ItemContent, ReplicaEvent, ReplicationEventKind, SkipReason, parse,
};

fn fixture(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

fn events(content: &ItemContent) -> &[ReplicaEvent] {
    match content {
        ItemContent::Events(e) => e,
        ItemContent::Skipped(r) => panic!("skipped: {r:?}"),
    }
}

#[test]
fn direct_s3_fixture_is_one_created_replica() {
    let inv = parse(&fixture(include_str!(
        "../../../events/s3-object-created.json"
    )))
    .unwrap();
    assert_eq!(inv.shape, EventShape::S3Notification { records: 1 });
    let ReplicaEvent::Created {
        object,
        event_time_ms,
    } = &events(&inv.items[0].content)[0]
    else {
        panic!()
    };
    assert_eq!(object.key, "reports/2026/q4 summary final.csv");
    assert_eq!(
        object.version_id.as_deref(),
        Some("096fKKXTRTtl3on89fVO.nfljtsv6qko")
    );
    assert!(event_time_ms.is_some());
}

#[test]
fn sqs_batch_fixture_has_replicas_a_test_event_and_a_delete_marker() {
    let inv = parse(&fixture(include_str!("../../../events/sqs-s3-batch.json"))).unwrap();
    assert_eq!(inv.shape, EventShape::SqsBatch { messages: 4 });
    assert!(inv.items.iter().all(|i| i.message_id.is_some()));
    let ReplicaEvent::Created { object, .. } = &events(&inv.items[1].content)[0] else {
        panic!()
    };
    assert_eq!(object.key, "data/big file(1).bin");
    assert_eq!(
        inv.items[2].content,
        ItemContent::Skipped(SkipReason::TestEvent)
    );
    assert!(matches!(
        &events(&inv.items[3].content)[0],
        ReplicaEvent::Removed { .. }
    ));
}

#[test]
fn eventbridge_fixture_is_a_created_replica() {
    let inv = parse(&fixture(include_str!(
        "../../../events/eventbridge-object-created.json"
    )))
    .unwrap();
    let ReplicaEvent::Created { object, .. } = &events(&inv.items[0].content)[0] else {
        panic!()
    };
    assert_eq!(object.key, "images/photo 2026.jpg");
    assert_eq!(
        object.version_id.as_deref(),
        Some("IYV3p45BT0ac8hjHg1houSdS1a.Mro8e")
    );
}

#[test]
fn replication_failure_fixture_carries_the_reason() {
    let inv = parse(&fixture(include_str!(
        "../../../events/s3-replication-failed.json"
    )))
    .unwrap();
    let ReplicaEvent::Replication(r) = &events(&inv.items[0].content)[0] else {
        panic!()
    };
    assert_eq!(r.kind, ReplicationEventKind::OperationFailedReplication);
    assert_eq!(r.failure_reason.as_deref(), Some("DstKmsKeyNotFound"));
    assert_eq!(
        r.destination_bucket.as_deref(),
        Some("example-destination-bucket")
    );
    assert_eq!(r.object.key, "finance/q4 report.pdf");
}

#[test]
fn keys_fixture_decodes_spaces_plus_signs_percent_and_unicode() {
    let inv = parse(&fixture(include_str!(
        "../../../events/s3-keys-needing-decoding.json"
    )))
    .unwrap();
    let keys: Vec<&str> = events(&inv.items[0].content)
        .iter()
        .map(|e| match e {
            ReplicaEvent::Created { object, .. } => object.key.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        keys,
        [
            "with spaces in name.txt",
            "plus+sign+c++.txt",
            "percent%sign.txt",
            "unicode/über/日本語.txt",
            "emoji😀.png"
        ]
    );
}

#[test]
fn batch_operations_fixtures_of_both_schemas_are_one_task_each() {
    for (text, version) in [
        (
            include_str!("../../../events/s3-batch-operations-1.0.json"),
            "1.0",
        ),
        (
            include_str!("../../../events/s3-batch-operations-2.0.json"),
            "2.0",
        ),
    ] {
        let inv = parse(&fixture(text)).unwrap();
        assert_eq!(
            inv.shape,
            EventShape::BatchOperations {
                schema_version: version.into(),
                invocation_id: "YXNkbGZqYWRmaiBhc2RmdW9hZHNmZGpmaGFzbGtkaGZza2RmaAo".into()
            }
        );
        assert_eq!(
            inv.items[0].message_id.as_deref(),
            Some("dGFza2lkZ29lc2hlcmUK")
        );
        let ReplicaEvent::Created { object, .. } = &events(&inv.items[0].content)[0] else {
            panic!("{version}")
        };
        assert_eq!(object.bucket, "example-destination-bucket", "{version}");
        assert_eq!(object.key, "reports/2026/q4 summary.csv", "{version}");
        assert_eq!(
            object.version_id.as_deref(),
            Some("096fKKXTRTtl3on89fVO.nfljtsv6qko")
        );
    }
}
