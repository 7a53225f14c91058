//! IAM policy evaluation, for the doctor: does this principal get this action on this resource
//! under these conditions, and which statement decides?
//!
//! An independent reading of AWS's rules (IAM User Guide, "Policy evaluation logic"), kept apart
//! from our emulator's Python one so that a test can compare the two. Modelled:
//!
//! - `Effect`; `Action`/`NotAction` (case-insensitive, `*` and `?` wildcards);
//!   `Resource`/`NotResource` (case-sensitive wildcards; a statement without either, as in a
//!   trust policy, matches);
//! - in resource policies, `Principal`/`NotPrincipal`: `"*"`, `{"AWS": ...}` with an account id,
//!   an account `root` ARN or the exact role ARN, and `{"Service": ...}`;
//! - `Condition` with `String(Not)Equals[IgnoreCase]`, `String(Not)Like`, `Arn(Not)Equals`,
//!   `Arn(Not)Like`, `Bool` and `Null`, their `...IfExists` forms and the `ForAnyValue:` /
//!   `ForAllValues:` qualifiers.
//!
//! A condition on a key the caller does not model ([`Request::context`] has no entry), or with
//! another operator (Numeric, Date, IpAddress, Binary), cannot be evaluated. The doctor reports
//! only what it can show, so such a condition is taken as met in an Allow and as unmet in a
//! Deny (which then does not apply), and either way named in [`Evaluation::assumed`]. An explicit Deny wins
//! over any Allow; no Allow is an implicit deny. Not modelled: SCPs, permissions boundaries,
//! session policies, KMS grants, policy variables.

use std::collections::BTreeMap;

use serde_json::Value;

/// Who makes the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'a> {
    /// An IAM role (or user), by ARN, in `account`.
    Principal {
        /// Its ARN.
        arn: &'a str,
        /// Its account.
        account: &'a str,
    },
    /// An AWS service principal, such as `s3.amazonaws.com`.
    Service(&'a str),
}

/// One request: an action on a resource (`None` for a trust policy), with its condition keys
/// (lower-cased; a key mapped to `None` is modelled and absent from this request).
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Such as `s3:ReplicateObject`.
    pub action: String,
    /// Such as `arn:aws:s3:::bucket/key`.
    pub resource: Option<String>,
    /// Condition keys, lower-cased.
    pub context: BTreeMap<String, Option<Vec<String>>>,
}

impl Request {
    /// A request for `action` on `resource`.
    #[must_use]
    pub fn new(action: &str, resource: Option<&str>) -> Self {
        Self {
            action: action.to_owned(),
            resource: resource.map(str::to_owned),
            context: BTreeMap::new(),
        }
    }

    /// With condition key `key` = `value`.
    #[must_use]
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.context
            .insert(key.to_ascii_lowercase(), Some(vec![value.to_owned()]));
        self
    }
}

/// What a set of statements decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An Allow applies (the first such statement) and no Deny does.
    Allow(String),
    /// A Deny applies (the first such statement).
    Deny(String),
    /// Nothing applies.
    Implicit,
}

/// A decision, and the conditions that could not be evaluated and were taken as satisfied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// `Sid: operator key` for every condition assumed satisfied along the way.
    pub assumed: Vec<String>,
}

/// The label of statement `index` of a document: its `Sid`, or `#index`.
#[must_use]
pub fn statement_label(statement: &Value, index: usize) -> String {
    statement["Sid"]
        .as_str()
        .map_or_else(|| format!("#{index}"), str::to_owned)
}

fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(items) => items.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    }
}

/// Evaluate `request` against `doc`. With `caller` the document is a resource policy (or a
/// trust policy) and its `Principal` must match: an account principal matches any principal of
/// that account when `account_principals` is true. Without a caller it is an identity policy.
#[must_use]
pub fn evaluate(
    doc: &Value,
    request: &Request,
    caller: Option<Caller<'_>>,
    account_principals: bool,
) -> Evaluation {
    let mut allow = None;
    let mut assumed = Vec::new();
    for (i, statement) in statements(doc).into_iter().enumerate() {
        let label = statement_label(statement, i);
        if let Some(caller) = caller
            && !principal_applies(statement, caller, account_principals)
        {
            continue;
        }
        if !element_applies(statement, "Action", &request.action, true) {
            continue;
        }
        if let Some(resource) = &request.resource
            && (statement.get("Resource").is_some() || statement.get("NotResource").is_some())
            && !element_applies(statement, "Resource", resource, false)
        {
            continue;
        }
        let mut unknown = Vec::new();
        if !conditions_hold(&statement["Condition"], &request.context, &mut unknown) {
            continue;
        }
        let deny = statement["Effect"]
            .as_str()
            .is_some_and(|e| e.eq_ignore_ascii_case("deny"));
        if deny && !unknown.is_empty() {
            // A finding never rests on an assumption: a Deny whose conditions cannot all be
            // evaluated is not applied, and said so.
            assumed.extend(
                unknown
                    .into_iter()
                    .map(|u| format!("Deny {label} not applied: {u}")),
            );
            continue;
        }
        assumed.extend(unknown.into_iter().map(|u| format!("{label}: {u}")));
        match statement["Effect"]
            .as_str()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("deny") => {
                return Evaluation {
                    decision: Decision::Deny(label),
                    assumed,
                };
            }
            Some("allow") if allow.is_none() => allow = Some(label),
            _ => {}
        }
    }
    Evaluation {
        decision: allow.map_or(Decision::Implicit, Decision::Allow),
        assumed,
    }
}

fn as_strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![other.to_string()],
    }
}

fn element_applies(statement: &Value, element: &str, value: &str, ignore_case: bool) -> bool {
    if let Some(patterns) = statement.get(element) {
        return as_strings(patterns)
            .iter()
            .any(|p| glob(p, value, ignore_case));
    }
    if let Some(patterns) = statement.get(format!("Not{element}")) {
        return !as_strings(patterns)
            .iter()
            .any(|p| glob(p, value, ignore_case));
    }
    false
}

fn principal_applies(statement: &Value, caller: Caller<'_>, account_principals: bool) -> bool {
    if let Some(p) = statement.get("Principal") {
        return principal_matches(p, caller, account_principals);
    }
    if let Some(p) = statement.get("NotPrincipal") {
        return !not_principal_exempts(p, caller);
    }
    false
}

/// Whether a `NotPrincipal` list exempts `caller`. A role acts through its sessions, so IAM
/// matches a session against `NotPrincipal`, not the role: the IAM User Guide's warning on
/// `NotPrincipal` with `Deny` says to list the assumed-role session ARN
/// (`arn:aws:sts::<account>:assumed-role/<role-name>/<session-name>`) for a role to be exempt.
/// S3's session name is not documented, so any session of the role counts; the role's own ARN
/// or its account alone does not exempt it, and the `Deny` then applies (the safe side).
fn not_principal_exempts(principal: &Value, caller: Caller<'_>) -> bool {
    match caller {
        Caller::Principal { arn, account } => {
            let Some(role_name) = arn
                .rsplit_once(":role/")
                .map(|(_, p)| p.rsplit('/').next().unwrap_or(p))
            else {
                return as_strings(&principal["AWS"]).iter().any(|v| v == arn);
            };
            as_strings(&principal["AWS"]).iter().any(|v| {
                v.split_once(":sts::").is_some_and(|(_, rest)| {
                    rest.strip_prefix(&format!("{account}:assumed-role/{role_name}/"))
                        .is_some()
                })
            })
        }
        Caller::Service(service) => as_strings(&principal["Service"])
            .iter()
            .any(|v| v == service),
    }
}

fn principal_matches(principal: &Value, caller: Caller<'_>, account_principals: bool) -> bool {
    if principal.as_str() == Some("*") {
        return true;
    }
    match caller {
        Caller::Principal { arn, account } => as_strings(&principal["AWS"]).iter().any(|v| {
            v == "*"
                || v == arn
                || (account_principals
                    && (v == account
                        || v.strip_prefix("arn:")
                            .and_then(|r| r.split_once(":iam::"))
                            .is_some_and(|(_, rest)| rest == format!("{account}:root"))))
        }),
        Caller::Service(service) => as_strings(&principal["Service"])
            .iter()
            .any(|v| v == service),
    }
}

fn conditions_hold(
    conditions: &Value,
    context: &BTreeMap<String, Option<Vec<String>>>,
    unknown: &mut Vec<String>,
) -> bool {
    let Some(blocks) = conditions.as_object() else {
        return true;
    };
    blocks.iter().all(|(operator, block)| {
        block.as_object().is_none_or(|keys| {
            keys.iter()
                .all(|(key, expected)| condition_holds(operator, key, expected, context, unknown))
        })
    })
}

fn condition_holds(
    operator: &str,
    key: &str,
    expected: &Value,
    context: &BTreeMap<String, Option<Vec<String>>>,
    unknown: &mut Vec<String>,
) -> bool {
    let (qualifier, name) = match operator.rsplit_once(':') {
        Some((q, n)) => (q.to_ascii_lowercase(), n.to_ascii_lowercase()),
        None => (String::new(), operator.to_ascii_lowercase()),
    };
    let if_exists = name.ends_with("ifexists");
    let name = name.trim_end_matches("ifexists");
    let Some(actual) = context.get(&key.to_ascii_lowercase()) else {
        unknown.push(format!("{operator} {key} (key not modelled)"));
        return true;
    };
    let expected = as_strings(expected);
    if name == "null" {
        let want_absent = expected
            .first()
            .is_some_and(|e| e.eq_ignore_ascii_case("true"));
        return actual.is_none() == want_absent;
    }
    // String(Not)Equals[IgnoreCase], String(Not)Like, Arn(Not)Equals, Arn(Not)Like: no
    // positive operator's name contains "not".
    let negated = name.contains("not");
    let base = name.replacen("not", "", 1);
    let test: fn(&str, &str) -> bool = match base.as_str() {
        "stringequals" => |e, a| e == a,
        "stringequalsignorecase" => |e, a| e.eq_ignore_ascii_case(a),
        "stringlike" => |e, a| glob(e, a, false),
        "arnequals" | "arnlike" => arn_matches,
        "bool" => |e, a| e.eq_ignore_ascii_case(a),
        _ => {
            unknown.push(format!("{operator} {key} (operator not modelled)"));
            return true;
        }
    };
    let Some(actual) = actual else {
        return if_exists || negated || qualifier == "forallvalues";
    };
    let one = |value: &str| {
        let matched = expected.iter().any(|e| test(e, value));
        matched != negated
    };
    if qualifier == "forallvalues" {
        actual.iter().all(|a| one(a))
    } else {
        actual.iter().any(|a| one(a))
    }
}

/// `ArnEquals`/`ArnLike`: each of the six colon-delimited components of the ARN is compared
/// separately, with `*` and `?` wildcards inside a component only (IAM User Guide, "IAM JSON
/// policy elements: Condition operators", ARN condition operators). A value that is not an ARN
/// matches nothing.
fn arn_matches(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<&str>, Vec<&str>) = (
        pattern.splitn(6, ':').collect(),
        value.splitn(6, ':').collect(),
    );
    p.len() == 6 && v.len() == 6 && p.iter().zip(&v).all(|(p, v)| glob(p, v, false))
}

/// `*` and `?` wildcards, over the whole value.
#[must_use]
pub fn glob(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let fold = |s: &str| {
        if ignore_case {
            s.to_lowercase().chars().collect::<Vec<_>>()
        } else {
            s.chars().collect()
        }
    };
    let (p, v) = (fold(pattern), fold(value));
    // Iterative matching with backtracking to the last `*`.
    let (mut pi, mut vi) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = vi;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            vi = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROLE: &str = "arn:aws:iam::111122223333:role/replicator";

    fn role() -> Caller<'static> {
        Caller::Principal {
            arn: ROLE,
            account: "111122223333",
        }
    }

    #[test]
    fn wildcards_match_as_iam_does() {
        assert!(glob("s3:Replicate*", "s3:ReplicateObject", false));
        assert!(glob("S3:replicate*", "s3:ReplicateObject", true));
        assert!(!glob("S3:replicate*", "s3:ReplicateObject", false));
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b.txt", false));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::b", false));
        assert!(glob("a?c*", "abcdef", false));
        assert!(glob("*", "", false));
    }

    #[test]
    fn an_account_principal_with_a_principal_arn_condition_admits_exactly_the_role() {
        let doc = json!({"Statement": [{"Sid": "Ours", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": ["s3:ReplicateObject"], "Resource": "arn:aws:s3:::d/*",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": ROLE}}}]});
        let request = Request::new("s3:ReplicateObject", Some("arn:aws:s3:::d/k"))
            .with("aws:PrincipalArn", ROLE);
        let e = evaluate(&doc, &request, Some(role()), true);
        assert_eq!(e.decision, Decision::Allow("Ours".into()));
        let other = Request::new("s3:ReplicateObject", Some("arn:aws:s3:::d/k"))
            .with("aws:PrincipalArn", "arn:aws:iam::111122223333:role/other");
        assert_eq!(
            evaluate(&doc, &other, Some(role()), true).decision,
            Decision::Implicit
        );
        // Without account principals (a direct grant is needed), the root does not match.
        assert_eq!(
            evaluate(&doc, &request, Some(role()), false).decision,
            Decision::Implicit
        );
    }

    #[test]
    fn arn_operators_compare_each_of_the_six_components() {
        assert!(arn_matches("arn:aws:iam::*:role/replicator", ROLE));
        assert!(arn_matches("arn:aws:s3:::d/*", "arn:aws:s3:::d/a:b/c"));
        // One glob over the whole string would match these; component by component they don't.
        assert!(!arn_matches("arn:aws:*:role/replicator", ROLE));
        assert!(!arn_matches("arn:*:role/replicator", ROLE));
        assert!(!arn_matches("arn:aws:iam::111122223333:*", "not-an-arn"));
        let doc = json!({"Statement": [{"Sid": "Glob", "Effect": "Allow",
            "Principal": {"AWS": "111122223333"}, "Action": "s3:ReplicateObject",
            "Resource": "*", "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:*:role/replicator"}}}]});
        let request = Request::new("s3:ReplicateObject", Some("arn:aws:s3:::d/k"))
            .with("aws:PrincipalArn", ROLE);
        assert_eq!(
            evaluate(&doc, &request, Some(role()), true).decision,
            Decision::Implicit
        );
    }

    /// IAM User Guide, `NotPrincipal`: with `Deny`, a role is exempt only when its assumed-role
    /// session ARN is listed; the role's ARN alone does not exempt its sessions.
    #[test]
    fn not_principal_with_deny_exempts_a_role_only_by_its_session_arn() {
        let deny = |exempt: &str| {
            json!({"Statement": [{"Sid": "OnlyReplicator", "Effect": "Deny",
                "NotPrincipal": {"AWS": [exempt, "arn:aws:iam::111122223333:root"]},
                "Action": "s3:ReplicateObject", "Resource": "*"}]})
        };
        let request = Request::new("s3:ReplicateObject", Some("arn:aws:s3:::d/k"));
        assert_eq!(
            evaluate(&deny(ROLE), &request, Some(role()), true).decision,
            Decision::Deny("OnlyReplicator".into())
        );
        let session = "arn:aws:sts::111122223333:assumed-role/replicator/s3-replication";
        assert_eq!(
            evaluate(&deny(session), &request, Some(role()), true).decision,
            Decision::Implicit
        );
    }

    #[test]
    fn an_explicit_deny_wins_and_is_named() {
        let doc = json!({"Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": "*", "NotAction": "s3:Get*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "222233334444"}}}]});
        let request = Request::new("s3:ReplicateObject", Some("arn:aws:s3:::d/k"))
            .with("aws:PrincipalAccount", "111122223333");
        assert_eq!(
            evaluate(&doc, &request, Some(role()), true).decision,
            Decision::Deny("#1".into())
        );
        let read = Request::new("s3:GetObject", Some("arn:aws:s3:::d/k"))
            .with("aws:PrincipalAccount", "111122223333");
        assert_eq!(
            evaluate(&doc, &read, Some(role()), true).decision,
            Decision::Allow("All".into())
        );
    }

    #[test]
    fn kms_conditions_need_the_right_service_and_context() {
        let doc = json!({"Statement": [{"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt",
            "Resource": "*", "Condition": {
                "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::s/*"]}}}]});
        let at = |context: &str| {
            Request::new("kms:Decrypt", Some("arn:aws:kms:eu-west-1:1:key/k"))
                .with("kms:ViaService", "s3.eu-west-1.amazonaws.com")
                .with("kms:EncryptionContext:aws:s3:arn", context)
        };
        assert!(matches!(
            evaluate(&doc, &at("arn:aws:s3:::s/k"), None, true).decision,
            Decision::Allow(_)
        ));
        // A Bucket Key object's context is the bucket ARN: not admitted by `s/*`.
        assert_eq!(
            evaluate(&doc, &at("arn:aws:s3:::s"), None, true).decision,
            Decision::Implicit
        );
    }

    #[test]
    fn unmodelled_keys_and_operators_are_assumed_satisfied_and_reported() {
        let doc = json!({"Statement": [{"Sid": "Org", "Effect": "Allow", "Action": "kms:Decrypt",
            "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"},
            "NumericLessThan": {"kms:ViaService": "3"}}}]});
        let request = Request::new("kms:Decrypt", Some("k")).with("kms:ViaService", "x");
        let e = evaluate(&doc, &request, None, true);
        assert_eq!(e.decision, Decision::Allow("Org".into()));
        assert_eq!(e.assumed.len(), 2, "{:?}", e.assumed);
    }

    #[test]
    fn trust_policies_match_service_principals_and_their_conditions() {
        let doc = json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sts:AssumeRole", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::s"}}}]});
        let request = Request::new("sts:AssumeRole", None).with("aws:SourceArn", "arn:aws:s3:::s");
        let s3 = Some(Caller::Service("s3.amazonaws.com"));
        assert!(matches!(
            evaluate(&doc, &request, s3, true).decision,
            Decision::Allow(_)
        ));
        let other = Request::new("sts:AssumeRole", None).with("aws:SourceArn", "arn:aws:s3:::x");
        assert_eq!(
            evaluate(&doc, &other, s3, true).decision,
            Decision::Implicit
        );
        let lambda = Some(Caller::Service("lambda.amazonaws.com"));
        assert_eq!(
            evaluate(&doc, &request, lambda, true).decision,
            Decision::Implicit
        );
    }

    #[test]
    fn absent_keys_follow_if_exists_negation_and_null() {
        let mut request = Request::new("s3:ReplicateObject", Some("r"));
        request.context.insert("aws:sourcevpc".into(), None);
        let holds = |condition: Value| {
            let doc = json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": condition}]});
            evaluate(&doc, &request, None, true).decision != Decision::Implicit
        };
        assert!(!holds(json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}})));
        assert!(holds(
            json!({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}})
        ));
        assert!(holds(
            json!({"StringNotEquals": {"aws:SourceVpc": "vpc-1"}})
        ));
        assert!(holds(json!({"Null": {"aws:SourceVpc": "true"}})));
        assert!(!holds(json!({"Null": {"aws:SourceVpc": "false"}})));
    }

    #[test]
    fn a_deny_that_rests_on_an_unmodelled_condition_is_not_applied_but_named() {
        let doc = json!({"Statement": [
            {"Sid": "All", "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}}]});
        let request = Request::new("s3:ReplicateObject", Some("arn:aws:s3:::d/k"));
        let e = evaluate(&doc, &request, Some(role()), true);
        assert_eq!(e.decision, Decision::Allow("All".into()));
        assert!(
            e.assumed[0].starts_with("Deny OrgOnly not applied"),
            "{:?}",
            e.assumed
        );
    }
}
