//! Steps 3 to 5 with `PolicyWrites: Report`: the key and bucket policies hold every statement
//! the pair needs, as its owner's pipeline applied them ([`crate::plan::pair_policy_statements`]).
//! A statement counts as present when any statement of the document grants exactly the same,
//! whatever its `Sid` and however it is written ([`crate::policy::holds`]).

use serde_json::Value;

use super::{Doctor, Finding, Seen};
use crate::plan::{PolicyDocument, PolicyStatements};
use crate::policy::{Held, holds};

/// The findings for `planned` in `doc` (the document as read; `None` when there is none): one
/// per statement that is missing or differs, naming the statement and the document.
#[must_use]
pub fn statement_findings(planned: &PolicyStatements, doc: Option<&Value>) -> Vec<Finding> {
    let document = planned.label();
    planned
        .statements
        .iter()
        .filter_map(|wanted| {
            let sid = wanted["Sid"].as_str().unwrap_or("?").to_owned();
            let problem = match holds(doc, wanted) {
                Held::Present => return None,
                Held::Differs => "grants something else than the pair needs under this Sid \
                                  (PolicyWrites is Report: this document's owner applies it)"
                    .to_owned(),
                Held::Missing => "missing (PolicyWrites is Report: this document's owner \
                                  applies it)"
                    .to_owned(),
            };
            Some(Finding {
                step: planned.document.step(),
                document: document.clone(),
                statement: Some(sid.clone()),
                problem,
                fix: format!(
                    "apply {sid} exactly as `replication-doctor statements` prints it (the \
                     resource's Data {} holds it too)",
                    planned.document.data_name()
                ),
            })
        })
        .collect()
}

/// The document `planned` belongs in, as the snapshot read it.
fn read<'s>(d: &'s Doctor<'_>, document: PolicyDocument) -> Result<Option<&'s Value>, &'s str> {
    let key = |seen: &'s Seen<Option<super::KeyDocs>>| match seen {
        Seen::Read(k) => Ok(k.as_ref().map(|k| &k.policy)),
        Seen::Unreadable(why) => Err(why.as_str()),
    };
    match document {
        PolicyDocument::SourceKeyPolicy => key(&d.s.source_key),
        PolicyDocument::DestinationKeyPolicy => key(&d.s.destination_key),
        PolicyDocument::DestinationBucketPolicy => match &d.s.destination_bucket_policy {
            Seen::Read(p) => Ok(p.as_ref()),
            Seen::Unreadable(why) => Err(why.as_str()),
        },
    }
}

/// One check per document of [`super::Snapshot::expected_statements`].
pub(super) fn statements(d: &mut Doctor<'_>) {
    for planned in d.s.expected_statements.clone() {
        let step = planned.document.step();
        let name = format!("the pair's statements in {}", planned.label());
        match read(d, planned.document) {
            Err(why) => {
                let why = why.to_owned();
                d.unknown(step, name, &why);
            }
            Ok(doc) => {
                let findings = statement_findings(&planned, doc);
                if findings.is_empty() {
                    d.pass(
                        step,
                        name,
                        format!("{} statement(s)", planned.statements.len()),
                    );
                } else {
                    for finding in findings {
                        d.fail(step, name.clone(), finding);
                    }
                }
            }
        }
    }
}
