//! Steps 2 to 5: every action replication needs, evaluated against the role's policies and the
//! bucket or key policy, with their conditions (replication_core::evaluate).

use std::collections::BTreeMap;

use super::{Doctor, Finding, Seen};
use super::{KeySide, Need, RoleView, bucket_keys};
use crate::evaluate::{Caller, Decision, Request, evaluate};
use crate::plan::ReplicationRule;

/// The key, under each replicated prefix, on which object-level grants are evaluated.
pub(super) const SAMPLE_KEY: &str = "replicated-object";

/// Steps 2 to 5: every action replication needs, against the role's policies and the
/// resource's policy.
///
/// Object-level grants are evaluated on real object ARNs, one sample key under each enabled
/// rule's prefix (`prefixes`; the whole bucket when none is known), and an SSE-KMS object's
/// encryption context is that object's ARN (S3 User Guide, "Using server-side encryption with
/// AWS KMS keys", encryption context: `arn:aws:s3:::bucket/key`), or the bucket's ARN under an
/// S3 Bucket Key. So a grant on `bucket/key-prefix1*`, as in the guide's own examples, passes
/// for a rule with that prefix, and a `StringEquals` grant on the literal `bucket/*`, which no
/// object's context equals, fails.
pub(super) fn permissions(
    d: &mut Doctor<'_>,
    rule: Option<&ReplicationRule>,
    prefixes: &[String],
    role: &RoleView,
) {
    let s = d.s;
    let sb = d.bucket_arn(&s.source_bucket);
    let db = d.bucket_arn(&s.destination_bucket);
    let source_bk = bucket_keys(&s.source_encryption);
    let replica_bk = source_bk || bucket_keys(&s.destination_encryption);
    let whole_bucket = [String::new()];
    let prefixes = if prefixes.is_empty() {
        &whole_bucket[..]
    } else {
        prefixes
    };
    let keys: Vec<String> = prefixes
        .iter()
        .map(|p| format!("{p}{SAMPLE_KEY}"))
        .collect();
    let objects =
        |bucket: &str| -> Vec<String> { keys.iter().map(|k| format!("{bucket}/{k}")).collect() };
    let (source_objects, replicas) = (objects(&sb), objects(&db));
    let with_bucket = |mut contexts: Vec<String>, bucket: &str, on: bool| {
        if on {
            contexts.push(bucket.to_owned());
        }
        contexts
    };
    let source_ctx = with_bucket(source_objects.clone(), &sb, source_bk);
    let replica_ctx = with_bucket(replicas.clone(), &db, replica_bk);
    let on_objects = |step: u8, action: &'static str, objects: &[String]| -> Vec<Need> {
        objects
            .iter()
            .map(|object| Need {
                step,
                action,
                resource: object.clone(),
                contexts: vec![],
                key: None,
            })
            .collect()
    };
    let mut needs = vec![
        Need {
            step: 2,
            action: "s3:GetReplicationConfiguration",
            resource: sb.clone(),
            contexts: vec![],
            key: None,
        },
        Need {
            step: 2,
            action: "s3:ListBucket",
            resource: sb.clone(),
            contexts: vec![],
            key: None,
        },
    ];
    needs.extend(on_objects(
        2,
        "s3:GetObjectVersionForReplication",
        &source_objects,
    ));
    needs.extend(on_objects(2, "s3:GetObjectVersionAcl", &source_objects));
    // An Object Lock source: S3 reads each object's retention and legal hold (S3 User Guide,
    // "Using Object Lock with S3 Replication").
    if s.source_object_lock == Seen::Read(true) {
        needs.extend(on_objects(2, "s3:GetObjectRetention", &source_objects));
        needs.extend(on_objects(2, "s3:GetObjectLegalHold", &source_objects));
    }
    needs.extend(on_objects(5, "s3:ReplicateObject", &replicas));
    needs.extend(on_objects(5, "s3:ReplicateDelete", &replicas));
    needs.push(Need {
        step: 3,
        action: "kms:Decrypt",
        resource: String::new(),
        contexts: source_ctx,
        key: Some(KeySide::Source),
    });
    needs.push(Need {
        step: 4,
        action: "kms:Encrypt",
        resource: String::new(),
        contexts: replica_ctx.clone(),
        key: Some(KeySide::Destination),
    });
    // Owner override is checked when the rule is known to ask for it.
    if rule.is_some_and(|r| r.destination.access_control_translation.is_some()) {
        needs.extend(on_objects(
            5,
            "s3:ObjectOwnerOverrideToBucketOwner",
            &replicas,
        ));
    }
    if replica_bk {
        needs.push(Need {
            step: 4,
            action: "kms:Decrypt",
            resource: String::new(),
            contexts: replica_ctx,
            key: Some(KeySide::Destination),
        });
    }
    let role_account = role.arn.split(':').nth(4).unwrap_or_default().to_owned();
    // Grouped per (document, statement): one finding per document that falls short.
    let mut failures: BTreeMap<(u8, String, Option<String>), Vec<String>> = BTreeMap::new();
    let mut assumed = Vec::new();
    let mut unknown = Vec::new();
    for need in &needs {
        let contexts = if need.contexts.is_empty() {
            vec![String::new()]
        } else {
            need.contexts.clone()
        };
        for context in contexts {
            match check_need(d, need, &context, role, &role_account, &mut assumed) {
                Ok(()) => {}
                Err(NeedFailure::Unknown(why)) => unknown.push(format!("{} ({why})", need.action)),
                Err(NeedFailure::Denied {
                    step,
                    document,
                    statement,
                    what,
                }) => {
                    let what = if context.is_empty() {
                        what
                    } else {
                        format!("{what} for context {context}")
                    };
                    failures
                        .entry((step, document, statement))
                        .or_default()
                        .push(what);
                }
            }
        }
    }
    let name =
        "the replication role's permissions, with both policies and their conditions".to_owned();
    if !unknown.is_empty() {
        d.unknown(
            2,
            name.clone(),
            &format!("not evaluated: {}", unknown.join(", ")),
        );
    }
    if failures.is_empty() {
        if unknown.is_empty() {
            assumed.sort();
            assumed.dedup();
            let detail = if assumed.is_empty() {
                String::new()
            } else {
                format!("assumed satisfied: {}", assumed.join("; "))
            };
            d.pass(2, name, detail);
        }
        return;
    }
    for ((step, document, statement), mut whats) in failures {
        whats.dedup(); // one action fails the same way on each prefix's sample key
        let fix = fix_for(d, step, &document, statement.as_deref(), role);
        d.fail(
            step,
            format!("{name}: {document}"),
            Finding {
                step,
                document,
                statement: statement.clone(),
                problem: match statement {
                    Some(_) => format!("explicitly denies {}", whats.join(", ")),
                    None => format!("does not allow {}", whats.join(", ")),
                },
                fix,
            },
        );
    }
}

pub(super) enum NeedFailure {
    Unknown(String),
    Denied {
        step: u8,
        document: String,
        statement: Option<String>,
        what: String,
    },
}

pub(super) fn check_need(
    d: &Doctor<'_>,
    need: &Need,
    context: &str,
    role: &RoleView,
    role_account: &str,
    assumed: &mut Vec<String>,
) -> Result<(), NeedFailure> {
    let s = d.s;
    let caller = Caller::Principal {
        arn: &role.arn,
        account: role_account,
    };
    // The resource, and its policy when it could be read (`Err` says why not).
    let (resource, resource_policy, resource_account, resource_doc) = match need.key {
        Some(side) => {
            let (seen, which, account, expected) = match side {
                KeySide::Source => (&s.source_key, "KA", Some(s.source_account.clone()), None),
                KeySide::Destination => (
                    &s.destination_key,
                    "KB",
                    s.destination_account.clone(),
                    s.expected_destination_key.clone(),
                ),
            };
            let (arn, policy) = match seen.get() {
                Ok(Some(k)) => (k.arn.clone(), Ok(Some(k.policy.clone()))),
                Ok(None) => return Err(NeedFailure::Unknown(format!("{which} does not exist"))),
                Err(why) => match expected {
                    Some(arn) => (arn, Err(why.to_owned())),
                    None => return Err(NeedFailure::Unknown(why.to_owned())),
                },
            };
            let account = account.or_else(|| arn.split(':').nth(4).map(str::to_owned));
            let doc = format!("{which}'s key policy ({arn})");
            (arn, policy, account, doc)
        }
        None => {
            let in_source = need
                .resource
                .starts_with(&format!("{}/", d.bucket_arn(&s.source_bucket)))
                || need.resource == d.bucket_arn(&s.source_bucket);
            let (seen, which, bucket, account) = if in_source {
                let account = Some(s.source_account.clone());
                (&s.source_bucket_policy, "S", &s.source_bucket, account)
            } else {
                let account = s.destination_account.clone();
                (
                    &s.destination_bucket_policy,
                    "D",
                    &s.destination_bucket,
                    account,
                )
            };
            let policy = seen.get().cloned().map_err(str::to_owned);
            let doc = format!("{which}'s bucket policy ({bucket})");
            (need.resource.clone(), policy, account, doc)
        }
    };
    let region = match need.key {
        Some(KeySide::Source) => &s.source_region,
        _ => &s.destination_region,
    };
    let mut request = Request::new(need.action, Some(&resource))
        .with("aws:PrincipalArn", &role.arn)
        .with("aws:PrincipalAccount", role_account)
        .with("aws:PrincipalType", "AssumedRole")
        .with("aws:SecureTransport", "true")
        .with("kms:CallerAccount", role_account)
        .with("kms:ViaService", &d.via(region));
    if let Some(account) = &resource_account {
        request = request.with("aws:ResourceAccount", account);
    }
    if !context.is_empty() {
        request = request.with("kms:EncryptionContext:aws:s3:arn", context);
        request = request.with("kms:EncryptionContextKeys", "aws:s3:arn");
    }
    if need.action == "s3:ReplicateObject" {
        request = request.with("s3:x-amz-server-side-encryption", "aws:kms");
        let kb = match s.destination_key.get() {
            Ok(Some(kb)) => Some(kb.arn.clone()),
            _ => s.expected_destination_key.clone(),
        };
        if let Some(kb) = kb {
            request = request.with("s3:x-amz-server-side-encryption-aws-kms-key-id", &kb);
        }
    }
    let role_doc = format!("the replication role's policies ({})", role.arn);
    // Identity: any of the role's policies allows and none denies; `None` when unreadable.
    let identity = match &role.docs {
        None => None,
        Some(docs) => {
            let mut allows = false;
            for (name, policy) in &docs.policies {
                let e = evaluate(policy, &request, None, true);
                assumed.extend(e.assumed);
                match e.decision {
                    Decision::Deny(statement) => {
                        return Err(NeedFailure::Denied {
                            step: 2,
                            document: format!("{role_doc}, policy {name}"),
                            statement: Some(statement),
                            what: need.action.to_owned(),
                        });
                    }
                    Decision::Allow(_) => allows = true,
                    Decision::Implicit => {}
                }
            }
            Some(allows)
        }
    };
    // Resource: the bucket or key policy, for this principal; `None` when unreadable.
    let same_account = resource_account.as_deref() == Some(role_account);
    let (resource_allows, direct) = match &resource_policy {
        Err(_) => (None, None),
        Ok(policy) => {
            let e = policy
                .as_ref()
                .map(|p| evaluate(p, &request, Some(caller), true));
            if let Some(e) = &e {
                assumed.extend(e.assumed.clone());
                if let Decision::Deny(statement) = &e.decision {
                    return Err(NeedFailure::Denied {
                        step: need.step,
                        document: resource_doc,
                        statement: Some(statement.clone()),
                        what: need.action.to_owned(),
                    });
                }
            }
            let allows = e.is_some_and(|e| matches!(e.decision, Decision::Allow(_)));
            // A grant to the role itself, not to its account (which defers to IAM).
            let direct = same_account
                && policy.as_ref().is_some_and(|p| {
                    let e = evaluate(p, &request, Some(caller), false);
                    matches!(e.decision, Decision::Allow(_))
                });
            (Some(allows), Some(direct))
        }
    };
    let resource_short = || NeedFailure::Denied {
        step: need.step,
        document: resource_doc.clone(),
        statement: None,
        what: need.action.to_owned(),
    };
    let identity_short = || NeedFailure::Denied {
        step: 2,
        document: role_doc.clone(),
        statement: None,
        what: format!("{} on {resource}", need.action),
    };
    let unknown = |why: &str| NeedFailure::Unknown(why.to_owned());
    match need.key {
        // KMS: the key policy must allow; a grant to the account defers to IAM, a grant to the
        // role itself in its own account suffices (KMS Developer Guide, "Key policies").
        Some(_) => match (resource_allows, direct, identity) {
            (Some(false), _, _) => Err(resource_short()),
            (Some(true), Some(true), _) | (Some(true), _, Some(true)) => Ok(()),
            (_, _, Some(false)) if !same_account => Err(identity_short()),
            (Some(true), _, Some(false)) => Err(identity_short()),
            (_, _, None) => Err(unknown("the role's policies were not read")),
            (None, _, _) => Err(unknown("the key policy was not read")),
        },
        // S3 in one account: either policy suffices, but a bucket-policy grant to the account
        // principal delegates to the account's IAM policies, as a key policy's does; only a
        // grant naming the role itself stands alone (IAM User Guide, "Policy evaluation for
        // requests within a single account", and "AWS JSON policy elements: Principal": an
        // account principal "delegates authority to the account"). Across accounts both must
        // allow.
        None if same_account => match (identity, direct) {
            (Some(true), _) | (_, Some(true)) => Ok(()),
            (Some(false), Some(false)) => Err(identity_short()),
            _ => Err(unknown("not every policy could be read")),
        },
        None => match (resource_allows, identity) {
            (Some(false), _) => Err(resource_short()),
            (_, Some(false)) => Err(identity_short()),
            (Some(true), Some(true)) => Ok(()),
            _ => Err(unknown("not every policy could be read")),
        },
    }
}

pub(super) fn fix_for(
    d: &Doctor<'_>,
    step: u8,
    document: &str,
    statement: Option<&str>,
    role: &RoleView,
) -> String {
    if let Some(statement) = statement {
        return format!(
            "remove or narrow statement {statement} of {document} so that it no longer applies to {}",
            role.arn
        );
    }
    let s = d.s;
    match step {
        3 => format!("add to KA's key policy: Allow {{\"AWS\": \"arn:{}:iam::{}:root\"}} kms:Decrypt with aws:PrincipalArn = {} (or run the source stack's Update, which writes it)", s.partition, s.source_account, role.arn),
        4 => format!("add to KB's key policy: Allow {{\"AWS\": \"arn:{}:iam::{}:root\"}} kms:Encrypt and kms:Decrypt with aws:PrincipalArn = {} (or run the destination stack's Update, which writes it)", s.partition, s.source_account, role.arn),
        5 => format!("add to D's bucket policy: Allow {{\"AWS\": \"arn:{}:iam::{}:root\"}} the missing actions on arn:{}:s3:::{}/* with aws:PrincipalArn = {} (or run the destination stack's Update)", s.partition, s.source_account, s.partition, s.destination_bucket, role.arn),
        _ => "add the missing actions to the role's inline policy, with the encryption contexts of both S and D (or run the source stack's Update, which rewrites it)".to_owned(),
    }
}
