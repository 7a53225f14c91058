//! The two stacks in either order: the source waits for its destination, within its deadline.

use std::time::Duration;

use e2e_tests::cfn::Request;

use crate::common::harness::{DESTINATION, Harness, SOURCE};

/// On AWS the source cannot write its rule before D exists and is versioned: PutBucketReplication
/// answers 400 InvalidRequest "Destination bucket must have versioning enabled." (recorded in
/// LocalStack's `test_replication_config_without_filter`; tests/conformance). Two stacks deployed
/// at once still converge: the source waits, within its deadline, for the destination's Create.
#[tokio::test]
async fn source_first_waits_for_the_destination_deployed_meanwhile() {
    // GIVEN both stacks deploy at once, the destination's Create starting 2 s after the source's
    let mut h = Harness::new().await;
    let (source_props, destination_props) = (h.source_props(), h.destination_props());
    let Harness {
        responses,
        in_a,
        in_b,
        ..
    } = &mut h;
    let source = responses.send(
        in_a,
        Request {
            request_type: "Create",
            resource_type: SOURCE,
            properties: source_props,
            old_properties: None,
            physical_id: None,
        },
    );
    let destination = async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        responses
            .send(
                in_b,
                Request {
                    request_type: "Create",
                    resource_type: DESTINATION,
                    properties: destination_props,
                    old_properties: None,
                    physical_id: None,
                },
            )
            .await
    };
    // WHEN both run
    let (source, destination) = tokio::join!(source, destination);
    // THEN both succeed, and objects replicate
    let (source, destination) = (source.unwrap(), destination.unwrap());
    assert_eq!(destination["Status"], "SUCCESS", "{destination}");
    assert_eq!(source["Status"], "SUCCESS", "{source}");
    h.assert_replicates("source-first.txt").await;
}

#[tokio::test]
async fn source_without_its_destination_fails_saying_to_deploy_the_destination_first() {
    // GIVEN no destination stack: D exists but is not versioned
    let mut h = Harness::new().await;
    // WHEN the source's Create runs with 25 s left (15 s of work after the answer's margin)
    let props = h.source_props();
    let answer = h
        .send_with_deadline("Create", SOURCE, props, None, Duration::from_secs(25))
        .await;
    // THEN it fails, in time, with a Reason that says what to do
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    for needed in [
        "deploy the destination stack",
        h.world.destination_bucket.as_str(),
        "Destination bucket must have versioning enabled.",
    ] {
        assert!(reason.contains(needed), "{needed:?} in {reason}");
    }
    // AND once the destination is deployed, a retry of the source converges
    h.create_destination().await;
    h.create_source().await;
    h.assert_replicates("after-destination.txt").await;
}
