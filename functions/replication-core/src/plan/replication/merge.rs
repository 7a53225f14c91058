//! Our rules merged into S's replication configuration, and what refuses the merge.

use std::collections::{HashMap, HashSet};

use super::{ReplicationConfiguration, ReplicationRule};

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

pub(in crate::plan) fn check_our_rules(ours: &[ReplicationRule]) -> Result<(), PlanError> {
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
///
/// [`replication_rules`]: super::replication_rules
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
