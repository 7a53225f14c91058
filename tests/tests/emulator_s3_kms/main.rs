//! Emulator gaps (b), (c), (d), (f), (g), (h) and (j): S3, KMS and IAM answers as AWS gives
//! them, read through the Rust SDK the way our functions read them. Each test fails on plain
//! moto 5.2.5 (`LOCAL_AWS_PLAIN=1`).
//!
//! One test binary (`--test emulator_s3_kms`); its tests are grouped by topic in the modules
//! below.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

mod bucket_configuration;
mod iam;
mod objects_and_keys;
mod support;
