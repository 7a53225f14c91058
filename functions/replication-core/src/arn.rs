//! Parsing and validation of the identifiers the replication setup works with.
//!
//! Every value here is validated once, at the edge, and then carried as a type that
//! cannot hold a malformed value: [`AccountId`] (12 digits), [`Region`], [`Partition`],
//! [`BucketName`] (from a name or an `arn:aws:s3:::` ARN), [`KmsKeyArn`], [`RoleArn`] and
//! [`SqsQueueArn`].
//!
//! KMS keys can be named four ways. Only a key ARN may appear in a policy, so
//! [`KmsKeyRef::parse`] classifies the other three (key id, alias name, alias ARN) for the
//! adapter, which resolves them with `DescribeKey` before planning.
//!
//! Errors say what was expected and how to fix the value; the caller adds the property name
//! (see [`crate::properties`]).
//!
//! ```
//! use replication_core::arn::{BucketName, KmsKeyRef, RoleArn};
//!
//! let bucket = BucketName::parse("arn:aws:s3:::my-source-bucket").unwrap();
//! assert_eq!(bucket.as_str(), "my-source-bucket");
//!
//! let key = KmsKeyRef::parse("alias/replication").unwrap();
//! assert!(key.needs_resolution());
//!
//! let role = RoleArn::parse("arn:aws:iam::111122223333:role/service-role/replicator").unwrap();
//! assert_eq!(role.name(), "replicator");
//! assert_eq!(role.account().as_str(), "111122223333");
//! ```

use std::fmt;

/// A value that is not a well-formed identifier of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{problem} (got {found:?}); {fix}")]
pub struct ArnError {
    /// What is wrong with the value.
    pub problem: String,
    /// The value as given (truncated to 200 characters).
    pub found: String,
    /// How to fix it.
    pub fix: String,
}

impl ArnError {
    fn new(problem: impl Into<String>, found: &str, fix: impl Into<String>) -> Self {
        Self {
            problem: problem.into(),
            found: found.chars().take(200).collect(),
            fix: fix.into(),
        }
    }
}

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// Parse a 12-digit account id.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not exactly 12 ASCII digits.
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(ArnError::new(
                "not an AWS account id",
                value,
                "give the 12-digit account id, with leading zeros and without dashes, e.g. 111122223333",
            ))
        }
    }

    /// The 12 digits.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The account principal `arn:<partition>:iam::<account>:root`.
    #[must_use]
    pub fn root_principal(&self, partition: &Partition) -> String {
        format!("arn:{partition}:iam::{}:root", self.0)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS partition: `aws`, `aws-cn`, `aws-us-gov`, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Partition(String);

impl Partition {
    /// Parse a partition name (`aws` optionally followed by `-` and lowercase words).
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not of that form.
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        let ok = value == "aws"
            || value.strip_prefix("aws-").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .split('-')
                        .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
            });
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(ArnError::new(
                "not an AWS partition",
                value,
                "use aws, aws-cn or aws-us-gov",
            ))
        }
    }

    /// The commercial partition, `aws`.
    #[must_use]
    pub fn aws() -> Self {
        Self("aws".to_owned())
    }

    /// The partition name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The DNS suffix of service endpoints in this partition, as used in `kms:ViaService`.
    #[must_use]
    pub fn dns_suffix(&self) -> &'static str {
        if self.0 == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An AWS region name such as `eu-west-1` or `us-gov-west-1`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region(String);

impl Region {
    /// Parse a region name: lowercase words separated by `-`, ending in a number.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not of that form.
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        let parts: Vec<&str> = value.split('-').collect();
        let ok = parts.len() >= 3
            && parts
                .last()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()));
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(ArnError::new(
                "not an AWS region",
                value,
                "use a region name such as eu-west-1",
            ))
        }
    }

    /// The region name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The parts of `arn:partition:service:region:account:resource`.
struct ArnParts<'a> {
    partition: &'a str,
    service: &'a str,
    region: &'a str,
    account: &'a str,
    resource: &'a str,
}

fn split_arn(value: &str) -> Option<ArnParts<'_>> {
    let mut it = value.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
        it.next(),
    ) else {
        return None;
    };
    Some(ArnParts {
        partition,
        service,
        region,
        account,
        resource,
    })
}

/// A general-purpose S3 bucket name, validated against the S3 naming rules.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BucketName(String);

impl BucketName {
    /// Parse a bucket name, or a bucket ARN `arn:<partition>:s3:::<name>`.
    ///
    /// # Errors
    /// [`ArnError`] when the name breaks the S3 naming rules (3 to 63 characters of lowercase
    /// letters, digits, `.` and `-`, starting and ending with a letter or digit, no `..`, not
    /// an IP address) or the ARN is not a bucket ARN (for example an object ARN).
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        let name = if value.starts_with("arn:") {
            match split_arn(value) {
                Some(p)
                    if p.service == "s3"
                        && p.region.is_empty()
                        && p.account.is_empty()
                        && Partition::parse(p.partition).is_ok()
                        && !p.resource.contains('/') =>
                {
                    p.resource
                }
                _ => {
                    return Err(ArnError::new(
                        "not an S3 bucket ARN",
                        value,
                        "give the bucket name, or its ARN arn:aws:s3:::<bucket> (no object key, region or account)",
                    ));
                }
            }
        } else {
            value
        };
        let fix = "use the bucket's name as shown in the S3 console: 3-63 lowercase letters, digits, '.' or '-'";
        let len_ok = (3..=63).contains(&name.len());
        let chars_ok = name
            .chars()
            .all(|c| is_lower_alnum(c) || c == '.' || c == '-');
        let ends_ok = name.chars().next().is_some_and(is_lower_alnum)
            && name.chars().last().is_some_and(is_lower_alnum);
        let ip_like = name.split('.').count() == 4
            && name
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if !len_ok || !chars_ok || !ends_ok || name.contains("..") || ip_like {
            return Err(ArnError::new("not a valid S3 bucket name", value, fix));
        }
        Ok(Self(name.to_owned()))
    }

    /// The bucket name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bucket ARN `arn:<partition>:s3:::<name>`.
    #[must_use]
    pub fn arn(&self, partition: &Partition) -> String {
        format!("arn:{partition}:s3:::{}", self.0)
    }

    /// The ARN pattern of every object in the bucket, `arn:<partition>:s3:::<name>/*`.
    #[must_use]
    pub fn objects_arn(&self, partition: &Partition) -> String {
        format!("arn:{partition}:s3:::{}/*", self.0)
    }
}

impl fmt::Display for BucketName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A KMS key ARN `arn:<partition>:kms:<region>:<account>:key/<key-id>`: the only form of key
/// reference that may appear in a policy or a replication rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KmsKeyArn {
    partition: Partition,
    region: Region,
    account: AccountId,
    key_id: String,
}

fn is_key_id(id: &str) -> bool {
    let uuid = id.len() == 36
        && id.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let multi_region = id
        .strip_prefix("mrk-")
        .is_some_and(|h| h.len() == 32 && h.chars().all(|c| c.is_ascii_hexdigit()));
    uuid || multi_region
}

fn is_alias_name(name: &str) -> bool {
    name.strip_prefix("alias/").is_some_and(|rest| {
        !rest.is_empty()
            && name.len() <= 256
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))
    })
}

const KEY_ARN_FIX: &str = "give the key ARN, e.g. arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (KMS console, key details, ARN)";

impl KmsKeyArn {
    /// Parse a KMS key ARN.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not a key ARN. Aliases and bare key ids are refused here:
    /// classify them with [`KmsKeyRef::parse`] and resolve them first.
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        match KmsKeyRef::parse(value)? {
            KmsKeyRef::KeyArn(arn) => Ok(arn),
            _ => Err(ArnError::new(
                "a key ARN is required here, not a key id or alias",
                value,
                KEY_ARN_FIX,
            )),
        }
    }

    /// The key's partition.
    #[must_use]
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// The key's region.
    #[must_use]
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The account that owns the key.
    #[must_use]
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The key id (a UUID, or `mrk-…` for a multi-Region key).
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
}

impl fmt::Display for KmsKeyArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:kms:{}:{}:key/{}",
            self.partition, self.region, self.account, self.key_id
        )
    }
}

/// Any of the four ways to name a KMS key, as a user may write it in a property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KmsKeyRef {
    /// A key ARN; usable as is.
    KeyArn(KmsKeyArn),
    /// A bare key id; resolved by `DescribeKey` in the caller's account and region.
    KeyId(String),
    /// An alias name `alias/…`; resolved by `DescribeKey` in the caller's account and region.
    AliasName(String),
    /// An alias ARN `arn:…:kms:<region>:<account>:alias/…`; resolved by `DescribeKey`.
    AliasArn {
        /// The alias's partition.
        partition: Partition,
        /// The alias's region.
        region: Region,
        /// The account that owns the alias.
        account: AccountId,
        /// The alias name, `alias/…`.
        name: String,
    },
}

impl KmsKeyRef {
    /// Classify a key reference.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is none of: key ARN, key id, alias name, alias ARN.
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        if let Some(p) = split_arn(value) {
            let bad = || ArnError::new("not a KMS key ARN or alias ARN", value, KEY_ARN_FIX);
            if p.service != "kms" {
                return Err(bad());
            }
            let partition = Partition::parse(p.partition).map_err(|_| bad())?;
            let region = Region::parse(p.region).map_err(|_| bad())?;
            let account = AccountId::parse(p.account).map_err(|_| bad())?;
            if let Some(key_id) = p.resource.strip_prefix("key/") {
                if is_key_id(key_id) {
                    return Ok(Self::KeyArn(KmsKeyArn {
                        partition,
                        region,
                        account,
                        key_id: key_id.to_owned(),
                    }));
                }
            } else if is_alias_name(p.resource) {
                return Ok(Self::AliasArn {
                    partition,
                    region,
                    account,
                    name: p.resource.to_owned(),
                });
            }
            return Err(bad());
        }
        if is_key_id(value) {
            return Ok(Self::KeyId(value.to_owned()));
        }
        if is_alias_name(value) {
            return Ok(Self::AliasName(value.to_owned()));
        }
        Err(ArnError::new("not a KMS key reference", value, KEY_ARN_FIX))
    }

    /// Whether the adapter must call `DescribeKey` to learn the key ARN.
    #[must_use]
    pub fn needs_resolution(&self) -> bool {
        !matches!(self, Self::KeyArn(_))
    }

    /// The key ARN, when the reference already is one.
    #[must_use]
    pub fn as_key_arn(&self) -> Option<&KmsKeyArn> {
        match self {
            Self::KeyArn(arn) => Some(arn),
            _ => None,
        }
    }

    /// Whether the reference is an alias of an AWS managed key (`alias/aws/…`, such as
    /// `alias/aws/s3`). Such keys cannot be used across accounts and their key policies cannot
    /// be changed, so the setup refuses them.
    #[must_use]
    pub fn is_aws_managed_alias(&self) -> bool {
        match self {
            Self::AliasName(name) | Self::AliasArn { name, .. } => name.starts_with("alias/aws/"),
            _ => false,
        }
    }
}

impl fmt::Display for KmsKeyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyArn(arn) => write!(f, "{arn}"),
            Self::KeyId(id) => f.write_str(id),
            Self::AliasName(name) => f.write_str(name),
            Self::AliasArn {
                partition,
                region,
                account,
                name,
            } => write!(f, "arn:{partition}:kms:{region}:{account}:{name}"),
        }
    }
}

/// Who manages a KMS key, as `DescribeKey` reports it in `KeyMetadata.KeyManager`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyManager {
    /// `CUSTOMER`: a customer managed key, whose key policy we may merge into.
    Customer,
    /// `AWS`: an AWS managed key such as `aws/s3`; refused.
    Aws,
}

/// Maximum length of an IAM role name.
pub const ROLE_NAME_MAX: usize = 64;

fn is_role_name(name: &str) -> bool {
    (1..=ROLE_NAME_MAX).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// Validate an IAM role name: 1 to 64 of letters, digits and `+=,.@_-`.
///
/// # Errors
/// [`ArnError`] when the name breaks IAM's rules.
pub fn validate_role_name(name: &str) -> Result<(), ArnError> {
    if is_role_name(name) {
        Ok(())
    } else {
        Err(ArnError::new(
            "not a valid IAM role name",
            name,
            "use 1 to 64 letters, digits or +=,.@_- (no path, no ARN)",
        ))
    }
}

/// An IAM role ARN `arn:<partition>:iam::<account>:role/<path><name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RoleArn {
    partition: Partition,
    account: AccountId,
    path: String,
    name: String,
}

impl RoleArn {
    /// Parse a role ARN.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not an IAM role ARN (a user, an instance profile or an
    /// assumed-role session ARN is refused too).
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        let bad = || {
            ArnError::new(
                "not an IAM role ARN",
                value,
                "give the role ARN, e.g. arn:aws:iam::111122223333:role/s3-kms-replication-my-bucket",
            )
        };
        let p = split_arn(value).ok_or_else(bad)?;
        if p.service != "iam" || !p.region.is_empty() {
            return Err(bad());
        }
        let partition = Partition::parse(p.partition).map_err(|_| bad())?;
        let account = AccountId::parse(p.account).map_err(|_| bad())?;
        let rest = p.resource.strip_prefix("role/").ok_or_else(bad)?;
        let (path, name) = match rest.rfind('/') {
            Some(i) => (format!("/{}", &rest[..=i]), &rest[i + 1..]),
            None => ("/".to_owned(), rest),
        };
        if !is_role_name(name) || path.contains("//") {
            return Err(bad());
        }
        Ok(Self {
            partition,
            account,
            path,
            name: name.to_owned(),
        })
    }

    /// Build the ARN of role `name` (path `/`) in `account`.
    ///
    /// # Errors
    /// [`ArnError`] when `name` is not a valid role name.
    pub fn new(partition: &Partition, account: &AccountId, name: &str) -> Result<Self, ArnError> {
        validate_role_name(name)?;
        Ok(Self {
            partition: partition.clone(),
            account: account.clone(),
            path: "/".to_owned(),
            name: name.to_owned(),
        })
    }

    /// The role's partition.
    #[must_use]
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// The account that owns the role.
    #[must_use]
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The role's path, `/` or `/a/b/`.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The role's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:iam::{}:role{}{}",
            self.partition, self.account, self.path, self.name
        )
    }
}

/// An SQS queue ARN `arn:<partition>:sqs:<region>:<account>:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SqsQueueArn {
    partition: Partition,
    region: Region,
    account: AccountId,
    name: String,
}

impl SqsQueueArn {
    /// Parse a queue ARN.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not an SQS queue ARN (a queue URL is refused).
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        let bad = || {
            ArnError::new(
                "not an SQS queue ARN",
                value,
                "give the queue ARN (not its URL), e.g. arn:aws:sqs:eu-west-1:111122223333:replica-events",
            )
        };
        let p = split_arn(value).ok_or_else(bad)?;
        if p.service != "sqs" {
            return Err(bad());
        }
        let name_ok = (1..=80).contains(&p.resource.len())
            && p.resource
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
        if !name_ok {
            return Err(bad());
        }
        Ok(Self {
            partition: Partition::parse(p.partition).map_err(|_| bad())?,
            region: Region::parse(p.region).map_err(|_| bad())?,
            account: AccountId::parse(p.account).map_err(|_| bad())?,
            name: p.resource.to_owned(),
        })
    }

    /// The queue's region.
    #[must_use]
    pub fn region(&self) -> &Region {
        &self.region
    }

    /// The account that owns the queue.
    #[must_use]
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The queue name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for SqsQueueArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:sqs:{}:{}:{}",
            self.partition, self.region, self.account, self.name
        )
    }
}

/// FNV-1a, 32 bit. Stable across releases and platforms, so names derived from it (role
/// names, Sid scopes) never change under a deployed stack.
#[must_use]
pub(crate) fn fnv1a32(data: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for &b in data {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Prefix of the default replication role name.
pub const DEFAULT_ROLE_PREFIX: &str = "s3-kms-replication-";

/// The default name of the replication role for `source_bucket`:
/// `s3-kms-replication-<bucket>`.
///
/// IAM allows 64 characters. When the name would be longer, the bucket part is cut and an
/// 8-hex-digit hash of the whole bucket name is appended, so two long bucket names that share
/// a prefix still get different roles. The name depends on the bucket name alone, so the
/// destination account can compute the role ARN before the source stack exists (see
/// [`default_role_arn`]).
#[must_use]
pub fn default_role_name(source_bucket: &BucketName) -> String {
    let full = format!("{DEFAULT_ROLE_PREFIX}{}", source_bucket.as_str());
    if full.len() <= ROLE_NAME_MAX {
        return full;
    }
    let hash = format!("{:08x}", fnv1a32(source_bucket.as_str().as_bytes()));
    let keep = ROLE_NAME_MAX - DEFAULT_ROLE_PREFIX.len() - 1 - hash.len();
    let cut = source_bucket.as_str()[..keep].trim_end_matches(['.', '-']);
    format!("{DEFAULT_ROLE_PREFIX}{cut}-{hash}")
}

/// The ARN of the default replication role of `source_bucket` in `source_account`: what
/// `ReplicationRoleArn` should be on the destination side when the source side's `RoleName`
/// is left to its default.
#[must_use]
pub fn default_role_arn(
    partition: &Partition,
    source_account: &AccountId,
    source_bucket: &BucketName,
) -> RoleArn {
    RoleArn {
        partition: partition.clone(),
        account: source_account.clone(),
        path: "/".to_owned(),
        name: default_role_name(source_bucket),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn account_id_must_be_twelve_digits() {
        assert!(AccountId::parse("111122223333").is_ok());
        assert!(AccountId::parse("000000000001").is_ok());
        for bad in [
            "",
            "11112222333",
            "1111222233334",
            "1111-2222-333",
            "11112222333a",
        ] {
            let err = AccountId::parse(bad).unwrap_err();
            assert!(err.fix.contains("12-digit"), "{err}");
        }
    }

    #[test]
    fn bucket_accepts_name_or_bucket_arn() {
        assert_eq!(
            BucketName::parse("my.bucket-1").unwrap().as_str(),
            "my.bucket-1"
        );
        assert_eq!(
            BucketName::parse("arn:aws:s3:::my-bucket")
                .unwrap()
                .as_str(),
            "my-bucket"
        );
        assert_eq!(
            BucketName::parse("arn:aws-cn:s3:::my-bucket")
                .unwrap()
                .as_str(),
            "my-bucket"
        );
    }

    #[test]
    fn bucket_refuses_bad_names_and_object_arns() {
        for bad in [
            "ab",
            "My-Bucket",
            "-bucket",
            "bucket-",
            "a..b",
            "192.168.1.1",
            "bucket_name",
            &"a".repeat(64),
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:eu-west-1:111122223333:bucket",
            "arn:aws:sqs:::bucket",
        ] {
            assert!(BucketName::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn bucket_arns_are_built_for_the_partition() {
        let b = BucketName::parse("dest").unwrap();
        assert_eq!(b.arn(&Partition::aws()), "arn:aws:s3:::dest");
        assert_eq!(b.objects_arn(&Partition::aws()), "arn:aws:s3:::dest/*");
    }

    #[test]
    fn key_arn_round_trips_and_exposes_its_parts() {
        let k = KmsKeyArn::parse(KEY).unwrap();
        assert_eq!(k.to_string(), KEY);
        assert_eq!(k.region().as_str(), "eu-west-1");
        assert_eq!(k.account().as_str(), "111122223333");
        let mrk = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(KmsKeyArn::parse(mrk).unwrap().to_string(), mrk);
    }

    #[test]
    fn key_references_are_classified() {
        assert!(matches!(
            KmsKeyRef::parse(KEY).unwrap(),
            KmsKeyRef::KeyArn(_)
        ));
        assert!(matches!(
            KmsKeyRef::parse("1234abcd-12ab-34cd-56ef-1234567890ab").unwrap(),
            KmsKeyRef::KeyId(_)
        ));
        assert!(matches!(
            KmsKeyRef::parse("alias/replication").unwrap(),
            KmsKeyRef::AliasName(_)
        ));
        let alias_arn =
            KmsKeyRef::parse("arn:aws:kms:eu-west-1:111122223333:alias/replication").unwrap();
        assert!(matches!(alias_arn, KmsKeyRef::AliasArn { .. }));
        assert!(alias_arn.needs_resolution());
        assert!(!KmsKeyRef::parse(KEY).unwrap().needs_resolution());
    }

    #[test]
    fn aws_managed_alias_is_recognised() {
        assert!(
            KmsKeyRef::parse("alias/aws/s3")
                .unwrap()
                .is_aws_managed_alias()
        );
        assert!(
            KmsKeyRef::parse("arn:aws:kms:eu-west-1:111122223333:alias/aws/s3")
                .unwrap()
                .is_aws_managed_alias()
        );
        assert!(
            !KmsKeyRef::parse("alias/awsome")
                .unwrap()
                .is_aws_managed_alias()
        );
    }

    #[test]
    fn key_arn_parse_refuses_aliases_with_a_fix() {
        let err = KmsKeyArn::parse("alias/replication").unwrap_err();
        assert!(err.problem.contains("key ARN is required"));
        assert!(err.fix.contains("arn:aws:kms:"));
        for bad in [
            "arn:aws:kms:eu-west-1:111122223333:key/not-a-uuid",
            "arn:aws:kms:eu-west-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws:s3:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ] {
            assert!(KmsKeyRef::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn role_arn_with_path_is_parsed() {
        let r = RoleArn::parse("arn:aws:iam::111122223333:role/service-role/replicator").unwrap();
        assert_eq!(r.name(), "replicator");
        assert_eq!(r.path(), "/service-role/");
        assert_eq!(
            r.to_string(),
            "arn:aws:iam::111122223333:role/service-role/replicator"
        );
        let plain = RoleArn::parse("arn:aws:iam::111122223333:role/replicator").unwrap();
        assert_eq!(plain.path(), "/");
    }

    #[test]
    fn role_arn_refuses_users_and_sessions() {
        for bad in [
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:sts::111122223333:assumed-role/replicator/session",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:iam:eu-west-1:111122223333:role/replicator",
            "replicator",
        ] {
            assert!(RoleArn::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn default_role_name_is_stable_and_fits_iam_limit() {
        let short = BucketName::parse("photos").unwrap();
        assert_eq!(default_role_name(&short), "s3-kms-replication-photos");

        let long_a = BucketName::parse(&format!("{}-a", "x".repeat(60))).unwrap();
        let long_b = BucketName::parse(&format!("{}-b", "x".repeat(60))).unwrap();
        let a = default_role_name(&long_a);
        let b = default_role_name(&long_b);
        assert!(a.len() <= ROLE_NAME_MAX, "{a}");
        assert!(validate_role_name(&a).is_ok());
        assert_ne!(a, b, "long names sharing a prefix must not collide");
        assert_eq!(a, default_role_name(&long_a), "derivation is deterministic");
    }

    #[test]
    fn default_role_arn_matches_on_both_sides() {
        let arn = default_role_arn(
            &Partition::aws(),
            &AccountId::parse("111122223333").unwrap(),
            &BucketName::parse("photos").unwrap(),
        );
        assert_eq!(
            arn.to_string(),
            "arn:aws:iam::111122223333:role/s3-kms-replication-photos"
        );
    }

    #[test]
    fn fnv_hash_is_the_reference_value() {
        // Reference values of 32-bit FNV-1a.
        assert_eq!(fnv1a32(b""), 0x811c_9dc5);
        assert_eq!(fnv1a32(b"a"), 0xe40c_292c);
    }

    #[test]
    fn queue_arn_is_parsed_and_urls_are_refused() {
        let q = SqsQueueArn::parse("arn:aws:sqs:eu-west-1:111122223333:replica-events").unwrap();
        assert_eq!(q.region().as_str(), "eu-west-1");
        assert!(SqsQueueArn::parse("https://sqs.eu-west-1.amazonaws.com/111122223333/q").is_err());
    }

    #[test]
    fn regions_and_partitions_are_validated() {
        for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-3", "cn-north-1"] {
            assert!(Region::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "eu-west", "EU-WEST-1", "euwest1"] {
            assert!(Region::parse(bad).is_err(), "{bad}");
        }
        assert!(Partition::parse("aws-us-gov").is_ok());
        assert!(Partition::parse("azure").is_err());
        assert_eq!(
            Partition::parse("aws-cn").unwrap().dns_suffix(),
            "amazonaws.com.cn"
        );
    }
}
