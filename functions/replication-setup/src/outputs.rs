//! What each custom resource returns in `Data`: the names a template reads with `Fn::GetAtt`,
//! as typed fields. CloudFormation's `Data` values are strings, so booleans are written as
//! `true`/`false` ([`to_data`]).

use std::collections::BTreeMap;

use replication_core::properties::{DefaultEncryption, DestinationSpec, SourceSpec};
use replication_core::source_encryption::Warning;
use serde::Serialize;
use serde_json::Value;

/// `Custom::ReplicationDestination`'s `Data`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DestinationData {
    pub destination_bucket_arn: String,
    pub destination_kms_key_arn: String,
    pub replication_role_arn: String,
    pub sid_prefix: String,
    pub destination_versioning_was_enabled: bool,
    #[serde(flatten)]
    pub destination_encryption: Encryption<Destination>,
}

impl DestinationData {
    pub(crate) fn new(
        spec: &DestinationSpec,
        versioning_was_enabled: bool,
        encryption: Option<&DefaultEncryption>,
    ) -> Self {
        Self {
            destination_bucket_arn: spec.destination_bucket.arn(&spec.partition),
            destination_kms_key_arn: spec.destination_key.to_string(),
            replication_role_arn: spec.role_arn.to_string(),
            sid_prefix: spec.sid_scope().to_string(),
            destination_versioning_was_enabled: versioning_was_enabled,
            destination_encryption: Encryption::new(encryption),
        }
    }
}

/// `Custom::ReplicationSource`'s `Data`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SourceData {
    pub role_arn: String,
    pub role_name: String,
    pub role_created_by_this_resource: bool,
    /// Comma-separated.
    pub rule_ids: String,
    pub source_bucket_arn: String,
    pub destination_bucket_arn: String,
    pub source_kms_key_arn: String,
    pub destination_kms_key_arn: String,
    pub source_versioning_was_enabled: bool,
    pub sid_prefix: String,
    pub role_policy_name: String,
    #[serde(flatten)]
    pub source_encryption: Encryption<Source>,
    /// What S's default encryption means for the objects written without encryption headers
    /// ([`replication_core::source_encryption`]), or `""` when they are SSE-KMS under KA.
    /// Always present, so that `Fn::GetAtt` can read it; the problems only, cut at
    /// [`MAX_WARNING`] bytes (the fixes are in the log line and the doctor's output).
    pub source_encryption_warning: String,
    /// Single-stack mode only.
    #[serde(flatten)]
    pub destination_encryption: Option<Encryption<Destination>>,
    /// With `Canary`.
    #[serde(flatten)]
    pub canary: Option<CanaryData>,
    /// With `ReplicateExistingObjects`.
    #[serde(flatten)]
    pub existing_objects: Option<ExistingObjectsData>,
    /// `RolePermissionsBoundary`, `RolePath` or `RoleTags` given for a role this project did
    /// not create: which, and that the role was left as its owner set it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_settings_not_applied: Option<String>,
}

impl SourceData {
    /// The fields every source answer has; the canary and single-stack fields are set by the
    /// caller when they apply.
    pub(crate) fn new(
        spec: &SourceSpec,
        (role_arn, role_created): (String, bool),
        versioning_was_enabled: bool,
        encryption: Option<&DefaultEncryption>,
    ) -> Self {
        Self {
            role_arn,
            role_name: spec.role_arn.name().to_owned(),
            role_created_by_this_resource: role_created,
            rule_ids: spec.rule_ids().join(","),
            source_bucket_arn: spec.source_bucket.arn(&spec.partition),
            destination_bucket_arn: spec.destination_bucket.arn(&spec.partition),
            source_kms_key_arn: spec.source_key.to_string(),
            destination_kms_key_arn: spec.destination_key.to_string(),
            source_versioning_was_enabled: versioning_was_enabled,
            sid_prefix: spec.sid_scope().to_string(),
            role_policy_name: replication_core::plan::role_policy_name(&spec.sid_scope()),
            source_encryption: Encryption::new(encryption),
            source_encryption_warning: String::new(),
            destination_encryption: None,
            canary: None,
            existing_objects: None,
            role_settings_not_applied: None,
        }
    }
}

/// The most `SourceEncryptionWarning` takes of the 4096-byte answer to CloudFormation.
pub(crate) const MAX_WARNING: usize = 1000;

/// `SourceEncryptionWarning`: the warnings' problems, joined by ` | `, within [`MAX_WARNING`]
/// bytes.
pub(crate) fn warning_text(warnings: &[Warning]) -> String {
    let text = warnings
        .iter()
        .map(|w| w.problem.as_str())
        .collect::<Vec<_>>()
        .join(" | ");
    if text.len() <= MAX_WARNING {
        return text;
    }
    let mut end = MAX_WARNING - " …".len();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} …", &text[..end])
}

/// The canary's outcome.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CanaryData {
    /// `COMPLETED` or `PENDING` (a FAILED canary fails the request).
    pub canary_status: String,
    pub canary_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub canary_note: Option<String>,
}

/// The Batch Replication job of `ReplicateExistingObjects`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ExistingObjectsData {
    /// The job's id: the one this request started, or the one an earlier request of the same
    /// resource started; empty when that one is no longer listed.
    pub existing_objects_job_id: String,
    /// Where its completion report will be: `s3://<bucket>/<prefix>/job-<id>/`.
    pub existing_objects_report: String,
}

/// Which side's names an [`Encryption`] takes.
pub(crate) trait Side {
    /// The prefix of its three names.
    const PREFIX: &'static str;
}

/// `Destination…`.
#[derive(Debug)]
pub(crate) struct Destination;
impl Side for Destination {
    const PREFIX: &'static str = "Destination";
}

/// `Source…`.
#[derive(Debug)]
pub(crate) struct Source;
impl Side for Source {
    const PREFIX: &'static str = "Source";
}

/// A bucket's default encryption: `<Side>DefaultEncryption` (`aws:kms`, `AES256`, …, or
/// `none`), `<Side>DefaultKmsKeyId` (empty without one) and `<Side>BucketKeyEnabled`.
#[derive(Debug)]
pub(crate) struct Encryption<S> {
    algorithm: String,
    kms_key_id: String,
    bucket_key_enabled: bool,
    side: std::marker::PhantomData<S>,
}

impl<S> Encryption<S> {
    pub(crate) fn new(encryption: Option<&DefaultEncryption>) -> Self {
        Self {
            algorithm: encryption.map_or_else(|| "none".to_owned(), |e| e.algorithm.clone()),
            kms_key_id: encryption
                .and_then(|e| e.kms_key_id.clone())
                .unwrap_or_default(),
            bucket_key_enabled: encryption.is_some_and(|e| e.bucket_key_enabled),
            side: std::marker::PhantomData,
        }
    }
}

impl<S: Side> Serialize for Encryption<S> {
    fn serialize<Z: serde::Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
        use serde::ser::SerializeMap;
        let mut map = z.serialize_map(Some(3))?;
        map.serialize_entry(&format!("{}DefaultEncryption", S::PREFIX), &self.algorithm)?;
        map.serialize_entry(&format!("{}DefaultKmsKeyId", S::PREFIX), &self.kms_key_id)?;
        map.serialize_entry(
            &format!("{}BucketKeyEnabled", S::PREFIX),
            &self.bucket_key_enabled,
        )?;
        map.end()
    }
}

/// `Data` as CloudFormation takes it: every value a string.
pub(crate) fn to_data(value: &impl Serialize) -> BTreeMap<String, String> {
    let Ok(Value::Object(map)) = serde_json::to_value(value) else {
        return BTreeMap::new();
    };
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_values_are_strings_with_the_sides_names() {
        let enc = DefaultEncryption {
            algorithm: "aws:kms".into(),
            kms_key_id: Some("k".into()),
            kms_key_arn: None,
            bucket_key_enabled: true,
        };
        let data = to_data(&Encryption::<Source>::new(Some(&enc)));
        assert_eq!(data["SourceDefaultEncryption"], "aws:kms");
        assert_eq!(data["SourceDefaultKmsKeyId"], "k");
        assert_eq!(data["SourceBucketKeyEnabled"], "true");
        let none = to_data(&Encryption::<Destination>::new(None));
        assert_eq!(none["DestinationDefaultEncryption"], "none");
        assert_eq!(none["DestinationDefaultKmsKeyId"], "");
        assert_eq!(none["DestinationBucketKeyEnabled"], "false");
    }

    #[test]
    fn the_source_encryption_warning_is_the_problems_within_its_share_of_the_answer() {
        let w = |problem: &str| Warning {
            document: "S's default encryption (s)".into(),
            problem: problem.into(),
            fix: "a long fix".into(),
        };
        assert_eq!(warning_text(&[]), "");
        assert_eq!(warning_text(&[w("one"), w("two")]), "one | two");
        let long = warning_text(&[w(&"é".repeat(800))]);
        assert!(long.len() <= MAX_WARNING, "{}", long.len());
        assert!(long.ends_with(" …"));
    }
}
