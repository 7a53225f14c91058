//! CloudFormation templates as a test reads them: loaded through cfn-lint's YAML loader and
//! resolved (intrinsic functions, conditions) with sample or given parameter values, so that a
//! test can feed a template's own properties or policies to the code and the emulator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)] // test support

use std::path::Path;
use std::process::Command;

use serde_json::{Map, Value, json};

use crate::emulator::repo_root;
use crate::world::World;

/// No overrides: the samples and defaults alone.
pub fn no_overrides() -> &'static Map<String, Value> {
    static NONE: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    &NONE
}

/// The template as JSON, through cfn-lint's CloudFormation YAML loader (intrinsic tags).
pub fn load(path: &Path) -> Value {
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
        "RolePermissionsBoundary": "arn:aws:iam::111111111111:policy/boundaries/replication",
        "RolePath": "/service-role/",
        "RoleTags": r#"{"team": "storage", "cost-center": "42"}"#,
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
        "Rules": r#"[{"Id": "logs", "Priority": "1", "Prefix": "logs/", "Tags": {"team": "storage"}}, {"Id": "all", "Priority": "0"}]"#,
        "DeployTimeChecks": "true",
    });
    let default = parameter.get("Default");
    match (samples.get(name), default) {
        (Some(v), Some(_)) if full => v.clone(),
        (_, Some(d)) => d.clone(),
        (Some(v), None) => v.clone(),
        (None, None) => panic!("parameter {name} has no default and no sample here: add one"),
    }
}

/// What a template is resolved with: its parameters and conditions, the sample values (only
/// the required ones, or every optional one too with `full`), and `overrides` that win over
/// both (a test's own bucket and key, say).
pub struct Context<'a> {
    /// The template's `Parameters`.
    pub params: &'a Map<String, Value>,
    /// The template's `Conditions`.
    pub conditions: &'a Map<String, Value>,
    /// Every optional parameter set to its sample too.
    pub full: bool,
    /// Parameter values that win over the samples and defaults.
    pub overrides: &'a Map<String, Value>,
}

/// `pairs` as a template's parameter values (later ones win).
pub fn parameters(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), json!(v)))
        .collect()
}

impl<'a> Context<'a> {
    /// The context of `template` with `overrides` and every other parameter's default (not the
    /// samples of [`Context::full`]): what CloudFormation would resolve for that stack.
    pub fn of(template: &'a Value, overrides: &'a Map<String, Value>) -> Self {
        Self {
            params: template["Parameters"].as_object().unwrap_or(no_overrides()),
            conditions: template["Conditions"].as_object().unwrap_or(no_overrides()),
            full: false,
            overrides,
        }
    }

    /// The `Properties` of `resource`, resolved.
    pub fn properties(&self, template: &Value, resource: &str) -> Value {
        self.resolve(&template["Resources"][resource]["Properties"])
            .unwrap_or_else(|| panic!("{resource} has no Properties"))
    }
}

impl Context<'_> {
    /// A parameter's (or pseudo parameter's) value.
    pub fn param(&self, name: &str) -> Value {
        if let Some(v) = self.overrides.get(name) {
            return v.clone();
        }
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

    /// A condition's value.
    pub fn condition(&self, name: &str) -> bool {
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

    /// [`resolve`] with this context.
    pub fn resolve(&self, v: &Value) -> Option<Value> {
        resolve(v, self)
    }
}

/// Resolve intrinsic functions with `cx`'s sample parameters and conditions.
pub fn resolve(v: &Value, cx: &Context<'_>) -> Option<Value> {
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
                    } else if target.contains("Role") && !target.contains("Function") {
                        json!(format!("arn:aws:iam::222222222222:role/{target}"))
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

/// The inline policies of the role resource `role` in `template`, resolved with `overrides`
/// (parameters such as `DestinationBucket`): what that role would be given on AWS.
pub fn role_policies(template: &Value, role: &str, overrides: &Map<String, Value>) -> Vec<Value> {
    let cx = Context::of(template, overrides);
    let properties = &template["Resources"][role]["Properties"];
    properties["Policies"]
        .as_array()
        .unwrap_or_else(|| panic!("{role} has no inline Policies"))
        .iter()
        .filter_map(|p| resolve(&p["PolicyDocument"], &cx))
        .collect()
}

/// The environment variables of the function resource `function` in `template`, resolved with
/// `overrides` (and the defaults of every other parameter): what Lambda would give it.
pub fn function_environment(
    template: &Value,
    function: &str,
    overrides: &Map<String, Value>,
) -> Vec<(String, String)> {
    let cx = Context::of(template, overrides);
    let variables = &template["Resources"][function]["Properties"]["Environment"]["Variables"];
    let resolved = resolve(variables, &cx).unwrap_or_default();
    resolved
        .as_object()
        .unwrap_or_else(|| panic!("{function} has no Environment"))
        .iter()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (k.clone(), text)
        })
        .collect()
}

/// `infra/destination-account.yaml`, loaded.
pub fn destination_template() -> Value {
    load(&repo_root().join("infra/destination-account.yaml"))
}

/// The destination template's parameters for this world's D and KB, and `extra`.
pub fn world_parameters(world: &World, extra: &[(&str, &str)]) -> Map<String, Value> {
    let mut overrides = Map::from_iter([
        (
            "DestinationBucket".to_owned(),
            json!(world.destination_bucket),
        ),
        (
            "DestinationKmsKeyArn".to_owned(),
            json!(world.destination_key_arn),
        ),
    ]);
    overrides.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), json!(v))));
    overrides
}

/// The environment the template gives the verifier with `overrides`, on the world's account B.
pub fn verifier_env(
    world: &World,
    template: &Value,
    overrides: &Map<String, Value>,
) -> Vec<(String, String)> {
    let mut env = world.b.lambda_env();
    env.extend(function_environment(
        template,
        "VerifierFunction",
        overrides,
    ));
    env
}
