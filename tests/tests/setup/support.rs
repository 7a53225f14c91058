//! Helpers shared by several of the setup function's test modules.

use e2e_tests::accounts::Account;
use e2e_tests::cleanup::Resource;
use e2e_tests::emulator::repo_root;
use e2e_tests::template::{Context, load, parameters};
use e2e_tests::unique_name;
use e2e_tests::world::World;
use serde_json::Value;

/// The start of the PhysicalResourceId a Create answers when it fails before any write
/// (issue 8, defect 3).
pub(crate) const MARKER: &str = "s3-kms-replication:failed-create:";

/// A new bucket in `account`, deleted with `world`.
pub(crate) async fn extra_bucket(world: &World, account: Account) -> String {
    let bucket = unique_name("extra");
    world.track(account, Resource::Bucket(bucket.clone()));
    let c = if account == Account::A {
        &world.a
    } else {
        &world.b
    };
    c.s3.create_bucket().bucket(&bucket).send().await.unwrap();
    bucket
}

/// The Properties of `resource` in `infra/<file>`, resolved with the parameters `overrides`
/// (later ones win) and every other parameter's default: what CloudFormation would send the
/// function for that stack.
pub(crate) fn template_properties(file: &str, resource: &str, overrides: &[(&str, &str)]) -> Value {
    let template = load(&repo_root().join("infra").join(file));
    let overrides = parameters(overrides);
    Context::of(&template, &overrides).properties(&template, resource)
}
