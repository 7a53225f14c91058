//! The world as the two resources leave it with default properties, as the doctor reads it.

use replication_core::arn::AccountId;
use replication_core::doctor::{KeyDocs, RoleDocs, Seen, Snapshot};
use replication_core::notification::{EVENT, Entry};
use replication_core::plan::{
    destination_bucket_policy_statements, destination_key_policy_statements,
    merge_replication_rules, replication_role_policy, replication_role_trust_policy,
    replication_rules, source_key_policy_statements,
};
use replication_core::policy::{merge_bucket_policy, merge_key_policy};
use serde_json::{Value, json};

use super::{KA, KB, destination_spec, source_spec};

/// A.
pub const A: &str = "111122223333";
/// B.
pub const B: &str = "222233334444";
/// The verifier's queue.
pub const QUEUE: &str = "arn:aws:sqs:eu-central-1:222233334444:verifier";
/// The replication role.
pub const ROLE: &str = "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket";

/// The properties of the pair's `Custom::ReplicationSource`.
pub fn source_properties() -> Value {
    json!({
        "SourceBucket": "source-bucket", "SourceKmsKeyArn": KA,
        "DestinationBucket": "replica-bucket", "DestinationAccountId": B,
        "DestinationKmsKeyArn": KB,
    })
}

pub fn default_key_policy(account: &str) -> Value {
    json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "kms:*", "Resource": "*"}]})
}

/// The world as our two resources leave it, with default properties.
pub fn healthy() -> Snapshot {
    let source = source_spec(&source_properties());
    let destination = destination_spec(&json!({
        "DestinationBucket": "replica-bucket", "DestinationKmsKeyArn": KB,
        "SourceAccountId": A, "SourceBucket": "source-bucket", "ReplicationRoleArn": ROLE,
    }));
    let scope = source.sid_scope();
    let ka = merge_key_policy(
        &default_key_policy(A),
        &AccountId::parse(A).unwrap(),
        &scope,
        &source_key_policy_statements(&source),
    )
    .unwrap();
    let kb = merge_key_policy(
        &default_key_policy(B),
        &AccountId::parse(B).unwrap(),
        &scope,
        &destination_key_policy_statements(&destination),
    )
    .unwrap();
    let bucket_policy = merge_bucket_policy(
        None,
        &scope,
        &destination_bucket_policy_statements(&destination),
    )
    .unwrap();
    let config = merge_replication_rules(None, ROLE, &replication_rules(&source), &[]).unwrap();
    Snapshot {
        partition: "aws".into(),
        source_account: A.into(),
        source_bucket: "source-bucket".into(),
        source_region: "eu-west-1".into(),
        destination_bucket: "replica-bucket".into(),
        destination_region: "eu-central-1".into(),
        destination_account: Some(B.into()),
        rule_id: None,
        expected_destination_key: Some(KB.into()),
        expected_queue: Some(QUEUE.into()),
        source_versioning: Seen::Read(Some("Enabled".into())),
        destination_versioning: Seen::Read(Some("Enabled".into())),
        replication: Seen::Read(Some(config)),
        role: Seen::Read(Some(RoleDocs {
            arn: ROLE.into(),
            trust: replication_role_trust_policy(None),
            policies: vec![(scope.to_string(), replication_role_policy(&source))],
        })),
        role_arn: None,
        source_bucket_policy: Seen::Read(None),
        destination_bucket_policy: Seen::Read(Some(bucket_policy)),
        source_key: Seen::Read(Some(KeyDocs {
            arn: KA.into(),
            state: "Enabled".into(),
            policy: ka,
        })),
        destination_key: Seen::Read(Some(KeyDocs {
            arn: KB.into(),
            state: "Enabled".into(),
            policy: kb,
        })),
        source_encryption: Seen::Read(None),
        destination_encryption: Seen::Read(None),
        notifications: Seen::Read(vec![Entry::queue(
            Some("S3KmsReplication:ABCD1234"),
            QUEUE,
            &[EVENT],
            "",
            "",
        )]),
        source_object_lock: Seen::Read(false),
        destination_object_lock: Seen::Read(false),
        expected_statements: Vec::new(),
    }
}
