//! `replication_core::plan::ReplicationConfiguration` to and from aws-sdk-s3's types, and a
//! bucket's default encryption from them.
//!
//! The rule-level `Prefix` is deprecated in the S3 API but still used by V1 rules that other
//! tools wrote; it must round-trip so that merging never changes a foreign rule.
#![allow(deprecated)]
//!
//! The core type mirrors S3's members one for one; these functions are the only place that
//! knows the SDK's builders. Members the SDK does not model cannot round-trip and are dropped.

use aws_sdk_s3::error::BuildError;
use aws_sdk_s3::operation::get_bucket_notification_configuration::GetBucketNotificationConfigurationOutput;
use aws_sdk_s3::types as s3;
use replication_core::notification;
use replication_core::plan::{
    AccessControlTranslation, AndOperator, Destination, EnabledStatus, EncryptionConfiguration,
    Metrics, Minutes, ReplicationConfiguration, ReplicationRule, ReplicationTime, RuleFilter,
    SourceSelectionCriteria, Tag,
};
use replication_core::properties::DefaultEncryption;

/// A bucket's default encryption (its first rule), as `GetBucketEncryption` reports it.
#[must_use]
pub fn default_encryption(
    config: Option<&s3::ServerSideEncryptionConfiguration>,
) -> Option<DefaultEncryption> {
    let rule = config?.rules().first()?;
    let default = rule.apply_server_side_encryption_by_default();
    Some(DefaultEncryption {
        algorithm: default.map_or_else(
            || "none".to_owned(),
            |d| d.sse_algorithm().as_str().to_owned(),
        ),
        kms_key_id: default
            .and_then(|d| d.kms_master_key_id())
            .map(str::to_owned),
        kms_key_arn: None,
        bucket_key_enabled: rule.bucket_key_enabled().unwrap_or(false),
    })
}

/// A bucket's notification configurations as [`notification::plan`] reads them: its queue
/// configurations, in order, and its topic and Lambda ones.
#[must_use]
pub fn notification_entries(
    config: &GetBucketNotificationConfigurationOutput,
) -> (Vec<notification::Entry>, Vec<notification::Entry>) {
    entries_of(
        config.queue_configurations(),
        config.topic_configurations(),
        config.lambda_function_configurations(),
    )
}

/// The entries of a configuration about to be written (queues first, then topics and Lambda
/// functions), to name the ones S3 refuses.
#[must_use]
pub fn written_entries(config: &s3::NotificationConfiguration) -> Vec<notification::Entry> {
    let (mut queues, others) = entries_of(
        config.queue_configurations(),
        config.topic_configurations(),
        config.lambda_function_configurations(),
    );
    queues.extend(others);
    queues
}

fn entries_of(
    queues: &[s3::QueueConfiguration],
    topics: &[s3::TopicConfiguration],
    lambdas: &[s3::LambdaFunctionConfiguration],
) -> (Vec<notification::Entry>, Vec<notification::Entry>) {
    use notification::TargetKind::{Lambda, Queue, Topic};
    let queues = queues
        .iter()
        .map(|q| entry(Queue, q.id(), q.queue_arn(), q.events(), q.filter()))
        .collect();
    let others = topics
        .iter()
        .map(|t| entry(Topic, t.id(), t.topic_arn(), t.events(), t.filter()))
        .chain(lambdas.iter().map(|l| {
            let arn = l.lambda_function_arn();
            entry(Lambda, l.id(), arn, l.events(), l.filter())
        }))
        .collect();
    (queues, others)
}

fn entry(
    kind: notification::TargetKind,
    id: Option<&str>,
    arn: &str,
    events: &[s3::Event],
    filter: Option<&s3::NotificationConfigurationFilter>,
) -> notification::Entry {
    let rules = filter
        .and_then(|f| f.key())
        .map(|k| k.filter_rules())
        .unwrap_or_default();
    // The API's names are `prefix` and `suffix`; S3 has been seen answering `Prefix`.
    let rule = |name: &str| {
        rules
            .iter()
            .find(|r| {
                r.name()
                    .is_some_and(|n| n.as_str().eq_ignore_ascii_case(name))
            })
            .and_then(|r| r.value())
            .unwrap_or_default()
            .to_owned()
    };
    notification::Entry {
        kind,
        id: id.map(str::to_owned),
        arn: arn.to_owned(),
        events: events.iter().map(|e| e.as_str().to_owned()).collect(),
        prefix: rule("prefix"),
        suffix: rule("suffix"),
    }
}

fn status(s: &str) -> EnabledStatus {
    EnabledStatus {
        status: s.to_owned(),
    }
}

fn tag_from(t: &s3::Tag) -> Tag {
    Tag {
        key: t.key().to_owned(),
        value: t.value().to_owned(),
    }
}

fn tag_to(t: &Tag) -> Result<s3::Tag, BuildError> {
    s3::Tag::builder().key(&t.key).value(&t.value).build()
}

/// From the SDK's `GetBucketReplication` output.
pub fn from_sdk(c: &s3::ReplicationConfiguration) -> ReplicationConfiguration {
    ReplicationConfiguration {
        role: c.role().to_owned(),
        rules: c.rules().iter().map(rule_from).collect(),
    }
}

fn rule_from(r: &s3::ReplicationRule) -> ReplicationRule {
    let d = r.destination();
    ReplicationRule {
        id: r.id().map(str::to_owned),
        priority: r.priority(),
        prefix: r.prefix().map(str::to_owned),
        filter: r.filter().map(|f| RuleFilter {
            prefix: f.prefix().map(str::to_owned),
            tag: f.tag().map(tag_from),
            and: f.and().map(|a| AndOperator {
                prefix: a.prefix().map(str::to_owned),
                tags: a.tags().iter().map(tag_from).collect(),
            }),
        }),
        status: r.status().as_str().to_owned(),
        source_selection_criteria: r
            .source_selection_criteria()
            .map(|c| SourceSelectionCriteria {
                sse_kms_encrypted_objects: c
                    .sse_kms_encrypted_objects()
                    .map(|s| status(s.status().as_str())),
                replica_modifications: c
                    .replica_modifications()
                    .map(|s| status(s.status().as_str())),
            }),
        existing_object_replication: r
            .existing_object_replication()
            .map(|e| status(e.status().as_str())),
        destination: Destination {
            bucket: d.map(|d| d.bucket().to_owned()).unwrap_or_default(),
            account: d.and_then(|d| d.account()).map(str::to_owned),
            storage_class: d
                .and_then(|d| d.storage_class())
                .map(|s| s.as_str().to_owned()),
            access_control_translation: d.and_then(|d| d.access_control_translation()).map(|a| {
                AccessControlTranslation {
                    owner: a.owner().as_str().to_owned(),
                }
            }),
            encryption_configuration: d.and_then(|d| d.encryption_configuration()).map(|e| {
                EncryptionConfiguration {
                    replica_kms_key_id: e.replica_kms_key_id().map(str::to_owned),
                }
            }),
            replication_time: d
                .and_then(|d| d.replication_time())
                .map(|t| ReplicationTime {
                    status: t.status().as_str().to_owned(),
                    time: Minutes {
                        minutes: t.time().and_then(|v| v.minutes()).unwrap_or(15),
                    },
                }),
            metrics: d.and_then(|d| d.metrics()).map(|m| Metrics {
                status: m.status().as_str().to_owned(),
                event_threshold: m
                    .event_threshold()
                    .and_then(|v| v.minutes())
                    .map(|minutes| Minutes { minutes }),
            }),
            other: Default::default(),
        },
        delete_marker_replication: r
            .delete_marker_replication()
            .and_then(|d| d.status())
            .map(|s| status(s.as_str())),
        other: Default::default(),
    }
}

/// To the SDK's `PutBucketReplication` input.
///
/// # Errors
/// When a required member is missing (the SDK's builders check them).
pub fn to_sdk(c: &ReplicationConfiguration) -> Result<s3::ReplicationConfiguration, BuildError> {
    let rules = c.rules.iter().map(rule_to).collect::<Result<Vec<_>, _>>()?;
    s3::ReplicationConfiguration::builder()
        .role(&c.role)
        .set_rules(Some(rules))
        .build()
}

fn rule_to(r: &ReplicationRule) -> Result<s3::ReplicationRule, BuildError> {
    let filter = match &r.filter {
        None => None,
        Some(f) => Some(
            s3::ReplicationRuleFilter::builder()
                .set_prefix(f.prefix.clone())
                .set_tag(f.tag.as_ref().map(tag_to).transpose()?)
                .set_and(
                    f.and
                        .as_ref()
                        .map(|a| -> Result<_, BuildError> {
                            Ok(s3::ReplicationRuleAndOperator::builder()
                                .set_prefix(a.prefix.clone())
                                .set_tags(Some(
                                    a.tags.iter().map(tag_to).collect::<Result<Vec<_>, _>>()?,
                                ))
                                .build())
                        })
                        .transpose()?,
                )
                .build(),
        ),
    };
    let criteria = match &r.source_selection_criteria {
        None => None,
        Some(c) => Some(
            s3::SourceSelectionCriteria::builder()
                .set_sse_kms_encrypted_objects(
                    c.sse_kms_encrypted_objects
                        .as_ref()
                        .map(|s| {
                            s3::SseKmsEncryptedObjects::builder()
                                .status(s.status.as_str().into())
                                .build()
                        })
                        .transpose()?,
                )
                .set_replica_modifications(
                    c.replica_modifications
                        .as_ref()
                        .map(|s| {
                            s3::ReplicaModifications::builder()
                                .status(s.status.as_str().into())
                                .build()
                        })
                        .transpose()?,
                )
                .build(),
        ),
    };
    let d = &r.destination;
    let destination = s3::Destination::builder()
        .bucket(&d.bucket)
        .set_account(d.account.clone())
        .set_storage_class(d.storage_class.as_deref().map(Into::into))
        .set_access_control_translation(
            d.access_control_translation
                .as_ref()
                .map(|a| {
                    s3::AccessControlTranslation::builder()
                        .owner(a.owner.as_str().into())
                        .build()
                })
                .transpose()?,
        )
        .set_encryption_configuration(d.encryption_configuration.as_ref().map(|e| {
            s3::EncryptionConfiguration::builder()
                .set_replica_kms_key_id(e.replica_kms_key_id.clone())
                .build()
        }))
        .set_replication_time(
            d.replication_time
                .as_ref()
                .map(|t| {
                    s3::ReplicationTime::builder()
                        .status(t.status.as_str().into())
                        .time(
                            s3::ReplicationTimeValue::builder()
                                .minutes(t.time.minutes)
                                .build(),
                        )
                        .build()
                })
                .transpose()?,
        )
        .set_metrics(
            d.metrics
                .as_ref()
                .map(|m| {
                    s3::Metrics::builder()
                        .status(m.status.as_str().into())
                        .set_event_threshold(m.event_threshold.as_ref().map(|t| {
                            s3::ReplicationTimeValue::builder()
                                .minutes(t.minutes)
                                .build()
                        }))
                        .build()
                })
                .transpose()?,
        )
        .build()?;
    s3::ReplicationRule::builder()
        .set_id(r.id.clone())
        .set_priority(r.priority)
        .set_prefix(r.prefix.clone())
        .set_filter(filter)
        .status(r.status.as_str().into())
        .set_source_selection_criteria(criteria)
        .set_existing_object_replication(
            r.existing_object_replication
                .as_ref()
                .map(|s| {
                    s3::ExistingObjectReplication::builder()
                        .status(s.status.as_str().into())
                        .build()
                })
                .transpose()?,
        )
        .destination(destination)
        .set_delete_marker_replication(r.delete_marker_replication.as_ref().map(|s| {
            s3::DeleteMarkerReplication::builder()
                .status(s.status.as_str().into())
                .build()
        }))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_configuration_round_trips_through_the_sdk_types() {
        let core: ReplicationConfiguration = serde_json::from_value(serde_json::json!({
            "Role": "arn:aws:iam::111111111111:role/r",
            "Rules": [
                {"ID": "a", "Priority": 2, "Status": "Enabled",
                 "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "k", "Value": "v"}]}},
                 "SourceSelectionCriteria": {"SseKmsEncryptedObjects": {"Status": "Enabled"},
                                             "ReplicaModifications": {"Status": "Disabled"}},
                 "ExistingObjectReplication": {"Status": "Enabled"},
                 "Destination": {"Bucket": "arn:aws:s3:::d", "Account": "222222222222",
                                 "StorageClass": "STANDARD_IA",
                                 "AccessControlTranslation": {"Owner": "Destination"},
                                 "EncryptionConfiguration": {"ReplicaKmsKeyID": "arn:aws:kms:us-east-1:222222222222:key/k"},
                                 "ReplicationTime": {"Status": "Enabled", "Time": {"Minutes": 15}},
                                 "Metrics": {"Status": "Enabled", "EventThreshold": {"Minutes": 15}}},
                 "DeleteMarkerReplication": {"Status": "Disabled"}},
                {"ID": "b", "Priority": 1, "Status": "Disabled", "Filter": {"Tag": {"Key": "x", "Value": "y"}},
                 "Destination": {"Bucket": "arn:aws:s3:::e"},
                 "DeleteMarkerReplication": {"Status": "Enabled"}}
            ]
        }))
        .unwrap();
        let sdk = to_sdk(&core).unwrap();
        assert_eq!(from_sdk(&sdk), core);
    }
}
