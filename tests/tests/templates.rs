//! The templates and the setup function cannot drift apart: every custom resource's Properties
//! in `infra/*.yaml`, with intrinsic functions and conditions resolved for two sets of sample
//! parameters (only the required ones, and every optional one set too), must pass the
//! function's own property parser.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use e2e_tests::emulator::repo_root;
use e2e_tests::template::{Context, load, no_overrides};
use replication_core::properties::{DestinationProperties, ResourceType, SourceProperties};
use serde_json::{Map, Value, json};

#[test]
fn every_custom_resource_in_the_templates_passes_the_setup_functions_parser() {
    let mut seen = Vec::new();
    for name in ["destination-account.yaml", "source-account.yaml"] {
        let template = load(&repo_root().join("infra").join(name));
        let params = template["Parameters"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let conditions = template["Conditions"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (logical, resource) in template["Resources"].as_object().unwrap() {
            let Some(rtype) = resource["Type"]
                .as_str()
                .filter(|t| t.starts_with("Custom::"))
            else {
                continue;
            };
            for full in [false, true] {
                let cx = Context {
                    params: &params,
                    conditions: &conditions,
                    full,
                    overrides: no_overrides(),
                };
                let props = cx.resolve(&resource["Properties"]).unwrap();
                let result = match ResourceType::parse(rtype).unwrap() {
                    ResourceType::Destination => DestinationProperties::parse(&props).map(|_| ()),
                    ResourceType::Source => SourceProperties::parse(&props).map(|_| ()),
                };
                if let Err(e) = result {
                    panic!(
                        "{name} {logical} ({rtype}), optional parameters set: {full}: {e}\n{props:#}"
                    );
                }
            }
            seen.push(rtype.to_owned());
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "Custom::ReplicationDestination",
            "Custom::ReplicationSource"
        ]
    );
}

/// Each template's scheduled check: its payload carries properties that pass the function's
/// parser (once the "" of unset optional parameters is dropped, as the function does), and the
/// liveness switch; the destination's liveness alarm watches exactly the metric the verifier
/// publishes for a verified canary replica, and treats its absence as the failure.
#[test]
fn the_scheduled_checks_payloads_and_the_liveness_alarm_match_the_functions() {
    for name in ["destination-account.yaml", "source-account.yaml"] {
        let template = load(&repo_root().join("infra").join(name));
        let params = template["Parameters"].as_object().cloned().unwrap();
        let conditions = template["Conditions"].as_object().cloned().unwrap();
        let cx = Context {
            params: &params,
            conditions: &conditions,
            full: true,
            overrides: no_overrides(),
        };
        let resources = &template["Resources"];
        let schedule = cx.resolve(&resources["ScheduledCheckSchedule"]).unwrap();
        let input = schedule["Properties"]["Target"]["Input"].as_str().unwrap();
        let payload: Value =
            serde_json::from_str(input).unwrap_or_else(|e| panic!("{name}: {e}: {input}"));
        let check = &payload["ScheduledCheck"];
        assert_eq!(check["Liveness"], "true", "{name}");
        let props: Map<String, Value> = check["ResourceProperties"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v.as_str() != Some(""))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let props = Value::Object(props);
        let parsed = match ResourceType::parse(check["ResourceType"].as_str().unwrap()).unwrap() {
            ResourceType::Destination => DestinationProperties::parse(&props).map(|_| ()),
            ResourceType::Source => SourceProperties::parse(&props).map(|_| ()),
        };
        parsed.unwrap_or_else(|e| panic!("{name}: {e}\n{props:#}"));
        // The function's role may keep the liveness canary going, on canary keys only.
        let role = "SetupRole";
        let policy = cx.resolve(&resources[role]).unwrap().to_string();
        assert!(
            policy.contains("s3:ListBucketVersions")
                && policy.contains(".s3-kms-replication-canary/"),
            "{name}: {policy}"
        );
    }

    let template = load(&repo_root().join("infra/destination-account.yaml"));
    let params = template["Parameters"].as_object().cloned().unwrap();
    let conditions = template["Conditions"].as_object().cloned().unwrap();
    let cx = Context {
        params: &params,
        conditions: &conditions,
        full: true,
        overrides: no_overrides(),
    };
    assert!(cx.condition("LivenessOn"));
    let alarm = cx
        .resolve(&template["Resources"]["CanaryReplicaAlarm"]["Properties"])
        .unwrap();
    assert_eq!(
        alarm["MetricName"],
        replication_core::metric_names::CANARY_REPLICA_VERIFIED
    );
    assert_eq!(alarm["Namespace"], "S3KmsReplication");
    assert_eq!(
        alarm["Dimensions"],
        json!([{"Name": "DestinationBucket", "Value": "example-destination-bucket"},
               {"Name": "SourceBucket", "Value": "example-source-bucket"}]),
        "per source: the verifier's second CanaryReplicaVerified series (replication_core::report)"
    );
    assert_eq!(alarm["Statistic"], "Sum");
    assert_eq!(alarm["ComparisonOperator"], "LessThanThreshold");
    assert_eq!(alarm["Threshold"], 1);
    assert_eq!(alarm["TreatMissingData"], "breaching");
    let range = alarm["Period"].as_i64().unwrap() * alarm["EvaluationPeriods"].as_i64().unwrap();
    assert!(
        range <= 604_800,
        "CloudWatch caps an alarm's range at 7 days"
    );
}

/// The CDK constructs (`infra/cdk`) and the setup function cannot drift apart either: every
/// custom resource in the templates that `make cdk-synth` synthesizes (`dist/cdk/*/`, one
/// directory per configuration of the example app) passes the function's own parser, as do the
/// scheduled checks' payloads. `make test` synthesizes them before this runs.
#[test]
fn every_custom_resource_the_cdk_app_synthesizes_passes_the_setup_functions_parser() {
    let out = repo_root().join("dist/cdk");
    let templates: Vec<_> = std::fs::read_dir(&out)
        .unwrap_or_else(|e| panic!("{}: {e}; run `make cdk-synth`", out.display()))
        .filter_map(Result::ok)
        .filter(|d| d.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).unwrap().filter_map(Result::ok))
        .map(|f| f.path())
        .filter(|p| p.to_string_lossy().ends_with(".template.json"))
        .collect();
    let mut seen = Vec::new();
    for path in &templates {
        let template: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let params = template["Parameters"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let conditions = template["Conditions"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let cx = Context {
            params: &params,
            conditions: &conditions,
            full: false,
            overrides: no_overrides(),
        };
        for (logical, resource) in template["Resources"].as_object().unwrap() {
            let rtype = resource["Type"].as_str().unwrap_or_default();
            let check = |rtype: &str, props: &Value| {
                let result = match ResourceType::parse(rtype).unwrap() {
                    ResourceType::Destination => DestinationProperties::parse(props).map(|_| ()),
                    ResourceType::Source => SourceProperties::parse(props).map(|_| ()),
                };
                if let Err(e) = result {
                    panic!("{} {logical} ({rtype}): {e}\n{props:#}", path.display());
                }
            };
            if rtype.starts_with("Custom::Replication") {
                check(rtype, &cx.resolve(&resource["Properties"]).unwrap());
                seen.push(rtype.to_owned());
            }
            if rtype == "AWS::Scheduler::Schedule" {
                let schedule = cx.resolve(resource).unwrap();
                let input = schedule["Properties"]["Target"]["Input"].as_str().unwrap();
                let payload: Value = serde_json::from_str(input).unwrap();
                let check_payload = &payload["ScheduledCheck"];
                let props: Map<String, Value> = check_payload["ResourceProperties"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter(|(_, v)| v.as_str() != Some(""))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                check(
                    check_payload["ResourceType"].as_str().unwrap(),
                    &Value::Object(props),
                );
            }
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "Custom::ReplicationDestination",
            "Custom::ReplicationSource"
        ],
        "{templates:?}"
    );
}

// ------------------------------------------------------------------ the catalogue

/// `infra/catalogue.json`: the contracts exported from the Rust sources
/// (`replication_core::catalogue`; `make catalogue` rewrites it, a unit test holds it current).
fn catalogue() -> Value {
    let path = repo_root().join("infra/catalogue.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn template_named(name: &str) -> Value {
    load(&repo_root().join("infra").join(name))
}

/// Every property the setup function accepts can be set from the template that deploys its
/// resource: the template's custom resource passes it (a `True` property, which only accepts
/// `true`, need not be passed). The constructs set every template parameter (their own test),
/// so a property here is a property there too.
#[test]
fn every_catalogued_property_can_be_set_from_its_template() {
    let catalogue = catalogue();
    for (rtype, resource) in catalogue["resources"].as_object().unwrap() {
        let template = template_named(resource["template"].as_str().unwrap());
        let custom = template["Resources"]
            .as_object()
            .unwrap()
            .values()
            .find(|r| r["Type"] == rtype.as_str())
            .unwrap_or_else(|| panic!("{rtype}: not in {}", resource["template"]));
        let passed = custom["Properties"].as_object().unwrap();
        let missing: Vec<&str> = resource["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["type"] != "True")
            .map(|p| p["name"].as_str().unwrap())
            .filter(|name| !passed.contains_key(*name))
            .collect();
        assert!(
            missing.is_empty(),
            "{rtype} in {}: these properties cannot be set from the template: {missing:?}; \
             add a parameter for each and pass it to the custom resource",
            resource["template"]
        );
    }
}

/// Metric names an alarm resource watches (`MetricName`, or each of its `Metrics`).
fn alarmed_metrics(template: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in template["Resources"].as_object().unwrap().values() {
        if r["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let p = &r["Properties"];
        if let Some(name) = p["MetricName"].as_str() {
            out.push(name.to_owned());
        }
        for m in p["Metrics"].as_array().into_iter().flatten() {
            if let Some(name) = m["MetricStat"]["Metric"]["MetricName"].as_str() {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// Every finding metric has an alarm, and every finding and signal metric a widget on the
/// destination dashboard; every verdict's metric is one of them.
#[test]
fn every_finding_metric_has_an_alarm_and_a_dashboard_widget() {
    let catalogue = catalogue();
    let destination = template_named("destination-account.yaml");
    let mut alarmed = alarmed_metrics(&destination);
    alarmed.extend(alarmed_metrics(&template_named("source-account.yaml")));
    let dashboard =
        destination["Resources"]["Dashboard"]["Properties"]["DashboardBody"].to_string();
    let metrics = catalogue["metrics"].as_array().unwrap();
    let mut problems = Vec::new();
    for m in metrics {
        let name = m["name"].as_str().unwrap();
        let role = m["role"].as_str().unwrap();
        if m["publisher"] == "AWS/Lambda" {
            continue;
        }
        if role == "finding" && !alarmed.iter().any(|a| a == name) {
            problems.push(format!("{name}: a finding without an alarm"));
        }
        if matches!(role, "finding" | "signal") && !dashboard.contains(&format!("\\\"{name}\\\"")) {
            problems.push(format!("{name}: a {role} without a dashboard widget"));
        }
    }
    for v in catalogue["verdicts"].as_array().unwrap() {
        let metric = &v["metric"];
        let m = metrics.iter().find(|m| &m["name"] == metric);
        match m.map(|m| m["role"].as_str().unwrap()) {
            Some("finding" | "signal") => {}
            other => problems.push(format!("verdict {}: its metric is {other:?}", v["name"])),
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The value that turns a switch off or on, as `replication_core::catalogue::Grant::when`
/// defines them.
fn switch(name: &str, on: bool) -> Value {
    json!(match (name, on) {
        ("Tracing", true) => "Active",
        ("Tracing", false) => "PassThrough",
        ("MetricsSink", true) => "both",
        ("MetricsSink", false) => "emf",
        ("DestinationAccessRoleArn", true) => "arn:aws:iam::222222222222:role/replication-admin",
        ("DestinationAccessRoleArn", false) => "",
        ("RolePermissionsBoundary", true) =>
            "arn:aws:iam::111111111111:policy/boundaries/replication",
        ("RolePermissionsBoundary", false) => "",
        ("PolicyWrites", true) => "Apply",
        ("PolicyWrites", false) => "Report",
        ("BatchReplicationReportBucket", true) => "batch-reports",
        ("BatchReplicationReportBucket", false) => "",
        (_, true) => "true",
        (_, false) => "false",
    })
}

/// The actions a role resource allows, with these switches on (the others off).
fn allowed_actions(template: &Value, role: &str, switches: &[&str], all: &[String]) -> Vec<String> {
    let overrides: Map<String, Value> = all
        .iter()
        .map(|s| (s.clone(), switch(s, switches.contains(&s.as_str()))))
        .collect();
    let mut actions: Vec<String> = e2e_tests::template::role_policies(template, role, &overrides)
        .iter()
        .flat_map(|doc| doc["Statement"].as_array().cloned().unwrap_or_default())
        .filter(|s| s["Effect"] == "Allow")
        .flat_map(|s| match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(list) => list
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    actions.sort();
    actions.dedup();
    actions
}

/// Each function's role allows exactly what the catalogue says the function calls, under
/// every combination of switches the catalogue names: nothing missing, nothing more.
#[test]
fn every_function_role_allows_exactly_its_catalogued_grants() {
    let catalogue = catalogue();
    for (name, role) in catalogue["roles"].as_object().unwrap() {
        let template = template_named(role["template"].as_str().unwrap());
        let logical_id = role["logicalId"].as_str().unwrap();
        let grants = role["grants"].as_array().unwrap();
        let alternatives =
            |g: &Value| -> Vec<Vec<String>> { serde_json::from_value(g["when"].clone()).unwrap() };
        let mut all: Vec<String> = grants
            .iter()
            .flat_map(|g| alternatives(g).concat())
            .collect();
        all.sort();
        all.dedup();
        // Every alternative of every grant, nothing on, and everything on.
        let mut cases: Vec<Vec<String>> = grants.iter().flat_map(alternatives).collect();
        cases.push(Vec::new());
        cases.push(all.clone());
        cases.sort();
        cases.dedup();
        for on in cases {
            let on_refs: Vec<&str> = on.iter().map(String::as_str).collect();
            let mut expected: Vec<String> = grants
                .iter()
                .filter(|g| {
                    let alts = alternatives(g);
                    alts.is_empty() || alts.iter().any(|alt| alt.iter().all(|s| on.contains(s)))
                })
                .map(|g| g["action"].as_str().unwrap().to_owned())
                .collect();
            expected.sort();
            expected.dedup();
            let actual = allowed_actions(&template, logical_id, &on_refs, &all);
            let more: Vec<&String> = actual.iter().filter(|a| !expected.contains(a)).collect();
            let missing: Vec<&String> = expected.iter().filter(|a| !actual.contains(a)).collect();
            assert!(
                more.is_empty() && missing.is_empty(),
                "{name} ({logical_id} in {}), switches on: {on:?}\n  allowed but not catalogued: {more:?}\n  catalogued but not allowed: {missing:?}",
                role["template"]
            );
        }
    }
}

/// Every verifier setting the catalogue lists can be set from the destination template: the
/// verifier's environment carries it (from a parameter, or from the resource it names).
#[test]
fn every_verifier_setting_can_be_set_from_the_destination_template() {
    let catalogue = catalogue();
    let template = template_named("destination-account.yaml");
    let environment =
        template["Resources"]["VerifierFunction"]["Properties"]["Environment"]["Variables"]
            .as_object()
            .unwrap();
    let missing: Vec<&str> = catalogue["verifierSettings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .filter(|name| !environment.contains_key(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "the verifier's {missing:?} cannot be set from destination-account.yaml: add a parameter \
         and set the variable in VerifierFunction's Environment"
    );
}
