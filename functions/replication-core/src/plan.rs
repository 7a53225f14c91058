//! The corrected steps 2 to 6 as data: one named function per document.
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
//!   rather than the role as principal, so that B can be deployed before A's role exists and a
//!   re-created role is not silently cut off (a role principal is stored as the role's unique
//!   id), and allows `kms:Encrypt` (plus `kms:Decrypt` with Bucket
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

use serde_json::{Map, Value, json};

use crate::arn::{BucketName, Partition, Region};
use crate::policy::{Effect, POLICY_VERSION, SidScope, Statement, document};
use crate::properties::{DestinationSpec, SourceSpec};

mod replication;
mod role_settings;
mod statements;
pub use replication::{
    AccessControlTranslation, AndOperator, Destination, EnabledStatus, EncryptionConfiguration,
    Metrics, Minutes, PlanError, PreviousRules, ReplicationConfiguration, ReplicationRule,
    ReplicationTime, RuleFilter, RuleOwner, SourceSelectionCriteria, Tag, merge_replication_rules,
    previous_rules, remove_replication_rules, replicates_to, replication_rules,
    settle_default_priorities,
};
pub use role_settings::{
    ROLE_MANAGED_TAG, ROLE_TAGS_MAX, RoleSettingChanges, RoleSettings, role_setting_changes,
};
pub use statements::{
    PolicyDocument, PolicyStatements, destination_policy_statements, pair_policy_statements,
    source_policy_statements, source_resource_policy_statements,
};

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

/// The trust policy our role should have: S3's, with the confused-deputy conditions when
/// `RoleTrustConditions` asks, admitting every source bucket the `current` policy admits (a
/// role shared by several source buckets) and this one.
pub fn wanted_trust_policy(spec: &SourceSpec, current: Option<&Value>) -> Value {
    if !spec.role_trust_conditions {
        return replication_role_trust_policy(None);
    }
    let mut arns = current.map(trusted_source_arns).unwrap_or_default();
    arns.push(spec.source_bucket.arn(&spec.partition));
    arns.sort();
    arns.dedup();
    replication_role_trust_policy(Some(&TrustRestriction {
        source_account: spec.source_account.to_string(),
        source_bucket_arns: arns,
    }))
}

/// Step 2, permissions: the role's inline policy, exactly the documented least privilege.
///
/// - `s3:GetReplicationConfiguration`, `s3:ListBucket` on S;
/// - `s3:GetObjectVersionForReplication`, `s3:GetObjectVersionAcl`,
///   `s3:GetObjectVersionTagging` when tags are replicated, and `s3:GetObjectRetention` and
///   `s3:GetObjectLegalHold` when S has Object Lock, on S/* (S3 User Guide, "Object Lock
///   considerations", "Using Object Lock with S3 Replication": "You must grant two new
///   permissions on the source S3 bucket in the IAM role that you use to set up replication
///   [...] `s3:GetObjectRetention` and `s3:GetObjectLegalHold`"; D must have Object Lock too,
///   which the doctor checks);
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
                spec.source_object_lock.then_some("s3:GetObjectRetention"),
                spec.source_object_lock.then_some("s3:GetObjectLegalHold"),
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
