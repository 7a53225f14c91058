//! IAM-style policy documents (bucket policies, key policies) and the merge rules that make
//! writing into someone else's policy safe.
//!
//! A document is a [`serde_json::Value`]; "no policy at all" is `None`. Our statements carry a
//! Sid that starts with a [`SidScope`]: [`SID_PREFIX`] plus a short hash of the replication
//! pair, so two replications into the same bucket or key never touch each other's statements.
//!
//! The merge laws, property-tested in this module:
//!
//! - [`merge`] adds our statements, updates them in place (by Sid) and drops our stale ones.
//!   Every other statement, and every other top-level key (`Version`, `Id`, …), keeps its
//!   content, its key order and its position.
//! - `merge(merge(d)) == merge(d)`.
//! - `remove_ours(merge(d)) == d` for every `d` without statements of our scope. `None` stays
//!   `None`: when only our statements were left, [`remove_ours`] answers `None`, which means
//!   "delete the policy" rather than "write an empty one". One normalisation: a single-object
//!   `Statement` comes back as a one-element array, which IAM reads the same way.
//!
//! Key policies get two more guards, checked before any write: the result must keep a
//! statement that lets the key's own account administer the key ([`merge_key_policy`] refuses
//! otherwise), and it must fit KMS's size limit; bucket policies must fit S3's
//! ([`PolicyKind::size_limit`]).
//!
//! ```
//! use replication_core::policy::{merge, remove_ours, SidScope};
//! use serde_json::json;
//!
//! let scope = SidScope::from_tag("A1B2C3D4").unwrap();
//! let existing = json!({"Version": "2012-10-17", "Statement": [
//!     {"Sid": "TheirOwn", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
//!      "Resource": "arn:aws:s3:::b/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
//! ]});
//! let ours = vec![json!({"Sid": scope.sid("ReplicaObjects"), "Effect": "Allow",
//!     "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
//!     "Action": ["s3:ReplicateObject"], "Resource": ["arn:aws:s3:::b/*"]})];
//!
//! let merged = merge(Some(&existing), &scope, &ours).unwrap();
//! assert_eq!(merged["Statement"].as_array().unwrap().len(), 2);
//! assert_eq!(remove_ours(Some(&merged), &scope).unwrap(), Some(existing));
//! ```

use std::collections::HashSet;
use std::fmt;

use serde_json::{Map, Value, json};

use crate::arn::{AccountId, BucketName, fnv1a32};

mod equivalent;
pub use equivalent::{Held, holds, same_grant};

/// Every Sid this project writes into a resource policy starts with this.
pub const SID_PREFIX: &str = "S3KmsReplication";

/// The policy language version we write into new documents.
pub const POLICY_VERSION: &str = "2012-10-17";

/// The part of our Sids that identifies one replication pair: [`SID_PREFIX`] followed by an
/// 8-hex-digit tag. Sids are kept alphanumeric, which every AWS policy type accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SidScope(String);

impl SidScope {
    /// The scope of the replication from `source_bucket` in `source_account` to
    /// `destination_bucket`. Both sides compute the same scope from their properties, and a
    /// second replication into the same destination gets a different one.
    #[must_use]
    pub fn for_replication(
        source_account: &AccountId,
        source_bucket: &BucketName,
        destination_bucket: &BucketName,
    ) -> Self {
        let key = format!("{source_account}/{source_bucket}/{destination_bucket}");
        Self(format!("{SID_PREFIX}{:08X}", fnv1a32(key.as_bytes())))
    }

    /// A scope with an explicit tag (for tests and tools).
    ///
    /// # Errors
    /// [`PolicyError::InvalidScopeTag`] unless `tag` is 1 to 16 ASCII letters or digits.
    pub fn from_tag(tag: &str) -> Result<Self, PolicyError> {
        if (1..=16).contains(&tag.len()) && tag.chars().all(|c| c.is_ascii_alphanumeric()) {
            Ok(Self(format!("{SID_PREFIX}{tag}")))
        } else {
            Err(PolicyError::InvalidScopeTag(tag.to_owned()))
        }
    }

    /// The Sid of our statement `name` (ASCII letters and digits) in this scope.
    #[must_use]
    pub fn sid(&self, name: &str) -> String {
        format!("{}{name}", self.0)
    }

    /// Whether `sid` belongs to this scope.
    #[must_use]
    pub fn owns(&self, sid: &str) -> bool {
        sid.starts_with(&self.0)
    }

    /// The scope prefix itself, e.g. `S3KmsReplication1A2B3C4D`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SidScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which kind of resource policy a document is; decides its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// An S3 bucket policy.
    BucketPolicy,
    /// A KMS key policy.
    KeyPolicy,
}

impl PolicyKind {
    /// The service's size limit in bytes.
    ///
    /// - Key policy: 32 KiB, 32768 bytes ("The policy size limit is 32 kilobytes (32768
    ///   bytes)", AWS KMS API Reference, `PutKeyPolicy`, parameter `Policy`).
    /// - Bucket policy: 20 KB ("Bucket policies are limited to 20 KB in size", Amazon S3 User
    ///   Guide, "Bucket policies and user policies"); counted here as 20480 bytes.
    ///
    /// Sizes are counted with [`policy_size`]: the bytes of the compact serialisation, without
    /// insignificant whitespace. That is also exactly what [`to_policy_string`] produces for
    /// the adapter to send, so what is checked is what is written.
    #[must_use]
    pub fn size_limit(self) -> usize {
        match self {
            Self::BucketPolicy => 20 * 1024,
            Self::KeyPolicy => 32 * 1024,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::BucketPolicy => "bucket policy",
            Self::KeyPolicy => "key policy",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Why a policy document could not be merged, checked or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The stored policy is not JSON.
    #[error("the existing policy is not valid JSON ({0}); fix or remove it before retrying")]
    InvalidJson(String),
    /// The stored policy is JSON but not an object.
    #[error("the existing policy is not a JSON object; fix or remove it before retrying")]
    NotAnObject,
    /// The stored policy's `Statement` is neither an array nor an object.
    #[error(
        "the existing policy's Statement is neither a list nor a single statement; fix it before retrying"
    )]
    MalformedStatement,
    /// One of the statements we were asked to merge lacks a Sid of our scope.
    #[error(
        "internal: statement {index} to merge has no Sid in scope {scope}; every statement we write must carry our Sid prefix"
    )]
    StatementOutsideScope {
        /// Position in the list passed to merge.
        index: usize,
        /// The scope.
        scope: String,
    },
    /// Two of the statements we were asked to merge share a Sid.
    #[error("internal: Sid {0} appears twice among the statements to merge")]
    DuplicateSid(String),
    /// A scope tag with characters a Sid cannot hold.
    #[error("Sid scope tag {0:?} must be 1 to 16 ASCII letters or digits")]
    InvalidScopeTag(String),
    /// The merged document would exceed the service limit.
    #[error(
        "the merged {kind} would be {size} bytes, over the {limit}-byte limit of the {kind}; remove unused statements from it and retry"
    )]
    TooLarge {
        /// Bucket or key policy.
        kind: PolicyKind,
        /// Size of the compact serialisation in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The key policy would not let the key's own account administer the key.
    #[error(
        "refusing to write the key policy: it has no statement that allows account {account} to administer the key \
         (Effect Allow, Principal AWS arn:aws:iam::{account}:root, Action kms:* or kms:PutKeyPolicy, no Condition); \
         writing it could lock the account out of its key. Add such a statement to the key policy first"
    )]
    NoKeyAdministrator {
        /// The key's account.
        account: String,
    },
}

/// Parse the text of a stored policy. An absent, empty or blank policy is `None`.
///
/// # Errors
/// [`PolicyError::InvalidJson`] or [`PolicyError::NotAnObject`].
pub fn parse_policy(text: Option<&str>) -> Result<Option<Value>, PolicyError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(None);
    };
    let value: Value =
        serde_json::from_str(text).map_err(|e| PolicyError::InvalidJson(e.to_string()))?;
    if value.is_object() {
        Ok(Some(value))
    } else {
        Err(PolicyError::NotAnObject)
    }
}

/// The compact serialisation of `doc`: what the adapter sends to AWS.
#[must_use]
pub fn to_policy_string(doc: &Value) -> String {
    doc.to_string()
}

/// Size of `doc` in bytes as counted against the service limits: the UTF-8 bytes of the
/// compact serialisation (no insignificant whitespace; whitespace inside strings counts).
#[must_use]
pub fn policy_size(doc: &Value) -> usize {
    to_policy_string(doc).len()
}

/// Check `doc` against the size limit of `kind`.
///
/// # Errors
/// [`PolicyError::TooLarge`] with the size and the limit.
pub fn check_size(doc: &Value, kind: PolicyKind) -> Result<(), PolicyError> {
    let size = policy_size(doc);
    let limit = kind.size_limit();
    if size > limit {
        Err(PolicyError::TooLarge { kind, size, limit })
    } else {
        Ok(())
    }
}

/// The value of a `Statement` member (or `Action`, `Resource`, …) as a list, whether it was
/// written as one value or as an array.
#[must_use]
pub fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items.iter().collect(),
        Some(other) => vec![other],
    }
}

fn statements_of(doc: &Map<String, Value>) -> Result<Vec<Value>, PolicyError> {
    match doc.get("Statement") {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(one @ Value::Object(_)) => Ok(vec![one.clone()]),
        Some(_) => Err(PolicyError::MalformedStatement),
    }
}

fn sid_of(statement: &Value) -> Option<&str> {
    statement.get("Sid").and_then(Value::as_str)
}

fn owned_sid<'a>(statement: &'a Value, scope: &SidScope) -> Option<&'a str> {
    sid_of(statement).filter(|sid| scope.owns(sid))
}

/// The statements of `doc` whose `AWS` principal (in `Principal` or `NotPrincipal`) is neither
/// `*`, a 12-digit account ID nor an ARN, each described as `Sid (value)` (`#<index>` for a
/// statement without Sid).
///
/// That is how AWS shows a principal deleted after the policy was written: "If an IAM identity
/// is deleted after you update your bucket policy, the bucket policy will show a unique
/// identifier in the principal element instead of an ARN. These unique IDs are never reused, so
/// you can safely remove principals with unique identifiers from all of your policy statements"
/// (S3 User Guide, "Principals"). S3 and KMS refuse such a policy when it is written back, so a
/// merge into it can never succeed: retrying is pointless, and these statements are what the
/// owner must fix.
#[must_use]
pub fn unresolved_principals(doc: &Value) -> Vec<String> {
    let is_resolved = |v: &str| {
        v == "*"
            || v.starts_with("arn:")
            || (v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()))
    };
    let statements = doc
        .as_object()
        .and_then(|d| statements_of(d).ok())
        .unwrap_or_default();
    let mut found = Vec::new();
    for (i, statement) in statements.iter().enumerate() {
        for element in ["Principal", "NotPrincipal"] {
            let values = match &statement[element]["AWS"] {
                Value::String(v) => vec![v.as_str()],
                Value::Array(vs) => vs.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for value in values.into_iter().filter(|v| !is_resolved(v)) {
                let sid = statement["Sid"]
                    .as_str()
                    .map_or_else(|| format!("#{i}"), str::to_owned);
                found.push(format!("{sid} ({value})"));
            }
        }
    }
    found
}

/// Whether `doc` holds any statement of `scope`.
#[must_use]
pub fn contains_ours(doc: Option<&Value>, scope: &SidScope) -> bool {
    doc.and_then(Value::as_object)
        .and_then(|d| statements_of(d).ok())
        .is_some_and(|sts| sts.iter().any(|s| owned_sid(s, scope).is_some()))
}

/// Merge our statements into `doc` (see the module doc for the laws).
///
/// `ours` is the complete set of statements of `scope` that the document should hold: each is
/// updated in place when its Sid is present, appended otherwise, and statements of `scope`
/// that are not in `ours` are removed. `doc == None` yields a new document with `Version`
/// [`POLICY_VERSION`].
///
/// # Errors
/// [`PolicyError`] when `doc` is malformed, or when a statement in `ours` lacks a Sid of
/// `scope` or repeats one.
pub fn merge(doc: Option<&Value>, scope: &SidScope, ours: &[Value]) -> Result<Value, PolicyError> {
    let mut seen = HashSet::new();
    for (index, statement) in ours.iter().enumerate() {
        let sid =
            owned_sid(statement, scope).ok_or_else(|| PolicyError::StatementOutsideScope {
                index,
                scope: scope.to_string(),
            })?;
        if !seen.insert(sid) {
            return Err(PolicyError::DuplicateSid(sid.to_owned()));
        }
    }

    let mut out = match doc {
        None => json!({ "Version": POLICY_VERSION, "Statement": [] }),
        Some(d) => d.clone(),
    };
    let obj = out.as_object_mut().ok_or(PolicyError::NotAnObject)?;
    let existing = statements_of(obj)?;

    let mut placed: HashSet<&str> = HashSet::new();
    let mut result = Vec::with_capacity(existing.len() + ours.len());
    for statement in existing {
        match owned_sid(&statement, scope) {
            None => result.push(statement),
            Some(sid) => {
                // Replaced in place by its new version; dropped when no longer planned.
                let planned = ours
                    .iter()
                    .find_map(|o| sid_of(o).filter(|s| *s == sid).map(|s| (s, o)));
                if let Some((new_sid, new)) = planned
                    && placed.insert(new_sid)
                {
                    result.push(new.clone());
                }
            }
        }
    }
    for statement in ours {
        if sid_of(statement).is_some_and(|sid| !placed.contains(sid)) {
            result.push(statement.clone());
        }
    }
    // IndexMap keeps the position of an existing key on insert; a new key goes last.
    obj.insert("Statement".to_owned(), Value::Array(result));
    Ok(out)
}

/// Remove every statement of `scope` from `doc`.
///
/// Answers `None` when nothing else is left (the caller deletes the policy instead of writing
/// an empty one), and `doc` unchanged, byte for byte, when it holds none of our statements.
///
/// # Errors
/// [`PolicyError`] when `doc` is malformed.
pub fn remove_ours(doc: Option<&Value>, scope: &SidScope) -> Result<Option<Value>, PolicyError> {
    let Some(doc) = doc else {
        return Ok(None);
    };
    let obj = doc.as_object().ok_or(PolicyError::NotAnObject)?;
    let statements = statements_of(obj)?;
    if !statements.iter().any(|s| owned_sid(s, scope).is_some()) {
        return Ok(Some(doc.clone()));
    }
    let kept: Vec<Value> = statements
        .into_iter()
        .filter(|s| owned_sid(s, scope).is_none())
        .collect();
    if kept.is_empty() {
        return Ok(None);
    }
    let mut out = doc.clone();
    if let Some(o) = out.as_object_mut() {
        o.insert("Statement".to_owned(), Value::Array(kept));
    }
    Ok(Some(out))
}

/// [`merge`] for an S3 bucket policy, with the size check.
///
/// # Errors
/// As [`merge`], plus [`PolicyError::TooLarge`].
pub fn merge_bucket_policy(
    doc: Option<&Value>,
    scope: &SidScope,
    ours: &[Value],
) -> Result<Value, PolicyError> {
    let merged = merge(doc, scope, ours)?;
    check_size(&merged, PolicyKind::BucketPolicy)?;
    Ok(merged)
}

/// [`remove_ours`] for an S3 bucket policy: `None` means "call `DeleteBucketPolicy`".
///
/// # Errors
/// As [`remove_ours`].
pub fn remove_from_bucket_policy(
    doc: Option<&Value>,
    scope: &SidScope,
) -> Result<Option<Value>, PolicyError> {
    remove_ours(doc, scope)
}

/// [`merge`] for a KMS key policy: refuses a result without a statement that lets
/// `key_account` administer the key, and checks the size.
///
/// A key always has a key policy, so `doc` is not optional.
///
/// # Errors
/// As [`merge`], plus [`PolicyError::NoKeyAdministrator`] and [`PolicyError::TooLarge`].
pub fn merge_key_policy(
    doc: &Value,
    key_account: &AccountId,
    scope: &SidScope,
    ours: &[Value],
) -> Result<Value, PolicyError> {
    let merged = merge(Some(doc), scope, ours)?;
    ensure_key_administrator(&merged, key_account)?;
    check_size(&merged, PolicyKind::KeyPolicy)?;
    Ok(merged)
}

/// [`remove_ours`] for a KMS key policy. The result keeps the account's administrator
/// statement, or the removal is refused.
///
/// # Errors
/// As [`remove_ours`], plus [`PolicyError::NoKeyAdministrator`] when the result (or the lack
/// of one) would leave the key without an administrator statement.
pub fn remove_from_key_policy(
    doc: &Value,
    key_account: &AccountId,
    scope: &SidScope,
) -> Result<Value, PolicyError> {
    let no_admin = || PolicyError::NoKeyAdministrator {
        account: key_account.to_string(),
    };
    let left = remove_ours(Some(doc), scope)?.ok_or_else(no_admin)?;
    ensure_key_administrator(&left, key_account)?;
    Ok(left)
}

/// Refuse a key policy without an administrator statement for `key_account`.
///
/// # Errors
/// [`PolicyError::NoKeyAdministrator`].
pub fn ensure_key_administrator(doc: &Value, key_account: &AccountId) -> Result<(), PolicyError> {
    if has_account_admin_statement(doc, key_account) {
        Ok(())
    } else {
        Err(PolicyError::NoKeyAdministrator {
            account: key_account.to_string(),
        })
    }
}

/// Whether `doc` has a statement that lets `account` administer the key: `Effect` `Allow`;
/// `Principal` `AWS` naming `arn:<partition>:iam::<account>:root` or the bare account id;
/// `Action` containing `kms:*`, `*`, `kms:Put*` or `kms:PutKeyPolicy` (so the account can
/// always repair the policy); no `Condition`, `NotPrincipal` or `NotAction`, whose effect
/// cannot be judged without the request.
#[must_use]
pub fn has_account_admin_statement(doc: &Value, account: &AccountId) -> bool {
    let Some(obj) = doc.as_object() else {
        return false;
    };
    let Ok(statements) = statements_of(obj) else {
        return false;
    };
    statements.iter().any(|s| grants_account_admin(s, account))
}

fn grants_account_admin(statement: &Value, account: &AccountId) -> bool {
    let Some(st) = statement.as_object() else {
        return false;
    };
    if st.get("Effect").and_then(Value::as_str) != Some("Allow")
        || st.contains_key("NotPrincipal")
        || st.contains_key("NotAction")
        || st
            .get("Condition")
            .is_some_and(|c| c.as_object().is_none_or(|m| !m.is_empty()))
    {
        return false;
    }
    let root_suffix = format!(":iam::{account}:root");
    let names_account = one_or_many(st.get("Principal").and_then(|p| p.get("AWS")))
        .into_iter()
        .filter_map(Value::as_str)
        .any(|p| p == account.as_str() || (p.starts_with("arn:") && p.ends_with(&root_suffix)));
    let admin_action = one_or_many(st.get("Action"))
        .into_iter()
        .filter_map(Value::as_str)
        .map(str::to_ascii_lowercase)
        .any(|a| matches!(a.as_str(), "*" | "kms:*" | "kms:put*" | "kms:putkeypolicy"));
    names_account && admin_action
}

/// The effect of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// A statement we write, with its members in the conventional order
/// (`Sid`, `Effect`, `Principal`, `Action`, `Resource`, `Condition`).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement id; for resource policies, one of a [`SidScope`].
    pub sid: String,
    /// Allow or deny.
    pub effect: Effect,
    /// The `Principal` member, for resource policies; `None` in identity policies.
    pub principal: Option<Value>,
    /// The actions, never wildcards.
    pub actions: Vec<String>,
    /// The resources.
    pub resources: Vec<String>,
    /// The `Condition` member, if any.
    pub condition: Option<Value>,
}

impl Statement {
    /// The statement as a policy JSON object.
    #[must_use]
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("Sid".to_owned(), Value::String(self.sid.clone()));
        m.insert(
            "Effect".to_owned(),
            Value::String(
                match self.effect {
                    Effect::Allow => "Allow",
                    Effect::Deny => "Deny",
                }
                .to_owned(),
            ),
        );
        if let Some(p) = &self.principal {
            m.insert("Principal".to_owned(), p.clone());
        }
        m.insert("Action".to_owned(), json!(self.actions));
        m.insert("Resource".to_owned(), json!(self.resources));
        if let Some(c) = &self.condition {
            m.insert("Condition".to_owned(), c.clone());
        }
        Value::Object(m)
    }
}

/// A complete identity-policy document holding `statements`.
#[must_use]
pub fn document(statements: &[Statement]) -> Value {
    json!({
        "Version": POLICY_VERSION,
        "Statement": statements.iter().map(Statement::to_value).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
