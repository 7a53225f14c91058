//! `replication-doctor`: says exactly why a cross-account S3 replication with KMS is broken.
//!
//! Reads one pair's documents in both accounts (read-only; the actions are listed in
//! `gather.rs` and the README), evaluates them with `replication_core::doctor`, and prints one
//! line per check (✓, ✗ or ?), each finding with its fix and each warning (`!`, S's default
//! encryption against KA; no effect on the exit code), or the report as JSON with `--json`. Exit 0 healthy, 1 findings, 2 could not check everything (what and why is said),
//! 64 a wrong command line. Commands in a fix carry the profile and region they must run under.
//!
//! `replication-doctor statements …` prints, offline, the exact statements a pair needs in its
//! key and bucket policies, for the pipeline that owns them (`PolicyWrites: Report`; see
//! `statements.rs`).
//!
//! Install: `cargo install --locked --path tools/replication-doctor`.

mod args;
mod audit;
mod batch;
mod gather;
mod statements;

use args::{Command, EXIT_INCOMPLETE, EXIT_USAGE, Options, StatementsOptions};
use replication_core::doctor::{Outcome, Report, Snapshot, diagnose};

/// Which account a finding's document is in, by the document's name.
fn account_of(document: &str) -> Option<char> {
    if document.starts_with("S's") || document.starts_with("KA's") {
        Some('A')
    } else if document.starts_with("D's") || document.starts_with("KB's") {
        Some('B')
    } else {
        None
    }
}

/// Each `aws …` command in a fix, with the profile and region of the account it must run in:
/// pasted as printed, it acts on that account, not on whatever the default is.
fn runnable(fix: &str, profile: Option<&str>, region: &str) -> String {
    let mut suffix = String::new();
    if let Some(p) = profile {
        suffix.push_str(&format!(" --profile {p}"));
    }
    if !region.is_empty() {
        suffix.push_str(&format!(" --region {region}"));
    }
    if suffix.is_empty() {
        return fix.to_owned();
    }
    fix.split(" && ")
        .map(|part| {
            if part.trim_start().starts_with("aws ") {
                format!("{part}{suffix}")
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// The report's fixes, made runnable ([`runnable`]) for the account each is in.
fn with_profiles(report: &mut Report, o: &Options, s: &Snapshot) {
    for f in &mut report.findings {
        let (profile, region) = match account_of(&f.document) {
            Some('A') => (o.source_profile.as_deref(), s.source_region.as_str()),
            Some(_) => (
                o.destination_profile.as_deref(),
                s.destination_region.as_str(),
            ),
            None => continue,
        };
        f.fix = runnable(&f.fix, profile, region);
    }
    // A warning's document is S's (its default encryption): account A.
    for w in &mut report.warnings {
        if account_of(&w.document) == Some('A') {
            w.fix = runnable(&w.fix, o.source_profile.as_deref(), &s.source_region);
        }
    }
}

fn human(report: &Report) -> String {
    let mut out = String::new();
    for check in &report.checks {
        let mark = match check.outcome {
            Outcome::Pass => "✓",
            Outcome::Fail => "✗",
            Outcome::Unknown => "?",
        };
        out.push_str(&format!("{mark} step {}  {}", check.step, check.name));
        if !check.detail.is_empty() {
            out.push_str(&format!(" — {}", check.detail));
        }
        out.push('\n');
    }
    for f in &report.findings {
        out.push_str(&format!("\n✗ step {}: {}", f.step, f.document));
        if let Some(s) = &f.statement {
            out.push_str(&format!(", statement {s}"));
        }
        out.push_str(&format!("\n    {}\n    fix: {}\n", f.problem, f.fix));
    }
    for w in &report.warnings {
        out.push_str(&format!(
            "\n! warning: {}\n    {}\n    fix: {}\n",
            w.document, w.problem, w.fix
        ));
    }
    out.push('\n');
    out.push_str(match report.exit_code() {
        0 => "healthy",
        1 => "not healthy: see the findings above",
        _ => "no finding, but not everything could be checked (see ? above)",
    });
    out.push('\n');
    out
}

/// Connect and diagnose; a connection failure ends the process (exit 2).
async fn check(options: &Options) -> (gather::Connected, Snapshot, Report) {
    let connected = match gather::connect(options).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("replication-doctor: could not check: {e}");
            std::process::exit(EXIT_INCOMPLETE);
        }
    };
    let snapshot =
        gather::snapshot(options, &connected.a, &connected.b, &connected.a_account).await;
    let mut report = diagnose(&snapshot);
    with_profiles(&mut report, options, &snapshot);
    (connected, snapshot, report)
}

/// `statements`: print the pair's statements and exit (0, or 64 for a wrong command line).
fn print_statements(o: &StatementsOptions) -> ! {
    let planned = match statements::plan(o) {
        Ok(p) => p,
        Err(message) => {
            eprintln!("replication-doctor statements: {message}");
            std::process::exit(EXIT_USAGE);
        }
    };
    let (a, b) = statements::accounts(o);
    if o.json {
        let text = serde_json::to_string_pretty(&statements::json(&planned, (&a, &b)));
        println!("{}", text.unwrap_or_default());
    } else {
        print!("{}", statements::human(&planned, (&a, &b)));
    }
    std::process::exit(0);
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let options = match args::parse(&argv) {
        Ok(Command::Check(o)) => *o,
        Ok(Command::Job(job)) => {
            let (connected, snapshot, report) = check(&job.pair).await;
            if report.exit_code() == 1 && !job.force {
                if job.pair.json {
                    let refused = serde_json::json!({"started": false, "doctor": report});
                    println!("{refused:#}");
                } else {
                    print!("{}", human(&report));
                }
                eprintln!(
                    "replication-doctor: not starting the {} job: the doctor finds the pair broken, \
                     so every object would fail again. Fix the findings above, or pass --force.",
                    job.selection.name()
                );
                std::process::exit(1);
            }
            std::process::exit(batch::run(&job, &connected, &snapshot).await);
        }
        Ok(Command::Statements(o)) => print_statements(&o),
        Ok(Command::Audit(a)) => std::process::exit(audit::run(&a).await),
        Ok(Command::Help) => {
            println!("{}", args::USAGE);
            std::process::exit(0);
        }
        Ok(Command::Version) => {
            println!("replication-doctor {}", env!("CARGO_PKG_VERSION"));
            std::process::exit(0);
        }
        Err(message) => {
            eprintln!("replication-doctor: {message}");
            std::process::exit(EXIT_USAGE);
        }
    };
    let (_, _, report) = check(&options).await;
    if options.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("replication-doctor: {e}");
                std::process::exit(2);
            }
        }
    } else {
        print!("{}", human(&report));
    }
    std::process::exit(report.exit_code());
}

#[cfg(test)]
mod tests {
    use super::*;
    use replication_core::doctor::{Check, Warning};

    fn report_with_a_warning() -> Report {
        Report {
            healthy: true,
            checks: vec![Check {
                step: 1,
                name: "versioning on S (s)".into(),
                outcome: Outcome::Pass,
                detail: String::new(),
            }],
            findings: vec![],
            warnings: vec![Warning {
                document: "S's default encryption (s)".into(),
                problem: "S's default encryption is SSE-S3 (AES256)".into(),
                fix: "aws s3api put-bucket-encryption --bucket s".into(),
            }],
        }
    }

    #[test]
    fn warnings_are_printed_before_the_verdict_and_leave_a_healthy_pair_healthy() {
        let report = report_with_a_warning();
        let text = human(&report);
        assert!(
            text.contains(
                "! warning: S's default encryption (s)\n    S's default encryption is SSE-S3"
            ),
            "{text}"
        );
        assert!(text.trim_end().ends_with("healthy"), "{text}");
        assert_eq!(report.exit_code(), 0);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json["warnings"][0]["document"],
            "S's default encryption (s)"
        );
    }

    #[test]
    fn fix_commands_carry_the_accounts_profile_and_region() {
        let fix = "aws kms cancel-key-deletion --key-id k && aws kms enable-key --key-id k";
        assert_eq!(
            runnable(fix, Some("dest"), "eu-west-1"),
            "aws kms cancel-key-deletion --key-id k --profile dest --region eu-west-1 && \
             aws kms enable-key --key-id k --profile dest --region eu-west-1"
        );
        let prose = "add to KB's key policy: Allow ...";
        assert_eq!(runnable(prose, Some("dest"), "eu-west-1"), prose);
        assert_eq!(account_of("KA's key policy (arn)"), Some('A'));
        assert_eq!(account_of("D's bucket policy (d)"), Some('B'));
        assert_eq!(
            account_of("the replication role's trust policy (arn)"),
            None
        );
    }
}
