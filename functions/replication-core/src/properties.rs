//! The custom resources' `Properties`: parsed, validated and compared for Update.
//!
//! Two resource types ([`ResourceType`]). Each goes through two pure steps, with the adapter's
//! AWS look-ups in between:
//!
//! 1. **Parse** ([`DestinationProperties::parse`], [`SourceProperties::parse`]): names,
//!    shapes and syntax. Property names are PascalCase; numbers and booleans are accepted as
//!    JSON values or as the strings CloudFormation sends (`"true"`, `"15"`). Unknown
//!    properties are errors, except `ServiceToken` and `ServiceTimeout`, which CloudFormation
//!    itself reads and forwards.
//! 2. **Validate** ([`DestinationProperties::validate`], [`SourceProperties::validate`]):
//!    against facts only AWS knows, which the adapter looks up and passes in
//!    ([`DestinationFacts`], [`SourceFacts`]): the account the stack runs in, the buckets'
//!    regions, and each key's ARN and manager from `DescribeKey` (aliases resolved). The result
//!    is a spec ([`DestinationSpec`], [`SourceSpec`]) that the [`crate::plan`] functions turn
//!    into documents.
//!
//! Every problem found is reported, not just the first, each as a [`PropertyIssue`] that names
//! the property and the fix. The whole list is one [`InvalidProperties`] error, whose text is
//! meant for the CloudFormation `Reason`.
//!
//! For Update, [`SourceProperties::update_kind`] and [`DestinationProperties::update_kind`]
//! say whether the change replaces the resource (a bucket or an account changed) or updates it
//! in place.
//!
//! ```
//! use replication_core::properties::DestinationProperties;
//! use serde_json::json;
//!
//! let props = DestinationProperties::parse(&json!({
//!     "ServiceToken": "arn:aws:lambda:eu-west-1:222233334444:function:setup",
//!     "DestinationBucket": "replica-bucket",
//!     "DestinationKmsKeyArn": "arn:aws:kms:eu-west-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab",
//!     "SourceAccountId": "111122223333",
//!     "SourceBucket": "source-bucket",
//!     "ReplicationRoleArn": "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket",
//!     "BucketKeyEnabled": "false"
//! })).unwrap();
//! assert!(!props.bucket_key_enabled);
//!
//! let err = DestinationProperties::parse(&json!({"DestinationBucket": "Bad_Name"})).unwrap_err();
//! assert!(err.to_string().contains("DestinationBucket"));
//! assert!(err.to_string().contains("SourceAccountId: missing"));
//! ```

use std::fmt;

use crate::arn::{AccountId, KeyManager, KmsKeyArn, KmsKeyRef, Partition, Region};

/// The property CloudFormation adds to every custom resource; ignored.
pub const SERVICE_TOKEN: &str = "ServiceToken";

mod destination;
mod policy_writes;
mod reader;
mod rules;
mod source;
mod source_table;
pub use destination::{DestinationFacts, DestinationProperties, DestinationSpec};
pub use policy_writes::PolicyWrites;
use policy_writes::read_policy_writes;
use reader::Reader;
use rules::check_unique_rules;
pub use rules::{ROLE_MANAGED_TAG, ROLE_TAGS_MAX, RuleProperties, STORAGE_CLASSES};
pub use source::{SourceFacts, SourceProperties, SourceSpec};

/// `AWS::CloudFormation::CustomResource`'s `ServiceTimeout` ("The maximum time, in seconds, that
/// can elapse before a custom resource operation times out", 1 to 3600, default 3600: the
/// CloudFormation User Guide's resource reference). CloudFormation forwards it in
/// `ResourceProperties` like `ServiceToken`; it is CloudFormation's setting, not ours.
pub const SERVICE_TIMEOUT: &str = "ServiceTimeout";

/// The custom resource types this project implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    /// `Custom::ReplicationDestination`, deployed in the destination account.
    Destination,
    /// `Custom::ReplicationSource`, deployed in the source account.
    Source,
}

impl ResourceType {
    /// The accepted `ResourceType` values.
    pub const ACCEPTED: [&'static str; 2] = [
        "Custom::ReplicationDestination",
        "Custom::ReplicationSource",
    ];

    /// Recognise a CloudFormation `ResourceType`.
    ///
    /// # Errors
    /// [`UnknownResourceType`], which lists the accepted types.
    pub fn parse(value: &str) -> Result<Self, UnknownResourceType> {
        match value {
            "Custom::ReplicationDestination" => Ok(Self::Destination),
            "Custom::ReplicationSource" => Ok(Self::Source),
            other => Err(UnknownResourceType(other.to_owned())),
        }
    }
}

/// A `ResourceType` this function does not implement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown resource type {0:?}; this function implements Custom::ReplicationDestination and Custom::ReplicationSource"
)]
pub struct UnknownResourceType(pub String);

/// One problem with one property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyIssue {
    /// The property, e.g. `DestinationKmsKeyArn` or `Rules[1].Priority`.
    pub property: String,
    /// What is wrong.
    pub problem: String,
    /// What to do about it.
    pub fix: String,
}

impl fmt::Display for PropertyIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}; {}", self.property, self.problem, self.fix)
    }
}

/// The properties are not usable; every issue found is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InvalidProperties {
    /// The problems, in property order.
    pub issues: Vec<PropertyIssue>,
}

impl fmt::Display for InvalidProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid properties: ")?;
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{issue}")?;
        }
        Ok(())
    }
}

/// A key as the adapter found it with `DescribeKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedKey {
    /// `KeyMetadata.Arn`.
    pub arn: KmsKeyArn,
    /// `KeyMetadata.KeyManager`; `None` when the key could not be described (a key in another
    /// account, given by ARN).
    pub manager: Option<KeyManager>,
    /// `KeyMetadata.KeyState` (`Enabled`, `Disabled`, `PendingDeletion`, …), when described.
    pub state: Option<String>,
}

impl ResolvedKey {
    /// A key known only by its ARN, not described.
    #[must_use]
    pub fn from_arn(arn: KmsKeyArn) -> Self {
        Self {
            arn,
            manager: None,
            state: None,
        }
    }
}

/// A bucket's default encryption, as `GetBucketEncryption` reports it (its first rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultEncryption {
    /// `SSEAlgorithm`: `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// `KMSMasterKeyID`, as configured (key id, alias or ARN), when set.
    pub kms_key_id: Option<String>,
    /// The key ARN that `kms_key_id` names, when the adapter resolved an alias with
    /// `DescribeKey`; `None` when it did not (a key id or ARN needs no resolving).
    pub kms_key_arn: Option<String>,
    /// `BucketKeyEnabled`: new SSE-KMS objects use an S3 Bucket Key unless the write says not
    /// to.
    pub bucket_key_enabled: bool,
}

impl DefaultEncryption {
    /// The alias the default names, when its key can only be known by describing it (a key id
    /// or ARN needs no lookup, and an AWS managed alias such as `alias/aws/s3` is no
    /// customer key): what an adapter resolves into [`DefaultEncryption::kms_key_arn`].
    #[must_use]
    pub fn alias_to_resolve(&self) -> Option<crate::arn::KmsKeyRef> {
        use crate::arn::KmsKeyRef;
        let key = KmsKeyRef::parse(self.kms_key_id.as_deref()?).ok()?;
        (matches!(key, KmsKeyRef::AliasName(_) | KmsKeyRef::AliasArn { .. })
            && !key.is_aws_managed_alias())
        .then_some(key)
    }
}

/// `BucketKeyEnabled: false` narrows the grants to per-object encryption contexts; refuse it
/// when the bucket's own default encryption writes Bucket Key objects, which would then be
/// denied.
fn check_bucket_keys(
    issues: &mut Vec<PropertyIssue>,
    admit_bucket_keys: bool,
    bucket_property: &str,
    encryption: Option<&DefaultEncryption>,
) {
    if !admit_bucket_keys && encryption.is_some_and(|e| e.bucket_key_enabled) {
        issues.push(PropertyIssue {
            property: "BucketKeyEnabled".to_owned(),
            problem: format!(
                "false narrows the KMS grants to per-object encryption contexts, but {bucket_property}'s default encryption enables S3 Bucket Keys, whose objects carry the bucket ARN as their context and would fail to replicate"
            ),
            fix: "remove BucketKeyEnabled (the default admits both contexts)".to_owned(),
        });
    }
}

fn key_ref(reader: &mut Reader<'_>, property: &str) -> Option<KmsKeyRef> {
    let key = reader.parsed(property, true, KmsKeyRef::parse)?;
    if key.is_aws_managed_alias() {
        reader.issue(
            property,
            "AWS managed keys (alias/aws/...) cannot be used across accounts and their key policies cannot be changed",
            "create a customer managed KMS key and give its ARN",
        );
        return None;
    }
    Some(key)
}

fn check_key(
    issues: &mut Vec<PropertyIssue>,
    property: &str,
    key: &ResolvedKey,
    expected_account: &AccountId,
    account_reason: &str,
    bucket_region: Option<&Region>,
    bucket_property: &str,
) {
    if key.manager == Some(KeyManager::Aws) {
        issues.push(PropertyIssue {
            property: property.to_owned(),
            problem: format!(
                "{} is an AWS managed key; AWS managed keys cannot be used across accounts and their key policies cannot be changed",
                key.arn
            ),
            fix: "create a customer managed KMS key and give its ARN".to_owned(),
        });
    }
    if key.arn.account() != expected_account {
        issues.push(PropertyIssue {
            property: property.to_owned(),
            problem: format!(
                "the key belongs to account {}, but {account_reason} is {expected_account}",
                key.arn.account()
            ),
            fix: format!("use a key owned by account {expected_account}"),
        });
    }
    if let Some(region) = bucket_region
        && key.arn.region() != region
    {
        issues.push(PropertyIssue {
                property: property.to_owned(),
                problem: format!(
                    "the key is in {} but {bucket_property} is in {region}; S3 requires the key in the bucket's region",
                    key.arn.region()
                ),
                fix: format!("use a KMS key in {region}"),
            });
    }
}

fn check_partition(
    issues: &mut Vec<PropertyIssue>,
    property: &str,
    found: &Partition,
    expected: &Partition,
) {
    if found != expected {
        issues.push(PropertyIssue {
            property: property.to_owned(),
            problem: format!("partition {found} differs from the keys' partition {expected}"),
            fix: "use ARNs of one partition".to_owned(),
        });
    }
}

fn finish<T>(issues: Vec<PropertyIssue>, value: Option<T>) -> Result<T, InvalidProperties> {
    match value {
        Some(v) if issues.is_empty() => Ok(v),
        _ => Err(InvalidProperties { issues }),
    }
}

/// What an Update does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateKind {
    /// Nothing that matters changed.
    NoChange,
    /// Update in place; the listed properties changed.
    InPlace {
        /// Changed property names.
        changed: Vec<&'static str>,
    },
    /// A bucket or an account changed: answer with a new PhysicalResourceId, and
    /// CloudFormation deletes the old resource afterwards.
    Replacement {
        /// The changed properties that force replacement.
        because: Vec<&'static str>,
    },
}

/// One row of a resource's property table: the property's name, kind, default, whether a change to it
/// replaces the resource (a new PhysicalResourceId, after which CloudFormation deletes the old
/// one), and how a change shows between two parsed values. A property is added with a row
/// here, a field, and a parse line in the resource's `parse`.
pub struct Property<T> {
    /// The property's name in `ResourceProperties`.
    pub name: &'static str,
    /// What the value is: `Boolean` (`"true"`/`"false"`, as CloudFormation sends it),
    /// `BucketName`, `AccountId`, `KmsKeyRef` (key ARN, alias ARN, `alias/…` or key id),
    /// `RoleArn`, `RoleName`, `SqsQueueArn`, `RuleList` (a list, or its JSON text), or `True`
    /// (accepted so that a template may state it; only `true` is). Exported in the catalogue.
    pub kind: &'static str,
    /// Whether a request without it is refused.
    pub required: bool,
    /// The value an absent property takes, as text; `None` when it has none or a derived one.
    /// The tests hold this to what `parse` does.
    pub default: Option<&'static str>,
    /// Whether changing it means replacement.
    pub replaces: bool,
    /// Whether it differs between two parsed values.
    pub changed: fn(&T, &T) -> bool,
}

/// The names of a property table's rows: the names a resource accepts.
const fn names<T, const N: usize>(table: &[Property<T>; N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = table[i].name;
        i += 1;
    }
    out
}

/// What an Update from `old` to `new` is, by the table's rows.
fn update_kind<T>(table: &[Property<T>], new: &T, old: &T) -> UpdateKind {
    let changed: Vec<&Property<T>> = table.iter().filter(|p| (p.changed)(new, old)).collect();
    let because: Vec<&'static str> = changed
        .iter()
        .filter(|p| p.replaces)
        .map(|p| p.name)
        .collect();
    if !because.is_empty() {
        return UpdateKind::Replacement { because };
    }
    if changed.is_empty() {
        UpdateKind::NoChange
    } else {
        UpdateKind::InPlace {
            changed: changed.iter().map(|p| p.name).collect(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod role_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod table_tests;
