//! The corrected seed steps 2 to 6 as data: one named function per document.
//!
//! The adapter runs each step as read → function here → write:
//!
//! | step | account | function | then |
//! |---|---|---|---|
//! | 2 | A | [`replication_role_trust_policy`], [`replication_role_policy`] | create/update the role and its inline policy [`role_policy_name`] |
//! | 3 | A | [`source_key_policy_statements`] | [`crate::policy::merge_key_policy`] into KA's policy |
//! | 4 | B | [`destination_key_policy_statements`] | [`crate::policy::merge_key_policy`] into KB's policy |
//! | 5 | B | [`destination_bucket_policy_statements`] | [`crate::policy::merge_bucket_policy`] into D's policy |
//! | 6 | A | [`replication_rules`] | [`merge_replication_rules`] into S's configuration |
//!
//! Delete runs the inverse: [`crate::policy::remove_from_key_policy`],
//! [`crate::policy::remove_from_bucket_policy`] and [`remove_replication_rules`].
//!
//! # Decisions, with their sources
//!
//! All from the Amazon S3 User Guide, "Replicating encrypted objects (SSE-S3, SSE-KMS,
//! DSSE-KMS, SSE-C)", section "Granting additional permissions for the IAM role", unless said
//! otherwise:
//!
//! - **`kms:GenerateDataKey` is not granted.** The guide requires `kms:Decrypt` on the source
//!   key and `kms:Encrypt` on the replica key; it adds `kms:GenerateDataKey` only "if you're
//!   replicating plaintext objects to a bucket with SSE-KMS or DSSE-KMS encryption enabled by
//!   default". The rules here replicate SSE-KMS objects re-encrypted under KB, which is the
//!   `kms:Encrypt` case. A plaintext or SSE-S3 object that lands in a D with default SSE-KMS
//!   would need it; the replica verifier reports such replicas as not KMS-encrypted.
//! - **S3 Bucket Keys are admitted by default.** The guide's section "S3 Bucket Keys and
//!   replication" says that when a Bucket Key is enabled "the encryption context will be the
//!   bucket's Amazon Resource Name (ARN), not the object's ARN", and that "the AWS KMS key
//!   policy for the KMS key that's used to encrypt the object replica must include the
//!   `kms:Decrypt` permission for the calling principal". Any object can carry a Bucket Key,
//!   from the bucket's default encryption or from its own write's header, and a Bucket Key
//!   source object keeps its Bucket Key in the replica (the S3 guide, "Using an S3 Bucket Key
//!   with replication", example 1). So every encryption-context condition lists the bucket
//!   ARN *and* the object pattern of its bucket, and the KB grants (role policy and KB's key
//!   policy) add `kms:Decrypt`, under the same `kms:ViaService`, context and role conditions:
//!   the role has no S3 read on D, so that `kms:Decrypt` reads no replica.
//!   `BucketKeyEnabled: false` narrows both back to the object pattern and `kms:Encrypt`, for
//!   buckets known never to hold Bucket Key objects
//!   ([`crate::properties::DestinationProperties::bucket_key_enabled`]).
//! - **KB's key policy** names A's account principal with an `aws:PrincipalArn` condition
//!   (DESIGN.md, "Order-independent"), and allows `kms:Encrypt` (plus `kms:Decrypt` with Bucket
//!   Keys, as above) under the same `kms:ViaService` and encryption-context conditions as the
//!   role policy. The guide's cross-account section only says the key owner "must grant the
//!   source bucket owner permission to use the KMS key"; the role policy's list is the minimum
//!   that use needs.
//! - **No wildcard actions.** The guide's cross-account walkthrough ("Configuring replication
//!   when source and destination buckets are owned by different accounts") grants `s3:List*`
//!   on D. Generated policies carry no wildcards, so D's bucket policy lists the two
//!   bucket-level List actions that exist, `s3:ListBucket` and `s3:ListBucketVersions`
//!   (`s3:ListBucketMultipartUploads` is not used by replication).
//! - **`kms:ViaService`** is `s3.<bucket region>.<partition DNS suffix>`, under `StringEquals`;
//!   the encryption context is matched with `StringLike`, as in the guide's examples.
//!
//! ```
//! use replication_core::plan::replication_role_trust_policy;
//! let trust = replication_role_trust_policy(None);
//! assert_eq!(trust["Statement"][0]["Principal"]["Service"], "s3.amazonaws.com");
//! ```

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::arn::{BucketName, Partition, Region};
use crate::policy::{Effect, POLICY_VERSION, SidScope, Statement, document};
use crate::properties::{DestinationSpec, RuleSpec, SourceSpec};

/// Name of the inline policy the adapter puts on the replication role: the replication pair's
/// Sid scope, such as `S3KmsReplicationA1B2C3D4`.
///
/// S3 allows one role per replication configuration, so every replication out of one source
/// bucket shares the role; each pair keeps its grants in a policy of its own, so that one
/// pair's Update or Delete never rewrites or removes another's (a fixed name would let the
/// second pair overwrite the first's grants, and a destination-bucket replacement delete the
/// new pair's policy when CloudFormation deletes the old resource).
#[must_use]
pub fn role_policy_name(scope: &SidScope) -> String {
    scope.to_string()
}

/// IAM's quota on the aggregate size of one role's inline policies, in characters, white space
/// not counted (IAM User Guide, "IAM and AWS STS quotas": "Role policy size cannot exceed 10,240
/// characters"; "IAM doesn't count white space when calculating the size of a policy").
pub const ROLE_INLINE_POLICY_QUOTA: usize = 10_240;

/// A policy document's size as IAM counts it against [`ROLE_INLINE_POLICY_QUOTA`].
#[must_use]
pub fn iam_policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Whether our inline policy of `ours` characters fits on a role beside `others` (the sizes of
/// its other inline policies) within [`ROLE_INLINE_POLICY_QUOTA`]. Checked before
/// `PutRolePolicy`, so that a full role is refused with a Reason that says what fits rather than
/// IAM's bare `LimitExceeded`.
///
/// # Errors
/// [`RoleBudgetExceeded`] with the totals and how many pairs of this size fit on one role.
pub fn check_role_inline_budget(others: &[usize], ours: usize) -> Result<(), RoleBudgetExceeded> {
    let used: usize = others.iter().sum();
    if used + ours <= ROLE_INLINE_POLICY_QUOTA {
        return Ok(());
    }
    Err(RoleBudgetExceeded {
        total: used + ours,
        ours,
        others: others.len(),
        pairs_that_fit: ROLE_INLINE_POLICY_QUOTA / ours.max(1),
    })
}

/// The role's inline policies would exceed IAM's quota.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "RoleName: the replication role's inline policies would total {total} characters, over IAM's \
     {quota} (white space not counted): this pair's policy is {ours} characters beside {others} \
     other inline policies, and at most {pairs_that_fit} pairs of this size fit on one role. All \
     rules of one source bucket use one role (S3 allows one per replication configuration), so \
     that is as many pairs as one source bucket can have; remove another pair or the role's other \
     inline policies, or, for a role shared by several source buckets, give each its own RoleName",
    quota = ROLE_INLINE_POLICY_QUOTA
)]
pub struct RoleBudgetExceeded {
    /// The total with our policy.
    pub total: usize,
    /// Our policy's size.
    pub ours: usize,
    /// How many other inline policies the role has.
    pub others: usize,
    /// How many policies of our size fit on an empty role.
    pub pairs_that_fit: usize,
}

/// Minutes for Replication Time Control and for the metrics' event threshold.
pub const REPLICATION_TIME_MINUTES: i32 = 15;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn via_service(partition: &Partition, region: &Region) -> String {
    format!("s3.{region}.{}", partition.dns_suffix())
}

/// The `kms:EncryptionContext:aws:s3:arn` values S3 uses for objects in `bucket`.
fn encryption_contexts(partition: &Partition, bucket: &BucketName, bucket_keys: bool) -> Value {
    if bucket_keys {
        json!([bucket.arn(partition), bucket.objects_arn(partition)])
    } else {
        json!([bucket.objects_arn(partition)])
    }
}

fn kms_condition(
    partition: &Partition,
    region: &Region,
    bucket: &BucketName,
    bucket_keys: bool,
    principal_arn: Option<&str>,
) -> Value {
    let mut condition = Map::new();
    condition.insert(
        "StringEquals".to_owned(),
        json!({ "kms:ViaService": via_service(partition, region) }),
    );
    condition.insert(
        "StringLike".to_owned(),
        json!({ "kms:EncryptionContext:aws:s3:arn": encryption_contexts(partition, bucket, bucket_keys) }),
    );
    if let Some(arn) = principal_arn {
        condition.insert("ArnEquals".to_owned(), json!({ "aws:PrincipalArn": arn }));
    }
    Value::Object(condition)
}

fn replica_key_actions(bucket_keys: bool) -> Vec<String> {
    if bucket_keys {
        strings(&["kms:Encrypt", "kms:Decrypt"])
    } else {
        strings(&["kms:Encrypt"])
    }
}

/// Who may make S3 assume the role, when `RoleTrustConditions` asks for the confused-deputy
/// conditions: S3 acting for `source_account`, for one of `source_bucket_arns`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRestriction {
    /// `aws:SourceAccount`.
    pub source_account: String,
    /// `aws:SourceArn` (`ArnLike`), sorted, each once.
    pub source_bucket_arns: Vec<String>,
}

/// Step 2, trust: the replication role may be assumed by S3 only; with `restriction`, only by
/// S3 acting for that account and those source buckets (`aws:SourceAccount`, `aws:SourceArn`:
/// the IAM User Guide's "The confused deputy problem").
///
/// Off by default (`RoleTrustConditions`): the S3 guide's replication trust policies
/// ("Setting up permissions for live replication") carry no condition, and no AWS document we
/// found says which of these keys S3 supplies when it assumes a replication role. A condition
/// that S3 does not satisfy stops every object with `AssumeRoleNotPermitted`, silently, so
/// this is the owner's choice, to confirm in live mode (README) before relying on it.
#[must_use]
pub fn replication_role_trust_policy(restriction: Option<&TrustRestriction>) -> Value {
    let mut statement = json!({
        "Effect": "Allow",
        "Principal": { "Service": "s3.amazonaws.com" },
        "Action": "sts:AssumeRole"
    });
    if let Some(r) = restriction {
        statement["Condition"] = json!({
            "StringEquals": { "aws:SourceAccount": r.source_account },
            "ArnLike": { "aws:SourceArn": r.source_bucket_arns },
        });
    }
    json!({ "Version": POLICY_VERSION, "Statement": [statement] })
}

/// The source bucket ARNs a trust policy written by [`replication_role_trust_policy`] admits,
/// so that a role shared by several source buckets keeps admitting each of them.
#[must_use]
pub fn trusted_source_arns(trust: &Value) -> Vec<String> {
    let arns = &trust["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"];
    match arns {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Step 2, permissions: the role's inline policy, exactly the documented least privilege.
///
/// - `s3:GetReplicationConfiguration`, `s3:ListBucket` on S;
/// - `s3:GetObjectVersionForReplication`, `s3:GetObjectVersionAcl`, and
///   `s3:GetObjectVersionTagging` when tags are replicated, on S/*;
/// - `s3:ReplicateObject`, `s3:ReplicateDelete`, and `s3:ReplicateTags` when tags are
///   replicated and `s3:ObjectOwnerOverrideToBucketOwner` with owner override, on D/*. These two
///   switches live here, on the source side, because this is where S3 honours them: without
///   `s3:GetObjectVersionTagging` it replicates objects without their tags (S3 User Guide,
///   "Setting up permissions"), and ownership follows the rule's `AccessControlTranslation`;
/// - `kms:Decrypt` on KA, and `kms:Encrypt` and `kms:Decrypt` on KB (only `kms:Encrypt` when
///   narrowed to object contexts, see the module doc), each conditioned on `kms:ViaService`
///   and the bucket's encryption contexts.
#[must_use]
pub fn replication_role_policy(spec: &SourceSpec) -> Value {
    let p = &spec.partition;
    document(&[
        Statement {
            sid: "SourceBucket".to_owned(),
            effect: Effect::Allow,
            principal: None,
            actions: strings(&["s3:GetReplicationConfiguration", "s3:ListBucket"]),
            resources: vec![spec.source_bucket.arn(p)],
            condition: None,
        },
        Statement {
            sid: "SourceObjects".to_owned(),
            effect: Effect::Allow,
            principal: None,
            actions: [
                Some("s3:GetObjectVersionForReplication"),
                Some("s3:GetObjectVersionAcl"),
                spec.replicate_tags.then_some("s3:GetObjectVersionTagging"),
            ]
            .into_iter()
            .flatten()
            .map(str::to_owned)
            .collect(),
            resources: vec![spec.source_bucket.objects_arn(p)],
            condition: None,
        },
        Statement {
            sid: "ReplicaObjects".to_owned(),
            effect: Effect::Allow,
            principal: None,
            actions: [
                Some("s3:ReplicateObject"),
                Some("s3:ReplicateDelete"),
                spec.replicate_tags.then_some("s3:ReplicateTags"),
                spec.owner_override
                    .then_some("s3:ObjectOwnerOverrideToBucketOwner"),
            ]
            .into_iter()
            .flatten()
            .map(str::to_owned)
            .collect(),
            resources: vec![spec.destination_bucket.objects_arn(p)],
            condition: None,
        },
        Statement {
            sid: "SourceKeyDecrypt".to_owned(),
            effect: Effect::Allow,
            principal: None,
            actions: strings(&["kms:Decrypt"]),
            resources: vec![spec.source_key.to_string()],
            condition: Some(kms_condition(
                p,
                &spec.source_region,
                &spec.source_bucket,
                spec.bucket_key_enabled,
                None,
            )),
        },
        Statement {
            sid: "ReplicaKeyEncrypt".to_owned(),
            effect: Effect::Allow,
            principal: None,
            actions: replica_key_actions(spec.bucket_key_enabled),
            resources: vec![spec.destination_key.to_string()],
            condition: Some(kms_condition(
                p,
                &spec.destination_region,
                &spec.destination_bucket,
                spec.bucket_key_enabled,
                None,
            )),
        },
    ])
}

fn account_principal(partition: &Partition, account: &crate::arn::AccountId) -> Value {
    json!({ "AWS": account.root_principal(partition) })
}

/// Step 3: our statement for KA's key policy. The role may `kms:Decrypt` S's objects through
/// S3 in S's region. The principal is A's account, narrowed by `aws:PrincipalArn` to the role.
#[must_use]
pub fn source_key_policy_statements(spec: &SourceSpec) -> Vec<Value> {
    let p = &spec.partition;
    let role = spec.role_arn.to_string();
    vec![
        Statement {
            sid: spec.sid_scope().sid("SourceKeyDecrypt"),
            effect: Effect::Allow,
            principal: Some(account_principal(p, &spec.source_account)),
            actions: strings(&["kms:Decrypt"]),
            resources: strings(&["*"]),
            condition: Some(kms_condition(
                p,
                &spec.source_region,
                &spec.source_bucket,
                spec.bucket_key_enabled,
                Some(&role),
            )),
        }
        .to_value(),
    ]
}

/// Step 4: our statement for KB's key policy. A's account principal, conditioned on
/// `aws:PrincipalArn` = the role, may `kms:Encrypt` and `kms:Decrypt` (only `kms:Encrypt` when
/// narrowed to object contexts) for
/// D's objects through S3 in D's region.
#[must_use]
pub fn destination_key_policy_statements(spec: &DestinationSpec) -> Vec<Value> {
    let p = &spec.partition;
    let role = spec.role_arn.to_string();
    vec![
        Statement {
            sid: spec.sid_scope().sid("ReplicaKeyEncrypt"),
            effect: Effect::Allow,
            principal: Some(account_principal(p, &spec.source_account)),
            actions: replica_key_actions(spec.bucket_key_enabled),
            resources: strings(&["*"]),
            condition: Some(kms_condition(
                p,
                &spec.destination_region,
                &spec.destination_bucket,
                spec.bucket_key_enabled,
                Some(&role),
            )),
        }
        .to_value(),
    ]
}

/// Step 5: our statements for D's bucket policy, for A's account principal conditioned on
/// `aws:PrincipalArn` = the role.
///
/// - on D/*: `s3:ReplicateObject`, `s3:ReplicateDelete`, `s3:ReplicateTags` and
///   `s3:ObjectOwnerOverrideToBucketOwner`, always: whether tags are replicated and who owns
///   replicas is the source's choice, made in the role's policy and the rule (see
///   [`replication_role_policy`]). Withheld here, they would not turn either off, only fail
///   objects (`DstPutTaggingNotPermitted`, `DstPutObjectNotPermitted`);
/// - on D: `s3:GetBucketVersioning` and, instead of the walkthrough's `s3:List*`,
///   `s3:ListBucket` and `s3:ListBucketVersions` (no wildcard actions), all read-only.
///
/// Not `s3:PutBucketVersioning`, although the S3 User Guide's cross-account example ("Granting
/// permissions when the source and destination buckets are owned by different AWS accounts")
/// lists it: replication writes objects and delete markers, never D's configuration, and the
/// grant would let account A suspend D's versioning, which stops replication into D. D's owner
/// (our `Custom::ReplicationDestination`) enables versioning itself.
#[must_use]
pub fn destination_bucket_policy_statements(spec: &DestinationSpec) -> Vec<Value> {
    let p = &spec.partition;
    let scope = spec.sid_scope();
    let principal = account_principal(p, &spec.source_account);
    let condition = json!({ "ArnEquals": { "aws:PrincipalArn": spec.role_arn.to_string() } });
    let object_actions = strings(&[
        "s3:ReplicateObject",
        "s3:ReplicateDelete",
        "s3:ReplicateTags",
        "s3:ObjectOwnerOverrideToBucketOwner",
    ]);
    vec![
        Statement {
            sid: scope.sid("ReplicaObjects"),
            effect: Effect::Allow,
            principal: Some(principal.clone()),
            actions: object_actions,
            resources: vec![spec.destination_bucket.objects_arn(p)],
            condition: Some(condition.clone()),
        }
        .to_value(),
        Statement {
            sid: scope.sid("ReplicaBucket"),
            effect: Effect::Allow,
            principal: Some(principal),
            actions: strings(&[
                "s3:GetBucketVersioning",
                "s3:ListBucket",
                "s3:ListBucketVersions",
            ]),
            resources: vec![spec.destination_bucket.arn(p)],
            condition: Some(condition),
        }
        .to_value(),
    ]
}

// ---------------------------------------------------------------------------------------
// Step 6: the replication configuration
// ---------------------------------------------------------------------------------------

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

fn rule_filter(rule: &RuleSpec) -> RuleFilter {
    let tags: Vec<Tag> = rule
        .tags
        .iter()
        .map(|(k, v)| Tag {
            key: k.clone(),
            value: v.clone(),
        })
        .collect();
    match (rule.prefix.as_ref(), tags.len()) {
        (prefix, 0) => RuleFilter {
            prefix: Some(prefix.cloned().unwrap_or_default()),
            ..RuleFilter::default()
        },
        (None, 1) => RuleFilter {
            tag: tags.into_iter().next(),
            ..RuleFilter::default()
        },
        (prefix, _) => RuleFilter {
            and: Some(AndOperator {
                prefix: prefix.cloned(),
                tags,
            }),
            ..RuleFilter::default()
        },
    }
}

/// Step 6: our rules for S's replication configuration, one per `Rules` entry. Each replicates
/// SSE-KMS objects, re-encrypted with KB's ARN, into D in account B; hands ownership to B
/// when `OwnerOverride`; and carries its filter, priority, delete-marker replication, storage
/// class and, when asked, RTC (15 minutes) and metrics (event threshold 15 minutes).
#[must_use]
pub fn replication_rules(spec: &SourceSpec) -> Vec<ReplicationRule> {
    spec.rules
        .iter()
        .map(|rule| ReplicationRule {
            id: Some(rule.id.clone()),
            priority: Some(rule.priority),
            prefix: None,
            filter: Some(rule_filter(rule)),
            status: "Enabled".to_owned(),
            source_selection_criteria: Some(SourceSelectionCriteria {
                sse_kms_encrypted_objects: Some(EnabledStatus::enabled()),
                replica_modifications: None,
            }),
            existing_object_replication: None,
            destination: Destination {
                bucket: spec.destination_bucket.arn(&spec.partition),
                account: Some(spec.destination_account.to_string()),
                storage_class: rule.storage_class.clone(),
                access_control_translation: spec.owner_override.then(|| AccessControlTranslation {
                    owner: "Destination".to_owned(),
                }),
                encryption_configuration: Some(EncryptionConfiguration {
                    replica_kms_key_id: Some(spec.destination_key.to_string()),
                }),
                replication_time: spec.replication_time_control.then(|| ReplicationTime {
                    status: "Enabled".to_owned(),
                    time: Minutes {
                        minutes: REPLICATION_TIME_MINUTES,
                    },
                }),
                metrics: (spec.replication_metrics || spec.replication_time_control).then(|| {
                    Metrics {
                        status: "Enabled".to_owned(),
                        event_threshold: Some(Minutes {
                            minutes: REPLICATION_TIME_MINUTES,
                        }),
                    }
                }),
                other: Map::new(),
            },
            delete_marker_replication: Some(EnabledStatus::from_bool(
                rule.delete_marker_replication,
            )),
            other: Map::new(),
        })
        .collect()
}

/// Why our rules cannot be merged into S's replication configuration. Each of these would
/// make `PutBucketReplication` fail or would break someone else's replication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Two of our rules have the same priority.
    #[error(
        "Rules: rules {first:?} and {second:?} both have priority {priority}; S3 rejects equal priorities. Give each rule its own Priority"
    )]
    DuplicatePriority {
        /// One rule.
        first: String,
        /// The other.
        second: String,
        /// The shared priority.
        priority: i32,
    },
    /// Two of our rules have the same Id, or one has none.
    #[error("Rules: rule Id {0:?} is missing or used twice; give each rule its own Id")]
    BadRuleId(String),
    /// One of our rules has the priority of a rule we do not own.
    #[error(
        "Rules: our rule {ours:?} has priority {priority}, which the existing rule {foreign:?} on the source bucket already uses; \
         S3 rejects equal priorities. Set Priority on our rule to a value no other rule uses"
    )]
    PriorityCollision {
        /// Our rule.
        ours: String,
        /// The existing foreign rule.
        foreign: String,
        /// The shared priority.
        priority: i32,
    },
    /// An existing rule with one of our Ids replicates elsewhere: it is not ours.
    #[error(
        "Rules: the source bucket already has a rule {id:?} replicating to {bucket}, which this resource did not create; choose another Id"
    )]
    ForeignRuleIdTaken {
        /// The Id.
        id: String,
        /// Where the existing rule replicates to.
        bucket: String,
    },
    /// The configuration has other rules and a different role; changing the role would move
    /// those rules onto ours.
    #[error(
        "the source bucket's replication configuration uses role {existing} for rules this resource does not own; \
         one configuration has one role. Set RoleName to that role's name, or move the other rules first"
    )]
    RoleConflict {
        /// The configuration's current role.
        existing: String,
    },
    /// The configuration has a V1 rule (rule-level `Prefix`, no `Filter`), which S3 does not
    /// allow alongside the V2 rules we write.
    #[error(
        "the source bucket has the legacy replication rule {0:?} (Prefix without Filter), which S3 does not allow together with \
         rules that use Filter; rewrite that rule with a Filter first"
    )]
    LegacyForeignRule(String),
}

fn check_our_rules(ours: &[ReplicationRule]) -> Result<(), PlanError> {
    let mut ids = HashSet::new();
    let mut priorities: HashMap<i32, &str> = HashMap::new();
    for rule in ours {
        let id = rule.id.as_deref().unwrap_or_default();
        if id.is_empty() || !ids.insert(id) {
            return Err(PlanError::BadRuleId(id.to_owned()));
        }
        if let Some(p) = rule.priority
            && let Some(first) = priorities.insert(p, id)
        {
            return Err(PlanError::DuplicatePriority {
                first: first.to_owned(),
                second: id.to_owned(),
                priority: p,
            });
        }
    }
    Ok(())
}

/// Settle the priorities of our rules whose `Priority` was not given (`spec` lists them in
/// the order of `ours`, as [`replication_rules`] made them), against S's existing
/// configuration: such a rule keeps the priority it already has on S, else takes its default;
/// when another rule (a foreign one, or one of ours with a given priority) already uses that
/// priority, it takes the next free one above. So a second replication out of the same
/// bucket, both with the default rule, just works, and a repeat changes nothing. Given
/// priorities are left alone: a collision there is refused by [`merge_replication_rules`].
pub fn settle_default_priorities(
    existing: Option<&ReplicationConfiguration>,
    ours: &mut [ReplicationRule],
    spec: &[crate::properties::RuleSpec],
    previously_ours: &[String],
) {
    let existing_rules = existing.map(|e| e.rules.as_slice()).unwrap_or_default();
    let our_ids: HashSet<&str> = spec
        .iter()
        .map(|r| r.id.as_str())
        .chain(previously_ours.iter().map(String::as_str))
        .collect();
    let mut taken: HashSet<i32> = existing_rules
        .iter()
        .filter(|r| !r.id.as_deref().is_some_and(|id| our_ids.contains(id)))
        .filter_map(|r| r.priority)
        .collect();
    taken.extend(spec.iter().filter(|s| s.priority_given).map(|s| s.priority));
    for (rule, s) in ours.iter_mut().zip(spec) {
        if s.priority_given {
            continue;
        }
        let mut priority = existing_rules
            .iter()
            .find(|e| e.id.as_deref() == Some(s.id.as_str()))
            .and_then(|e| e.priority)
            .unwrap_or(s.priority);
        while taken.contains(&priority) && priority < i32::MAX {
            priority += 1;
        }
        taken.insert(priority);
        rule.priority = Some(priority);
    }
}

/// Merge our rules into S's existing replication configuration (`None` when S has none).
///
/// Rules with an Id in `ours` are replaced in place; rules with an Id in `previously_ours`
/// (the Ids of the old properties, on Update) that are no longer planned are dropped; every
/// other rule stays, unchanged and in order; new rules of ours are appended. The
/// configuration's role becomes `role_arn`.
///
/// # Errors
/// [`PlanError`] for anything `PutBucketReplication` would reject or that would harm other
/// rules: equal priorities among ours or with a foreign rule, an Id taken by a rule that
/// replicates elsewhere, another role in use by foreign rules, a legacy V1 rule.
pub fn merge_replication_rules(
    existing: Option<&ReplicationConfiguration>,
    role_arn: &str,
    ours: &[ReplicationRule],
    previously_ours: &[String],
) -> Result<ReplicationConfiguration, PlanError> {
    check_our_rules(ours)?;
    let our_ids: HashSet<&str> = ours.iter().filter_map(|r| r.id.as_deref()).collect();
    let owned = |id: Option<&str>| {
        id.is_some_and(|id| our_ids.contains(id) || previously_ours.iter().any(|p| p == id))
    };
    let Some(existing) = existing else {
        return Ok(ReplicationConfiguration {
            role: role_arn.to_owned(),
            rules: ours.to_vec(),
        });
    };

    let foreign: Vec<&ReplicationRule> = existing
        .rules
        .iter()
        .filter(|r| !owned(r.id.as_deref()))
        .collect();
    for rule in &existing.rules {
        let Some(id) = rule.id.as_deref() else {
            continue;
        };
        if let Some(mine) = ours.iter().find(|o| o.id.as_deref() == Some(id))
            && rule.destination.bucket != mine.destination.bucket
        {
            return Err(PlanError::ForeignRuleIdTaken {
                id: id.to_owned(),
                bucket: rule.destination.bucket.clone(),
            });
        }
    }
    if !foreign.is_empty() && existing.role != role_arn {
        return Err(PlanError::RoleConflict {
            existing: existing.role.clone(),
        });
    }
    for rule in &foreign {
        let name = rule.id.clone().unwrap_or_default();
        if rule.filter.is_none() && rule.prefix.is_some() {
            return Err(PlanError::LegacyForeignRule(name));
        }
        if let Some(p) = rule.priority
            && let Some(mine) = ours.iter().find(|o| o.priority == Some(p))
        {
            return Err(PlanError::PriorityCollision {
                ours: mine.id.clone().unwrap_or_default(),
                foreign: name,
                priority: p,
            });
        }
    }

    let mut placed: HashSet<&str> = HashSet::new();
    let mut rules = Vec::with_capacity(existing.rules.len() + ours.len());
    for rule in &existing.rules {
        if !owned(rule.id.as_deref()) {
            rules.push(rule.clone());
        } else if let Some(mine) = ours.iter().find(|o| o.id == rule.id)
            && let Some(id) = mine.id.as_deref()
            && placed.insert(id)
        {
            rules.push(mine.clone());
        }
    }
    for mine in ours {
        if mine.id.as_deref().is_some_and(|id| !placed.contains(id)) {
            rules.push(mine.clone());
        }
    }
    Ok(ReplicationConfiguration {
        role: role_arn.to_owned(),
        rules,
    })
}

/// Delete: `existing` without the rules `owner` owns. `None` means no rule is left: the adapter
/// calls `DeleteBucketReplication` instead of writing an empty configuration, which S3 rejects.
#[must_use]
pub fn remove_replication_rules(
    existing: &ReplicationConfiguration,
    owner: &RuleOwner<'_>,
) -> Option<ReplicationConfiguration> {
    let rules: Vec<ReplicationRule> = existing
        .rules
        .iter()
        .filter(|r| !owner.owns(r))
        .cloned()
        .collect();
    if rules.is_empty() {
        None
    } else {
        Some(ReplicationConfiguration {
            role: existing.role.clone(),
            rules,
        })
    }
}

/// The rules one `Custom::ReplicationSource`'s properties own in S's configuration: a rule is
/// theirs only if its Id is one of `ids` *and* it replicates to `destination_bucket` (a name)
/// in `destination_account`.
///
/// An Id alone is not enough. A Create that failed with [`PlanError::ForeignRuleIdTaken`] is
/// rolled back by CloudFormation with a Delete naming the same Ids, and another team's rule of
/// that Id, to another bucket, must survive it. And a replacement that changed only
/// `DestinationAccountId` writes rules of the same Ids to the same bucket: CloudFormation's
/// Delete of the old resource must not remove them.
#[derive(Debug, Clone, Copy)]
pub struct RuleOwner<'a> {
    /// The rule Ids.
    pub ids: &'a [String],
    /// The destination bucket's name.
    pub destination_bucket: &'a str,
    /// The destination account (`Destination.Account`).
    pub destination_account: &'a str,
}

impl RuleOwner<'_> {
    /// Whether `rule` is one of these.
    #[must_use]
    pub fn owns(&self, rule: &ReplicationRule) -> bool {
        rule.id.as_ref().is_some_and(|id| self.ids.contains(id))
            && replicates_to(rule, self.destination_bucket)
            && rule.destination.account.as_deref() == Some(self.destination_account)
    }
}

/// Whether `rule` replicates to the bucket named `bucket` (its ARN is
/// `arn:<partition>:s3:::<bucket>`).
#[must_use]
pub fn replicates_to(rule: &ReplicationRule, bucket: &str) -> bool {
    rule.destination
        .bucket
        .rsplit_once(":::")
        .is_some_and(|(_, name)| name == bucket)
}

/// On Update, what the old properties' rules (`previous`) become beside our new rules `ours`:
/// `existing` without the old rules whose Id a new rule takes to another bucket (S3 Ids are
/// unique, so the new rule replaces them), and the Ids of the old rules that no new rule
/// continues, for [`merge_replication_rules`] to drop. Rules `previous` does not own are
/// untouched, whatever their Id.
#[must_use]
pub fn previous_rules(
    existing: &ReplicationConfiguration,
    previous: &RuleOwner<'_>,
    ours: &[ReplicationRule],
) -> (ReplicationConfiguration, Vec<String>) {
    let continued = |rule: &ReplicationRule| ours.iter().find(|o| o.id == rule.id);
    let mut kept = existing.clone();
    kept.rules.retain(|r| {
        !(previous.owns(r)
            && continued(r).is_some_and(|o| o.destination.bucket != r.destination.bucket))
    });
    let dropped = existing
        .rules
        .iter()
        .filter(|r| previous.owns(r) && continued(r).is_none())
        .filter_map(|r| r.id.clone())
        .collect();
    (kept, dropped)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn foreign_rule(id: &str, priority: i32) -> ReplicationRule {
        serde_json::from_value(json!({
            "ID": id, "Priority": priority, "Status": "Enabled",
            "Filter": {"Prefix": format!("{id}/")},
            "Destination": {"Bucket": "arn:aws:s3:::elsewhere", "StorageClass": "GLACIER",
                            "SomeFutureMember": {"X": 1}},
            "DeleteMarkerReplication": {"Status": "Disabled"},
            "ExistingObjectReplication": {"Status": "Enabled"}
        }))
        .unwrap()
    }

    fn our_rule(id: &str, priority: i32) -> ReplicationRule {
        serde_json::from_value(json!({
            "ID": id, "Priority": priority, "Status": "Enabled", "Filter": {"Prefix": ""},
            "Destination": {"Bucket": "arn:aws:s3:::replicas", "Account": "222233334444"},
            "DeleteMarkerReplication": {"Status": "Disabled"}
        }))
        .unwrap()
    }

    const ROLE: &str = "arn:aws:iam::111122223333:role/s3-kms-replication-src";

    /// The owner of `ids` among [`our_rule`]s (to `replicas` in 222233334444).
    fn owner(ids: &[String]) -> RuleOwner<'_> {
        RuleOwner {
            ids,
            destination_bucket: "replicas",
            destination_account: "222233334444",
        }
    }

    fn config(rules: Vec<ReplicationRule>) -> ReplicationConfiguration {
        ReplicationConfiguration {
            role: ROLE.to_owned(),
            rules,
        }
    }

    fn ids(c: &ReplicationConfiguration) -> Vec<&str> {
        c.rules.iter().filter_map(|r| r.id.as_deref()).collect()
    }

    #[test]
    fn rules_round_trip_through_s3_json_without_losing_members() {
        let rule = foreign_rule("archive", 9);
        let back = serde_json::to_value(&rule).unwrap();
        assert_eq!(back["Destination"]["SomeFutureMember"], json!({"X": 1}));
        assert_eq!(back["ExistingObjectReplication"]["Status"], "Enabled");
        assert_eq!(
            serde_json::from_value::<ReplicationRule>(back).unwrap(),
            rule
        );
    }

    #[test]
    fn foreign_rules_are_kept_in_order_when_ours_are_merged() {
        let existing = config(vec![
            foreign_rule("a", 1),
            our_rule("ours", 5),
            foreign_rule("b", 2),
        ]);
        let updated = our_rule("ours", 6);
        let merged = merge_replication_rules(
            Some(&existing),
            ROLE,
            &[updated.clone(), our_rule("new", 7)],
            &[],
        )
        .unwrap();
        assert_eq!(ids(&merged), vec!["a", "ours", "b", "new"]);
        assert_eq!(merged.rules[0], existing.rules[0]);
        assert_eq!(merged.rules[1], updated);
        assert_eq!(merged.rules[2], existing.rules[2]);
    }

    #[test]
    fn renamed_rule_replaces_the_previous_one() {
        let existing = config(vec![foreign_rule("a", 1), our_rule("old-id", 5)]);
        let merged = merge_replication_rules(
            Some(&existing),
            ROLE,
            &[our_rule("new-id", 5)],
            &["old-id".to_owned()],
        )
        .unwrap();
        assert_eq!(ids(&merged), vec!["a", "new-id"]);
    }

    #[test]
    fn priority_collision_with_a_foreign_rule_is_reported() {
        let existing = config(vec![foreign_rule("a", 1)]);
        let err = merge_replication_rules(Some(&existing), ROLE, &[our_rule("ours", 1)], &[])
            .unwrap_err();
        assert_eq!(
            err,
            PlanError::PriorityCollision {
                ours: "ours".into(),
                foreign: "a".into(),
                priority: 1
            }
        );
        assert!(err.to_string().contains("Set Priority"));
    }

    fn spec_rule(id: &str, priority: i32, given: bool) -> crate::properties::RuleSpec {
        crate::properties::RuleSpec {
            id: id.into(),
            priority,
            priority_given: given,
            prefix: None,
            tags: Vec::new(),
            delete_marker_replication: false,
            storage_class: None,
        }
    }

    fn settled(
        existing: &ReplicationConfiguration,
        spec: &[crate::properties::RuleSpec],
    ) -> Vec<i32> {
        let mut ours: Vec<ReplicationRule> =
            spec.iter().map(|s| our_rule(&s.id, s.priority)).collect();
        settle_default_priorities(Some(existing), &mut ours, spec, &[]);
        ours.iter().map(|r| r.priority.unwrap()).collect()
    }

    #[test]
    fn a_default_priority_taken_by_another_rule_moves_to_the_next_free_one() {
        let existing = config(vec![foreign_rule("a", 1), foreign_rule("b", 2)]);
        assert_eq!(settled(&existing, &[spec_rule("ours", 1, false)]), vec![3]);
        // Our given priorities count as taken too, in order.
        let spec = [spec_rule("x", 3, true), spec_rule("y", 1, false)];
        assert_eq!(settled(&existing, &spec), vec![3, 4]);
    }

    #[test]
    fn a_settled_priority_is_kept_on_a_repeat_and_given_ones_are_never_moved() {
        // Our rule already sits at 3 (it was moved there); the foreign rule at 1 has gone since.
        let existing = config(vec![our_rule("ours", 3)]);
        assert_eq!(settled(&existing, &[spec_rule("ours", 1, false)]), vec![3]);
        // A given priority that collides stays, for merge_replication_rules to refuse.
        let existing = config(vec![foreign_rule("a", 1)]);
        let spec = [spec_rule("ours", 1, true)];
        assert_eq!(settled(&existing, &spec), vec![1]);
        let mut ours = vec![our_rule("ours", 1)];
        settle_default_priorities(Some(&existing), &mut ours, &spec, &[]);
        let err = merge_replication_rules(Some(&existing), ROLE, &ours, &[]).unwrap_err();
        assert!(matches!(err, PlanError::PriorityCollision { .. }));
    }

    #[test]
    fn without_a_configuration_defaults_stay() {
        let mut ours = vec![our_rule("ours", 1)];
        settle_default_priorities(None, &mut ours, &[spec_rule("ours", 1, false)], &[]);
        assert_eq!(ours[0].priority, Some(1));
    }

    #[test]
    fn equal_priorities_among_our_rules_are_reported() {
        let err = merge_replication_rules(None, ROLE, &[our_rule("x", 3), our_rule("y", 3)], &[])
            .unwrap_err();
        assert!(matches!(
            err,
            PlanError::DuplicatePriority { priority: 3, .. }
        ));
    }

    #[test]
    fn a_foreign_rule_with_our_id_is_not_overwritten() {
        let existing = config(vec![foreign_rule("shared-id", 1)]);
        let err = merge_replication_rules(Some(&existing), ROLE, &[our_rule("shared-id", 2)], &[])
            .unwrap_err();
        assert!(matches!(err, PlanError::ForeignRuleIdTaken { .. }));
    }

    #[test]
    fn a_different_role_used_by_foreign_rules_is_a_conflict() {
        let mut existing = config(vec![foreign_rule("a", 1)]);
        existing.role = "arn:aws:iam::111122223333:role/legacy".to_owned();
        let err = merge_replication_rules(Some(&existing), ROLE, &[our_rule("ours", 2)], &[])
            .unwrap_err();
        assert!(matches!(err, PlanError::RoleConflict { .. }));
        // With no foreign rule left, the role is simply ours.
        let only_ours = ReplicationConfiguration {
            role: "arn:aws:iam::111122223333:role/legacy".into(),
            rules: vec![our_rule("ours", 2)],
        };
        let merged =
            merge_replication_rules(Some(&only_ours), ROLE, &[our_rule("ours", 2)], &[]).unwrap();
        assert_eq!(merged.role, ROLE);
    }

    #[test]
    fn legacy_v1_foreign_rule_is_reported() {
        let v1: ReplicationRule = serde_json::from_value(json!({
            "ID": "v1", "Prefix": "logs/", "Status": "Enabled",
            "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}
        }))
        .unwrap();
        let err =
            merge_replication_rules(Some(&config(vec![v1])), ROLE, &[our_rule("ours", 1)], &[])
                .unwrap_err();
        assert!(matches!(err, PlanError::LegacyForeignRule(_)));
    }

    #[test]
    fn removing_our_rules_keeps_foreign_ones_or_deletes_the_configuration() {
        let existing = config(vec![foreign_rule("a", 1), our_rule("ours", 5)]);
        let ours = ["ours".to_owned()];
        let left = remove_replication_rules(&existing, &owner(&ours)).unwrap();
        assert_eq!(left, config(vec![foreign_rule("a", 1)]));
        let only_ours = config(vec![our_rule("ours", 5)]);
        assert_eq!(remove_replication_rules(&only_ours, &owner(&ours)), None);
    }

    #[test]
    fn the_role_inline_budget_counts_without_white_space_and_says_what_fits() {
        assert_eq!(iam_policy_size("{ \"a\" : 1 }\n"), 7);
        assert!(check_role_inline_budget(&[4_000, 4_000], 2_240).is_ok());
        let err = check_role_inline_budget(&[4_000, 4_000], 2_241).unwrap_err();
        assert_eq!(err.total, 10_241);
        assert_eq!(err.pairs_that_fit, 4);
        assert!(err.to_string().contains("at most 4 pairs"), "{err}");
    }

    #[test]
    fn a_foreign_rule_with_our_id_but_another_destination_survives_a_delete() {
        // The rollback Delete of a Create that failed with ForeignRuleIdTaken names that Id.
        let existing = config(vec![foreign_rule("ours", 1)]);
        let ours = ["ours".to_owned()];
        assert_eq!(
            remove_replication_rules(&existing, &owner(&ours)),
            Some(existing.clone())
        );
    }

    #[test]
    fn a_rule_of_our_id_and_bucket_in_another_account_is_not_the_old_resources() {
        // A replacement that changed only DestinationAccountId wrote these; the old resource's
        // Delete names the old account.
        let mut moved = our_rule("ours", 1);
        moved.destination.account = Some("999988887777".to_owned());
        let existing = config(vec![moved]);
        let ours = ["ours".to_owned()];
        assert_eq!(
            remove_replication_rules(&existing, &owner(&ours)),
            Some(existing.clone())
        );
    }

    #[test]
    fn an_update_takes_over_its_old_rules_ids_and_drops_the_rest() {
        // Old: r1 and r2 to replicas. New: r1 to another bucket, no r2. A foreign r3 too.
        let mut r1_new = our_rule("r1", 1);
        r1_new.destination.bucket = "arn:aws:s3:::new-replicas".to_owned();
        let existing = config(vec![
            our_rule("r1", 1),
            our_rule("r2", 2),
            foreign_rule("r3", 3),
        ]);
        let old_ids = ["r1".to_owned(), "r2".to_owned()];
        let (kept, dropped) = previous_rules(&existing, &owner(&old_ids), &[r1_new.clone()]);
        assert_eq!(ids(&kept), vec!["r2", "r3"], "r1 is taken over");
        assert_eq!(dropped, vec!["r2".to_owned()]);
        let merged = merge_replication_rules(Some(&kept), ROLE, &[r1_new], &dropped).unwrap();
        assert_eq!(ids(&merged), vec!["r3", "r1"]);
        // A foreign rule with an old Id is neither taken over nor dropped.
        let existing = config(vec![foreign_rule("r2", 3)]);
        let (kept, dropped) = previous_rules(&existing, &owner(&old_ids), &[]);
        assert_eq!(kept, existing);
        assert!(dropped.is_empty());
    }

    fn foreign_rules() -> impl Strategy<Value = Vec<ReplicationRule>> {
        prop::collection::btree_set(100..200i32, 0..5).prop_map(|priorities| {
            priorities
                .into_iter()
                .enumerate()
                .map(|(i, p)| foreign_rule(&format!("foreign-{i}"), p))
                .collect()
        })
    }

    fn ours_strategy() -> impl Strategy<Value = Vec<ReplicationRule>> {
        prop::sample::subsequence(vec![("r1", 1), ("r2", 2), ("r3", 3)], 1..=3)
            .prop_map(|v| v.into_iter().map(|(id, p)| our_rule(id, p)).collect())
    }

    proptest! {
        #[test]
        fn rule_merge_is_idempotent_and_removal_restores(foreign in foreign_rules(), ours in ours_strategy(), ours_first in any::<bool>()) {
            let existing = if foreign.is_empty() { None } else {
                let mut rules = foreign.clone();
                if ours_first { rules.insert(0, our_rule("r1", 1)); }
                Some(config(rules))
            };
            let once = merge_replication_rules(existing.as_ref(), ROLE, &ours, &["r1".to_owned()]).unwrap();
            let twice = merge_replication_rules(Some(&once), ROLE, &ours, &["r1".to_owned()]).unwrap();
            prop_assert_eq!(&once, &twice);
            let kept_foreign: Vec<&ReplicationRule> = once.rules.iter().filter(|r| r.id.as_deref().is_some_and(|i| i.starts_with("foreign"))).collect();
            prop_assert_eq!(kept_foreign, foreign.iter().collect::<Vec<_>>());
            let all_ours: Vec<String> = vec!["r1".into(), "r2".into(), "r3".into()];
            let removed = remove_replication_rules(&once, &owner(&all_ours));
            let expected = if foreign.is_empty() { None } else { Some(config(foreign)) };
            prop_assert_eq!(removed, expected);
        }
    }
}
