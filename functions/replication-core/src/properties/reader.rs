//! Reading a custom resource's property map: every problem collected as a [`PropertyIssue`]
//! that names the property and the fix, so that one FAILED answer lists them all.

use serde_json::{Map, Value};

use super::{PropertyIssue, SERVICE_TIMEOUT, SERVICE_TOKEN};
use crate::arn::ArnError;

/// Collects issues while reading a property map.
pub(super) struct Reader<'a> {
    pub(super) map: Option<&'a Map<String, Value>>,
    pub(super) context: String,
    pub(super) issues: Vec<PropertyIssue>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(value: &'a Value, context: &str, known: &[&str]) -> Self {
        let mut reader = Self {
            map: value.as_object(),
            context: context.to_owned(),
            issues: Vec::new(),
        };
        match reader.map {
            None => reader.issue(
                "",
                "not an object",
                "give the properties as a map of PascalCase names to values",
            ),
            Some(map) => {
                let unknown: Vec<&str> = map
                    .keys()
                    .map(String::as_str)
                    .filter(|k| ![SERVICE_TOKEN, SERVICE_TIMEOUT].contains(k) && !known.contains(k))
                    .collect();
                for name in unknown {
                    reader.issue(
                        name,
                        "unknown property",
                        &format!("remove it; accepted properties are {}", known.join(", ")),
                    );
                }
            }
        }
        reader
    }

    pub(super) fn name(&self, property: &str) -> String {
        match (self.context.is_empty(), property.is_empty()) {
            (true, _) => property.to_owned(),
            (false, true) => self.context.clone(),
            (false, false) => format!("{}.{property}", self.context),
        }
    }

    pub(super) fn issue(&mut self, property: &str, problem: &str, fix: &str) {
        let property = self.name(property);
        self.issues.push(PropertyIssue {
            property,
            problem: problem.to_owned(),
            fix: fix.to_owned(),
        });
    }

    pub(super) fn arn_issue(&mut self, property: &str, err: &ArnError) {
        let problem = format!("{} (got {:?})", err.problem, err.found);
        let fix = err.fix.clone();
        self.issue(property, &problem, &fix);
    }

    pub(super) fn get(&self, property: &str) -> Option<&'a Value> {
        self.map.and_then(|m| m.get(property))
    }

    pub(super) fn string(&mut self, property: &str, required: bool) -> Option<&'a str> {
        match self.get(property) {
            None | Some(Value::Null) => {
                if required {
                    self.issue(property, "missing", "this property is required");
                }
                None
            }
            Some(Value::String(s)) if s.is_empty() && required => {
                self.issue(property, "empty", "this property is required");
                None
            }
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                self.issue(property, "not a string", "give a string value");
                None
            }
        }
    }

    pub(super) fn parsed<T>(
        &mut self,
        property: &str,
        required: bool,
        parse: impl FnOnce(&str) -> Result<T, ArnError>,
    ) -> Option<T> {
        let s = self.string(property, required)?;
        match parse(s) {
            Ok(v) => Some(v),
            Err(e) => {
                self.arn_issue(property, &e);
                None
            }
        }
    }

    /// An optional property as [`Reader::parsed`] reads it, with empty text omitted: a template
    /// parameter is text, `""` when unset.
    pub(super) fn parsed_text<T>(
        &mut self,
        property: &str,
        parse: impl FnOnce(&str) -> Result<T, ArnError>,
    ) -> Option<T> {
        if self.get(property).and_then(Value::as_str) == Some("") {
            return None;
        }
        self.parsed(property, false, parse)
    }

    pub(super) fn boolean(&mut self, property: &str) -> Option<bool> {
        match self.get(property) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(_) => {
                self.issue(property, "not a boolean", "use true or false");
                None
            }
        }
    }

    pub(super) fn number(
        &mut self,
        property: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let value = match self.get(property) {
            None | Some(Value::Null) => return None,
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
            Some(_) => None,
        };
        match value.filter(|v| range.contains(v)) {
            Some(v) => Some(v),
            None => {
                let fix = format!(
                    "use a whole number from {} to {}",
                    range.start(),
                    range.end()
                );
                self.issue(property, "not a valid number", &fix);
                None
            }
        }
    }
}
