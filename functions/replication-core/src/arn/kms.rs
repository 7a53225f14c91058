//! KMS key references: the key ARN the functions require, and every way a user may name a key.

use std::fmt;

use super::{AccountId, ArnError, Partition, Region, split_arn};

/// A KMS key ARN `arn:<partition>:kms:<region>:<account>:key/<key-id>`: the only form of key
/// reference that may appear in a policy or a replication rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KmsKeyArn {
    partition: Partition,
    region: Region,
    account: AccountId,
    key_id: String,
}

pub(super) fn is_key_id(id: &str) -> bool {
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

pub(super) fn is_alias_name(name: &str) -> bool {
    name.strip_prefix("alias/").is_some_and(|rest| {
        !rest.is_empty()
            && name.len() <= 256
            && rest
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))
    })
}

pub(super) const KEY_ARN_FIX: &str = "give the key ARN, e.g. arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab (KMS console, key details, ARN)";

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

    /// The region a key or alias ARN names; `None` for a key id or alias name, which name no
    /// region (they are resolved in the caller's).
    #[must_use]
    pub fn region(&self) -> Option<&Region> {
        match self {
            Self::KeyArn(arn) => Some(arn.region()),
            Self::AliasArn { region, .. } => Some(region),
            _ => None,
        }
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
