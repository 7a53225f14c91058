//! Step 6 as data: S's replication configuration in S3's JSON shape, our rules, and their merge
//! with the rules already on S (owned by Id, destination bucket and account).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

mod merge;
mod ownership;
mod rules;

pub use merge::{PlanError, merge_replication_rules, settle_default_priorities};
pub use ownership::{
    PreviousRules, RuleOwner, previous_rules, remove_replication_rules, replicates_to,
};
pub use rules::replication_rules;

/// S3's `ReplicationConfiguration`, member for member (JSON names as in the S3 API), so the
/// adapter can convert to and from `aws_sdk_s3::types::ReplicationConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationConfiguration {
    /// The role S3 assumes for every rule.
    pub role: String,
    /// The rules, in order.
    pub rules: Vec<ReplicationRule>,
}

/// `Status` members: `Enabled` or `Disabled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnabledStatus {
    /// `Enabled` or `Disabled`.
    pub status: String,
}

impl EnabledStatus {
    fn enabled() -> Self {
        Self {
            status: "Enabled".to_owned(),
        }
    }

    fn from_bool(on: bool) -> Self {
        Self {
            status: if on { "Enabled" } else { "Disabled" }.to_owned(),
        }
    }
}

/// One rule. Members this crate does not model are kept in `other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationRule {
    /// `ID`.
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Priority` (rules with a `Filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The deprecated rule-level `Prefix` of V1 rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<RuleFilter>,
    /// `Status`: `Enabled` or `Disabled`.
    pub status: String,
    /// `SourceSelectionCriteria`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_selection_criteria: Option<SourceSelectionCriteria>,
    /// `ExistingObjectReplication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_object_replication: Option<EnabledStatus>,
    /// `Destination`.
    pub destination: Destination,
    /// `DeleteMarkerReplication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_marker_replication: Option<EnabledStatus>,
    /// Members not modelled here, kept as read.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A rule's `Filter`: one of `Prefix`, `Tag` or `And`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct RuleFilter {
    /// `Prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Tag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
    /// `And`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub and: Option<AndOperator>,
}

/// An object tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// `And`: a prefix and tags that must all match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AndOperator {
    /// `Prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `SourceSelectionCriteria`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceSelectionCriteria {
    /// `SseKmsEncryptedObjects`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_kms_encrypted_objects: Option<EnabledStatus>,
    /// `ReplicaModifications`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_modifications: Option<EnabledStatus>,
}

/// A rule's `Destination`. Members not modelled here are kept in `other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    /// `Bucket`: the bucket ARN.
    pub bucket: String,
    /// `Account`: the destination bucket owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `StorageClass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// `AccessControlTranslation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control_translation: Option<AccessControlTranslation>,
    /// `EncryptionConfiguration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
    /// `ReplicationTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_time: Option<ReplicationTime>,
    /// `Metrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// Members not modelled here, kept as read.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `AccessControlTranslation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessControlTranslation {
    /// `Owner`: `Destination`.
    pub owner: String,
}

/// `EncryptionConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncryptionConfiguration {
    /// `ReplicaKmsKeyID`: the replica key's ARN.
    #[serde(
        rename = "ReplicaKmsKeyID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replica_kms_key_id: Option<String>,
}

/// A duration in minutes (`Time`, `EventThreshold`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Minutes {
    /// `Minutes`.
    pub minutes: i32,
}

/// `ReplicationTime` (S3 RTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationTime {
    /// `Status`.
    pub status: String,
    /// `Time`.
    pub time: Minutes,
}

/// `Metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metrics {
    /// `Status`.
    pub status: String,
    /// `EventThreshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_threshold: Option<Minutes>,
}
