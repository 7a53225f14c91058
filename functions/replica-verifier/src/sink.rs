//! Publishing a [`MetricSet`]: EMF lines on stdout and/or `PutMetricData`.
//!
//! A failed `PutMetricData` call is logged with the metrics it carried, and those metrics are
//! then written as EMF lines, so that CloudWatch Logs still extracts them: nothing is lost
//! silently.

use std::io::Write;

use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use replication_core::metrics::{Datum, MetricSet, Unit, batch_datums};
use replication_core::verifier_config::SinkKind;

/// Where this function's metrics go.
#[derive(Debug, Clone)]
pub struct MetricsSink {
    kind: SinkKind,
    namespace: String,
    cloudwatch: Option<aws_sdk_cloudwatch::Client>,
}

impl MetricsSink {
    /// A sink of `kind`; `cloudwatch` is needed when the kind includes `cloudwatch`.
    pub fn new(
        kind: SinkKind,
        namespace: String,
        cloudwatch: Option<aws_sdk_cloudwatch::Client>,
    ) -> Self {
        Self {
            kind,
            namespace,
            cloudwatch,
        }
    }

    /// Publish `metrics`; returns the number of `PutMetricData` calls made.
    pub async fn publish(&self, metrics: &MetricSet, now_ms: i64) -> usize {
        if metrics.is_empty() {
            return 0;
        }
        if self.kind.emf() {
            write_emf(metrics, &self.namespace, now_ms);
        }
        let Some(cw) = self.cloudwatch.as_ref().filter(|_| self.kind.cloudwatch()) else {
            return 0;
        };
        let mut calls = 0;
        let mut failed = MetricSet::default();
        for batch in batch_datums(metrics.to_datums()) {
            calls += 1;
            let request = cw
                .put_metric_data()
                .namespace(&self.namespace)
                .set_metric_data(Some(batch.iter().map(to_sdk).collect()));
            if let Err(e) = request.send().await {
                let carried: Vec<String> = batch.iter().map(describe).collect();
                tracing::error!(
                    error = %aws_sdk_cloudwatch::error::DisplayErrorContext(&e),
                    metrics = ?carried,
                    "PutMetricData failed; writing these metrics as EMF instead"
                );
                for d in &batch {
                    readd(&mut failed, d);
                }
            }
        }
        if !failed.is_empty() && !self.kind.emf() {
            write_emf(&failed, &self.namespace, now_ms);
        }
        calls
    }
}

fn write_emf(metrics: &MetricSet, namespace: &str, now_ms: i64) {
    let mut out = std::io::stdout().lock();
    for doc in metrics.to_emf(namespace, now_ms) {
        let _ = writeln!(out, "{doc}");
    }
    let _ = out.flush();
}

fn describe(d: &Datum) -> String {
    let dims: Vec<String> = d
        .dimensions
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    match d.value {
        Some(v) => format!("{}[{}]={v}", d.name, dims.join(",")),
        None => format!(
            "{}[{}]={} samples",
            d.name,
            dims.join(","),
            d.counts.iter().sum::<f64>()
        ),
    }
}

fn readd(set: &mut MetricSet, d: &Datum) {
    let dims: Vec<(&str, &str)> = d
        .dimensions
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    match d.value {
        Some(v) => set.add_count(&d.name, &dims, v),
        None => {
            for (v, n) in d.values.iter().zip(&d.counts) {
                for _ in 0..(*n as u64) {
                    set.add_millis(&d.name, &dims, *v as i64);
                }
            }
        }
    }
}

fn to_sdk(d: &Datum) -> MetricDatum {
    let unit = match d.unit {
        Unit::Count => StandardUnit::Count,
        Unit::Milliseconds => StandardUnit::Milliseconds,
    };
    MetricDatum::builder()
        .metric_name(&d.name)
        .unit(unit)
        .set_dimensions(Some(
            d.dimensions
                .iter()
                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_value(d.value)
        .set_values((!d.values.is_empty()).then(|| d.values.clone()))
        .set_counts((!d.counts.is_empty()).then(|| d.counts.clone()))
        .build()
}
