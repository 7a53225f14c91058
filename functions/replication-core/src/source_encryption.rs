//! S's default encryption against KA: what happens to the objects it writes, as warnings.
//!
//! A bucket's default encryption applies to a write that names no encryption of its own
//! (S3 API Reference, `ServerSideEncryptionByDefault`: "If a PUT Object request doesn't specify
//! any server-side encryption, this default encryption will be applied"). From the Amazon S3
//! User Guide, "Replicating encrypted objects (SSE-S3, SSE-KMS, DSSE-KMS, SSE-C)":
//!
//! - "How default bucket encryption affects replication": objects encrypted with SSE-S3,
//!   SSE-KMS or DSSE-KMS replicate to replicas that "use the same type of encryption as the
//!   source objects", and unencrypted objects' replicas "are encrypted by using the default
//!   encryption settings of the destination bucket". So an SSE-S3 object's replica is SSE-S3,
//!   never SSE-KMS under KB.
//! - "Replicating objects encrypted with SSE-S3, SSE-KMS, or DSSE-KMS": the
//!   `SseKmsEncryptedObjects` opt-in covers "objects encrypted by using KMS keys (SSE-KMS or
//!   DSSE-KMS)", so our rule selects DSSE-KMS objects too, and their replicas stay DSSE-KMS.
//! - "Granting additional permissions for the IAM role": "You must grant `kms:Decrypt`
//!   permissions for the AWS KMS key that's used to decrypt the source object". This pair
//!   grants it on KA only, so an object under another key fails to replicate unless some other
//!   policy grants it; S3 does not retry a `FAILED` object. Plaintext objects replicated into a
//!   bucket with SSE-KMS or DSSE-KMS by default need `kms:GenerateDataKey`, which is not granted
//!   either.
//!
//! Every case is a [`Warning`], never a finding: the default governs only writes that name no
//! encryption, so no document shows that any object is actually under it (writers that name
//! KA themselves replicate as they should), and the other key's own policy, which the doctor
//! does not read, may grant the role `kms:Decrypt`. A finding would fail Creates and keep the
//! scheduled check's alarm firing for pairs that replicate every object they hold.
//!
//! A key id in the default is compared with KA's; an alias cannot be compared without
//! `DescribeKey`, so the adapter resolves it ([`DefaultEncryption::kms_key_arn`]) and, when it
//! could not, the warning says that it cannot tell.
//!
//! ```
//! use replication_core::arn::KmsKeyArn;
//! use replication_core::properties::DefaultEncryption;
//! use replication_core::source_encryption::source_encryption_warnings;
//! let ka = KmsKeyArn::parse("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab").unwrap();
//! let sse_s3 = DefaultEncryption { algorithm: "AES256".into(), kms_key_id: None, kms_key_arn: None, bucket_key_enabled: false };
//! let warnings = source_encryption_warnings("s", Some(&sse_s3), &ka);
//! assert!(warnings[0].problem.contains("SSE-S3"));
//! ```

use std::fmt;

use serde::Serialize;

use crate::arn::{KmsKeyArn, KmsKeyRef};
use crate::properties::DefaultEncryption;

/// Where the guide says it, for the texts.
const GUIDE: &str = "S3 User Guide, \"Replicating encrypted objects\"";

/// Something that does not stop replication as configured but makes some objects replicate
/// other than under KB, or not at all: what, where, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The document, such as `S's default encryption (bucket)`.
    pub document: String,
    /// What happens to which objects.
    pub problem: String,
    /// What to do.
    pub fix: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}; fix: {}", self.document, self.problem, self.fix)
    }
}

/// Which key S's SSE-KMS or DSSE-KMS default names, compared with KA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultKey {
    /// KA, by ARN, key id, or an alias the adapter resolved to it.
    Ka,
    /// Another key, named as here.
    Other(String),
    /// No `KMSMasterKeyID`, or `alias/aws/s3`: the AWS managed key `aws/s3`.
    AwsManaged,
    /// An alias (or something unparseable) that was not resolved: which key it is is unknown.
    CannotTell(String),
}

/// Compare the key of S's default (`KMSMasterKeyID` as configured, and the ARN the adapter
/// resolved it to, if it did) with KA. Key ids are compared with KA's id; an alias only through
/// its resolved ARN.
#[must_use]
pub fn compare_default_key(default: &DefaultEncryption, ka: &KmsKeyArn) -> DefaultKey {
    if let Some(arn) = default.kms_key_arn.as_deref() {
        return if arn == ka.to_string() {
            DefaultKey::Ka
        } else {
            DefaultKey::Other(arn.to_owned())
        };
    }
    let Some(id) = default.kms_key_id.as_deref().filter(|id| !id.is_empty()) else {
        return DefaultKey::AwsManaged;
    };
    match KmsKeyRef::parse(id) {
        Ok(KmsKeyRef::KeyArn(arn)) if arn == *ka => DefaultKey::Ka,
        Ok(KmsKeyRef::KeyId(key_id)) if key_id == ka.key_id() => DefaultKey::Ka,
        Ok(KmsKeyRef::KeyArn(_) | KmsKeyRef::KeyId(_)) => DefaultKey::Other(id.to_owned()),
        Ok(r) if r.is_aws_managed_alias() && id.ends_with("alias/aws/s3") => DefaultKey::AwsManaged,
        _ => DefaultKey::CannotTell(id.to_owned()),
    }
}

/// The warnings for S's default encryption `default` (`None`: S has none) against KA. Empty
/// when objects written without encryption headers are SSE-KMS under KA.
#[must_use]
pub fn source_encryption_warnings(
    bucket: &str,
    default: Option<&DefaultEncryption>,
    ka: &KmsKeyArn,
) -> Vec<Warning> {
    let document = format!("S's default encryption ({bucket})");
    let to_ka = format!(
        "set S's default encryption to SSE-KMS under KA: aws s3api put-bucket-encryption --bucket {bucket} --server-side-encryption-configuration '{{\"Rules\":[{{\"ApplyServerSideEncryptionByDefault\":{{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"{ka}\"}}}}]}}'"
    );
    let warning = |problem: String, fix: String| Warning {
        document: document.clone(),
        problem,
        fix,
    };
    let Some(default) = default.filter(|d| d.algorithm != "none") else {
        return vec![warning(
            format!(
                "S has no default encryption: objects written without encryption headers are \
                 unencrypted, and their replicas get D's default encryption, not KB from the rule \
                 ({GUIDE}, \"How default bucket encryption affects replication\"); into a D with \
                 SSE-KMS by default the role would also need kms:GenerateDataKey, which this pair \
                 does not grant"
            ),
            to_ka,
        )];
    };
    let mut warnings = Vec::new();
    let kms = match default.algorithm.as_str() {
        "AES256" => {
            warnings.push(warning(
                format!(
                    "S's default encryption is SSE-S3 (AES256): objects written without \
                     encryption headers are SSE-S3, S3 replicates them with \"the same type of \
                     encryption as the source objects\" ({GUIDE}), so their replicas in D are \
                     SSE-S3, not SSE-KMS under KB, and the verifier reports them NotKmsEncrypted"
                ),
                format!("{to_ka}, or have every writer name KA"),
            ));
            false
        }
        "aws:kms:dsse" => {
            warnings.push(warning(
                format!(
                    "S's default encryption is DSSE-KMS (aws:kms:dsse): the rule's SSE-KMS opt-in \
                     selects DSSE-KMS objects too (\"SSE-KMS or DSSE-KMS\", {GUIDE}), and their \
                     replicas keep \"the same type of encryption as the source objects\", so they \
                     are DSSE-KMS in D, which the verifier reports NotKmsEncrypted"
                ),
                format!("{to_ka}, if the replicas must be SSE-KMS under KB"),
            ));
            true
        }
        "aws:kms" => true,
        other => {
            warnings.push(warning(
                format!(
                    "S's default encryption is {other:?}, which this project does not know: \
                     cannot tell how objects written without encryption headers replicate"
                ),
                to_ka.clone(),
            ));
            false
        }
    };
    if kms {
        let key = match compare_default_key(default, ka) {
            DefaultKey::Ka => None,
            DefaultKey::Other(k) => Some(k),
            DefaultKey::AwsManaged => Some("the AWS managed key aws/s3".to_owned()),
            DefaultKey::CannotTell(alias) => {
                warnings.push(warning(
                    format!(
                        "S's default encryption names its key as {alias}, which could not be \
                         resolved here: cannot tell whether it is KA ({ka}); if it is not, \
                         objects written without encryption headers fail to replicate"
                    ),
                    format!("name the key by its ARN in S's default encryption, or {to_ka}"),
                ));
                None
            }
        };
        if let Some(key) = key {
            warnings.push(warning(
                format!(
                    "objects written without encryption headers are encrypted under {key}, not \
                     KA ({ka}); S3 needs kms:Decrypt on \"the AWS KMS key that's used to decrypt \
                     the source object\" ({GUIDE}) and this pair grants the role kms:Decrypt on \
                     KA only, so unless another policy grants it those objects end FAILED, which \
                     S3 does not retry"
                ),
                format!("{to_ka}, or name that key as SourceKmsKeyArn"),
            ));
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    const KA: &str = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const KA_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const OTHER: &str =
        "arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab";

    fn ka() -> KmsKeyArn {
        KmsKeyArn::parse(KA).unwrap()
    }

    fn default(algorithm: &str, key: Option<&str>) -> DefaultEncryption {
        DefaultEncryption {
            algorithm: algorithm.into(),
            kms_key_id: key.map(str::to_owned),
            kms_key_arn: None,
            bucket_key_enabled: false,
        }
    }

    fn warnings(d: Option<&DefaultEncryption>) -> Vec<Warning> {
        source_encryption_warnings("s", d, &ka())
    }

    #[test]
    fn sse_kms_under_ka_by_arn_or_key_id_warns_of_nothing() {
        assert_eq!(warnings(Some(&default("aws:kms", Some(KA)))), vec![]);
        assert_eq!(warnings(Some(&default("aws:kms", Some(KA_ID)))), vec![]);
        assert_eq!(
            compare_default_key(&default("aws:kms", Some(KA_ID)), &ka()),
            DefaultKey::Ka
        );
    }

    #[test]
    fn sse_s3_default_warns_that_replicas_are_sse_s3_not_kb() {
        let w = warnings(Some(&default("AES256", None)));
        assert_eq!(w.len(), 1, "{w:#?}");
        assert_eq!(w[0].document, "S's default encryption (s)");
        assert!(w[0].problem.contains("SSE-S3 (AES256)"), "{}", w[0].problem);
        assert!(w[0].problem.contains("NotKmsEncrypted"), "{}", w[0].problem);
        assert!(w[0].fix.contains(KA), "{}", w[0].fix);
    }

    #[test]
    fn dsse_kms_default_warns_that_replicas_stay_dsse_and_checks_the_key() {
        let under_ka = warnings(Some(&default("aws:kms:dsse", Some(KA))));
        assert_eq!(under_ka.len(), 1, "{under_ka:#?}");
        assert!(under_ka[0].problem.contains("DSSE-KMS"));
        let under_other = warnings(Some(&default("aws:kms:dsse", Some(OTHER))));
        assert_eq!(under_other.len(), 2, "{under_other:#?}");
        assert!(under_other[1].problem.contains(OTHER));
    }

    #[test]
    fn another_key_by_arn_or_key_id_warns_that_objects_fail() {
        for other in [OTHER, "99999999-12ab-34cd-56ef-1234567890ab"] {
            let w = warnings(Some(&default("aws:kms", Some(other))));
            assert_eq!(w.len(), 1, "{w:#?}");
            assert!(w[0].problem.contains(other), "{}", w[0].problem);
            assert!(w[0].problem.contains("FAILED"), "{}", w[0].problem);
        }
        // Same key id, other account: another key.
        let elsewhere =
            "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        assert_eq!(
            compare_default_key(&default("aws:kms", Some(elsewhere)), &ka()),
            DefaultKey::Other(elsewhere.into())
        );
    }

    #[test]
    fn no_key_id_or_the_aws_s3_alias_is_the_aws_managed_key() {
        for d in [
            default("aws:kms", None),
            default("aws:kms", Some("alias/aws/s3")),
        ] {
            assert_eq!(compare_default_key(&d, &ka()), DefaultKey::AwsManaged);
            let w = warnings(Some(&d));
            assert_eq!(w.len(), 1, "{w:#?}");
            assert!(w[0].problem.contains("aws/s3"), "{}", w[0].problem);
        }
    }

    #[test]
    fn an_alias_cannot_be_told_unless_the_adapter_resolved_it() {
        let alias = default("aws:kms", Some("alias/team-key"));
        assert_eq!(
            compare_default_key(&alias, &ka()),
            DefaultKey::CannotTell("alias/team-key".into())
        );
        let w = warnings(Some(&alias));
        assert_eq!(w.len(), 1, "{w:#?}");
        assert!(w[0].problem.contains("cannot tell"), "{}", w[0].problem);
        let resolved_to_ka = DefaultEncryption {
            kms_key_arn: Some(KA.into()),
            ..alias.clone()
        };
        assert_eq!(warnings(Some(&resolved_to_ka)), vec![]);
        let resolved_elsewhere = DefaultEncryption {
            kms_key_arn: Some(OTHER.into()),
            ..alias
        };
        assert_eq!(
            compare_default_key(&resolved_elsewhere, &ka()),
            DefaultKey::Other(OTHER.into())
        );
    }

    #[test]
    fn no_default_encryption_warns_that_replicas_take_ds_default() {
        for d in [None, Some(default("none", None))] {
            let w = warnings(d.as_ref());
            assert_eq!(w.len(), 1, "{w:#?}");
            assert!(w[0].problem.contains("no default encryption"));
            assert!(w[0].problem.contains("kms:GenerateDataKey"));
        }
    }
}
