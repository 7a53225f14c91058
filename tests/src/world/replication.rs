//! Replication configured by hand, as a team would without our resources: the role, its
//! grants and the rule.

use anyhow::Context;
use serde_json::{Value, json};

use super::{World, append_key_statement, s3_trust_policy};
use crate::accounts::{Account, REGION};
use crate::cleanup::Resource;
use crate::target::Target;
use crate::unique_name;

impl World {
    /// The least-privilege identity policy a replication role needs (AWS docs, "Granting
    /// permissions when the source and destination buckets are owned by different accounts").
    pub fn replication_role_policy(&self) -> Value {
        let (s, d) = (&self.source_bucket, &self.destination_bucket);
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow",
                 "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                 "Resource": format!("arn:aws:s3:::{s}")},
                {"Effect": "Allow",
                 "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                            "s3:GetObjectVersionTagging"],
                 "Resource": format!("arn:aws:s3:::{s}/*")},
                {"Effect": "Allow",
                 "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                            "s3:ObjectOwnerOverrideToBucketOwner"],
                 "Resource": format!("arn:aws:s3:::{d}/*")},
                {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": self.source_key_arn,
                 "Condition": {"StringLike": {
                     "kms:ViaService": format!("s3.{REGION}.amazonaws.com"),
                     "kms:EncryptionContext:aws:s3:arn": format!("arn:aws:s3:::{s}/*")}}},
                {"Effect": "Allow", "Action": ["kms:Encrypt"], "Resource": self.destination_key_arn,
                 "Condition": {"StringLike": {
                     "kms:ViaService": format!("s3.{REGION}.amazonaws.com"),
                     "kms:EncryptionContext:aws:s3:arn": format!("arn:aws:s3:::{d}/*")}}}
            ]
        })
    }

    /// [`World::create`], plus a replication role with [`World::replication_role_policy`],
    /// the grants of [`World::grant_replication_by_hand`] and [`World::put_replication_rule`]:
    /// replication fully configured by hand.
    ///
    /// # Errors
    /// When an emulator call fails.
    pub async fn create_replicated(target: &Target) -> anyhow::Result<World> {
        let world = World::create(target).await?;
        let role = world
            .create_replication_role(
                &unique_name("replication"),
                &world.replication_role_policy(),
            )
            .await?;
        world.grant_replication_by_hand(&role).await?;
        world.put_replication_rule(&role).await?;
        Ok(world)
    }

    /// Create a role in A that S3 can assume, with `policy` inline; returns its ARN.
    ///
    /// # Errors
    /// When an IAM call fails.
    pub async fn create_replication_role(
        &self,
        name: &str,
        policy: &Value,
    ) -> anyhow::Result<String> {
        let trust = s3_trust_policy();
        self.track(Account::A, Resource::Role(name.to_owned()));
        let role = self
            .a
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await?
            .role
            .context("CreateRole returned no role")?;
        self.a
            .iam
            .put_role_policy()
            .role_name(name)
            .policy_name("replication")
            .policy_document(policy.to_string())
            .send()
            .await?;
        Ok(role.arn)
    }

    /// Steps 3-5 by hand: let the role decrypt with KA, encrypt with KB, and replicate into
    /// D. The resource policies name A's account principal with an `aws:PrincipalArn`
    /// condition, as the setup function does. Existing statements are kept.
    ///
    /// # Errors
    /// When a policy call fails.
    pub async fn grant_replication_by_hand(&self, role_arn: &str) -> anyhow::Result<()> {
        let a_root = format!("arn:aws:iam::{}:root", Account::A.id());
        let d = &self.destination_bucket;
        let bucket_policy = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "ReplicationObjects", "Effect": "Allow", "Principal": {"AWS": a_root},
             "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags",
                        "s3:ObjectOwnerOverrideToBucketOwner"],
             "Resource": format!("arn:aws:s3:::{d}/*"),
             "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}}},
            {"Sid": "ReplicationBucket", "Effect": "Allow", "Principal": {"AWS": a_root},
             "Action": ["s3:GetBucketVersioning", "s3:PutBucketVersioning", "s3:ListBucket"],
             "Resource": format!("arn:aws:s3:::{d}"),
             "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}}}]});
        self.b
            .s3
            .put_bucket_policy()
            .bucket(d)
            .policy(bucket_policy.to_string())
            .send()
            .await?;
        let encrypt = json!({"Sid": "ReplicationEncrypt", "Effect": "Allow",
            "Principal": {"AWS": a_root}, "Action": "kms:Encrypt", "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}}});
        append_key_statement(&self.b, &self.destination_key_arn, encrypt).await?;
        let decrypt = json!({"Sid": "ReplicationDecrypt", "Effect": "Allow",
            "Principal": {"AWS": a_root}, "Action": "kms:Decrypt", "Resource": "*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": role_arn}}});
        append_key_statement(&self.a, &self.source_key_arn, decrypt).await
    }

    /// Put a one-rule replication configuration on S: SSE-KMS objects replicate to D under KB,
    /// owned by B.
    ///
    /// # Errors
    /// When the SDK rejects the configuration or the emulator call fails.
    pub async fn put_replication_rule(&self, role_arn: &str) -> anyhow::Result<()> {
        use aws_sdk_s3::types::*;
        let rule = ReplicationRule::builder()
            .id("replicate-all")
            .priority(1)
            .status(ReplicationRuleStatus::Enabled)
            .filter(ReplicationRuleFilter::builder().prefix("").build())
            .delete_marker_replication(
                DeleteMarkerReplication::builder()
                    .status(DeleteMarkerReplicationStatus::Disabled)
                    .build(),
            )
            .source_selection_criteria(
                SourceSelectionCriteria::builder()
                    .sse_kms_encrypted_objects(
                        SseKmsEncryptedObjects::builder()
                            .status(SseKmsEncryptedObjectsStatus::Enabled)
                            .build()?,
                    )
                    .build(),
            )
            .destination(
                Destination::builder()
                    .bucket(format!("arn:aws:s3:::{}", self.destination_bucket))
                    .account(Account::B.id())
                    .access_control_translation(
                        AccessControlTranslation::builder()
                            .owner(OwnerOverride::Destination)
                            .build()?,
                    )
                    .encryption_configuration(
                        EncryptionConfiguration::builder()
                            .replica_kms_key_id(&self.destination_key_arn)
                            .build(),
                    )
                    .build()?,
            )
            .build()?;
        self.a
            .s3
            .put_bucket_replication()
            .bucket(&self.source_bucket)
            .replication_configuration(
                ReplicationConfiguration::builder()
                    .role(role_arn)
                    .rules(rule)
                    .build()?,
            )
            .send()
            .await?;
        Ok(())
    }
}
