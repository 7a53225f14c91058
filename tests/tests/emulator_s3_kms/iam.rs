//! Accounts and IAM: two accounts on one server, IAM's inline-policy quota, and deleted
//! principals in policies (gaps (f) and (j)).

use e2e_tests::accounts::Account;
use e2e_tests::unique_name;

use crate::support::{account, key_arn, versioned_bucket};

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
