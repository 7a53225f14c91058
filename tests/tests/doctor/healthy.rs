//! Healthy pairs: as our resources set them up, and after the role was re-created by hand.

use serde_json::json;

use crate::common::harness::Side;
use crate::support::{configured, replication_outcome, run};

#[tokio::test]
async fn a_pair_set_up_by_our_resources_is_healthy_in_text_and_json() {
    let mut h = configured().await;
    let text = run(&h, false, false);
    assert_eq!(text.code, 0, "{}", text.stdout);
    assert!(
        text.stdout.trim_end().ends_with("healthy"),
        "{}",
        text.stdout
    );
    assert!(!text.stdout.contains('✗'), "{}", text.stdout);
    // S keeps the SSE-S3 default every bucket has: a warning, which changes no exit code
    assert!(
        text.stdout.contains("! warning: S's default encryption"),
        "{}",
        text.stdout
    );
    let json = run(&h, false, true);
    assert_eq!(json.code, 0);
    let report = json.json().unwrap();
    assert_eq!(report["healthy"], true, "{report:#}");
    assert_eq!(report["findings"], json!([]));
    assert!(
        report["warnings"][0]["problem"]
            .as_str()
            .is_some_and(|p| p.contains("SSE-S3")),
        "{report:#}"
    );
    assert_eq!(
        replication_outcome(&h).await,
        "COMPLETED",
        "the emulator disagrees"
    );
    for side in [Side::Source, Side::Destination] {
        let scheduled = h.scheduled_check(side, false).await;
        assert_eq!(scheduled["findings"], json!([]), "{scheduled:#}");
        assert_eq!(h.findings_read_back(side).await, Some(0.0), "{side:?}");
    }
}

/// A role deleted and re-created by hand under the same name. AWS shows a deleted principal's
/// unique ID (`AROA…`) in a policy's `Principal` element only; a `Condition` value such as
/// `aws:PrincipalArn` is a string and stays as written (S3 User Guide, "Principals"; IAM User
/// Guide, "IAM identifiers"). Our statements name the account principal with that condition, so
/// the re-created role works again with no stack Update, and the doctor says so.
#[tokio::test]
async fn a_role_deleted_and_re_created_by_hand_works_again_with_no_update() {
    let h = configured().await;
    let w = &h.world;
    let iam = &w.a.iam;
    // GIVEN the replication role deleted (its inline policy first, as IAM requires)
    let policy = h.role_policy().await;
    let trust = iam
        .get_role()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .assume_role_policy_document
        .unwrap();
    let trust = percent_encoding::percent_decode_str(&trust)
        .decode_utf8()
        .unwrap()
        .into_owned();
    let name = w.role_policy_name().unwrap();
    iam.delete_role_policy()
        .role_name(&h.role_name)
        .policy_name(&name)
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name(&h.role_name)
        .send()
        .await
        .unwrap();
    // WHEN someone re-creates it by hand, with the same name, trust and policy
    iam.create_role()
        .role_name(&h.role_name)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.put_role_policy()
        .role_name(&h.role_name)
        .policy_name(&name)
        .policy_document(policy.to_string())
        .send()
        .await
        .unwrap();
    // THEN B's documents still name the role by ARN in their conditions
    let role_arn = h.role_arn();
    for document in [
        w.key_policy(&w.destination_key_arn)
            .await
            .unwrap()
            .to_string(),
        w.destination_bucket_policy()
            .await
            .unwrap()
            .unwrap()
            .to_string(),
    ] {
        assert!(document.contains(&role_arn), "{document}");
        assert!(!document.contains("AROA"), "{document}");
    }
    // AND the doctor finds nothing, and an object replicates, with no stack Update
    let report = run(&h, false, true);
    assert_eq!(report.code, 0, "{:#}", report.json().unwrap());
    assert_eq!(replication_outcome(&h).await, "COMPLETED");
}
