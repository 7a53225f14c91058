//! Our rules, one per `Rules` entry of the source's properties.

use serde_json::Map;

use super::{
    AccessControlTranslation, AndOperator, Destination, EnabledStatus, EncryptionConfiguration,
    Metrics, Minutes, ReplicationRule, ReplicationTime, RuleFilter, SourceSelectionCriteria, Tag,
};
use crate::plan::REPLICATION_TIME_MINUTES;
use crate::properties::{RuleProperties, SourceSpec};

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

pub(in crate::plan) fn rule_filter(rule: &RuleProperties) -> RuleFilter {
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
