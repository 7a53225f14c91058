//! What a test created, deleted when its [`crate::world::World`] is dropped, which also happens
//! when the test fails: a panic unwinds through the world. In live mode this keeps two real
//! accounts clean; on the emulator it runs all the same, so CI exercises it.
//!
//! Deletion is best effort and never panics (a drop during a panic must not panic again):
//! what cannot be deleted is named on stderr. Buckets are emptied of every version and delete
//! marker first; roles lose their inline and attached policies first; KMS keys cannot be
//! deleted at once and are scheduled for deletion after KMS's minimum of 7 days.

use std::sync::{Arc, Mutex};

use aws_sdk_s3::error::ProvideErrorMetadata;

use crate::accounts::{Account, Clients};

/// One thing a test created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// An S3 bucket, by name.
    Bucket(String),
    /// A KMS key, by ARN.
    Key(String),
    /// An IAM role, by name (it need not exist: a role the setup function may create).
    Role(String),
    /// An SQS queue, by URL.
    Queue(String),
}

/// The resources created so far, in order; shared by clones.
#[derive(Debug, Clone, Default)]
pub struct Created(Arc<Mutex<Vec<(Account, Resource)>>>);

impl Created {
    /// Remember `resource`, created in `account`.
    pub fn add(&self, account: Account, resource: Resource) {
        if let Ok(mut list) = self.0.lock() {
            list.push((account, resource));
        }
    }

    /// What was remembered, in creation order.
    pub fn list(&self) -> Vec<(Account, Resource)> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Delete everything, newest first, with `a` and `b`'s clients, on a thread and runtime of
    /// its own (so that it may run from a drop inside a test's runtime). Returns what could
    /// not be deleted.
    pub fn delete_all(&self, a: &Clients, b: &Clients) -> Vec<String> {
        let list = match self.0.lock() {
            Ok(mut list) => std::mem::take(&mut *list),
            Err(_) => return vec!["the list of created resources is poisoned".to_owned()],
        };
        if list.is_empty() {
            return Vec::new();
        }
        let (a, b) = (a.clone(), b.clone());
        let deleted = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return vec![format!("no runtime for the cleanup: {e}")],
            };
            runtime.block_on(async {
                let mut failed = Vec::new();
                for (account, resource) in list.into_iter().rev() {
                    let c = if account == Account::A { &a } else { &b };
                    if let Err(e) = delete(c, &resource).await {
                        failed.push(format!("{resource:?} in {}: {e:#}", account.id()));
                    }
                }
                failed
            })
        })
        .join();
        deleted.unwrap_or_else(|_| vec!["the cleanup thread panicked".to_owned()])
    }
}

async fn delete(c: &Clients, resource: &Resource) -> anyhow::Result<()> {
    match resource {
        Resource::Bucket(name) => delete_bucket(c, name).await,
        Resource::Key(arn) => {
            let out = c
                .kms
                .schedule_key_deletion()
                .key_id(arn)
                .pending_window_in_days(7)
                .send()
                .await;
            match out {
                Err(e)
                    if matches!(
                        e.code(),
                        Some("NotFoundException" | "KMSInvalidStateException")
                    ) =>
                {
                    Ok(())
                }
                other => other.map(|_| ()).map_err(Into::into),
            }
        }
        Resource::Role(name) => delete_role(c, name).await,
        Resource::Queue(url) => {
            let out = c.sqs.delete_queue().queue_url(url).send().await;
            match out {
                Err(e) if e.code() == Some("AWS.SimpleQueueService.NonExistentQueue") => Ok(()),
                other => other.map(|_| ()).map_err(Into::into),
            }
        }
    }
}

async fn delete_bucket(c: &Clients, bucket: &str) -> anyhow::Result<()> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    loop {
        let page = match c.s3.list_object_versions().bucket(bucket).send().await {
            Err(e) if e.code() == Some("NoSuchBucket") => return Ok(()),
            other => other?,
        };
        let ids: Vec<ObjectIdentifier> = page
            .versions()
            .iter()
            .map(|v| (v.key(), v.version_id()))
            .chain(
                page.delete_markers()
                    .iter()
                    .map(|m| (m.key(), m.version_id())),
            )
            .filter_map(|(key, version)| {
                ObjectIdentifier::builder()
                    .key(key?)
                    .set_version_id(version.map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        if ids.is_empty() {
            break;
        }
        c.s3.delete_objects()
            .bucket(bucket)
            .delete(Delete::builder().set_objects(Some(ids)).build()?)
            .send()
            .await?;
    }
    c.s3.delete_bucket().bucket(bucket).send().await?;
    Ok(())
}

async fn delete_role(c: &Clients, name: &str) -> anyhow::Result<()> {
    let policies = match c.iam.list_role_policies().role_name(name).send().await {
        Err(e) if e.code() == Some("NoSuchEntity") => return Ok(()),
        other => other?.policy_names,
    };
    for policy in policies {
        c.iam
            .delete_role_policy()
            .role_name(name)
            .policy_name(policy)
            .send()
            .await?;
    }
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name(name)
        .send()
        .await?;
    for policy in attached.attached_policies() {
        if let Some(arn) = policy.policy_arn() {
            c.iam
                .detach_role_policy()
                .role_name(name)
                .policy_arn(arn)
                .send()
                .await?;
        }
    }
    c.iam.delete_role().role_name(name).send().await?;
    Ok(())
}
