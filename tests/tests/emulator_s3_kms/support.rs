//! Helpers shared by the emulator's S3, KMS and IAM test modules.

use aws_sdk_s3::types::*;
use e2e_tests::accounts::{Account, Clients};
use e2e_tests::emulator::Emulator;
use e2e_tests::unique_name;

pub(crate) async fn account(a: Account) -> Clients {
    a.connect(Emulator::shared().unwrap()).await.unwrap()
}

pub(crate) async fn versioned_bucket(c: &Clients) -> String {
    let bucket = unique_name("gap");
    c.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    c.s3.put_bucket_versioning()
        .bucket(&bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .unwrap();
    bucket
}

pub(crate) async fn key_arn(c: &Clients) -> String {
    let meta = c
        .kms
        .create_key()
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    meta.arn.unwrap()
}
