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

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::arn::{
    AccountId, ArnError, BucketName, KeyManager, KmsKeyArn, KmsKeyRef, Partition, Region, RoleArn,
    SqsQueueArn, default_role_name, validate_role_name,
};
use crate::policy::SidScope;

/// The property CloudFormation adds to every custom resource; ignored.
pub const SERVICE_TOKEN: &str = "ServiceToken";

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

/// Collects issues while reading a property map.
struct Reader<'a> {
    map: Option<&'a Map<String, Value>>,
    context: String,
    issues: Vec<PropertyIssue>,
}

impl<'a> Reader<'a> {
    fn new(value: &'a Value, context: &str, known: &[&str]) -> Self {
        let mut reader = Self {
            map: value.as_object(),
            context: context.to_owned(),
            issues: Vec::new(),
        };
        match reader.map {
            None => reader.issue(
                "",
                "not an object",
                "give the properties as a map of PascalCase names to values",
            ),
            Some(map) => {
                let unknown: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| ![SERVICE_TOKEN, SERVICE_TIMEOUT].contains(k) && !known.contains(k))
                    .collect();
                for name in unknown {
                    reader.issue(
                        name,
                        "unknown property",
                        &format!("remove it; accepted properties are {}", known.join(", ")),
                    );
                }
            }
        }
        reader
    }

    fn name(&self, property: &str) -> String {
        match (self.context.is_empty(), property.is_empty()) {
            (true, _) => property.to_owned(),
            (false, true) => self.context.clone(),
            (false, false) => format!("{}.{property}", self.context),
        }
    }

    fn issue(&mut self, property: &str, problem: &str, fix: &str) {
        let property = self.name(property);
        self.issues.push(PropertyIssue {
            property,
            problem: problem.to_owned(),
            fix: fix.to_owned(),
        });
    }

    fn arn_issue(&mut self, property: &str, err: &ArnError) {
        let problem = format!("{} (got {:?})", err.problem, err.found);
        let fix = err.fix.clone();
        self.issue(property, &problem, &fix);
    }

    fn get(&self, property: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(property))
    }

    fn string(&mut self, property: &str, required: bool) -> Option<&'a str> {
        match self.get(property) {
            None | Some(Value::Null) => {
                if required {
                    self.issue(property, "missing", "this property is required");
                }
                None
            }
            Some(Value::String(s)) if s.is_empty() && required => {
                self.issue(property, "empty", "this property is required");
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.issue(property, "not a string", "give a string value");
                None
            }
        }
    }

    fn parsed<T>(
        &mut self,
        property: &str,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, ArnError>,
    ) -> Option<T> {
        let s = self.string(property, required)?;
        match parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                self.arn_issue(property, &e);
                None
            }
        }
    }

    fn boolean(&mut self, property: &str) -> Option<bool> {
        match self.get(property) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(_) => {
                self.issue(property, "not a boolean", "use true or false");
                None
            }
        }
    }

    fn number(&mut self, property: &str, range: std::ops::RangeInclusive<i64>) -> Option<i64> {
        let value = match self.get(property) {
            None | Some(Value::Null) => return None,
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match value.filter(|v| range.contains(v)) {
            Some(v) => Some(v),
            None => {
                let fix = format!(
                    "use a whole number from {} to {}",
                    range.start(),
                    range.end()
                );
                self.issue(property, "not a valid number", &fix);
                None
            }
        }
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
    /// `BucketKeyEnabled`: new SSE-KMS objects use an S3 Bucket Key unless the write says not
    /// to.
    pub bucket_key_enabled: bool,
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

fn update_kind(changes: &[(&'static str, bool, bool)]) -> UpdateKind {
    let because: Vec<&'static str> = changes
        .iter()
        .filter(|(_, changed, replaces)| *changed && *replaces)
        .map(|(n, _, _)| *n)
        .collect();
    if !because.is_empty() {
        return UpdateKind::Replacement { because };
    }
    let changed: Vec<&'static str> = changes
        .iter()
        .filter(|(_, changed, _)| *changed)
        .map(|(n, _, _)| *n)
        .collect();
    if changed.is_empty() {
        UpdateKind::NoChange
    } else {
        UpdateKind::InPlace { changed }
    }
}

// ---------------------------------------------------------------------------------------
// Custom::ReplicationDestination
// ---------------------------------------------------------------------------------------

/// The properties of `Custom::ReplicationDestination`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationProperties {
    /// `DestinationBucket`: D, by name or ARN.
    pub destination_bucket: BucketName,
    /// `DestinationKmsKeyArn`: KB (aliases are resolved by the adapter in B).
    pub destination_kms_key: KmsKeyRef,
    /// `SourceAccountId`: A.
    pub source_account_id: AccountId,
    /// `SourceBucket`: S.
    pub source_bucket: BucketName,
    /// `ReplicationRoleArn`: A's replication role; it need not exist yet.
    pub replication_role_arn: RoleArn,
    /// `BucketKeyEnabled` (default true): admit S3 Bucket Key objects, whose KMS encryption
    /// context is the bucket ARN (see [`crate::plan`]). `false` narrows the grants to
    /// per-object contexts, for buckets known never to use Bucket Keys.
    pub bucket_key_enabled: bool,
    /// `NotificationQueueArn`: D's object-created events go to this queue.
    pub notification_queue_arn: Option<SqsQueueArn>,
    /// `DeployTimeChecks` (default true): after writing, diagnose what this account can see
    /// ([`crate::doctor`]) and fail with the findings.
    pub deploy_time_checks: bool,
}

/// `ReplicateTags` and `OwnerOverride` on the destination side: `true` is accepted (D always
/// grants both actions to A's role), `false` is refused. S3 honours these choices only on the
/// source side: without `s3:GetObjectVersionTagging` it replicates objects without their tags
/// (S3 User Guide, "Setting up permissions": "If Amazon S3 doesn't have these permissions, it
/// replicates the objects, but not the object tags"), and the rule's `AccessControlTranslation`
/// decides ownership. Withheld on D, the grants only make objects fail.
fn refuse_destination_switch(r: &mut Reader<'_>, property: &str, problem: &str, fix: &str) {
    if r.boolean(property) == Some(false) {
        r.issue(property, &format!("false {problem}"), fix);
    }
}

/// What the adapter learned in the destination account before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationFacts {
    /// The account the stack runs in (B).
    pub account_id: AccountId,
    /// D's region (`GetBucketLocation` / `HeadBucket`).
    pub destination_bucket_region: Region,
    /// KB, described.
    pub destination_key: ResolvedKey,
    /// D's default encryption; `None` when D has none.
    pub destination_encryption: Option<DefaultEncryption>,
}

/// A validated `Custom::ReplicationDestination`: everything the destination-side plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationSpec {
    /// The partition of every ARN.
    pub partition: Partition,
    /// B.
    pub destination_account: AccountId,
    /// D.
    pub destination_bucket: BucketName,
    /// D's region.
    pub destination_region: Region,
    /// KB, as a key ARN.
    pub destination_key: KmsKeyArn,
    /// A.
    pub source_account: AccountId,
    /// S.
    pub source_bucket: BucketName,
    /// A's replication role.
    pub role_arn: RoleArn,
    /// Admit S3 Bucket Key encryption contexts (and `kms:Decrypt` on KB).
    pub bucket_key_enabled: bool,
    /// Queue for D's notifications.
    pub notification_queue: Option<SqsQueueArn>,
}

impl DestinationSpec {
    /// The Sid scope of this replication pair.
    #[must_use]
    pub fn sid_scope(&self) -> SidScope {
        SidScope::for_replication(
            &self.source_account,
            &self.source_bucket,
            &self.destination_bucket,
        )
    }
}

impl DestinationProperties {
    /// Accepted property names.
    pub const NAMES: [&'static str; 10] = [
        "DestinationBucket",
        "DestinationKmsKeyArn",
        "SourceAccountId",
        "SourceBucket",
        "ReplicationRoleArn",
        "ReplicateTags",
        "OwnerOverride",
        "BucketKeyEnabled",
        "NotificationQueueArn",
        "DeployTimeChecks",
    ];

    /// Parse the `ResourceProperties` of a `Custom::ReplicationDestination` request.
    ///
    /// # Errors
    /// [`InvalidProperties`] listing every missing, unknown or malformed property.
    pub fn parse(properties: &Value) -> Result<Self, InvalidProperties> {
        let mut r = Reader::new(properties, "", &Self::NAMES);
        let destination_bucket = r.parsed("DestinationBucket", true, BucketName::parse);
        let destination_kms_key = key_ref(&mut r, "DestinationKmsKeyArn");
        let source_account_id = r.parsed("SourceAccountId", true, AccountId::parse);
        let source_bucket = r.parsed("SourceBucket", true, BucketName::parse);
        let replication_role_arn = r.parsed("ReplicationRoleArn", true, RoleArn::parse);
        refuse_destination_switch(
            &mut r,
            "ReplicateTags",
            "withholds s3:ReplicateTags on D, which S3 does not read as \"replicate without tags\": it fails every tagged object (DstPutTaggingNotPermitted)",
            "remove it here, and set ReplicateTags to false on Custom::ReplicationSource (the source stack's ReplicateTags), which replicates objects without their tags",
        );
        refuse_destination_switch(
            &mut r,
            "OwnerOverride",
            "withholds s3:ObjectOwnerOverrideToBucketOwner on D, which fails every object whose rule hands ownership to D's account (the source's default across accounts)",
            "remove it here; owner override is chosen on Custom::ReplicationSource (OwnerOverride), where S3 honours it",
        );
        let bucket_key_enabled = r.boolean("BucketKeyEnabled").unwrap_or(true);
        let notification_queue_arn = r.parsed("NotificationQueueArn", false, SqsQueueArn::parse);
        let deploy_time_checks = r.boolean("DeployTimeChecks").unwrap_or(true);
        if let (Some(role), Some(account)) = (&replication_role_arn, &source_account_id)
            && role.account() != account
        {
            r.issue(
                    "ReplicationRoleArn",
                    &format!(
                        "the role is in account {} but SourceAccountId is {account}",
                        role.account()
                    ),
                    "give the replication role of the source account (by default arn:aws:iam::<SourceAccountId>:role/s3-kms-replication-<SourceBucket>)",
                );
        }
        let parsed = (|| {
            Some(Self {
                destination_bucket: destination_bucket?,
                destination_kms_key: destination_kms_key?,
                source_account_id: source_account_id?,
                source_bucket: source_bucket?,
                replication_role_arn: replication_role_arn?,
                bucket_key_enabled,
                notification_queue_arn,
                deploy_time_checks,
            })
        })();
        finish(r.issues, parsed)
    }

    /// Check the parsed properties against what the adapter found in the account.
    ///
    /// # Errors
    /// [`InvalidProperties`]: an AWS managed key; a key not in this account or not in D's
    /// region; a queue not in D's region; ARNs of different partitions.
    pub fn validate(&self, facts: &DestinationFacts) -> Result<DestinationSpec, InvalidProperties> {
        let mut issues = Vec::new();
        let key = &facts.destination_key;
        check_key(
            &mut issues,
            "DestinationKmsKeyArn",
            key,
            &facts.account_id,
            "the account this stack runs in (the destination account)",
            Some(&facts.destination_bucket_region),
            "DestinationBucket",
        );
        if let Some(arn) = self.destination_kms_key.as_key_arn()
            && arn != &key.arn
        {
            issues.push(PropertyIssue {
                property: "DestinationKmsKeyArn".to_owned(),
                problem: format!("DescribeKey answered {} for {arn}", key.arn),
                fix: "give the key ARN exactly as DescribeKey reports it".to_owned(),
            });
        }
        check_bucket_keys(
            &mut issues,
            self.bucket_key_enabled,
            "DestinationBucket",
            facts.destination_encryption.as_ref(),
        );
        let partition = key.arn.partition().clone();
        check_partition(
            &mut issues,
            "ReplicationRoleArn",
            self.replication_role_arn.partition(),
            &partition,
        );
        if let Some(queue) = &self.notification_queue_arn
            && queue.region() != &facts.destination_bucket_region
        {
            issues.push(PropertyIssue {
                    property: "NotificationQueueArn".to_owned(),
                    problem: format!(
                        "the queue is in {} but DestinationBucket is in {}; S3 sends notifications only within a region",
                        queue.region(),
                        facts.destination_bucket_region
                    ),
                    fix: format!("use a queue in {}", facts.destination_bucket_region),
                });
        }
        let spec = DestinationSpec {
            partition,
            destination_account: facts.account_id.clone(),
            destination_bucket: self.destination_bucket.clone(),
            destination_region: facts.destination_bucket_region.clone(),
            destination_key: key.arn.clone(),
            source_account: self.source_account_id.clone(),
            source_bucket: self.source_bucket.clone(),
            role_arn: self.replication_role_arn.clone(),
            bucket_key_enabled: self.bucket_key_enabled,
            notification_queue: self.notification_queue_arn.clone(),
        };
        finish(issues, Some(spec))
    }

    /// The stable PhysicalResourceId: it changes exactly when an Update means replacement.
    #[must_use]
    pub fn physical_resource_id(&self) -> String {
        format!(
            "s3-kms-replication:destination:{}:{}:{}",
            self.source_account_id, self.source_bucket, self.destination_bucket
        )
    }

    /// Compare the old properties of an Update with these (the new ones).
    #[must_use]
    pub fn update_kind(&self, old: &Self) -> UpdateKind {
        update_kind(&[
            (
                "DestinationBucket",
                self.destination_bucket != old.destination_bucket,
                true,
            ),
            (
                "SourceAccountId",
                self.source_account_id != old.source_account_id,
                true,
            ),
            (
                "SourceBucket",
                self.source_bucket != old.source_bucket,
                true,
            ),
            (
                "DestinationKmsKeyArn",
                self.destination_kms_key != old.destination_kms_key,
                false,
            ),
            (
                "ReplicationRoleArn",
                self.replication_role_arn != old.replication_role_arn,
                false,
            ),
            (
                "BucketKeyEnabled",
                self.bucket_key_enabled != old.bucket_key_enabled,
                false,
            ),
            (
                "NotificationQueueArn",
                self.notification_queue_arn != old.notification_queue_arn,
                false,
            ),
            (
                "DeployTimeChecks",
                self.deploy_time_checks != old.deploy_time_checks,
                false,
            ),
        ])
    }
}

// ---------------------------------------------------------------------------------------
// Custom::ReplicationSource
// ---------------------------------------------------------------------------------------

/// Storage classes a replication rule may name for replicas.
pub const STORAGE_CLASSES: [&str; 9] = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
    "OUTPOSTS",
];

/// One entry of `Rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProperties {
    /// `Id`: the rule's ID in S's replication configuration (1 to 255 characters).
    pub id: String,
    /// `Priority`; defaults to the rule's position in `Rules`, counting from 1.
    pub priority: i32,
    /// Whether `Priority` was given. A defaulted priority that another rule on the source
    /// bucket already uses is moved to the next free one
    /// ([`crate::plan::settle_default_priorities`]); a given one is kept, or refused.
    pub priority_given: bool,
    /// `Prefix`: replicate only keys with this prefix.
    pub prefix: Option<String>,
    /// `Tags`: replicate only objects with all these tags, as (key, value) in the given order.
    pub tags: Vec<(String, String)>,
    /// `DeleteMarkerReplication` (default false).
    pub delete_marker_replication: bool,
    /// `StorageClass` of the replicas; `None` keeps the source's class.
    pub storage_class: Option<String>,
}

impl RuleProperties {
    /// Accepted keys of a rule.
    pub const NAMES: [&'static str; 6] = [
        "Id",
        "Priority",
        "Prefix",
        "Tags",
        "DeleteMarkerReplication",
        "StorageClass",
    ];

    /// The rule used when `Rules` is omitted: the whole bucket, priority 1 (or the next free
    /// one, see [`crate::plan::settle_default_priorities`]).
    #[must_use]
    pub fn whole_bucket(destination_bucket: &BucketName) -> Self {
        Self {
            id: format!("s3-kms-replication-to-{destination_bucket}"),
            priority: 1,
            priority_given: false,
            prefix: None,
            tags: Vec::new(),
            delete_marker_replication: false,
            storage_class: None,
        }
    }

    fn parse(value: &Value, index: usize, issues: &mut Vec<PropertyIssue>) -> Option<Self> {
        let mut r = Reader::new(value, &format!("Rules[{index}]"), &Self::NAMES);
        let id = r.string("Id", true).map(str::to_owned);
        if let Some(id) = &id
            && id.chars().count() > 255
        {
            r.issue("Id", "longer than 255 characters", "shorten the rule Id");
        }
        let default_priority = i32::try_from(index + 1).unwrap_or(i32::MAX);
        let given = r
            .number("Priority", 0..=i64::from(i32::MAX))
            .and_then(|p| i32::try_from(p).ok());
        let priority = given.unwrap_or(default_priority);
        let prefix = r.string("Prefix", false).map(str::to_owned);
        if prefix.as_ref().is_some_and(|p| p.len() > 1024) {
            r.issue("Prefix", "longer than 1024 bytes", "shorten the prefix");
        }
        let tags = parse_tags(&mut r);
        let delete_marker_replication = r.boolean("DeleteMarkerReplication").unwrap_or(false);
        if delete_marker_replication && !tags.is_empty() {
            r.issue(
                "DeleteMarkerReplication",
                "S3 does not replicate delete markers for rules that filter on tags",
                "set DeleteMarkerReplication to false, or filter by Prefix only",
            );
        }
        let storage_class = r.string("StorageClass", false).map(str::to_owned);
        if let Some(class) = &storage_class
            && !STORAGE_CLASSES.contains(&class.as_str())
        {
            r.issue(
                "StorageClass",
                &format!("unknown storage class {class:?}"),
                &format!("use one of {}", STORAGE_CLASSES.join(", ")),
            );
        }
        issues.append(&mut r.issues);
        Some(Self {
            id: id?,
            priority,
            priority_given: given.is_some(),
            prefix,
            tags,
            delete_marker_replication,
            storage_class,
        })
    }
}

fn parse_tags(r: &mut Reader<'_>) -> Vec<(String, String)> {
    let fix = "give Tags as [{\"Key\": \"k\", \"Value\": \"v\"}, ...] or as {\"k\": \"v\", ...}";
    let pairs: Vec<(String, String)> = match r.get("Tags") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Object(map)) => {
            let mut out = Vec::new();
            for (k, v) in map {
                match v.as_str() {
                    Some(v) => out.push((k.clone(), v.to_owned())),
                    None => r.issue("Tags", &format!("tag {k:?} has a non-string value"), fix),
                }
            }
            out
        }
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let key = item.get("Key").and_then(Value::as_str);
                let value = item.get("Value").and_then(Value::as_str);
                let extra = item
                    .as_object()
                    .is_some_and(|m| m.keys().any(|k| k != "Key" && k != "Value"));
                match (key, value, extra) {
                    (Some(k), Some(v), false) => out.push((k.to_owned(), v.to_owned())),
                    _ => r.issue(&format!("Tags[{i}]"), "not a {Key, Value} pair", fix),
                }
            }
            out
        }
        Some(_) => {
            r.issue("Tags", "neither a list nor a map", fix);
            return Vec::new();
        }
    };
    let mut seen = HashSet::new();
    for (k, v) in &pairs {
        if k.is_empty() || k.chars().count() > 128 || v.chars().count() > 256 {
            r.issue(
                "Tags",
                &format!("tag {k:?} is not a valid S3 tag"),
                "use keys of 1 to 128 and values of up to 256 characters",
            );
        }
        if !seen.insert(k.as_str()) {
            r.issue(
                "Tags",
                &format!("tag key {k:?} appears twice"),
                "list each tag key once",
            );
        }
    }
    pairs
}

/// The properties of `Custom::ReplicationSource`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProperties {
    /// `SourceBucket`: S.
    pub source_bucket: BucketName,
    /// `SourceKmsKeyArn`: KA; may be an alias or key id, resolved in A.
    pub source_kms_key: KmsKeyRef,
    /// `DestinationBucket`: D.
    pub destination_bucket: BucketName,
    /// `DestinationAccountId`: B.
    pub destination_account_id: AccountId,
    /// `DestinationKmsKeyArn`: KB. A key ARN, unless `DestinationAccessRoleArn` lets the
    /// adapter resolve it in B.
    pub destination_kms_key: KmsKeyRef,
    /// `RoleName`; `None` means [`default_role_name`] of S.
    pub role_name: Option<String>,
    /// `Rules`; one whole-bucket rule when omitted.
    pub rules: Vec<RuleProperties>,
    /// `ReplicationTimeControl` (default false): RTC, 15 minutes, with metrics.
    pub replication_time_control: bool,
    /// `ReplicationMetrics` (default false).
    pub replication_metrics: bool,
    /// `BucketKeyEnabled` (default true): admit S3 Bucket Key objects in S and D, whose KMS
    /// encryption context is the bucket ARN. `false` narrows the grants to per-object
    /// contexts.
    pub bucket_key_enabled: bool,
    /// `OwnerOverride`; `None` means "true when the accounts differ".
    pub owner_override: Option<bool>,
    /// `ReplicateTags` (default true): the role may read S's object tags
    /// (`s3:GetObjectVersionTagging`) and write them to replicas (`s3:ReplicateTags`). Without
    /// them S3 replicates objects without their tags.
    pub replicate_tags: bool,
    /// `RoleTrustConditions` (default false): the role's trust policy admits S3 only for this
    /// account and source bucket (`aws:SourceAccount`, `aws:SourceArn`; see
    /// [`crate::plan::replication_role_trust_policy`] for why it is off by default).
    pub role_trust_conditions: bool,
    /// `DestinationAccessRoleArn`: a role in B for single-stack mode.
    pub destination_access_role_arn: Option<RoleArn>,
    /// `DeployTimeChecks` (default true): after writing, diagnose what this account can see
    /// ([`crate::doctor`]) and fail with the findings.
    pub deploy_time_checks: bool,
    /// `Canary` (default false): after writing, put a small object in S under the first rule's
    /// prefix and wait, bounded, for its replication status.
    pub canary: bool,
}

/// What the adapter learned in the source account (and, in single-stack mode, in B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    /// The account the stack runs in (A).
    pub account_id: AccountId,
    /// S's region.
    pub source_bucket_region: Region,
    /// KA, described.
    pub source_key: ResolvedKey,
    /// KB: described in single-stack mode, else [`ResolvedKey::from_arn`].
    pub destination_key: ResolvedKey,
    /// D's region, when the adapter could learn it.
    pub destination_bucket_region: Option<Region>,
    /// S's default encryption; `None` when S has none.
    pub source_encryption: Option<DefaultEncryption>,
    /// D's default encryption, when the adapter could read it (single-stack mode).
    pub destination_encryption: Option<DefaultEncryption>,
}

/// A validated rule.
pub type RuleSpec = RuleProperties;

/// A validated `Custom::ReplicationSource`: everything the source-side plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The partition of every ARN.
    pub partition: Partition,
    /// A.
    pub source_account: AccountId,
    /// S.
    pub source_bucket: BucketName,
    /// S's region.
    pub source_region: Region,
    /// KA.
    pub source_key: KmsKeyArn,
    /// B.
    pub destination_account: AccountId,
    /// D.
    pub destination_bucket: BucketName,
    /// D's region: KB's region, which S3 requires to be D's.
    pub destination_region: Region,
    /// KB.
    pub destination_key: KmsKeyArn,
    /// The replication role.
    pub role_arn: RoleArn,
    /// Our rules, with unique Ids and priorities.
    pub rules: Vec<RuleSpec>,
    /// RTC on.
    pub replication_time_control: bool,
    /// Replication metrics on (always on with RTC).
    pub replication_metrics: bool,
    /// Admit S3 Bucket Key encryption contexts (and `kms:Decrypt` on KB).
    pub bucket_key_enabled: bool,
    /// Replica ownership goes to B.
    pub owner_override: bool,
    /// Object tags are replicated.
    pub replicate_tags: bool,
    /// The role's trust policy carries the confused-deputy conditions.
    pub role_trust_conditions: bool,
    /// Single-stack mode role in B.
    pub destination_access_role_arn: Option<RoleArn>,
}

impl SourceSpec {
    /// The Sid scope of this replication pair (the same one the destination side computes).
    #[must_use]
    pub fn sid_scope(&self) -> SidScope {
        SidScope::for_replication(
            &self.source_account,
            &self.source_bucket,
            &self.destination_bucket,
        )
    }

    /// The Ids of our rules.
    #[must_use]
    pub fn rule_ids(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.id.clone()).collect()
    }

    /// The destination side of the same replication, for single-stack mode
    /// (`DestinationAccessRoleArn`). Tags are replicated.
    #[must_use]
    pub fn destination_spec(&self) -> DestinationSpec {
        DestinationSpec {
            partition: self.partition.clone(),
            destination_account: self.destination_account.clone(),
            destination_bucket: self.destination_bucket.clone(),
            destination_region: self.destination_region.clone(),
            destination_key: self.destination_key.clone(),
            source_account: self.source_account.clone(),
            source_bucket: self.source_bucket.clone(),
            role_arn: self.role_arn.clone(),
            bucket_key_enabled: self.bucket_key_enabled,
            notification_queue: None,
        }
    }
}

impl SourceProperties {
    /// Accepted property names.
    pub const NAMES: [&'static str; 16] = [
        "SourceBucket",
        "SourceKmsKeyArn",
        "DestinationBucket",
        "DestinationAccountId",
        "DestinationKmsKeyArn",
        "RoleName",
        "Rules",
        "ReplicationTimeControl",
        "ReplicationMetrics",
        "BucketKeyEnabled",
        "OwnerOverride",
        "ReplicateTags",
        "RoleTrustConditions",
        "DestinationAccessRoleArn",
        "DeployTimeChecks",
        "Canary",
    ];

    /// Parse the `ResourceProperties` of a `Custom::ReplicationSource` request.
    ///
    /// # Errors
    /// [`InvalidProperties`] listing every missing, unknown or malformed property, including
    /// those inside `Rules`.
    pub fn parse(properties: &Value) -> Result<Self, InvalidProperties> {
        let mut r = Reader::new(properties, "", &Self::NAMES);
        let source_bucket = r.parsed("SourceBucket", true, BucketName::parse);
        let source_kms_key = key_ref(&mut r, "SourceKmsKeyArn");
        let destination_bucket = r.parsed("DestinationBucket", true, BucketName::parse);
        let destination_account_id = r.parsed("DestinationAccountId", true, AccountId::parse);
        let destination_kms_key = key_ref(&mut r, "DestinationKmsKeyArn");
        let role_name = r.string("RoleName", false).map(str::to_owned);
        if let Some(name) = &role_name
            && let Err(e) = validate_role_name(name)
        {
            r.arn_issue("RoleName", &e);
        }
        let replication_time_control = r.boolean("ReplicationTimeControl").unwrap_or(false);
        let replication_metrics = r.boolean("ReplicationMetrics").unwrap_or(false);
        let bucket_key_enabled = r.boolean("BucketKeyEnabled").unwrap_or(true);
        let owner_override = r.boolean("OwnerOverride");
        let replicate_tags = r.boolean("ReplicateTags").unwrap_or(true);
        let role_trust_conditions = r.boolean("RoleTrustConditions").unwrap_or(false);
        let deploy_time_checks = r.boolean("DeployTimeChecks").unwrap_or(true);
        let canary = r.boolean("Canary").unwrap_or(false);
        let destination_access_role_arn =
            r.parsed("DestinationAccessRoleArn", false, RoleArn::parse);

        if let (Some(role), Some(account)) = (&destination_access_role_arn, &destination_account_id)
            && role.account() != account
        {
            r.issue(
                "DestinationAccessRoleArn",
                &format!(
                    "the role is in account {} but DestinationAccountId is {account}",
                    role.account()
                ),
                "give a role in the destination account that this function may assume",
            );
        }
        if let Some(key) = &destination_kms_key {
            if destination_access_role_arn.is_none() && key.needs_resolution() {
                r.issue(
                    "DestinationKmsKeyArn",
                    "a key id or alias of the destination account cannot be resolved from the source account",
                    "give the destination key's ARN, or set DestinationAccessRoleArn",
                );
            }
            if let (Some(arn), Some(account)) = (key.as_key_arn(), &destination_account_id)
                && arn.account() != account
            {
                r.issue(
                    "DestinationKmsKeyArn",
                    &format!(
                        "the key belongs to account {} but DestinationAccountId is {account}",
                        arn.account()
                    ),
                    "use a key owned by the destination account",
                );
            }
        }

        let mut issues = std::mem::take(&mut r.issues);
        let rules = match r.get("Rules") {
            None | Some(Value::Null) => destination_bucket
                .as_ref()
                .map(|d| vec![RuleProperties::whole_bucket(d)]),
            Some(Value::Array(items)) if items.is_empty() => {
                issues.push(PropertyIssue {
                    property: "Rules".to_owned(),
                    problem: "empty list".to_owned(),
                    fix: "omit Rules for one whole-bucket rule, or list at least one rule"
                        .to_owned(),
                });
                None
            }
            Some(Value::Array(items)) => {
                let parsed: Vec<Option<RuleProperties>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| RuleProperties::parse(item, i, &mut issues))
                    .collect();
                parsed.into_iter().collect::<Option<Vec<_>>>()
            }
            Some(_) => {
                issues.push(PropertyIssue {
                    property: "Rules".to_owned(),
                    problem: "not a list".to_owned(),
                    fix: "give Rules as a list of {Id, Priority, Prefix, Tags, DeleteMarkerReplication, StorageClass}".to_owned(),
                });
                None
            }
        };
        if let Some(rules) = &rules {
            check_unique_rules(rules, &mut issues);
            if !replicate_tags {
                for (i, rule) in rules.iter().enumerate().filter(|(_, r)| !r.tags.is_empty()) {
                    issues.push(PropertyIssue {
                        property: format!("Rules[{i}].Tags"),
                        problem: format!(
                            "rule {:?} selects objects by their tags, but ReplicateTags false withholds s3:GetObjectVersionTagging, the permission to read them",
                            rule.id
                        ),
                        fix: "set ReplicateTags to true, or select by Prefix only".to_owned(),
                    });
                }
            }
        }

        let parsed = (|| {
            Some(Self {
                source_bucket: source_bucket?,
                source_kms_key: source_kms_key?,
                destination_bucket: destination_bucket?,
                destination_account_id: destination_account_id?,
                destination_kms_key: destination_kms_key?,
                role_name,
                rules: rules?,
                replication_time_control,
                replication_metrics: replication_metrics || replication_time_control,
                bucket_key_enabled,
                owner_override,
                replicate_tags,
                role_trust_conditions,
                destination_access_role_arn,
                deploy_time_checks,
                canary,
            })
        })();
        finish(issues, parsed)
    }

    /// The replication role's name: `RoleName`, or the default derived from S.
    #[must_use]
    pub fn effective_role_name(&self) -> String {
        self.role_name
            .clone()
            .unwrap_or_else(|| default_role_name(&self.source_bucket))
    }

    /// Check the parsed properties against what the adapter found.
    ///
    /// # Errors
    /// [`InvalidProperties`]: an AWS managed key; KA not in this account or not in S's
    /// region; KB not in the destination account or not in D's region; ARNs of different
    /// partitions.
    pub fn validate(&self, facts: &SourceFacts) -> Result<SourceSpec, InvalidProperties> {
        let mut issues = Vec::new();
        check_key(
            &mut issues,
            "SourceKmsKeyArn",
            &facts.source_key,
            &facts.account_id,
            "the account this stack runs in (the source account)",
            Some(&facts.source_bucket_region),
            "SourceBucket",
        );
        check_key(
            &mut issues,
            "DestinationKmsKeyArn",
            &facts.destination_key,
            &self.destination_account_id,
            "DestinationAccountId",
            facts.destination_bucket_region.as_ref(),
            "DestinationBucket",
        );
        check_bucket_keys(
            &mut issues,
            self.bucket_key_enabled,
            "SourceBucket",
            facts.source_encryption.as_ref(),
        );
        check_bucket_keys(
            &mut issues,
            self.bucket_key_enabled,
            "DestinationBucket",
            facts.destination_encryption.as_ref(),
        );
        let partition = facts.source_key.arn.partition().clone();
        check_partition(
            &mut issues,
            "DestinationKmsKeyArn",
            facts.destination_key.arn.partition(),
            &partition,
        );
        if let Some(role) = &self.destination_access_role_arn {
            check_partition(
                &mut issues,
                "DestinationAccessRoleArn",
                role.partition(),
                &partition,
            );
        }
        let role_arn = RoleArn::new(&partition, &facts.account_id, &self.effective_role_name());
        if let Err(e) = &role_arn {
            issues.push(PropertyIssue {
                property: "RoleName".to_owned(),
                problem: e.problem.clone(),
                fix: e.fix.clone(),
            });
        }
        let cross_account = self.destination_account_id != facts.account_id;
        if self.owner_override == Some(true) && !cross_account {
            issues.push(PropertyIssue {
                property: "OwnerOverride".to_owned(),
                problem: format!(
                    "true, but the destination account is this account ({}); the S3 guide (\"Changing the replica owner\") says to add owner override only when different accounts own the buckets",
                    facts.account_id
                ),
                fix: "remove OwnerOverride (it defaults to false within one account)".to_owned(),
            });
        }
        let owner_override = self.owner_override.unwrap_or(cross_account);
        let spec = role_arn.ok().map(|role_arn| SourceSpec {
            partition,
            source_account: facts.account_id.clone(),
            source_bucket: self.source_bucket.clone(),
            source_region: facts.source_bucket_region.clone(),
            source_key: facts.source_key.arn.clone(),
            destination_account: self.destination_account_id.clone(),
            destination_bucket: self.destination_bucket.clone(),
            destination_region: facts
                .destination_bucket_region
                .clone()
                .unwrap_or_else(|| facts.destination_key.arn.region().clone()),
            destination_key: facts.destination_key.arn.clone(),
            role_arn,
            rules: self.rules.clone(),
            replication_time_control: self.replication_time_control,
            replication_metrics: self.replication_metrics,
            bucket_key_enabled: self.bucket_key_enabled,
            owner_override,
            replicate_tags: self.replicate_tags,
            role_trust_conditions: self.role_trust_conditions,
            destination_access_role_arn: self.destination_access_role_arn.clone(),
        });
        finish(issues, spec)
    }

    /// The stable PhysicalResourceId: it changes exactly when an Update means replacement.
    #[must_use]
    pub fn physical_resource_id(&self) -> String {
        format!(
            "s3-kms-replication:source:{}:{}:{}",
            self.source_bucket, self.destination_account_id, self.destination_bucket
        )
    }

    /// Compare the old properties of an Update with these (the new ones).
    #[must_use]
    pub fn update_kind(&self, old: &Self) -> UpdateKind {
        update_kind(&[
            (
                "SourceBucket",
                self.source_bucket != old.source_bucket,
                true,
            ),
            (
                "DestinationBucket",
                self.destination_bucket != old.destination_bucket,
                true,
            ),
            (
                "DestinationAccountId",
                self.destination_account_id != old.destination_account_id,
                true,
            ),
            (
                "SourceKmsKeyArn",
                self.source_kms_key != old.source_kms_key,
                false,
            ),
            (
                "DestinationKmsKeyArn",
                self.destination_kms_key != old.destination_kms_key,
                false,
            ),
            (
                "RoleName",
                self.effective_role_name() != old.effective_role_name(),
                false,
            ),
            ("Rules", self.rules != old.rules, false),
            (
                "ReplicationTimeControl",
                self.replication_time_control != old.replication_time_control,
                false,
            ),
            (
                "ReplicationMetrics",
                self.replication_metrics != old.replication_metrics,
                false,
            ),
            (
                "BucketKeyEnabled",
                self.bucket_key_enabled != old.bucket_key_enabled,
                false,
            ),
            (
                "OwnerOverride",
                self.owner_override != old.owner_override,
                false,
            ),
            (
                "ReplicateTags",
                self.replicate_tags != old.replicate_tags,
                false,
            ),
            (
                "RoleTrustConditions",
                self.role_trust_conditions != old.role_trust_conditions,
                false,
            ),
            (
                "DestinationAccessRoleArn",
                self.destination_access_role_arn != old.destination_access_role_arn,
                false,
            ),
            (
                "DeployTimeChecks",
                self.deploy_time_checks != old.deploy_time_checks,
                false,
            ),
            ("Canary", self.canary != old.canary, false),
        ])
    }
}

fn check_unique_rules(rules: &[RuleProperties], issues: &mut Vec<PropertyIssue>) {
    let mut ids = HashSet::new();
    let mut priorities = HashSet::new();
    for (i, rule) in rules.iter().enumerate() {
        if !ids.insert(rule.id.as_str()) {
            issues.push(PropertyIssue {
                property: format!("Rules[{i}].Id"),
                problem: format!("rule Id {:?} is used twice", rule.id),
                fix: "give each rule its own Id".to_owned(),
            });
        }
        if !priorities.insert(rule.priority) {
            issues.push(PropertyIssue {
                property: format!("Rules[{i}].Priority"),
                problem: format!(
                    "priority {} is used twice; S3 rejects rules of equal priority",
                    rule.priority
                ),
                fix: "give each rule its own Priority".to_owned(),
            });
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const KA: &str = "arn:aws:kms:eu-west-1:111122223333:key/1111aaaa-11aa-11aa-11aa-111111aaaaaa";
    const KB: &str =
        "arn:aws:kms:eu-central-1:222233334444:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";

    fn source_props() -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:setup",
            "SourceBucket": "source-bucket",
            "SourceKmsKeyArn": KA,
            "DestinationBucket": "replica-bucket",
            "DestinationAccountId": "222233334444",
            "DestinationKmsKeyArn": KB,
        })
    }

    fn destination_props() -> Value {
        json!({
            "DestinationBucket": "replica-bucket",
            "DestinationKmsKeyArn": KB,
            "SourceAccountId": "111122223333",
            "SourceBucket": "source-bucket",
            "ReplicationRoleArn": "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket",
        })
    }

    fn source_facts() -> SourceFacts {
        SourceFacts {
            account_id: AccountId::parse("111122223333").unwrap(),
            source_bucket_region: Region::parse("eu-west-1").unwrap(),
            source_key: ResolvedKey {
                arn: KmsKeyArn::parse(KA).unwrap(),
                manager: Some(KeyManager::Customer),
                state: None,
            },
            destination_key: ResolvedKey::from_arn(KmsKeyArn::parse(KB).unwrap()),
            destination_bucket_region: None,
            source_encryption: None,
            destination_encryption: None,
        }
    }

    fn destination_facts() -> DestinationFacts {
        DestinationFacts {
            account_id: AccountId::parse("222233334444").unwrap(),
            destination_bucket_region: Region::parse("eu-central-1").unwrap(),
            destination_key: ResolvedKey {
                arn: KmsKeyArn::parse(KB).unwrap(),
                manager: Some(KeyManager::Customer),
                state: None,
            },
            destination_encryption: None,
        }
    }

    fn with(mut v: Value, key: &str, value: Value) -> Value {
        v[key] = value;
        v
    }

    fn issue_for<'a>(err: &'a InvalidProperties, property: &str) -> &'a PropertyIssue {
        err.issues
            .iter()
            .find(|i| i.property == property)
            .unwrap_or_else(|| panic!("no issue for {property} in {err}"))
    }

    #[test]
    fn minimal_source_properties_get_the_documented_defaults() {
        let p = SourceProperties::parse(&source_props()).unwrap();
        assert_eq!(p.effective_role_name(), "s3-kms-replication-source-bucket");
        assert_eq!(
            p.rules,
            vec![RuleProperties::whole_bucket(&p.destination_bucket)]
        );
        assert!(!p.replication_time_control && !p.replication_metrics);
        assert!(
            p.bucket_key_enabled,
            "Bucket Key contexts are admitted by default"
        );
        let spec = p.validate(&source_facts()).unwrap();
        assert!(
            spec.owner_override,
            "accounts differ, so owner override defaults on"
        );
        assert_eq!(
            spec.role_arn.to_string(),
            "arn:aws:iam::111122223333:role/s3-kms-replication-source-bucket"
        );
        assert_eq!(spec.destination_region.as_str(), "eu-central-1");
    }

    #[test]
    fn owner_override_defaults_off_within_one_account() {
        let kb_same = "arn:aws:kms:eu-west-1:111122223333:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";
        let props = with(
            with(
                source_props(),
                "DestinationAccountId",
                json!("111122223333"),
            ),
            "DestinationKmsKeyArn",
            json!(kb_same),
        );
        let p = SourceProperties::parse(&props).unwrap();
        let mut facts = source_facts();
        facts.destination_key = ResolvedKey::from_arn(KmsKeyArn::parse(kb_same).unwrap());
        assert!(!p.validate(&facts).unwrap().owner_override);
        // Asked for explicitly within one account: refused, as the S3 guide advises.
        let p = SourceProperties::parse(&with(props, "OwnerOverride", json!(true))).unwrap();
        let err = p.validate(&facts).unwrap_err();
        assert!(
            issue_for(&err, "OwnerOverride")
                .problem
                .contains("different accounts")
        );
    }

    #[test]
    fn the_tag_and_owner_switches_are_the_sources_and_refused_on_the_destination() {
        let p = SourceProperties::parse(&source_props()).unwrap();
        assert!(p.replicate_tags, "defaults to true");
        let off = with(source_props(), "ReplicateTags", json!("false"));
        assert!(!SourceProperties::parse(&off).unwrap().replicate_tags);
        // A tag filter needs the tags read: contradictory with ReplicateTags false.
        let tagged = with(
            off,
            "Rules",
            json!([{"Id": "t", "Tags": {"team": "a"}}, {"Id": "p", "Prefix": "x/"}]),
        );
        let err = SourceProperties::parse(&tagged).unwrap_err();
        assert_eq!(
            issue_for(&err, "Rules[0].Tags").fix,
            "set ReplicateTags to true, or select by Prefix only"
        );
        assert_eq!(err.issues.len(), 1);
        // On the destination: true (or absent) is accepted, false is refused with the fix.
        let on = with(destination_props(), "ReplicateTags", json!(true));
        assert!(DestinationProperties::parse(&on).is_ok());
        for property in ["ReplicateTags", "OwnerOverride"] {
            let err =
                DestinationProperties::parse(&with(destination_props(), property, json!("false")))
                    .unwrap_err();
            assert!(
                issue_for(&err, property)
                    .fix
                    .contains("Custom::ReplicationSource")
            );
        }
    }

    #[test]
    fn cloudformation_strings_are_accepted_for_booleans_and_numbers() {
        let props = with(
            with(source_props(), "ReplicationTimeControl", json!("true")),
            "Rules",
            json!([{"Id": "a", "Priority": "15", "DeleteMarkerReplication": "False"},
                   {"Id": "b", "Priority": 16, "DeleteMarkerReplication": true}]),
        );
        let p = SourceProperties::parse(&props).unwrap();
        assert!(p.replication_time_control);
        assert!(p.replication_metrics, "RTC implies metrics");
        assert_eq!(p.rules[0].priority, 15);
        assert!(!p.rules[0].delete_marker_replication);
        assert_eq!(p.rules[1].priority, 16);
        assert!(p.rules[1].delete_marker_replication);
    }

    #[test]
    fn bad_booleans_and_numbers_name_the_property() {
        let props = with(
            with(source_props(), "BucketKeyEnabled", json!("yes")),
            "Rules",
            json!([{"Id": "a", "Priority": "high"}]),
        );
        let err = SourceProperties::parse(&props).unwrap_err();
        assert!(
            issue_for(&err, "BucketKeyEnabled")
                .fix
                .contains("true or false")
        );
        assert!(
            issue_for(&err, "Rules[0].Priority")
                .fix
                .contains("whole number")
        );
    }

    #[test]
    fn unknown_properties_are_named_but_service_token_is_ignored() {
        let props = with(source_props(), "SourceBuckett", json!("typo"));
        let err = SourceProperties::parse(&props).unwrap_err();
        let issue = issue_for(&err, "SourceBuckett");
        assert_eq!(issue.problem, "unknown property");
        assert!(issue.fix.contains("SourceBucket"));
        assert_eq!(err.issues.len(), 1, "ServiceToken is not reported: {err}");
    }

    #[test]
    fn service_timeout_is_cloudformations_and_accepted_on_both_types() {
        let props = with(source_props(), "ServiceTimeout", json!("720"));
        assert!(SourceProperties::parse(&props).is_ok());
        let props = with(destination_props(), "ServiceTimeout", json!(720));
        assert!(DestinationProperties::parse(&props).is_ok());
    }

    #[test]
    fn every_missing_property_is_reported_at_once() {
        let err = SourceProperties::parse(&json!({})).unwrap_err();
        let named: Vec<&str> = err.issues.iter().map(|i| i.property.as_str()).collect();
        assert_eq!(
            named,
            vec![
                "SourceBucket",
                "SourceKmsKeyArn",
                "DestinationBucket",
                "DestinationAccountId",
                "DestinationKmsKeyArn"
            ]
        );
        assert!(
            err.to_string()
                .contains("SourceBucket: missing; this property is required")
        );
    }

    #[test]
    fn rules_accept_tags_as_list_or_map_and_refuse_unknown_keys() {
        let props = with(
            source_props(),
            "Rules",
            json!([
                {"Id": "list", "Tags": [{"Key": "team", "Value": "data"}]},
                {"Id": "map", "Priority": 7, "Prefix": "logs/", "Tags": {"env": "prod"}, "StorageClass": "STANDARD_IA"},
            ]),
        );
        let p = SourceProperties::parse(&props).unwrap();
        assert_eq!(
            p.rules[0].tags,
            vec![("team".to_owned(), "data".to_owned())]
        );
        assert_eq!(p.rules[0].priority, 1, "defaults to its position");
        assert_eq!(p.rules[1].priority, 7);
        assert_eq!(p.rules[1].storage_class.as_deref(), Some("STANDARD_IA"));

        let bad = with(source_props(), "Rules", json!([{"Id": "x", "Filter": {}}]));
        let err = SourceProperties::parse(&bad).unwrap_err();
        assert_eq!(
            issue_for(&err, "Rules[0].Filter").problem,
            "unknown property"
        );
    }

    #[test]
    fn rule_conflicts_are_reported_before_any_write() {
        let props = with(
            source_props(),
            "Rules",
            json!([
                {"Id": "a", "Priority": 1},
                {"Id": "a", "Priority": 1, "Tags": {"k": "v"}, "DeleteMarkerReplication": true, "StorageClass": "COLD"},
            ]),
        );
        let err = SourceProperties::parse(&props).unwrap_err();
        assert!(
            issue_for(&err, "Rules[1].Id")
                .problem
                .contains("used twice")
        );
        assert!(
            issue_for(&err, "Rules[1].Priority")
                .problem
                .contains("equal priority")
        );
        assert!(
            issue_for(&err, "Rules[1].DeleteMarkerReplication")
                .problem
                .contains("tags")
        );
        assert!(
            issue_for(&err, "Rules[1].StorageClass")
                .fix
                .contains("GLACIER_IR")
        );
        let empty = SourceProperties::parse(&with(source_props(), "Rules", json!([]))).unwrap_err();
        assert_eq!(issue_for(&empty, "Rules").problem, "empty list");
    }

    #[test]
    fn aws_managed_key_alias_is_refused_at_parse() {
        let props = with(source_props(), "SourceKmsKeyArn", json!("alias/aws/s3"));
        let err = SourceProperties::parse(&props).unwrap_err();
        assert!(
            issue_for(&err, "SourceKmsKeyArn")
                .fix
                .contains("customer managed")
        );
    }

    #[test]
    fn aws_managed_key_found_by_describe_key_is_refused() {
        let p = SourceProperties::parse(&source_props()).unwrap();
        let mut facts = source_facts();
        facts.source_key.manager = Some(KeyManager::Aws);
        let err = p.validate(&facts).unwrap_err();
        assert!(
            issue_for(&err, "SourceKmsKeyArn")
                .problem
                .contains("AWS managed")
        );
    }

    #[test]
    fn destination_alias_needs_the_access_role() {
        let props = with(
            source_props(),
            "DestinationKmsKeyArn",
            json!("alias/replicas"),
        );
        let err = SourceProperties::parse(&props).unwrap_err();
        assert!(
            issue_for(&err, "DestinationKmsKeyArn")
                .fix
                .contains("DestinationAccessRoleArn")
        );
        let single_stack = with(
            props,
            "DestinationAccessRoleArn",
            json!("arn:aws:iam::222233334444:role/setup-access"),
        );
        let p = SourceProperties::parse(&single_stack).unwrap();
        assert!(p.destination_kms_key.needs_resolution());
    }

    #[test]
    fn key_region_must_equal_bucket_region() {
        let p = SourceProperties::parse(&source_props()).unwrap();
        let mut facts = source_facts();
        facts.source_bucket_region = Region::parse("us-east-1").unwrap();
        facts.destination_bucket_region = Some(Region::parse("eu-west-3").unwrap());
        let err = p.validate(&facts).unwrap_err();
        assert!(issue_for(&err, "SourceKmsKeyArn").fix.contains("us-east-1"));
        assert!(
            issue_for(&err, "DestinationKmsKeyArn")
                .fix
                .contains("eu-west-3")
        );
    }

    #[test]
    fn key_accounts_must_match_the_account_properties() {
        let wrong_kb =
            "arn:aws:kms:eu-central-1:999988887777:key/2222bbbb-22bb-22bb-22bb-222222bbbbbb";
        let err = SourceProperties::parse(&with(
            source_props(),
            "DestinationKmsKeyArn",
            json!(wrong_kb),
        ))
        .unwrap_err();
        assert!(
            issue_for(&err, "DestinationKmsKeyArn")
                .problem
                .contains("999988887777")
        );

        let p = SourceProperties::parse(&source_props()).unwrap();
        let mut facts = source_facts();
        facts.account_id = AccountId::parse("555566667777").unwrap();
        let err = p.validate(&facts).unwrap_err();
        assert!(
            issue_for(&err, "SourceKmsKeyArn")
                .problem
                .contains("111122223333")
        );
    }

    #[test]
    fn destination_properties_validate_against_facts() {
        let p = DestinationProperties::parse(&destination_props()).unwrap();
        let spec = p.validate(&destination_facts()).unwrap();
        assert!(spec.bucket_key_enabled);
        assert_eq!(spec.destination_key.to_string(), KB);

        let mut facts = destination_facts();
        facts.account_id = AccountId::parse("111122223333").unwrap();
        facts.destination_bucket_region = Region::parse("eu-west-1").unwrap();
        let err = p.validate(&facts).unwrap_err();
        let key_issues: Vec<&PropertyIssue> = err
            .issues
            .iter()
            .filter(|i| i.property == "DestinationKmsKeyArn")
            .collect();
        assert_eq!(key_issues.len(), 2, "{err}");
    }

    #[test]
    fn role_in_another_account_than_source_account_is_refused() {
        let props = with(
            destination_props(),
            "ReplicationRoleArn",
            json!("arn:aws:iam::999988887777:role/r"),
        );
        let err = DestinationProperties::parse(&props).unwrap_err();
        assert!(
            issue_for(&err, "ReplicationRoleArn")
                .problem
                .contains("SourceAccountId")
        );
    }

    #[test]
    fn notification_queue_must_be_in_the_bucket_region() {
        let props = with(
            destination_props(),
            "NotificationQueueArn",
            json!("arn:aws:sqs:us-east-1:222233334444:replica-events"),
        );
        let p = DestinationProperties::parse(&props).unwrap();
        let err = p.validate(&destination_facts()).unwrap_err();
        assert!(
            issue_for(&err, "NotificationQueueArn")
                .fix
                .contains("eu-central-1")
        );
    }

    #[test]
    fn changing_a_bucket_or_account_means_replacement() {
        let old = SourceProperties::parse(&source_props()).unwrap();
        let new = SourceProperties::parse(&with(
            source_props(),
            "DestinationBucket",
            json!("other-replicas"),
        ))
        .unwrap();
        assert_eq!(
            new.update_kind(&old),
            UpdateKind::Replacement {
                because: vec!["DestinationBucket"]
            }
        );
        assert_ne!(new.physical_resource_id(), old.physical_resource_id());

        let old_d = DestinationProperties::parse(&destination_props()).unwrap();
        let new_d = DestinationProperties::parse(&with(
            destination_props(),
            "SourceBucket",
            json!("other-source"),
        ))
        .unwrap();
        assert!(matches!(
            new_d.update_kind(&old_d),
            UpdateKind::Replacement { .. }
        ));
        assert_ne!(new_d.physical_resource_id(), old_d.physical_resource_id());
    }

    #[test]
    fn changing_a_prefix_or_flag_is_an_in_place_update() {
        let old = SourceProperties::parse(&with(
            source_props(),
            "Rules",
            json!([{"Id": "r", "Prefix": "a/"}]),
        ))
        .unwrap();
        let new = SourceProperties::parse(&with(
            with(
                source_props(),
                "Rules",
                json!([{"Id": "r", "Prefix": "b/"}]),
            ),
            "ReplicationMetrics",
            json!("true"),
        ))
        .unwrap();
        assert_eq!(
            new.update_kind(&old),
            UpdateKind::InPlace {
                changed: vec!["Rules", "ReplicationMetrics"]
            }
        );
        assert_eq!(new.physical_resource_id(), old.physical_resource_id());
        assert_eq!(old.update_kind(&old), UpdateKind::NoChange);
        // "true" and true are the same value.
        let a = SourceProperties::parse(&with(source_props(), "BucketKeyEnabled", json!("true")))
            .unwrap();
        let b = SourceProperties::parse(&with(source_props(), "BucketKeyEnabled", json!(true)))
            .unwrap();
        assert_eq!(a.update_kind(&b), UpdateKind::NoChange);
    }

    #[test]
    fn unknown_resource_type_lists_the_accepted_ones() {
        let err = ResourceType::parse("Custom::Replication").unwrap_err();
        for accepted in ResourceType::ACCEPTED {
            assert!(err.to_string().contains(accepted));
        }
        assert_eq!(
            ResourceType::parse("Custom::ReplicationSource"),
            Ok(ResourceType::Source)
        );
    }

    #[test]
    fn single_stack_destination_spec_matches_the_source_spec() {
        let props = with(
            source_props(),
            "DestinationAccessRoleArn",
            json!("arn:aws:iam::222233334444:role/setup-access"),
        );
        let spec = SourceProperties::parse(&props)
            .unwrap()
            .validate(&source_facts())
            .unwrap();
        let dest = spec.destination_spec();
        assert_eq!(dest.sid_scope(), spec.sid_scope());
        assert_eq!(dest.role_arn, spec.role_arn);
    }

    fn bucket_keys_on() -> Option<DefaultEncryption> {
        Some(DefaultEncryption {
            algorithm: "aws:kms".to_owned(),
            kms_key_id: Some(KB.to_owned()),
            bucket_key_enabled: true,
        })
    }

    #[test]
    fn narrowing_to_object_contexts_is_refused_when_a_bucket_writes_bucket_key_objects() {
        // Absent or true: both contexts, whatever the buckets' default encryption.
        let mut facts = destination_facts();
        facts.destination_encryption = bucket_keys_on();
        let p = DestinationProperties::parse(&destination_props()).unwrap();
        assert!(p.validate(&facts).unwrap().bucket_key_enabled);
        // False beside a Bucket Key default: refused, naming the property and the bucket.
        let p = DestinationProperties::parse(&with(
            destination_props(),
            "BucketKeyEnabled",
            json!("false"),
        ))
        .unwrap();
        let err = p.validate(&facts).unwrap_err();
        let issue = issue_for(&err, "BucketKeyEnabled");
        assert!(issue.problem.contains("DestinationBucket"), "{issue}");
        assert!(issue.fix.contains("remove BucketKeyEnabled"), "{issue}");
        // False where no bucket uses Bucket Keys: accepted, narrow.
        let spec = p.validate(&destination_facts()).unwrap();
        assert!(!spec.bucket_key_enabled);

        let narrow = with(source_props(), "BucketKeyEnabled", json!(false));
        let p = SourceProperties::parse(&narrow).unwrap();
        for (source, destination, bucket) in [
            (bucket_keys_on(), None, "SourceBucket"),
            (None, bucket_keys_on(), "DestinationBucket"),
        ] {
            let mut facts = source_facts();
            facts.source_encryption = source;
            facts.destination_encryption = destination;
            let err = p.validate(&facts).unwrap_err();
            assert!(issue_for(&err, "BucketKeyEnabled").problem.contains(bucket));
        }
        assert!(!p.validate(&source_facts()).unwrap().bucket_key_enabled);
    }
}
