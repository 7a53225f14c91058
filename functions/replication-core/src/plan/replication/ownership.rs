//! Which rules on S are ours: removed on Delete, replaced on Update.

use super::{ReplicationConfiguration, ReplicationRule};
use crate::properties::SourceSpec;

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
///
/// [`PlanError::ForeignRuleIdTaken`]: super::PlanError::ForeignRuleIdTaken
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

/// The rules an Update replaces: those its old properties wrote on the same S. Owned, so
/// that the adapter can lend a [`RuleOwner`] of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousRules {
    /// The old rule Ids.
    pub ids: Vec<String>,
    /// The old destination bucket.
    pub destination_bucket: String,
    /// The old destination account.
    pub destination_account: String,
}

impl PreviousRules {
    /// The rules of `old` (an Update's old properties) that `spec` replaces: `None` without
    /// old properties, or when they named another S (a replacement: CloudFormation's Delete
    /// of the old resource removes those).
    #[must_use]
    pub fn of_update(
        old: Option<&crate::properties::SourceProperties>,
        spec: &SourceSpec,
    ) -> Option<Self> {
        let old = old.filter(|o| o.source_bucket == spec.source_bucket)?;
        Some(Self {
            ids: old.rules.iter().map(|r| r.id.clone()).collect(),
            destination_bucket: old.destination_bucket.as_str().to_owned(),
            destination_account: old.destination_account_id.to_string(),
        })
    }

    /// Their owner, to merge with.
    #[must_use]
    pub fn owner(&self) -> RuleOwner<'_> {
        RuleOwner {
            ids: &self.ids,
            destination_bucket: &self.destination_bucket,
            destination_account: &self.destination_account,
        }
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
///
/// [`merge_replication_rules`]: super::merge_replication_rules
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
