//! Pure domain logic for cross-account S3 replication with SSE-KMS.
//!
//! No Lambda types and no network: everything here is a function over plain data, so the
//! decisions the two Lambdas make are unit-tested without AWS.
//!
//! - [`event_shape`]: which of the payload shapes the verifier accepts an invocation carries.
//! - [`arn`]: parsing and validation of account ids, bucket names, KMS key references, role ARNs.
//! - [`properties`]: the custom resources' Properties, parsed, validated and diffed for Update.
//! - [`policy`]: policy documents and the merge rules that keep foreign statements intact.
//! - [`plan`]: the corrected replication steps as data: role, key and bucket policies, rules.
//!
//! ```
//! use replication_core::event_shape::{detect, EventShape};
//! let event = serde_json::json!({"Records": [{"eventSource": "aws:s3"}]});
//! assert_eq!(detect(&event), Ok(EventShape::S3Notification { records: 1 }));
//! ```

pub mod arn;
pub mod event_shape;
pub mod plan;
pub mod policy;
pub mod properties;
