//! The scheduled check when it cannot run.

use serde_json::json;

use crate::common::harness::Side;
use crate::support::configured;

/// The scheduled check fails closed (issue 18, defect 6): what it cannot read is counted in
/// `ReplicationSetupUnchecked`, and a check that cannot run at all still publishes it (1), so
/// the templates' alarm fires instead of the silence of a missing metric.
#[tokio::test]
async fn a_scheduled_check_that_cannot_run_fails_closed() {
    use replication_core::metric_names::REPLICATION_SETUP_UNCHECKED;
    // GIVEN a healthy pair: the destination's check read everything
    let mut h = configured().await;
    let healthy = h.scheduled_check(Side::Destination, false).await;
    assert_eq!(healthy["unchecked"], json!([]), "{healthy:#}");
    assert_eq!(
        h.setup_metric_read_back(Side::Destination, REPLICATION_SETUP_UNCHECKED)
            .await,
        Some(0.0)
    );
    // WHEN D is gone, so the check cannot even look its region up
    let w = &h.world;
    w.b.s3
        .delete_bucket()
        .bucket(&w.destination_bucket)
        .send()
        .await
        .unwrap();
    let payload = e2e_tests::cfn::scheduled_check(
        Side::Destination.resource_type(),
        &h.props(Side::Destination),
        false,
    );
    let outcome = h.in_b.invoke(&payload).await.unwrap();
    // THEN the invocation fails (Lambda's Errors) and the metric says "could not check"
    assert!(outcome.into_response().is_err());
    assert_eq!(
        h.setup_metric_read_back(Side::Destination, REPLICATION_SETUP_UNCHECKED)
            .await,
        Some(1.0)
    );
}
