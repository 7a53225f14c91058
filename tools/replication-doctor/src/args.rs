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

/// `statements`: which pair's statements to print (offline: no AWS call).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementsOptions {
    /// S.
    pub source_bucket: String,
    /// D.
    pub destination_bucket: String,
    /// KA's key ARN: A's account and S's region.
    pub source_kms_key: String,
    /// KB's key ARN: B's account and D's region.
    pub destination_kms_key: String,
    /// The replication role; default the source stack's, `s3-kms-replication-<S>` under `/`.
    pub role_arn: Option<String>,
    /// `BucketKeyEnabled` as the stacks set it (default true).
    pub bucket_key_enabled: Option<bool>,
    /// JSON output.
    pub json: bool,
}

/// `audit`: the verifier over D's object versions as an S3 Batch Operations job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOptions {
    /// D.
    pub destination_bucket: String,
    /// The AWS CLI profile of account B, where the job runs.
    pub destination_profile: Option<String>,
    /// B's region for the calls (D's own region is then looked up).
    pub destination_region: Option<String>,
    /// The verifier (`VerifierFunctionArn`).
    pub function_arn: String,
    /// The job role (`ReplicaAuditRoleArn`).
    pub job_role_arn: String,
    /// Where the CSV manifest is written (`ReplicaAuditManifestBucket`).
    pub manifest_bucket: String,
    /// Where the completion report goes (`ReplicaAuditReportBucket`; the manifest bucket when
    /// not given).
    pub report_bucket: String,
    /// The key prefix of both.
    pub report_prefix: String,
    /// Only D's keys under this prefix.
    pub prefix: Option<String>,
    /// Follow the job, then summarise its report.
    pub wait: bool,
    /// Milliseconds between two `DescribeJob`s while waiting.
    pub poll_millis: u64,
    /// JSON output.
    pub json: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Diagnose a pair.
    Check(Box<Options>),
    /// Start (and follow) a Batch Replication job.
    Job(Box<JobOptions>),
    /// Print the statements a pair needs in its key and bucket policies.
    Statements(Box<StatementsOptions>),
    /// Start (and follow) an audit job.
    Audit(Box<AuditOptions>),
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
       replication-doctor statements --source-bucket S --destination-bucket D
         --source-kms-key KA-ARN --destination-kms-key KB-ARN
         [--role-arn ARN] [--bucket-key-enabled true|false] [--json]
       replication-doctor audit --destination-bucket D --function-arn ARN --job-role-arn ARN
         --manifest-bucket B [--report-bucket B] [--report-prefix P] [--prefix KEYS]
         [--destination-profile P] [--destination-region R] [--wait] [--poll-seconds N] [--json]
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
job failed or some objects did, 2 the job could not be followed or was cancelled.

`statements` prints, without any AWS call, the exact statements the pair needs in KA's and
KB's key policies and D's bucket policy, as the stacks' PolicyWrites Report leaves them to the
policies' owners: regions and accounts come from the key ARNs, the role defaults to the source
stack's (s3-kms-replication-<S>). Exit 0, or 64 a wrong command line.

audit lists D's object versions (under --prefix), writes them as a CSV manifest to
--manifest-bucket, and starts an S3 Batch Operations job in account B that invokes the verifier
(--function-arn, the destination stack's VerifierFunctionArn) once per version, under
--job-role-arn (ReplicaAuditRoleArn); the completion report goes to --report-bucket. --wait
follows it and summarises the report: exit 0 every replica verified (or skipped), 1 the job
failed or some replica did not verify (a finding), 2 the job could not be followed.";

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
                    _ => job.poll_millis = poll_millis(&value)?,
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

/// Seconds as `--poll-seconds` takes them, in milliseconds.
fn poll_millis(value: &str) -> Result<u64, String> {
    let seconds = value
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 3600.0)
        .ok_or_else(|| format!("--poll-seconds {value:?}: not a number of seconds"))?;
    // In (0, 3600): the product is a small positive number of milliseconds.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let millis = (seconds * 1000.0).ceil() as u64;
    Ok(millis)
}

/// `audit`'s flags.
fn parse_audit(args: &[String]) -> Result<Command, String> {
    let mut a = AuditOptions {
        destination_bucket: String::new(),
        destination_profile: None,
        destination_region: None,
        function_arn: String::new(),
        job_role_arn: String::new(),
        manifest_bucket: String::new(),
        report_bucket: String::new(),
        report_prefix: replication_core::batch_job::DEFAULT_REPORT_PREFIX.into(),
        prefix: None,
        wait: false,
        poll_millis: 2000,
        json: false,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--wait" => {
                a.wait = true;
                continue;
            }
            "--json" => {
                a.json = true;
                continue;
            }
            "--help" | "-h" => return Ok(Command::Help),
            _ => {}
        }
        let value = match it.next() {
            Some(v) if !v.starts_with("--") => v.clone(),
            _ if flag.starts_with("--") => return Err(format!("{flag} needs a value")),
            _ => return Err(format!("unknown argument {flag:?}\n\n{USAGE}")),
        };
        match flag.as_str() {
            "--destination-bucket" => a.destination_bucket = value,
            "--destination-profile" => a.destination_profile = Some(value),
            "--destination-region" => a.destination_region = Some(value),
            "--function-arn" => a.function_arn = value,
            "--job-role-arn" => a.job_role_arn = value,
            "--manifest-bucket" => a.manifest_bucket = value,
            "--report-bucket" => a.report_bucket = value,
            "--report-prefix" => a.report_prefix = value,
            "--prefix" => a.prefix = Some(value),
            "--poll-seconds" => a.poll_millis = poll_millis(&value)?,
            other => return Err(format!("unknown argument {other:?} for audit\n\n{USAGE}")),
        }
    }
    for (flag, v) in [
        ("--destination-bucket", &a.destination_bucket),
        ("--function-arn", &a.function_arn),
        ("--job-role-arn", &a.job_role_arn),
        ("--manifest-bucket", &a.manifest_bucket),
    ] {
        if v.is_empty() {
            return Err(format!("audit needs {flag}\n\n{USAGE}"));
        }
    }
    if a.report_bucket.is_empty() {
        a.report_bucket.clone_from(&a.manifest_bucket);
    }
    Ok(Command::Audit(Box::new(a)))
}

/// Parse `args` (without the program name).
///
/// # Errors
/// A message naming the flag that is unknown, missing or without a value.
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args.first().map(String::as_str) {
        Some("statements") => return parse_statements(&args[1..]),
        Some("redrive") => return parse_job(Selection::Redrive, &args[1..]),
        Some("backfill") => return parse_job(Selection::Backfill, &args[1..]),
        Some("audit") => return parse_audit(&args[1..]),
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
    require(
        "",
        &[
            ("--source-bucket", &o.source_bucket),
            ("--destination-bucket", &o.destination_bucket),
        ],
    )?;
    if o.destination_profile.is_some() && o.destination_role_arn.is_some() {
        return Err("give --destination-profile or --destination-role-arn, not both".into());
    }
    Ok(Command::Check(Box::new(o)))
}

/// Each of `flags` given, or the first that is not, named after `prefix`, with the usage.
fn require(prefix: &str, flags: &[(&str, &String)]) -> Result<(), String> {
    match flags.iter().find(|(_, v)| v.is_empty()) {
        Some((flag, _)) => Err(format!("{prefix}{flag} is required\n\n{USAGE}")),
        None => Ok(()),
    }
}

/// `statements`' flags.
fn parse_statements(args: &[String]) -> Result<Command, String> {
    let mut o = StatementsOptions::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--json" => {
                o.json = true;
                continue;
            }
            "--help" | "-h" => return Ok(Command::Help),
            _ => {}
        }
        let given = match it.next() {
            Some(v) if !v.starts_with("--") => v.clone(),
            _ => return Err(format!("{flag} needs a value")),
        };
        match flag.as_str() {
            "--source-bucket" => o.source_bucket = given,
            "--destination-bucket" => o.destination_bucket = given,
            "--source-kms-key" => o.source_kms_key = given,
            "--destination-kms-key" => o.destination_kms_key = given,
            "--role-arn" => o.role_arn = Some(given),
            "--bucket-key-enabled" => {
                o.bucket_key_enabled = Some(match given.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => {
                        return Err(format!(
                            "--bucket-key-enabled is true or false, not {given:?}"
                        ));
                    }
                });
            }
            other => return Err(format!("statements: unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    require(
        "statements: ",
        &[
            ("--source-bucket", &o.source_bucket),
            ("--destination-bucket", &o.destination_bucket),
            ("--source-kms-key", &o.source_kms_key),
            ("--destination-kms-key", &o.destination_kms_key),
        ],
    )?;
    Ok(Command::Statements(Box::new(o)))
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
    fn audit_takes_the_destination_and_the_job_flags() {
        let parsed = parse(&args(&[
            "audit",
            "--destination-bucket",
            "d",
            "--destination-profile",
            "b",
            "--function-arn",
            "arn:aws:lambda:us-east-1:2:function:v",
            "--job-role-arn",
            "arn:aws:iam::2:role/audit",
            "--manifest-bucket",
            "m",
            "--wait",
            "--json",
            "--poll-seconds",
            "0.5",
        ]))
        .unwrap();
        let Command::Audit(a) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(a.report_bucket, "m", "the manifest bucket by default");
        assert!(a.wait && a.json);
        assert_eq!(a.poll_millis, 500);
        assert_eq!(a.destination_profile.as_deref(), Some("b"));
        let missing = parse(&args(&["audit", "--destination-bucket", "d"])).unwrap_err();
        assert!(
            missing.starts_with("audit needs --function-arn"),
            "{missing}"
        );
        let unknown = parse(&args(&["audit", "--source-bucket", "s"])).unwrap_err();
        assert!(unknown.contains("for audit"), "{unknown}");
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

    #[test]
    fn statements_is_a_subcommand_with_its_own_required_flags() {
        let a = args(&[
            "statements",
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
            "--source-kms-key",
            "ka",
            "--destination-kms-key",
            "kb",
            "--bucket-key-enabled",
            "false",
            "--json",
        ]);
        let Command::Statements(o) = parse(&a).unwrap() else {
            panic!()
        };
        assert_eq!(o.bucket_key_enabled, Some(false));
        assert!(o.json && o.role_arn.is_none());
        let missing = args(&[
            "statements",
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
        ]);
        assert!(
            parse(&missing)
                .unwrap_err()
                .contains("--source-kms-key is required")
        );
        let check_flag = args(&["statements", "--queue-arn", "q"]);
        assert!(
            parse(&check_flag)
                .unwrap_err()
                .contains("unknown argument \"--queue-arn\"")
        );
    }
}
