//! `redrive` and `backfill`: start an S3 Batch Replication job for a pair, follow it, and
//! summarise its completion report.
//!
//! The job is [`replication_aws::batch_job`]'s, shared with the setup function's
//! `ReplicateExistingObjects`: `S3ReplicateObject` in account A and S's region, over a manifest
//! that S3 generates from S with the selection's `ObjectReplicationStatuses` (and
//! `CreatedAfter`), written with the completion report to `--report-bucket` under
//! `--report-prefix`.
//!
//! Calls, in A: `s3:CreateJob` and `iam:PassRole` on the job role; `s3:DescribeJob` while
//! waiting; `s3:GetObject` on the report's objects (`<prefix>/job-<id>/…`).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use aws_sdk_s3control::types::{JobDescriptor, JobStatus};
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use replication_aws::batch_job::{ReplicationJob, create_replication_job};
use replication_core::batch_job::{ReportSummary, parse_report_csv, summarize};
use replication_core::doctor::Snapshot;
use serde_json::{Value, json};

use crate::args::{EXIT_INCOMPLETE, JobOptions};
use crate::gather::{Connected, one_line};

/// How many failed rows the summary shows.
const FIRST_FAILURES: usize = 10;

/// The S3 Control client of `config`'s account in `region`.
pub(crate) fn control(config: &aws_config::SdkConfig, region: &str) -> aws_sdk_s3control::Client {
    replication_aws::batch_job::control_client(
        aws_sdk_s3control::config::Builder::from(config),
        config.endpoint_url(),
        region,
    )
}

/// A token unique to this run, so that a retried CreateJob does not start a second job.
pub(crate) fn request_token() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("replication-doctor-{}-{nanos}", std::process::id())
}

/// Start the job; its id.
async fn create(
    job: &JobOptions,
    client: &aws_sdk_s3control::Client,
    s: &Snapshot,
) -> anyhow::Result<String> {
    let created_after = match &job.created_after {
        Some(after) => Some(DateTime::from_str(after, Format::DateTime).map_err(|e| {
            anyhow::anyhow!("--created-after {after:?} is not an RFC 3339 time: {e}")
        })?),
        None => None,
    };
    let token = request_token();
    let spec = ReplicationJob {
        account: &s.source_account,
        partition: &s.partition,
        source_bucket: &s.source_bucket,
        destination_bucket: &s.destination_bucket,
        selection: job.selection,
        created_after,
        role_arn: &job.job_role_arn,
        report_bucket: &job.report_bucket,
        report_prefix: &job.report_prefix,
        token: &token,
        findable: false,
    };
    Ok(create_replication_job(client, &spec).await?)
}

/// The job's progress as (total, succeeded, failed).
fn progress(job: &JobDescriptor) -> (Option<i64>, i64, i64) {
    let p = job.progress_summary();
    (
        p.and_then(|p| p.total_number_of_tasks()),
        p.and_then(|p| p.number_of_tasks_succeeded()).unwrap_or(0),
        p.and_then(|p| p.number_of_tasks_failed()).unwrap_or(0),
    )
}

/// One progress line: `Active: 12 of 40 tasks (10 succeeded, 2 failed)`.
fn progress_line(job: &JobDescriptor) -> String {
    let status = job.status().map_or("Unknown", JobStatus::as_str);
    let (total, ok, failed) = progress(job);
    let of = total.map_or(String::new(), |t| format!(" of {t}"));
    format!(
        "{status}: {}{of} tasks ({ok} succeeded, {failed} failed)",
        ok + failed
    )
}

/// A progress bar of `width` cells for `done` of `total`.
fn bar(done: i64, total: i64, width: usize) -> String {
    let filled = if total > 0 {
        usize::try_from(done.clamp(0, total) * i64::try_from(width).unwrap_or(0) / total)
            .unwrap_or(0)
    } else {
        0
    };
    format!(
        "[{}{}]",
        "#".repeat(filled),
        ".".repeat(width - filled.min(width))
    )
}

/// Follow the job until it is Complete, Failed or Cancelled: a bar on a terminal (stderr),
/// else one line per change.
async fn follow(
    client: &aws_sdk_s3control::Client,
    account: &str,
    id: &str,
    poll: Duration,
) -> anyhow::Result<JobDescriptor> {
    let tty = std::io::stderr().is_terminal();
    let mut last = String::new();
    loop {
        let described = client
            .describe_job()
            .account_id(account)
            .job_id(id)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("s3control:DescribeJob failed: {}", one_line(&e)))?;
        let job = described
            .job
            .ok_or_else(|| anyhow::anyhow!("DescribeJob returned no job"))?;
        let line = progress_line(&job);
        let done = matches!(
            job.status(),
            Some(JobStatus::Complete | JobStatus::Failed | JobStatus::Cancelled)
        );
        if tty {
            let (total, ok, failed) = progress(&job);
            eprint!("\r{} {line}   ", bar(ok + failed, total.unwrap_or(0), 30));
            if done {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        } else if line != last {
            eprintln!("job {id}: {line}");
        }
        last = line;
        if done {
            return Ok(job);
        }
        tokio::time::sleep(poll).await;
    }
}

/// The completion report's rows, read from the report bucket.
async fn read_report(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    id: &str,
) -> anyhow::Result<(String, ReportSummary)> {
    let index_key = format!("{prefix}/job-{id}/manifest.json");
    let text = get(s3, bucket, &index_key).await?;
    let index: Value = serde_json::from_str(&text)?;
    let mut rows = Vec::new();
    for result in index["Results"].as_array().into_iter().flatten() {
        let key = result["Key"].as_str().unwrap_or_default();
        let in_bucket = result["Bucket"].as_str().unwrap_or(bucket);
        rows.extend(parse_report_csv(&get(s3, in_bucket, key).await?)?);
    }
    Ok((
        format!("s3://{bucket}/{index_key}"),
        summarize(&rows, FIRST_FAILURES),
    ))
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> anyhow::Result<String> {
    let object = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("s3:GetObject s3://{bucket}/{key}: {}", one_line(&e)))?;
    let bytes = object.body.collect().await?.into_bytes();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// What the job did, for `--json` and the human summary.
fn outcome(
    command: &str,
    id: &str,
    described: &JobDescriptor,
    report: Option<&(String, ReportSummary)>,
    report_error: Option<&str>,
) -> Value {
    let (total, _, _) = progress(described);
    let reasons: Vec<Value> = described
        .failure_reasons()
        .iter()
        .map(|r| json!({"code": r.failure_code(), "reason": r.failure_reason()}))
        .collect();
    json!({
        "job_id": id,
        "command": command,
        "status": described.status().map_or("Unknown", JobStatus::as_str),
        "total_tasks": total,
        "failure_reasons": reasons,
        "report": report.map(|(location, _)| location),
        "report_error": report_error,
        "summary": report.map(|(_, summary)| summary),
    })
}

fn human(outcome: &Value) -> String {
    let mut out = format!(
        "{} job {}: {}",
        outcome["command"].as_str().unwrap_or_default(),
        outcome["job_id"].as_str().unwrap_or_default(),
        outcome["status"].as_str().unwrap_or_default()
    );
    if let Some(total) = outcome["total_tasks"].as_i64() {
        out.push_str(&format!(", {total} tasks"));
    }
    out.push('\n');
    for r in outcome["failure_reasons"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "  ✗ job failed: {}: {}\n",
            r["code"].as_str().unwrap_or_default(),
            r["reason"].as_str().unwrap_or_default()
        ));
    }
    let summary = &outcome["summary"];
    if summary.is_object() {
        out.push_str(&format!(
            "  {} succeeded, {} failed\n",
            summary["succeeded"], summary["failed"]
        ));
        let by_message = summary["succeeded_by_message"].as_object();
        if by_message.is_some_and(|m| !m.is_empty()) {
            let parts: Vec<String> = by_message
                .into_iter()
                .flatten()
                .map(|(m, n)| format!("{m}: {n}"))
                .collect();
            out.push_str(&format!("  succeeded as {}\n", parts.join(", ")));
        }
        for (code, n) in summary["failed_by_code"].as_object().into_iter().flatten() {
            out.push_str(&format!("  failed with {code}: {n}\n"));
        }
        let first = summary["first_failures"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !first.is_empty() {
            out.push_str("  first failures:\n");
        }
        for f in &first {
            let version = f["version_id"]
                .as_str()
                .map_or(String::new(), |v| format!(" (version {v})"));
            let line = format!(
                "    s3://{}/{}{version}: {} (HTTP {}) {}",
                f["bucket"].as_str().unwrap_or_default(),
                f["key"].as_str().unwrap_or_default(),
                f["error_code"].as_str().unwrap_or_default(),
                f["http_status"].as_str().unwrap_or_default(),
                f["message"].as_str().unwrap_or_default()
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if outcome["command"] == "audit" && summary["failed"].as_u64().is_some_and(|n| n > 0) {
        // Batch Operations ignores a failed task's result string (batch-ops-invoke-lambda).
        out.push_str(
            "  why each failed: the verifier's log, one JSON line per finding (verdict, key, version, what was found)\n",
        );
    }
    if let Some(location) = outcome["report"].as_str() {
        out.push_str(&format!("  completion report: {location}\n"));
    }
    if let Some(error) = outcome["report_error"].as_str() {
        out.push_str(&format!(
            "  ? the completion report could not be read: {error}\n"
        ));
    }
    out
}

/// The exit code: 0 every task succeeded, 1 the job or a task failed, 2 not known.
fn exit_code(outcome: &Value) -> i32 {
    match outcome["status"].as_str() {
        Some("Failed") => 1,
        Some("Complete") => match outcome["summary"]["failed"].as_u64() {
            Some(0) => 0,
            Some(_) => 1,
            None => EXIT_INCOMPLETE,
        },
        _ => EXIT_INCOMPLETE,
    }
}

/// Start the job, and with `--wait` follow it and summarise its report; the exit code.
pub async fn run(job: &JobOptions, connected: &Connected, s: &Snapshot) -> i32 {
    let region = if s.source_region.is_empty() {
        connected
            .a_config
            .region()
            .map(ToString::to_string)
            .unwrap_or_default()
    } else {
        s.source_region.clone()
    };
    let client = control(&connected.a_config, &region);
    let id = match create(job, &client, s).await {
        Ok(id) => id,
        Err(e) => {
            eprintln!(
                "replication-doctor: could not start the {} job: {e}",
                job.selection.name()
            );
            return EXIT_INCOMPLETE;
        }
    };
    eprintln!(
        "replication-doctor: started {} job {id} in account {} ({region}): {} objects of {} that the rule replicates{}",
        job.selection.name(),
        s.source_account,
        job.selection.replication_status(),
        s.source_bucket,
        job.created_after
            .as_deref()
            .map_or(String::new(), |t| format!(", created after {t}"))
    );
    conclude(Started {
        command: job.selection.name(),
        client: &client,
        account: &s.source_account,
        region: &region,
        id: &id,
        s3: connected.a.in_region(&region).s3,
        report_bucket: &job.report_bucket,
        report_prefix: &job.report_prefix,
        profile: job.pair.source_profile.as_deref(),
        wait: job.wait,
        poll: Duration::from_millis(job.poll_millis),
        json: job.pair.json,
    })
    .await
}

/// A job just started, and how to conclude the command.
pub(crate) struct Started<'a> {
    /// `redrive`, `backfill`, `audit`.
    pub command: &'a str,
    /// S3 Control in the job's account and region.
    pub client: &'a aws_sdk_s3control::Client,
    /// The job's account.
    pub account: &'a str,
    /// The job's region.
    pub region: &'a str,
    /// The job's id.
    pub id: &'a str,
    /// S3 in the report bucket's region.
    pub s3: aws_sdk_s3::Client,
    /// The report's bucket.
    pub report_bucket: &'a str,
    /// The report's prefix.
    pub report_prefix: &'a str,
    /// The profile of the job's account, for the printed follow-up command.
    pub profile: Option<&'a str>,
    /// `--wait`.
    pub wait: bool,
    /// `--poll-seconds`.
    pub poll: Duration,
    /// `--json`.
    pub json: bool,
}

/// Without `--wait`, print the job id and how to follow it (exit 0); with it, follow the job,
/// summarise its completion report and return the exit code.
pub(crate) async fn conclude(j: Started<'_>) -> i32 {
    let (id, region) = (j.id, j.region);
    if !j.wait {
        let started =
            json!({"started": true, "job_id": id, "command": j.command, "region": region});
        if j.json {
            println!("{started:#}");
        } else {
            println!(
                "{id}\nfollow it: aws s3control describe-job --account-id {} --job-id {id} --region {region}{}",
                j.account,
                j.profile
                    .map_or(String::new(), |p| format!(" --profile {p}"))
            );
        }
        return 0;
    }
    let described = match follow(j.client, j.account, id, j.poll).await {
        Ok(d) => d,
        Err(e) => {
            eprintln!("replication-doctor: could not follow job {id}: {e}");
            return EXIT_INCOMPLETE;
        }
    };
    let report = read_report(&j.s3, j.report_bucket, j.report_prefix, id).await;
    let (report, report_error) = match report {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    let outcome = outcome(
        j.command,
        id,
        &described,
        report.as_ref(),
        report_error.as_deref(),
    );
    if j.json {
        println!("{outcome:#}");
    } else {
        print!("{}", human(&outcome));
    }
    exit_code(&outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome_of(status: &str, failed: Option<u64>) -> Value {
        json!({
            "command": "redrive", "job_id": "j", "status": status, "total_tasks": 3,
            "failure_reasons": [],
            "summary": failed.map(|f| json!({
                "succeeded": 3 - f, "failed": f, "failed_by_code": {"AccessDenied": f},
                "first_failures": [{"bucket": "s", "key": "a b", "version_id": "v1",
                    "error_code": "AccessDenied", "http_status": "403",
                    "message": "not authorized to perform s3:InitiateReplication"}],
            })),
            "report": "s3://r/p/job-j/manifest.json",
        })
    }

    #[test]
    fn exit_codes_say_whether_every_object_replicated() {
        assert_eq!(exit_code(&outcome_of("Complete", Some(0))), 0);
        assert_eq!(exit_code(&outcome_of("Complete", Some(1))), 1);
        assert_eq!(exit_code(&outcome_of("Failed", None)), 1);
        assert_eq!(exit_code(&outcome_of("Cancelled", None)), 2);
        assert_eq!(exit_code(&outcome_of("Complete", None)), 2);
    }

    #[test]
    fn the_summary_names_the_failures_and_the_report() {
        let text = human(&outcome_of("Complete", Some(1)));
        assert!(
            text.starts_with("redrive job j: Complete, 3 tasks\n"),
            "{text}"
        );
        assert!(text.contains("  2 succeeded, 1 failed\n"), "{text}");
        assert!(text.contains("  failed with AccessDenied: 1\n"), "{text}");
        assert!(
            text.contains("    s3://s/a b (version v1): AccessDenied (HTTP 403) not authorized to perform s3:InitiateReplication\n"),
            "{text}"
        );
        assert!(text.ends_with("  completion report: s3://r/p/job-j/manifest.json\n"));
    }

    #[test]
    fn the_bar_fills_in_proportion() {
        assert_eq!(bar(5, 10, 10), "[#####.....]");
        assert_eq!(bar(0, 0, 4), "[....]");
        assert_eq!(bar(12, 10, 4), "[####]");
    }
}
