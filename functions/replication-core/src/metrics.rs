//! Metrics: aggregation per invocation, and the two sinks' wire shapes.
//!
//! A [`MetricSet`] accumulates counts and millisecond samples under `(name, dimensions)`.
//! It then renders as:
//!
//! - [`MetricSet::to_emf`]: CloudWatch Embedded Metric Format documents, one JSON line each,
//!   within the specification's limits: at most [`EMF_MAX_METRICS`] metrics per directive,
//!   [`EMF_MAX_DIMENSIONS`] dimensions per set and [`EMF_MAX_VALUES`] values per array;
//! - [`MetricSet::to_datums`] and [`batch_datums`]: `PutMetricData` datums and requests within
//!   the API's limits: [`PUT_MAX_VALUES`] distinct values per datum, [`PUT_MAX_DATUMS`] datums
//!   and [`PUT_MAX_BYTES`] bytes per request. A normal batch is one request.
//!
//! ```
//! use replication_core::metrics::MetricSet;
//! let mut m = MetricSet::default();
//! m.add_count("ReplicasVerified", &[("DestinationBucket", "dst")], 3.0);
//! let emf = m.to_emf("S3KmsReplication", 0);
//! assert_eq!(emf[0]["ReplicasVerified"], 3.0);
//! ```

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};

/// EMF: metrics per `CloudWatchMetrics` directive.
pub const EMF_MAX_METRICS: usize = 100;
/// EMF: dimensions per dimension set.
pub const EMF_MAX_DIMENSIONS: usize = 30;
/// EMF: values per metric array.
pub const EMF_MAX_VALUES: usize = 100;
/// PutMetricData: datums per request.
pub const PUT_MAX_DATUMS: usize = 1000;
/// PutMetricData: distinct values per datum (`Values`/`Counts`).
pub const PUT_MAX_VALUES: usize = 150;
/// PutMetricData: request size (1 MB), less headroom for the envelope and namespace.
pub const PUT_MAX_BYTES: usize = 1_000_000 - 4_096;

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Unit {
    /// A count.
    Count,
    /// Milliseconds.
    Milliseconds,
}

impl Unit {
    /// The CloudWatch spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

type Dims = Vec<(String, String)>;

/// A metric's name, unit and its EMF value chunks (a number, or arrays of at most 100).
type EmfMetric<'a> = (&'a str, Unit, Vec<Value>);

#[derive(Debug, Clone, PartialEq)]
enum Series {
    Count(f64),
    /// value (ms) -> how many times it was seen
    Samples(BTreeMap<i64, u64>),
}

/// Metrics of one invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricSet {
    entries: BTreeMap<(String, Dims), (Unit, Series)>,
}

/// One `PutMetricData` datum, SDK-independent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Datum {
    /// Metric name.
    pub name: String,
    /// Unit.
    pub unit: Unit,
    /// Dimension name/value pairs.
    pub dimensions: Vec<(String, String)>,
    /// A single value (counts).
    pub value: Option<f64>,
    /// Distinct values (samples), with…
    pub values: Vec<f64>,
    /// …how often each was seen.
    pub counts: Vec<f64>,
}

fn dims(d: &[(&str, &str)]) -> Dims {
    d.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl MetricSet {
    /// Add `n` to a count metric (creating it at `n`; `n = 0.0` makes sure it is published).
    pub fn add_count(&mut self, name: &str, dimensions: &[(&str, &str)], n: f64) {
        let entry = self
            .entries
            .entry((name.to_owned(), dims(dimensions)))
            .or_insert((Unit::Count, Series::Count(0.0)));
        if let Series::Count(c) = &mut entry.1 {
            *c += n;
        }
    }

    /// Record one millisecond sample (negative values, from clock skew, count as 0).
    pub fn add_millis(&mut self, name: &str, dimensions: &[(&str, &str)], ms: i64) {
        let entry = self
            .entries
            .entry((name.to_owned(), dims(dimensions)))
            .or_insert((Unit::Milliseconds, Series::Samples(BTreeMap::new())));
        if let Series::Samples(s) = &mut entry.1 {
            *s.entry(ms.max(0)).or_insert(0) += 1;
        }
    }

    /// The count recorded under `name` and `dimensions` (0 when absent; samples count).
    pub fn count(&self, name: &str, dimensions: &[(&str, &str)]) -> f64 {
        match self.entries.get(&(name.to_owned(), dims(dimensions))) {
            Some((_, Series::Count(c))) => *c,
            Some((_, Series::Samples(s))) => s.values().sum::<u64>() as f64,
            None => 0.0,
        }
    }

    /// How many distinct `(name, dimensions)` metrics there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Render as EMF documents (one per line on stdout), timestamped `timestamp_ms`.
    pub fn to_emf(&self, namespace: &str, timestamp_ms: i64) -> Vec<Value> {
        // Group by dimension set: dimension values are top-level members of a document.
        let mut groups: BTreeMap<&Dims, Vec<EmfMetric<'_>>> = BTreeMap::new();
        for ((name, d), (unit, series)) in &self.entries {
            let chunks = match series {
                Series::Count(c) => vec![json!(c)],
                Series::Samples(s) => {
                    let all: Vec<i64> = s
                        .iter()
                        .flat_map(|(v, n)| std::iter::repeat_n(*v, *n as usize))
                        .collect();
                    all.chunks(EMF_MAX_VALUES).map(|c| json!(c)).collect()
                }
            };
            groups.entry(d).or_default().push((name, *unit, chunks));
        }
        let mut docs = Vec::new();
        for (d, metrics) in groups {
            let keys: Vec<&str> = d
                .iter()
                .take(EMF_MAX_DIMENSIONS)
                .map(|(k, _)| k.as_str())
                .collect();
            let rounds = metrics.iter().map(|m| m.2.len()).max().unwrap_or(0);
            for round in 0..rounds {
                let present: Vec<(&str, Unit, &Value)> = metrics
                    .iter()
                    .filter_map(|(n, u, chunks)| chunks.get(round).map(|c| (*n, *u, c)))
                    .collect();
                for part in present.chunks(EMF_MAX_METRICS) {
                    let mut doc = Map::new();
                    let defs: Vec<Value> = part
                        .iter()
                        .map(|(n, u, _)| json!({"Name": n, "Unit": u.as_str()}))
                        .collect();
                    doc.insert(
                        "_aws".into(),
                        json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": [{
                            "Namespace": namespace, "Dimensions": [keys], "Metrics": defs}]}),
                    );
                    for (k, v) in d.iter().take(EMF_MAX_DIMENSIONS) {
                        doc.insert(k.clone(), json!(v));
                    }
                    for (n, _, v) in part {
                        doc.insert((*n).to_owned(), (*v).clone());
                    }
                    docs.push(Value::Object(doc));
                }
            }
        }
        docs
    }

    /// Render as `PutMetricData` datums: one per count; samples as `Values`/`Counts`, split
    /// at [`PUT_MAX_VALUES`] distinct values.
    pub fn to_datums(&self) -> Vec<Datum> {
        let mut out = Vec::new();
        for ((name, d), (unit, series)) in &self.entries {
            match series {
                Series::Count(c) => out.push(Datum {
                    name: name.clone(),
                    unit: *unit,
                    dimensions: d.clone(),
                    value: Some(*c),
                    values: Vec::new(),
                    counts: Vec::new(),
                }),
                Series::Samples(s) => {
                    let pairs: Vec<(i64, u64)> = s.iter().map(|(v, n)| (*v, *n)).collect();
                    for chunk in pairs.chunks(PUT_MAX_VALUES) {
                        out.push(Datum {
                            name: name.clone(),
                            unit: *unit,
                            dimensions: d.clone(),
                            value: None,
                            values: chunk.iter().map(|(v, _)| *v as f64).collect(),
                            counts: chunk.iter().map(|(_, n)| *n as f64).collect(),
                        });
                    }
                }
            }
        }
        out
    }
}

/// A conservative size of `d` on the wire (its JSON length; the CBOR the SDK sends is smaller).
pub fn datum_size(d: &Datum) -> usize {
    serde_json::to_vec(d)
        .map(|v| v.len())
        .unwrap_or(usize::MAX / 2)
        + 64
}

/// Split datums into `PutMetricData` requests of at most [`PUT_MAX_DATUMS`] datums and
/// [`PUT_MAX_BYTES`] bytes, in order.
pub fn batch_datums(datums: Vec<Datum>) -> Vec<Vec<Datum>> {
    let mut batches: Vec<Vec<Datum>> = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for d in datums {
        let size = datum_size(&d);
        if !current.is_empty() && (current.len() == PUT_MAX_DATUMS || bytes + size > PUT_MAX_BYTES)
        {
            batches.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(d);
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_emf_limits(doc: &Value) {
        let directives = doc["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        for d in directives {
            let metrics = d["Metrics"].as_array().unwrap();
            assert!(metrics.len() <= EMF_MAX_METRICS);
            for set in d["Dimensions"].as_array().unwrap() {
                let set = set.as_array().unwrap();
                assert!(set.len() <= EMF_MAX_DIMENSIONS);
                for key in set {
                    assert!(
                        doc.get(key.as_str().unwrap()).is_some(),
                        "dimension value missing"
                    );
                }
            }
            for m in metrics {
                let v = &doc[m["Name"].as_str().unwrap()];
                assert!(v.is_number() || v.as_array().is_some_and(|a| a.len() <= EMF_MAX_VALUES));
            }
        }
        assert!(doc["_aws"]["Timestamp"].is_i64());
    }

    #[test]
    fn emf_document_carries_namespace_dimensions_and_values() {
        let mut m = MetricSet::default();
        m.add_count("ReplicasVerified", &[("DestinationBucket", "dst")], 2.0);
        m.add_count("ReplicaWrongKey", &[("DestinationBucket", "dst")], 0.0);
        let docs = m.to_emf("NS", 1_700_000_000_000);
        assert_eq!(docs.len(), 1);
        let d = &docs[0];
        assert_eq!(d["_aws"]["CloudWatchMetrics"][0]["Namespace"], "NS");
        assert_eq!(
            d["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["DestinationBucket"]])
        );
        assert_eq!(d["DestinationBucket"], "dst");
        assert_eq!(d["ReplicasVerified"], 2.0);
        assert_eq!(d["ReplicaWrongKey"], 0.0);
        check_emf_limits(d);
    }

    #[test]
    fn emf_splits_at_100_metrics_and_100_values() {
        let mut m = MetricSet::default();
        for i in 0..250 {
            m.add_count(&format!("M{i:03}"), &[("DestinationBucket", "dst")], 1.0);
        }
        for i in 0..1000 {
            m.add_millis(
                "ReplicaVerificationDelay",
                &[("DestinationBucket", "dst")],
                i,
            );
        }
        let docs = m.to_emf("NS", 0);
        docs.iter().for_each(check_emf_limits);
        // 251 metrics in round 0 -> 3 documents; 9 more rounds of delay values.
        assert_eq!(docs.len(), 3 + 9);
        let values: usize = docs
            .iter()
            .filter_map(|d| d["ReplicaVerificationDelay"].as_array())
            .map(Vec::len)
            .sum();
        assert_eq!(values, 1000);
        let counted: usize = docs
            .iter()
            .map(|d| {
                d["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                    .as_array()
                    .unwrap()
                    .len()
            })
            .sum();
        assert_eq!(counted, 250 + 10);
    }

    #[test]
    fn emf_separates_dimension_sets_into_documents() {
        let mut m = MetricSet::default();
        m.add_count("ReplicationFailed", &[("DestinationBucket", "dst")], 1.0);
        m.add_count(
            "ReplicationFailed",
            &[
                ("SourceBucket", "src"),
                ("RuleId", "r"),
                ("FailureReason", "DstKmsKeyNotFound"),
            ],
            1.0,
        );
        let docs = m.to_emf("NS", 0);
        assert_eq!(docs.len(), 2);
        docs.iter().for_each(check_emf_limits);
        assert!(
            docs.iter()
                .any(|d| d["FailureReason"] == "DstKmsKeyNotFound")
        );
    }

    #[test]
    fn samples_become_values_and_counts_split_at_150() {
        let mut m = MetricSet::default();
        for i in 0..151 {
            m.add_millis("Delay", &[], i);
            m.add_millis("Delay", &[], i);
        }
        let datums = m.to_datums();
        assert_eq!(datums.len(), 2);
        assert_eq!(datums[0].values.len(), 150);
        assert_eq!(datums[1].values.len(), 1);
        assert!(datums[0].counts.iter().all(|c| *c == 2.0));
        let mut exactly = MetricSet::default();
        (0..150).for_each(|i| exactly.add_millis("Delay", &[], i));
        assert_eq!(exactly.to_datums().len(), 1);
    }

    fn counts(n: usize) -> Vec<Datum> {
        let mut m = MetricSet::default();
        for i in 0..n {
            m.add_count(&format!("M{i:05}"), &[("DestinationBucket", "dst")], 1.0);
        }
        m.to_datums()
    }

    #[test]
    fn put_metric_data_batches_split_exactly_at_1000_datums() {
        assert_eq!(batch_datums(counts(1)).len(), 1);
        assert_eq!(batch_datums(counts(1000)).len(), 1);
        let b = batch_datums(counts(1001));
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![1000, 1]);
        assert!(batch_datums(Vec::new()).is_empty());
    }

    #[test]
    fn put_metric_data_batches_split_at_the_byte_limit() {
        // 900 datums of ~2 KB each cannot share one 1 MB request.
        let mut m = MetricSet::default();
        let long = "v".repeat(1900);
        for i in 0..900 {
            m.add_count("Big", &[("K", &format!("{long}{i:04}"))], 1.0);
        }
        let batches = batch_datums(m.to_datums());
        assert!(batches.len() >= 2);
        for b in &batches {
            assert!(b.iter().map(datum_size).sum::<usize>() <= PUT_MAX_BYTES);
            assert!(b.len() <= PUT_MAX_DATUMS);
        }
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 900);
    }

    #[test]
    fn zero_counts_are_published_and_counts_accumulate() {
        let mut m = MetricSet::default();
        m.add_count("ReplicaMissing", &[("DestinationBucket", "d")], 0.0);
        m.add_count("ReplicasVerified", &[("DestinationBucket", "d")], 1.0);
        m.add_count("ReplicasVerified", &[("DestinationBucket", "d")], 1.0);
        assert_eq!(
            m.count("ReplicasVerified", &[("DestinationBucket", "d")]),
            2.0
        );
        let datums = m.to_datums();
        assert!(
            datums
                .iter()
                .any(|d| d.name == "ReplicaMissing" && d.value == Some(0.0))
        );
    }
}
