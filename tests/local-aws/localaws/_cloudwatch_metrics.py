"""CloudWatch's metric data operations for ``cloudwatch_cbor``: PutMetricData, GetMetricData,
GetMetricStatistics and ListMetrics over moto's backend, with the statistics (percentiles
included) evaluated here, and the member helpers the other operations share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.cloudwatch.exceptions import (
    CloudWatchException,
    InvalidParameterCombination,
    InvalidParameterValue,
    ValidationError,
)
from moto.cloudwatch.models import (
    CloudWatchBackend,
    Dimension,
    MetricAggregatedDatum,
    MetricDatum,
    MetricDatumBase,
    Statistics,
)

from ._cloudwatch_wire import Input, Output

Buckets = list[tuple[datetime, list[MetricDatumBase]]]

_EPOCH = datetime(1970, 1, 1)
_BASIC_STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d+(?:\.\d+)?)")
_PAGE = 500


def _naive_utc(value: datetime) -> datetime:
    """CBOR timestamps decode as aware datetimes; moto compares naive UTC ones."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _require(request: Input, member: str) -> Any:
    if request.get(member) is None:
        raise CloudWatchException("MissingParameter", f"The parameter {member} is required.")
    return request[member]


def _members(request: Input, **members: str) -> dict[str, Any]:
    """Optional members as moto keyword arguments (moto types many as required, yet stores None)."""
    return {argument: request.get(member) for argument, member in members.items()}


def _float(value: Any) -> float | None:
    """The SDK decodes a double only from a CBOR float, never from an integer."""
    return None if value is None else float(value)


# --- metric data --------------------------------------------------------------------------------


def _dimension_set(dimensions: Iterable[Dimension]) -> frozenset[tuple[str | None, str | None]]:
    return frozenset((d.name, d.value) for d in dimensions)


def _dimensions_in(dimensions: Iterable[Mapping[str, str]] | None) -> list[Dimension]:
    return [Dimension(d["Name"], d["Value"]) for d in dimensions or ()]


def _dimensions_out(dimensions: Iterable[Dimension]) -> list[dict[str, str | None]]:
    return [{"Name": d.name, "Value": d.value} for d in dimensions]


def _as_statistic_sets(datum: Input) -> list[Input]:
    """One PutMetricData datum as moto datums; a Values/Counts pair (v, c) is c samples of v."""
    datum = dict(datum)
    if datum.get("Timestamp") is not None:
        datum["Timestamp"] = _naive_utc(datum["Timestamp"])
    values = datum.pop("Values", None) or []
    counts = datum.pop("Counts", None) or [1.0] * len(values)
    if not values:
        return [datum]
    return [
        {**datum, "StatisticValues": {"SampleCount": c, "Sum": v * c, "Minimum": v, "Maximum": v}}
        for v, c in zip(values, counts, strict=True)  # sizes validated by moto
        if c > 0
    ]


def _buckets(
    backend: CloudWatchBackend,
    metric: Mapping[str, Any],
    unit: str | None,
    start: datetime,
    end: datetime,
    period: int,
) -> Buckets:
    """The metric's datums in [start, end), grouped by period; only periods holding data."""
    if period <= 0:
        raise InvalidParameterValue(f"The parameter Period must be positive, got {period}.")
    wanted = _dimension_set(_dimensions_in(metric.get("Dimensions")))
    step = min(period, 60)
    start = _EPOCH + timedelta(seconds=(start - _EPOCH).total_seconds() // step * step)
    grouped: dict[int, list[MetricDatumBase]] = {}
    for datum in backend.get_all_metrics():
        if (
            datum.namespace == metric.get("Namespace")
            and datum.name == metric.get("MetricName")
            and _dimension_set(datum.dimensions) == wanted
            and (unit is None or (datum.unit or "None") == unit)
            and start <= datum.timestamp < end
        ):
            index = int((datum.timestamp - start).total_seconds() // period)
            grouped.setdefault(index, []).append(datum)
    return [(start + timedelta(seconds=i * period), grouped[i]) for i in sorted(grouped)]


def _statistic(stat: str, timestamp: datetime, data: list[MetricDatumBase]) -> float | None:
    if stat in _BASIC_STATS:
        statistics = Statistics([stat], timestamp)
        statistics.metric_data = data
        return _float(statistics.get_statistics_for_type(stat))
    percentile = _PERCENTILE.fullmatch(stat)
    if percentile is None or float(percentile[1]) > 100:
        raise InvalidParameterValue(
            f"The statistic {stat} is not supported by the local CloudWatch emulator "
            f"(supported: {', '.join(_BASIC_STATS)}, p0-p100)."
        )
    return _percentile(float(percentile[1]), data)


def _percentile(p: float, data: list[MetricDatumBase]) -> float | None:
    """Nearest-rank percentile; like AWS, undefined over statistic sets with Min != Max."""
    samples: list[tuple[float, float]] = []
    for datum in data:
        if isinstance(datum, MetricDatum):
            samples.append((datum.value, 1.0))
        elif isinstance(datum, MetricAggregatedDatum) and datum.min == datum.max:
            samples.append((datum.min, datum.sample_count))
        elif isinstance(datum, MetricAggregatedDatum) and datum.sample_count == 1:
            samples.append((datum.sum, 1.0))
        else:
            return None
    samples.sort()
    target = p / 100 * sum(weight for _, weight in samples)
    running = 0.0
    for value, weight in samples:
        running += weight
        if running >= target:
            return float(value)
    return float(samples[-1][0]) if samples else None


# --- operations ---------------------------------------------------------------------------------


def _put_metric_data(backend: CloudWatchBackend, request: Input) -> Output:
    namespace = _require(request, "Namespace")
    data = list(request.get("MetricData") or []) + [
        datum for entity in request.get("EntityMetricData") or [] for datum in entity.get("MetricData") or []
    ]
    for number, datum in enumerate(data, 1):
        if datum.get("Values") and "Value" in datum:  # AWS: a combination error, moto: a value error
            raise InvalidParameterCombination(
                f"The parameters MetricData.member.{number}.Value and MetricData.member.{number}.Values "
                "are mutually exclusive and you have specified both."
            )
        backend._validate_parameters_put_metric_data(datum, number)  # moto's own messages
    backend.put_metric_data(namespace, [item for datum in data for item in _as_statistic_sets(datum)])
    return None


def _get_metric_data(backend: CloudWatchBackend, request: Input) -> Output:
    start = _naive_utc(_require(request, "StartTime"))
    end = _naive_utc(_require(request, "EndTime"))
    if start >= end:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    queries = _require(request, "MetricDataQueries")
    series: dict[str, tuple[list[datetime], list[float]]] = {}
    for number, query in enumerate(queries, 1):
        stat = query.get("MetricStat")
        if stat is None:
            if query.get("Expression") is None:
                raise ValidationError(
                    f"The parameter MetricDataQueries.member.{number}.MetricStat is required."
                )
            continue
        buckets = _buckets(backend, stat["Metric"], stat.get("Unit"), start, end, _require(stat, "Period"))
        points = [
            (timestamp, value)
            for timestamp, data in buckets
            if (value := _statistic(_require(stat, "Stat"), timestamp, data)) is not None
        ]
        series[query["Id"]] = ([t for t, _ in points], [v for _, v in points])
    # AWS's default label is the metric name, followed by the Stat and/or the Period when these
    # differ between the request's MetricStat queries.
    stats = [q["MetricStat"] for q in queries if q.get("MetricStat")]
    differing = [m for m in ("Stat", "Period") if len({str(s.get(m)) for s in stats}) > 1]
    results = []
    for query in queries:
        if query.get("ReturnData") is False:
            continue
        key = query["Id"] if "MetricStat" in query else query["Expression"].strip()
        if key not in series:
            raise InvalidParameterValue(
                f"Metric math expression {query['Expression']!r} is not supported by the local "
                "CloudWatch emulator: only an expression naming another query's Id is."
            )
        timestamps, values = series[key]
        if request.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            timestamps, values = timestamps[::-1], values[::-1]
        if "MetricStat" in query:
            default_label = " ".join(
                [query["MetricStat"]["Metric"]["MetricName"]] + [str(query["MetricStat"][m]) for m in differing]
            )
        else:
            default_label = query["Id"]
        results.append(
            {
                "Id": query["Id"],
                "Label": query.get("Label") or default_label,
                "Timestamps": timestamps,
                "Values": values,
                "StatusCode": "Complete",
            }
        )
    return {"MetricDataResults": results, "Messages": []}


def _get_metric_statistics(backend: CloudWatchBackend, request: Input) -> Output:
    start = _naive_utc(_require(request, "StartTime"))
    end = _naive_utc(_require(request, "EndTime"))
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    statistics = request.get("Statistics") or []
    extended = request.get("ExtendedStatistics") or []
    if not statistics and not extended:
        raise InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics")
    unit = request.get("Unit")
    datapoints = []
    for timestamp, data in _buckets(backend, request, unit, start, end, _require(request, "Period")):
        point: dict[str, Any] = {"Timestamp": timestamp, "Unit": unit or data[-1].unit or "None"}
        point.update({stat: _statistic(stat, timestamp, data) for stat in statistics})
        if extended:
            values = {stat: _statistic(stat, timestamp, data) for stat in extended}
            point["ExtendedStatistics"] = {stat: v for stat, v in values.items() if v is not None}
        datapoints.append(point)
    return {"Label": _require(request, "MetricName"), "Datapoints": datapoints}


def _list_metrics(backend: CloudWatchBackend, request: Input) -> Output:
    metrics: dict[tuple[str, str, frozenset[tuple[str | None, str | None]]], MetricDatumBase] = {}
    for datum in backend.get_all_metrics():
        if datum.filter(request.get("Namespace"), request.get("MetricName"), request.get("Dimensions") or []):
            metrics.setdefault((datum.namespace, datum.name, _dimension_set(datum.dimensions)), datum)
    token = request.get("NextToken") or "0"
    if not token.isdigit():
        raise InvalidParameterValue("Request parameter NextToken is invalid")
    offset = int(token)
    page = list(metrics.values())[offset : offset + _PAGE]
    return {
        "Metrics": [
            {"Namespace": m.namespace, "MetricName": m.name, "Dimensions": _dimensions_out(m.dimensions)}
            for m in page
        ],
        "NextToken": str(offset + _PAGE) if offset + _PAGE < len(metrics) else None,
    }

