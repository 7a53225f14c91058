//! D's notification configuration: shared between pairs, and beside other teams' entries.

use e2e_tests::accounts::Account;
use e2e_tests::cleanup::Resource;
use e2e_tests::unique_name;
use e2e_tests::world::s3_queue;
use serde_json::json;

use crate::common::harness::{DESTINATION, Harness};
use crate::support::MARKER;

/// Issue 8, defect 2: S3 refuses overlapping notification configurations, so every pair into D
/// shares one configuration per queue, which goes with the last pair.
#[tokio::test]
async fn two_sources_into_one_destination_share_one_notification_configuration() {
    // GIVEN the first pair's destination resource, with the verifier's queue
    let mut h = Harness::new().await;
    let first = h.create_destination().await;
    // WHEN a second source bucket's destination resource names the same queue
    let mut second_props = h.destination_props();
    second_props["SourceBucket"] = json!(unique_name("second-src"));
    let second = h
        .send("Create", DESTINATION, second_props.clone(), None)
        .await;
    // THEN it succeeds (a second configuration would overlap the first) and joins the first
    assert_eq!(second["Status"], "SUCCESS", "{second}");
    let queue = h.world.queue_arn.clone();
    let shared = h.queue_notifications().await;
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert_eq!(shared[0].1, queue);
    // AND deleting the first pair keeps it for the second; deleting the second removes it
    let props = h.destination_props();
    let id = first["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", DESTINATION, props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let left = h.queue_notifications().await;
    assert_eq!(left.len(), 1, "{left:?}");
    assert_ne!(
        left[0].0, shared[0].0,
        "the Id lists the pairs still using it"
    );
    let id = second["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", DESTINATION, second_props, id).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(h.queue_notifications().await.is_empty());
}

/// Issue 8, defect 2: a foreign configuration that overlaps ours fails the Create with a Reason
/// that names it; it is never dropped and never duplicated.
#[tokio::test]
async fn an_overlapping_foreign_notification_fails_the_create_and_is_kept() {
    // GIVEN D already sends its object-created events somewhere else (a queue S3 may send to:
    // AWS validates every destination)
    let mut h = Harness::new().await;
    let w = &h.world;
    let (ingest_url, ingest_arn) = s3_queue(&w.b, "ingest").await.unwrap();
    w.track(Account::B, Resource::Queue(ingest_url));
    let foreign = aws_sdk_s3::types::QueueConfiguration::builder()
        .id("data-lake-ingest")
        .queue_arn(ingest_arn)
        .events(aws_sdk_s3::types::Event::from("s3:ObjectCreated:Put"))
        .build()
        .unwrap();
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .queue_configurations(foreign)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let before = h.queue_notifications().await;
    // WHEN our destination resource with a queue is created
    let props = h.destination_props();
    let answer = h.send("Create", DESTINATION, props, None).await;
    // THEN it fails, naming the configuration and the way out
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(
        reason.contains("NotificationQueueArn")
            && reason.contains("data-lake-ingest")
            && reason.contains("EventBridge"),
        "{reason}"
    );
    // AND nothing was written: the foreign configuration is as it was, no policy, and the
    // failed-create marker keeps the rollback Delete from touching anything
    assert!(
        answer["PhysicalResourceId"]
            .as_str()
            .unwrap()
            .starts_with(MARKER)
    );
    assert_eq!(h.queue_notifications().await, before);
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
}

/// A foreign entry of D's notification configuration whose queue was deleted: S3 validates every
/// destination on each write (400 InvalidArgument "Unable to validate the following destination
/// configurations", recorded on AWS; tests/conformance), so our Create fails. It fails before any
/// other write, naming the entry and its owner's fix; a Delete still takes our entry out.
#[tokio::test]
async fn a_stale_foreign_notification_is_named_and_does_not_block_a_delete() {
    // GIVEN our destination resource, and another team's entry added to D's configuration later
    let mut h = Harness::new().await;
    let created = h.create_destination().await;
    let w = &h.world;
    let (ingest_url, ingest_arn) = s3_queue(&w.b, "ingest").await.unwrap();
    let mut config =
        w.b.s3
            .get_bucket_notification_configuration()
            .bucket(&w.destination_bucket)
            .send()
            .await
            .unwrap();
    let mut queues = config.queue_configurations.take().unwrap_or_default();
    queues.push(
        aws_sdk_s3::types::QueueConfiguration::builder()
            .id("data-lake-deletes")
            .queue_arn(&ingest_arn)
            .events(aws_sdk_s3::types::Event::from("s3:ObjectRemoved:*"))
            .build()
            .unwrap(),
    );
    w.b.s3
        .put_bucket_notification_configuration()
        .bucket(&w.destination_bucket)
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .set_queue_configurations(Some(queues))
                .build(),
        )
        .send()
        .await
        .unwrap();
    // AND that team's queue is deleted, its entry left behind
    w.b.sqs
        .delete_queue()
        .queue_url(ingest_url)
        .send()
        .await
        .unwrap();
    let before = h.queue_notifications().await;
    assert_eq!(before.len(), 2, "{before:?}");

    // WHEN a second pair into D is created (its Create must write D's configuration)
    let mut second = h.destination_props();
    second["SourceBucket"] = json!(unique_name("second-src"));
    let answer = h.send("Create", DESTINATION, second, None).await;
    // THEN it fails, naming the foreign entry, its queue, why and whose fix it is
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    for needed in [
        "data-lake-deletes",
        ingest_arn.as_str(),
        "does not exist",
        "not ours",
    ] {
        assert!(reason.contains(needed), "{needed:?} in {reason}");
    }
    // AND nothing changed: the configuration is as it was
    assert_eq!(h.queue_notifications().await, before);

    // WHEN the first pair is deleted
    let props = h.destination_props();
    let id = created["PhysicalResourceId"].as_str().map(str::to_owned);
    let deleted = h.send("Delete", DESTINATION, props, id).await;
    // THEN it succeeds: our entry is gone, the foreign one is kept as it was
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let left = h.queue_notifications().await;
    assert_eq!(left, vec![("data-lake-deletes".to_owned(), ingest_arn)]);
}
