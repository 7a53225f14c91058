"""The template's alarms, evaluated by the renderer from their own metric's data (not read from
CloudWatch), as "Configuring how CloudWatch alarms treat missing data" describes."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from .model import ALARM, INSUFFICIENT_DATA, OK, MetricKey, _number
from .template import Resolver, Unresolved


COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanThreshold": (operator.gt, ">"),
    "GreaterThanOrEqualToThreshold": (operator.ge, ">="),
    "LessThanThreshold": (operator.lt, "<"),
    "LessThanOrEqualToThreshold": (operator.le, "<="),
}
TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
# CloudWatch retrieves more datapoints than EvaluationPeriods (the "evaluation range"); the
# guide's example retrieves 5 for 3 evaluation periods, so the renderer uses N + 2.
EXTRA_EVALUATION_RANGE = 2


@dataclass
class AlarmDefinition:
    """What the renderer needs of an ``AWS::CloudWatch::Alarm`` resource."""

    logical_id: str
    name: str
    condition: str | None
    key: MetricKey | None = None
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    threshold: float = 0.0
    comparison: str = "GreaterThanThreshold"
    treat_missing_data: str = "missing"
    not_evaluated: str | None = None  # why the renderer cannot evaluate it

    @property
    def evaluation_range(self) -> int:
        return self.evaluation_periods + EXTRA_EVALUATION_RANGE


def alarm_definition(resolver: Resolver, logical_id: str, own_account: str, region: str) -> AlarmDefinition:
    """The alarm resource ``logical_id`` with its values resolved. Its ``Period`` is not read:
    the renderer evaluates every alarm at ``--period``, the period of the data it shows."""
    resource = resolver.resources[logical_id]
    props = resource.get("Properties") or {}
    try:
        name = resolver.text(props["AlarmName"]) if "AlarmName" in props else logical_id
    except Unresolved:
        name = logical_id
    definition = AlarmDefinition(logical_id=logical_id, name=name, condition=resource.get("Condition"))
    try:
        if "Metrics" in props:
            raise Unresolved("Metrics", "metric math alarms are not modelled")
        comparison = resolver.text(props["ComparisonOperator"])
        if comparison not in COMPARISONS:
            raise Unresolved(comparison, f"{comparison} is not modelled")
        treat = resolver.text(props.get("TreatMissingData", "missing")) or "missing"
        namespace = resolver.text(props["Namespace"])
        if namespace == "AWS/DynamoDB":
            # "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing
            # data even if you choose a different option" (PutMetricAlarm, TreatMissingData).
            treat = "ignore"
        if treat not in TREATMENTS:
            raise Unresolved(treat, f"TreatMissingData {treat} is not modelled")
        stat = resolver.text(props.get("Statistic") or props.get("ExtendedStatistic"))
        dims = tuple((resolver.text(d["Name"]), resolver.text(d["Value"]))
                     for d in resolver.value(props.get("Dimensions") or []) or [])
        unit = resolver.text(props["Unit"]) if props.get("Unit") else None
        definition.key = MetricKey(own_account, region, namespace, resolver.text(props["MetricName"]),
                                   dims, stat, unit)
        definition.evaluation_periods = int(resolver.text(props["EvaluationPeriods"]))
        definition.datapoints_to_alarm = int(resolver.text(
            props.get("DatapointsToAlarm", definition.evaluation_periods)))
        definition.threshold = float(resolver.text(props["Threshold"]))
        definition.comparison = comparison
        definition.treat_missing_data = treat
    except Unresolved as e:
        definition.not_evaluated = f"not evaluated: {e.hint}"
    except (KeyError, ValueError, TypeError) as e:
        definition.not_evaluated = f"not evaluated: unsupported definition ({e})"
    return definition


def evaluate_range(values: Sequence[float | None], *, evaluation_periods: int, datapoints_to_alarm: int,
                   breaches: Callable[[float], bool], treat_missing_data: str,
                   current: str) -> tuple[str, str]:
    """One alarm evaluation over its evaluation range ``values`` (oldest first, ``None`` for a
    missing datapoint); returns the new state and a short explanation.

    As "Configuring how CloudWatch alarms treat missing data", "How alarm state is evaluated
    when data is missing" documents it
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html):

    - at least EvaluationPeriods (N) real datapoints in the range: the N most recent real ones
      are evaluated and the missing-data setting is not used;
    - none: ``missing`` -> INSUFFICIENT_DATA, ``ignore`` -> the current state is kept,
      ``breaching`` -> ALARM, ``notBreaching`` -> OK;
    - some: every real datapoint is evaluated, with as few filled-in datapoints as make N:
      ``breaching``/``notBreaching`` fill breaching/non-breaching ones. ``missing`` and ``ignore``
      fill nothing: enough breaching datapoints (DatapointsToAlarm, M) -> ALARM; a non-breaching
      one among them -> OK; else ``missing`` -> ALARM when the oldest datapoint of the range is
      real and breaching (the guide's example "X - - - -", "because the oldest evaluated data
      point is breaching and there aren't any non-breaching data points") and INSUFFICIENT_DATA
      otherwise, ``ignore`` -> the current state.

    ALARM when at least M of the N evaluated datapoints breach, otherwise OK. The unit tests
    check every row of the guide's two example tables.
    """
    n, m = evaluation_periods, datapoints_to_alarm
    real = [v for v in values if v is not None]
    flags = [breaches(v) for v in real]
    if len(real) >= n:
        hits = sum(flags[-n:])
        return (ALARM if hits >= m else OK), f"{hits} of the last {n} datapoints breach"
    if not real:
        state = {"missing": INSUFFICIENT_DATA, "ignore": current, "breaching": ALARM, "notBreaching": OK}
        return state[treat_missing_data], f"no data in {len(values)} periods: treated as {treat_missing_data}"
    hits = sum(flags)
    fills = n - len(real)
    why = f"{len(real)} datapoint(s), {fills} missing treated as {treat_missing_data}"
    if treat_missing_data == "breaching":
        return (ALARM if hits + fills >= m else OK), why
    if treat_missing_data == "notBreaching" or hits >= m:
        return (ALARM if hits >= m else OK), why
    if not all(flags):
        return OK, why
    if treat_missing_data == "ignore":
        return current, why
    oldest = values[0]
    return (ALARM if oldest is not None and breaches(oldest) else INSUFFICIENT_DATA), why


def evaluate_alarm(definition: AlarmDefinition, points: Mapping[datetime, float], buckets: Sequence[datetime],
                   first: int) -> tuple[str, str, list[tuple[datetime, str]]]:
    """The alarm run from INSUFFICIENT_DATA (a new alarm's state) once per period over
    ``buckets[first:]``, each evaluation over the range of periods ending there (datapoints
    before ``buckets[0]`` count as missing); returns the final state, its reason and the history."""
    compare, symbol = COMPARISONS[definition.comparison]
    threshold = definition.threshold

    def breaches(value: float) -> bool:
        return compare(value, threshold)

    state, why = INSUFFICIENT_DATA, "not evaluated yet"
    history: list[tuple[datetime, str]] = []
    span = definition.evaluation_range
    for i in range(first, len(buckets)):
        window = [points.get(buckets[j]) if j >= 0 else None for j in range(i - span + 1, i + 1)]
        state, why = evaluate_range(window, evaluation_periods=definition.evaluation_periods,
                                    datapoints_to_alarm=definition.datapoints_to_alarm, breaches=breaches,
                                    treat_missing_data=definition.treat_missing_data, current=state)
        history.append((buckets[i], state))
    assert definition.key is not None
    latest = max((t for t in points if t <= buckets[-1]), default=None) if buckets else None
    last = f"; last {_number(points[latest])} at {latest:%H:%M}" if latest is not None else ""
    rule = f"{definition.key.stat} {symbol} {_number(threshold)}"
    return state, f"{rule}: {why}{last}", history
