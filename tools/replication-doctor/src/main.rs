//! `replication-doctor`: says exactly why a cross-account S3 replication with KMS is broken.
//!
//! Reads one pair's documents in both accounts (read-only; the actions are listed in
//! `gather.rs` and the README), evaluates them with `replication_core::doctor`, and prints one
//! line per check (✓, ✗ or ?) and each finding with its fix, or the report as JSON with
//! `--json`. Exit 0 healthy, 1 findings, 2 could not check everything (what and why is said).

mod args;
mod gather;

use replication_core::doctor::{Outcome, Report, diagnose};

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
    out.push('\n');
    out.push_str(match report.exit_code() {
        0 => "healthy",
        1 => "not healthy: see the findings above",
        _ => "no finding, but not everything could be checked (see ? above)",
    });
    out.push('\n');
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let options = match args::parse(&argv) {
        Ok(o) => o,
        Err(message) if message == args::USAGE => {
            println!("{message}");
            std::process::exit(0);
        }
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let (a, b, account) = match gather::connect(&options).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("replication-doctor: could not check: {e:#}");
            std::process::exit(2);
        }
    };
    let snapshot = gather::snapshot(&options, &a, &b, &account).await;
    let report = diagnose(&snapshot);
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
