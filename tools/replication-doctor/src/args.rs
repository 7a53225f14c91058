//! The command line, parsed by hand (no dependency for a dozen flags).

use replication_core::batch_job::Selection;

/// What to diagnose and with which credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// S.
    pub source_bucket: String,
    /// D.
    pub destination_bucket: String,
    /// The AWS CLI profile of account A; the default credential chain when absent.
    pub source_profile: Option<String>,
    /// The AWS CLI profile of account B.
    pub destination_profile: Option<String>,
    /// A role in B to assume with A's credentials, instead of a profile.
    pub destination_role_arn: Option<String>,
    /// The rule to check, when several replicate to D.
    pub rule_id: Option<String>,
    /// KA, when S's default encryption does not name it.
    pub source_kms_key: Option<String>,
    /// KB as it should be; else the rule's `ReplicaKmsKeyID` is checked.
    pub destination_kms_key: Option<String>,
    /// The verifier's queue, which D must notify.
    pub queue_arn: Option<String>,
    /// The region for account A's calls, instead of its profile's (buckets and keys are then
    /// each read in their own region).
    pub source_region: Option<String>,
    /// The region for account B's calls, instead of its profile's.
    pub destination_region: Option<String>,
    /// JSON output.
    pub json: bool,
}

/// A Batch Replication job for a pair: `redrive` or `backfill`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOptions {
    /// The pair, and the accounts' credentials, as for the check.
    pub pair: Options,
    /// Which objects.
    pub selection: Selection,
    /// The job role (trusted by `batchoperations.s3.amazonaws.com`): `--job-role-arn`.
    pub job_role_arn: String,
    /// Where the generated manifest and the completion report go (A's bucket, in S's region).
    pub report_bucket: String,
    /// The key prefix in it.
    pub report_prefix: String,
    /// Only objects created after this instant (RFC 3339).
    pub created_after: Option<String>,
    /// Follow the job until it ends, then summarise its completion report.
    pub wait: bool,
    /// Start even when the doctor finds the pair broken.
    pub force: bool,
    /// Milliseconds between two `DescribeJob`s while waiting (`--poll-seconds`).
    pub poll_millis: u64,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Diagnose a pair.
    Check(Box<Options>),
    /// Start (and follow) a Batch Replication job.
    Job(Box<JobOptions>),
    /// `--help`: the usage text.
    Help,
    /// `--version`.
    Version,
}

/// Exit code (0 healthy, 1 findings: `Report::exit_code`): no finding, but not everything could be checked (including: could not connect).
pub const EXIT_INCOMPLETE: i32 = 2;
/// Exit code: the command line is wrong (sysexits' `EX_USAGE`), kept apart from 2.
pub const EXIT_USAGE: i32 = 64;

/// The usage text.
pub const USAGE: &str = "\
usage: replication-doctor --source-bucket S --destination-bucket D
         [--source-profile P] [--destination-profile P | --destination-role-arn ARN]
         [--source-region R] [--destination-region R]
         [--rule-id ID] [--source-kms-key ARN] [--destination-kms-key ARN]
         [--queue-arn ARN] [--json]
       replication-doctor redrive|backfill --source-bucket S --destination-bucket D
         --job-role-arn ARN --report-bucket B [--report-prefix P] [--created-after TIME]
         [--wait] [--force] [--poll-seconds N] [the profile, region and key flags above] [--json]
       replication-doctor --version | --help

Reads the documents of one replication pair (S in account A -> D in account B) and says
exactly what is wrong: the step, the document, the statement and a one-line fix (commands
carry the profile and region they must run under). Read-only. Profiles may be static keys,
role_arn + source_profile, or IAM Identity Center (SSO; run `aws sso login` first).
Exit 0 healthy, 1 findings, 2 could not check everything, 64 a wrong command line.

redrive starts an S3 Batch Replication job (S3ReplicateObject, in account A, S's region) over
S's FAILED objects, backfill over its never-replicated (NONE) ones, from a manifest S3
generates under the replication rule (--created-after limits it by creation time). It runs
under --job-role-arn (the stacks' BatchReplicationRoleArn); the manifest and the completion
report go to --report-bucket under --report-prefix (default s3-kms-replication). It refuses
while the doctor finds the pair broken, unless --force. --wait follows the job (a progress bar
on a terminal), then summarises its completion report: exit 0 every object replicated, 1 the
job failed or some objects did, 2 the job could not be followed or was cancelled.";

/// The job commands' own flags, taken out of `args`; the rest are the check's.
fn parse_job(selection: Selection, args: &[String]) -> Result<Command, String> {
    let mut rest = Vec::new();
    let mut job = JobOptions {
        pair: Options::default(),
        selection,
        job_role_arn: String::new(),
        report_bucket: String::new(),
        report_prefix: replication_core::batch_job::DEFAULT_REPORT_PREFIX.into(),
        created_after: None,
        wait: false,
        force: false,
        poll_millis: 2000,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--wait" => job.wait = true,
            "--force" => job.force = true,
            "--job-role-arn" | "--report-bucket" | "--report-prefix" | "--created-after"
            | "--poll-seconds" => {
                let value = match it.next() {
                    Some(v) if !v.starts_with("--") => v.clone(),
                    _ => return Err(format!("{flag} needs a value")),
                };
                match flag.as_str() {
                    "--job-role-arn" => job.job_role_arn = value,
                    "--report-bucket" => job.report_bucket = value,
                    "--report-prefix" => job.report_prefix = value,
                    "--created-after" => job.created_after = Some(value),
                    _ => {
                        let seconds = value
                            .parse::<f64>()
                            .ok()
                            .filter(|s| s.is_finite() && *s > 0.0 && *s < 3600.0)
                            .ok_or_else(|| {
                                format!("--poll-seconds {value:?}: not a number of seconds")
                            })?;
                        // In (0, 3600): the product is a small positive number of milliseconds.
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let millis = (seconds * 1000.0).ceil() as u64;
                        job.poll_millis = millis;
                    }
                }
            }
            _ => rest.push(flag.clone()),
        }
    }
    job.pair = match parse(&rest)? {
        Command::Check(o) => *o,
        other => return Ok(other),
    };
    for (flag, v) in [
        ("--job-role-arn", &job.job_role_arn),
        ("--report-bucket", &job.report_bucket),
    ] {
        if v.is_empty() {
            return Err(format!("{} needs {flag}\n\n{USAGE}", selection.name()));
        }
    }
    Ok(Command::Job(Box::new(job)))
}

/// Parse `args` (without the program name).
///
/// # Errors
/// A message naming the flag that is unknown, missing or without a value.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("redrive") => return parse_job(Selection::Redrive, &args[1..]),
        Some("backfill") => return parse_job(Selection::Backfill, &args[1..]),
        _ => {}
    }
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--json" => {
                o.json = true;
                continue;
            }
            "--help" | "-h" => return Ok(Command::Help),
            "--version" | "-V" => return Ok(Command::Version),
            _ => {}
        }
        let value = || -> Result<String, String> { Err(format!("{flag} needs a value")) };
        let slot = match flag.as_str() {
            "--source-bucket" => None,
            "--destination-bucket" => None,
            "--source-profile" => Some(&mut o.source_profile),
            "--destination-profile" => Some(&mut o.destination_profile),
            "--destination-role-arn" => Some(&mut o.destination_role_arn),
            "--rule-id" => Some(&mut o.rule_id),
            "--source-kms-key" => Some(&mut o.source_kms_key),
            "--destination-kms-key" => Some(&mut o.destination_kms_key),
            "--queue-arn" => Some(&mut o.queue_arn),
            "--source-region" => Some(&mut o.source_region),
            "--destination-region" => Some(&mut o.destination_region),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        };
        let given = match it.next() {
            Some(v) if !v.starts_with("--") => v.clone(),
            _ => value()?,
        };
        match (flag.as_str(), slot) {
            ("--source-bucket", _) => o.source_bucket = given,
            ("--destination-bucket", _) => o.destination_bucket = given,
            (_, Some(slot)) => *slot = Some(given),
            _ => {}
        }
    }
    for (flag, v) in [
        ("--source-bucket", &o.source_bucket),
        ("--destination-bucket", &o.destination_bucket),
    ] {
        if v.is_empty() {
            return Err(format!("{flag} is required\n\n{USAGE}"));
        }
    }
    if o.destination_profile.is_some() && o.destination_role_arn.is_some() {
        return Err("give --destination-profile or --destination-role-arn, not both".into());
    }
    Ok(Command::Check(Box::new(o)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    fn check(a: &[&str]) -> Options {
        match parse(&args(a)).unwrap() {
            Command::Check(o) => *o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn version_and_help_are_commands_and_regions_are_read() {
        assert_eq!(parse(&args(&["--version"])).unwrap(), Command::Version);
        assert_eq!(parse(&args(&["-h"])).unwrap(), Command::Help);
        let o = check(&[
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
            "--source-region",
            "eu-west-1",
            "--destination-region",
            "us-west-2",
        ]);
        assert_eq!(o.source_region.as_deref(), Some("eu-west-1"));
        assert_eq!(o.destination_region.as_deref(), Some("us-west-2"));
        assert_ne!(EXIT_USAGE, EXIT_INCOMPLETE);
    }

    #[test]
    fn job_commands_take_their_own_flags_and_the_checks() {
        let parsed = parse(&args(&[
            "backfill",
            "--source-bucket",
            "s",
            "--wait",
            "--destination-bucket",
            "d",
            "--job-role-arn",
            "arn:aws:iam::1:role/j",
            "--report-bucket",
            "r",
            "--created-after",
            "2026-01-01T00:00:00Z",
            "--source-profile",
            "a",
            "--json",
        ]))
        .unwrap();
        let Command::Job(job) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(job.selection, Selection::Backfill);
        assert!(job.wait && !job.force && job.pair.json);
        assert_eq!(job.pair.source_profile.as_deref(), Some("a"));
        assert_eq!(job.created_after.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert_eq!(job.report_prefix, "s3-kms-replication");
        let missing = parse(&args(&[
            "redrive",
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
            "--report-bucket",
            "r",
        ]));
        assert!(
            missing
                .unwrap_err()
                .starts_with("redrive needs --job-role-arn")
        );
        let bad = parse(&args(&["redrive", "--poll-seconds", "soon"]));
        assert!(bad.unwrap_err().contains("--poll-seconds"));
    }

    #[test]
    fn flags_are_read_and_mistakes_named() {
        let o = check(&[
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
            "--json",
            "--destination-profile",
            "b",
            "--rule-id",
            "r",
        ]);
        assert_eq!(
            (o.source_bucket.as_str(), o.destination_bucket.as_str()),
            ("s", "d")
        );
        assert!(o.json);
        assert_eq!(o.destination_profile.as_deref(), Some("b"));
        assert_eq!(o.rule_id.as_deref(), Some("r"));
        assert!(
            parse(&args(&["--destination-bucket", "d"]))
                .unwrap_err()
                .contains("--source-bucket is required")
        );
        assert!(
            parse(&args(&["--source-bucket"]))
                .unwrap_err()
                .contains("--source-bucket needs a value")
        );
        assert!(
            parse(&args(&["--sauce"]))
                .unwrap_err()
                .contains("unknown argument \"--sauce\"")
        );
        let both = args(&[
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
            "--destination-profile",
            "b",
            "--destination-role-arn",
            "arn:aws:iam::2:role/r",
        ]);
        assert!(parse(&both).unwrap_err().contains("not both"));
    }
}
