//! Metrics read back from CloudWatch, as the alarms name them.

use std::time::Duration;

use super::World;

impl World {
    /// For each of `metrics` in `namespace` with `DestinationBucket` = D: the number of
    /// datapoints and their Sum, over the last and next ten minutes (read with GetMetricData).
    ///
    /// # Errors
    /// When CloudWatch fails.
    pub async fn destination_metric_sums(
        &self,
        namespace: &str,
        metrics: &[&str],
    ) -> anyhow::Result<Vec<(usize, f64)>> {
        let dimensions = [("DestinationBucket", self.destination_bucket.as_str())];
        let queries: Vec<MetricQuery<'_>> = metrics
            .iter()
            .map(|name| MetricQuery {
                namespace,
                name,
                dimensions: &dimensions,
                stat: "Sum",
            })
            .collect();
        Ok(metric_values(&self.b.cloudwatch, &queries)
            .await?
            .into_iter()
            .map(|v| (v.len(), v.iter().sum()))
            .collect())
    }
}

/// One metric to read back, as an alarm names it.
#[derive(Debug, Clone, Copy)]
pub struct MetricQuery<'a> {
    /// The namespace.
    pub namespace: &'a str,
    /// The metric's name.
    pub name: &'a str,
    /// Its dimensions, all of them (CloudWatch matches the full set).
    pub dimensions: &'a [(&'a str, &'a str)],
    /// The statistic, such as `Sum` or `Maximum`.
    pub stat: &'a str,
}

/// The datapoints of each query, at a 60 s period over the last and next ten minutes, in one
/// GetMetricData call.
///
/// # Errors
/// When CloudWatch fails.
pub async fn metric_values(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    queries: &[MetricQuery<'_>],
) -> anyhow::Result<Vec<Vec<f64>>> {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
    let now = std::time::SystemTime::now();
    let mut request = cloudwatch
        .get_metric_data()
        .start_time(DateTime::from(now - Duration::from_secs(600)))
        .end_time(DateTime::from(now + Duration::from_secs(600)));
    for (i, q) in queries.iter().enumerate() {
        let metric = Metric::builder()
            .namespace(q.namespace)
            .metric_name(q.name)
            .set_dimensions(Some(
                q.dimensions
                    .iter()
                    .map(|(k, v)| Dimension::builder().name(*k).value(*v).build())
                    .collect(),
            ))
            .build();
        let stat = MetricStat::builder()
            .metric(metric)
            .period(60)
            .stat(q.stat)
            .build();
        request = request.metric_data_queries(
            MetricDataQuery::builder()
                .id(format!("m{i}"))
                .metric_stat(stat)
                .build(),
        );
    }
    let data = request.send().await?;
    Ok((0..queries.len())
        .map(|i| {
            data.metric_data_results()
                .iter()
                .find(|r| r.id() == Some(format!("m{i}").as_str()))
                .map(|r| r.values().to_vec())
                .unwrap_or_default()
        })
        .collect())
}
