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
        json!([{"Name": "DestinationBucket", "Value": "example-destination-bucket"}])
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
