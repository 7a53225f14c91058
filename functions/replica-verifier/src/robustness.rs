//! Property: the verifier's entry point, [`Verifier::handle`], never panics on any payload.
//! It answers with a response, or fails with an error that says what it found.
//!
//! Inputs are arbitrary JSON, whose object keys come mostly from the field names of the shapes
//! the verifier accepts (so the generator reaches into them), and mutations of every fixture in
//! `events/`:
//! - dropped fields;
//! - values of the wrong type;
//! - huge strings (up to 70,000 characters);
//! - deep nesting (up to 100 levels, which stays under `serde_json`'s limit of 128 that the
//!   Lambda runtime applies when it parses the payload).
//!
//! S3 answers each `HeadObject` through the whole SDK pipeline, in process. The number of
//! cases is `FUZZ_CASES` (default 300; `make fuzz` runs 100,000).

use std::cell::Cell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

use crate::handler::Verifier;
use crate::handler::tests::{self, KB};
use crate::mock::{Head, s3_client};

const FIXTURES: [&str; 8] = [
    include_str!("../../../events/s3-object-created.json"),
    include_str!("../../../events/sqs-s3-batch.json"),
    include_str!("../../../events/eventbridge-object-created.json"),
    include_str!("../../../events/s3-replication-failed.json"),
    include_str!("../../../events/s3-keys-needing-decoding.json"),
    include_str!("../../../events/s3-batch-operations-1.0.json"),
    include_str!("../../../events/s3-batch-operations-2.0.json"),
    include_str!("../../../events/cfn-destination-create.json"),
];

/// Field names of the accepted shapes, so that arbitrary objects often look like them.
const FIELDS: [&str; 24] = [
    "Records",
    "eventSource",
    "eventName",
    "eventTime",
    "s3",
    "bucket",
    "name",
    "object",
    "key",
    "versionId",
    "messageId",
    "body",
    "source",
    "detail-type",
    "detail",
    "version-id",
    "time",
    "invocationSchemaVersion",
    "invocationId",
    "job",
    "tasks",
    "taskId",
    "s3Key",
    "Event",
];

/// The verifier, unscoped or (`scoped`) with `VERIFY_PREFIXES` that some fixture keys match
/// and others do not.
fn verifier(scoped: bool) -> Verifier {
    // Every third HEAD is not found, every fifth is denied: all verdicts are reached.
    let (s3, _) = s3_client(|path| match path.len() % 15 {
        0 | 3 | 6 => Head::Status(404),
        5 | 10 => Head::Status(403),
        _ => Head::Object {
            sse: Some("aws:kms"),
            key: Some(KB.into()),
            status: Some("REPLICA"),
        },
    });
    let prefixes = if scoped { "reports/,with spaces,a" } else { "" };
    tests::verifier_with(
        s3,
        &[("MISSING_RETRIES", "0"), ("VERIFY_PREFIXES", prefixes)],
    )
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => Just(Value::Null),
        4 => any::<bool>().prop_map(Value::Bool),
        4 => any::<i64>().prop_map(|n| json!(n)),
        2 => any::<f64>().prop_map(|f| json!(f)),
        8 => "\\PC{0,12}".prop_map(Value::String),
        4 => prop::sample::select(&["aws:s3", "aws:sqs", "aws.s3", "ObjectCreated:Put",
            "s3:TestEvent", "1.0", "2.0", "Object Created", "%ZZ", "a+b%2B%C3%A9", "null", "{}"][..])
            .prop_map(|s| Value::String(s.to_owned())),
        1 => (0_usize..70_000).prop_map(|n| Value::String("é".repeat(n / 2))),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        let key = prop_oneof![
            3 => prop::sample::select(&FIELDS[..]).prop_map(str::to_owned),
            1 => "\\PC{0,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..8)
                .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// What to do at one place in a fixture.
#[derive(Debug, Clone)]
enum Mutation {
    Drop,
    Replace(Value),
    Huge(usize),
    Nest(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::Drop),
        3 => leaf().prop_map(Mutation::Replace),
        1 => (1_000_usize..70_000).prop_map(Mutation::Huge),
        1 => (1_usize..100).prop_map(Mutation::Nest),
    ]
}

/// Every JSON pointer inside `v`, the root excepted.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, c)| (k.replace('~', "~0").replace('/', "~1"), c))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, c)| (i.to_string(), c))
            .collect(),
        _ => Vec::new(),
    };
    for (k, child) in children {
        let p = format!("{at}/{k}");
        out.push(p.clone());
        pointers(child, p, out);
    }
}

fn apply(doc: &mut Value, at: &str, m: &Mutation) {
    if let Mutation::Drop = m {
        let (parent, last) = at.rsplit_once('/').unwrap_or(("", at));
        let last = last.replace("~1", "/").replace("~0", "~");
        match doc.pointer_mut(parent) {
            Some(Value::Object(o)) => {
                o.remove(&last);
            }
            Some(Value::Array(a)) => {
                if let Ok(i) = last.parse::<usize>()
                    && i < a.len()
                {
                    a.remove(i);
                }
            }
            _ => {}
        }
        return;
    }
    let Some(slot) = doc.pointer_mut(at) else {
        return;
    };
    *slot = match m {
        Mutation::Drop => return,
        Mutation::Replace(v) => v.clone(),
        Mutation::Huge(n) => Value::String("k".repeat(*n)),
        Mutation::Nest(depth) => (0..*depth).fold(slot.take(), |v, _| json!([v])),
    };
}

/// A fixture with up to four mutations; inside an SQS body they apply to the parsed body.
fn mutated_fixture() -> impl Strategy<Value = Value> {
    (
        0..FIXTURES.len(),
        prop::collection::vec((any::<prop::sample::Index>(), mutation()), 1..5),
        any::<bool>(),
    )
        .prop_map(|(which, mutations, into_bodies)| {
            let mut doc: Value = serde_json::from_str(FIXTURES[which]).unwrap_or(Value::Null);
            for (index, m) in &mutations {
                let mut all = Vec::new();
                pointers(&doc, String::new(), &mut all);
                if all.is_empty() {
                    break;
                }
                let at = &all[index.index(all.len())];
                if into_bodies && at.ends_with("/body") {
                    if let Some(Value::String(body)) = doc.pointer(at).cloned()
                        && let Ok(mut inner) = serde_json::from_str::<Value>(&body)
                    {
                        let mut inner_all = Vec::new();
                        pointers(&inner, String::new(), &mut inner_all);
                        if !inner_all.is_empty() {
                            let inner_at = inner_all[index.index(inner_all.len())].clone();
                            apply(&mut inner, &inner_at, m);
                        }
                        if let Some(slot) = doc.pointer_mut(at) {
                            *slot = Value::String(inner.to_string());
                        }
                    }
                } else {
                    apply(&mut doc, at, m);
                }
            }
            doc
        })
}

fn payloads() -> impl Strategy<Value = Value> {
    prop_oneof![1 => any_json(), 3 => mutated_fixture()]
}

#[test]
fn the_entry_point_answers_every_payload_without_panicking() {
    let cases: u32 = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let verifiers = [verifier(false), verifier(true)];
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let (answered, refused) = (Cell::new(0_u32), Cell::new(0_u32));
    runner
        .run(&payloads(), |payload| {
            // Alternate cases go to the scoped verifier.
            let verifier = &verifiers[((answered.get() + refused.get()) % 2) as usize];
            // The runtime serialises the response: it must be JSON, and an error must say why.
            match runtime.block_on(verifier.handle(payload)) {
                Ok(response) => {
                    prop_assert!(serde_json::to_string(&response).is_ok());
                    answered.set(answered.get() + 1);
                }
                Err(e) => {
                    prop_assert!(!e.to_string().is_empty());
                    refused.set(refused.get() + 1);
                }
            }
            Ok(())
        })
        .unwrap();
    let (answered, refused) = (answered.get(), refused.get());
    println!("fuzzed {cases} payloads: {answered} answered, {refused} refused with a reason");
    assert_eq!(answered + refused, cases);
}
