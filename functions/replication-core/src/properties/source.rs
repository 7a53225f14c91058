//! `Custom::ReplicationSource`: its properties, what it looks up, and the validated spec.

use serde_json::Value;

use super::rules::{TagRules, parse_tag_value};
use super::{
    DefaultEncryption, InvalidProperties, PolicyWrites, PropertyIssue, ResolvedKey, UpdateKind,
    check_bucket_keys, check_key, check_partition, finish, key_ref, read_policy_writes,
    update_kind,
};
use super::{DestinationSpec, Reader, RuleProperties, check_unique_rules};
use crate::arn::{
    AccountId, BucketName, KmsKeyArn, KmsKeyRef, Partition, PolicyArn, Region, RoleArn,
    SqsQueueArn, default_role_name, validate_role_name, validate_role_path,
};
use crate::plan::RoleSettings;
use crate::policy::SidScope;

/// The properties of `Custom::ReplicationSource`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceProperties {
    /// `SourceBucket`: S.
    pub source_bucket: BucketName,
    /// `SourceKmsKeyArn`: KA; may be an alias or key id, resolved in A.
    pub source_kms_key: KmsKeyRef,
    /// `DestinationBucket`: D.
    pub destination_bucket: BucketName,
    /// `DestinationAccountId`: B.
    pub destination_account_id: AccountId,
    /// `DestinationKmsKeyArn`: KB. A key ARN, unless `DestinationAccessRoleArn` lets the
    /// adapter resolve it in B.
    pub destination_kms_key: KmsKeyRef,
    /// `RoleName`; `None` means [`default_role_name`] of S.
    pub role_name: Option<String>,
    /// `Rules`; one whole-bucket rule when omitted.
    pub rules: Vec<RuleProperties>,
    /// `ReplicationTimeControl` (default false): RTC, 15 minutes, with metrics.
    pub replication_time_control: bool,
    /// `ReplicationMetrics` (default false).
    pub replication_metrics: bool,
    /// `BucketKeyEnabled` (default true): admit S3 Bucket Key objects in S and D, whose KMS
    /// encryption context is the bucket ARN. `false` narrows the grants to per-object
    /// contexts.
    pub bucket_key_enabled: bool,
    /// `OwnerOverride`; `None` means "true when the accounts differ".
    pub owner_override: Option<bool>,
    /// `ReplicateTags` (default true): the role may read S's object tags
    /// (`s3:GetObjectVersionTagging`) and write them to replicas (`s3:ReplicateTags`). Without
    /// them S3 replicates objects without their tags.
    pub replicate_tags: bool,
    /// `RoleTrustConditions` (default false): the role's trust policy admits S3 only for this
    /// account and source bucket (`aws:SourceAccount`, `aws:SourceArn`; see
    /// [`crate::plan::replication_role_trust_policy`] for why it is off by default).
    pub role_trust_conditions: bool,
    /// `DestinationAccessRoleArn`: a role in B for single-stack mode.
    pub destination_access_role_arn: Option<RoleArn>,
    /// `DeployTimeChecks` (default true): after writing, diagnose what this account can see
    /// ([`crate::doctor`]) and fail with the findings.
    pub deploy_time_checks: bool,
    /// `PolicyWrites` (default `Apply`): with `Report`, KA's key policy (and in single-stack
    /// mode D's bucket policy and KB's key policy) are left to their owner's pipeline
    /// ([`super::PolicyWrites`]).
    pub policy_writes: PolicyWrites,
    /// `Canary` (default false): after writing, put a small object in S under the first rule's
    /// prefix and wait, bounded, for its replication status.
    pub canary: bool,
    /// `RolePermissionsBoundary`: the managed policy set as the permissions boundary of a
    /// role this project creates (and kept on it by Updates). A role we did not create is not
    /// touched.
    pub role_permissions_boundary: Option<PolicyArn>,
    /// `RolePath` (default `/`): the IAM path of a role this project creates. IAM cannot move
    /// a role to another path; see [`SourceProperties::role_path`].
    pub role_path: Option<String>,
    /// `RoleTags`: tags on a role this project creates, besides the project's own
    /// [`super::ROLE_MANAGED_TAG`]; as (key, value) in the given order.
    pub role_tags: Vec<(String, String)>,
    /// `ReplicationEventsQueueArn`: the verifier's queue, in S's region, to which S sends its
    /// `s3:Replication:*` events (one configuration per queue, shared by the pairs from S that
    /// name it; [`crate::notification::REPLICATION_EVENTS`]).
    pub replication_events_queue_arn: Option<SqsQueueArn>,
    /// `ReplicateExistingObjects` (default false): after a successful Create (after the canary),
    /// start one S3 Batch Replication job for S's objects that were never replicated (`NONE`),
    /// under `BatchReplicationRoleArn`, with its manifest and report in
    /// `BatchReplicationReportBucket`; never waited for.
    pub replicate_existing_objects: bool,
    /// `BatchReplicationRoleArn`: the job role (the source stack's `BatchReplicationRole`).
    pub batch_replication_role_arn: Option<RoleArn>,
    /// `BatchReplicationReportBucket`: where the generated manifest and the completion report go.
    pub batch_replication_report_bucket: Option<BucketName>,
}

/// What the adapter learned in the source account (and, in single-stack mode, in B).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFacts {
    /// The account the stack runs in (A).
    pub account_id: AccountId,
    /// S's region.
    pub source_bucket_region: Region,
    /// KA, described.
    pub source_key: ResolvedKey,
    /// KB: described in single-stack mode, else [`ResolvedKey::from_arn`].
    pub destination_key: ResolvedKey,
    /// D's region, when the adapter could learn it.
    pub destination_bucket_region: Option<Region>,
    /// S's default encryption; `None` when S has none.
    pub source_encryption: Option<DefaultEncryption>,
    /// D's default encryption, when the adapter could read it (single-stack mode).
    pub destination_encryption: Option<DefaultEncryption>,
    /// S has Object Lock enabled (`GetObjectLockConfiguration` says `ObjectLockEnabled:
    /// Enabled`; `ObjectLockConfigurationNotFoundError` means it has not).
    pub source_object_lock: bool,
}

/// A validated `Custom::ReplicationSource`: everything the source-side plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The partition of every ARN.
    pub partition: Partition,
    /// A.
    pub source_account: AccountId,
    /// S.
    pub source_bucket: BucketName,
    /// S's region.
    pub source_region: Region,
    /// KA.
    pub source_key: KmsKeyArn,
    /// B.
    pub destination_account: AccountId,
    /// D.
    pub destination_bucket: BucketName,
    /// D's region: KB's region, which S3 requires to be D's.
    pub destination_region: Region,
    /// KB.
    pub destination_key: KmsKeyArn,
    /// The replication role.
    pub role_arn: RoleArn,
    /// Our rules, checked against each other: unique Ids and priorities.
    pub rules: Vec<RuleProperties>,
    /// RTC on.
    pub replication_time_control: bool,
    /// Replication metrics on (always on with RTC).
    pub replication_metrics: bool,
    /// Admit S3 Bucket Key encryption contexts (and `kms:Decrypt` on KB).
    pub bucket_key_enabled: bool,
    /// Replica ownership goes to B.
    pub owner_override: bool,
    /// Object tags are replicated.
    pub replicate_tags: bool,
    /// The role's trust policy carries the confused-deputy conditions.
    pub role_trust_conditions: bool,
    /// Single-stack mode role in B.
    pub destination_access_role_arn: Option<RoleArn>,
    /// The permissions boundary of a role we create or created.
    pub role_permissions_boundary: Option<PolicyArn>,
    /// The tags of a role we create or created, besides the management tag.
    pub role_tags: Vec<(String, String)>,
    /// `RolePath`, when given: the path `role_arn` has until the adapter finds an existing
    /// role, whose own ARN (and path) then wins.
    pub role_path: Option<String>,
    /// S has Object Lock enabled: the role then also reads each object's retention and legal
    /// hold ([`crate::plan::replication_role_policy`]).
    pub source_object_lock: bool,
    /// The verifier's queue for S's replication events.
    pub replication_events_queue: Option<SqsQueueArn>,
}

impl SourceSpec {
    /// The Sid scope of this replication pair (the same one the destination side computes).
    #[must_use]
    pub fn sid_scope(&self) -> SidScope {
        SidScope::for_replication(
            &self.source_account,
            &self.source_bucket,
            &self.destination_bucket,
        )
    }

    /// What the properties name for a role of ours: its boundary and tags.
    #[must_use]
    pub fn role_settings(&self) -> RoleSettings<'_> {
        RoleSettings {
            permissions_boundary: self
                .role_permissions_boundary
                .as_ref()
                .map(PolicyArn::as_str),
            tags: &self.role_tags,
        }
    }

    /// The Ids of our rules.
    #[must_use]
    pub fn rule_ids(&self) -> Vec<String> {
        self.rules.iter().map(|r| r.id.clone()).collect()
    }

    /// The destination side of the same replication, for single-stack mode
    /// (`DestinationAccessRoleArn`). Tags are replicated.
    #[must_use]
    pub fn destination_spec(&self) -> DestinationSpec {
        DestinationSpec {
            partition: self.partition.clone(),
            destination_account: self.destination_account.clone(),
            destination_bucket: self.destination_bucket.clone(),
            destination_region: self.destination_region.clone(),
            destination_key: self.destination_key.clone(),
            source_account: self.source_account.clone(),
            source_bucket: self.source_bucket.clone(),
            role_arn: self.role_arn.clone(),
            bucket_key_enabled: self.bucket_key_enabled,
            notification_queue: None,
            event_bridge: false,
        }
    }
}

impl SourceProperties {
    /// Parse the `ResourceProperties` of a `Custom::ReplicationSource` request.
    ///
    /// # Errors
    /// [`InvalidProperties`] listing every missing, unknown or malformed property, including
    /// those inside `Rules`.
    pub fn parse(properties: &Value) -> Result<Self, InvalidProperties> {
        let mut r = Reader::new(properties, "", &Self::NAMES);
        let source_bucket = r.parsed("SourceBucket", true, BucketName::parse);
        let source_kms_key = key_ref(&mut r, "SourceKmsKeyArn");
        let destination_bucket = r.parsed("DestinationBucket", true, BucketName::parse);
        let destination_account_id = r.parsed("DestinationAccountId", true, AccountId::parse);
        let destination_kms_key = key_ref(&mut r, "DestinationKmsKeyArn");
        let role_name = r.string("RoleName", false).map(str::to_owned);
        if let Some(name) = &role_name
            && let Err(e) = validate_role_name(name)
        {
            r.arn_issue("RoleName", &e);
        }
        let replication_time_control = r.boolean("ReplicationTimeControl").unwrap_or(false);
        let replication_metrics = r.boolean("ReplicationMetrics").unwrap_or(false);
        let bucket_key_enabled = r.boolean("BucketKeyEnabled").unwrap_or(true);
        let owner_override = r.boolean("OwnerOverride");
        let replicate_tags = r.boolean("ReplicateTags").unwrap_or(true);
        let role_trust_conditions = r.boolean("RoleTrustConditions").unwrap_or(false);
        let deploy_time_checks = r.boolean("DeployTimeChecks").unwrap_or(true);
        let policy_writes = read_policy_writes(&mut r);
        let canary = r.boolean("Canary").unwrap_or(false);
        let replicate_existing_objects = r.boolean("ReplicateExistingObjects").unwrap_or(false);
        let batch_replication_role_arn =
            r.parsed_unless_empty("BatchReplicationRoleArn", RoleArn::parse);
        let batch_replication_report_bucket =
            r.parsed_unless_empty("BatchReplicationReportBucket", BucketName::parse);
        if replicate_existing_objects {
            let given = |name: &str| {
                r.get(name)
                    .is_some_and(|v| v.as_str().is_none_or(|s| !s.is_empty()))
            };
            let missing: Vec<(&str, &str)> = [
                (
                    "BatchReplicationRoleArn",
                    "give the role S3 Batch Replication jobs run under (the source stack's BatchReplicationRoleArn output), or set ReplicateExistingObjects to false",
                ),
                (
                    "BatchReplicationReportBucket",
                    "give a bucket of this account in S's region, other than S, for the job's manifest and completion report, or set ReplicateExistingObjects to false",
                ),
            ]
            .into_iter()
            .filter(|(name, _)| !given(name))
            .collect();
            for (name, fix) in missing {
                r.issue(name, "missing while ReplicateExistingObjects is true", fix);
            }
        }
        if let (Some(report), Some(source)) = (&batch_replication_report_bucket, &source_bucket)
            && report == source
        {
            r.issue(
                "BatchReplicationReportBucket",
                "is SourceBucket: the job's manifest and report would match the rule and be replicated to D",
                "use another bucket of this account in S's region",
            );
        }
        let destination_access_role_arn =
            r.parsed("DestinationAccessRoleArn", false, RoleArn::parse);
        // Template parameters are text, "" when unset: empty text is omitted.
        let role_permissions_boundary =
            r.parsed_unless_empty("RolePermissionsBoundary", PolicyArn::parse);
        let replication_events_queue_arn =
            r.parsed_unless_empty("ReplicationEventsQueueArn", SqsQueueArn::parse);
        let role_path = r
            .string("RolePath", false)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        if let Some(path) = &role_path
            && let Err(e) = validate_role_path(path)
        {
            r.arn_issue("RolePath", &e);
        }
        let role_tags = match r.get("RoleTags") {
            Some(Value::String(text)) if text.trim().is_empty() => Vec::new(),
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(value @ (Value::Array(_) | Value::Object(_))) => {
                    parse_tag_value(&mut r, "RoleTags", Some(&value), TagRules::IamRole)
                }
                Ok(_) | Err(_) => {
                    r.issue(
                        "RoleTags",
                        "text that is not a JSON map or list",
                        "give RoleTags as a map or list, or as the JSON text of one: {\"team\": \"storage\"}",
                    );
                    Vec::new()
                }
            },
            other => parse_tag_value(&mut r, "RoleTags", other, TagRules::IamRole),
        };

        // S3 User Guide, "Receiving replication failure events with Amazon S3 Event
        // Notifications": "To receive replication failure event notifications
        // (s3:Replication:OperationFailedReplication), you must enable S3 Replication metrics on
        // your replication rule." Without them the configuration would stay silent.
        if replication_events_queue_arn.is_some()
            && !replication_metrics
            && !replication_time_control
        {
            r.issue(
                "ReplicationEventsQueueArn",
                "S3 sends s3:Replication:* events only for rules with replication metrics on, and ReplicationMetrics and ReplicationTimeControl are both false",
                "set ReplicationMetrics to true (billed as CloudWatch custom metrics), or leave ReplicationEventsQueueArn empty",
            );
        }
        if let (Some(role), Some(account)) = (&destination_access_role_arn, &destination_account_id)
            && role.account() != account
        {
            r.issue(
                "DestinationAccessRoleArn",
                &format!(
                    "the role is in account {} but DestinationAccountId is {account}",
                    role.account()
                ),
                "give a role in the destination account that this function may assume",
            );
        }
        if let Some(key) = &destination_kms_key {
            if destination_access_role_arn.is_none() && key.needs_resolution() {
                r.issue(
                    "DestinationKmsKeyArn",
                    "a key id or alias of the destination account cannot be resolved from the source account",
                    "give the destination key's ARN, or set DestinationAccessRoleArn",
                );
            }
            if let (Some(arn), Some(account)) = (key.as_key_arn(), &destination_account_id)
                && arn.account() != account
            {
                r.issue(
                    "DestinationKmsKeyArn",
                    &format!(
                        "the key belongs to account {} but DestinationAccountId is {account}",
                        arn.account()
                    ),
                    "use a key owned by the destination account",
                );
            }
        }

        let mut issues = std::mem::take(&mut r.issues);
        // A template parameter can only carry text: `Rules` may also be the list as JSON text
        // (empty text: omitted). A refused text is one issue, and then counts as omitted.
        let rules_given: Option<std::borrow::Cow<'_, Value>> = match r.get("Rules") {
            Some(Value::String(text)) if text.trim().is_empty() => None,
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(list @ Value::Array(_)) => Some(std::borrow::Cow::Owned(list)),
                Ok(_) | Err(_) => {
                    issues.push(PropertyIssue {
                        property: "Rules".to_owned(),
                        problem: "text that is not a JSON list".to_owned(),
                        fix: "give Rules as a list, or as the JSON text of one: [{\"Id\": \"all\", \"Prefix\": \"\"}]".to_owned(),
                    });
                    None
                }
            },
            other => other.map(std::borrow::Cow::Borrowed),
        };
        let rules = match rules_given.as_deref() {
            None | Some(Value::Null) => destination_bucket
                .as_ref()
                .map(|d| vec![RuleProperties::whole_bucket(d)]),
            Some(Value::Array(items)) if items.is_empty() => {
                issues.push(PropertyIssue {
                    property: "Rules".to_owned(),
                    problem: "empty list".to_owned(),
                    fix: "omit Rules for one whole-bucket rule, or list at least one rule"
                        .to_owned(),
                });
                None
            }
            Some(Value::Array(items)) => {
                let parsed: Vec<Option<RuleProperties>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| RuleProperties::parse(item, i, &mut issues))
                    .collect();
                parsed.into_iter().collect::<Option<Vec<_>>>()
            }
            Some(_) => {
                issues.push(PropertyIssue {
                    property: "Rules".to_owned(),
                    problem: "not a list".to_owned(),
                    fix: "give Rules as a list of {Id, Priority, Prefix, Tags, DeleteMarkerReplication, StorageClass}".to_owned(),
                });
                None
            }
        };
        if let Some(rules) = &rules {
            check_unique_rules(rules, &mut issues);
            if !replicate_tags {
                for (i, rule) in rules.iter().enumerate().filter(|(_, r)| !r.tags.is_empty()) {
                    issues.push(PropertyIssue {
                        property: format!("Rules[{i}].Tags"),
                        problem: format!(
                            "rule {:?} selects objects by their tags, but ReplicateTags false withholds s3:GetObjectVersionTagging, the permission to read them",
                            rule.id
                        ),
                        fix: "set ReplicateTags to true, or select by Prefix only".to_owned(),
                    });
                }
            }
        }

        let parsed = (|| {
            Some(Self {
                source_bucket: source_bucket?,
                source_kms_key: source_kms_key?,
                destination_bucket: destination_bucket?,
                destination_account_id: destination_account_id?,
                destination_kms_key: destination_kms_key?,
                role_name,
                rules: rules?,
                replication_time_control,
                replication_metrics: replication_metrics || replication_time_control,
                bucket_key_enabled,
                owner_override,
                replicate_tags,
                role_trust_conditions,
                destination_access_role_arn,
                deploy_time_checks,
                policy_writes,
                canary,
                role_permissions_boundary,
                role_path,
                role_tags,
                replication_events_queue_arn,
                replicate_existing_objects,
                batch_replication_role_arn,
                batch_replication_report_bucket,
            })
        })();
        finish(issues, parsed)
    }

    /// The replication role's name: `RoleName`, or the default derived from S.
    #[must_use]
    pub fn effective_role_name(&self) -> String {
        self.role_name
            .clone()
            .unwrap_or_else(|| default_role_name(&self.source_bucket))
    }

    /// The IAM path of a role this project creates: `RolePath`, or `/`.
    #[must_use]
    pub fn role_path(&self) -> &str {
        self.role_path.as_deref().unwrap_or("/")
    }

    /// What the properties name for a role of ours: its boundary and tags.
    #[must_use]
    pub fn role_settings(&self) -> RoleSettings<'_> {
        RoleSettings {
            permissions_boundary: self
                .role_permissions_boundary
                .as_ref()
                .map(PolicyArn::as_str),
            tags: &self.role_tags,
        }
    }

    /// Check the parsed properties against what the adapter found.
    ///
    /// # Errors
    /// [`InvalidProperties`]: an AWS managed key; KA not in this account or not in S's
    /// region; KB not in the destination account or not in D's region; ARNs of different
    /// partitions.
    pub fn validate(&self, facts: &SourceFacts) -> Result<SourceSpec, InvalidProperties> {
        let mut issues = Vec::new();
        check_key(
            &mut issues,
            "SourceKmsKeyArn",
            &facts.source_key,
            &facts.account_id,
            "the account this stack runs in (the source account)",
            Some(&facts.source_bucket_region),
            "SourceBucket",
        );
        check_key(
            &mut issues,
            "DestinationKmsKeyArn",
            &facts.destination_key,
            &self.destination_account_id,
            "DestinationAccountId",
            facts.destination_bucket_region.as_ref(),
            "DestinationBucket",
        );
        check_bucket_keys(
            &mut issues,
            self.bucket_key_enabled,
            "SourceBucket",
            facts.source_encryption.as_ref(),
        );
        check_bucket_keys(
            &mut issues,
            self.bucket_key_enabled,
            "DestinationBucket",
            facts.destination_encryption.as_ref(),
        );
        let partition = facts.source_key.arn.partition().clone();
        check_partition(
            &mut issues,
            "DestinationKmsKeyArn",
            facts.destination_key.arn.partition(),
            &partition,
        );
        if let Some(role) = &self.destination_access_role_arn {
            check_partition(
                &mut issues,
                "DestinationAccessRoleArn",
                role.partition(),
                &partition,
            );
        }
        if let Some(boundary) = &self.role_permissions_boundary {
            check_partition(
                &mut issues,
                "RolePermissionsBoundary",
                boundary.partition(),
                &partition,
            );
        }
        // The ARN of the role as we would create it, at `RolePath`; an existing role is named
        // by its own ARN instead (the adapter reads it).
        let role_arn = RoleArn::new(&partition, &facts.account_id, &self.effective_role_name())
            .and_then(|arn| arn.with_path(self.role_path()));
        if let Err(e) = &role_arn {
            issues.push(PropertyIssue {
                property: "RoleName".to_owned(),
                problem: e.problem.clone(),
                fix: e.fix.clone(),
            });
        }
        let cross_account = self.destination_account_id != facts.account_id;
        if self.owner_override == Some(true) && !cross_account {
            issues.push(PropertyIssue {
                property: "OwnerOverride".to_owned(),
                problem: format!(
                    "true, but the destination account is this account ({}); the S3 guide (\"Changing the replica owner\") says to add owner override only when different accounts own the buckets",
                    facts.account_id
                ),
                fix: "remove OwnerOverride (it defaults to false within one account)".to_owned(),
            });
        }
        if let Some(queue) = &self.replication_events_queue_arn {
            check_partition(
                &mut issues,
                "ReplicationEventsQueueArn",
                queue.partition(),
                &partition,
            );
            if queue.region() != &facts.source_bucket_region {
                issues.push(PropertyIssue {
                    property: "ReplicationEventsQueueArn".to_owned(),
                    problem: format!(
                        "the queue is in {} but SourceBucket is in {}; S3 sends event notifications only to a queue in the bucket's region, and EventBridge does not carry replication events",
                        queue.region(),
                        facts.source_bucket_region
                    ),
                    fix: "leave ReplicationEventsQueueArn empty and alarm on S3's own OperationsFailedReplication metric in the source stack (ReplicationMetrics=true), or use a verifier queue in the source bucket's region".to_owned(),
                });
            }
        }
        let owner_override = self.owner_override.unwrap_or(cross_account);
        let spec = role_arn.ok().map(|role_arn| SourceSpec {
            partition,
            source_account: facts.account_id.clone(),
            source_bucket: self.source_bucket.clone(),
            source_region: facts.source_bucket_region.clone(),
            source_key: facts.source_key.arn.clone(),
            destination_account: self.destination_account_id.clone(),
            destination_bucket: self.destination_bucket.clone(),
            destination_region: facts
                .destination_bucket_region
                .clone()
                .unwrap_or_else(|| facts.destination_key.arn.region().clone()),
            destination_key: facts.destination_key.arn.clone(),
            role_arn,
            rules: self.rules.clone(),
            replication_time_control: self.replication_time_control,
            replication_metrics: self.replication_metrics,
            bucket_key_enabled: self.bucket_key_enabled,
            owner_override,
            replicate_tags: self.replicate_tags,
            role_trust_conditions: self.role_trust_conditions,
            destination_access_role_arn: self.destination_access_role_arn.clone(),
            role_permissions_boundary: self.role_permissions_boundary.clone(),
            role_tags: self.role_tags.clone(),
            role_path: self.role_path.clone(),
            source_object_lock: facts.source_object_lock,
            replication_events_queue: self.replication_events_queue_arn.clone(),
        });
        finish(issues, spec)
    }

    /// The stable PhysicalResourceId: it changes exactly when an Update means replacement.
    #[must_use]
    pub fn physical_resource_id(&self) -> String {
        format!(
            "s3-kms-replication:source:{}:{}:{}",
            self.source_bucket, self.destination_account_id, self.destination_bucket
        )
    }

    /// Compare the old properties of an Update with these (the new ones).
    #[must_use]
    pub fn update_kind(&self, old: &Self) -> UpdateKind {
        update_kind(&Self::PROPERTIES, self, old)
    }
}
