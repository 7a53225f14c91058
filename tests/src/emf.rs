//! CloudWatch Logs' extraction of embedded metric format (EMF) lines, as our emulator lacks it:
//! a function's EMF lines become `PutMetricData` calls on the emulator's CloudWatch, so that a
//! test (or the demo's dashboard) reads the metric back as an alarm would.
//!
//! Modelled on the specification (CloudWatch User Guide, "Specification: Embedded metric
//! format",
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//! - a log line is a JSON object whose root member `_aws` holds `Timestamp` (epoch ms) and
//!   `CloudWatchMetrics`, an array of directives `{Namespace, Dimensions, Metrics}`;
//! - `Dimensions` is an array of dimension sets, each an array of member names whose values
//!   are strings at the root; each set gives one datum per metric;
//! - each metric `{Name, Unit?}` takes its value from the root member `Name`: a number, or an
//!   array of up to 100 numbers;
//! - a line that fails validation is not extracted (CloudWatch Logs keeps it as a log line
//!   only): here it is reported as an error, so that a test notices.

use anyhow::{Context, bail};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use serde_json::Value;

/// One metric extracted from an EMF line.
#[derive(Debug, Clone, PartialEq)]
pub struct Extracted {
    /// The namespace.
    pub namespace: String,
    /// The metric's name.
    pub name: String,
    /// Dimension name and value pairs, in the directive's order.
    pub dimensions: Vec<(String, String)>,
    /// The values.
    pub values: Vec<f64>,
    /// Its unit (`None` when the directive gives none).
    pub unit: Option<String>,
    /// The line's timestamp, epoch ms.
    pub timestamp_ms: i64,
}

/// The metrics in one line; empty for a line that is not EMF (no `_aws` member).
///
/// # Errors
/// When the line claims to be EMF but breaks the specification.
pub fn extract(line: &str) -> anyhow::Result<Vec<Extracted>> {
    let Ok(doc) = serde_json::from_str::<Value>(line) else {
        return Ok(Vec::new());
    };
    let Some(aws) = doc.get("_aws") else {
        return Ok(Vec::new());
    };
    let timestamp_ms = aws["Timestamp"]
        .as_i64()
        .context("EMF: _aws.Timestamp is not a number")?;
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .context("EMF: _aws.CloudWatchMetrics is not an array")?;
    let mut out = Vec::new();
    for d in directives {
        let namespace = d["Namespace"]
            .as_str()
            .context("EMF: a directive has no Namespace")?;
        let sets = d["Dimensions"]
            .as_array()
            .context("EMF: a directive has no Dimensions")?;
        let metrics = d["Metrics"]
            .as_array()
            .context("EMF: a directive has no Metrics")?;
        for set in sets {
            let names = set
                .as_array()
                .context("EMF: a dimension set is not an array")?;
            if names.len() > 30 {
                bail!("EMF: a dimension set has more than 30 dimensions");
            }
            let dimensions = names
                .iter()
                .map(|n| {
                    let n = n
                        .as_str()
                        .context("EMF: a dimension name is not a string")?;
                    let v = doc[n].as_str().with_context(|| {
                        format!("EMF: dimension {n} has no string value at the root")
                    })?;
                    Ok((n.to_owned(), v.to_owned()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            for m in metrics {
                let name = m["Name"].as_str().context("EMF: a metric has no Name")?;
                let values = match &doc[name] {
                    Value::Number(n) => vec![n.as_f64().unwrap_or_default()],
                    Value::Array(a) if a.len() <= 100 => a
                        .iter()
                        .map(|v| v.as_f64().context("EMF: a value is not a number"))
                        .collect::<anyhow::Result<_>>()?,
                    other => bail!("EMF: metric {name} has no numeric value at the root: {other}"),
                };
                out.push(Extracted {
                    namespace: namespace.to_owned(),
                    name: name.to_owned(),
                    dimensions: dimensions.clone(),
                    values,
                    unit: m["Unit"].as_str().map(str::to_owned),
                    timestamp_ms,
                });
            }
        }
    }
    Ok(out)
}

/// Extract the metrics of every EMF line in `lines` and put them into `cloudwatch` (one
/// `PutMetricData` per metric); how many metrics were put.
///
/// # Errors
/// When a line breaks the specification or CloudWatch refuses.
pub async fn ship(
    lines: &[String],
    cloudwatch: &aws_sdk_cloudwatch::Client,
) -> anyhow::Result<usize> {
    let mut n = 0;
    for line in lines {
        for m in extract(line)? {
            let datum = MetricDatum::builder()
                .metric_name(&m.name)
                .set_dimensions(Some(
                    m.dimensions
                        .iter()
                        .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                        .collect(),
                ))
                .set_values(Some(m.values.clone()))
                .set_unit(m.unit.as_deref().map(StandardUnit::from))
                .timestamp(DateTime::from_millis(m.timestamp_ms))
                .build();
            cloudwatch
                .put_metric_data()
                .namespace(&m.namespace)
                .metric_data(datum)
                .send()
                .await
                .with_context(|| format!("PutMetricData {}/{}", m.namespace, m.name))?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_gives_one_datum_per_dimension_set_and_metric() {
        let line = r#"{"_aws": {"Timestamp": 1000, "CloudWatchMetrics": [{"Namespace": "N",
            "Dimensions": [["Side", "Bucket"], ["Bucket"]],
            "Metrics": [{"Name": "Findings", "Unit": "Count"}, {"Name": "Delay"}]}]},
            "Side": "source", "Bucket": "b", "Findings": 2, "Delay": [1, 2]}"#;
        let got = extract(line).unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].name, "Findings");
        assert_eq!(
            got[0].dimensions,
            [
                ("Side".to_owned(), "source".to_owned()),
                ("Bucket".to_owned(), "b".to_owned())
            ]
        );
        assert_eq!(got[1].values, [1.0, 2.0]);
        assert_eq!(got[1].unit, None);
        assert_eq!(got[2].dimensions, [("Bucket".to_owned(), "b".to_owned())]);
    }

    #[test]
    fn plain_log_lines_are_not_metrics_and_broken_emf_is_an_error() {
        assert!(extract(r#"{"message": "hello"}"#).unwrap().is_empty());
        assert!(extract("not json").unwrap().is_empty());
        let missing_dimension = r#"{"_aws": {"Timestamp": 1, "CloudWatchMetrics": [{"Namespace": "N",
            "Dimensions": [["Side"]], "Metrics": [{"Name": "M"}]}]}, "M": 1}"#;
        assert!(extract(missing_dimension).is_err());
    }
}
