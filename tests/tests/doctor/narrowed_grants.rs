//! Issue 18, defect 3: grants narrowed by hand, to the rule's prefix (healthy) or to a literal
//! `*` (a finding).

use serde_json::{Value, json};

use crate::common;
use crate::common::harness::{Harness, SOURCE, Side};
use crate::support::{Redeploy, configured, only_finding, run};

/// Rewrite `doc`'s text, replacing `from` with `to` (a grant narrowed by hand).
fn narrowed(doc: &Value, from: &str, to: &str) -> Value {
    serde_json::from_str(&doc.to_string().replace(from, to)).unwrap()
}

/// Issue 18, defect 3: a pair configured as in the S3 guide's example policies, every grant on
/// `bucket/<prefix>*` and a rule with that prefix, is healthy; the doctor evaluates real objects
/// under the rule's prefix, and the emulator replicates one.
#[tokio::test]
async fn grants_narrowed_to_the_rules_prefix_are_healthy_and_replicate() {
    // GIVEN our resources with a rule for "logs/", then every grant narrowed to logs/ by hand
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut props = h.source_props();
    props["Rules"] = json!([{"Id": "logs", "Prefix": "logs/"}]);
    let created = h.send("Create", SOURCE, props, None).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let w = &h.world;
    let (s, d) = (&w.source_bucket, &w.destination_bucket);
    let narrow = |doc: &Value| {
        let doc = narrowed(doc, &format!("{s}/*"), &format!("{s}/logs/*"));
        narrowed(&doc, &format!("{d}/*"), &format!("{d}/logs/*"))
    };
    h.edit_role_policy(|doc| *doc = narrow(doc)).await;
    for key in [&w.source_key_arn, &w.destination_key_arn] {
        w.edit_key_policy(key, |doc| *doc = narrow(doc))
            .await
            .unwrap();
    }
    let policy = w.destination_bucket_policy().await.unwrap().unwrap();
    w.b.s3
        .put_bucket_policy()
        .bucket(d)
        .policy(narrow(&policy).to_string())
        .send()
        .await
        .unwrap();
    // THEN the doctor finds nothing, and an object under the prefix replicates
    let report = run(&h, false, true);
    assert_eq!(report.code, 0, "{:#}", report.json().unwrap());
    let key = "logs/narrowed.txt";
    let version = w.put_source_object(key, "x").await.unwrap();
    let head = w
        .wait_for_source_status(key, &version, common::harness::wait())
        .await
        .unwrap();
    assert_eq!(head.replication_status.unwrap().as_str(), "COMPLETED");
}

/// Issue 18, defect 3: a `StringEquals` grant on the literal `arn:aws:s3:::D/*` matches no
/// object's encryption context (each object's is its own ARN): the doctor finds it, and the
/// emulator fails the object.
#[tokio::test]
async fn a_string_equals_grant_on_the_literal_star_is_found() {
    let mut h = configured().await;
    let w = &h.world;
    w.edit_key_policy(&w.destination_key_arn, |doc| {
        *doc = narrowed(doc, "StringLike", "StringEquals");
    })
    .await
    .unwrap();
    only_finding(
        &mut h,
        (4, "KB's key policy"),
        Side::Destination,
        Redeploy::Repairs,
    )
    .await;
}
