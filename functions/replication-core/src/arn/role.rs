//! IAM role names and role ARNs, and the default replication role's name.

use std::fmt;

use super::{AccountId, ArnError, BucketName, Partition, split_arn};

/// Maximum length of an IAM role name.
pub const ROLE_NAME_MAX: usize = 64;

pub(super) fn is_role_name(name: &str) -> bool {
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

/// Maximum length of an IAM path.
pub const ROLE_PATH_MAX: usize = 512;

/// Validate an IAM path as `CreateRole` takes it (IAM API Reference, CreateRole, `Path`):
/// `/` alone, or a string that starts and ends with `/`, 1 to 512 characters of printable
/// ASCII (`!` 0x21 to `~` 0x7E). A `//` is refused too: no role ARN can be read back from one.
///
/// # Errors
/// [`ArnError`] when the path breaks IAM's rules.
pub fn validate_role_path(path: &str) -> Result<(), ArnError> {
    let printable = path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if (1..=ROLE_PATH_MAX).contains(&path.len())
        && path.starts_with('/')
        && path.ends_with('/')
        && printable
        && !path.contains("//")
    {
        Ok(())
    } else {
        Err(ArnError::new(
            "not a valid IAM path",
            path,
            "use / or a path that starts and ends with /, such as /service-role/ (at most 512 printable ASCII characters, no spaces, no //)",
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

    /// The same role under `path` (`/` or `/a/b/`): the ARN IAM gives a role created with
    /// that `Path`.
    ///
    /// # Errors
    /// [`ArnError`] when `path` is not a valid IAM path ([`validate_role_path`]).
    pub fn with_path(mut self, path: &str) -> Result<Self, ArnError> {
        validate_role_path(path)?;
        path.clone_into(&mut self.path);
        Ok(self)
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
