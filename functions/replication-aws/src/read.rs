//! Read-only reads of one account's replication documents, each kept as a
//! [`Seen`](replication_core::doctor::Seen): read, or unreadable with why. Shared by the
//! `replication-doctor` CLI and the setup function's scheduled check, so that both read AWS the
//! same way.

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use replication_core::arn::KmsKeyRef;
use replication_core::doctor::{KeyDocs, RoleDocs, Seen};
use replication_core::notification;
use replication_core::plan::ReplicationConfiguration;
use serde_json::Value;

use crate::documents::{self, PolicyReadError};
use crate::{convert, regional};

/// S3, KMS and IAM clients in one account, and what to add to every reason a read fails.
#[derive(Debug, Clone)]
pub struct Reader {
    pub s3: aws_sdk_s3::Client,
    pub kms: aws_sdk_kms::Client,
    pub iam: aws_sdk_iam::Client,
    /// Said of everything these clients could not read when they are not the account's own
    /// (and then a "not found" says nothing about the document).
    pub hint: Option<String>,
}

impl Reader {
    /// The same readers, addressing `region` (S3 and KMS are regional; IAM is kept): the Rust
    /// SDK does not follow S3's redirect to a bucket's region, and a key is only found through
    /// its own region's KMS endpoint.
    #[must_use]
    pub fn in_region(&self, region: &str) -> Self {
        Self {
            s3: regional::s3(&self.s3, region),
            kms: regional::kms(&self.kms, region),
            iam: self.iam.clone(),
            hint: self.hint.clone(),
        }
    }

    /// The KMS client for a key reference: in its region when it is an ARN (key or alias).
    fn kms_for(&self, key: &str) -> aws_sdk_kms::Client {
        match KmsKeyRef::parse(key)
            .ok()
            .as_ref()
            .and_then(KmsKeyRef::region)
        {
            Some(region) => regional::kms(&self.kms, region.as_str()),
            None => self.kms.clone(),
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

/// S's replication configuration.
pub async fn replication(c: &Reader, bucket: &str) -> Seen<Option<ReplicationConfiguration>> {
    match documents::replication(&c.s3, bucket).await {
        Ok(config) => Seen::Read(config),
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetBucketReplication {bucket}"), &e)),
    }
}

/// What the doctor says of a policy it could not read.
fn unreadable_policy<E>(c: &Reader, call: &str, whose: &str, e: &PolicyReadError<E>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match e {
        PolicyReadError::Aws(e) => c.unreadable(call, e),
        PolicyReadError::NotAPolicy(e) => format!("the {whose} is not a policy: {e}"),
    }
}

/// A bucket's queue notification configurations.
pub async fn notifications(c: &Reader, bucket: &str) -> Seen<Vec<notification::Entry>> {
    match c
        .s3
        .get_bucket_notification_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(out) => Seen::Read(convert::notification_entries(&out).0),
        Err(e) => Seen::Unreadable(
            c.unreadable(&format!("GetBucketNotificationConfiguration {bucket}"), &e),
        ),
    }
}

pub async fn region(c: &Reader, bucket: &str) -> Result<String, String> {
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

pub async fn versioning(c: &Reader, bucket: &str) -> Seen<Option<String>> {
    match documents::versioning(&c.s3, bucket).await {
        Ok(status) => Seen::Read(status),
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetBucketVersioning {bucket}"), &e)),
    }
}

pub async fn bucket_policy(c: &Reader, bucket: &str) -> Seen<Option<Value>> {
    match documents::bucket_policy(&c.s3, bucket).await {
        Ok(policy) => Seen::Read(policy),
        Err(e) => Seen::Unreadable(unreadable_policy(
            c,
            &format!("GetBucketPolicy {bucket}"),
            &format!("bucket policy of {bucket}"),
            &e,
        )),
    }
}

pub async fn encryption(
    c: &Reader,
    bucket: &str,
) -> Seen<Option<replication_core::properties::DefaultEncryption>> {
    match documents::encryption(&c.s3, bucket).await {
        Ok(encryption) => Seen::Read(encryption),
        Err(e) => Seen::Unreadable(c.unreadable(&format!("GetBucketEncryption {bucket}"), &e)),
    }
}

/// Whether `bucket` has Object Lock enabled (`GetObjectLockConfiguration`; none is `false`).
pub async fn object_lock(c: &Reader, bucket: &str) -> Seen<bool> {
    match documents::object_lock(&c.s3, bucket).await {
        Ok(enabled) => Seen::Read(enabled),
        Err(e) => {
            Seen::Unreadable(c.unreadable(&format!("GetObjectLockConfiguration {bucket}"), &e))
        }
    }
}

/// S's default encryption with the key ARN of the alias it names, when it names one
/// (`DescribeKey`), so that it can be compared with KA; a key id or ARN needs no call, and an
/// alias that cannot be described stays unresolved (the doctor then says it cannot tell).
pub async fn resolve_default_alias(
    c: &Reader,
    encryption: Seen<Option<replication_core::properties::DefaultEncryption>>,
) -> Seen<Option<replication_core::properties::DefaultEncryption>> {
    let Seen::Read(Some(mut e)) = encryption else {
        return encryption;
    };
    if let Some(alias) = e.alias_to_resolve().map(|a| a.to_string())
        && let Ok(out) = c.kms_for(&alias).describe_key().key_id(&alias).send().await
    {
        e.kms_key_arn = out.key_metadata.and_then(|m| m.arn);
    }
    Seen::Read(Some(e))
}

pub async fn key(c: &Reader, key: &str) -> Seen<Option<KeyDocs>> {
    let described = match c.kms_for(key).describe_key().key_id(key).send().await {
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
    key_policy(c, arn, state).await
}

/// A key already described (its ARN and `KeyState`), with its key policy read.
pub async fn key_policy(c: &Reader, arn: String, state: String) -> Seen<Option<KeyDocs>> {
    match documents::key_policy(&c.kms_for(&arn), &arn).await {
        Ok(policy) => Seen::Read(Some(KeyDocs {
            policy: policy.unwrap_or_else(|| serde_json::json!({})),
            arn,
            state,
        })),
        Err(e) => Seen::Unreadable(unreadable_policy(
            c,
            &format!("GetKeyPolicy {arn}"),
            &format!("key policy of {arn}"),
            &e,
        )),
    }
}

fn decode(document: &str) -> Result<Value, String> {
    let text = percent_encoding::percent_decode_str(document)
        .decode_utf8()
        .map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

pub async fn role(c: &Reader, arn: &str) -> Seen<Option<RoleDocs>> {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let role = match c.iam.get_role().role_name(name).send().await {
        Ok(out) => out.role,
        Err(e) if e.code() == Some("NoSuchEntity") => return Seen::Read(None),
        Err(e) => return Seen::Unreadable(c.unreadable(&format!("GetRole {name}"), &e)),
    };
    match role {
        Some(role) => role_policies(c, &role).await,
        None => Seen::Read(None),
    }
}

/// A role already read with `GetRole`, with its inline and attached policies read.
pub async fn role_policies(c: &Reader, role: &aws_sdk_iam::types::Role) -> Seen<Option<RoleDocs>> {
    let name = role.role_name();
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
