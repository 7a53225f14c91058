//! Step 6: S's replication rule to D, as S3 reads it.

use super::{Doctor, Finding, RoleDocs};
use crate::plan::{ReplicationRule, replicates_to};

/// Step 6: the rule to D.
pub(super) fn rule(d: &mut Doctor<'_>) -> Option<ReplicationRule> {
    let s = d.s;
    let name = format!("a replication rule on S to {}", s.destination_bucket);
    let document = format!("S's replication configuration ({})", s.source_bucket);
    let missing = |problem: String| Finding {
        step: 6,
        document: document.clone(),
        statement: None,
        problem,
        fix: "create the Custom::ReplicationSource resource (or run its stack's Update)".into(),
    };
    let config = match s.replication.get() {
        Err(why) => {
            d.unknown(6, name, why);
            return None;
        }
        Ok(None) => {
            d.fail(
                6,
                name,
                missing("S has no replication configuration".into()),
            );
            return None;
        }
        Ok(Some(c)) => c,
    };
    let found = config.rules.iter().find(|r| {
        replicates_to(r, &s.destination_bucket)
            && s.rule_id
                .as_ref()
                .is_none_or(|id| r.id.as_ref() == Some(id))
    });
    let Some(rule) = found.cloned() else {
        let which = s
            .rule_id
            .as_ref()
            .map(|i| format!(" {i:?}"))
            .unwrap_or_default();
        let problem = format!("no rule{which} replicates to {}", s.destination_bucket);
        d.fail(6, name, missing(problem));
        return None;
    };
    let label = rule.id.clone().unwrap_or_else(|| "(no Id)".into());
    let mut problems = Vec::new();
    if rule.status != "Enabled" {
        problems.push((
            format!("rule {label} is {}", rule.status),
            "set its Status to Enabled".to_owned(),
        ));
    }
    let sse_kms = rule
        .source_selection_criteria
        .as_ref()
        .and_then(|c| c.sse_kms_encrypted_objects.as_ref())
        .is_some_and(|st| st.status == "Enabled");
    if !sse_kms {
        problems.push((
            format!("rule {label} does not select SSE-KMS objects, so S3 skips every one of them"),
            "set SourceSelectionCriteria.SseKmsEncryptedObjects.Status to Enabled".to_owned(),
        ));
    }
    let replica_key = rule
        .destination
        .encryption_configuration
        .as_ref()
        .and_then(|e| e.replica_kms_key_id.clone());
    match (&replica_key, &s.expected_destination_key) {
        (None, _) => problems.push((
            format!(
                "rule {label} names no ReplicaKmsKeyID, so SSE-KMS objects cannot be re-encrypted"
            ),
            "set Destination.EncryptionConfiguration.ReplicaKmsKeyID to KB's key ARN".to_owned(),
        )),
        (Some(k), _) if !k.starts_with("arn:") || !k.contains(":key/") => problems.push((
            format!(
                "rule {label} names the replica key as {k:?}, not as a key ARN; S3 needs the ARN"
            ),
            "set ReplicaKmsKeyID to KB's key ARN (arn:aws:kms:<region>:<B>:key/<id>)".to_owned(),
        )),
        (Some(k), Some(expected)) if k != expected => problems.push((
            format!("rule {label} re-encrypts replicas under {k}, not under KB ({expected})"),
            format!("set ReplicaKmsKeyID to {expected}"),
        )),
        _ => {}
    }
    if let Some(account) = &s.destination_account
        && rule
            .destination
            .account
            .as_deref()
            .is_some_and(|a| a != account)
    {
        problems.push((
            format!(
                "rule {label} names destination account {:?}, but D is in {account}",
                rule.destination.account
            ),
            format!("set Destination.Account to {account}"),
        ));
    }
    if problems.is_empty() {
        d.pass(6, name, format!("rule {label}"));
    } else {
        let (problem, fix): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
        d.fail(
            6,
            name,
            Finding {
                step: 6,
                document,
                statement: Some(label),
                problem: problem.join("; "),
                fix: fix.join("; "),
            },
        );
    }
    Some(rule)
}

/// Step 2: the role and its trust.
/// The role as far as it is known: its ARN always, its documents when readable.
pub(super) struct RoleView {
    pub(super) arn: String,
    pub(super) docs: Option<RoleDocs>,
}
