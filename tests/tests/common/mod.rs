//! Helpers shared by several end-to-end test files.

pub(crate) mod harness;
