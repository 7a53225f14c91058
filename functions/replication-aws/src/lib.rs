//! The seam between `replication-core`'s plain documents and the AWS SDK's types, shared by
//! the setup function and the doctor so that both read S3's documents the same way.

pub mod batch_job;
pub mod convert;
pub mod documents;
pub mod read;
pub mod regional;
