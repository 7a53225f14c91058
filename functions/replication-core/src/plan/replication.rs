//! Step 6 as data: S's replication configuration in S3's JSON shape, our rules, and their merge
//! with the rules already on S (owned by Id, destination bucket and account).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::REPLICATION_TIME_MINUTES;
use crate::properties::{RuleProperties, SourceSpec};

/// S3's `ReplicationConfiguration`, member for member (JSON names as in the S3 API), so the
/// adapter can convert to and from `aws_sdk_s3::types::ReplicationConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationConfiguration {
    /// The role S3 assumes for every rule.
    pub role: String,
    /// The rules, in order.
    pub rules: Vec<ReplicationRule>,
}

/// `Status` members: `Enabled` or `Disabled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnabledStatus {
    /// `Enabled` or `Disabled`.
    pub status: String,
}

impl EnabledStatus {
    fn enabled() -> Self {
        Self {
            status: "Enabled".to_owned(),
        }
    }

    fn from_bool(on: bool) -> Self {
        Self {
            status: if on { "Enabled" } else { "Disabled" }.to_owned(),
        }
    }
}

/// One rule. Members this crate does not model are kept in `other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationRule {
    /// `ID`.
    #[serde(rename = "ID", default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Priority` (rules with a `Filter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i32>,
    /// The deprecated rule-level `Prefix` of V1 rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<RuleFilter>,
    /// `Status`: `Enabled` or `Disabled`.
    pub status: String,
    /// `SourceSelectionCriteria`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_selection_criteria: Option<SourceSelectionCriteria>,
    /// `ExistingObjectReplication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing_object_replication: Option<EnabledStatus>,
    /// `Destination`.
    pub destination: Destination,
    /// `DeleteMarkerReplication`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_marker_replication: Option<EnabledStatus>,
    /// Members not modelled here, kept as read.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A rule's `Filter`: one of `Prefix`, `Tag` or `And`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct RuleFilter {
    /// `Prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Tag`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Tag>,
    /// `And`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub and: Option<AndOperator>,
}

/// An object tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
}

/// `And`: a prefix and tags that must all match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AndOperator {
    /// `Prefix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// `Tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `SourceSelectionCriteria`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceSelectionCriteria {
    /// `SseKmsEncryptedObjects`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_kms_encrypted_objects: Option<EnabledStatus>,
    /// `ReplicaModifications`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_modifications: Option<EnabledStatus>,
}

/// A rule's `Destination`. Members not modelled here are kept in `other`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Destination {
    /// `Bucket`: the bucket ARN.
    pub bucket: String,
    /// `Account`: the destination bucket owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// `StorageClass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// `AccessControlTranslation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_control_translation: Option<AccessControlTranslation>,
    /// `EncryptionConfiguration`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_configuration: Option<EncryptionConfiguration>,
    /// `ReplicationTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replication_time: Option<ReplicationTime>,
    /// `Metrics`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// Members not modelled here, kept as read.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `AccessControlTranslation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessControlTranslation {
    /// `Owner`: `Destination`.
    pub owner: String,
}

/// `EncryptionConfiguration`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncryptionConfiguration {
    /// `ReplicaKmsKeyID`: the replica key's ARN.
    #[serde(
        rename = "ReplicaKmsKeyID",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replica_kms_key_id: Option<String>,
}

/// A duration in minutes (`Time`, `EventThreshold`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Minutes {
    /// `Minutes`.
    pub minutes: i32,
}

/// `ReplicationTime` (S3 RTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ReplicationTime {
    /// `Status`.
    pub status: String,
    /// `Time`.
    pub time: Minutes,
}

/// `Metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metrics {
    /// `Status`.
    pub status: String,
    /// `EventThreshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_threshold: Option<Minutes>,
}

/// `Metrics` of one rule: enabled, with the RTC event threshold only when RTC is on.
///
/// S3 refuses an `EventThreshold` without RTC: 400 `InvalidArgument` "Metrics cannot contain an
/// event threshold when ReplicationTime is not specified or Disabled" (quoted from AWS in
/// crossplane-contrib/provider-aws#1117, hashicorp/terraform-provider-aws#21895,
/// pulumi/pulumi-aws#5806 and aws/aws-cdk#35772). S3 API Reference, `Metrics`: `EventThreshold`
/// is the threshold for the `s3:Replication:OperationMissedThreshold` event, an RTC event.
fn replication_metrics(replication_time_control: bool) -> Metrics {
    Metrics {
        status: "Enabled".to_owned(),
        event_threshold: replication_time_control.then_some(Minutes {
            minutes: REPLICATION_TIME_MINUTES,
        }),
    }
}

pub(super) fn rule_filter(rule: &RuleProperties) -> RuleFilter {
    let tags: Vec<Tag> = rule
        .tags
        .iter()
        .map(|(k, v)| Tag {
            key: k.clone(),
            value: v.clone(),
        })
        .collect();
    match (rule.prefix.as_ref(), tags.len()) {
        (prefix, 0) => RuleFilter {
            prefix: Some(prefix.cloned().unwrap_or_default()),
            ..RuleFilter::default()
        },
        (None, 1) => RuleFilter {
            tag: tags.into_iter().next(),
            ..RuleFilter::default()
        },
        (prefix, _) => RuleFilter {
            and: Some(AndOperator {
                prefix: prefix.cloned(),
                tags,
            }),
            ..RuleFilter::default()
        },
    }
}

/// Step 6: our rules for S's replication configuration, one per `Rules` entry. Each replicates
/// SSE-KMS objects, re-encrypted with KB's ARN, into D in account B; hands ownership to B
/// when `OwnerOverride`; and carries its filter, priority, delete-marker replication, storage
/// class and, when asked, RTC (15 minutes) and metrics (with an event threshold only under RTC).
#[must_use]
pub fn replication_rules(spec: &SourceSpec) -> Vec<ReplicationRule> {
    spec.rules
        .iter()
        .map(|rule| ReplicationRule {
            id: Some(rule.id.clone()),
            priority: Some(rule.priority),
            prefix: None,
            filter: Some(rule_filter(rule)),
            status: "Enabled".to_owned(),
            source_selection_criteria: Some(SourceSelectionCriteria {
                sse_kms_encrypted_objects: Some(EnabledStatus::enabled()),
                replica_modifications: None,
            }),
            existing_object_replication: None,
            destination: Destination {
                bucket: spec.destination_bucket.arn(&spec.partition),
                account: Some(spec.destination_account.to_string()),
                storage_class: rule.storage_class.clone(),
                access_control_translation: spec.owner_override.then(|| AccessControlTranslation {
                    owner: "Destination".to_owned(),
                }),
                encryption_configuration: Some(EncryptionConfiguration {
                    replica_kms_key_id: Some(spec.destination_key.to_string()),
                }),
                replication_time: spec.replication_time_control.then(|| ReplicationTime {
                    status: "Enabled".to_owned(),
                    time: Minutes {
                        minutes: REPLICATION_TIME_MINUTES,
                    },
                }),
                metrics: (spec.replication_metrics || spec.replication_time_control)
                    .then(|| replication_metrics(spec.replication_time_control)),
                other: Map::new(),
            },
            delete_marker_replication: Some(EnabledStatus::from_bool(
                rule.delete_marker_replication,
            )),
            other: Map::new(),
        })
        .collect()
}

/// Why our rules cannot be merged into S's replication configuration. Each of these would
/// make `PutBucketReplication` fail or would break someone else's replication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// Two of our rules have the same priority.
    #[error(
        "Rules: rules {first:?} and {second:?} both have priority {priority}; S3 rejects equal priorities. Give each rule its own Priority"
    )]
    DuplicatePriority {
        /// One rule.
        first: String,
        /// The other.
        second: String,
        /// The shared priority.
        priority: i32,
    },
    /// Two of our rules have the same Id, or one has none.
    #[error("Rules: rule Id {0:?} is missing or used twice; give each rule its own Id")]
    BadRuleId(String),
    /// One of our rules has the priority of a rule we do not own.
    #[error(
        "Rules: our rule {ours:?} has priority {priority}, which the existing rule {foreign:?} on the source bucket already uses; \
         S3 rejects equal priorities. Set Priority on our rule to a value no other rule uses"
    )]
    PriorityCollision {
        /// Our rule.
        ours: String,
        /// The existing foreign rule.
        foreign: String,
        /// The shared priority.
        priority: i32,
    },
    /// An existing rule with one of our Ids replicates elsewhere: it is not ours.
    #[error(
        "Rules: the source bucket already has a rule {id:?} replicating to {bucket}, which this resource did not create; choose another Id"
    )]
    ForeignRuleIdTaken {
        /// The Id.
        id: String,
        /// Where the existing rule replicates to.
        bucket: String,
    },
    /// The configuration has other rules and a different role; changing the role would move
    /// those rules onto ours.
    #[error(
        "the source bucket's replication configuration uses role {existing} for rules this resource does not own; \
         one configuration has one role. Set RoleName to that role's name, or move the other rules first"
    )]
    RoleConflict {
        /// The configuration's current role.
        existing: String,
    },
    /// The configuration has a V1 rule (rule-level `Prefix`, no `Filter`), which S3 does not
    /// allow alongside the V2 rules we write.
    #[error(
        "the source bucket has the legacy replication rule {0:?} (Prefix without Filter), which S3 does not allow together with \
         rules that use Filter; rewrite that rule with a Filter first"
    )]
    LegacyForeignRule(String),
}

pub(super) fn check_our_rules(ours: &[ReplicationRule]) -> Result<(), PlanError> {
    let mut ids = HashSet::new();
    let mut priorities: HashMap<i32, &str> = HashMap::new();
    for rule in ours {
        let id = rule.id.as_deref().unwrap_or_default();
        if id.is_empty() || !ids.insert(id) {
            return Err(PlanError::BadRuleId(id.to_owned()));
        }
        if let Some(p) = rule.priority
            && let Some(first) = priorities.insert(p, id)
        {
            return Err(PlanError::DuplicatePriority {
                first: first.to_owned(),
                second: id.to_owned(),
                priority: p,
            });
        }
    }
    Ok(())
}

/// Settle the priorities of our rules whose `Priority` was not given (`spec` lists them in
/// the order of `ours`, as [`replication_rules`] made them), against S's existing
/// configuration: such a rule keeps the priority it already has on S, else takes its default;
/// when another rule (a foreign one, or one of ours with a given priority) already uses that
/// priority, it takes the next free one above. So a second replication out of the same
/// bucket, both with the default rule, just works, and a repeat changes nothing. Given
/// priorities are left alone: a collision there is refused by [`merge_replication_rules`].
pub fn settle_default_priorities(
    existing: Option<&ReplicationConfiguration>,
    ours: &mut [ReplicationRule],
    spec: &[crate::properties::RuleProperties],
    previously_ours: &[String],
) {
    let existing_rules = existing.map(|e| e.rules.as_slice()).unwrap_or_default();
    let our_ids: HashSet<&str> = spec
        .iter()
        .map(|r| r.id.as_str())
        .chain(previously_ours.iter().map(String::as_str))
        .collect();
    let mut taken: HashSet<i32> = existing_rules
        .iter()
        .filter(|r| !r.id.as_deref().is_some_and(|id| our_ids.contains(id)))
        .filter_map(|r| r.priority)
        .collect();
    taken.extend(spec.iter().filter(|s| s.priority_given).map(|s| s.priority));
    for (rule, s) in ours.iter_mut().zip(spec) {
        if s.priority_given {
            continue;
        }
        let mut priority = existing_rules
            .iter()
            .find(|e| e.id.as_deref() == Some(s.id.as_str()))
            .and_then(|e| e.priority)
            .unwrap_or(s.priority);
        while taken.contains(&priority) && priority < i32::MAX {
            priority += 1;
        }
        taken.insert(priority);
        rule.priority = Some(priority);
    }
}

/// Merge our rules into S's existing replication configuration (`None` when S has none).
///
/// Rules with an Id in `ours` are replaced in place; rules with an Id in `previously_ours`
/// (the Ids of the old properties, on Update) that are no longer planned are dropped; every
/// other rule stays, unchanged and in order; new rules of ours are appended. The
/// configuration's role becomes `role_arn`.
///
/// # Errors
/// [`PlanError`] for anything `PutBucketReplication` would reject or that would harm other
/// rules: equal priorities among ours or with a foreign rule, an Id taken by a rule that
/// replicates elsewhere, another role in use by foreign rules, a legacy V1 rule.
pub fn merge_replication_rules(
    existing: Option<&ReplicationConfiguration>,
    role_arn: &str,
    ours: &[ReplicationRule],
    previously_ours: &[String],
) -> Result<ReplicationConfiguration, PlanError> {
    check_our_rules(ours)?;
    let our_ids: HashSet<&str> = ours.iter().filter_map(|r| r.id.as_deref()).collect();
    let owned = |id: Option<&str>| {
        id.is_some_and(|id| our_ids.contains(id) || previously_ours.iter().any(|p| p == id))
    };
    let Some(existing) = existing else {
        return Ok(ReplicationConfiguration {
            role: role_arn.to_owned(),
            rules: ours.to_vec(),
        });
    };

    let foreign: Vec<&ReplicationRule> = existing
        .rules
        .iter()
        .filter(|r| !owned(r.id.as_deref()))
        .collect();
    for rule in &existing.rules {
        let Some(id) = rule.id.as_deref() else {
            continue;
        };
        if let Some(mine) = ours.iter().find(|o| o.id.as_deref() == Some(id))
            && rule.destination.bucket != mine.destination.bucket
        {
            return Err(PlanError::ForeignRuleIdTaken {
                id: id.to_owned(),
                bucket: rule.destination.bucket.clone(),
            });
        }
    }
    if !foreign.is_empty() && existing.role != role_arn {
        return Err(PlanError::RoleConflict {
            existing: existing.role.clone(),
        });
    }
    for rule in &foreign {
        let name = rule.id.clone().unwrap_or_default();
        if rule.filter.is_none() && rule.prefix.is_some() {
            return Err(PlanError::LegacyForeignRule(name));
        }
        if let Some(p) = rule.priority
            && let Some(mine) = ours.iter().find(|o| o.priority == Some(p))
        {
            return Err(PlanError::PriorityCollision {
                ours: mine.id.clone().unwrap_or_default(),
                foreign: name,
                priority: p,
            });
        }
    }

    let mut placed: HashSet<&str> = HashSet::new();
    let mut rules = Vec::with_capacity(existing.rules.len() + ours.len());
    for rule in &existing.rules {
        if !owned(rule.id.as_deref()) {
            rules.push(rule.clone());
        } else if let Some(mine) = ours.iter().find(|o| o.id == rule.id)
            && let Some(id) = mine.id.as_deref()
            && placed.insert(id)
        {
            rules.push(mine.clone());
        }
    }
    for mine in ours {
        if mine.id.as_deref().is_some_and(|id| !placed.contains(id)) {
            rules.push(mine.clone());
        }
    }
    Ok(ReplicationConfiguration {
        role: role_arn.to_owned(),
        rules,
    })
}

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
