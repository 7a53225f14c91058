//! The CLI itself: what it says with one account's credentials, its version, usage errors,
//! profiles and regions.

use e2e_tests::doctor_cli;

use crate::support::{configured, run};

#[tokio::test]
async fn with_one_accounts_credentials_it_says_what_it_could_not_check() {
    let h = configured().await;
    let run = run(&h, true, false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("--destination-profile"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains('✗'), "{}", run.stdout);
}

/// The doctor as a tool people install (issue 22): `--version`; usage errors exit 64, apart
/// from 2 ("could not check everything"); a mistyped profile or a missing region is one line
/// that names it; fix commands carry the profile and region they must run under.
#[tokio::test]
async fn the_cli_names_its_version_usage_errors_profiles_and_regions() {
    let h = configured().await;
    let w = &h.world;
    let version = doctor_cli::run_args(w, &["--version"], None).unwrap();
    assert_eq!(version.code, 0);
    assert_eq!(
        version.stdout.trim(),
        format!("replication-doctor {}", env!("CARGO_PKG_VERSION"))
    );
    let usage = doctor_cli::run_args(w, &["--source-bucket"], None).unwrap();
    assert_eq!(usage.code, 64, "{}", usage.stderr);
    assert!(
        usage.stderr.contains("--source-bucket needs a value"),
        "{}",
        usage.stderr
    );

    let pair = [
        "--source-bucket",
        &w.source_bucket,
        "--destination-bucket",
        &w.destination_bucket,
    ];
    let mistyped = [&pair[..], &["--source-profile", "a-typo"]].concat();
    let run = doctor_cli::run_args(w, &mistyped, Some("us-east-1")).unwrap();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("\"a-typo\" (--source-profile)"),
        "{}",
        run.stderr
    );

    let no_region = [&pair[..], &["--source-profile", "a"]].concat();
    let run = doctor_cli::run_args(w, &no_region, None).unwrap();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("--source-region"), "{}", run.stderr);
    let with_flag = [&no_region[..], &["--source-region", "us-east-1", "--json"]].concat();
    let run = doctor_cli::run_args(w, &with_flag, None).unwrap();
    assert_ne!(run.code, 64, "{}", run.stderr);
    assert!(run.json().is_ok(), "{}", run.stdout);
}
