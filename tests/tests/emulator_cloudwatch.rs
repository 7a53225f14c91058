//! Emulator gap (a): aws-sdk-cloudwatch speaks rpcv2Cbor, which plain moto 5.2.5 answers with
//! 404 (moto#9195). Our bridge must serve the calls the verifier, the alarms and the
//! dashboard use, with correct numbers, per account.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricDataQuery, MetricDatum, MetricStat, StandardUnit,
    Statistic, StatisticSet,
};
use e2e_tests::accounts::Account;
use e2e_tests::emulator::Emulator;
use e2e_tests::unique_name;

fn dim(name: &str, value: &str) -> Dimension {
    Dimension::builder().name(name).value(value).build()
}

#[tokio::test]
async fn put_metric_data_with_values_counts_and_statistic_sets_reads_back_exactly() {
    let b = Account::B
        .connect(Emulator::shared().unwrap())
        .await
        .unwrap();
    let ns = unique_name("Replication/Test");
    let now = std::time::SystemTime::now();
    let ts = DateTime::from(now);
    let bucket = dim("DestinationBucket", "dst");

    // GIVEN values+counts, a statistic set and a single value for one metric and dimension set
    b.cloudwatch
        .put_metric_data()
        .namespace(&ns)
        .metric_data(
            MetricDatum::builder()
                .metric_name("ReplicasVerified")
                .dimensions(bucket.clone())
                .timestamp(ts)
                .values(1.0)
                .values(2.0)
                .counts(3.0)
                .counts(1.0)
                .unit(StandardUnit::Count)
                .storage_resolution(60)
                .build(),
        )
        .metric_data(
            MetricDatum::builder()
                .metric_name("ReplicasVerified")
                .dimensions(bucket.clone())
                .timestamp(ts)
                .statistic_values(
                    StatisticSet::builder()
                        .sample_count(4.0)
                        .sum(20.0)
                        .minimum(2.0)
                        .maximum(8.0)
                        .build(),
                )
                .unit(StandardUnit::Count)
                .build(),
        )
        .metric_data(
            MetricDatum::builder()
                .metric_name("ReplicasVerified")
                .dimensions(bucket.clone())
                .timestamp(ts)
                .value(7.0)
                .unit(StandardUnit::Count)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let start = DateTime::from(now - std::time::Duration::from_secs(600));
    let end = DateTime::from(now + std::time::Duration::from_secs(600));

    // WHEN read back through GetMetricData
    let metric = Metric::builder()
        .namespace(&ns)
        .metric_name("ReplicasVerified")
        .dimensions(bucket.clone())
        .build();
    let query = |id: &str, stat: &str| {
        MetricDataQuery::builder()
            .id(id)
            .metric_stat(
                MetricStat::builder()
                    .metric(metric.clone())
                    .period(3600)
                    .stat(stat)
                    .build(),
            )
            .build()
    };
    let data = b
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(query("sum", "Sum"))
        .metric_data_queries(query("n", "SampleCount"))
        .metric_data_queries(query("max", "Maximum"))
        .start_time(start)
        .end_time(end)
        .send()
        .await
        .unwrap();
    let value = |id: &str| -> f64 {
        let r = data
            .metric_data_results()
            .iter()
            .find(|r| r.id() == Some(id))
            .unwrap();
        r.values().iter().sum()
    };
    // THEN the sums honour counts: 1*3 + 2*1 + 20 + 7 = 32 over 3 + 1 + 4 + 1 = 9 samples
    assert_eq!(value("sum"), 32.0);
    assert_eq!(value("n"), 9.0);
    assert_eq!(value("max"), 8.0);

    // AND GetMetricStatistics agrees
    let stats = b
        .cloudwatch
        .get_metric_statistics()
        .namespace(&ns)
        .metric_name("ReplicasVerified")
        .dimensions(bucket)
        .start_time(start)
        .end_time(end)
        .period(3600)
        .statistics(Statistic::Sum)
        .statistics(Statistic::SampleCount)
        .send()
        .await
        .unwrap();
    let total: f64 = stats.datapoints().iter().filter_map(|d| d.sum).sum();
    assert_eq!(total, 32.0);

    // AND ListMetrics lists the metric once
    let listed = b
        .cloudwatch
        .list_metrics()
        .namespace(&ns)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.metrics().len(), 1);
    assert_eq!(listed.metrics()[0].metric_name(), Some("ReplicasVerified"));

    // AND another account does not see it
    let a = Account::A
        .connect(Emulator::shared().unwrap())
        .await
        .unwrap();
    let other = a
        .cloudwatch
        .list_metrics()
        .namespace(&ns)
        .send()
        .await
        .unwrap();
    assert!(other.metrics().is_empty());
}

#[tokio::test]
async fn alarms_and_dashboards_round_trip() {
    let b = Account::B
        .connect(Emulator::shared().unwrap())
        .await
        .unwrap();
    let alarm = unique_name("ReplicaWrongKey");
    b.cloudwatch
        .put_metric_alarm()
        .alarm_name(&alarm)
        .namespace("S3KmsReplication")
        .metric_name("ReplicaWrongKey")
        .dimensions(dim("DestinationBucket", "dst"))
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(0.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .unwrap();
    let described = b
        .cloudwatch
        .describe_alarms()
        .alarm_names(&alarm)
        .send()
        .await
        .unwrap();
    let got = &described.metric_alarms()[0];
    assert_eq!(got.metric_name(), Some("ReplicaWrongKey"));
    assert_eq!(
        got.comparison_operator(),
        Some(&ComparisonOperator::GreaterThanThreshold)
    );
    assert_eq!(got.threshold(), Some(0.0));

    let name = unique_name("replication");
    let body = r#"{"widgets":[{"type":"text","x":0,"y":0,"width":6,"height":2,"properties":{"markdown":"hi"}}]}"#;
    b.cloudwatch
        .put_dashboard()
        .dashboard_name(&name)
        .dashboard_body(body)
        .send()
        .await
        .unwrap();
    let dash = b
        .cloudwatch
        .get_dashboard()
        .dashboard_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(dash.dashboard_body(), Some(body));

    // An unknown dashboard is the SDK's typed not-found error, not a 404 page.
    let err = b
        .cloudwatch
        .get_dashboard()
        .dashboard_name("does-not-exist")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_dashboard_not_found_error()),
        "{err:?}"
    );
}
