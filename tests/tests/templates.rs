//! The templates and the setup function cannot drift apart: every custom resource's Properties
//! in `infra/*.yaml`, with intrinsic functions and conditions resolved for two sets of sample
//! parameters (only the required ones, and every optional one set too), must pass the
//! function's own property parser.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::path::Path;
use std::process::Command;

use e2e_tests::emulator::repo_root;
use replication_core::properties::{DestinationProperties, ResourceType, SourceProperties};
use serde_json::{Map, Value, json};

/// The template as JSON, through cfn-lint's CloudFormation YAML loader (intrinsic tags).
fn load(path: &Path) -> Value {
    let python = repo_root().join(".venv/bin/python");
    let out = Command::new(&python)
        .args(["-c", "import json,sys; from cfnlint.decode import cfn_yaml; print(json.dumps(cfn_yaml.load(sys.argv[1])))"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (run make setup)", python.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn sample(name: &str, parameter: &Value, full: bool) -> Value {
    let samples = json!({
        "SourceBucket": "example-source-bucket",
        "DestinationBucket": "example-destination-bucket",
        "SourceKmsKeyArn": "arn:aws:kms:us-east-1:111111111111:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f",
        "DestinationKmsKeyArn": "arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21",
        "SourceAccountId": "111111111111",
        "DestinationAccountId": "222222222222",
        "DestinationAccessRoleArn": "arn:aws:iam::222222222222:role/replication-admin",
        "RoleName": "team-replication",
        "ReplicationRoleName": "team-replication",
        "ReplicationRolePath": "/service-role/",
        "ArtifactBucket": "example-artifacts",
        "SetupCodeKey": "replication-setup/bootstrap.zip",
        "VerifierCodeKey": "replica-verifier/bootstrap.zip",
        "OwnerOverride": "true",
        "AlarmTopicArn": "arn:aws:sns:us-east-1:222222222222:alarms",
        "SourceRegion": "us-east-1",
        "ReplicationRuleId": "to-destination",
        "ScheduledCheck": "true",
        "Liveness": "true",
    });
    let default = parameter.get("Default");
    match (samples.get(name), default) {
        (Some(v), Some(_)) if full => v.clone(),
        (_, Some(d)) => d.clone(),
        (Some(v), None) => v.clone(),
        (None, None) => panic!("parameter {name} has no default and no sample here: add one"),
    }
}

struct Context<'a> {
    params: &'a Map<String, Value>,
    conditions: &'a Map<String, Value>,
    full: bool,
}

impl Context<'_> {
    fn param(&self, name: &str) -> Value {
        match name {
            "AWS::Partition" => json!("aws"),
            "AWS::Region" => json!("us-east-1"),
            "AWS::AccountId" => json!("222222222222"),
            "AWS::StackName" => json!("replication"),
            _ => sample(
                name,
                self.params
                    .get(name)
                    .unwrap_or_else(|| panic!("unknown Ref {name}")),
                self.full,
            ),
        }
    }

    fn condition(&self, name: &str) -> bool {
        self.truth(&self.conditions[name])
    }

    fn truth(&self, v: &Value) -> bool {
        let (k, arg) = v.as_object().and_then(|o| o.iter().next()).unwrap();
        match k.as_str() {
            "Fn::Equals" => self.resolve(&arg[0]) == self.resolve(&arg[1]),
            "Fn::Not" => !self.truth(&arg[0]),
            "Fn::And" => arg.as_array().unwrap().iter().all(|c| self.truth(c)),
            "Fn::Or" => arg.as_array().unwrap().iter().any(|c| self.truth(c)),
            "Condition" => self.condition(arg.as_str().unwrap()),
            other => panic!("condition function {other} not handled"),
        }
    }

    fn resolve(&self, v: &Value) -> Option<Value> {
        resolve(v, self)
    }
}

/// Resolve intrinsic functions with `cx`'s sample parameters and conditions.
fn resolve(v: &Value, cx: &Context<'_>) -> Option<Value> {
    let object = |o: &Map<String, Value>| {
        Some(Value::Object(
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), resolve(v, cx)?)))
                .collect(),
        ))
    };
    match v {
        Value::Object(o) if o.len() == 1 => {
            let (k, arg) = o.iter().next().unwrap();
            match k.as_str() {
                "Ref" if arg == "AWS::NoValue" => None,
                "Ref" => Some(cx.param(arg.as_str().unwrap())),
                "Fn::If" => {
                    let branch = if cx.condition(arg[0].as_str().unwrap()) {
                        1
                    } else {
                        2
                    };
                    resolve(&arg[branch], cx)
                }
                "Fn::GetAtt" => {
                    let target = arg[0].as_str().unwrap_or_default();
                    Some(if target.contains("Queue") {
                        json!(format!("arn:aws:sqs:us-east-1:222222222222:{target}"))
                    } else {
                        json!(format!(
                            "arn:aws:lambda:us-east-1:222222222222:function:{target}"
                        ))
                    })
                }
                "Fn::Join" => {
                    let separator = arg[0].as_str().unwrap();
                    let parts: Vec<String> = arg[1]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|p| resolve(p, cx))
                        .map(|p| match p {
                            Value::String(text) => text,
                            other => other.to_string(),
                        })
                        .collect();
                    Some(json!(parts.join(separator)))
                }
                "Fn::Sub" => {
                    let text = arg.as_str().or_else(|| arg[0].as_str()).unwrap();
                    let variables = arg.get(1).and_then(|v| resolve(v, cx)).unwrap_or_default();
                    let mut out = String::new();
                    let mut rest = text;
                    while let Some(i) = rest.find("${") {
                        out.push_str(&rest[..i]);
                        let end = rest[i..].find('}').unwrap() + i;
                        let name = &rest[i + 2..end];
                        let value = match (variables.get(name), name.split_once('.')) {
                            (Some(v), _) => v.clone(),
                            (None, Some((target, attribute))) => {
                                resolve(&json!({"Fn::GetAtt": [target, attribute]}), cx).unwrap()
                            }
                            (None, None) => cx.param(name),
                        };
                        match value {
                            Value::String(text) => out.push_str(&text),
                            other => out.push_str(&other.to_string()),
                        }
                        rest = &rest[end + 1..];
                    }
                    out.push_str(rest);
                    Some(json!(out))
                }
                _ => object(o),
            }
        }
        Value::Object(o) => object(o),
        Value::Array(a) => Some(Value::Array(
            a.iter().filter_map(|v| resolve(v, cx)).collect(),
        )),
        other => Some(other.clone()),
    }
}

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
