//! The cleanup that keeps live accounts clean (`e2e_tests::cleanup`), exercised on the
//! emulator through the same code path: a world deletes what it created when it is dropped,
//! also when its test panics.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use e2e_tests::accounts::{Account, Clients};
use e2e_tests::cleanup::Resource;
use e2e_tests::target::Target;
use e2e_tests::world::World;

/// What a world made, and clients to look at it after the world is gone.
struct Made {
    a: Clients,
    b: Clients,
    list: Vec<(Account, Resource)>,
}

async fn make_world_with_leftovers() -> (World, Made) {
    let world = World::create_replicated(Target::shared().unwrap())
        .await
        .unwrap();
    // Versions and a delete marker in S: the bucket must be emptied before it can go.
    for body in ["one", "two"] {
        world.put_source_object("k", body).await.unwrap();
    }
    world
        .a
        .s3
        .delete_object()
        .bucket(&world.source_bucket)
        .key("k")
        .send()
        .await
        .unwrap();
    let made = Made {
        a: world.a.clone(),
        b: world.b.clone(),
        list: world.created.list(),
    };
    (world, made)
}

async fn assert_all_gone(made: &Made) {
    assert!(made.list.len() >= 6, "{:?}", made.list);
    for (account, resource) in &made.list {
        let c = if *account == Account::A {
            &made.a
        } else {
            &made.b
        };
        match resource {
            Resource::Bucket(name) => {
                let head = c.s3.head_bucket().bucket(name).send().await;
                assert!(head.is_err(), "bucket {name} still exists");
            }
            Resource::Key(arn) => {
                let meta = c.kms.describe_key().key_id(arn).send().await.unwrap();
                let state = meta.key_metadata.unwrap().key_state.unwrap();
                assert_eq!(state.as_str(), "PendingDeletion", "{arn}");
            }
            Resource::Role(name) => {
                let role = c.iam.get_role().role_name(name).send().await;
                assert!(role.is_err(), "role {name} still exists");
            }
            Resource::Queue(url) => {
                let queue = c.sqs.get_queue_attributes().queue_url(url).send().await;
                assert!(queue.is_err(), "queue {url} still exists");
            }
        }
    }
}

#[tokio::test]
async fn a_dropped_world_deletes_everything_it_created() {
    let (world, made) = make_world_with_leftovers().await;
    drop(world);
    assert_all_gone(&made).await;
}

#[tokio::test]
async fn a_world_whose_test_panics_still_deletes_everything_it_created() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let failing_test = tokio::spawn(async move {
        let (_world, made) = make_world_with_leftovers().await;
        tx.send(made).ok();
        panic!("a failing assertion");
    });
    assert!(failing_test.await.unwrap_err().is_panic());
    let made = rx.await.unwrap();
    assert_all_gone(&made).await;
}
