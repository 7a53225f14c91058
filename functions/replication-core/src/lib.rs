//! Pure domain logic for cross-account S3 replication with SSE-KMS.
//!
//! No Lambda types and no network: everything here is a function over plain data, so the
//! decisions the two Lambdas make are unit-tested without AWS.
//!
//! Replica verification (step 7):
//! - [`events`]: which payload shape an invocation carries, parsed into replica events;
//! - [`s3_key`]: URL-decoding of object keys in S3 events;
//! - [`verdict`]: the verdict on one replica from its `HeadObject` facts;
//! - [`report`]: an invocation's verdicts to metrics, SQS batch failures and a summary;
//! - [`metric_names`]: every metric name the functions publish;
//! - [`metrics`]: aggregation, EMF documents and `PutMetricData` batches within the limits;
//! - [`verifier_config`]: the verifier's environment, validated;
//! - [`time`]: RFC 3339 timestamps to epoch milliseconds.
//! - [`panic_probe`]: proof that a shipped bootstrap unwinds on panic.
//!
//! Replication setup (steps 1-6):
//! - [`canary`]: the canary objects' keys, and which old versions a scheduled run removes;
//! - [`arn`]: parsing and validation of account ids, bucket names, KMS key references, role ARNs;
//! - [`properties`]: the custom resources' Properties, parsed, validated and diffed for Update;
//! - [`policy`]: policy documents and the merge rules that keep foreign statements intact;
//! - [`plan`]: the corrected replication steps as data: role, key and bucket policies, rules;
//! - [`source_encryption`]: S's default encryption against KA, as warnings.
//!
//! ```
//! use replication_core::events::{detect, EventShape};
//! let event = serde_json::json!({"Records": [{"eventSource": "aws:s3"}]});
//! assert_eq!(detect(&event), Ok(EventShape::S3Notification { records: 1 }));
//! ```

pub mod arn;
pub mod batch_job;
pub mod canary;
pub mod catalogue;
pub mod doctor;
pub mod evaluate;
pub mod events;
pub mod failure_reasons;
pub mod metric_names;
pub mod metrics;
pub mod notification;
pub mod panic_probe;
pub mod plan;
pub mod policy;
pub mod properties;
pub mod report;
pub mod s3_key;
pub mod source_encryption;
pub mod time;
pub mod verdict;
pub mod verifier_config;
