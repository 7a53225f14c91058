//! Helpers shared by the verifier's test modules: a replicated world, the verifier on it, and
//! its log lines.

use std::time::Duration;

use aws_sdk_s3::types::ServerSideEncryption;
use e2e_tests::accounts::Account;
use e2e_tests::batch::encode_key;
use e2e_tests::cleanup::Resource;
use e2e_tests::runtime_api::{LambdaProcess, binary_path};
use e2e_tests::target::Target;
use e2e_tests::world::World;
use serde_json::Value;

/// How long an object may take to replicate or notify (15 s on the emulator, minutes live).
pub(crate) fn wait() -> Duration {
    Target::shared().map_or(Duration::from_secs(15), Target::replication_wait)
}

pub(crate) async fn replicated_world() -> World {
    World::create_replicated(Target::shared().unwrap())
        .await
        .unwrap()
}

pub(crate) async fn verifier(world: &World, extra: &[(&str, &str)]) -> LambdaProcess {
    let mut env = world.b.lambda_env();
    env.push((
        "EXPECTED_KMS_KEY_ARN".into(),
        world.destination_key_arn.clone(),
    ));
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    LambdaProcess::spawn(&binary_path("replica-verifier"), &env)
        .await
        .unwrap()
}

pub(crate) fn json_lines(f: &LambdaProcess) -> Vec<Value> {
    f.stdout_lines()
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

pub(crate) fn emf_sum(lines: &[Value], metric: &str) -> f64 {
    lines
        .iter()
        .filter(|l| l.get("_aws").is_some())
        .filter_map(|l| l.get(metric).and_then(Value::as_f64))
        .sum()
}

pub(crate) fn verdict_lines<'a>(lines: &'a [Value], verdict: &str) -> Vec<&'a Value> {
    lines.iter().filter(|l| l["verdict"] == verdict).collect()
}

pub(crate) async fn put_and_replicate(world: &World, keys: &[&str]) {
    for key in keys {
        let version = world.put_source_object(key, "payload").await.unwrap();
        let head = world
            .wait_for_source_status(key, &version, wait())
            .await
            .unwrap();
        assert_eq!(
            head.replication_status.unwrap().as_str(),
            "COMPLETED",
            "{key}"
        );
    }
}

/// Someone in B rewrites `key` in D under a new key KX: a new version, not a replica. Returns
/// KX's ARN.
pub(crate) async fn rewrite_under_a_new_key(world: &World, key: &str) -> String {
    let other_key = world
        .b
        .kms
        .create_key()
        .description("KX")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap()
        .arn
        .unwrap();
    world.track(Account::B, Resource::Key(other_key.clone()));
    world
        .b
        .s3
        .copy_object()
        .bucket(&world.destination_bucket)
        .key(key)
        .copy_source(format!("{}/{}", world.destination_bucket, encode_key(key)))
        .server_side_encryption(ServerSideEncryption::AwsKms)
        .ssekms_key_id(&other_key)
        .send()
        .await
        .unwrap();
    other_key
}
