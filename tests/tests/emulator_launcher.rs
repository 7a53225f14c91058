//! The emulator launcher as the tests use it: a ready file left behind by an earlier process
//! (PIDs are reused) is never taken for the new emulator's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use e2e_tests::accounts::Account;
use e2e_tests::emulator::Emulator;

#[tokio::test]
async fn a_stale_ready_file_is_not_trusted() {
    // GIVEN a run directory holding a ready file that names a server that is gone
    let dir = std::env::temp_dir().join(e2e_tests::unique_name("local-aws-stale"));
    std::fs::create_dir_all(&dir).unwrap();
    let stale = r#"{"endpoint": "http://127.0.0.1:1", "pid": 1}"#;
    std::fs::write(dir.join("ready.json"), stale).unwrap();

    // WHEN an emulator is started in it
    let emulator = Emulator::start_in(&dir).unwrap();

    // THEN the endpoint is the new emulator's, and it answers
    assert_ne!(emulator.endpoint(), "http://127.0.0.1:1");
    let a = Account::A.connect(&emulator).await.unwrap();
    a.s3.list_buckets().send().await.unwrap();
}
