//! A two-account replication "world" on the emulator, built with plain SDK calls.
//!
//! [`World::create`] makes what a team has before replication is configured: a versioned
//! source bucket and customer-managed key KA in account A, a versioned destination bucket and
//! key KB in account B, and an SQS queue in B that receives the destination bucket's
//! `s3:ObjectCreated:*` notifications. The replication role and rule are added separately
//! (by hand in the smoke test, by the setup function elsewhere).

mod metrics;
mod objects;
mod policies;
mod replication;
mod resources;

pub use metrics::{MetricQuery, metric_values};
pub use resources::{
    append_key_statement, create_key, enable_versioning, foreign_replication_rule, s3_queue,
    s3_trust_policy, set_default_encryption,
};

use crate::accounts::{Account, Clients};
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
