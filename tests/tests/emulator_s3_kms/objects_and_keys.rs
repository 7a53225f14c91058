//! Objects and KMS keys: SSE-KMS key ids, default encryption, missing or disabled keys, key
//! policies and over-long keys (gaps (c) and (d)).

use aws_sdk_s3::types::*;
use e2e_tests::accounts::Account;
use e2e_tests::unique_name;

use crate::support::{account, key_arn, versioned_bucket};

// (c) SSEKMSKeyId is the key ARN whatever form was sent.
#[tokio::test]
async fn sse_kms_key_id_is_returned_as_the_key_arn_for_every_input_form() {
    let a = account(Account::A).await;
    let bucket = versioned_bucket(&a).await;
    let arn = key_arn(&a).await;
    let key_id = arn.rsplit('/').next().unwrap().to_owned();
    let alias = format!("alias/{}", unique_name("ka"));
    a.kms
        .create_alias()
        .alias_name(&alias)
        .target_key_id(&key_id)
        .send()
        .await
        .unwrap();
    let alias_arn = format!("arn:aws:kms:us-east-1:111111111111:{alias}");

    for (i, form) in [arn.as_str(), &key_id, &alias, &alias_arn]
        .into_iter()
        .enumerate()
    {
        let object = format!("object-{i}");
        let put =
            a.s3.put_object()
                .bucket(&bucket)
                .key(&object)
                .body(b"x".to_vec().into())
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(form)
                .send()
                .await
                .unwrap();
        assert_eq!(
            put.ssekms_key_id.as_deref(),
            Some(arn.as_str()),
            "PutObject with {form}"
        );
        let head =
            a.s3.head_object()
                .bucket(&bucket)
                .key(&object)
                .send()
                .await
                .unwrap();
        assert_eq!(
            head.ssekms_key_id.as_deref(),
            Some(arn.as_str()),
            "HeadObject after {form}"
        );
    }
}

#[tokio::test]
async fn sse_kms_without_a_key_uses_the_accounts_aws_s3_key() {
    let a = account(Account::A).await;
    let bucket = versioned_bucket(&a).await;
    a.s3.put_object()
        .bucket(&bucket)
        .key("default-key")
        .body(b"x".to_vec().into())
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .send()
        .await
        .unwrap();
    let head =
        a.s3.head_object()
            .bucket(&bucket)
            .key("default-key")
            .send()
            .await
            .unwrap();
    let managed = a
        .kms
        .describe_key()
        .key_id("alias/aws/s3")
        .send()
        .await
        .unwrap();
    let managed = managed.key_metadata.unwrap();
    assert_eq!(
        managed.key_manager,
        Some(aws_sdk_kms::types::KeyManagerType::Aws)
    );
    assert_eq!(head.ssekms_key_id, managed.arn);
    assert!(
        head.ssekms_key_id
            .unwrap()
            .starts_with("arn:aws:kms:us-east-1:111111111111:key/")
    );
}

#[tokio::test]
async fn a_write_without_encryption_is_sse_s3_as_in_aws_since_2023() {
    let a = account(Account::A).await;
    let bucket = versioned_bucket(&a).await;
    let put =
        a.s3.put_object()
            .bucket(&bucket)
            .key("plain")
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();
    assert_eq!(
        put.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    let head =
        a.s3.head_object()
            .bucket(&bucket)
            .key("plain")
            .send()
            .await
            .unwrap();
    assert_eq!(
        head.server_side_encryption,
        Some(ServerSideEncryption::Aes256)
    );
    assert_eq!(head.ssekms_key_id, None);
}

#[tokio::test]
async fn put_with_a_missing_or_disabled_key_fails_and_writes_nothing() {
    let a = account(Account::A).await;
    let bucket = versioned_bucket(&a).await;
    let missing = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-4000-8000-000000000000";
    let disabled = key_arn(&a).await;
    // By ARN, as AWS accepts it (plain moto answers 500).
    a.kms.disable_key().key_id(&disabled).send().await.unwrap();
    for (key, code) in [
        (missing, "KMS.NotFoundException"),
        (disabled.as_str(), "KMS.DisabledException"),
    ] {
        let err =
            a.s3.put_object()
                .bucket(&bucket)
                .key("never")
                .body(b"x".to_vec().into())
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(key)
                .send()
                .await
                .unwrap_err();
        let service = err.as_service_error().unwrap_or_else(|| panic!("{err:?}"));
        assert_eq!(
            aws_sdk_s3::error::ProvideErrorMetadata::code(service),
            Some(code)
        );
    }
    let listed =
        a.s3.list_object_versions()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
    assert!(listed.versions().is_empty());
}

// (d) Key-policy calls default PolicyName to "default".
#[tokio::test]
async fn key_policy_calls_work_without_policy_name() {
    let b = account(Account::B).await;
    let arn = key_arn(&b).await;
    let policy = b.kms.get_key_policy().key_id(&arn).send().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(policy.policy().unwrap()).unwrap();
    assert!(doc["Statement"].is_array());

    let mut doc = doc;
    doc["Statement"].as_array_mut().unwrap().push(
        serde_json::json!({"Sid": "Extra", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": "kms:Encrypt", "Resource": "*"}),
    );
    b.kms
        .put_key_policy()
        .key_id(&arn)
        .policy(doc.to_string())
        .send()
        .await
        .unwrap();
    let back = b.kms.get_key_policy().key_id(&arn).send().await.unwrap();
    let back: serde_json::Value = serde_json::from_str(back.policy().unwrap()).unwrap();
    assert_eq!(back, doc);
}

// (c) A HEAD of a key longer than S3's 1,024 bytes is a bare 400, not a 404.
#[tokio::test]
async fn head_of_a_key_longer_than_s3_allows_is_a_bad_request() {
    let b = account(Account::B).await;
    let bucket = versioned_bucket(&b).await;
    let err =
        b.s3.head_object()
            .bucket(&bucket)
            .key("k".repeat(1025))
            .send()
            .await
            .unwrap_err();
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
    let err =
        b.s3.head_object()
            .bucket(&bucket)
            .key("k".repeat(1024))
            .send()
            .await
            .unwrap_err();
    assert_eq!(
        err.raw_response().unwrap().status().as_u16(),
        404,
        "1,024 bytes is allowed: not found"
    );
}
