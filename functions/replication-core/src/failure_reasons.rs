//! What a replication `failureReason` probably means, and which step and document to look
//! at: every reason in the S3 User Guide's "Amazon S3 replication failure reasons", with the
//! causes this project's doctor checks for ([`crate::doctor`]).
//!
//! The verifier logs these with each `OperationFailedReplication` event, so that the line that
//! says an object failed also says where to look.

/// The probable causes of one failure reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Causes {
    /// The reason, as S3 sends it.
    pub reason: &'static str,
    /// The step to look at first (1 to 7); 0 for causes outside the seven steps.
    pub step: u8,
    /// The probable causes, most likely first.
    pub causes: &'static str,
}

/// Every documented failure reason.
pub const CATALOGUE: [Causes; 28] = [
    Causes {
        reason: "AssumeRoleNotPermitted",
        step: 2,
        causes: "the replication role is missing, or its trust policy does not let s3.amazonaws.com sts:AssumeRole (check any aws:SourceAccount/aws:SourceArn condition), or an SCP denies it",
    },
    Causes {
        reason: "DstBucketInvalidRegion",
        step: 0,
        causes: "the Batch Replication job runs in another region than D",
    },
    Causes {
        reason: "DstBucketNotFound",
        step: 6,
        causes: "the rule's Destination.Bucket names a bucket that does not exist (deleted, or a typo)",
    },
    Causes {
        reason: "DstBucketObjectLockConfigMissing",
        step: 1,
        causes: "S has Object Lock and D does not: enable Object Lock on D",
    },
    Causes {
        reason: "DstBucketUnversioned",
        step: 1,
        causes: "versioning is not Enabled on D (never enabled, or suspended)",
    },
    Causes {
        reason: "DstDelObjNotPermitted",
        step: 5,
        causes: "s3:ReplicateDelete is missing from D's bucket policy or from the role's policy",
    },
    Causes {
        reason: "DstKmsKeyInvalidState",
        step: 4,
        causes: "KB is disabled or pending deletion",
    },
    Causes {
        reason: "DstKmsKeyNotFound",
        step: 6,
        causes: "the rule's ReplicaKmsKeyID names a key that does not exist, or names it by alias or id instead of its ARN",
    },
    Causes {
        reason: "DstMultipartCompleteNotPermitted",
        step: 5,
        causes: "s3:ReplicateObject is missing from D's bucket policy or from the role's policy (multipart objects)",
    },
    Causes {
        reason: "DstMultipartInitNotPermitted",
        step: 5,
        causes: "s3:ReplicateObject is missing from D's bucket policy or from the role's policy (multipart objects)",
    },
    Causes {
        reason: "DstMultipartPartUploadNotPermitted",
        step: 5,
        causes: "s3:ReplicateObject is missing from D's bucket policy or from the role's policy (multipart objects)",
    },
    Causes {
        reason: "DstObjectHardDeleted",
        step: 0,
        causes: "Batch Replication cannot re-replicate an object deleted from D by version id",
    },
    Causes {
        reason: "DstPutAclNotPermitted",
        step: 5,
        causes: "s3:ReplicateObject is missing for the object's ACL on D",
    },
    Causes {
        reason: "DstPutLegalHoldNotPermitted",
        step: 5,
        causes: "s3:PutObjectLegalHold is missing on D for an Object Lock legal hold",
    },
    Causes {
        reason: "DstPutObjectNotPermitted",
        step: 5,
        causes: "s3:ReplicateObject (or s3:ObjectOwnerOverrideToBucketOwner with owner override) is missing from D's bucket policy or the role's policy; or kms:Encrypt on KB (kms:Decrypt too for a Bucket Key replica) is missing from KB's key policy or the role's policy, or its encryption-context condition lacks D's ARN",
    },
    Causes {
        reason: "DstPutTaggingNotPermitted",
        step: 5,
        causes: "s3:ReplicateObject is missing from D's bucket policy or the role's policy (the S3 guide's reading), or s3:ReplicateTags is missing or denied there; to replicate without tags, withhold s3:GetObjectVersionTagging on the source side instead",
    },
    Causes {
        reason: "DstVersionNotFound",
        step: 0,
        causes: "the replica version whose metadata S3 replicates is not in D (deleted by version id)",
    },
    Causes {
        reason: "InitiateReplicationNotPermitted",
        step: 0,
        causes: "the Batch Replication job's role lacks s3:InitiateReplication",
    },
    Causes {
        reason: "SrcBucketInvalidRegion",
        step: 0,
        causes: "the Batch Replication job runs in another region than S",
    },
    Causes {
        reason: "SrcBucketNotFound",
        step: 0,
        causes: "S no longer exists",
    },
    Causes {
        reason: "SrcBucketReplicationConfigMissing",
        step: 6,
        causes: "S has no replication configuration (deleted after the object was written)",
    },
    Causes {
        reason: "SrcGetAclNotPermitted",
        step: 2,
        causes: "s3:GetObjectVersionAcl on S/* is missing from the role's policy",
    },
    Causes {
        reason: "SrcGetObjectNotPermitted",
        step: 3,
        causes: "kms:Decrypt on KA is missing from KA's key policy or the role's policy, or its encryption-context condition lacks S's ARN (Bucket Key objects) or S/*; or s3:GetObjectVersionForReplication on S/* is missing from the role's policy",
    },
    Causes {
        reason: "SrcGetTaggingNotPermitted",
        step: 2,
        causes: "s3:GetObjectVersionTagging on S/* is missing from the role's policy (the S3 guide also says S3 then replicates without tags)",
    },
    Causes {
        reason: "SrcHeadObjectNotPermitted",
        step: 2,
        causes: "s3:GetObjectVersionForReplication on S/* is missing from the role's policy",
    },
    Causes {
        reason: "SrcKmsKeyInvalidState",
        step: 3,
        causes: "KA is disabled or pending deletion",
    },
    Causes {
        reason: "SrcObjectNotEligible",
        step: 6,
        causes: "the object or its tags do not match the rule's filter, or it is SSE-KMS and the rule does not select SSE-KMS objects",
    },
    Causes {
        reason: "SrcVersionNotFound",
        step: 0,
        causes: "the source version whose metadata S3 replicates was deleted",
    },
];

/// The probable causes of `reason`, when S3 documents it.
#[must_use]
pub fn probable_causes(reason: &str) -> Option<&'static Causes> {
    CATALOGUE.iter().find(|c| c.reason == reason)
}

/// One line for a log: the step and causes, or that the reason is not documented.
#[must_use]
pub fn explain(reason: &str) -> String {
    match probable_causes(reason) {
        Some(c) if c.step > 0 => format!("step {}: {}", c.step, c.causes),
        Some(c) => c.causes.to_owned(),
        None => format!("{reason} is not in the S3 guide's list of failure reasons"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The S3 User Guide's table, "Amazon S3 replication failure reasons", row by row: each
    /// reason, and the permission its description says "may be missing" (`None` when it names
    /// none).
    const GUIDE: [(&str, Option<&str>); 28] = [
        ("AssumeRoleNotPermitted", None),
        ("DstBucketInvalidRegion", None),
        ("DstBucketNotFound", None),
        ("DstBucketObjectLockConfigMissing", None),
        ("DstBucketUnversioned", None),
        ("DstDelObjNotPermitted", Some("s3:ReplicateDelete")),
        ("DstKmsKeyInvalidState", None),
        ("DstKmsKeyNotFound", None),
        (
            "DstMultipartCompleteNotPermitted",
            Some("s3:ReplicateObject"),
        ),
        ("DstMultipartInitNotPermitted", Some("s3:ReplicateObject")),
        (
            "DstMultipartPartUploadNotPermitted",
            Some("s3:ReplicateObject"),
        ),
        ("DstObjectHardDeleted", None),
        ("DstPutAclNotPermitted", Some("s3:ReplicateObject")),
        ("DstPutLegalHoldNotPermitted", Some("s3:PutObjectLegalHold")),
        ("DstPutObjectNotPermitted", Some("s3:ReplicateObject")),
        ("DstPutTaggingNotPermitted", Some("s3:ReplicateObject")),
        ("DstVersionNotFound", None),
        (
            "InitiateReplicationNotPermitted",
            Some("s3:InitiateReplication"),
        ),
        ("SrcBucketInvalidRegion", None),
        ("SrcBucketNotFound", None),
        ("SrcBucketReplicationConfigMissing", None),
        ("SrcGetAclNotPermitted", Some("s3:GetObjectVersionAcl")),
        (
            "SrcGetObjectNotPermitted",
            Some("s3:GetObjectVersionForReplication"),
        ),
        (
            "SrcGetTaggingNotPermitted",
            Some("s3:GetObjectVersionTagging"),
        ),
        (
            "SrcHeadObjectNotPermitted",
            Some("s3:GetObjectVersionForReplication"),
        ),
        ("SrcKmsKeyInvalidState", None),
        ("SrcObjectNotEligible", None),
        ("SrcVersionNotFound", None),
    ];

    #[test]
    fn every_row_of_the_guides_table_is_mapped_once_and_names_its_permission() {
        for (reason, permission) in GUIDE {
            let causes = probable_causes(reason).unwrap_or_else(|| panic!("{reason} unmapped"));
            if let Some(permission) = permission {
                assert!(
                    causes.causes.contains(permission),
                    "{reason}: the guide names {permission}; we say {:?}",
                    causes.causes
                );
            }
        }
        let mut seen: Vec<&str> = CATALOGUE.iter().map(|c| c.reason).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), CATALOGUE.len(), "a reason mapped twice");
        assert_eq!(
            CATALOGUE.len(),
            GUIDE.len(),
            "a reason the guide does not list"
        );
        assert!(explain("DstKmsKeyNotFound").starts_with("step 6: "));
        assert!(explain("Whatever").contains("not in the S3 guide"));
    }
}
