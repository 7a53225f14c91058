//! The project's contracts as data, for the other languages: the custom resources' properties,
//! the verifier's settings, the verdicts and their metrics, every metric with its dimensions,
//! and the IAM actions each function's role needs for the calls it makes.
//!
//! Rust is the source. [`catalogue`] renders it as JSON; the checked-in copy is
//! `infra/catalogue.json`, which the unit test `the_checked_in_catalogue_is_current`
//! regenerates and compares (`make catalogue` rewrites it). The infrastructure tests read that
//! file and prove that the templates and constructs have what it lists:
//! - every property can be set from a template parameter (and so from a construct prop);
//! - every [`MetricRole::Finding`] metric has an alarm and a dashboard widget, and every
//!   [`MetricRole::Signal`] metric a widget;
//! - every function's role allows exactly the actions listed for it here, no more;
//! - every verdict's metric is a finding or a signal.
//!
//! The setup function's scripted tests hold the other end: every AWS call they see the steps
//! make is listed under [`Grant::calls`] for that side.

use serde_json::{Value, json};

use crate::metric_names as m;
use crate::properties::{DestinationProperties, Property, SourceProperties};
use crate::verdict::VerdictKind;
use crate::verifier_config::SETTINGS;

/// What a metric is for, which decides what the infrastructure must have for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricRole {
    /// Something is wrong when it counts (or, for liveness, when it stops): an alarm and a
    /// dashboard widget.
    Finding,
    /// Shows how things go: a dashboard widget.
    Signal,
    /// Published for who wants it; no alarm or widget is required.
    Detail,
}

impl MetricRole {
    const fn name(self) -> &'static str {
        match self {
            MetricRole::Finding => "finding",
            MetricRole::Signal => "signal",
            MetricRole::Detail => "detail",
        }
    }
}

/// One metric the functions publish (namespace `METRICS_NAMESPACE`, default
/// `S3KmsReplication`).
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// Its name, from [`crate::metric_names`].
    pub name: &'static str,
    /// CloudWatch unit.
    pub unit: &'static str,
    /// The dimension sets it is published under.
    pub dimensions: &'static [&'static [&'static str]],
    /// `replica-verifier` or `replication-setup`.
    pub publisher: &'static str,
    /// What the infrastructure must have for it.
    pub role: MetricRole,
}

const DEST: &[&[&str]] = &[&["DestinationBucket"]];
const SETUP: &[&[&str]] = &[&["Side", "SourceBucket", "DestinationBucket"]];
const VERIFIER: &str = "replica-verifier";
const SETUP_FN: &str = "replication-setup";

const fn verifier(name: &'static str, role: MetricRole) -> MetricInfo {
    MetricInfo {
        name,
        unit: "Count",
        dimensions: DEST,
        publisher: VERIFIER,
        role,
    }
}

/// Every metric the functions publish.
pub const METRICS: [MetricInfo; 18] = [
    verifier(m::REPLICAS_VERIFIED, MetricRole::Signal),
    verifier(m::REPLICA_WRONG_KEY, MetricRole::Finding),
    verifier(m::REPLICA_NOT_KMS_ENCRYPTED, MetricRole::Finding),
    verifier(m::REPLICA_NOT_REPLICA, MetricRole::Finding),
    verifier(m::REPLICA_BUCKET_KEY_MISMATCH, MetricRole::Finding),
    verifier(m::REPLICA_MISSING, MetricRole::Finding),
    verifier(m::REPLICA_CHECK_REJECTED, MetricRole::Finding),
    verifier(m::VERIFICATION_ERRORS, MetricRole::Finding),
    MetricInfo {
        name: m::REPLICA_VERIFICATION_DELAY,
        unit: "Milliseconds",
        dimensions: DEST,
        publisher: VERIFIER,
        role: MetricRole::Signal,
    },
    verifier(m::REPLICA_DELETES_SEEN, MetricRole::Detail),
    MetricInfo {
        name: m::REPLICATION_FAILED,
        unit: "Count",
        dimensions: &[
            &["DestinationBucket"],
            &["SourceBucket"],
            &["SourceBucket", "RuleId", "FailureReason"],
        ],
        publisher: VERIFIER,
        role: MetricRole::Finding,
    },
    // RTC's OperationMissedThreshold events: S3 sends them only with RTC on.
    MetricInfo {
        name: m::REPLICATION_MISSED_THRESHOLD,
        unit: "Count",
        dimensions: &[
            &["DestinationBucket"],
            &["SourceBucket"],
            &["SourceBucket", "RuleId"],
        ],
        publisher: VERIFIER,
        role: MetricRole::Finding,
    },
    MetricInfo {
        name: m::REPLICATION_EVENTS,
        unit: "Count",
        dimensions: &[&["DestinationBucket"], &["SourceBucket"]],
        publisher: VERIFIER,
        role: MetricRole::Detail,
    },
    MetricInfo {
        name: m::EVENTS_SKIPPED,
        unit: "Count",
        dimensions: &[&["Reason"]],
        publisher: VERIFIER,
        role: MetricRole::Detail,
    },
    // Liveness: the alarm fires when it stops (missing data is breaching).
    MetricInfo {
        name: m::CANARY_REPLICA_VERIFIED,
        unit: "Count",
        dimensions: &[
            &["DestinationBucket"],
            &["DestinationBucket", "SourceBucket"],
        ],
        publisher: VERIFIER,
        role: MetricRole::Finding,
    },
    MetricInfo {
        name: m::REPLICATION_SETUP_FINDINGS,
        unit: "Count",
        dimensions: SETUP,
        publisher: SETUP_FN,
        role: MetricRole::Finding,
    },
    MetricInfo {
        name: m::REPLICATION_SETUP_UNCHECKED,
        unit: "Count",
        dimensions: SETUP,
        publisher: SETUP_FN,
        role: MetricRole::Finding,
    },
    // Lambda's own, on the setup function: the scheduled check could not run.
    MetricInfo {
        name: "Errors",
        unit: "Count",
        dimensions: &[&["FunctionName"]],
        publisher: "AWS/Lambda",
        role: MetricRole::Detail,
    },
];

/// One IAM action a function's role is granted, and why.
#[derive(Debug, Clone, Copy)]
pub struct Grant {
    /// The IAM action.
    pub action: &'static str,
    /// The API calls that need it (SDK operation names). Empty: needed by the platform for
    /// the function (Lambda's logs, traces and event source mapping), or by a call another
    /// service makes with the function's authority (`iam:PassRole`, `kms:GenerateDataKey`).
    pub calls: &'static [&'static str],
    /// When it is granted: always when empty, else when all the template switches of any
    /// one alternative are on (`[["Canary"], ["ScheduledCheck", "Liveness"]]`: with the canary,
    /// or with the liveness check, which needs the scheduled check). A switch is on when a
    /// boolean parameter is `true`, `Tracing` is `Active`, `MetricsSink` is not `emf`,
    /// `PolicyWrites` is `Apply`, or `DestinationAccessRoleArn`, `RolePermissionsBoundary` or
    /// `BatchReplicationReportBucket` is given.
    pub when: &'static [&'static [&'static str]],
}

const fn g(action: &'static str, calls: &'static [&'static str]) -> Grant {
    Grant {
        action,
        calls,
        when: &[],
    }
}

const fn when(
    action: &'static str,
    calls: &'static [&'static str],
    when: &'static [&'static [&'static str]],
) -> Grant {
    Grant {
        action,
        calls,
        when,
    }
}

type Switches = &'static [&'static [&'static str]];
const TRACING: Switches = &[&["Tracing"]];
const CANARY: Switches = &[&["Canary"], &["ScheduledCheck", "Liveness"]];
const LIVENESS: Switches = &[&["ScheduledCheck", "Liveness"]];
const CHECK: Switches = &[&["ScheduledCheck"]];
/// `PolicyWrites: Apply`: with `Report` the function writes no key or bucket policy, and its
/// role may not either.
const POLICY_WRITES: Switches = &[&["PolicyWrites"]];
const EXISTING_OBJECTS: Switches = &[&["ReplicateExistingObjects", "BatchReplicationReportBucket"]];

const LOGS: [Grant; 2] = [g("logs:CreateLogStream", &[]), g("logs:PutLogEvents", &[])];
const XRAY: [Grant; 2] = [
    when("xray:PutTraceSegments", &[], TRACING),
    when("xray:PutTelemetryRecords", &[], TRACING),
];

/// The setup function's role in the source stack (`SetupRole` of `source-account.yaml`).
pub const SETUP_SOURCE_GRANTS: &[Grant] = &[
    LOGS[0],
    LOGS[1],
    g("s3:GetBucketLocation", &["GetBucketLocation"]),
    g("s3:GetBucketVersioning", &["GetBucketVersioning"]),
    g("s3:PutBucketVersioning", &["PutBucketVersioning"]),
    g("s3:GetEncryptionConfiguration", &["GetBucketEncryption"]),
    // Whether S has Object Lock: the replication role then reads retention and legal holds.
    g(
        "s3:GetBucketObjectLockConfiguration",
        &["GetObjectLockConfiguration"],
    ),
    g("s3:GetReplicationConfiguration", &["GetBucketReplication"]),
    g(
        "s3:PutReplicationConfiguration",
        &["PutBucketReplication", "DeleteBucketReplication"],
    ),
    // S's s3:Replication:* events to the verifier's queue (ReplicationEventsQueueArn); not
    // behind the parameter: an Update that stops naming the queue takes the pair out.
    g(
        "s3:GetBucketNotification",
        &["GetBucketNotificationConfiguration"],
    ),
    g(
        "s3:PutBucketNotification",
        &["PutBucketNotificationConfiguration"],
    ),
    when("s3:PutObject", &["PutObject"], CANARY),
    when("s3:PutObjectTagging", &[], CANARY),
    when("s3:GetObject", &["HeadObject"], CANARY),
    when("s3:GetObjectVersion", &["HeadObject"], CANARY),
    when("s3:DeleteObjectVersion", &["DeleteObject"], CANARY),
    when("s3:ListBucketVersions", &["ListObjectVersions"], LIVENESS),
    when("kms:GenerateDataKey", &[], CANARY),
    g("kms:DescribeKey", &["DescribeKey"]),
    g("kms:GetKeyPolicy", &["GetKeyPolicy"]),
    when("kms:PutKeyPolicy", &["PutKeyPolicy"], POLICY_WRITES),
    g("iam:GetRole", &["GetRole"]),
    g("iam:CreateRole", &["CreateRole"]),
    g("iam:TagRole", &["TagRole"]),
    // RoleTags an Update no longer names leave a role we created (never the management tag).
    g("iam:UntagRole", &["UntagRole"]),
    // Only the boundary the stack names (the template's iam:PermissionsBoundary condition).
    when(
        "iam:PutRolePermissionsBoundary",
        &["PutRolePermissionsBoundary"],
        &[&["RolePermissionsBoundary"]],
    ),
    // Needed after the stack stops naming one: the boundary it set leaves the role.
    g(
        "iam:DeleteRolePermissionsBoundary",
        &["DeleteRolePermissionsBoundary"],
    ),
    g("iam:UpdateAssumeRolePolicy", &["UpdateAssumeRolePolicy"]),
    g("iam:GetRolePolicy", &["GetRolePolicy"]),
    g("iam:ListRolePolicies", &["ListRolePolicies"]),
    g("iam:PutRolePolicy", &["PutRolePolicy"]),
    g("iam:DeleteRolePolicy", &["DeleteRolePolicy"]),
    g("iam:DeleteRole", &["DeleteRole"]),
    g("iam:PassRole", &[]),
    // ReplicateExistingObjects: the Batch Replication job, found again or started.
    when("s3:CreateJob", &["CreateJob"], EXISTING_OBJECTS),
    when("s3:ListJobs", &["ListJobs"], EXISTING_OBJECTS),
    when("s3:GetBucketPolicy", &["GetBucketPolicy"], CHECK),
    when(
        "iam:ListAttachedRolePolicies",
        &["ListAttachedRolePolicies"],
        CHECK,
    ),
    when("iam:GetPolicy", &["GetPolicy"], CHECK),
    when("iam:GetPolicyVersion", &["GetPolicyVersion"], CHECK),
    when(
        "sts:AssumeRole",
        &["AssumeRole"],
        &[&["DestinationAccessRoleArn"]],
    ),
    XRAY[0],
    XRAY[1],
];

/// The setup function's role in the destination stack (`SetupRole` of
/// `destination-account.yaml`).
pub const SETUP_DESTINATION_GRANTS: &[Grant] = &[
    LOGS[0],
    LOGS[1],
    g("s3:GetBucketLocation", &["GetBucketLocation"]),
    g("s3:GetBucketVersioning", &["GetBucketVersioning"]),
    g("s3:PutBucketVersioning", &["PutBucketVersioning"]),
    g("s3:GetEncryptionConfiguration", &["GetBucketEncryption"]),
    g("s3:GetBucketPolicy", &["GetBucketPolicy"]),
    when("s3:PutBucketPolicy", &["PutBucketPolicy"], POLICY_WRITES),
    when(
        "s3:DeleteBucketPolicy",
        &["DeleteBucketPolicy"],
        POLICY_WRITES,
    ),
    g(
        "s3:GetBucketNotification",
        &["GetBucketNotificationConfiguration"],
    ),
    g(
        "s3:PutBucketNotification",
        &["PutBucketNotificationConfiguration"],
    ),
    g("kms:DescribeKey", &["DescribeKey"]),
    g("kms:GetKeyPolicy", &["GetKeyPolicy"]),
    when("kms:PutKeyPolicy", &["PutKeyPolicy"], POLICY_WRITES),
    when("s3:ListBucketVersions", &["ListObjectVersions"], LIVENESS),
    when("s3:DeleteObjectVersion", &["DeleteObject"], LIVENESS),
    XRAY[0],
    XRAY[1],
];

/// The verifier's role (`VerifierRole` of `destination-account.yaml`).
pub const VERIFIER_GRANTS: &[Grant] = &[
    LOGS[0],
    LOGS[1],
    g("s3:GetObject", &["HeadObject", "GetObject"]),
    g("s3:GetObjectVersion", &["HeadObject", "GetObject"]),
    // No call: HeadObject of a missing key answers 404 (Missing) with it, 403 without.
    g("s3:ListBucket", &[]),
    g("kms:DescribeKey", &["DescribeKey"]),
    // Lambda's event source mapping, with the function's role.
    g("sqs:ReceiveMessage", &[]),
    g("sqs:DeleteMessage", &[]),
    g("sqs:GetQueueAttributes", &[]),
    g("sqs:ChangeMessageVisibility", &[]),
    when(
        "cloudwatch:PutMetricData",
        &["PutMetricData"],
        &[&["MetricsSink"]],
    ),
    XRAY[0],
    XRAY[1],
];

/// The grants of a function's role, by the role's name in the catalogue
/// (`setup-source`, `setup-destination`, `verifier`).
#[must_use]
pub fn grants(role: &str) -> &'static [Grant] {
    match role {
        "setup-source" => SETUP_SOURCE_GRANTS,
        "setup-destination" => SETUP_DESTINATION_GRANTS,
        "verifier" => VERIFIER_GRANTS,
        _ => &[],
    }
}

/// The function roles: catalogue name, template, logical id.
pub const ROLES: [(&str, &str, &str); 3] = [
    ("setup-source", "source-account.yaml", "SetupRole"),
    ("setup-destination", "destination-account.yaml", "SetupRole"),
    ("verifier", "destination-account.yaml", "VerifierRole"),
];

fn properties<T>(table: &[Property<T>]) -> Value {
    table
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "type": p.kind,
                "required": p.required,
                "default": p.default,
                "replacesOnChange": p.replaces,
            })
        })
        .collect()
}

/// The catalogue as JSON (what `infra/catalogue.json` holds).
#[must_use]
pub fn catalogue() -> Value {
    let metrics: Vec<Value> = METRICS
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "unit": m.unit,
                "dimensions": m.dimensions,
                "publisher": m.publisher,
                "role": m.role.name(),
            })
        })
        .collect();
    let verdicts: Vec<Value> = VerdictKind::ALL
        .iter()
        .map(|k| json!({"name": k.name(), "metric": k.metric()}))
        .collect();
    let roles: serde_json::Map<String, Value> = ROLES
        .iter()
        .map(|(name, template, logical_id)| {
            let grants: Vec<Value> = grants(name)
                .iter()
                .map(|g| json!({"action": g.action, "calls": g.calls, "when": g.when}))
                .collect();
            (
                (*name).to_owned(),
                json!({"template": template, "logicalId": logical_id, "grants": grants}),
            )
        })
        .collect();
    let settings: Vec<Value> = SETTINGS
        .iter()
        .map(|s| {
            json!({"name": s.name, "type": s.kind, "required": s.required, "default": s.default})
        })
        .collect();
    json!({
        "about": "Generated from the Rust sources (replication_core::catalogue); do not edit: run `make catalogue`.",
        "resources": {
            "Custom::ReplicationSource": {
                "template": "source-account.yaml",
                "properties": properties(&SourceProperties::PROPERTIES),
            },
            "Custom::ReplicationDestination": {
                "template": "destination-account.yaml",
                "properties": properties(&DestinationProperties::PROPERTIES),
            },
        },
        "verifierSettings": settings,
        "verdicts": verdicts,
        "metrics": metrics,
        "roles": roles,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/catalogue.json");

    /// The checked-in catalogue is what the sources say; `UPDATE_CATALOGUE=1` rewrites it.
    #[test]
    fn the_checked_in_catalogue_is_current() {
        let rendered = serde_json::to_string_pretty(&catalogue()).unwrap() + "\n";
        if std::env::var_os("UPDATE_CATALOGUE").is_some() {
            std::fs::write(PATH, &rendered).unwrap();
        }
        let checked_in = std::fs::read_to_string(PATH).unwrap_or_default();
        assert!(
            checked_in == rendered,
            "infra/catalogue.json is not what the sources say: run `make catalogue` and commit it"
        );
    }

    #[test]
    fn every_verdict_metric_and_published_name_is_in_the_metrics() {
        let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
        for kind in VerdictKind::ALL {
            let metric = METRICS.iter().find(|m| m.name == kind.metric());
            let metric = metric.unwrap_or_else(|| panic!("{}: not in METRICS", kind.metric()));
            let expected = if kind == VerdictKind::Verified {
                MetricRole::Signal
            } else {
                MetricRole::Finding
            };
            assert_eq!(metric.role, expected, "{}", metric.name);
        }
        for name in m::ALL {
            assert!(
                names.contains(&name),
                "{name} is published (metric_names) but has no row in catalogue::METRICS: add one, with its role"
            );
        }
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a metric listed twice");
    }

    #[test]
    fn every_role_grants_each_action_once_and_no_wildcard() {
        for (role, _, _) in ROLES {
            let grants = grants(role);
            let mut actions: Vec<&str> = grants.iter().map(|g| g.action).collect();
            assert!(
                actions.iter().all(|a| !a.contains('*')),
                "{role}: {actions:?}"
            );
            actions.sort_unstable();
            let n = actions.len();
            actions.dedup();
            assert_eq!(actions.len(), n, "{role}: an action listed twice");
        }
    }
}
