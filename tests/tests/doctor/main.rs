//! replication-doctor end to end: the real CLI binary, with one AWS CLI profile per account,
//! on a world that our own setup function configured. Healthy as set up; then one thing broken
//! at a time, each named as the only finding with the right step and document.
//!
//! One test binary (`--test doctor`); its tests are grouped by topic in the modules below.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

#[path = "../common/mod.rs"]
mod common;

mod batch;
mod breakages;
mod cli;
mod healthy;
mod narrowed_grants;
mod object_lock;
mod scheduled;
mod support;
