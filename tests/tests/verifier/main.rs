//! replica-verifier end to end: the real bootstrap, S3 -> SQS events from the emulator (or from
//! two real accounts in live mode, see `e2e_tests::target`), and metrics read back from the
//! emulator's CloudWatch or from EMF lines on stdout.
//!
//! One test binary (`--test verifier`); its tests are grouped by topic in the modules below.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod audit_job;
mod batch;
mod failures;
mod support;
mod templates_role;
mod verdicts;
