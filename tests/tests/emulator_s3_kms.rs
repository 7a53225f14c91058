//! Emulator gaps (b), (c), (d), (f), (g), (h) and (j): S3, KMS and IAM answers as AWS gives
//! them, read through the Rust SDK the way our functions read them. Each test fails on plain
//! moto 5.2.5 (`LOCAL_AWS_PLAIN=1`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use aws_sdk_s3::types::*;
use e2e_tests::accounts::{Account, Clients};
use e2e_tests::emulator::Emulator;
use e2e_tests::unique_name;

async fn account(a: Account) -> Clients {
    a.connect(Emulator::shared().unwrap()).await.unwrap()
}

async fn versioned_bucket(c: &Clients) -> String {
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

async fn key_arn(c: &Clients) -> String {
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

// (f) Two accounts on one server.
#[tokio::test]
async fn each_account_has_its_own_identity_keys_and_roles() {
    let (a, b) = (account(Account::A).await, account(Account::B).await);
    for c in [&a, &b] {
        let who = aws_sdk_sts::Client::new(&c.config)
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        assert_eq!(who.account(), Some(c.account.id()));
        assert!(
            key_arn(c)
                .await
                .contains(&format!(":{}:key/", c.account.id()))
        );
    }
    let role = unique_name("only-in-a");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let created = a
        .iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    assert!(
        created
            .role
            .unwrap()
            .arn
            .starts_with("arn:aws:iam::111111111111:role/")
    );
    assert!(b.iam.get_role().role_name(&role).send().await.is_err());
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

// IAM's 10,240-character quota on a role's inline policies together (white space not counted).
#[tokio::test]
async fn a_role_refuses_inline_policies_over_iams_aggregate_quota() {
    let a = account(Account::A).await;
    let role = unique_name("quota");
    let trust = e2e_tests::world::s3_trust_policy();
    a.iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    // A policy of about 6,000 characters: one fits, a second does not.
    let resources: Vec<String> = (0..200)
        .map(|i| format!("arn:aws:s3:::bucket-{i:04}/*"))
        .collect();
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "s3:GetObject", "Resource": resources}]})
    .to_string();
    assert!((5_000..10_240).contains(&policy.len()), "{}", policy.len());
    let put = |name: &'static str| {
        a.iam
            .put_role_policy()
            .role_name(&role)
            .policy_name(name)
            .policy_document(&policy)
            .send()
    };
    put("first").await.unwrap();
    put("first")
        .await
        .expect("replacing a policy counts it once");
    let err = put("second").await.unwrap_err();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::code(&err),
        Some("LimitExceeded"),
        "{err:?}"
    );
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

// (j) A principal deleted after the policy was written shows as its unique ID, and a policy
// holding one cannot be written back (S3 User Guide, "Principals").
#[tokio::test]
async fn a_deleted_role_shows_as_its_unique_id_and_cannot_be_written_back() {
    let b = account(Account::B).await;
    let bucket = versioned_bucket(&b).await;
    let key = key_arn(&b).await;
    let role = unique_name("auditor");
    let trust = e2e_tests::world::s3_trust_policy();
    let created = b
        .iam
        .create_role()
        .role_name(&role)
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap()
        .role
        .unwrap();
    let statement = serde_json::json!({"Sid": "TeamAudit", "Effect": "Allow",
        "Principal": {"AWS": created.arn}, "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{bucket}/*")});
    let policy = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
    b.s3.put_bucket_policy()
        .bucket(&bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    let admin = serde_json::json!({"Sid": "Admin", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{}:root", Account::B.id())},
        "Action": "kms:*", "Resource": "*"});
    let mut key_statement = statement.clone();
    key_statement["Action"] = serde_json::json!("kms:Decrypt");
    key_statement["Resource"] = serde_json::json!("*");
    let key_policy =
        serde_json::json!({"Version": "2012-10-17", "Statement": [admin, key_statement]});
    b.kms
        .put_key_policy()
        .key_id(&key)
        .policy_name("default")
        .policy(key_policy.to_string())
        .send()
        .await
        .unwrap();
    // WHEN the role is deleted
    b.iam.delete_role().role_name(&role).send().await.unwrap();
    // THEN both policies show its unique ID instead of its ARN
    let shown =
        b.s3.get_bucket_policy()
            .bucket(&bucket)
            .send()
            .await
            .unwrap();
    let shown = shown.policy().unwrap().to_owned();
    assert!(
        shown.contains(&created.role_id) && !shown.contains(&created.arn),
        "{shown}"
    );
    let shown_key = b
        .kms
        .get_key_policy()
        .key_id(&key)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    let shown_key = shown_key.policy().unwrap().to_owned();
    assert!(shown_key.contains(&created.role_id), "{shown_key}");
    // AND neither can be written back as shown
    let err =
        b.s3.put_bucket_policy()
            .bucket(&bucket)
            .policy(&shown)
            .send()
            .await
            .unwrap_err();
    let meta = aws_sdk_s3::error::ProvideErrorMetadata::meta(&err);
    assert_eq!(meta.code(), Some("MalformedPolicy"), "{err:?}");
    assert_eq!(meta.message(), Some("Invalid principal in policy"));
    let err = b
        .kms
        .put_key_policy()
        .key_id(&key)
        .policy_name("default")
        .policy(&shown_key)
        .send()
        .await
        .unwrap_err();
    let meta = aws_sdk_kms::error::ProvideErrorMetadata::meta(&err);
    assert_eq!(
        meta.code(),
        Some("MalformedPolicyDocumentException"),
        "{err:?}"
    );
}
