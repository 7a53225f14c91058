//! Unit tests of `policy`.

use proptest::prelude::*;

use super::*;

fn scope() -> SidScope {
    SidScope::from_tag("0A1B2C3D").unwrap()
}

fn account() -> AccountId {
    AccountId::parse("222233334444").unwrap()
}

fn ours() -> Vec<Value> {
    vec![
        json!({"Sid": scope().sid("ReplicaObjects"), "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
               "Action": ["s3:ReplicateObject", "s3:ReplicateDelete"],
               "Resource": ["arn:aws:s3:::dest/*"],
               "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/r"}}}),
        json!({"Sid": scope().sid("ReplicaBucket"), "Effect": "Allow",
               "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
               "Action": ["s3:GetBucketVersioning"], "Resource": ["arn:aws:s3:::dest"]}),
    ]
}

fn admin_statement() -> Value {
    json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::222233334444:root"},
           "Action": "kms:*", "Resource": "*"})
}

fn text(v: &Value) -> String {
    to_policy_string(v)
}

#[test]
fn foreign_statements_survive_merge_byte_for_byte() {
    // GIVEN a policy with an Id, foreign statements with Conditions, NotPrincipal,
    // NotAction and a single-string Action, in a non-alphabetical key order
    let raw = r#"{"Version":"2012-10-17","Id":"corp-policy","Statement":[
        {"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*",
         "Resource":["arn:aws:s3:::dest","arn:aws:s3:::dest/*"],
         "Condition":{"Bool":{"aws:SecureTransport":"false"}}},
        {"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::222233334444:root"},
         "NotAction":["s3:Get*"],"Resource":"arn:aws:s3:::dest/*"}]}"#;
    let doc = parse_policy(Some(raw)).unwrap();
    // WHEN we merge our statements
    let merged = merge(doc.as_ref(), &scope(), &ours()).unwrap();
    // THEN the foreign statements are the first two, unchanged, and Id/Version stay first
    let compact_original = text(doc.as_ref().unwrap());
    let merged_text = text(&merged);
    let prefix_len = compact_original.len() - 2; // without the closing "]}"
    assert_eq!(&merged_text[..prefix_len], &compact_original[..prefix_len]);
    assert_eq!(merged["Statement"].as_array().unwrap().len(), 4);
}

#[test]
fn merging_into_no_policy_creates_a_versioned_document() {
    let merged = merge(None, &scope(), &ours()).unwrap();
    assert_eq!(merged["Version"], POLICY_VERSION);
    assert_eq!(merged["Statement"].as_array().unwrap().len(), 2);
}

#[test]
fn removing_our_only_statements_means_delete_the_policy() {
    let merged = merge(None, &scope(), &ours()).unwrap();
    assert_eq!(remove_ours(Some(&merged), &scope()).unwrap(), None);
}

#[test]
fn removing_from_a_policy_without_ours_leaves_it_untouched() {
    let doc = json!({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "x"}});
    assert_eq!(
        remove_ours(Some(&doc), &scope()).unwrap(),
        Some(doc.clone())
    );
    assert_eq!(remove_ours(None, &scope()).unwrap(), None);
}

#[test]
fn our_statement_is_updated_in_place() {
    let foreign_a = json!({"Sid": "A", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "x"});
    let foreign_b = json!({"Sid": "B", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "y"});
    let first = ours();
    let doc = json!({"Version": "2012-10-17", "Statement": [foreign_a, first[0], foreign_b]});
    let mut changed = ours();
    changed[0]["Action"] = json!(["s3:ReplicateObject"]);
    let merged = merge(Some(&doc), &scope(), &changed).unwrap();
    let sts = merged["Statement"].as_array().unwrap();
    assert_eq!(sts[0], foreign_a);
    assert_eq!(sts[1], changed[0], "updated where it was");
    assert_eq!(sts[2], foreign_b);
    assert_eq!(sts[3], changed[1], "new one appended");
}

#[test]
fn stale_statements_of_our_scope_are_dropped_and_other_scopes_kept() {
    let other_scope = SidScope::from_tag("FFFF0000").unwrap();
    let theirs = json!({"Sid": other_scope.sid("ReplicaObjects"), "Effect": "Allow", "Principal": "*", "Action": "s3:ReplicateObject", "Resource": "x"});
    let stale = json!({"Sid": scope().sid("Obsolete"), "Effect": "Allow", "Principal": "*", "Action": "s3:ReplicateObject", "Resource": "x"});
    let doc = json!({"Statement": [theirs, stale]});
    let merged = merge(Some(&doc), &scope(), &ours()).unwrap();
    let sids: Vec<&str> = merged["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(sid_of)
        .collect();
    assert_eq!(
        sids,
        vec![
            other_scope.sid("ReplicaObjects").as_str(),
            &scope().sid("ReplicaObjects"),
            &scope().sid("ReplicaBucket")
        ]
    );
}

#[test]
fn single_object_statement_is_restored_as_one_element_array() {
    let foreign =
        json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "x"});
    let doc = json!({"Version": "2012-10-17", "Statement": foreign});
    let merged = merge(Some(&doc), &scope(), &ours()).unwrap();
    assert_eq!(merged["Statement"][0], foreign);
    let restored = remove_ours(Some(&merged), &scope()).unwrap().unwrap();
    assert_eq!(
        restored,
        json!({"Version": "2012-10-17", "Statement": [foreign]})
    );
}

#[test]
fn statements_without_our_sid_are_refused_as_ours() {
    let bad = vec![json!({"Sid": "Other", "Effect": "Allow"})];
    assert!(matches!(
        merge(None, &scope(), &bad),
        Err(PolicyError::StatementOutsideScope { index: 0, .. })
    ));
    let dup = vec![ours()[0].clone(), ours()[0].clone()];
    assert!(matches!(
        merge(None, &scope(), &dup),
        Err(PolicyError::DuplicateSid(_))
    ));
}

#[test]
fn malformed_existing_policies_are_refused_not_overwritten() {
    assert!(matches!(
        parse_policy(Some("{not json")),
        Err(PolicyError::InvalidJson(_))
    ));
    assert!(matches!(
        parse_policy(Some("[]")),
        Err(PolicyError::NotAnObject)
    ));
    assert_eq!(parse_policy(Some("  ")).unwrap(), None);
    assert_eq!(parse_policy(None).unwrap(), None);
    let doc = json!({"Statement": "nope"});
    assert!(matches!(
        merge(Some(&doc), &scope(), &ours()),
        Err(PolicyError::MalformedStatement)
    ));
}

#[test]
fn key_policy_without_account_admin_is_refused() {
    // GIVEN a key policy that only lets a role use the key
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222233334444:role/app"}, "Action": "kms:*", "Resource": "*"}]});
    // WHEN we merge into it THEN we refuse, naming the account and the fix
    let err = merge_key_policy(&doc, &account(), &scope(), &ours()).unwrap_err();
    assert!(matches!(err, PolicyError::NoKeyAdministrator { .. }));
    assert!(err.to_string().contains("arn:aws:iam::222233334444:root"));
}

#[test]
fn key_policy_with_root_admin_is_merged() {
    let doc =
        json!({"Version": "2012-10-17", "Id": "key-default-1", "Statement": [admin_statement()]});
    let merged = merge_key_policy(&doc, &account(), &scope(), &ours()).unwrap();
    assert_eq!(merged["Statement"][0], admin_statement());
    let back = remove_from_key_policy(&merged, &account(), &scope()).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn admin_statement_forms_are_recognised() {
    let cases = [
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "222233334444"}, "Action": ["kms:PutKeyPolicy"], "Resource": "*"}),
            true,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::999988887777:root", "arn:aws:iam::222233334444:root"]}, "Action": "KMS:*", "Resource": "*"}),
            true,
        ),
        (
            json!({"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::222233334444:root"}, "Action": "kms:*", "Resource": "*"}),
            false,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222233334444:root"}, "Action": "kms:Decrypt", "Resource": "*"}),
            false,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222233334444:root"}, "Action": "kms:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}),
            false,
        ),
        (
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "kms:*", "Resource": "*"}),
            false,
        ),
    ];
    for (statement, expected) in cases {
        let doc = json!({"Statement": [statement]});
        assert_eq!(
            has_account_admin_statement(&doc, &account()),
            expected,
            "{statement}"
        );
    }
}

#[test]
fn oversized_bucket_policy_is_refused_before_the_call() {
    let big: Vec<Value> = (0..400)
        .map(|i| json!({"Sid": format!("Foreign{i}"), "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::dest/prefix-number-{i}/*")}))
        .collect();
    let doc = json!({"Version": "2012-10-17", "Statement": big});
    let err = merge_bucket_policy(Some(&doc), &scope(), &ours()).unwrap_err();
    match err {
        PolicyError::TooLarge { kind, size, limit } => {
            assert_eq!(kind, PolicyKind::BucketPolicy);
            assert_eq!(limit, 20_480);
            assert!(size > limit);
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn size_ignores_insignificant_whitespace() {
    let pretty = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": []\n}";
    let doc = parse_policy(Some(pretty)).unwrap().unwrap();
    assert_eq!(
        policy_size(&doc),
        r#"{"Version":"2012-10-17","Statement":[]}"#.len()
    );
}

#[test]
fn key_policy_limit_is_32_kib() {
    assert_eq!(PolicyKind::KeyPolicy.size_limit(), 32_768);
}

#[test]
fn scopes_differ_per_replication_pair() {
    let a = AccountId::parse("111122223333").unwrap();
    let s = BucketName::parse("src").unwrap();
    let d1 = BucketName::parse("dst-one").unwrap();
    let d2 = BucketName::parse("dst-two").unwrap();
    let s1 = SidScope::for_replication(&a, &s, &d1);
    assert_eq!(s1, SidScope::for_replication(&a, &s, &d1));
    assert_ne!(s1, SidScope::for_replication(&a, &s, &d2));
    assert!(s1.as_str().starts_with(SID_PREFIX));
    assert!(s1.as_str().chars().all(|c| c.is_ascii_alphanumeric()));
}

// ---- property tests: the merge laws ----

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-zA-Z0-9:*/._-]{0,12}".prop_map(Value::String),
        prop::collection::vec("[a-z0-9:*]{1,8}", 1..3).prop_map(|v| json!(v)),
    ]
}

fn foreign_statement() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            "[A-Za-z0-9]{1,10}",
            // Sids that look like ours but belong to another scope, or to none.
            Just("S3KmsReplicationFFFF0000ReplicaObjects".to_owned()),
            Just("S3KmsReplication".to_owned()),
        ]),
        prop_oneof![Just("Allow"), Just("Deny")],
        prop_oneof![
            leaf().prop_map(|p| ("Principal", json!({"AWS": p}))),
            Just(("Principal", json!("*"))),
            leaf().prop_map(|p| ("NotPrincipal", json!({"AWS": p}))),
            Just(("Principal", json!({"Service": "s3.amazonaws.com"}))),
        ],
        prop_oneof![
            leaf().prop_map(|a| ("Action", a)),
            leaf().prop_map(|a| ("NotAction", a)),
        ],
        leaf(),
        prop::option::of(
            ("[A-Za-z]{1,12}", "[a-z:]{1,12}", leaf())
                .prop_map(|(op, k, v)| json!({ op: { k: v } })),
        ),
        any::<bool>(),
    )
        .prop_map(
            |(sid, effect, (pk, pv), (ak, av), resource, condition, resource_first)| {
                let mut m = Map::new();
                if resource_first {
                    m.insert("Resource".to_owned(), resource.clone());
                }
                if let Some(sid) = sid {
                    m.insert("Sid".to_owned(), json!(sid));
                }
                m.insert("Effect".to_owned(), json!(effect));
                m.insert(pk.to_owned(), pv);
                m.insert(ak.to_owned(), av);
                if !resource_first {
                    m.insert("Resource".to_owned(), resource);
                }
                if let Some(c) = condition {
                    m.insert("Condition".to_owned(), c);
                }
                Value::Object(m)
            },
        )
}

fn foreign_document() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        1 => Just(None),
        6 => (
            prop::collection::vec(foreign_statement(), 1..6),
            prop::option::of("[a-z-]{1,10}"),
            any::<bool>(),
        )
            .prop_map(|(statements, id, id_first)| {
                let mut m = Map::new();
                if let Some(id) = id.as_ref().filter(|_| id_first) {
                    m.insert("Id".to_owned(), json!(id));
                }
                m.insert("Version".to_owned(), json!("2012-10-17"));
                m.insert("Statement".to_owned(), json!(statements));
                if let Some(id) = id.as_ref().filter(|_| !id_first) {
                    m.insert("Id".to_owned(), json!(id));
                }
                Some(Value::Object(m))
            }),
    ]
}

fn our_statements() -> impl Strategy<Value = Vec<Value>> {
    prop::sample::subsequence(vec!["ReplicaObjects", "ReplicaBucket", "KeyUse"], 1..=3)
        .prop_flat_map(|names| {
            prop::collection::vec(leaf(), names.len()).prop_map(move |actions| {
                names
                    .iter()
                    .zip(actions)
                    .map(|(n, a)| {
                        json!({"Sid": scope().sid(n), "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": a, "Resource": "*"})
                    })
                    .collect()
            })
        })
}

fn opt_text(v: Option<&Value>) -> Option<String> {
    v.map(to_policy_string)
}

proptest! {
    #[test]
    fn merge_is_idempotent(doc in foreign_document(), ours in our_statements()) {
        let once = merge(doc.as_ref(), &scope(), &ours).unwrap();
        let twice = merge(Some(&once), &scope(), &ours).unwrap();
        prop_assert_eq!(text(&once), text(&twice));
    }

    #[test]
    fn remove_after_merge_restores_the_document(doc in foreign_document(), ours in our_statements()) {
        let merged = merge(doc.as_ref(), &scope(), &ours).unwrap();
        let restored = remove_ours(Some(&merged), &scope()).unwrap();
        prop_assert_eq!(opt_text(restored.as_ref()), opt_text(doc.as_ref()));
    }

    #[test]
    fn foreign_statements_keep_content_and_order(doc in foreign_document(), ours in our_statements()) {
        let merged = merge(doc.as_ref(), &scope(), &ours).unwrap();
        let foreign_after: Vec<String> = merged["Statement"].as_array().unwrap().iter()
            .filter(|s| owned_sid(s, &scope()).is_none()).map(text).collect();
        let foreign_before: Vec<String> = doc.as_ref()
            .map(|d| d["Statement"].as_array().unwrap().iter().map(text).collect())
            .unwrap_or_default();
        prop_assert_eq!(foreign_after, foreign_before);
    }

    #[test]
    fn top_level_keys_keep_their_order_and_values(doc in foreign_document(), ours in our_statements()) {
        let merged = merge(doc.as_ref(), &scope(), &ours).unwrap();
        if let Some(d) = &doc {
            let before: Vec<(&String, &Value)> = d.as_object().unwrap().iter().collect();
            let after: Vec<(&String, &Value)> = merged.as_object().unwrap().iter().collect();
            prop_assert_eq!(before.len(), after.len());
            for ((kb, vb), (ka, va)) in before.iter().zip(after.iter()) {
                prop_assert_eq!(kb, ka);
                if kb.as_str() != "Statement" {
                    prop_assert_eq!(text(vb), text(va));
                }
            }
        }
    }

    #[test]
    fn merging_a_changed_set_replaces_the_old_one(doc in foreign_document(), first in our_statements(), second in our_statements()) {
        let a = merge(doc.as_ref(), &scope(), &first).unwrap();
        let b = merge(Some(&a), &scope(), &second).unwrap();
        let direct = merge(doc.as_ref(), &scope(), &second).unwrap();
        let ours_in_b: HashSet<String> = b["Statement"].as_array().unwrap().iter()
            .filter(|s| owned_sid(s, &scope()).is_some()).map(text).collect();
        let ours_in_direct: HashSet<String> = direct["Statement"].as_array().unwrap().iter()
            .filter(|s| owned_sid(s, &scope()).is_some()).map(text).collect();
        prop_assert_eq!(ours_in_b, ours_in_direct);
        let restored = remove_ours(Some(&b), &scope()).unwrap();
        prop_assert_eq!(opt_text(restored.as_ref()), opt_text(doc.as_ref()));
    }

    #[test]
    fn key_policy_merge_keeps_the_admin_statement(doc in foreign_document(), ours in our_statements()) {
        let mut d = doc.unwrap_or_else(|| json!({"Version": "2012-10-17", "Statement": []}));
        d["Statement"].as_array_mut().unwrap().insert(0, admin_statement());
        let merged = merge_key_policy(&d, &account(), &scope(), &ours).unwrap();
        prop_assert!(has_account_admin_statement(&merged, &account()));
        let back = remove_from_key_policy(&merged, &account(), &scope()).unwrap();
        prop_assert_eq!(text(&back), text(&d));
    }
}

#[test]
fn principals_deleted_since_the_policy_was_written_are_named() {
    let doc = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Ok", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "111122223333", "*"]}, "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "TeamAudit", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/a", "AROADBQP57FF2AEXAMPLE"]}, "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "AIDACKCEVSQ6C2EXAMPLE"}, "Action": "s3:*", "Resource": "*"},
        {"Sid": "Service", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "s3:PutObject", "Resource": "*"}
    ]});
    assert_eq!(
        unresolved_principals(&doc),
        vec![
            "TeamAudit (AROADBQP57FF2AEXAMPLE)",
            "#2 (AIDACKCEVSQ6C2EXAMPLE)"
        ]
    );
    assert!(unresolved_principals(&json!({"Statement": "x"})).is_empty());
}
