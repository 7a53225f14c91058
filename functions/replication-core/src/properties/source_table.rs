//! `Custom::ReplicationSource`'s property table: every accepted property, its kind, default,
//! whether changing it means replacement, and how a change shows (exported to the catalogue).

use super::{Property, SourceProperties, names};

impl SourceProperties {
    /// The property table: every accepted property, whether changing it means replacement,
    /// and how a change shows.
    pub const PROPERTIES: [Property<Self>; 22] = [
        Property {
            name: "SourceBucket",
            kind: "BucketName",
            required: true,
            default: None,
            replaces: true,
            changed: |a, b| a.source_bucket != b.source_bucket,
        },
        Property {
            name: "SourceKmsKeyArn",
            kind: "KmsKeyRef",
            required: true,
            default: None,
            replaces: false,
            changed: |a, b| a.source_kms_key != b.source_kms_key,
        },
        Property {
            name: "DestinationBucket",
            kind: "BucketName",
            required: true,
            default: None,
            replaces: true,
            changed: |a, b| a.destination_bucket != b.destination_bucket,
        },
        Property {
            name: "DestinationAccountId",
            kind: "AccountId",
            required: true,
            default: None,
            replaces: true,
            changed: |a, b| a.destination_account_id != b.destination_account_id,
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
            name: "RoleName",
            kind: "RoleName",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.effective_role_name() != b.effective_role_name(),
        },
        Property {
            name: "Rules",
            kind: "RuleList",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.rules != b.rules,
        },
        Property {
            name: "ReplicationTimeControl",
            kind: "Boolean",
            required: false,
            default: Some("false"),
            replaces: false,
            changed: |a, b| a.replication_time_control != b.replication_time_control,
        },
        Property {
            name: "ReplicationMetrics",
            kind: "Boolean",
            required: false,
            default: Some("false"),
            replaces: false,
            changed: |a, b| a.replication_metrics != b.replication_metrics,
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
            name: "OwnerOverride",
            kind: "Boolean",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.owner_override != b.owner_override,
        },
        Property {
            name: "ReplicateTags",
            kind: "Boolean",
            required: false,
            default: Some("true"),
            replaces: false,
            changed: |a, b| a.replicate_tags != b.replicate_tags,
        },
        Property {
            name: "RoleTrustConditions",
            kind: "Boolean",
            required: false,
            default: Some("false"),
            replaces: false,
            changed: |a, b| a.role_trust_conditions != b.role_trust_conditions,
        },
        Property {
            name: "DestinationAccessRoleArn",
            kind: "RoleArn",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.destination_access_role_arn != b.destination_access_role_arn,
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
            name: "Canary",
            kind: "Boolean",
            required: false,
            default: Some("false"),
            replaces: false,
            changed: |a, b| a.canary != b.canary,
        },
        Property {
            name: "RolePermissionsBoundary",
            kind: "PolicyArn",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.role_permissions_boundary != b.role_permissions_boundary,
        },
        // Not a replacement: the role keeps its name, so a new resource would find the same
        // role at its old path. An Update that asks a role of ours to move is refused instead
        // (IAM has no call that changes a role's path).
        Property {
            name: "RolePath",
            kind: "RolePath",
            required: false,
            default: Some("/"),
            replaces: false,
            changed: |a, b| a.role_path() != b.role_path(),
        },
        Property {
            name: "RoleTags",
            kind: "TagList",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.role_tags != b.role_tags,
        },
        // A Create step, as the canary is: turning it on in an Update starts the job then; the
        // job never runs again for the same resource (batch_job::existing_objects_token).
        Property {
            name: "ReplicateExistingObjects",
            kind: "Boolean",
            required: false,
            default: Some("false"),
            replaces: false,
            changed: |a, b| a.replicate_existing_objects != b.replicate_existing_objects,
        },
        Property {
            name: "BatchReplicationRoleArn",
            kind: "RoleArn",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.batch_replication_role_arn != b.batch_replication_role_arn,
        },
        Property {
            name: "BatchReplicationReportBucket",
            kind: "BucketName",
            required: false,
            default: None,
            replaces: false,
            changed: |a, b| a.batch_replication_report_bucket != b.batch_replication_report_bucket,
        },
    ];

    /// Accepted property names.
    pub const NAMES: [&'static str; 22] = names(&Self::PROPERTIES);
}
