//! IAM managed policy ARNs: what a permissions boundary names.

use std::fmt;

use super::{AccountId, ArnError, Partition, split_arn};

/// Maximum length of an IAM managed policy name.
const POLICY_NAME_MAX: usize = 128;

/// An IAM managed policy ARN, `arn:<partition>:iam::<account>:policy/<path><name>`, or an AWS
/// managed one (`arn:aws:iam::aws:policy/...`). A permissions boundary is one of these (IAM
/// API Reference, CreateRole, `PermissionsBoundary`: "The ARN of the managed policy").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyArn {
    partition: Partition,
    text: String,
}

impl PolicyArn {
    /// Parse a managed policy ARN.
    ///
    /// # Errors
    /// [`ArnError`] when `value` is not an IAM managed policy ARN (a role ARN, a policy name
    /// alone, an inline policy have no such ARN).
    pub fn parse(value: &str) -> Result<Self, ArnError> {
        let bad = || {
            ArnError::new(
                "not an IAM managed policy ARN",
                value,
                "give the managed policy's ARN, e.g. arn:aws:iam::111122223333:policy/boundaries/replication",
            )
        };
        let p = split_arn(value).ok_or_else(bad)?;
        if p.service != "iam" || !p.region.is_empty() {
            return Err(bad());
        }
        let partition = Partition::parse(p.partition).map_err(|_| bad())?;
        if p.account != "aws" && AccountId::parse(p.account).is_err() {
            return Err(bad());
        }
        let rest = p.resource.strip_prefix("policy/").ok_or_else(bad)?;
        let name = rest.rsplit('/').next().unwrap_or_default();
        let name_ok = (1..=POLICY_NAME_MAX).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        let path = &rest[..rest.len() - name.len()];
        let path_ok = path.bytes().all(|b| (0x21..=0x7e).contains(&b))
            && !path.contains("//")
            && !path.starts_with('/');
        if !name_ok || !path_ok {
            return Err(bad());
        }
        Ok(Self {
            partition,
            text: value.to_owned(),
        })
    }

    /// The policy's partition.
    #[must_use]
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// The ARN as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for PolicyArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
