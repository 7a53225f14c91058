"""CloudWatch's alarm, tag and dashboard operations for ``cloudwatch_cbor``, and ``_OPERATIONS``:
every operation it answers, by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from moto.cloudwatch.exceptions import (
    DashboardInvalidInputError,
    InvalidParameterValue,
    ResourceNotFound,
)
from moto.cloudwatch.models import (
    Alarm,
    CloudWatchBackend,
    Metric,
    MetricDataQuery,
    MetricStat,
)

from ._cloudwatch_metrics import (
    _dimensions_in,
    _dimensions_out,
    _float,
    _get_metric_data,
    _get_metric_statistics,
    _list_metrics,
    _members,
    _put_metric_data,
    _require,
)
from ._cloudwatch_wire import Input, Output

Handler = Callable[[CloudWatchBackend, Input], Output]


def _metric_data_query(query: Input) -> MetricDataQuery:
    stat = query.get("MetricStat")
    metric_stat = None
    if stat is not None:
        metric = stat["Metric"]
        dimensions = _dimensions_in(metric.get("Dimensions"))
        metric_stat = MetricStat(
            metric=Metric(metric["MetricName"], metric["Namespace"], dimensions),
            period=stat.get("Period"),
            stat=stat.get("Stat"),
            unit=stat.get("Unit"),
        )
    return MetricDataQuery(
        query_id=query["Id"],
        expression=query.get("Expression"),
        metric_stat=metric_stat,
        **_members(query, label="Label", period="Period", return_data="ReturnData"),
    )


def _put_metric_alarm(backend: CloudWatchBackend, request: Input) -> Output:
    backend.put_metric_alarm(
        name=_require(request, "AlarmName"),
        comparison_operator=_require(request, "ComparisonOperator"),
        evaluation_periods=_require(request, "EvaluationPeriods"),
        metric_data_queries=[_metric_data_query(q) for q in request.get("Metrics") or []] or None,
        dimensions=request.get("Dimensions") or [],
        alarm_actions=request.get("AlarmActions") or [],
        ok_actions=request.get("OKActions") or [],
        insufficient_data_actions=request.get("InsufficientDataActions") or [],
        tags=request.get("Tags") or [],
        **_members(
            request,
            namespace="Namespace",
            metric_name="MetricName",
            datapoints_to_alarm="DatapointsToAlarm",
            period="Period",
            threshold="Threshold",
            statistic="Statistic",
            extended_statistic="ExtendedStatistic",
            description="AlarmDescription",
            unit="Unit",
            actions_enabled="ActionsEnabled",
            treat_missing_data="TreatMissingData",
            evaluate_low_sample_count_percentile="EvaluateLowSampleCountPercentile",
            threshold_metric_id="ThresholdMetricId",
        ),
    )
    alarm = backend.alarms.get(request["AlarmName"])
    if alarm is not None and alarm.state_reason == "Unchecked: Initial alarm creation":
        # AWS: a new alarm is INSUFFICIENT_DATA until evaluated, with no StateReasonData
        # (moto: OK, "{}"); an update of an unevaluated alarm keeps that.
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.state_reason_data = None
    return None


def _alarm_out(alarm: Alarm) -> dict[str, Any]:
    common = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
        "ActionsEnabled": alarm.actions_enabled,
        "OKActions": alarm.ok_actions,
        "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateTransitionedTimestamp": alarm.state_updated_timestamp,
    }
    if alarm.rule is not None:  # a composite alarm
        return {**common, "AlarmRule": alarm.rule}
    return {
        **common,
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
        "Dimensions": _dimensions_out(alarm.dimensions),
        "Period": alarm.period,
        "Unit": alarm.unit,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": _float(alarm.threshold),
        "ComparisonOperator": alarm.comparison_operator,
        "TreatMissingData": alarm.treat_missing_data,
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile,
        "Metrics": [_query_out(q) for q in alarm.metric_data_queries] or None,
        "ThresholdMetricId": alarm.threshold_metric_id,
    }


def _query_out(query: MetricDataQuery) -> dict[str, Any]:
    stat = query.metric_stat
    return {
        "Id": query.id,
        "Label": query.label,
        "ReturnData": query.return_data,
        "Period": query.period,
        "Expression": query.expression,
        "MetricStat": None
        if stat is None
        else {
            "Metric": {
                "Namespace": stat.metric.namespace,
                "MetricName": stat.metric.metric_name,
                "Dimensions": _dimensions_out(stat.metric.dimensions),
            },
            "Period": stat.period,
            "Stat": stat.stat,
            "Unit": stat.unit,
        },
    }


def _describe_alarms(backend: CloudWatchBackend, request: Input) -> Output:
    names = request.get("AlarmNames") or []
    prefix = request.get("AlarmNamePrefix") or ""
    state = request.get("StateValue")
    action_prefix = request.get("ActionPrefix")
    types = request.get("AlarmTypes") or ["MetricAlarm"]  # AWS: metric alarms unless asked
    alarms = [
        a
        for a in backend.describe_alarms()
        if (not names or a.name in names)
        and a.name.startswith(prefix)
        and (state is None or a.state_value == state)
        and (action_prefix is None or any(x.startswith(action_prefix) for x in a.alarm_actions))
    ]
    return {
        "MetricAlarms": [_alarm_out(a) for a in alarms if a.rule is None] if "MetricAlarm" in types else [],
        "CompositeAlarms": [_alarm_out(a) for a in alarms if a.rule is not None]
        if "CompositeAlarm" in types
        else [],
    }


def _delete_alarms(backend: CloudWatchBackend, request: Input) -> Output:
    backend.delete_alarms(_require(request, "AlarmNames"))
    return None


def _set_alarm_state(backend: CloudWatchBackend, request: Input) -> Output:
    backend.set_alarm_state(
        alarm_name=_require(request, "AlarmName"),
        reason=_require(request, "StateReason"),
        state_value=_require(request, "StateValue"),
        **_members(request, reason_data="StateReasonData"),
    )
    return None


def _list_tags_for_resource(backend: CloudWatchBackend, request: Input) -> Output:
    tags = backend.list_tags_for_resource(_require(request, "ResourceARN"))
    return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


def _put_dashboard(backend: CloudWatchBackend, request: Input) -> Output:
    body = _require(request, "DashboardBody")
    try:
        json.loads(body)
    except ValueError:
        raise DashboardInvalidInputError("Body is invalid JSON") from None
    backend.put_dashboard(_require(request, "DashboardName"), body)
    return {"DashboardValidationMessages": []}


def _get_dashboard(backend: CloudWatchBackend, request: Input) -> Output:
    dashboard = backend.get_dashboard(_require(request, "DashboardName"))
    if dashboard is None:
        raise ResourceNotFound("Dashboard does not exist")
    return {"DashboardArn": dashboard.arn, "DashboardBody": dashboard.body, "DashboardName": dashboard.name}


def _list_dashboards(backend: CloudWatchBackend, request: Input) -> Output:
    dashboards = backend.list_dashboards(request.get("DashboardNamePrefix") or "")
    return {
        "DashboardEntries": [
            {"DashboardName": d.name, "DashboardArn": d.arn, "LastModified": d.last_modified, "Size": d.size}
            for d in dashboards
        ]
    }


def _delete_dashboards(backend: CloudWatchBackend, request: Input) -> Output:
    names = request.get("DashboardNames") or []
    if not names:
        raise InvalidParameterValue("Need at least 1 dashboard")
    missing = backend.delete_dashboards(names)
    if missing is not None:
        raise ResourceNotFound(missing)
    return {}


_OPERATIONS: dict[str, Handler] = {
    "PutMetricData": _put_metric_data,
    "GetMetricData": _get_metric_data,
    "GetMetricStatistics": _get_metric_statistics,
    "ListMetrics": _list_metrics,
    "PutMetricAlarm": _put_metric_alarm,
    "DescribeAlarms": _describe_alarms,
    "DeleteAlarms": _delete_alarms,
    "SetAlarmState": _set_alarm_state,
    "ListTagsForResource": _list_tags_for_resource,
    "PutDashboard": _put_dashboard,
    "GetDashboard": _get_dashboard,
    "ListDashboards": _list_dashboards,
    "DeleteDashboards": _delete_dashboards,
}
