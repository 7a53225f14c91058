//! Reads one pair's documents with the SDK into a [`Snapshot`]: read-only calls, each one's
//! failure kept as [`Seen::Unreadable`] with the reason, so that the doctor says what it could
//! not check instead of failing.
//!
//! The actions, by account (the README lists them for the read-only policy):
//! - A: `sts:GetCallerIdentity`; on S `s3:GetBucketLocation`, `s3:GetBucketVersioning`,
//!   `s3:GetReplicationConfiguration`, `s3:GetBucketPolicy`, `s3:GetEncryptionConfiguration`;
//!   on the role `iam:GetRole`, `iam:ListRolePolicies`, `iam:GetRolePolicy`,
//!   `iam:ListAttachedRolePolicies`, `iam:GetPolicy`, `iam:GetPolicyVersion`; on KA
//!   `kms:DescribeKey`, `kms:GetKeyPolicy`;
//! - B: on D `s3:GetBucketLocation`, `s3:GetBucketVersioning`, `s3:GetBucketPolicy`,
//!   `s3:GetEncryptionConfiguration`, `s3:GetBucketNotification`; on KB `kms:DescribeKey`,
//!   `kms:GetKeyPolicy`; `sts:AssumeRole` on `--destination-role-arn` (in A).

use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use replication_aws::convert;
use replication_core::doctor::{KeyDocs, RoleDocs, Seen, Snapshot};
use serde_json::Value;

use crate::args::Options;

/// S3, KMS and IAM clients in one account.
#[derive(Debug, Clone)]
pub struct Clients {
    s3: aws_sdk_s3::Client,
    kms: aws_sdk_kms::Client,
    iam: aws_sdk_iam::Client,
    /// Said of everything these clients could not read when they are not the account's own.
    hint: Option<String>,
}

impl Clients {
    fn new(config: &SdkConfig, hint: Option<String>) -> Self {
        // Path-style S3 for local emulators, as the functions do.
        let path_style = std::env::var("S3_FORCE_PATH_STYLE").is_ok_and(|v| v == "true");
        Self {
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config)
                    .force_path_style(path_style)
                    .build(),
            ),
            kms: aws_sdk_kms::Client::new(config),
            iam: aws_sdk_iam::Client::new(config),
            hint,
        }
    }

    fn unreadable<E>(&self, what: &str, e: &aws_sdk_s3::error::SdkError<E>) -> String
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let reason = match (e.code(), e.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => DisplayErrorContext(e).to_string(),
        };
        match &self.hint {
            Some(hint) => format!("{what}: {reason} ({hint})"),
            None => format!("{what}: {reason}"),
        }
    }
}

async fn load(profile: Option<&str>) -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    match profile {
        Some(p) => loader.profile_name(p).load().await,
        None => loader.load().await,
    }
}

/// The clients of both accounts: A's from `--source-profile` (or the default chain), B's from
/// `--destination-profile`, from `--destination-role-arn` assumed with A's, or else A's own
/// (cross-account reads then usually fail, and are reported as unknown with that hint).
///
/// # Errors
/// When the destination role cannot be assumed or A cannot be identified.
pub async fn connect(o: &Options) -> anyhow::Result<(Clients, Clients, String)> {
    let a_config = load(o.source_profile.as_deref()).await;
    let who = aws_sdk_sts::Client::new(&a_config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot identify account A: {}", DisplayErrorContext(&e)))?;
    let a_account = who.account.unwrap_or_default();
    let a = Clients::new(&a_config, None);
    let b = if let Some(profile) = &o.destination_profile {
        Clients::new(&load(Some(profile)).await, None)
    } else if let Some(role) = &o.destination_role_arn {
        let assumed = aws_sdk_sts::Client::new(&a_config)
            .assume_role()
            .role_arn(role)
            .role_session_name("replication-doctor")
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot assume {role}: {}", DisplayErrorContext(&e)))?;
        let c = assumed
            .credentials
            .ok_or_else(|| anyhow::anyhow!("AssumeRole returned no credentials"))?;
        let credentials = Credentials::new(
            c.access_key_id,
            c.secret_access_key,
            Some(c.session_token),
            None,
            "replication-doctor",
        );
        let config = a_config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        Clients::new(&config, None)
    } else {
        let hint = "read with account A's credentials; give --destination-profile or --destination-role-arn to check account B";
        Clients::new(&a_config, Some(hint.to_owned()))
    };
    Ok((a, b, a_account))
}

async fn region(c: &Clients, bucket: &str) -> Result<String, String> {
    let out =
        c.s3.get_bucket_location()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| c.unreadable(&format!("GetBucketLocation {bucket}"), &e))?;
    let name = out
        .location_constraint
        .map(|l| l.as_str().to_owned())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "us-east-1".to_owned());
    Ok(if name == "EU" {
        "eu-west-1".to_owned()
    } else {
        name
    })
}

async fn versioning(c: &Clients, bucket: &str) -> Seen<Option<String>> {
    match c.s3.get_bucket_versioning().bucket(bucket).send().await {
        Ok(out) => Seen::Read(out.status.map(|s| s.as_str().to_owned())),
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetBucketVersioning {bucket}"), &e)),
    }
}

async fn bucket_policy(c: &Clients, bucket: &str) -> Seen<Option<Value>> {
    match c.s3.get_bucket_policy().bucket(bucket).send().await {
        Ok(out) => match serde_json::from_str(out.policy().unwrap_or("null")) {
            Ok(Value::Null) => Seen::Read(None),
            Ok(v) => Seen::Read(Some(v)),
            Err(e) => Seen::Unreadable(format!("the bucket policy of {bucket} is not JSON: {e}")),
        },
        Err(e) if e.code() == Some("NoSuchBucketPolicy") => Seen::Read(None),
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetBucketPolicy {bucket}"), &e)),
    }
}

async fn encryption(
    c: &Clients,
    bucket: &str,
) -> Seen<Option<replication_core::properties::DefaultEncryption>> {
    match c.s3.get_bucket_encryption().bucket(bucket).send().await {
        Ok(out) => Seen::Read(convert::default_encryption(
            out.server_side_encryption_configuration.as_ref(),
        )),
        Err(e) if e.code() == Some("ServerSideEncryptionConfigurationNotFoundError") => {
            Seen::Read(None)
        }
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetBucketEncryption {bucket}"), &e)),
    }
}

async fn key(c: &Clients, key: &str) -> Seen<Option<KeyDocs>> {
    let described = match c.kms.describe_key().key_id(key).send().await {
        Ok(out) => out.key_metadata,
        // With another account's credentials, "not found" says nothing about the key.
        Err(e) if e.code() == Some("NotFoundException") && c.hint.is_none() => {
            return Seen::Read(None);
        }
        Err(e) => return Seen::Unreadable(c.unreadable(&format!("DescribeKey {key}"), &e)),
    };
    let Some(meta) = described else {
        return Seen::Unreadable(format!("DescribeKey {key}: no metadata"));
    };
    let arn = meta.arn.clone().unwrap_or_else(|| key.to_owned());
    let state = meta
        .key_state
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    match c
        .kms
        .get_key_policy()
        .key_id(&arn)
        .policy_name("default")
        .send()
        .await
    {
        Ok(out) => match serde_json::from_str(out.policy().unwrap_or("{}")) {
            Ok(policy) => Seen::Read(Some(KeyDocs { arn, state, policy })),
            Err(e) => Seen::Unreadable(format!("the key policy of {arn} is not JSON: {e}")),
        },
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetKeyPolicy {arn}"), &e)),
    }
}

fn decode(document: &str) -> Result<Value, String> {
    let text = percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

async fn role(c: &Clients, arn: &str) -> Seen<Option<RoleDocs>> {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let role = match c.iam.get_role().role_name(name).send().await {
        Ok(out) => out.role,
        Err(e) if e.code() == Some("NoSuchEntity") => return Seen::Read(None),
        Err(e) => return Seen::Unreadable(c.unreadable(&format!("GetRole {name}"), &e)),
    };
    let Some(role) = role else {
        return Seen::Read(None);
    };
    let trust = match role.assume_role_policy_document().map(decode) {
        Some(Ok(t)) => t,
        _ => Value::Null,
    };
    let mut policies = Vec::new();
    let names = match c.iam.list_role_policies().role_name(name).send().await {
        Ok(out) => out.policy_names,
        Err(e) => return Seen::Unreadable(c.unreadable(&format!("ListRolePolicies {name}"), &e)),
    };
    for policy in names {
        match c
            .iam
            .get_role_policy()
            .role_name(name)
            .policy_name(&policy)
            .send()
            .await
        {
            Ok(out) => match decode(&out.policy_document) {
                Ok(doc) => policies.push((policy, doc)),
                Err(e) => return Seen::Unreadable(format!("inline policy {policy}: {e}")),
            },
            Err(e) => {
                return Seen::Unreadable(c.unreadable(&format!("GetRolePolicy {policy}"), &e));
            }
        }
    }
    let attached = match c
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await
    {
        Ok(out) => out.attached_policies.unwrap_or_default(),
        Err(e) => {
            return Seen::Unreadable(c.unreadable(&format!("ListAttachedRolePolicies {name}"), &e));
        }
    };
    for policy in attached {
        let Some(policy_arn) = policy.policy_arn() else {
            continue;
        };
        let version = match c.iam.get_policy().policy_arn(policy_arn).send().await {
            Ok(out) => out.policy.and_then(|p| p.default_version_id),
            Err(e) => {
                return Seen::Unreadable(c.unreadable(&format!("GetPolicy {policy_arn}"), &e));
            }
        };
        let Some(version) = version else { continue };
        match c
            .iam
            .get_policy_version()
            .policy_arn(policy_arn)
            .version_id(version)
            .send()
            .await
        {
            Ok(out) => {
                let doc = out
                    .policy_version
                    .and_then(|v| v.document)
                    .map(|d| decode(&d));
                if let Some(Ok(doc)) = doc {
                    policies.push((policy_arn.to_owned(), doc));
                }
            }
            Err(e) => {
                return Seen::Unreadable(
                    c.unreadable(&format!("GetPolicyVersion {policy_arn}"), &e),
                );
            }
        }
    }
    Seen::Read(Some(RoleDocs {
        arn: role.arn().to_owned(),
        trust,
        policies,
    }))
}

/// Read everything the doctor needs about the pair in `o`.
pub async fn snapshot(o: &Options, a: &Clients, b: &Clients, a_account: &str) -> Snapshot {
    let s = &o.source_bucket;
    let d = &o.destination_bucket;
    let source_region = region(a, s).await;
    let destination_region = region(b, d).await;
    let replication = match a.s3.get_bucket_replication().bucket(s).send().await {
        Ok(out) => Seen::Read(
            out.replication_configuration
                .as_ref()
                .map(convert::from_sdk),
        ),
        Err(e) if e.code() == Some("ReplicationConfigurationNotFoundError") => Seen::Read(None),
        Err(e) => Seen::Unreadable(a.unreadable(&format!("GetBucketReplication {s}"), &e)),
    };
    let config = match &replication {
        Seen::Read(Some(c)) => Some(c.clone()),
        _ => None,
    };
    let rule = config.as_ref().and_then(|c| {
        c.rules.iter().find(|r| {
            replication_core::plan::replicates_to(r, d)
                && o.rule_id
                    .as_ref()
                    .is_none_or(|id| r.id.as_ref() == Some(id))
        })
    });
    let role = match &config {
        Some(c) => role(a, &c.role).await,
        None => Seen::Unreadable("no replication configuration names a role".into()),
    };
    let source_encryption = encryption(a, s).await;
    let source_key_ref = o
        .source_kms_key
        .clone()
        .or_else(|| match &source_encryption {
            Seen::Read(Some(e)) => e.kms_key_id.clone(),
            _ => None,
        });
    let source_key = match &source_key_ref {
        Some(k) => key(a, k).await,
        None => {
            Seen::Unreadable("KA is not S's default encryption key; give --source-kms-key".into())
        }
    };
    let replica_key = rule
        .and_then(|r| r.destination.encryption_configuration.as_ref())
        .and_then(|e| e.replica_kms_key_id.clone());
    let destination_key_ref = o.destination_kms_key.clone().or(replica_key);
    let destination_key = match &destination_key_ref {
        Some(k) => key(b, k).await,
        None => {
            Seen::Unreadable("the rule names no replica key; give --destination-kms-key".into())
        }
    };
    let destination_account = o
        .destination_kms_key
        .as_deref()
        .and_then(|k| k.split(':').nth(4))
        .map(str::to_owned)
        .or_else(|| rule.and_then(|r| r.destination.account.clone()));
    let notifications = match &o.queue_arn {
        None => Seen::Read(Vec::new()),
        Some(_) => match b
            .s3
            .get_bucket_notification_configuration()
            .bucket(d)
            .send()
            .await
        {
            Ok(out) => Seen::Read(convert::notification_entries(&out).0),
            Err(e) => Seen::Unreadable(
                b.unreadable(&format!("GetBucketNotificationConfiguration {d}"), &e),
            ),
        },
    };
    let partition = match &source_key {
        Seen::Read(Some(k)) => k.arn.split(':').nth(1).unwrap_or("aws").to_owned(),
        _ => "aws".to_owned(),
    };
    Snapshot {
        partition,
        source_account: a_account.to_owned(),
        source_bucket: s.clone(),
        source_region: source_region.clone().unwrap_or_default(),
        destination_bucket: d.clone(),
        destination_region: destination_region.clone().unwrap_or_else(|_| {
            destination_key_ref
                .as_deref()
                .and_then(|k| k.split(':').nth(3))
                .unwrap_or_default()
                .to_owned()
        }),
        destination_account,
        rule_id: o.rule_id.clone(),
        expected_destination_key: o.destination_kms_key.clone(),
        expected_queue: o.queue_arn.clone(),
        source_versioning: match &source_region {
            Err(why) => Seen::Unreadable(why.clone()),
            Ok(_) => versioning(a, s).await,
        },
        destination_versioning: match &destination_region {
            Err(why) => Seen::Unreadable(why.clone()),
            Ok(_) => versioning(b, d).await,
        },
        replication,
        role,
        role_arn: None,
        source_bucket_policy: bucket_policy(a, s).await,
        destination_bucket_policy: bucket_policy(b, d).await,
        source_key,
        destination_key,
        source_encryption,
        destination_encryption: encryption(b, d).await,
        notifications,
    }
}
