"""S3's replication metrics, as the replication engine (``replication``) sees its jobs.

AWS publishes, for a rule with replication metrics (``Destination.Metrics.Status: Enabled``) or
Replication Time Control (``Destination.ReplicationTime.Status: Enabled``, which needs metrics),
the AWS/S3 metrics below in the SOURCE bucket's account, per rule, with the dimensions
``SourceBucket``, ``DestinationBucket`` and ``RuleId`` (S3 User Guide, "Metrics and dimensions",
replication metrics: https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html).
The region differs by metric (S3 User Guide, "Using S3 Replication metrics", the column "Which
Region is this metric published in?": https://docs.aws.amazon.com/AmazonS3/latest/userguide/repl-metrics.html):
the pending and latency metrics are published in the DESTINATION bucket's region, the failed
operations in the source bucket's. Here, through that account and region's moto CloudWatch
backend (what GetMetricData reads); when D cannot be found, S's region stands in:

* ``OperationsPendingReplication`` (Count) and ``BytesPendingReplication`` (Bytes): the object
  versions (and their bytes) of the rule scheduled and not yet done, published when a version is
  scheduled and again when its job ends (0 once the backlog has drained);
* ``OperationsFailedReplication`` (Count): 1 for each object version that FAILED;
* ``ReplicationLatency`` (Seconds): from the source write to its COMPLETED replica, for each.

Not done: delete markers are neither counted nor timed (AWS documents the metrics for objects);
nothing is published for a rule without metrics or RTC; AWS's once-a-minute aggregation (one
datum per event here, which the statistics of a period aggregate alike).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.s3.models import FakeBucket

NAMESPACE = "AWS/S3"
_LOG = logging.getLogger("localaws.replication")

_lock = threading.Lock()
# (source bucket, destination bucket, rule id) -> [pending operations, pending bytes]
_pending: dict[tuple[str, str, str], list[int]] = {}


def enabled(rule: dict[str, Any]) -> bool:
    """Whether S3 publishes the rule's replication metrics: metrics or RTC on."""
    destination = rule.get("Destination", {})
    return (
        destination.get("Metrics", {}).get("Status") == "Enabled"
        or destination.get("ReplicationTime", {}).get("Status") == "Enabled"
    )


def dimensions(source_bucket: str, rule: dict[str, Any]) -> list[dict[str, str]]:
    """The metrics' dimensions for ``rule`` on ``source_bucket`` (its destination bucket name)."""
    destination_arn = rule.get("Destination", {}).get("Bucket", "")
    return [
        {"Name": "SourceBucket", "Value": source_bucket},
        {"Name": "DestinationBucket", "Value": destination_arn.rsplit(":", 1)[-1]},
        {"Name": "RuleId", "Value": rule.get("ID", "")},
    ]


def scheduled(
    bucket: FakeBucket, rule: dict[str, Any], size: int, destination_region: str | None
) -> None:
    """One object version of ``size`` bytes is pending under ``rule``; D is in
    ``destination_region`` (``None``: not found)."""
    _pending_changed(bucket, rule, 1, size, destination_region)


def done(
    bucket: FakeBucket,
    rule: dict[str, Any],
    size: int,
    requested: datetime,
    failed: bool,
    destination_region: str | None,
) -> None:
    """The version scheduled at ``requested`` is done: FAILED, or COMPLETED now."""
    if not enabled(rule):
        return
    if failed:
        _put(bucket, rule, [_datum("OperationsFailedReplication", 1.0, "Count")], bucket.region_name)
    else:
        latency = (datetime.now(timezone.utc) - requested).total_seconds()
        _put(
            bucket,
            rule,
            [_datum("ReplicationLatency", max(latency, 0.0), "Seconds")],
            destination_region or bucket.region_name,
        )
    _pending_changed(bucket, rule, -1, -size, destination_region)


def _pending_changed(
    bucket: FakeBucket,
    rule: dict[str, Any],
    operations: int,
    size: int,
    destination_region: str | None,
) -> None:
    if not enabled(rule):
        return
    key = (bucket.name, rule.get("Destination", {}).get("Bucket", ""), rule.get("ID", ""))
    with _lock:
        pending = _pending.setdefault(key, [0, 0])
        pending[0] = max(pending[0] + operations, 0)
        pending[1] = max(pending[1] + size, 0)
        now = list(pending)
    _put(
        bucket,
        rule,
        [
            _datum("OperationsPendingReplication", float(now[0]), "Count"),
            _datum("BytesPendingReplication", float(now[1]), "Bytes"),
        ],
        destination_region or bucket.region_name,
    )


def _datum(name: str, value: float, unit: str) -> dict[str, Any]:
    return {"MetricName": name, "Value": value, "Unit": unit}


def _put(bucket: FakeBucket, rule: dict[str, Any], data: list[dict[str, Any]], region: str) -> None:
    dims = dimensions(bucket.name, rule)
    try:  # never fail the write or the replication over a metric
        backend = cloudwatch_backends[bucket.account_id][region]
        backend.put_metric_data(NAMESPACE, [{**datum, "Dimensions": dims} for datum in data])
    except Exception:
        _LOG.exception("localaws replication: cannot publish metrics for s3://%s", bucket.name)
