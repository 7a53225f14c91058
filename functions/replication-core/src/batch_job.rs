//! S3 Batch Operations jobs as plain data: which objects a Batch Replication job selects, and
//! what its completion report says.
//!
//! - [`Selection`]: re-drive (`FAILED`) or backfill (`NONE`), the filter of the manifest that S3
//!   generates (S3 User Guide, "Replicating existing objects with S3 Batch Replication",
//!   section "Filters for a Batch Replication job").
//! - [`parse_report_csv`] and [`summarize`]: the completion report's rows (S3 User Guide,
//!   "Examples: S3 Batch Operations completion reports": no header, schema `Bucket, Key,
//!   VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage`, keys URL-encoded) into
//!   counts, failures by error code, and the first failures.
//!
//! - [`existing_objects_token`] and [`job_description`]: the deterministic idempotency token of
//!   the job that `ReplicateExistingObjects` starts, and the description that carries it, so
//!   that a repeat Create or an Update finds that job instead of starting a second one.
//!
//! ```
//! use replication_core::batch_job::{parse_report_csv, summarize};
//! let rows = parse_report_csv("s,a%20b,v1,failed,AccessDenied,403,\"denied, s3:X\"\n").unwrap();
//! let summary = summarize(&rows, 5);
//! assert_eq!(summary.failed, 1);
//! assert_eq!(summary.first_failures[0].key, "a b");
//! ```

use std::collections::BTreeMap;

use serde::Serialize;

use crate::s3_key::decode_batch_key;

/// Which objects a Batch Replication job replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Selection {
    /// Objects whose replication `FAILED` ("Amazon S3 has attempted, but failed to replicate
    /// the object before"): re-drive them after a fix.
    Redrive,
    /// Objects S3 never tried to replicate (`NONE`): those that predate the rule.
    Backfill,
}

impl Selection {
    /// The `ObjectReplicationStatuses` filter value.
    #[must_use]
    pub fn replication_status(self) -> &'static str {
        match self {
            Selection::Redrive => "FAILED",
            Selection::Backfill => "NONE",
        }
    }

    /// The command's name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Selection::Redrive => "redrive",
            Selection::Backfill => "backfill",
        }
    }
}

/// The most characters S3 Control takes in a `ClientRequestToken` (S3 API Reference,
/// CreateJob: "Length Constraints: Minimum length of 1. Maximum length of 64.").
pub const MAX_TOKEN: usize = 64;

/// The `ClientRequestToken` of the Batch Replication job that `ReplicateExistingObjects` starts
/// for one resource: the same for every request about the same resource and objects (the
/// stack, the template's logical id, and the PhysicalResourceId, which names S, B and D), so
/// that a repeated Create answers the first job (CreateJob: "An idempotency token to ensure
/// that you don't accidentally submit the same request twice"). 64-bit FNV-1a over the three,
/// as hex: stable across releases and platforms, and [`MAX_TOKEN`] long at most.
///
/// ```
/// use replication_core::batch_job::existing_objects_token;
/// let t = existing_objects_token("arn:aws:cloudformation:us-east-1:1:stack/s/1", "Replication", "s3-kms-replication:source:s:2:d");
/// assert_eq!(t, existing_objects_token("arn:aws:cloudformation:us-east-1:1:stack/s/1", "Replication", "s3-kms-replication:source:s:2:d"));
/// assert!(t.starts_with("s3-kms-replication-existing-") && t.len() <= 64);
/// ```
#[must_use]
pub fn existing_objects_token(stack_id: &str, logical_id: &str, physical_id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [stack_id, logical_id, physical_id] {
        // A separator no id contains, so that ("ab", "c") and ("a", "bc") differ.
        for byte in part.bytes().chain([0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("s3-kms-replication-existing-{hash:016x}")
}

/// A Batch Replication job's description (at most 256 characters in S3 Control): the
/// selection, the pair, and the token when there is one, which [`job_has_token`] finds again
/// in a `ListJobs` answer.
#[must_use]
pub fn job_description(
    selection: Selection,
    source_bucket: &str,
    destination_bucket: &str,
    token: Option<&str>,
) -> String {
    let mut text = format!(
        "s3-kms-replication {}: {source_bucket} -> {destination_bucket}",
        selection.name()
    );
    if let Some(token) = token {
        text.push_str(&format!(" ({token})"));
    }
    text
}

/// Whether a job's description names `token` ([`job_description`]).
#[must_use]
pub fn job_has_token(description: &str, token: &str) -> bool {
    description.ends_with(&format!(" ({token})"))
}

/// Where the CLI's jobs and the setup function's keep their manifests and reports in the
/// report bucket, unless told otherwise.
pub const DEFAULT_REPORT_PREFIX: &str = "s3-kms-replication";

/// What a Create or Update of a source does about the job for its existing objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingObjectsStep {
    /// `ReplicateExistingObjects` is off.
    Nothing,
    /// Start the job, unless one with the resource's token exists: a Create, or an Update that
    /// turns the property on.
    Start,
    /// Find the job an earlier request started and return its id again (`Fn::GetAtt` reads
    /// `Data` of every answer); never start one: an Update that keeps the property on.
    Report,
}

/// [`ExistingObjectsStep`] for a request whose new properties say `on`, and whose old ones (an
/// Update's, when they parse) said `was_on`.
#[must_use]
pub fn existing_objects_step(on: bool, was_on: Option<bool>) -> ExistingObjectsStep {
    match (on, was_on) {
        (false, _) => ExistingObjectsStep::Nothing,
        (true, Some(true)) => ExistingObjectsStep::Report,
        (true, _) => ExistingObjectsStep::Start,
    }
}

/// `key` as a Batch Operations manifest carries it: URL-encoded (S3 User Guide, "Specifying a
/// manifest": "Object keys must be URL-encoded"), every byte but the unreserved ones and `/` as
/// `%XX`, so that `+` is `%2B` and a space `%20` ([`decode_batch_key`] reads it back).
#[must_use]
pub fn encode_manifest_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// One object version to audit: its key (decoded) and version id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVersion {
    /// The key, as S3 lists it.
    pub key: String,
    /// The version id (`null` for an object written before versioning).
    pub version_id: String,
}

/// The CSV manifest of an audit (format `S3BatchOperations_CSV_20180820`, fields `Bucket, Key,
/// VersionId`): one row per version, keys URL-encoded, no header. A field never needs quoting:
/// bucket names, encoded keys and version ids hold no `,`, `"` or line break.
#[must_use]
pub fn audit_manifest_csv(bucket: &str, versions: &[ObjectVersion]) -> String {
    versions
        .iter()
        .map(|v| {
            format!(
                "{bucket},{},{}\n",
                encode_manifest_key(&v.key),
                v.version_id
            )
        })
        .collect()
}

/// One row of a completion report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    /// The object's bucket.
    pub bucket: String,
    /// The object's key, decoded (the report's is URL-encoded); undecodable keys stay as given.
    pub key: String,
    /// Its version id, when the manifest named one.
    pub version_id: Option<String>,
    /// `true` for `succeeded`.
    pub succeeded: bool,
    /// `ErrorCode`: empty for a succeeded task.
    pub error_code: String,
    /// `HTTPStatusCode`.
    pub http_status: String,
    /// `ResultMessage`.
    pub message: String,
}

/// A malformed report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("completion report line {line}: {problem}")]
pub struct ReportError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// The rows of one report CSV file.
///
/// # Errors
/// A row with fewer than 7 fields, or an unterminated quote.
pub fn parse_report_csv(text: &str) -> Result<Vec<ReportRow>, ReportError> {
    let mut rows = Vec::new();
    for (index, record) in csv_records(text)?.into_iter().enumerate() {
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        let line = index + 1;
        let [bucket, key, version, status, code, http, message] = <[String; 7]>::try_from(
            record.into_iter().take(7).collect::<Vec<_>>(),
        )
        .map_err(|r| ReportError {
            line,
            problem: format!("{} fields, 7 expected", r.len()),
        })?;
        rows.push(ReportRow {
            bucket,
            key: decode_batch_key(&key).unwrap_or(key),
            version_id: Some(version).filter(|v| !v.is_empty()),
            succeeded: status == "succeeded",
            error_code: code,
            http_status: http,
            message,
        });
    }
    Ok(rows)
}

/// RFC 4180 records: `,` separated, `"` quoted with `""` for a quote, `\n` or `\r\n` ends.
fn csv_records(text: &str) -> Result<Vec<Vec<String>>, ReportError> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(ReportError {
            line,
            problem: "unterminated quote".into(),
        });
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

/// What a completion report says, in numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportSummary {
    /// Tasks that succeeded.
    pub succeeded: u64,
    /// Tasks that failed.
    pub failed: u64,
    /// Failed tasks by `ErrorCode` (an empty code as `unknown`).
    pub failed_by_code: BTreeMap<String, u64>,
    /// The first failed rows, in report order.
    pub first_failures: Vec<ReportRow>,
    /// Succeeded tasks by the start of their `ResultMessage` (up to the first `:`), e.g. the
    /// verifier's verdict in an audit.
    pub succeeded_by_message: BTreeMap<String, u64>,
}

/// Count `rows`: succeeded, failed by error code, and the first `limit` failures.
#[must_use]
pub fn summarize(rows: &[ReportRow], limit: usize) -> ReportSummary {
    let mut summary = ReportSummary::default();
    for row in rows {
        if row.succeeded {
            summary.succeeded += 1;
            let head = row.message.split(':').next().unwrap_or_default().trim();
            *summary
                .succeeded_by_message
                .entry(head.to_owned())
                .or_default() += 1;
        } else {
            summary.failed += 1;
            let code = if row.error_code.is_empty() {
                "unknown"
            } else {
                &row.error_code
            };
            *summary.failed_by_code.entry(code.to_owned()).or_default() += 1;
            if summary.first_failures.len() < limit {
                summary.first_failures.push(row.clone());
            }
        }
    }
    summary
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_with_commas_quotes_and_newlines_are_one_field() {
        let text = "b,k,,failed,PermanentFailure,200,\"Lambda returned function error: {\"\"errorMessage\"\":\"\"a,\nb\"\"}\"\r\nb,k2,v,succeeded,,200,Successful\n";
        let rows = parse_report_csv(text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].message,
            "Lambda returned function error: {\"errorMessage\":\"a,\nb\"}"
        );
        assert_eq!(rows[0].version_id, None);
        assert!(rows[1].succeeded);
        assert_eq!(rows[1].version_id.as_deref(), Some("v"));
    }

    #[test]
    fn keys_are_decoded_and_a_short_row_is_named() {
        let rows = parse_report_csv("b,dir/a%20b%2Bc+d,v,succeeded,,200,Successful").unwrap();
        assert_eq!(rows[0].key, "dir/a b+c d");
        let error = parse_report_csv("ok,ok,,succeeded,,200,x\nb,k,failed\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(parse_report_csv("b,\"k").is_err());
    }

    #[test]
    fn failures_are_counted_by_code_and_the_first_kept() {
        let text = "b,1,,failed,AccessDenied,403,no s3:InitiateReplication\n\
                    b,2,,failed,DstPutObjectNotPermitted,200,DstPutObjectNotPermitted\n\
                    b,3,,failed,AccessDenied,403,no s3:InitiateReplication\n\
                    b,4,,succeeded,,200,Verified\n\
                    b,5,,succeeded,,200,Skipped: OutOfScope: not judged\n";
        let summary = summarize(&parse_report_csv(text).unwrap(), 2);
        assert_eq!((summary.succeeded, summary.failed), (2, 3));
        assert_eq!(summary.failed_by_code["AccessDenied"], 2);
        assert_eq!(summary.failed_by_code["DstPutObjectNotPermitted"], 1);
        let keys: Vec<_> = summary
            .first_failures
            .iter()
            .map(|r| r.key.as_str())
            .collect();
        assert_eq!(keys, ["1", "2"]);
        assert_eq!(summary.succeeded_by_message["Verified"], 1);
        assert_eq!(summary.succeeded_by_message["Skipped"], 1);
    }

    #[test]
    fn the_existing_objects_token_is_stable_per_resource_and_differs_between_them() {
        let t = existing_objects_token("stack/1", "Replication", "source:s:2:d");
        assert_eq!(t, "s3-kms-replication-existing-".to_owned() + &t[28..]);
        assert_eq!(t.len(), 44);
        assert!(t.len() <= MAX_TOKEN);
        assert_ne!(
            t,
            existing_objects_token("stack/1", "Replication", "source:s:2:e")
        );
        assert_ne!(
            t,
            existing_objects_token("stack/2", "Replication", "source:s:2:d")
        );
        assert_ne!(
            existing_objects_token("ab", "c", "d"),
            existing_objects_token("a", "bc", "d")
        );
        let description = job_description(Selection::Backfill, "s", "d", Some(&t));
        assert!(job_has_token(&description, &t), "{description}");
        assert!(!job_has_token(
            &job_description(Selection::Backfill, "s", "d", None),
            &t
        ));
        assert!(description.len() <= 256);
    }

    #[test]
    fn only_a_create_or_an_update_that_turns_it_on_starts_the_job() {
        use ExistingObjectsStep::{Nothing, Report, Start};
        assert_eq!(existing_objects_step(true, None), Start);
        assert_eq!(existing_objects_step(true, Some(false)), Start);
        assert_eq!(existing_objects_step(true, Some(true)), Report);
        assert_eq!(existing_objects_step(false, Some(true)), Nothing);
        assert_eq!(existing_objects_step(false, None), Nothing);
    }

    #[test]
    fn the_audit_manifest_lists_each_version_with_its_key_encoded() {
        let versions = [
            ObjectVersion {
                key: "dir/a b+c,ü.txt".into(),
                version_id: "v1".into(),
            },
            ObjectVersion {
                key: "plain".into(),
                version_id: "null".into(),
            },
        ];
        let csv = audit_manifest_csv("d", &versions);
        assert_eq!(csv, "d,dir/a%20b%2Bc%2C%C3%BC.txt,v1\nd,plain,null\n");
        let key = csv.split(',').nth(1).unwrap();
        assert_eq!(decode_batch_key(key).unwrap(), "dir/a b+c,ü.txt");
    }

    #[test]
    fn selections_name_their_status() {
        assert_eq!(Selection::Redrive.replication_status(), "FAILED");
        assert_eq!(Selection::Backfill.replication_status(), "NONE");
    }
}
