//! Whether a document holds a statement: the test that a statement someone else applied (a
//! central pipeline, with `PolicyWrites: Report`) is the one the pair needs, however it was
//! written down.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{one_or_many, sid_of, statements_of};

/// A scalar as text: `true` and `"true"` are the same condition value.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `arn:<partition>:iam::<account>:root` and `<account>` name the same principal (IAM User
/// Guide, "AWS JSON policy elements: Principal": "You can specify AWS account principals using
/// the ARN or the account ID"; S3 and KMS store the ARN).
fn principal_text(v: &Value) -> String {
    let s = text(v);
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "iam", "", account, "root"] => (*account).to_owned(),
        _ => s,
    }
}

fn set(value: &Value, f: impl Fn(&Value) -> String) -> Value {
    let mut items: Vec<String> = one_or_many(Some(value)).into_iter().map(f).collect();
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::String).collect())
}

fn object(map: &Map<String, Value>, f: impl Fn(&str, &Value) -> (String, Value)) -> Value {
    let sorted: BTreeMap<String, Value> = map.iter().map(|(k, v)| f(k, v)).collect();
    Value::Object(sorted.into_iter().collect())
}

/// A statement in a form where every way of writing the same grant compares equal, without its
/// `Sid`: one value or a list of them, in any order, repeated or not; action names and
/// condition keys in any case (IAM compares both case-insensitively); an account principal by
/// ID or by root ARN; condition values as strings.
fn canonical(statement: &Value) -> Value {
    let Some(map) = statement.as_object() else {
        return statement.clone();
    };
    let mut out = Map::new();
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    for key in keys {
        let v = &map[key];
        let c = match key.as_str() {
            "Sid" => continue,
            "Action" | "NotAction" => set(v, |a| text(a).to_ascii_lowercase()),
            "Resource" | "NotResource" => set(v, text),
            "Principal" | "NotPrincipal" => match v {
                Value::Object(p) => {
                    object(p, |kind, ids| (kind.to_owned(), set(ids, principal_text)))
                }
                other => Value::String(text(other)),
            },
            "Condition" => match v {
                Value::Object(ops) => object(ops, |op, keys| {
                    let keys = match keys {
                        Value::Object(k) => object(k, |name, values| {
                            (name.to_ascii_lowercase(), set(values, text))
                        }),
                        other => other.clone(),
                    };
                    (op.to_owned(), keys)
                }),
                other => other.clone(),
            },
            _ => v.clone(),
        };
        out.insert(key.clone(), c);
    }
    Value::Object(out)
}

/// Whether `a` and `b` grant the same thing, `Sid` aside ([`canonical`]).
#[must_use]
pub fn same_grant(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

/// How a document holds one wanted statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// A statement grants exactly the same (whatever its `Sid`).
    Present,
    /// A statement of the same `Sid` is there, but grants something else.
    Differs,
    /// No statement grants it and none has its `Sid`.
    Missing,
}

/// How `doc` (a key or bucket policy, `None` when the resource has none) holds `wanted`.
#[must_use]
pub fn holds(doc: Option<&Value>, wanted: &Value) -> Held {
    let statements = doc
        .and_then(Value::as_object)
        .and_then(|d| statements_of(d).ok())
        .unwrap_or_default();
    if statements.iter().any(|s| same_grant(s, wanted)) {
        Held::Present
    } else if statements
        .iter()
        .any(|s| sid_of(s).is_some() && sid_of(s) == sid_of(wanted))
    {
        Held::Differs
    } else {
        Held::Missing
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ours() -> Value {
        json!({
            "Sid": "S3KmsReplicationA1B2C3D4ReplicaKeyEncrypt",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": ["kms:Encrypt", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::d", "arn:aws:s3:::d/*"]},
                "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/r"}
            }
        })
    }

    #[test]
    fn the_same_grant_written_another_way_is_present() {
        let rewritten = json!({
            "Sid": "CentralPipeline7",
            "Condition": {
                "ArnEquals": {"AWS:PrincipalArn": ["arn:aws:iam::111111111111:role/r"]},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": ["arn:aws:s3:::d/*", "arn:aws:s3:::d"]},
                "StringEquals": {"kms:ViaService": ["s3.eu-west-1.amazonaws.com"]}
            },
            "Resource": ["*"],
            "Action": ["KMS:Decrypt", "kms:Encrypt"],
            "Principal": {"AWS": "111111111111"},
            "Effect": "Allow"
        });
        let doc = json!({"Version": "2012-10-17", "Statement": [{"Sid": "Admin"}, rewritten]});
        assert_eq!(holds(Some(&doc), &ours()), Held::Present);
    }

    #[test]
    fn a_narrower_statement_under_our_sid_differs_and_an_absent_one_is_missing() {
        let mut narrower = ours();
        narrower["Action"] = json!("kms:Encrypt");
        let doc = json!({"Statement": [narrower]});
        assert_eq!(holds(Some(&doc), &ours()), Held::Differs);
        let other_role = {
            let mut s = ours();
            s["Sid"] = json!("Theirs");
            s["Condition"]["ArnEquals"]["aws:PrincipalArn"] =
                json!("arn:aws:iam::111111111111:role/x");
            s
        };
        assert_eq!(
            holds(Some(&json!({"Statement": other_role})), &ours()),
            Held::Missing
        );
        assert_eq!(holds(None, &ours()), Held::Missing);
    }
}
