//! `PolicyWrites: Report`: the statements a pipeline must apply are exactly what the resources
//! would merge, and the doctor finds each one that a document lacks, by Sid and document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use replication_core::doctor::{Outcome, Seen, diagnose};
use replication_core::plan::{
    PolicyDocument, destination_bucket_policy_statements, destination_key_policy_statements,
    pair_policy_statements, source_key_policy_statements, source_resource_policy_statements,
};
use serde_json::{Value, json};

mod common;
use common::healthy::{healthy, source_properties};
use common::source_spec;

#[test]
fn the_pairs_statements_are_what_the_steps_merge_in_step_order() {
    let spec = source_spec(&source_properties());
    let destination = spec.destination_spec();
    let all = pair_policy_statements(&spec);
    let documents: Vec<PolicyDocument> = all.iter().map(|p| p.document).collect();
    assert_eq!(documents, PolicyDocument::ALL);
    assert_eq!(all[0].statements, source_key_policy_statements(&spec));
    assert_eq!(all[0].target, spec.source_key.to_string());
    assert_eq!(
        all[1].statements,
        destination_key_policy_statements(&destination)
    );
    assert_eq!(
        all[2].statements,
        destination_bucket_policy_statements(&destination)
    );
    assert_eq!(all[2].target, "replica-bucket");
    assert_eq!(all[2].label(), "D's bucket policy (replica-bucket)");
    // Data carries each as compact JSON text: the array itself.
    let text = all[1].compact();
    assert!(!text.contains(' ') && !text.contains('\n'), "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!(all[1].statements)
    );
    // The source resource alone merges KA's; in single-stack mode all three.
    assert_eq!(source_resource_policy_statements(&spec, false).len(), 1);
    assert_eq!(source_resource_policy_statements(&spec, true), all);
}

#[test]
fn with_every_statement_applied_the_report_mode_checks_pass() {
    let mut s = healthy();
    s.expected_statements = pair_policy_statements(&source_spec(&source_properties()));
    let report = diagnose(&s);
    assert!(report.healthy, "{:#?}", report.findings);
    let ours: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.name.starts_with("the pair's statements in"))
        .collect();
    assert_eq!(ours.len(), 3, "{:#?}", report.checks);
    assert!(ours.iter().all(|c| c.outcome == Outcome::Pass));
}

#[test]
fn a_statement_the_pipeline_left_out_is_a_finding_naming_it_and_its_document() {
    // GIVEN D's bucket policy without the bucket-level statement
    let mut s = healthy();
    s.expected_statements = pair_policy_statements(&source_spec(&source_properties()));
    let Seen::Read(Some(policy)) = &s.destination_bucket_policy else {
        panic!()
    };
    let mut policy = policy.clone();
    let kept: Vec<Value> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|st| !st["Sid"].as_str().unwrap().ends_with("ReplicaBucket"))
        .cloned()
        .collect();
    policy["Statement"] = json!(kept);
    s.destination_bucket_policy = Seen::Read(Some(policy));

    // WHEN the doctor reads it
    let report = diagnose(&s);

    // THEN the finding names the statement and the document, and says who applies it
    let ours: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.problem.contains("PolicyWrites is Report"))
        .collect();
    assert_eq!(ours.len(), 1, "{:#?}", report.findings);
    let f = ours[0];
    assert_eq!(f.step, 5);
    assert_eq!(f.document, "D's bucket policy (replica-bucket)");
    let sid = f.statement.as_deref().unwrap();
    assert!(
        sid.starts_with("S3KmsReplication") && sid.ends_with("ReplicaBucket"),
        "{sid}"
    );
    assert!(f.problem.starts_with("missing"), "{f}");
    assert!(f.fix.contains("replication-doctor statements"), "{f}");
    assert!(f.fix.contains("DestinationBucketPolicyStatements"), "{f}");

    // AND a KB policy that cannot be read is unknown, not a finding
    s.destination_key = Seen::Unreadable("AccessDenied".into());
    let report = diagnose(&s);
    assert!(report.checks.iter().any(
        |c| c.name.starts_with("the pair's statements in KB") && c.outcome == Outcome::Unknown
    ));
}
