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

mod kms;
mod policy;
mod role;
mod sqs;
pub use kms::{KeyManager, KmsKeyArn, KmsKeyRef};
pub use policy::PolicyArn;
pub(crate) use role::fnv1a32;
pub use role::{
    DEFAULT_ROLE_PREFIX, ROLE_NAME_MAX, ROLE_PATH_MAX, RoleArn, default_role_arn,
    default_role_name, validate_role_name, validate_role_path,
};
pub use sqs::SqsQueueArn;

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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
