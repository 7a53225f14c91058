//! What an invocation asks, parsed once at the entry point: a CloudFormation request with its
//! resource type and its new and old properties, each validated in form, or the scheduled
//! check's payload. Everything below the dispatcher takes these typed values; nothing parses
//! the request's JSON again.

use replication_core::properties::{
    DestinationProperties, InvalidProperties, ResourceType, SourceProperties,
};
use serde_json::Value;

use crate::context::Failure;
use crate::response::{CfnRequest, RequestType};

/// The key that marks a scheduled check's payload.
pub const SCHEDULED_CHECK_KEY: &str = "ScheduledCheck";

/// One invocation of the setup function.
#[derive(Debug)]
pub(crate) enum Invocation {
    /// A CloudFormation custom-resource request (boxed: it carries two parsed property sets).
    Resource(Box<ResourceRequest>),
    /// The scheduled check (the value under [`SCHEDULED_CHECK_KEY`]).
    Scheduled(Box<ScheduledCheck>),
}

impl Invocation {
    /// The payload, parsed.
    ///
    /// # Errors
    /// When the payload is neither a scheduled check nor a custom-resource request (then there
    /// is no `ResponseURL` to answer).
    pub(crate) fn parse(payload: Value) -> Result<Self, serde_json::Error> {
        if let Some(check) = payload.get(SCHEDULED_CHECK_KEY) {
            return Ok(Invocation::Scheduled(Box::new(ScheduledCheck::parse(
                check,
            ))));
        }
        let cfn: CfnRequest = serde_json::from_value(payload)?;
        let resource = Resource::parse(&cfn);
        Ok(Invocation::Resource(Box::new(ResourceRequest {
            cfn,
            resource,
        })))
    }
}

/// A CloudFormation request: its envelope, and its resource typed.
#[derive(Debug)]
pub(crate) struct ResourceRequest {
    /// The envelope: what the answer echoes.
    pub(crate) cfn: CfnRequest,
    /// The resource, or why `ResourceType` is not one of ours.
    pub(crate) resource: Result<Resource, String>,
}

/// A resource of one of our two types, with its properties.
#[derive(Debug)]
pub(crate) enum Resource {
    /// `Custom::ReplicationSource` (both boxed: the properties with their old copy run to
    /// hundreds of bytes).
    Source(Box<Props<SourceProperties>>),
    /// `Custom::ReplicationDestination`.
    Destination(Box<Props<DestinationProperties>>),
}

impl Resource {
    fn parse(cfn: &CfnRequest) -> Result<Self, String> {
        match ResourceType::parse(&cfn.resource_type) {
            Ok(ResourceType::Source) => Ok(Resource::Source(Box::new(Props::parse(
                cfn,
                SourceProperties::parse,
            )))),
            Ok(ResourceType::Destination) => Ok(Resource::Destination(Box::new(Props::parse(
                cfn,
                DestinationProperties::parse,
            )))),
            Err(e) => Err(e.to_string()),
        }
    }

    /// The PhysicalResourceId the properties name, when they parse.
    pub(crate) fn physical_resource_id(&self) -> Option<String> {
        match self {
            Resource::Source(p) => p
                .new
                .as_ref()
                .ok()
                .map(SourceProperties::physical_resource_id),
            Resource::Destination(p) => p
                .new
                .as_ref()
                .ok()
                .map(DestinationProperties::physical_resource_id),
        }
    }
}

/// A resource's properties: the request's (new on Create and Update, current on Delete), and
/// on Update the previous ones.
#[derive(Debug)]
pub(crate) struct Props<P> {
    /// `ResourceProperties`, parsed.
    pub(crate) new: Result<P, InvalidProperties>,
    /// `OldResourceProperties` (Update only).
    pub(crate) old: Old<P>,
}

/// The previous properties of an Update.
#[derive(Debug)]
pub(crate) enum Old<P> {
    /// Not an Update.
    None,
    /// They parse: what they named and the new ones do not is released.
    Parsed(P),
    /// They do not parse (the rollback of an Update that was refused for its properties sends
    /// those as the old ones, or a later version of this function refuses what an earlier one
    /// accepted): nothing they named can be told, so nothing of theirs is released.
    Unparseable(InvalidProperties),
}

impl<P> Props<P> {
    fn parse(cfn: &CfnRequest, parse: fn(&Value) -> Result<P, InvalidProperties>) -> Self {
        let old = match (&cfn.old_resource_properties, cfn.request_type) {
            (Some(old), RequestType::Update) => match parse(old) {
                Ok(p) => Old::Parsed(p),
                Err(e) => Old::Unparseable(e),
            },
            _ => Old::None,
        };
        Self {
            new: parse(&cfn.resource_properties),
            old,
        }
    }

    /// The previous properties to release what only they named. Unparseable ones are not
    /// dropped in silence: the warning says what could not be released and what to do.
    pub(crate) fn old(&self) -> Option<&P> {
        match &self.old {
            Old::None => None,
            Old::Parsed(p) => Some(p),
            Old::Unparseable(e) => {
                tracing::warn!(
                    issues = %e,
                    "the previous properties do not parse, so what only they named (another key, \
                     role or queue) cannot be released by this Update; if this is not the rollback \
                     of an Update refused for its properties, run replication-doctor and remove \
                     the pair's statements from the old documents by hand"
                );
                None
            }
        }
    }
}

/// The scheduled check's payload (a schedule's input; the templates build it from the same
/// parameters as the custom resource, and an empty string means "not set").
#[derive(Debug)]
pub(crate) struct ScheduledCheck {
    /// The side and its properties, or why they cannot be checked.
    pub(crate) side: Result<ScheduledSide, Failure>,
    /// `Liveness`: keep the liveness canary going.
    pub(crate) liveness: Result<bool, Failure>,
    /// `LivenessCanaryPrefix` (the destination side).
    pub(crate) liveness_canary_prefix: String,
    /// The metrics' dimensions, from the payload as given: a check that cannot run is still
    /// counted under them (it fails closed).
    pub(crate) names: CheckNames,
}

/// The names a scheduled check's metrics carry.
#[derive(Debug, Clone)]
pub(crate) struct CheckNames {
    /// `source` or `destination`.
    pub(crate) side: &'static str,
    /// `SourceBucket` as given.
    pub(crate) source_bucket: String,
    /// `DestinationBucket` as given.
    pub(crate) destination_bucket: String,
}

/// The side a scheduled check diagnoses, with its properties.
#[derive(Debug)]
pub(crate) enum ScheduledSide {
    /// The source account's view (both boxed: hundreds of bytes, and unequal).
    Source(Box<SourceProperties>),
    /// The destination account's view.
    Destination(Box<DestinationProperties>),
}

impl ScheduledCheck {
    fn parse(payload: &Value) -> Self {
        let props = set_only(&payload["ResourceProperties"]);
        let resource_type =
            ResourceType::parse(payload["ResourceType"].as_str().unwrap_or_default());
        let name = |field: &str| props[field].as_str().unwrap_or_default().to_owned();
        let names = CheckNames {
            side: match resource_type {
                Ok(ResourceType::Source) => "source",
                _ => "destination",
            },
            source_bucket: name("SourceBucket"),
            destination_bucket: name("DestinationBucket"),
        };
        let invalid = |e: InvalidProperties| Failure::Properties(e.to_string());
        let side = match resource_type {
            Ok(ResourceType::Source) => SourceProperties::parse(&props)
                .map(|p| ScheduledSide::Source(Box::new(p)))
                .map_err(invalid),
            Ok(ResourceType::Destination) => DestinationProperties::parse(&props)
                .map(|p| ScheduledSide::Destination(Box::new(p)))
                .map_err(invalid),
            Err(e) => Err(Failure::ResourceType(format!(
                "{SCHEDULED_CHECK_KEY}.ResourceType: {e}"
            ))),
        };
        Self {
            side,
            liveness: flag(payload, "Liveness"),
            liveness_canary_prefix: payload["LivenessCanaryPrefix"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            names,
        }
    }
}

/// The properties without the keys set to "" (a template's unset optional parameters).
fn set_only(properties: &Value) -> Value {
    match properties {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| v.as_str() != Some(""))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `"true"`, `true`: on; absent, `""`, `"false"`, `false`: off.
fn flag(payload: &Value, field: &str) -> Result<bool, Failure> {
    match &payload[field] {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.is_empty() || s == "false" => Ok(false),
        Value::String(s) if s == "true" => Ok(true),
        other => Err(Failure::Properties(format!(
            "{SCHEDULED_CHECK_KEY}.{field}: expected \"true\" or \"false\", got {other}"
        ))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn source_props() -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:111111111111:function:setup",
            "SourceBucket": "source-bucket", "SourceKmsKeyArn":
            "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-4333-8444-555555555555",
            "DestinationBucket": "replica-bucket", "DestinationAccountId": "222222222222",
            "DestinationKmsKeyArn":
            "arn:aws:kms:us-east-1:222222222222:key/11111111-2222-4333-8444-555555555555",
        })
    }

    fn update(new: Value, old: Value) -> Value {
        json!({
            "RequestType": "Update", "ResponseURL": "http://127.0.0.1/answer",
            "StackId": "arn:aws:cloudformation:us-east-1:111111111111:stack/s/1",
            "RequestId": "r1", "ResourceType": "Custom::ReplicationSource",
            "LogicalResourceId": "Replication", "PhysicalResourceId": "p1",
            "ResourceProperties": new, "OldResourceProperties": old,
        })
    }

    fn source(invocation: Invocation) -> Props<SourceProperties> {
        match invocation {
            Invocation::Resource(r) => match r.resource {
                Ok(Resource::Source(p)) => *p,
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    /// The rollback of an Update refused for its properties sends those as the old ones: the
    /// rollback goes on with the new (valid) properties, and the old ones' issues are kept,
    /// not dropped.
    #[test]
    fn old_properties_that_do_not_parse_are_kept_as_an_error_and_release_nothing() {
        let mut bad = source_props();
        bad["DestinationAccountId"] = json!("not-an-account");
        let p = source(Invocation::parse(update(source_props(), bad)).unwrap());
        assert!(p.new.is_ok());
        match &p.old {
            Old::Unparseable(e) => assert!(e.to_string().contains("DestinationAccountId"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(p.old().is_none());

        let p = source(Invocation::parse(update(source_props(), source_props())).unwrap());
        assert!(matches!(p.old, Old::Parsed(_)));
        assert!(p.old().is_some());
    }

    #[test]
    fn a_scheduled_check_keeps_its_names_when_its_properties_do_not_parse() {
        let payload = json!({SCHEDULED_CHECK_KEY: {
            "ResourceType": "Custom::ReplicationSource",
            "ResourceProperties": {"SourceBucket": "s", "DestinationBucket": "d", "RoleName": ""},
            "Liveness": "maybe",
        }});
        let Invocation::Scheduled(check) = Invocation::parse(payload).unwrap() else {
            panic!("not a scheduled check");
        };
        assert!(check.side.is_err());
        assert!(check.liveness.is_err());
        assert_eq!(
            (
                check.names.side,
                check.names.source_bucket.as_str(),
                check.names.destination_bucket.as_str()
            ),
            ("source", "s", "d")
        );
    }

    #[test]
    fn an_unknown_resource_type_is_a_failure_to_answer_with() {
        let mut request = update(source_props(), source_props());
        request["ResourceType"] = json!("Custom::Other");
        let Invocation::Resource(r) = Invocation::parse(request).unwrap() else {
            panic!("not a request");
        };
        assert!(r.resource.unwrap_err().contains("Custom::Other"));
    }
    #[test]
    fn the_liveness_flag_takes_the_templates_strings_and_names_a_bad_value() {
        for (v, want) in [
            (json!({}), false),
            (json!({"Liveness": ""}), false),
            (json!({"Liveness": "false"}), false),
            (json!({"Liveness": "true"}), true),
            (json!({"Liveness": true}), true),
        ] {
            assert_eq!(flag(&v, "Liveness").ok(), Some(want), "{v}");
        }
        let Err(Failure::Properties(why)) = flag(&json!({"Liveness": "yes"}), "Liveness") else {
            panic!("accepted");
        };
        assert!(why.contains("ScheduledCheck.Liveness"), "{why}");
    }

    #[test]
    fn a_templates_unset_optional_parameters_are_left_out() {
        let props = json!({"RoleName": "", "SourceBucket": "s", "Rules": [1]});
        assert_eq!(set_only(&props), json!({"SourceBucket": "s", "Rules": [1]}));
    }
}
