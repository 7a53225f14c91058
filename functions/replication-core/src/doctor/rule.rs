//! Step 6: S's replication rule to D, as S3 reads it.

use super::{Doctor, Finding, RoleDocs};
use crate::arn::KmsKeyRef;
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
    let found = applied_rule(&config.rules, &s.destination_bucket, s.rule_id.as_deref());
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
    // S3 API Reference, `EncryptionConfiguration`: `ReplicaKmsKeyID` is "the ID (Key ARN or
    // Alias ARN)" of the replica key. An alias ARN is valid, but which key it names cannot be
    // read from here (KMS resolves aliases in their own account only), so it is unknown, not
    // wrong.
    let mut unresolved = None;
    match (&replica_key, &s.expected_destination_key) {
        (Some(k), _) if matches!(KmsKeyRef::parse(k), Ok(KmsKeyRef::AliasArn { .. })) => {
            unresolved = Some(format!(
                "rule {label} names the replica key by the alias ARN {k}, which S3 accepts; the \
                 doctor cannot tell which key it points at: name KB by its key ARN to have it checked"
            ));
        }
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
        match unresolved {
            Some(why) => d.unknown(6, name, &why),
            None => d.pass(6, name, format!("rule {label}")),
        }
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

/// The rule S3 applies to objects bound for `bucket`: S3 skips disabled rules and, between
/// rules that overlap, applies the one with the highest `Priority` (S3 User Guide,
/// "Replication configuration file elements": "Amazon S3 attempts to avoid conflicts by using
/// the rule with the highest priority"). With `rule_id` (the caller knows its own rule), that
/// rule. When none is enabled, the first, so that step 6 can say it is disabled.
pub(super) fn applied_rule<'a>(
    rules: &'a [ReplicationRule],
    bucket: &str,
    rule_id: Option<&str>,
) -> Option<&'a ReplicationRule> {
    let to_d = || {
        rules.iter().filter(move |r| {
            replicates_to(r, bucket) && rule_id.is_none_or(|id| r.id.as_deref() == Some(id))
        })
    };
    to_d()
        .filter(|r| r.status == "Enabled")
        // max_by_key keeps the last of equals; rev() makes it the first in list order.
        .rev()
        .max_by_key(|r| r.priority.unwrap_or(0))
        .or_else(|| to_d().next())
}

/// The key prefixes of the enabled rules that replicate to `bucket` (`""` for a rule that
/// selects by tag only, or the whole bucket): objects under them are what replication reads
/// and writes, so the doctor evaluates grants on real keys there.
pub(super) fn replicated_prefixes(rules: &[ReplicationRule], bucket: &str) -> Vec<String> {
    let mut prefixes: Vec<String> = rules
        .iter()
        .filter(|r| r.status == "Enabled" && replicates_to(r, bucket))
        .map(|r| {
            r.filter
                .as_ref()
                .and_then(|f| {
                    f.prefix
                        .clone()
                        .or_else(|| f.and.as_ref().and_then(|a| a.prefix.clone()))
                })
                .or_else(|| r.prefix.clone())
                .unwrap_or_default()
        })
        .collect();
    prefixes.sort();
    prefixes.dedup();
    prefixes
}

/// Step 2: the role and its trust.
/// The role as far as it is known: its ARN always, its documents when readable.
pub(super) struct RoleView {
    pub(super) arn: String,
    pub(super) docs: Option<RoleDocs>,
}
