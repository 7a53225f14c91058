//! A two-account replication "world" on the emulator, built with plain SDK calls.
//!
//! [`World::create`] makes what a team has before replication is configured: a versioned
//! source bucket and customer-managed key KA in account A, a versioned destination bucket and
//! key KB in account B, and an SQS queue in B that receives the destination bucket's
//! `s3:ObjectCreated:*` notifications. The replication role and rule are added separately
//! (by hand in the smoke test, by the setup function elsewhere).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use aws_sdk_s3::operation::head_object::HeadObjectOutput;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use serde_json::{Value, json};

use crate::accounts::{Account, Clients, REGION};
use crate::cleanup::{Created, Resource};
use crate::target::Target;
use crate::unique_name;

/// Buckets, keys and the notification queue of both accounts.
#[derive(Debug, Clone)]
pub struct World {
    /// Account A's clients.
    pub a: Clients,
    /// Account B's clients.
    pub b: Clients,
    /// S, in A.
    pub source_bucket: String,
    /// D, in B.
    pub destination_bucket: String,
    /// KA's ARN.
    pub source_key_arn: String,
    /// KB's ARN.
    pub destination_key_arn: String,
    /// The queue in B that D notifies.
    pub queue_url: String,
    /// Its ARN.
    pub queue_arn: String,
    /// Everything created for this world, deleted when it is dropped ([`crate::cleanup`]).
    pub created: Created,
}

impl Drop for World {
    fn drop(&mut self) {
        for failure in self.created.delete_all(&self.a, &self.b) {
            eprintln!("cleanup: could not delete {failure}");
        }
    }
}

impl World {
    /// The name of the inline policy the setup function puts on the replication role for the
    /// pair S → D (see `replication_core::plan::role_policy_name`).
    ///
    /// # Errors
    /// When an account id or bucket name does not parse.
    pub fn role_policy_name(&self) -> anyhow::Result<String> {
        use replication_core::arn::{AccountId, BucketName};
        let scope = replication_core::policy::SidScope::for_replication(
            &AccountId::parse(self.a.account.id())?,
            &BucketName::parse(&self.source_bucket)?,
            &BucketName::parse(&self.destination_bucket)?,
        );
        Ok(replication_core::plan::role_policy_name(&scope))
    }

    /// Create the "before" world under fresh, unique names, on `target`.
    ///
    /// # Errors
    /// When an AWS call fails.
    pub async fn create(target: &Target) -> anyhow::Result<World> {
        Self::create_with(target, true, true).await
    }

    /// Remember `resource`, created in `account`, for deletion with this world.
    pub fn track(&self, account: Account, resource: Resource) {
        self.created.add(account, resource);
    }

    /// [`World::create`], choosing whether the buckets start versioned and whether D already
    /// notifies the queue (the setup function does both itself).
    ///
    /// # Errors
    /// When an AWS call fails; what was created by then is deleted.
    pub async fn create_with(
        target: &Target,
        versioned: bool,
        notify: bool,
    ) -> anyhow::Result<World> {
        Self::create_in_region(target, versioned, notify, crate::accounts::REGION).await
    }

    /// [`World::create_with`], with account B's side (D, KB, the queue, B's clients) in
    /// `destination_region`: the cross-region pair of disaster recovery.
    ///
    /// # Errors
    /// When an AWS call fails; what was created by then is deleted.
    pub async fn create_in_region(
        target: &Target,
        versioned: bool,
        notify: bool,
        destination_region: &str,
    ) -> anyhow::Result<World> {
        let a = Account::A.connect_to(target).await?;
        let b = Account::B
            .connect_to(target)
            .await?
            .in_region(destination_region);
        let mut world = World {
            a,
            b,
            source_bucket: unique_name("src"),
            destination_bucket: unique_name("dst"),
            source_key_arn: String::new(),
            destination_key_arn: String::new(),
            queue_url: String::new(),
            queue_arn: String::new(),
            created: Created::default(),
        };
        // From here on, a failure drops `world`, which deletes what was created.
        world.populate(versioned, notify).await?;
        Ok(world)
    }

    async fn populate(&mut self, versioned: bool, notify: bool) -> anyhow::Result<()> {
        let (a, b) = (&self.a, &self.b);
        let source_bucket = self.source_bucket.clone();
        let destination_bucket = self.destination_bucket.clone();
        self.track(Account::A, Resource::Bucket(source_bucket.clone()));
        create_bucket(a, &source_bucket, versioned).await?;
        self.track(Account::B, Resource::Bucket(destination_bucket.clone()));
        create_bucket(b, &destination_bucket, versioned).await?;
        let source_key_arn = create_key(a, "KA").await?;
        self.track(Account::A, Resource::Key(source_key_arn.clone()));
        let destination_key_arn = create_key(b, "KB").await?;
        self.track(Account::B, Resource::Key(destination_key_arn.clone()));

        let (queue_url, queue_arn) = s3_queue(b, "replicas").await?;
        self.track(Account::B, Resource::Queue(queue_url.clone()));
        let b = &self.b;
        if notify {
            notify_queue(b, &destination_bucket, &queue_arn).await?;
        }
        self.source_key_arn = source_key_arn;
        self.destination_key_arn = destination_key_arn;
        self.queue_url = queue_url;
        self.queue_arn = queue_arn;
        Ok(())
    }

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

    /// For each of `metrics` in `namespace` with `DestinationBucket` = D: the number of
    /// datapoints and their Sum, over the last and next ten minutes (read with GetMetricData).
    ///
    /// # Errors
    /// When CloudWatch fails.
    pub async fn destination_metric_sums(
        &self,
        namespace: &str,
        metrics: &[&str],
    ) -> anyhow::Result<Vec<(usize, f64)>> {
        let dimensions = [("DestinationBucket", self.destination_bucket.as_str())];
        let queries: Vec<MetricQuery<'_>> = metrics
            .iter()
            .map(|name| MetricQuery {
                namespace,
                name,
                dimensions: &dimensions,
                stat: "Sum",
            })
            .collect();
        Ok(metric_values(&self.b.cloudwatch, &queries)
            .await?
            .into_iter()
            .map(|v| (v.len(), v.iter().sum()))
            .collect())
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

    /// Put `body` at `key` in S, SSE-KMS under KA; returns the version id.
    ///
    /// # Errors
    /// When the put fails.
    pub async fn put_source_object(&self, key: &str, body: &str) -> anyhow::Result<String> {
        self.put_source_object_with(key, body, None).await
    }

    /// [`World::put_source_object`], with the write's own `x-amz-server-side-encryption-bucket-key-enabled`
    /// header when `bucket_key` is given (else S's default decides).
    ///
    /// # Errors
    /// When the put fails.
    pub async fn put_source_object_with(
        &self,
        key: &str,
        body: &str,
        bucket_key: Option<bool>,
    ) -> anyhow::Result<String> {
        self.put_source(key, body, bucket_key, None).await
    }

    /// [`World::put_source_object`], with tags (`tagging` as in the header: `k=v&k2=v2`).
    ///
    /// # Errors
    /// When the put fails.
    pub async fn put_source_object_tagged(
        &self,
        key: &str,
        body: &str,
        tagging: &str,
    ) -> anyhow::Result<String> {
        self.put_source(key, body, None, Some(tagging)).await
    }

    async fn put_source(
        &self,
        key: &str,
        body: &str,
        bucket_key: Option<bool>,
        tagging: Option<&str>,
    ) -> anyhow::Result<String> {
        let out = self
            .a
            .s3
            .put_object()
            .bucket(&self.source_bucket)
            .key(key)
            .body(body.as_bytes().to_vec().into())
            .server_side_encryption(aws_sdk_s3::types::ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.source_key_arn)
            .set_bucket_key_enabled(bucket_key)
            .set_tagging(tagging.map(str::to_owned))
            .send()
            .await?;
        out.version_id.context("PutObject returned no version id")
    }

    /// Poll HeadObject on the source version until its replication status is final
    /// (COMPLETED or FAILED), for at most `timeout`.
    ///
    /// # Errors
    /// When the status is still PENDING (or absent) after `timeout`.
    pub async fn wait_for_source_status(
        &self,
        key: &str,
        version: &str,
        timeout: Duration,
    ) -> anyhow::Result<HeadObjectOutput> {
        let deadline = Instant::now() + timeout;
        loop {
            let head = self
                .a
                .s3
                .head_object()
                .bucket(&self.source_bucket)
                .key(key)
                .version_id(version)
                .send()
                .await?;
            let status = head
                .replication_status
                .as_ref()
                .map(|s| s.as_str().to_owned());
            if matches!(status.as_deref(), Some("COMPLETED" | "FAILED")) {
                return Ok(head);
            }
            if Instant::now() > deadline {
                bail!("replication status of {key} still {status:?} after {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Receive messages from the queue until `want` of them carry `ObjectCreated` events
    /// (waiting at most `timeout`), and wrap all received messages (S3's test event included)
    /// as the SQS event an event source mapping would deliver to a Lambda.
    ///
    /// # Errors
    /// When SQS fails.
    pub async fn sqs_lambda_event(&self, want: usize, timeout: Duration) -> anyhow::Result<Value> {
        let deadline = Instant::now() + timeout;
        let mut records = Vec::new();
        let mut created = 0;
        while created < want && Instant::now() < deadline {
            let out = self
                .b
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(1)
                .send()
                .await?;
            for m in out.messages.unwrap_or_default() {
                created += usize::from(m.body().is_some_and(|b| b.contains("ObjectCreated")));
                records.push(json!({
                    "messageId": m.message_id,
                    "receiptHandle": m.receipt_handle,
                    "body": m.body,
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "md5OfBody": m.md5_of_body,
                    "eventSource": "aws:sqs",
                    "eventSourceARN": self.queue_arn,
                    "awsRegion": REGION,
                }));
            }
        }
        Ok(json!({ "Records": records }))
    }
}

async fn create_bucket(c: &Clients, bucket: &str, versioned: bool) -> anyhow::Result<()> {
    // In the clients' region: outside us-east-1, S3 needs the LocationConstraint.
    let region = c.region();
    let location = (region != "us-east-1").then(|| {
        aws_sdk_s3::types::CreateBucketConfiguration::builder()
            .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(
                region.as_str(),
            ))
            .build()
    });
    c.s3.create_bucket()
        .bucket(bucket)
        .set_create_bucket_configuration(location)
        .send()
        .await?;
    if versioned {
        enable_versioning(c, bucket).await?;
    }
    Ok(())
}

/// The plain trust policy of a role that S3 may assume, as a team writes it by hand.
pub fn s3_trust_policy() -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
}

/// Another team's replication rule: `id` at `priority`, objects under `prefix` to `bucket`,
/// no delete markers.
///
/// # Errors
/// When the SDK's builder rejects the rule.
pub fn foreign_replication_rule(
    id: &str,
    priority: i32,
    prefix: &str,
    bucket: &str,
) -> anyhow::Result<aws_sdk_s3::types::ReplicationRule> {
    use aws_sdk_s3::types::*;
    Ok(ReplicationRule::builder()
        .id(id)
        .priority(priority)
        .status(ReplicationRuleStatus::Enabled)
        .filter(ReplicationRuleFilter::builder().prefix(prefix).build())
        .delete_marker_replication(
            DeleteMarkerReplication::builder()
                .status(DeleteMarkerReplicationStatus::Disabled)
                .build(),
        )
        .destination(
            Destination::builder()
                .bucket(format!("arn:aws:s3:::{bucket}"))
                .build()?,
        )
        .build()?)
}

/// Turn versioning on for `bucket` (with the bucket owner's clients).
///
/// # Errors
/// When S3 refuses.
pub async fn enable_versioning(c: &Clients, bucket: &str) -> anyhow::Result<()> {
    c.s3.put_bucket_versioning()
        .bucket(bucket)
        .versioning_configuration(
            VersioningConfiguration::builder()
                .status(BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await?;
    Ok(())
}

/// Set `bucket`'s default encryption to SSE-KMS under `key`, with S3 Bucket Keys on or off.
///
/// # Errors
/// When S3 refuses.
pub async fn set_default_encryption(
    c: &Clients,
    bucket: &str,
    key: &str,
    bucket_key: bool,
) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{
        ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
        ServerSideEncryptionRule,
    };
    let rule = ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::AwsKms)
                .kms_master_key_id(key)
                .build()?,
        )
        .bucket_key_enabled(bucket_key)
        .build();
    c.s3.put_bucket_encryption()
        .bucket(bucket)
        .server_side_encryption_configuration(
            ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()?,
        )
        .send()
        .await?;
    Ok(())
}

/// Append `statement` to `key`'s policy (the key owner's clients).
///
/// # Errors
/// When a KMS call fails.
pub async fn append_key_statement(c: &Clients, key: &str, statement: Value) -> anyhow::Result<()> {
    let current = c
        .kms
        .get_key_policy()
        .key_id(key)
        .policy_name("default")
        .send()
        .await?;
    let mut doc: Value = serde_json::from_str(current.policy().unwrap_or("{}"))?;
    doc["Statement"]
        .as_array_mut()
        .context("key policy without a Statement list")?
        .push(statement);
    c.kms
        .put_key_policy()
        .key_id(key)
        .policy_name("default")
        .policy(doc.to_string())
        .send()
        .await?;
    Ok(())
}

/// Create a customer managed key in `c`'s account; returns its ARN.
///
/// # Errors
/// When KMS fails.
pub async fn create_key(c: &Clients, description: &str) -> anyhow::Result<String> {
    let meta = c
        .kms
        .create_key()
        .description(description)
        .send()
        .await?
        .key_metadata
        .context("CreateKey returned no metadata")?;
    meta.arn.context("key without ARN")
}

/// A new queue in `c`'s account that S3 may send to, for buckets of either account (AWS checks
/// this when a notification is configured, and so does the emulator): its URL and ARN. The
/// caller tracks it for cleanup.
///
/// # Errors
/// When SQS refuses.
pub async fn s3_queue(c: &Clients, prefix: &str) -> anyhow::Result<(String, String)> {
    let queue_url = c
        .sqs
        .create_queue()
        .queue_name(unique_name(prefix))
        .send()
        .await?
        .queue_url
        .context("CreateQueue returned no URL")?;
    let queue_arn = c
        .sqs
        .get_queue_attributes()
        .queue_url(&queue_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await?
        .attributes
        .and_then(|mut m| m.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .context("queue without ARN")?;
    let queue_policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"StringEquals": {"aws:SourceAccount": [Account::A.id(), Account::B.id()]}}}]});
    c.sqs
        .set_queue_attributes()
        .queue_url(&queue_url)
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::Policy,
            queue_policy.to_string(),
        )
        .send()
        .await?;
    Ok((queue_url, queue_arn))
}

async fn notify_queue(c: &Clients, bucket: &str, queue_arn: &str) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{Event, NotificationConfiguration, QueueConfiguration};
    c.s3.put_bucket_notification_configuration()
        .bucket(bucket)
        .notification_configuration(
            NotificationConfiguration::builder()
                .queue_configurations(
                    QueueConfiguration::builder()
                        .id("replica-verifier")
                        .queue_arn(queue_arn)
                        .events(Event::from("s3:ObjectCreated:*"))
                        .build()?,
                )
                .build(),
        )
        .send()
        .await?;
    Ok(())
}

/// One metric to read back, as an alarm names it.
#[derive(Debug, Clone, Copy)]
pub struct MetricQuery<'a> {
    /// The namespace.
    pub namespace: &'a str,
    /// The metric's name.
    pub name: &'a str,
    /// Its dimensions, all of them (CloudWatch matches the full set).
    pub dimensions: &'a [(&'a str, &'a str)],
    /// The statistic, such as `Sum` or `Maximum`.
    pub stat: &'a str,
}

/// The datapoints of each query, at a 60 s period over the last and next ten minutes, in one
/// GetMetricData call.
///
/// # Errors
/// When CloudWatch fails.
pub async fn metric_values(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    queries: &[MetricQuery<'_>],
) -> anyhow::Result<Vec<Vec<f64>>> {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
    let now = std::time::SystemTime::now();
    let mut request = cloudwatch
        .get_metric_data()
        .start_time(DateTime::from(now - Duration::from_secs(600)))
        .end_time(DateTime::from(now + Duration::from_secs(600)));
    for (i, q) in queries.iter().enumerate() {
        let metric = Metric::builder()
            .namespace(q.namespace)
            .metric_name(q.name)
            .set_dimensions(Some(
                q.dimensions
                    .iter()
                    .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
                    .collect(),
            ))
            .build();
        let stat = MetricStat::builder()
            .metric(metric)
            .period(60)
            .stat(q.stat)
            .build();
        request = request.metric_data_queries(
            MetricDataQuery::builder()
                .id(format!("m{i}"))
                .metric_stat(stat)
                .build(),
        );
    }
    let data = request.send().await?;
    Ok((0..queries.len())
        .map(|i| {
            data.metric_data_results()
                .iter()
                .find(|r| r.id() == Some(format!("m{i}").as_str()))
                .map(|r| r.values().to_vec())
                .unwrap_or_default()
        })
        .collect())
}
