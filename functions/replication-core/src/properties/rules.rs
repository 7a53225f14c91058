//! The source's `Rules`: one replication rule each, parsed and checked.

use std::collections::HashSet;

use serde_json::Value;

use super::PropertyIssue;
use super::Reader;
use crate::arn::BucketName;

/// The tag by which the project knows a role it created (and may delete). Here, below the plan
/// that writes it, because `RoleTags` refuses it.
pub const ROLE_MANAGED_TAG: &str = "s3-kms-replication:managed";

/// IAM allows 50 tags on a role (IAM User Guide, "IAM and AWS STS quotas"); one of them is
/// [`ROLE_MANAGED_TAG`].
pub const ROLE_TAGS_MAX: usize = 49;

/// Storage classes a replication rule may name for replicas.
pub const STORAGE_CLASSES: [&str; 9] = [
    "STANDARD",
    "REDUCED_REDUNDANCY",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "DEEP_ARCHIVE",
    "GLACIER_IR",
    "OUTPOSTS",
];

/// One entry of `Rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProperties {
    /// `Id`: the rule's ID in S's replication configuration (1 to 255 characters).
    pub id: String,
    /// `Priority`; defaults to the rule's position in `Rules`, counting from 1.
    pub priority: i32,
    /// Whether `Priority` was given. A defaulted priority that another rule on the source
    /// bucket already uses is moved to the next free one
    /// ([`crate::plan::settle_default_priorities`]); a given one is kept, or refused.
    pub priority_given: bool,
    /// `Prefix`: replicate only keys with this prefix.
    pub prefix: Option<String>,
    /// `Tags`: replicate only objects with all these tags, as (key, value) in the given order.
    pub tags: Vec<(String, String)>,
    /// `DeleteMarkerReplication` (default false).
    pub delete_marker_replication: bool,
    /// `StorageClass` of the replicas; `None` keeps the source's class.
    pub storage_class: Option<String>,
}

impl RuleProperties {
    /// Accepted keys of a rule.
    pub const NAMES: [&'static str; 6] = [
        "Id",
        "Priority",
        "Prefix",
        "Tags",
        "DeleteMarkerReplication",
        "StorageClass",
    ];

    /// The rule used when `Rules` is omitted: the whole bucket, priority 1 (or the next free
    /// one, see [`crate::plan::settle_default_priorities`]).
    #[must_use]
    pub fn whole_bucket(destination_bucket: &BucketName) -> Self {
        Self {
            id: format!("s3-kms-replication-to-{destination_bucket}"),
            priority: 1,
            priority_given: false,
            prefix: None,
            tags: Vec::new(),
            delete_marker_replication: false,
            storage_class: None,
        }
    }

    pub(super) fn parse(
        value: &Value,
        index: usize,
        issues: &mut Vec<PropertyIssue>,
    ) -> Option<Self> {
        let mut r = Reader::new(value, &format!("Rules[{index}]"), &Self::NAMES);
        let id = r.string("Id", true).map(str::to_owned);
        if let Some(id) = &id
            && id.chars().count() > 255
        {
            r.issue("Id", "longer than 255 characters", "shorten the rule Id");
        }
        let default_priority = i32::try_from(index + 1).unwrap_or(i32::MAX);
        let given = r
            .number("Priority", 0..=i64::from(i32::MAX))
            .and_then(|p| i32::try_from(p).ok());
        let priority = given.unwrap_or(default_priority);
        let prefix = r.string("Prefix", false).map(str::to_owned);
        if prefix.as_ref().is_some_and(|p| p.len() > 1024) {
            r.issue("Prefix", "longer than 1024 bytes", "shorten the prefix");
        }
        let tags = parse_tags(&mut r);
        let delete_marker_replication = r.boolean("DeleteMarkerReplication").unwrap_or(false);
        if delete_marker_replication && !tags.is_empty() {
            r.issue(
                "DeleteMarkerReplication",
                "S3 does not replicate delete markers for rules that filter on tags",
                "set DeleteMarkerReplication to false, or filter by Prefix only",
            );
        }
        let storage_class = r.string("StorageClass", false).map(str::to_owned);
        if let Some(class) = &storage_class
            && !STORAGE_CLASSES.contains(&class.as_str())
        {
            r.issue(
                "StorageClass",
                &format!("unknown storage class {class:?}"),
                &format!("use one of {}", STORAGE_CLASSES.join(", ")),
            );
        }
        issues.append(&mut r.issues);
        Some(Self {
            id: id?,
            priority,
            priority_given: given.is_some(),
            prefix,
            tags,
            delete_marker_replication,
            storage_class,
        })
    }
}

pub(super) fn parse_tags(r: &mut Reader<'_>) -> Vec<(String, String)> {
    let value = r.get("Tags");
    parse_tag_value(r, "Tags", value, TagRules::S3Object)
}

/// Which service's tag rules a tag list must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TagRules {
    /// S3 object tags, as a rule's filter names them.
    S3Object,
    /// IAM tags on the replication role (IAM User Guide, "Tagging IAM resources", "Rules for
    /// tagging"): keys of 1 to 128 and values of up to 256 letters, digits, spaces and
    /// `_.:/=+-@`; keys unique regardless of case and never `aws:...`; at most 50 per role, one
    /// of which is the project's own [`ROLE_MANAGED_TAG`].
    IamRole,
}

fn is_iam_tag_text(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

/// A tag list given as `[{"Key": .., "Value": ..}, ..]` or as `{"k": "v", ..}` under
/// `property`, checked against `rules`.
pub(super) fn parse_tag_value(
    r: &mut Reader<'_>,
    property: &str,
    value: Option<&Value>,
    rules: TagRules,
) -> Vec<(String, String)> {
    let fix = format!(
        "give {property} as [{{\"Key\": \"k\", \"Value\": \"v\"}}, ...] or as {{\"k\": \"v\", ...}}"
    );
    let fix = fix.as_str();
    let pairs: Vec<(String, String)> = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Object(map)) => {
            let mut out = Vec::new();
            for (k, v) in map {
                match v.as_str() {
                    Some(v) => out.push((k.clone(), v.to_owned())),
                    None => r.issue(property, &format!("tag {k:?} has a non-string value"), fix),
                }
            }
            out
        }
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let key = item.get("Key").and_then(Value::as_str);
                let value = item.get("Value").and_then(Value::as_str);
                let extra = item
                    .as_object()
                    .is_some_and(|m| m.keys().any(|k| k != "Key" && k != "Value"));
                match (key, value, extra) {
                    (Some(k), Some(v), false) => out.push((k.to_owned(), v.to_owned())),
                    _ => r.issue(&format!("{property}[{i}]"), "not a {Key, Value} pair", fix),
                }
            }
            out
        }
        Some(_) => {
            r.issue(property, "neither a list nor a map", fix);
            return Vec::new();
        }
    };
    let mut seen = HashSet::new();
    for (k, v) in &pairs {
        let sized = !k.is_empty() && k.chars().count() <= 128 && v.chars().count() <= 256;
        match rules {
            TagRules::S3Object if !sized => r.issue(
                property,
                &format!("tag {k:?} is not a valid S3 tag"),
                "use keys of 1 to 128 and values of up to 256 characters",
            ),
            TagRules::IamRole if !sized || !is_iam_tag_text(k) || !is_iam_tag_text(v) => r.issue(
                property,
                &format!("tag {k:?} is not a valid IAM tag"),
                "use keys of 1 to 128 and values of up to 256 characters, each a letter, digit, space or one of _.:/=+-@",
            ),
            TagRules::IamRole if k.to_ascii_lowercase().starts_with("aws:") => r.issue(
                property,
                &format!("tag {k:?} uses the prefix aws:, which AWS reserves"),
                "choose a key that does not start with aws:",
            ),
            TagRules::IamRole if k.eq_ignore_ascii_case(ROLE_MANAGED_TAG) => r.issue(
                property,
                &format!("tag {k:?} is the tag by which s3-kms-replication knows the roles it created"),
                "remove it; the function sets it on the roles it creates",
            ),
            _ => {}
        }
        let unique_key = match rules {
            TagRules::S3Object => k.clone(),
            TagRules::IamRole => k.to_lowercase(),
        };
        if !seen.insert(unique_key) {
            r.issue(
                property,
                &format!("tag key {k:?} appears twice"),
                "list each tag key once",
            );
        }
    }
    if rules == TagRules::IamRole && pairs.len() > ROLE_TAGS_MAX {
        r.issue(
            property,
            &format!(
                "{} tags; IAM allows 50 on a role, one of which s3-kms-replication sets",
                pairs.len()
            ),
            &format!("give at most {} tags", ROLE_TAGS_MAX),
        );
    }
    pairs
}

pub(super) fn check_unique_rules(rules: &[RuleProperties], issues: &mut Vec<PropertyIssue>) {
    let mut ids = HashSet::new();
    let mut priorities = HashSet::new();
    for (i, rule) in rules.iter().enumerate() {
        if !ids.insert(rule.id.as_str()) {
            issues.push(PropertyIssue {
                property: format!("Rules[{i}].Id"),
                problem: format!("rule Id {:?} is used twice", rule.id),
                fix: "give each rule its own Id".to_owned(),
            });
        }
        if !priorities.insert(rule.priority) {
            issues.push(PropertyIssue {
                property: format!("Rules[{i}].Priority"),
                problem: format!(
                    "priority {} is used twice; S3 rejects rules of equal priority",
                    rule.priority
                ),
                fix: "give each rule its own Priority".to_owned(),
            });
        }
    }
}
