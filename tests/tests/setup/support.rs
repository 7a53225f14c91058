//! Helpers shared by several of the setup function's test modules.

use e2e_tests::accounts::Account;
use e2e_tests::cleanup::Resource;
use e2e_tests::unique_name;
use e2e_tests::world::World;

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
