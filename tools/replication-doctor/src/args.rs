//! The command line, parsed by hand (no dependency for a dozen flags).

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
    /// JSON output.
    pub json: bool,
}

/// The usage text.
pub const USAGE: &str = "\
usage: replication-doctor --source-bucket S --destination-bucket D
         [--source-profile P] [--destination-profile P | --destination-role-arn ARN]
         [--rule-id ID] [--source-kms-key ARN] [--destination-kms-key ARN]
         [--queue-arn ARN] [--json]

Reads the documents of one replication pair (S in account A -> D in account B) and says
exactly what is wrong: the step, the document, the statement and a one-line fix.
Read-only. Exit 0 healthy, 1 findings, 2 could not check everything.";

/// Parse `args` (without the program name).
///
/// # Errors
/// A message naming the flag that is unknown, missing or without a value.
pub fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--json" {
            o.json = true;
            continue;
        }
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.to_owned());
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
    Ok(o)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn flags_are_read_and_mistakes_named() {
        let o = parse(&args(&[
            "--source-bucket",
            "s",
            "--destination-bucket",
            "d",
            "--json",
            "--destination-profile",
            "b",
            "--rule-id",
            "r",
        ]))
        .unwrap();
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
