//! The world's documents read and edited by hand: key policies, foreign statements, S's
//! replication rules and D's bucket policy.

use serde_json::{Value, json};

use super::{World, append_key_statement};
use crate::accounts::Account;

impl World {
    /// Take our statements (Sids `S3KmsReplication…`) out of `key`'s policy, as someone editing
    /// it by hand might; returns the policy as it was.
    ///
    /// # Errors
    /// When KMS fails.
    pub async fn remove_our_key_statements(&self, key: &str) -> anyhow::Result<Value> {
        self.edit_key_policy(key, |policy| {
            if let Some(statements) = policy["Statement"].as_array_mut() {
                statements.retain(|s| {
                    !s["Sid"]
                        .as_str()
                        .is_some_and(|sid| sid.starts_with("S3KmsReplication"))
                });
            }
        })
        .await
    }

    /// Rewrite the policy of `key` (in A for KA, in B for KB) with `edit`, by hand; the policy
    /// as it was.
    ///
    /// # Errors
    /// When KMS fails.
    pub async fn edit_key_policy(
        &self,
        key: &str,
        edit: impl FnOnce(&mut Value),
    ) -> anyhow::Result<Value> {
        let c = if key == self.source_key_arn {
            &self.a
        } else {
            &self.b
        };
        let before = self.key_policy(key).await?;
        let mut edited = before.clone();
        edit(&mut edited);
        c.kms
            .put_key_policy()
            .key_id(key)
            .policy_name("default")
            .policy(edited.to_string())
            .send()
            .await?;
        Ok(before)
    }

    /// The current policy of `key` (in A for KA, in B for KB), parsed.
    ///
    /// # Errors
    /// When KMS fails.
    pub async fn key_policy(&self, key: &str) -> anyhow::Result<Value> {
        let c = if key == self.source_key_arn {
            &self.a
        } else {
            &self.b
        };
        let out = c
            .kms
            .get_key_policy()
            .key_id(key)
            .policy_name("default")
            .send()
            .await?;
        Ok(serde_json::from_str(out.policy().unwrap_or("null"))?)
    }

    /// Foreign statements a platform team already has: a guardrail on D's bucket policy (with a
    /// condition), and on KB's and KA's key policies an auditors' statement and a Deny with
    /// `NotPrincipal` and a condition.
    ///
    /// # Errors
    /// When S3 or KMS fails.
    pub async fn add_foreign_statements(&self) -> anyhow::Result<()> {
        let guardrail = json!({"Version": "2012-10-17", "Id": "corp-guardrails", "Statement": [
            {"Sid": "DenyBucketDeletionOutsideTheAccount", "Effect": "Deny", "Principal": "*",
             "Action": "s3:DeleteBucket",
             "Resource": format!("arn:aws:s3:::{}", self.destination_bucket),
             "Condition": {"StringNotEquals": {"aws:PrincipalAccount": Account::B.id()}}}]});
        self.b
            .s3
            .put_bucket_policy()
            .bucket(&self.destination_bucket)
            .policy(guardrail.to_string())
            .send()
            .await?;
        for (c, key) in [
            (&self.b, &self.destination_key_arn),
            (&self.a, &self.source_key_arn),
        ] {
            let account = c.account.id();
            append_key_statement(
                c,
                key,
                json!({"Sid": "AuditorsDescribe", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{account}:role/auditors")},
                "Action": ["kms:DescribeKey", "kms:GetKeyPolicy"], "Resource": "*"}),
            )
            .await?;
            append_key_statement(
                c,
                key,
                json!({"Sid": "DenyOutsideOrg", "Effect": "Deny",
                "NotPrincipal": {"AWS": format!("arn:aws:iam::{account}:root")},
                "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-example"}}}),
            )
            .await?;
        }
        Ok(())
    }

    /// The rules of S's replication configuration (empty without one).
    ///
    /// # Errors
    /// When S3 fails otherwise.
    pub async fn source_replication_rules(
        &self,
    ) -> anyhow::Result<Vec<aws_sdk_s3::types::ReplicationRule>> {
        match self
            .a
            .s3
            .get_bucket_replication()
            .bucket(&self.source_bucket)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .replication_configuration
                .map(|c| c.rules)
                .unwrap_or_default()),
            Err(e)
                if aws_sdk_s3::error::ProvideErrorMetadata::code(&e)
                    == Some("ReplicationConfigurationNotFoundError") =>
            {
                Ok(Vec::new())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Write D's bucket policy by hand, as its owner (or their pipeline) would.
    ///
    /// # Errors
    /// When S3 refuses.
    pub async fn put_destination_bucket_policy(&self, policy: &Value) -> anyhow::Result<()> {
        self.b
            .s3
            .put_bucket_policy()
            .bucket(&self.destination_bucket)
            .policy(policy.to_string())
            .send()
            .await?;
        Ok(())
    }

    /// D's bucket policy, parsed (`None` without one).
    ///
    /// # Errors
    /// When S3 fails otherwise.
    pub async fn destination_bucket_policy(&self) -> anyhow::Result<Option<Value>> {
        match self
            .b
            .s3
            .get_bucket_policy()
            .bucket(&self.destination_bucket)
            .send()
            .await
        {
            Ok(out) => Ok(Some(serde_json::from_str(out.policy().unwrap_or("null"))?)),
            Err(e)
                if aws_sdk_s3::error::ProvideErrorMetadata::code(&e)
                    == Some("NoSuchBucketPolicy") =>
            {
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }
}
