//! Unit tests of `steps`.

use std::sync::atomic::{AtomicU32, Ordering};

use aws_sdk_iam::error::ErrorMetadata;
use aws_sdk_iam::operation::get_role::GetRoleError;
use aws_smithy_types::body::SdkBody;

use super::*;

type Result = std::result::Result<&'static str, SdkError<GetRoleError, HttpResponse>>;

fn failure(code: &str, message: &str) -> SdkError<GetRoleError, HttpResponse> {
    let meta = ErrorMetadata::builder().code(code).message(message).build();
    let status = 400_u16.try_into().unwrap();
    SdkError::service_error(
        GetRoleError::generic(meta),
        HttpResponse::new(status, SdkBody::empty()),
    )
}

/// Runs `eventually` over answers given in turn, the last one repeating: `None` succeeds,
/// `Some((code, message))` fails. Returns the outcome and how many calls were made.
async fn run(deadline: Duration, answers: &[Option<(&str, &str)>]) -> (Result, u32) {
    let calls = AtomicU32::new(0);
    let outcome = eventually(Instant::now() + deadline, || {
        let n = calls.fetch_add(1, Ordering::Relaxed) as usize;
        let answer = match answers[n.min(answers.len() - 1)] {
            None => Ok("written"),
            Some((code, message)) => Err(failure(code, message)),
        };
        async move { answer }
    })
    .await;
    (outcome, calls.load(Ordering::Relaxed))
}

#[tokio::test]
async fn the_clients_count_attempted_writes_and_not_reads() {
    // Nothing listens on port 9 of loopback: every call fails, after the interceptor.
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("a", "b", None, None, "test"),
            ),
        )
        .build();
    let c = AccountClients::new(&config, true);
    let before = writes_attempted();
    let _ = c.s3.get_bucket_policy().bucket("b").send().await;
    let _ = c.kms.describe_key().key_id("k").send().await;
    let _ = c.iam.get_role().role_name("r").send().await;
    assert_eq!(writes_attempted(), before, "reads are not counted");
    let _ =
        c.s3.put_bucket_policy()
            .bucket("b")
            .policy("{}")
            .send()
            .await;
    let _ = c.iam.delete_role().role_name("r").send().await;
    assert!(writes_attempted() >= before + 2, "writes are counted");
}

#[test]
fn reads_are_told_from_writes_by_the_operation_name() {
    for read in [
        "GetBucketPolicy",
        "GetKeyPolicy",
        "ListRolePolicies",
        "DescribeKey",
        "HeadBucket",
        "GetBucketLocation",
    ] {
        assert!(is_read(read), "{read}");
    }
    for write in [
        "PutBucketPolicy",
        "DeleteBucketPolicy",
        "PutKeyPolicy",
        "CreateRole",
        "TagRole",
        "UpdateAssumeRolePolicy",
        "PutBucketReplication",
        "DeleteRole",
        "",
    ] {
        assert!(!is_read(write), "{write}");
    }
}

#[test]
fn just_created_principals_and_roles_are_recognised_and_nothing_else() {
    let yes = [
        ("NoSuchEntity", "The role with name r cannot be found."),
        (
            "MalformedPolicyDocumentException",
            "Policy contains a statement with one or more invalid principals.",
        ),
        ("MalformedPolicy", "Invalid principal in policy"),
        ("InvalidArgument", "Invalid principal in policy"),
        (
            "InvalidArgument",
            "Role arn:aws:iam::1:role/r does not exist or is not assumable",
        ),
    ];
    for (code, message) in yes {
        let e = failure(code, message);
        assert!(is_eventual_consistency(&e), "{code}: {message}");
    }
    let no = [
        ("AccessDenied", "Access Denied"),
        (
            "MalformedPolicyDocumentException",
            "The new key policy will not allow you to update the key policy in the future.",
        ),
        ("InvalidArgument", "Invalid version id specified"),
        ("NoSuchBucket", "The specified bucket does not exist"),
    ];
    for (code, message) in no {
        let e = failure(code, message);
        assert!(!is_eventual_consistency(&e), "{code}: {message}");
    }
}

#[tokio::test]
async fn a_principal_that_becomes_visible_is_retried_until_it_works() {
    let (outcome, calls) = run(
        Duration::from_secs(30),
        &[Some(("NoSuchEntity", "role r cannot be found")), None],
    )
    .await;
    assert_eq!(outcome.unwrap(), "written");
    assert_eq!(calls, 2);
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let (outcome, calls) = run(
        Duration::from_secs(30),
        &[Some(("AccessDenied", "Access Denied")), None],
    )
    .await;
    assert_eq!(outcome.unwrap_err().code(), Some("AccessDenied"));
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn retries_stop_before_the_deadline_and_return_the_last_error() {
    // The first backoff (500 ms) would end past a 100 ms deadline: no retry at all.
    let (outcome, calls) = run(
        Duration::from_millis(100),
        &[Some(("NoSuchEntity", "role r cannot be found"))],
    )
    .await;
    assert_eq!(outcome.unwrap_err().code(), Some("NoSuchEntity"));
    assert_eq!(calls, 1);
}
