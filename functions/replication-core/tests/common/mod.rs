//! Shared by the plan's integration tests: specs validated against fixed facts, as the adapter
//! would with A = 111122223333 (S and KA in eu-west-1) and B = 222233334444 (D and KB in
//! eu-central-1).
#![allow(dead_code, clippy::unwrap_used)]

use replication_core::arn::{AccountId, KeyManager, KmsKeyArn, Region};
use replication_core::properties::{
    DestinationFacts, DestinationProperties, DestinationSpec, ResolvedKey, SourceFacts,
    SourceProperties, SourceSpec,
};
use serde_json::Value;

pub mod healthy;

/// KA.
pub const KA: &str = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-11aa-11aa-11aa-111111aaaaaa";
/// KB.
pub const KB: &str =
    "arn:aws:kms:eu-central-1:222233334444:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";

/// `properties` of a `Custom::ReplicationSource`, parsed and validated.
pub fn source_spec(properties: &Value) -> SourceSpec {
    SourceProperties::parse(properties)
        .unwrap()
        .validate(&SourceFacts {
            account_id: AccountId::parse("111122223333").unwrap(),
            source_bucket_region: Region::parse("eu-west-1").unwrap(),
            source_key: ResolvedKey {
                arn: KmsKeyArn::parse(KA).unwrap(),
                manager: Some(KeyManager::Customer),
                state: None,
            },
            destination_key: ResolvedKey::from_arn(KmsKeyArn::parse(KB).unwrap()),
            destination_bucket_region: Some(Region::parse("eu-central-1").unwrap()),
            source_encryption: None,
            destination_encryption: None,
            source_object_lock: false,
        })
        .unwrap()
}

/// `properties` of a `Custom::ReplicationDestination`, parsed and validated.
pub fn destination_spec(properties: &Value) -> DestinationSpec {
    DestinationProperties::parse(properties)
        .unwrap()
        .validate(&DestinationFacts {
            account_id: AccountId::parse("222233334444").unwrap(),
            destination_bucket_region: Region::parse("eu-central-1").unwrap(),
            destination_key: ResolvedKey {
                arn: KmsKeyArn::parse(KB).unwrap(),
                manager: Some(KeyManager::Customer),
                state: None,
            },
            destination_encryption: None,
        })
        .unwrap()
}
