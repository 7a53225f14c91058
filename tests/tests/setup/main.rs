//! replication-setup end to end: the real bootstrap answers CloudFormation requests at
//! pre-signed emulator URLs, and the emulator's documents and replication prove the result.
//!
//! One test binary (`--test setup`); its tests are grouped by topic in the modules below.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

#[path = "../common/mod.rs"]
mod common;

mod create;
mod deploy_time;
mod encryption;
mod existing_objects;
mod failures;
mod many_sources;
mod notifications;
mod object_lock;
mod order;
mod policy_writes;
mod properties;
mod replacement;
mod replication_events;
mod role_settings;
mod roles;
mod rules;
mod s3_metrics;
mod support;
