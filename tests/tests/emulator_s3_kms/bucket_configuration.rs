//! Bucket configurations read back as AWS gives them: replication, versioning and
//! notifications (gaps (b), (b2) and (h)).

use aws_sdk_s3::types::*;
use e2e_tests::accounts::Account;
use e2e_tests::unique_name;

use crate::support::{account, versioned_bucket};

// (b) GetBucketReplication returns what was put.
#[tokio::test]
async fn replication_configuration_reads_back_as_put() {
    let a = account(Account::A).await;
    let bucket = versioned_bucket(&a).await;
    // S3 refuses a rule to a missing or unversioned destination (tests/conformance).
    let destination = format!(
        "arn:aws:s3:::{}",
        versioned_bucket(&account(Account::B).await).await
    );
    let kb = "arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21";
    let dest = |prefix: &str| {
        Destination::builder()
            .bucket(&destination)
            .account("222222222222")
            .access_control_translation(
                AccessControlTranslation::builder()
                    .owner(OwnerOverride::Destination)
                    .build()
                    .unwrap(),
            )
            .encryption_configuration(
                EncryptionConfiguration::builder()
                    .replica_kms_key_id(kb)
                    .build(),
            )
            .storage_class(if prefix.is_empty() {
                StorageClass::Standard
            } else {
                StorageClass::StandardIa
            })
            .build()
            .unwrap()
    };
    let sse = SourceSelectionCriteria::builder()
        .sse_kms_encrypted_objects(
            SseKmsEncryptedObjects::builder()
                .status(SseKmsEncryptedObjectsStatus::Enabled)
                .build()
                .unwrap(),
        )
        .build();
    let tag = Tag::builder()
        .key("replicate")
        .value("yes")
        .build()
        .unwrap();
    let rules = vec![
        ReplicationRule::builder()
            .id("by-prefix")
            .priority(3)
            .status(ReplicationRuleStatus::Enabled)
            .filter(ReplicationRuleFilter::builder().prefix("logs/").build())
            .delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::Enabled)
                    .build(),
            )
            .source_selection_criteria(sse.clone())
            .destination(dest("logs/"))
            .build()
            .unwrap(),
        ReplicationRule::builder()
            .id("by-tag")
            .priority(2)
            .status(ReplicationRuleStatus::Enabled)
            .filter(ReplicationRuleFilter::builder().tag(tag.clone()).build())
            .delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::Disabled)
                    .build(),
            )
            .source_selection_criteria(sse.clone())
            .destination(dest(""))
            .build()
            .unwrap(),
        ReplicationRule::builder()
            .id("by-and")
            .priority(1)
            .status(ReplicationRuleStatus::Disabled)
            .filter(
                ReplicationRuleFilter::builder()
                    .and(
                        ReplicationRuleAndOperator::builder()
                            .prefix("data/")
                            .tags(tag)
                            .build(),
                    )
                    .build(),
            )
            .delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::Disabled)
                    .build(),
            )
            .existing_object_replication(
                ExistingObjectReplication::builder()
                    .status(ExistingObjectReplicationStatus::Enabled)
                    .build()
                    .unwrap(),
            )
            .source_selection_criteria(sse)
            .destination(dest(""))
            .build()
            .unwrap(),
    ];
    let config = ReplicationConfiguration::builder()
        .role("arn:aws:iam::111111111111:role/replication")
        .set_rules(Some(rules))
        .build()
        .unwrap();
    a.s3.put_bucket_replication()
        .bucket(&bucket)
        .replication_configuration(config.clone())
        .send()
        .await
        .unwrap();

    let got =
        a.s3.get_bucket_replication()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .replication_configuration
            .unwrap();
    assert_eq!(got, config);
}

// (b2) GetBucketVersioning and GetBucketNotificationConfiguration of a bare bucket parse
// (moto's XML roots did not).
#[tokio::test]
async fn versioning_of_a_never_versioned_bucket_reads_as_unset() {
    let a = account(Account::A).await;
    let bucket = unique_name("plain");
    a.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let v =
        a.s3.get_bucket_versioning()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
    assert_eq!(v.status, None);
    let n =
        a.s3.get_bucket_notification_configuration()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
    assert!(n.queue_configurations().is_empty());
}

// (h) S3 refuses overlapping notification configurations (S3 User Guide, "Configuring event
// notifications using object key name filtering").
#[tokio::test]
async fn overlapping_notification_configurations_are_refused_as_in_aws() {
    let b = account(Account::B).await;
    let bucket = versioned_bucket(&b).await;
    // One queue S3 may send to for every configuration: S3 validates each destination, and
    // refuses overlaps whatever their targets.
    let (_, queue_arn) = e2e_tests::world::s3_queue(&b, "overlap").await.unwrap();
    let queue = |id: &str, event: &str, prefix: Option<&str>| {
        let mut q = QueueConfiguration::builder()
            .id(id)
            .queue_arn(&queue_arn)
            .events(Event::from(event));
        if let Some(prefix) = prefix {
            q = q.filter(
                NotificationConfigurationFilter::builder()
                    .key(
                        S3KeyFilter::builder()
                            .filter_rules(
                                FilterRule::builder()
                                    .name(FilterRuleName::Prefix)
                                    .value(prefix)
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            );
        }
        q.build().unwrap()
    };
    let put = |queues: Vec<QueueConfiguration>| {
        b.s3.put_bucket_notification_configuration()
            .bucket(&bucket)
            .notification_configuration(
                NotificationConfiguration::builder()
                    .set_queue_configurations(Some(queues))
                    .build(),
            )
            .send()
    };
    // Allowed: disjoint prefixes; the same filters for different event types.
    put(vec![
        queue("a", "s3:ObjectCreated:*", Some("images/")),
        queue("b", "s3:ObjectCreated:*", Some("logs/")),
        queue("c", "s3:ObjectRemoved:*", None),
    ])
    .await
    .unwrap();
    // Refused: two unfiltered configurations of one event type (even to different queues); an
    // unfiltered one beside a filtered one; a wildcard beside one of its event types.
    let refused = [
        (
            vec![
                queue("a", "s3:ObjectCreated:*", None),
                queue("b", "s3:ObjectCreated:*", None),
            ],
            "Configurations overlap",
        ),
        (
            vec![
                queue("a", "s3:ObjectCreated:*", None),
                queue("b", "s3:ObjectCreated:Put", Some("logs/")),
            ],
            "ambiguously defined",
        ),
    ];
    for (queues, message) in refused {
        let err = put(queues).await.unwrap_err();
        let meta = aws_sdk_s3::error::ProvideErrorMetadata::meta(&err);
        assert_eq!(meta.code(), Some("InvalidArgument"), "{err:?}");
        assert!(meta.message().unwrap().contains(message), "{err:?}");
    }
    // Nothing was written by the refused calls.
    let now =
        b.s3.get_bucket_notification_configuration()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
    assert_eq!(now.queue_configurations().len(), 3);
}
