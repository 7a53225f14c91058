//! Destinations S3 could not validate when D's notification configuration was written.
//!
//! S3 validates every destination of a notification configuration on each
//! `PutBucketNotificationConfiguration`, not only the new one: a queue that no longer exists, or
//! whose policy no longer lets S3 send, makes the whole write fail with 400 `InvalidArgument`
//! "Unable to validate the following destination configurations", naming each bad destination
//! in `ArgumentName1`/`ArgumentValue1`, `ArgumentName2`/… (recorded on AWS in LocalStack's
//! `TestS3BucketNotificationConfiguration` and `test_s3_notifications_sqs` snapshots; see
//! tests/conformance). Since we write D's whole configuration back, another team's stale entry
//! fails our write too; [`describe`] says which entry, whose it is, and the fix.

use std::fmt::Write as _;

use super::{Entry, OBJECT_CREATED, REPLICATION_EVENTS};

/// The message of S3's refusal.
pub const UNABLE_TO_VALIDATE: &str = "Unable to validate the following destination configurations";

/// One destination S3 named as not validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unvalidated {
    /// The destination's ARN (`ArgumentNameN`).
    pub arn: String,
    /// S3's reason (`ArgumentValueN`), such as "The destination queue does not exist".
    pub why: String,
}

/// The destinations named in the XML body of S3's `InvalidArgument` error, in order.
#[must_use]
pub fn from_error_body(body: &str) -> Vec<Unvalidated> {
    let mut found = Vec::new();
    for n in 1.. {
        let Some(arn) = element(body, &format!("ArgumentName{n}")) else {
            break;
        };
        let why = element(body, &format!("ArgumentValue{n}")).unwrap_or_default();
        found.push(Unvalidated { arn, why });
    }
    found
}

fn element(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{name}>"))? + start;
    Some(unescape(body[start..end].trim()))
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The failure's reason: each destination S3 named, with the configuration entries that send
/// to it (`entries`: D's configuration as written), whether each is ours, and what to do.
#[must_use]
pub fn describe(bucket: &str, unvalidated: &[Unvalidated], entries: &[Entry]) -> String {
    let mut text = format!(
        "S3 refused {bucket}'s notification configuration ({UNABLE_TO_VALIDATE}): S3 checks every \
         destination of {bucket}'s configuration on each write, so one entry it cannot validate \
         blocks them all."
    );
    for bad in unvalidated {
        let named: Vec<&Entry> = entries.iter().filter(|e| e.arn == bad.arn).collect();
        let ours = [&OBJECT_CREATED, &REPLICATION_EVENTS]
            .into_iter()
            .find(|kind| {
                named
                    .iter()
                    .any(|e| e.id.as_deref().and_then(|id| kind.hashes(id)).is_some())
            });
        let ids = named
            .iter()
            .map(|e| format!("{:?}", e.id.as_deref().unwrap_or("without Id")))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(
            text,
            " {} ({}): {}.",
            bad.arn,
            ids,
            bad.why.trim_end_matches('.')
        );
        if let Some(kind) = ours {
            let _ = write!(
                text,
                " This is the verifier's queue ({}): it must exist, be in {bucket}'s region, and \
                 its policy must let s3.amazonaws.com send messages with aws:SourceArn \
                 arn:aws:s3:::{bucket} (the destination template's queue policy does{}).",
                kind.property,
                if kind.bucket == "source" {
                    " with AllowSourceReplicationEvents=true"
                } else {
                    ""
                }
            );
        } else {
            let _ = write!(
                text,
                " This entry is not ours and we leave it as it is: its owner must fix the \
                 destination (re-create the queue, or let S3 send to it) or remove the entry from \
                 {bucket}'s notification configuration; then retry."
            );
        }
    }
    text
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const BODY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidArgument</Code>\
        <Message>Unable to validate the following destination configurations</Message>\
        <ArgumentName1>arn:aws:sqs:us-east-1:222222222222:gone</ArgumentName1>\
        <ArgumentValue1>The destination queue does not exist</ArgumentValue1>\
        <ArgumentName2>arn:aws:sqs:us-east-1:222222222222:closed</ArgumentName2>\
        <ArgumentValue2>Permissions on the destination queue do not allow S3 to publish notifications from this bucket</ArgumentValue2>\
        <RequestId>X</RequestId></Error>";

    #[test]
    fn every_named_destination_is_read_in_order() {
        let found = from_error_body(BODY);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].arn, "arn:aws:sqs:us-east-1:222222222222:gone");
        assert_eq!(found[0].why, "The destination queue does not exist");
        assert!(
            found[1]
                .why
                .starts_with("Permissions on the destination queue")
        );
        assert!(from_error_body("<Error><Code>InvalidArgument</Code></Error>").is_empty());
    }

    #[test]
    fn a_foreign_stale_entry_is_named_with_its_id_and_the_fix() {
        let entries = [
            Entry::queue(
                Some("ingest"),
                "arn:aws:sqs:us-east-1:222222222222:gone",
                &["s3:ObjectRemoved:*"],
                "",
                "",
            ),
            Entry::queue(
                Some("S3KmsReplication:abcd1234"),
                "arn:aws:sqs:us-east-1:222222222222:verifier",
                &["s3:ObjectCreated:*"],
                "",
                "",
            ),
        ];
        let text = describe("d", &from_error_body(BODY)[..1], &entries);
        assert!(text.contains("\"ingest\""), "{text}");
        assert!(
            text.contains("The destination queue does not exist"),
            "{text}"
        );
        assert!(text.contains("not ours"), "{text}");
        assert!(!text.contains("verifier's queue"), "{text}");
    }

    #[test]
    fn our_own_queue_refused_says_what_its_policy_needs() {
        let entries = [Entry::queue(
            Some("S3KmsReplication:abcd1234"),
            "arn:aws:sqs:us-east-1:222222222222:closed",
            &["s3:ObjectCreated:*"],
            "",
            "",
        )];
        let text = describe("d", &from_error_body(BODY)[1..], &entries);
        assert!(text.contains("verifier's queue"), "{text}");
        assert!(text.contains("arn:aws:s3:::d"), "{text}");
    }
}
