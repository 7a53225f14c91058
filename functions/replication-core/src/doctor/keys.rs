//! Steps 3 and 4: KA and KB exist and are usable (enabled, not pending deletion).

use super::{Doctor, Finding, Seen};
use crate::properties::DefaultEncryption;

/// Steps 3 and 4: the keys' state.
pub(super) fn keys(d: &mut Doctor<'_>) {
    for (step, which, seen) in [(3, "KA", &d.s.source_key), (4, "KB", &d.s.destination_key)] {
        let name = format!("{which} is enabled");
        match seen.get() {
            Err(why) => d.unknown(step, name, why),
            Ok(None) => d.fail(
                step,
                name,
                Finding {
                    step,
                    document: which.to_owned(),
                    statement: None,
                    problem: format!("{which} does not exist"),
                    fix: format!("name an existing customer managed key as {which}"),
                },
            ),
            Ok(Some(k)) if k.state == "Enabled" => d.pass(step, name, k.arn.clone()),
            Ok(Some(k)) => {
                let fix = if k.state == "PendingDeletion" {
                    format!(
                        "aws kms cancel-key-deletion --key-id {} && aws kms enable-key --key-id {}",
                        k.arn, k.arn
                    )
                } else {
                    format!("aws kms enable-key --key-id {}", k.arn)
                };
                d.fail(
                    step,
                    name,
                    Finding {
                        step,
                        document: format!("{which} ({})", k.arn),
                        statement: None,
                        problem: format!(
                            "{which} is {}; S3 cannot use it ({})",
                            k.state,
                            if step == 3 {
                                "SrcKmsKeyInvalidState"
                            } else {
                                "DstKmsKeyInvalidState"
                            }
                        ),
                        fix,
                    },
                );
            }
        }
    }
}

/// One permission replication needs.
pub(super) struct Need {
    pub(super) step: u8,
    pub(super) action: &'static str,
    pub(super) resource: String,
    pub(super) contexts: Vec<String>,
    pub(super) key: Option<KeySide>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeySide {
    Source,
    Destination,
}

pub(super) fn bucket_keys(seen: &Seen<Option<DefaultEncryption>>) -> bool {
    matches!(seen, Seen::Read(Some(e)) if e.bucket_key_enabled)
}
