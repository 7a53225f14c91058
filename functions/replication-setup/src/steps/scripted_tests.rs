//! The setup steps against real SDK clients over an in-process AWS
//! ([`lambda_support::fake_aws`]): which calls a step makes, in milliseconds, without the
//! emulator. The fake keeps D's versioning, D's bucket policy and KB's key policy as state, so
//! a repeat sees what the first run wrote.

use std::sync::{Arc, Mutex};

use lambda_support::fake_aws::{FakeAws, Reply, Request};
use replication_core::arn::{AccountId, KmsKeyArn, Region};
use replication_core::plan;
use replication_core::properties::{
    DestinationFacts, DestinationProperties, DestinationSpec, ResolvedKey,
};
use serde_json::{Value, json};

use super::*;

const KB: &str = "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555";
const D: &str = "replicas-d";

/// What the fake AWS holds.
#[derive(Debug, Default)]
struct World {
    versioning: Option<&'static str>,
    bucket_policy: Option<String>,
    key_policy: String,
    /// `Some(n)`: D is gone, every call on it answers NoSuchBucket.
    bucket_gone: bool,
    /// Writes of this operation to answer with 503 SlowDown before succeeding.
    throttle: Option<(&'static str, usize)>,
}

fn foreign_key_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Auditors", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::222222222222:role/auditors"},
         "Action": "kms:DescribeKey", "Resource": "*"}]})
    .to_string()
}

fn foreign_bucket_policy() -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Sid": "DenyInsecureTransport",
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [format!("arn:aws:s3:::{D}"), format!("arn:aws:s3:::{D}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    .to_string()
}

fn answer(world: &Mutex<World>, r: &Request) -> Reply {
    let Ok(mut w) = world.lock() else {
        return Reply::status(500);
    };
    let op = r.operation();
    if w.bucket_gone && r.target.is_none() {
        return Reply::xml_error(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    if let Some((throttled, left)) = w.throttle
        && throttled == op
        && left > 0
    {
        w.throttle = Some((throttled, left - 1));
        return Reply::xml_error(503, "SlowDown", "Please reduce your request rate.");
    }
    match op.as_str() {
        "GetBucketVersioning" => Reply::ok(match w.versioning {
            Some(s) => {
                format!("<VersioningConfiguration><Status>{s}</Status></VersioningConfiguration>")
            }
            None => "<VersioningConfiguration/>".to_owned(),
        }),
        "PutBucketVersioning" => {
            w.versioning = Some("Enabled");
            Reply::status(200)
        }
        "GetBucketPolicy" => match &w.bucket_policy {
            Some(p) => Reply::ok(p.clone()),
            None => Reply::xml_error(
                404,
                "NoSuchBucketPolicy",
                "The bucket policy does not exist",
            ),
        },
        "PutBucketPolicy" => {
            w.bucket_policy = Some(r.body.clone());
            Reply::status(204)
        }
        "DeleteBucketPolicy" => {
            w.bucket_policy = None;
            Reply::status(204)
        }
        "GetKeyPolicy" => {
            Reply::ok(json!({"Policy": w.key_policy, "PolicyName": "default"}).to_string())
        }
        "PutKeyPolicy" => {
            let body: Value = serde_json::from_str(&r.body).unwrap_or_default();
            w.key_policy = body["Policy"].as_str().unwrap_or_default().to_owned();
            Reply::ok("{}")
        }
        _ => Reply::xml_error(400, "NotScripted", &op),
    }
}

fn fake(world: World) -> (FakeAws, AccountClients, Arc<Mutex<World>>) {
    let world = Arc::new(Mutex::new(world));
    let state = world.clone();
    let aws = FakeAws::new(move |r| answer(&state, r));
    let clients = AccountClients::new(aws.config(), true);
    (aws, clients, world)
}

fn spec() -> DestinationSpec {
    let props = DestinationProperties::parse(&json!({
        "DestinationBucket": D, "DestinationKmsKeyArn": KB, "SourceAccountId": "111111111111",
        "SourceBucket": "source-s", "ReplicationRoleArn": "arn:aws:iam::111111111111:role/replication"}))
    .unwrap();
    props
        .validate(&DestinationFacts {
            account_id: AccountId::parse("222222222222").unwrap(),
            destination_bucket_region: Region::parse("us-east-1").unwrap(),
            destination_key: ResolvedKey::from_arn(KmsKeyArn::parse(KB).unwrap()),
            destination_encryption: None,
        })
        .unwrap()
}

/// Steps 1, 4 and 5 of the destination side, as `apply_destination` runs them.
async fn destination_steps(c: &AccountClients, spec: &DestinationSpec) {
    enable_versioning(c, spec.destination_bucket.as_str())
        .await
        .unwrap();
    merge_key_policy(
        c,
        &spec.destination_key,
        &spec.sid_scope(),
        &plan::destination_key_policy_statements(spec),
    )
    .await
    .unwrap();
    merge_bucket_policy(c, spec).await.unwrap();
}

/// Every call the steps made is one that the catalogue lists for `role`
/// (`replication_core::catalogue`), whose grants `tests/tests/templates.rs` holds the
/// templates' roles to: a call the function's role would not allow fails here first.
fn assert_catalogued(aws: &FakeAws, role: &str) {
    let calls: Vec<&str> = replication_core::catalogue::grants(role)
        .iter()
        .flat_map(|g| g.calls.iter().copied())
        .collect();
    for r in aws.requests() {
        let op = r.operation();
        assert!(
            calls.contains(&op.as_str()),
            "{role}: the steps call {op}, which the catalogue does not list; add it to the \
             role's grants in replication_core::catalogue (and the template's role)"
        );
    }
}

fn sids(doc: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(doc).unwrap();
    v["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_create_over_foreign_statements_makes_exactly_these_writes_and_a_repeat_none() {
    let (aws, c, world) = fake(World {
        bucket_policy: Some(foreign_bucket_policy()),
        key_policy: foreign_key_policy(),
        ..World::default()
    });
    let spec = spec();
    destination_steps(&c, &spec).await;
    assert_eq!(
        aws.writes(),
        ["PutBucketVersioning", "PutKeyPolicy", "PutBucketPolicy"]
    );
    {
        let w = world.lock().unwrap();
        let bucket = sids(w.bucket_policy.as_deref().unwrap());
        assert_eq!(
            bucket[0], "DenyInsecureTransport",
            "kept, first: {bucket:?}"
        );
        assert!(
            bucket[1..]
                .iter()
                .all(|s| s.starts_with("S3KmsReplication"))
        );
        let key = sids(&w.key_policy);
        assert_eq!(key[..2], ["Enable IAM User Permissions", "Auditors"]);
        assert!(key.len() > 2);
    }
    let before = aws.requests().len();
    destination_steps(&c, &spec).await;
    let repeat = &aws.requests()[before..];
    assert!(
        repeat.iter().all(|r| !r.is_write()),
        "a repeat only reads: {repeat:?}"
    );
    assert_catalogued(&aws, "setup-destination");
}

#[tokio::test]
async fn a_delete_of_an_already_deleted_bucket_succeeds_without_writes() {
    let (aws, c, _) = fake(World {
        bucket_gone: true,
        key_policy: foreign_key_policy(),
        ..World::default()
    });
    let spec = spec();
    remove_bucket_policy_statements(&c, D, &spec.sid_scope())
        .await
        .unwrap();
    assert_eq!(aws.writes(), Vec::<String>::new());
    assert_eq!(aws.requests().len(), 1, "one read: {:?}", aws.requests());
}

#[tokio::test]
async fn a_throttled_write_is_retried_by_the_sdk() {
    let (aws, c, world) = fake(World {
        throttle: Some(("PutBucketVersioning", 1)),
        key_policy: foreign_key_policy(),
        ..World::default()
    });
    let was_enabled = enable_versioning(&c, D).await.unwrap();
    assert!(!was_enabled);
    assert_eq!(aws.writes(), ["PutBucketVersioning", "PutBucketVersioning"]);
    assert_eq!(world.lock().unwrap().versioning, Some("Enabled"));
}

/// A source spec for S in account A, replicating to [`D`] under [`KB`].
fn source_spec() -> replication_core::properties::SourceSpec {
    source_spec_with(json!({}))
}

/// A validated source spec for S = `source-s` and D, with `extra` properties set.
pub(crate) fn source_spec_with(extra: Value) -> replication_core::properties::SourceSpec {
    use replication_core::arn::KeyManager;
    use replication_core::properties::{SourceFacts, SourceProperties};
    const KA: &str = "arn:aws:kms:us-east-1:111111111111:key/22222222-3333-4444-8555-666666666666";
    let mut props = json!({
        "SourceBucket": "source-s", "SourceKmsKeyArn": KA, "DestinationBucket": D,
        "DestinationAccountId": "222222222222", "DestinationKmsKeyArn": KB});
    for (k, v) in extra.as_object().unwrap() {
        props[k] = v.clone();
    }
    SourceProperties::parse(&props)
        .unwrap()
        .validate(&SourceFacts {
            account_id: AccountId::parse("111111111111").unwrap(),
            source_bucket_region: Region::parse("us-east-1").unwrap(),
            source_key: ResolvedKey {
                arn: KmsKeyArn::parse(KA).unwrap(),
                manager: Some(KeyManager::Customer),
                state: None,
            },
            destination_key: ResolvedKey::from_arn(KmsKeyArn::parse(KB).unwrap()),
            destination_bucket_region: Some(Region::parse("us-east-1").unwrap()),
            source_encryption: None,
            destination_encryption: None,
            source_object_lock: false,
        })
        .unwrap()
}

/// S3 answering PutBucketReplication with "Destination bucket must have versioning enabled."
/// for the first `refusals` puts (D not deployed yet), then 200.
fn destination_arriving_after(refusals: usize) -> (FakeAws, AccountClients) {
    let left = Arc::new(Mutex::new(refusals));
    let aws = FakeAws::new(move |r| match r.operation().as_str() {
        "GetBucketReplication" => Reply::xml_error(
            404,
            "ReplicationConfigurationNotFoundError",
            "The replication configuration was not found",
        ),
        "PutBucketReplication" => {
            let Ok(mut left) = left.lock() else {
                return Reply::status(500);
            };
            if *left == 0 {
                return Reply::status(200);
            }
            *left -= 1;
            Reply::xml_error(
                400,
                "InvalidRequest",
                "Destination bucket must have versioning enabled.",
            )
        }
        op => Reply::xml_error(400, "NotScripted", op),
    });
    let clients = AccountClients::new(aws.config(), true);
    (aws, clients)
}

#[tokio::test]
async fn a_source_before_its_destination_waits_for_d_and_converges() {
    // GIVEN D is versioned between the first and the second attempt
    let (aws, c) = destination_arriving_after(1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    // WHEN step 6 runs
    put_replication_rule(&c, &source_spec(), None, deadline)
        .await
        .unwrap();
    // THEN it put the rule again after the pause, and succeeded
    assert_eq!(
        aws.writes(),
        ["PutBucketReplication", "PutBucketReplication"]
    );
    assert_catalogued(&aws, "setup-source");
}

#[tokio::test]
async fn a_source_whose_destination_never_comes_says_to_deploy_the_destination_first() {
    // GIVEN D never becomes versioned, and 1.5 s are left
    let (aws, c) = destination_arriving_after(usize::MAX);
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(1500);
    // WHEN step 6 runs
    let err = put_replication_rule(&c, &source_spec(), None, deadline)
        .await
        .unwrap_err();
    // THEN it gave up before the deadline, naming D, its account and what to do
    assert!(
        matches!(err, StepError::DestinationNotReady { .. }),
        "{err:?}"
    );
    let reason = err.to_string();
    for needed in [
        D,
        "222222222222",
        "deploy the destination stack",
        "Custom::ReplicationDestination",
    ] {
        assert!(reason.contains(needed), "{needed:?} in {reason}");
    }
    assert_eq!(
        aws.writes().len(),
        2,
        "one retry after 1 s, none past the deadline"
    );
    assert!(std::time::Instant::now() < deadline);
}
