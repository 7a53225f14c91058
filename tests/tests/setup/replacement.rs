//! Replacements and in-place Updates: what CloudFormation's Delete of the old resource leaves.

use e2e_tests::accounts::{Account, Clients};
use e2e_tests::cleanup::Resource;
use e2e_tests::unique_name;
use e2e_tests::world::create_key;
use serde_json::{Value, json};

use crate::common::harness::{DESTINATION, Harness, SOURCE, ours};
use crate::support::extra_bucket;

// ---------------------------------------------------------------------------------------
// Issue 8, defect 4: a replacement's old-id Delete leaves the new resource working. For every
// property that forms a PhysicalResourceId: Create with the old properties, Update to the new
// ones (a new id), then CloudFormation's Delete of the old id with the old properties.
// ---------------------------------------------------------------------------------------

const ELSEWHERE: &str = "333333333333";

impl Harness {
    /// Every document our resources may touch in the world and in `extra` buckets (S3 in the
    /// accounts given): bucket policies, notifications and replication configurations, both
    /// key policies, and every inline policy of the role.
    async fn state(&self, extra: &[(&Clients, &str)]) -> Value {
        let w = &self.world;
        let mut buckets = vec![
            (&w.a, w.source_bucket.as_str()),
            (&w.b, w.destination_bucket.as_str()),
        ];
        buckets.extend(extra.iter().copied());
        let mut out = serde_json::Map::new();
        for (c, bucket) in buckets {
            let policy = c.s3.get_bucket_policy().bucket(bucket).send().await.ok();
            let notifications =
                c.s3.get_bucket_notification_configuration()
                    .bucket(bucket)
                    .send()
                    .await
                    .ok();
            let replication =
                c.s3.get_bucket_replication()
                    .bucket(bucket)
                    .send()
                    .await
                    .ok();
            out.insert(
                bucket.to_owned(),
                json!({
                    "policy": policy.and_then(|p| p.policy),
                    "queues": notifications.map(|n| format!("{:?}", n.queue_configurations())),
                    "replication": replication.map(|r| format!("{:?}", r.replication_configuration)),
                }),
            );
        }
        out.insert("ka".into(), w.key_policy(&w.source_key_arn).await.unwrap());
        out.insert(
            "kb".into(),
            w.key_policy(&w.destination_key_arn).await.unwrap(),
        );
        let mut role = serde_json::Map::new();
        if let Ok(names) =
            w.a.iam
                .list_role_policies()
                .role_name(&self.role_name)
                .send()
                .await
        {
            for name in names.policy_names {
                let doc =
                    w.a.iam
                        .get_role_policy()
                        .role_name(&self.role_name)
                        .policy_name(&name)
                        .send()
                        .await
                        .unwrap()
                        .policy_document;
                role.insert(name, json!(doc));
            }
        }
        out.insert("role".into(), Value::Object(role));
        Value::Object(out)
    }

    /// Create with `old`, Update to `new` (a replacement: the id changes), then Delete the old
    /// id with `old`. Afterwards the new resource must still be complete: applying `new` again
    /// (a repeated Create, which writes only what is missing) changes no document.
    async fn replace_then_delete_old(
        &mut self,
        resource_type: &str,
        old: Value,
        new: Value,
        extra: &[(&Clients, &str)],
    ) -> Value {
        let created = self.send("Create", resource_type, old.clone(), None).await;
        assert_eq!(created["Status"], "SUCCESS", "{created}");
        let id = &created["PhysicalResourceId"];
        let updated = self
            .update(resource_type, old.clone(), new.clone(), id)
            .await;
        assert_eq!(updated["Status"], "SUCCESS", "{updated}");
        assert_ne!(updated["PhysicalResourceId"], *id, "a replacement");
        let deleted = self
            .send("Delete", resource_type, old, id.as_str().map(str::to_owned))
            .await;
        assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
        let after_delete = self.state(extra).await;
        let again = self.send("Create", resource_type, new, None).await;
        assert_eq!(again["Status"], "SUCCESS", "{again}");
        assert_eq!(
            self.state(extra).await,
            after_delete,
            "the old id's Delete removed part of the new resource"
        );
        updated
    }
}

#[tokio::test]
async fn destination_replacement_by_source_bucket_or_account_then_old_delete_keeps_the_new() {
    for property in ["SourceBucket", "SourceAccountId"] {
        let mut h = Harness::new().await;
        let new = h.destination_props();
        let mut old = new.clone();
        if property == "SourceBucket" {
            old["SourceBucket"] = json!(unique_name("old-src"));
        } else {
            old["SourceAccountId"] = json!(ELSEWHERE);
            old["ReplicationRoleArn"] =
                json!(format!("arn:aws:iam::{ELSEWHERE}:role/{}", h.role_name));
        }
        h.replace_then_delete_old(DESTINATION, old, new, &[]).await;
        assert_eq!(h.queue_notifications().await.len(), 1, "{property}");
        h.create_source().await;
        h.assert_replicates("after-replacement.txt").await;
    }
}

#[tokio::test]
async fn destination_replacement_by_destination_bucket_then_old_delete_keeps_the_new() {
    let mut h = Harness::new().await;
    let old = h.destination_props();
    let moved = extra_bucket(&h.world, Account::B).await;
    let mut new = old.clone();
    new["DestinationBucket"] = json!(moved);
    let b = h.world.b.clone();
    h.replace_then_delete_old(DESTINATION, old, new, &[(&b, moved.as_str())])
        .await;
    // The new D has our statements and the queue's notification; the old D is clean.
    let policy =
        b.s3.get_bucket_policy()
            .bucket(&moved)
            .send()
            .await
            .unwrap();
    assert!(ours(&serde_json::from_str(policy.policy().unwrap()).unwrap()) > 0);
    let queues =
        b.s3.get_bucket_notification_configuration()
            .bucket(&moved)
            .send()
            .await
            .unwrap();
    assert_eq!(queues.queue_configurations().len(), 1);
    assert_eq!(h.world.destination_bucket_policy().await.unwrap(), None);
    assert!(h.queue_notifications().await.is_empty());
}

#[tokio::test]
async fn source_replacement_by_destination_account_then_old_delete_keeps_the_new() {
    // The old properties named the wrong account (and a key there): the fix keeps the Sid
    // scope, the rule Id, the role and its policy name.
    let mut h = Harness::new().await;
    h.create_destination().await;
    let new = h.source_props();
    let mut old = new.clone();
    old["DestinationAccountId"] = json!(ELSEWHERE);
    old["DestinationKmsKeyArn"] = json!(format!(
        "arn:aws:kms:us-east-1:{ELSEWHERE}:key/00000000-0000-0000-0000-000000000000"
    ));
    h.replace_then_delete_old(SOURCE, old, new, &[]).await;
    h.assert_replicates("after-replacement.txt").await;
}

#[tokio::test]
async fn source_replacement_by_destination_bucket_with_the_same_rule_id_then_old_delete_keeps_the_new()
 {
    // Both properties name the rule "main": the new resource takes the Id to the new bucket.
    let mut h = Harness::new().await;
    h.create_destination().await;
    let mut new = h.source_props();
    new["Rules"] = json!([{"Id": "main"}]);
    let mut old = new.clone();
    // The old pair's D existed and was versioned: S3 refuses a rule to any other
    let old_destination = extra_bucket(&h.world, Account::B).await;
    e2e_tests::world::enable_versioning(&h.world.b, &old_destination)
        .await
        .unwrap();
    old["DestinationBucket"] = json!(old_destination);
    h.replace_then_delete_old(SOURCE, old, new, &[]).await;
    h.assert_replicates("after-replacement.txt").await;
}

#[tokio::test]
async fn source_replacement_by_source_bucket_then_old_delete_keeps_the_new() {
    let mut h = Harness::new().await;
    h.create_destination().await;
    let new = h.source_props();
    let previous = extra_bucket(&h.world, Account::A).await;
    let mut old = new.clone();
    old["SourceBucket"] = json!(previous);
    let a = h.world.a.clone();
    h.replace_then_delete_old(SOURCE, old, new, &[(&a, previous.as_str())])
        .await;
    h.assert_replicates("after-replacement.txt").await;
    let old_rules = a.s3.get_bucket_replication().bucket(&previous).send().await;
    assert!(old_rules.is_err(), "the old source's rule is gone");
}

/// Issue 8, defect 4 (also): an in-place Update to another key or role takes our grants off the
/// old ones.
#[tokio::test]
async fn an_update_to_another_key_and_role_removes_our_grants_from_the_old_ones() {
    let mut h = Harness::new().await;
    let destination = h.create_destination().await;
    let source = h.create_source().await;
    let w = &h.world;
    // GIVEN new keys in each account, and a new role name
    let new_ka = create_key(&w.a, "KA2").await.unwrap();
    w.track(Account::A, Resource::Key(new_ka.clone()));
    let new_kb = create_key(&w.b, "KB2").await.unwrap();
    w.track(Account::B, Resource::Key(new_kb.clone()));
    let new_role = unique_name("replication-2");
    w.track(Account::A, Resource::Role(new_role.clone()));
    // WHEN both resources are updated in place
    let old = h.destination_props();
    let mut new = old.clone();
    new["DestinationKmsKeyArn"] = json!(new_kb);
    new["ReplicationRoleArn"] = json!(format!("arn:aws:iam::{}:role/{new_role}", Account::A.id()));
    let answer = h
        .update(DESTINATION, old, new, &destination["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    let old = h.source_props();
    let mut new = old.clone();
    new["SourceKmsKeyArn"] = json!(new_ka);
    new["DestinationKmsKeyArn"] = json!(new_kb);
    new["RoleName"] = json!(new_role);
    let answer = h
        .update(SOURCE, old, new, &source["PhysicalResourceId"])
        .await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    // THEN the old keys hold none of our statements, and the old role (ours) is gone
    let w = &h.world;
    assert_eq!(ours(&w.key_policy(&w.source_key_arn).await.unwrap()), 0);
    assert_eq!(
        ours(&w.key_policy(&w.destination_key_arn).await.unwrap()),
        0
    );
    let old_role = w.a.iam.get_role().role_name(&h.role_name).send().await;
    assert!(old_role.is_err(), "the old role we created is deleted");
    // AND the new keys and role carry them
    let new_kb_policy =
        w.b.kms
            .get_key_policy()
            .key_id(&new_kb)
            .policy_name("default")
            .send()
            .await
            .unwrap();
    assert!(ours(&serde_json::from_str(new_kb_policy.policy().unwrap()).unwrap()) > 0);
    let names =
        w.a.iam
            .list_role_policies()
            .role_name(&new_role)
            .send()
            .await
            .unwrap();
    assert_eq!(names.policy_names.len(), 1);
}
