//! Issue 21 §4, mixed source encryption: S's default encryption other than SSE-KMS under KA is
//! a warning in the source's `Data` (`SourceEncryptionWarning`) and in the scheduled check,
//! never a failed Create.

use serde_json::json;

use crate::common::harness::{Harness, Side};

/// Every bucket has SSE-S3 by default (S3 User Guide, default encryption FAQ; the emulator
/// answers the same). S3 replicates SSE-S3 objects into SSE-S3 replicas, not under KB.
#[tokio::test]
async fn an_sse_s3_default_on_s_is_a_warning_in_data_and_the_scheduled_check_not_a_failure() {
    // GIVEN S with its untouched default encryption, SSE-S3
    let mut h = Harness::new().await;
    // WHEN both sides are created, deploy-time checks on (the default)
    h.create_destination().await;
    let source = h.create_source().await;
    // THEN the Create succeeds, and Data says what S's default means for its objects
    assert_eq!(
        source["Data"]["SourceDefaultEncryption"], "AES256",
        "{source}"
    );
    let warning = source["Data"]["SourceEncryptionWarning"].as_str().unwrap();
    assert!(warning.contains("SSE-S3 (AES256)"), "{warning}");
    assert!(warning.contains("NotKmsEncrypted"), "{warning}");
    // AND the scheduled check reports it as a warning, with no finding and a metric of 0
    // (the source side cannot read B's documents, so it is never `healthy` on its own)
    let scheduled = h.scheduled_check(Side::Source, false).await;
    assert_eq!(scheduled["findings"], json!([]), "{scheduled:#}");
    let problem = scheduled["warnings"][0]["problem"].as_str().unwrap();
    assert!(problem.contains("SSE-S3"), "{scheduled:#}");
    assert_eq!(h.findings_read_back(Side::Source).await, Some(0.0));
}

/// SSE-KMS under KA, named by an alias that the function resolves with DescribeKey: no warning.
#[tokio::test]
async fn a_default_under_ka_even_by_alias_gives_an_empty_warning() {
    // GIVEN S's default encryption SSE-KMS under an alias of KA
    let mut h = Harness::new().await;
    let w = &h.world;
    w.a.kms
        .create_alias()
        .alias_name("alias/source-default")
        .target_key_id(&w.source_key_arn)
        .send()
        .await
        .unwrap();
    e2e_tests::world::set_default_encryption(&w.a, &w.source_bucket, "alias/source-default", false)
        .await
        .unwrap();
    // WHEN both sides are created
    h.create_destination().await;
    let source = h.create_source().await;
    // THEN SourceEncryptionWarning is there, and empty
    assert_eq!(
        source["Data"]["SourceDefaultEncryption"], "aws:kms",
        "{source}"
    );
    assert_eq!(source["Data"]["SourceEncryptionWarning"], "", "{source}");
    let scheduled = h.scheduled_check(Side::Source, false).await;
    assert!(scheduled.get("warnings").is_none(), "{scheduled:#}");
}
