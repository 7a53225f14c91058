//! `Custom::ReplicationDestination`: its properties, what it looks up, and the validated spec.

use serde_json::Value;

use super::Reader;
use super::{
    DefaultEncryption, InvalidProperties, PolicyWrites, Property, PropertyIssue, ResolvedKey,
    UpdateKind, check_bucket_keys, check_key, check_partition, finish, key_ref, names,
    read_policy_writes, update_kind,
};
use crate::arn::{
    AccountId, BucketName, KmsKeyArn, KmsKeyRef, Partition, Region, RoleArn, SqsQueueArn,
};
use crate::policy::SidScope;

/// The properties of `Custom::ReplicationDestination`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationProperties {
    /// `DestinationBucket`: D, by name or ARN.
    pub destination_bucket: BucketName,
    /// `DestinationKmsKeyArn`: KB (aliases are resolved by the adapter in B).
    pub destination_kms_key: KmsKeyRef,
    /// `SourceAccountId`: A.
    pub source_account_id: AccountId,
    /// `SourceBucket`: S.
    pub source_bucket: BucketName,
    /// `ReplicationRoleArn`: A's replication role; it need not exist yet.
    pub replication_role_arn: RoleArn,
    /// `BucketKeyEnabled` (default true): admit S3 Bucket Key objects, whose KMS encryption
    /// context is the bucket ARN (see [`crate::plan`]). `false` narrows the grants to
    /// per-object contexts, for buckets known never to use Bucket Keys.
    pub bucket_key_enabled: bool,
    /// `NotificationQueueArn`: D's object-created events go to this queue.
    pub notification_queue_arn: Option<SqsQueueArn>,
    /// `EventBridgeNotifications` (default false): turn on D's delivery to EventBridge, for a
    /// rule that routes its "Object Created" events to the verifier (the destination template's
    /// `Trigger=EventBridge`). It never overlaps another configuration, so any number of
    /// replications into D can each route their own.
    pub event_bridge_notifications: bool,
    /// `DeployTimeChecks` (default true): after writing, diagnose what this account can see
    /// ([`crate::doctor`]) and fail with the findings.
    pub deploy_time_checks: bool,
    /// `PolicyWrites` (default `Apply`): with `Report`, D's bucket policy and KB's key policy
    /// are left to their owner's pipeline ([`super::PolicyWrites`]).
    pub policy_writes: PolicyWrites,
}

/// `ReplicateTags` and `OwnerOverride` on the destination side: `true` is accepted (D always
/// grants both actions to A's role), `false` is refused. S3 honours these choices only on the
/// source side: without `s3:GetObjectVersionTagging` it replicates objects without their tags
/// (S3 User Guide, "Setting up permissions": "If Amazon S3 doesn't have these permissions, it
/// replicates the objects, but not the object tags"), and the rule's `AccessControlTranslation`
/// decides ownership. Withheld on D, the grants only make objects fail.
pub(super) fn refuse_destination_switch(
    r: &mut Reader<'_>,
    property: &str,
    problem: &str,
    fix: &str,
) {
    if r.boolean(property) == Some(false) {
        r.issue(property, &format!("false {problem}"), fix);
    }
}

/// What the adapter learned in the destination account before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationFacts {
    /// The account the stack runs in (B).
    pub account_id: AccountId,
    /// D's region (`GetBucketLocation` / `HeadBucket`).
    pub destination_bucket_region: Region,
    /// KB, described.
    pub destination_key: ResolvedKey,
    /// D's default encryption; `None` when D has none.
    pub destination_encryption: Option<DefaultEncryption>,
}

/// A validated `Custom::ReplicationDestination`: everything the destination-side plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationSpec {
    /// The partition of every ARN.
    pub partition: Partition,
    /// B.
    pub destination_account: AccountId,
    /// D.
    pub destination_bucket: BucketName,
    /// D's region.
    pub destination_region: Region,
    /// KB, as a key ARN.
    pub destination_key: KmsKeyArn,
    /// A.
    pub source_account: AccountId,
    /// S.
    pub source_bucket: BucketName,
    /// A's replication role.
    pub role_arn: RoleArn,
    /// Admit S3 Bucket Key encryption contexts (and `kms:Decrypt` on KB).
    pub bucket_key_enabled: bool,
    /// Queue for D's notifications.
    pub notification_queue: Option<SqsQueueArn>,
    /// D delivers its events to EventBridge.
    pub event_bridge: bool,
}

impl DestinationSpec {
    /// The Sid scope of this replication pair.
    #[must_use]
    pub fn sid_scope(&self) -> SidScope {
        SidScope::for_replication(
            &self.source_account,
            &self.source_bucket,
            &self.destination_bucket,
        )
    }
}

impl DestinationProperties {
    /// The property table: every accepted property, whether changing it means replacement,
    /// and how a change shows.
    pub const PROPERTIES: [Property<Self>; 12] = [
        Property {
            name: "DestinationBucket",
            kind: "BucketName",
            required: true,
            default: None,
            replaces: true,
            changed: |a, b| a.destination_bucket != b.destination_bucket,
        },
        Property {
            name: "DestinationKmsKeyArn",
            kind: "KmsKeyRef",
            required: true,
            default: None,
            replaces: false,
            changed: |a, b| a.destination_kms_key != b.destination_kms_key,
        },
        Property {
            name: "SourceAccountId",
            kind: "AccountId",
            required: true,
            default: None,
            replaces: true,
            changed: |a, b| a.source_account_id != b.source_account_id,
        },
        Property {
            name: "SourceBucket",
            kind: "BucketName",
            required: true,
            default: None,
            replaces: true,
            changed: |a, b| a.source_bucket != b.source_bucket,
        },
        Property {
            name: "ReplicationRoleArn",
            kind: "RoleArn",
            required: true,
            default: None,
            replaces: false,
            changed: |a, b| a.replication_role_arn != b.replication_role_arn,
        },
        // Accepted so that a template may state it; any other value than the one
        // accepted is refused, so it never changes.
        Property {
            name: "ReplicateTags",
            kind: "True",
            required: false,
            default: Some("true"),
            replaces: false,
            changed: |_, _| false,
        },
        // Accepted so that a template may state it; any other value than the one
        // accepted is refused, so it never changes.
        Property {
            name: "OwnerOverride",
            kind: "True",
            required: false,
            default: Some("true"),
            replaces: false,
            changed: |_, _| false,
        },
        Property {
            name: "BucketKeyEnabled",
            kind: "Boolean",
            required: false,
            default: Some("true"),
            replaces: false,
            changed: |a, b| a.bucket_key_enabled != b.bucket_key_enabled,
        },
        Property {
            name: "NotificationQueueArn",
            kind: "SqsQueueArn",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.notification_queue_arn != b.notification_queue_arn,
        },
        Property {
            name: "EventBridgeNotifications",
            kind: "Boolean",
            required: false,
            default: Some("false"),
            replaces: false,
            changed: |a, b| a.event_bridge_notifications != b.event_bridge_notifications,
        },
        Property {
            name: "DeployTimeChecks",
            kind: "Boolean",
            required: false,
            default: Some("true"),
            replaces: false,
            changed: |a, b| a.deploy_time_checks != b.deploy_time_checks,
        },
        Property {
            name: "PolicyWrites",
            kind: "PolicyWrites",
            required: false,
            default: Some("Apply"),
            replaces: false,
            changed: |a, b| a.policy_writes != b.policy_writes,
        },
    ];

    /// Accepted property names.
    pub const NAMES: [&'static str; 12] = names(&Self::PROPERTIES);

    /// Parse the `ResourceProperties` of a `Custom::ReplicationDestination` request.
    ///
    /// # Errors
    /// [`InvalidProperties`] listing every missing, unknown or malformed property.
    pub fn parse(properties: &Value) -> Result<Self, InvalidProperties> {
        let mut r = Reader::new(properties, "", &Self::NAMES);
        let destination_bucket = r.parsed("DestinationBucket", true, BucketName::parse);
        let destination_kms_key = key_ref(&mut r, "DestinationKmsKeyArn");
        let source_account_id = r.parsed("SourceAccountId", true, AccountId::parse);
        let source_bucket = r.parsed("SourceBucket", true, BucketName::parse);
        let replication_role_arn = r.parsed("ReplicationRoleArn", true, RoleArn::parse);
        refuse_destination_switch(
            &mut r,
            "ReplicateTags",
            "withholds s3:ReplicateTags on D, which S3 does not read as \"replicate without tags\": it fails every tagged object (DstPutTaggingNotPermitted)",
            "remove it here, and set ReplicateTags to false on Custom::ReplicationSource (the source stack's ReplicateTags), which replicates objects without their tags",
        );
        refuse_destination_switch(
            &mut r,
            "OwnerOverride",
            "withholds s3:ObjectOwnerOverrideToBucketOwner on D, which fails every object whose rule hands ownership to D's account (the source's default across accounts)",
            "remove it here; owner override is chosen on Custom::ReplicationSource (OwnerOverride), where S3 honours it",
        );
        let bucket_key_enabled = r.boolean("BucketKeyEnabled").unwrap_or(true);
        // A template's conditional value may be empty text: omitted.
        let notification_queue_arn =
            r.parsed_unless_empty("NotificationQueueArn", SqsQueueArn::parse);
        let event_bridge_notifications = r.boolean("EventBridgeNotifications").unwrap_or(false);
        if event_bridge_notifications && notification_queue_arn.is_some() {
            r.issue(
                "EventBridgeNotifications",
                "true beside NotificationQueueArn: the verifier would be told of each replica twice",
                "choose one trigger: the queue (omit EventBridgeNotifications) or EventBridge (omit NotificationQueueArn)",
            );
        }
        let deploy_time_checks = r.boolean("DeployTimeChecks").unwrap_or(true);
        let policy_writes = read_policy_writes(&mut r);
        if let (Some(role), Some(account)) = (&replication_role_arn, &source_account_id)
            && role.account() != account
        {
            r.issue(
                    "ReplicationRoleArn",
                    &format!(
                        "the role is in account {} but SourceAccountId is {account}",
                        role.account()
                    ),
                    "give the replication role of the source account (by default arn:aws:iam::<SourceAccountId>:role/s3-kms-replication-<SourceBucket>)",
                );
        }
        let parsed = (|| {
            Some(Self {
                destination_bucket: destination_bucket?,
                destination_kms_key: destination_kms_key?,
                source_account_id: source_account_id?,
                source_bucket: source_bucket?,
                replication_role_arn: replication_role_arn?,
                bucket_key_enabled,
                notification_queue_arn,
                event_bridge_notifications,
                deploy_time_checks,
                policy_writes,
            })
        })();
        finish(r.issues, parsed)
    }

    /// Check the parsed properties against what the adapter found in the account.
    ///
    /// # Errors
    /// [`InvalidProperties`]: an AWS managed key; a key not in this account or not in D's
    /// region; a queue not in D's region; ARNs of different partitions.
    pub fn validate(&self, facts: &DestinationFacts) -> Result<DestinationSpec, InvalidProperties> {
        let mut issues = Vec::new();
        let key = &facts.destination_key;
        check_key(
            &mut issues,
            "DestinationKmsKeyArn",
            key,
            &facts.account_id,
            "the account this stack runs in (the destination account)",
            Some(&facts.destination_bucket_region),
            "DestinationBucket",
        );
        if let Some(arn) = self.destination_kms_key.as_key_arn()
            && arn != &key.arn
        {
            issues.push(PropertyIssue {
                property: "DestinationKmsKeyArn".to_owned(),
                problem: format!("DescribeKey answered {} for {arn}", key.arn),
                fix: "give the key ARN exactly as DescribeKey reports it".to_owned(),
            });
        }
        check_bucket_keys(
            &mut issues,
            self.bucket_key_enabled,
            "DestinationBucket",
            facts.destination_encryption.as_ref(),
        );
        let partition = key.arn.partition().clone();
        check_partition(
            &mut issues,
            "ReplicationRoleArn",
            self.replication_role_arn.partition(),
            &partition,
        );
        if let Some(queue) = &self.notification_queue_arn
            && queue.region() != &facts.destination_bucket_region
        {
            issues.push(PropertyIssue {
                    property: "NotificationQueueArn".to_owned(),
                    problem: format!(
                        "the queue is in {} but DestinationBucket is in {}; S3 sends notifications only within a region",
                        queue.region(),
                        facts.destination_bucket_region
                    ),
                    fix: format!("use a queue in {}", facts.destination_bucket_region),
                });
        }
        let spec = DestinationSpec {
            partition,
            destination_account: facts.account_id.clone(),
            destination_bucket: self.destination_bucket.clone(),
            destination_region: facts.destination_bucket_region.clone(),
            destination_key: key.arn.clone(),
            source_account: self.source_account_id.clone(),
            source_bucket: self.source_bucket.clone(),
            role_arn: self.replication_role_arn.clone(),
            bucket_key_enabled: self.bucket_key_enabled,
            notification_queue: self.notification_queue_arn.clone(),
            event_bridge: self.event_bridge_notifications,
        };
        finish(issues, Some(spec))
    }

    /// The stable PhysicalResourceId: it changes exactly when an Update means replacement.
    #[must_use]
    pub fn physical_resource_id(&self) -> String {
        format!(
            "s3-kms-replication:destination:{}:{}:{}",
            self.source_account_id, self.source_bucket, self.destination_bucket
        )
    }

    /// Compare the old properties of an Update with these (the new ones).
    #[must_use]
    pub fn update_kind(&self, old: &Self) -> UpdateKind {
        update_kind(&Self::PROPERTIES, self, old)
    }
}
