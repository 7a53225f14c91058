//! Unit tests of `verdict`.

use super::*;

const KB: &str = "arn:aws:kms:us-east-1:222222222222:key/1111-kb";
const OTHER: &str = "arn:aws:kms:us-east-1:222222222222:key/2222-other";

fn replica(sse: Option<&str>, key: Option<&str>, status: Option<&str>) -> ObjectFacts {
    ObjectFacts {
        sse: sse.map(Into::into),
        kms_key_id: key.map(Into::into),
        bucket_key_enabled: None,
        replication_status: status.map(Into::into),
    }
}

#[test]
fn replica_under_the_expected_key_is_verified() {
    let v = judge(
        &Expectation::new(KB),
        &replica(Some("aws:kms"), Some(KB), Some("REPLICA")),
    );
    assert_eq!(v, Verdict::Verified);
}

#[test]
fn wrong_key_replica_is_reported_with_both_keys() {
    let v = judge(
        &Expectation::new(KB),
        &replica(Some("aws:kms"), Some(OTHER), Some("REPLICA")),
    );
    assert_eq!(
        v,
        Verdict::WrongKey {
            expected: KB.into(),
            actual: OTHER.into()
        }
    );
    assert!(!v.is_transient());
}

#[test]
fn rewritten_replica_under_another_key_is_wrong_key_not_not_replica() {
    let v = judge(
        &Expectation::new(KB),
        &replica(Some("aws:kms"), Some(OTHER), None),
    );
    assert_eq!(v.name(), "WrongKey");
}

#[test]
fn sse_s3_and_unencrypted_replicas_are_not_kms_encrypted() {
    let e = Expectation::new(KB);
    assert_eq!(
        judge(&e, &replica(Some("AES256"), None, Some("REPLICA"))),
        Verdict::NotKmsEncrypted {
            sse: "AES256".into()
        }
    );
    assert_eq!(
        judge(&e, &replica(None, None, Some("REPLICA"))),
        Verdict::NotKmsEncrypted { sse: "none".into() }
    );
    assert_eq!(
        judge(
            &e,
            &replica(Some("aws:kms:dsse"), Some(KB), Some("REPLICA"))
        )
        .name(),
        "NotKmsEncrypted"
    );
}

#[test]
fn object_without_replica_status_is_not_a_replica_when_required() {
    let v = judge(
        &Expectation::new(KB),
        &replica(Some("aws:kms"), Some(KB), Some("COMPLETED")),
    );
    assert_eq!(
        v,
        Verdict::NotReplica {
            status: "COMPLETED".into()
        }
    );
    let lenient = Expectation {
        require_replica_status: false,
        ..Expectation::new(KB)
    };
    assert_eq!(
        judge(&lenient, &replica(Some("aws:kms"), Some(KB), None)),
        Verdict::Verified
    );
}

#[test]
fn bucket_key_expectation_is_checked_only_when_set() {
    let mut facts = replica(Some("aws:kms"), Some(KB), Some("REPLICA"));
    facts.bucket_key_enabled = Some(false);
    let expect = Expectation {
        bucket_key: Some(true),
        ..Expectation::new(KB)
    };
    assert_eq!(
        judge(&expect, &facts),
        Verdict::BucketKeyMismatch {
            expected: true,
            actual: false
        }
    );
    assert_eq!(judge(&Expectation::new(KB), &facts), Verdict::Verified);
}

#[test]
fn bare_key_id_of_the_expected_key_matches() {
    let v = judge(
        &Expectation::new(KB),
        &replica(Some("aws:kms"), Some("1111-kb"), Some("REPLICA")),
    );
    assert_eq!(v, Verdict::Verified);
}

#[test]
fn head_failures_are_transient_errors_with_the_code() {
    let v = judge_failure(Some(403), Some("AccessDenied"), Some("Access Denied"));
    assert_eq!(
        v,
        Verdict::Error {
            reason: "AccessDenied: Access Denied".into()
        }
    );
    assert!(v.is_transient());
    let bare = judge_failure(Some(403), None, None);
    assert_eq!(bare.reason(), Some("AccessDenied (HTTP 403)"));
    assert!(judge_failure(Some(503), None, None).is_transient());
    assert!(judge_failure(None, None, Some("dispatch failure")).is_transient());
}

#[test]
fn a_bad_request_is_a_final_rejection_not_retried() {
    let v = judge_failure(Some(400), None, None);
    assert_eq!(
        v,
        Verdict::Rejected {
            reason: "BadRequest (HTTP 400)".into()
        }
    );
    assert!(!v.is_transient());
    for status in [405, 411, 413, 414, 431] {
        assert!(!judge_failure(Some(status), None, None).is_transient());
    }
}

#[test]
fn a_description_starts_with_the_verdict_name() {
    let wrong = Verdict::WrongKey {
        expected: KB.into(),
        actual: "arn:aws:kms:us-east-1:222222222222:key/other".into(),
    };
    assert_eq!(
        wrong.describe(),
        format!("WrongKey: under arn:aws:kms:us-east-1:222222222222:key/other, expected {KB}")
    );
    assert_eq!(Verdict::Verified.describe(), "Verified");
    assert_eq!(
        Verdict::Missing.describe(),
        "Missing: no such object version"
    );
    let mismatch = Verdict::BucketKeyMismatch {
        expected: true,
        actual: false,
    };
    assert_eq!(
        mismatch.describe(),
        "BucketKeyMismatch: bucket key disabled, expected enabled"
    );
    let long = Verdict::Error {
        reason: "x".repeat(1000),
    };
    assert!(long.describe().len() <= MAX_REASON_LEN);
}

#[test]
fn names_longer_than_s3_allows_are_rejected_without_a_call() {
    let long = "k".repeat(MAX_KEY_BYTES + 1);
    let v = judge_without_asking("dst", &long, None).unwrap();
    assert_eq!(
        v.reason(),
        Some("the object key is 1025 bytes; S3 allows 1024 (S3 answers 400 Bad Request)")
    );
    assert!(!v.is_transient());
    assert!(judge_without_asking("dst", "k", Some(&long)).is_some());
    assert!(judge_without_asking(&"b".repeat(256), "k", None).is_some());
    let at_limit = "é".repeat(MAX_KEY_BYTES / 2);
    assert_eq!(judge_without_asking("dst", &at_limit, Some("v")), None);
}

#[test]
fn reasons_are_capped_on_a_character_boundary() {
    let long = "é".repeat(400);
    let v = judge_failure(Some(500), Some("InternalError"), Some(&long));
    let reason = v.reason().unwrap();
    assert!(reason.len() <= MAX_REASON_LEN, "{}", reason.len());
    assert!(reason.ends_with('…'));
    assert_eq!(cap_reason("short".into()), "short");
}

#[test]
fn a_finding_names_what_was_found_instead() {
    let found = |v: Verdict| v.found();
    let wrong = Verdict::WrongKey {
        expected: KB.into(),
        actual: "arn:aws:kms:us-east-1:222222222222:key/other".into(),
    };
    assert_eq!(
        wrong.actual_key(),
        Some("arn:aws:kms:us-east-1:222222222222:key/other")
    );
    assert_eq!(found(wrong), None);
    let sse = Verdict::NotKmsEncrypted {
        sse: "AES256".into(),
    };
    assert_eq!(found(sse).as_deref(), Some("AES256"));
    let status = Verdict::NotReplica {
        status: "COMPLETED".into(),
    };
    assert_eq!(found(status).as_deref(), Some("COMPLETED"));
    let bucket_key = Verdict::BucketKeyMismatch {
        expected: true,
        actual: false,
    };
    assert_eq!(found(bucket_key).as_deref(), Some("bucket key disabled"));
    assert_eq!(found(Verdict::Verified), None);
    assert_eq!(found(Verdict::Missing), None);
}

#[test]
fn not_found_is_told_by_s3_code_or_a_bare_404() {
    for (status, code) in [
        (Some(404), None),
        (Some(404), Some("NoSuchKey")),
        (None, Some("NoSuchVersion")),
        (Some(400), Some("NotFound")),
    ] {
        assert!(is_not_found(status, code), "{status:?} {code:?}");
    }
    for (status, code) in [
        (Some(403), None),
        (Some(400), Some("KeyTooLongError")),
        (None, None),
    ] {
        assert!(!is_not_found(status, code), "{status:?} {code:?}");
    }
}
