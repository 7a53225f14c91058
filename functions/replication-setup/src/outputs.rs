//! What each custom resource returns in `Data`: the names a template reads with `Fn::GetAtt`,
//! as typed fields. CloudFormation's `Data` values are strings, so booleans are written as
//! `true`/`false` ([`to_data`]).

use std::collections::BTreeMap;

use replication_core::plan::PolicyStatements;
use replication_core::properties::{DefaultEncryption, DestinationSpec, PolicyWrites, SourceSpec};
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

/// The most `Data` may take of the 4,096-byte answer, as serialised JSON: the rest is kept for
/// the answer's other members (`StackId` about 230 bytes, `LogicalResourceId` up to 255,
/// `PhysicalResourceId` up to about 200, `RequestId`, `Status` and the names, about 100).
pub(crate) const MAX_DATA: usize = 3_200;

/// `PolicyWrites` and one attribute per key or bucket policy this resource merges into
/// ([`replication_core::plan::PolicyDocument::data_name`], such as `DestinationKeyPolicyStatements`), added to `data`.
/// Always present, so that `Fn::GetAtt` can read them: with `Report` each holds the
/// statements as compact JSON text (an array, ready to append to the document's `Statement`),
/// with `Apply` `""`. When the statements would take `Data` past [`MAX_DATA`] bytes (long
/// bucket names, a long `RolePath`), they are left out, each attribute is `""`, and
/// `PolicyStatementsNote` says where to get them: CloudFormation drops an answer over 4,096
/// bytes, and `Data` is what the response encoder drops first.
pub(crate) fn with_statements(
    mut data: BTreeMap<String, String>,
    writes: PolicyWrites,
    planned: &[PolicyStatements],
) -> BTreeMap<String, String> {
    data.insert("PolicyWrites".to_owned(), writes.to_string());
    for p in planned {
        data.insert(p.document.data_name().to_owned(), String::new());
    }
    if writes.applies() {
        return data;
    }
    let without = data.clone();
    for p in planned {
        data.insert(p.document.data_name().to_owned(), p.compact());
    }
    let size = serde_json::to_string(&data).map_or(usize::MAX, |t| t.len());
    if size <= MAX_DATA {
        return data;
    }
    let mut data = without;
    data.insert(
        "PolicyStatementsNote".to_owned(),
        format!(
            "the statements would take Data to {size} bytes, past the {MAX_DATA} of \
             CloudFormation's 4,096-byte answer that Data may use: print them with \
             replication-doctor statements"
        ),
    );
    data
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

    /// The answer CloudFormation would get for `data`, with an envelope as long as a real one
    /// can be (a 128-character stack name, a 255-character logical id).
    fn encoded_answer(data: BTreeMap<String, String>) -> Vec<u8> {
        use crate::response::{CfnResponse, ResponseStatus, encode};
        let response = CfnResponse {
            status: ResponseStatus::Success,
            reason: None,
            physical_resource_id: format!(
                "s3-kms-replication:source:{}:{}",
                "s".repeat(63),
                "d".repeat(63)
            ),
            stack_id: format!(
                "arn:aws:cloudformation:ap-southeast-2:111111111111:stack/{}/0f8c3c60-1a2b-11ef-9e7e-0a1b2c3d4e5f",
                "n".repeat(128)
            ),
            request_id: "5d0f2b8e-4a39-4d1b-9f46-2a7e5b1c3d4e".into(),
            logical_resource_id: "L".repeat(255),
            data,
        };
        encode(&response).unwrap()
    }

    fn single_stack(extra: serde_json::Value) -> SourceSpec {
        let mut props = serde_json::json!({
            "DestinationAccessRoleArn": "arn:aws:iam::222222222222:role/replication-admin"});
        for (k, v) in extra.as_object().unwrap() {
            props[k] = v.clone();
        }
        crate::steps::scripted_tests::source_spec_with(props)
    }

    fn source_data(spec: &SourceSpec, writes: PolicyWrites) -> BTreeMap<String, String> {
        let mut data = SourceData::new(spec, (spec.role_arn.to_string(), true), true, None);
        data.destination_encryption = Some(Encryption::new(None));
        let planned = replication_core::plan::pair_policy_statements(spec);
        with_statements(to_data(&data), writes, &planned)
    }

    #[test]
    fn report_mode_returns_each_documents_statements_and_apply_mode_empty_attributes() {
        let spec = single_stack(serde_json::json!({}));
        let apply = source_data(&spec, PolicyWrites::Apply);
        assert_eq!(apply["PolicyWrites"], "Apply");
        for name in [
            "SourceKeyPolicyStatements",
            "DestinationKeyPolicyStatements",
            "DestinationBucketPolicyStatements",
        ] {
            assert_eq!(apply[name], "", "{name}");
        }
        let report = source_data(&spec, PolicyWrites::Report);
        assert_eq!(report["PolicyWrites"], "Report");
        for p in replication_core::plan::pair_policy_statements(&spec) {
            let text = &report[p.document.data_name()];
            let parsed: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                parsed,
                Value::Array(p.statements.clone()),
                "{}",
                p.document.data_name()
            );
        }
        assert!(!report.contains_key("PolicyStatementsNote"));
        let body = encoded_answer(report.clone());
        let data_size = serde_json::to_string(&report).unwrap().len();
        eprintln!(
            "single-stack Report answer: Data {data_size} bytes, answer {} bytes",
            body.len()
        );
        assert!(body.len() <= crate::response::MAX_BODY);
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            answer["Data"]["SourceKeyPolicyStatements"],
            report["SourceKeyPolicyStatements"].as_str()
        );
    }

    #[test]
    fn statements_that_would_overflow_the_answer_are_left_out_with_a_note_and_data_survives() {
        // GIVEN 63-character buckets and a 400-character role path: every statement names both
        let path = format!("/{}/", "p".repeat(398));
        let spec = single_stack(serde_json::json!({"RolePath": path}));
        let data = source_data(&spec, PolicyWrites::Report);
        // THEN the statements are left out, said so, and the rest of Data reaches CloudFormation
        let note = &data["PolicyStatementsNote"];
        assert!(note.contains("replication-doctor statements"), "{note}");
        assert_eq!(data["DestinationKeyPolicyStatements"], "");
        let body = encoded_answer(data.clone());
        assert!(body.len() <= crate::response::MAX_BODY, "{}", body.len());
        let answer: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(answer["Data"]["RoleArn"], data["RoleArn"].as_str());
        assert_eq!(answer["Data"]["PolicyWrites"], "Report");
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
