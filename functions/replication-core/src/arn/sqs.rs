//! SQS queue ARNs.

use std::fmt;

use super::{AccountId, ArnError, Partition, Region, split_arn};

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

    /// The queue's partition.
    #[must_use]
    pub fn partition(&self) -> &Partition {
        &self.partition
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
