"""Data mode's options and what it collects: ``collect`` (``data``) builds a ``DashboardData``,
``render_data`` (``draw``) draws it; and the time and number helpers the modules share."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"


@dataclass(frozen=True)
class DataOptions:
    """What data mode reads, and from where."""

    endpoint_url: str
    region: str = "us-east-1"
    overrides: Mapping[str, str] = field(default_factory=dict)  # --set NAME=VALUE
    account_roles: Mapping[str, str] = field(default_factory=dict)  # --account-role ACCOUNT_ID=ROLE_ARN
    start: datetime | None = None
    end: datetime | None = None
    period: int = 60
    log_lines: Path | None = None


@dataclass(frozen=True)
class MetricKey:
    """One GetMetricData query: a metric, a statistic, and where to read it."""

    account: str
    region: str
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    unit: str | None = None


@dataclass
class Fetched:
    """One query's datapoints (bucket start -> value), or why it was not read."""

    points: dict[datetime, float] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Series:
    """One metric line of a metric widget, as drawn."""

    label: str
    colour: str
    y_axis: str  # "left" or "right"
    key: MetricKey | None
    points: list[tuple[datetime, float]] = field(default_factory=list)
    note: str | None = None  # why nothing was read: "not read: account 111111111111", ...


@dataclass
class AlarmStatus:
    """One entry of an alarm widget, evaluated by the renderer."""

    entry: str  # the widget's entry (an alarm ARN)
    logical_id: str | None
    name: str
    state: str  # OK, ALARM or INSUFFICIENT_DATA
    reason: str
    treat_missing_data: str | None = None
    condition: str | None = None  # the resource's template Condition, if any
    history: list[tuple[datetime, str]] = field(default_factory=list)  # state after each evaluation


@dataclass
class LogTable:
    """A log widget's query run over the ``--log-lines`` file."""

    source: str | None  # the query's SOURCE log group
    columns: list[str]
    rows: list[list[str]]
    lines_read: int  # JSON objects in the file
    in_window: int  # of those, events in the window
    limit: int


@dataclass
class WidgetData:
    """A widget, and what data mode found for it."""

    widget: dict[str, Any]
    kind: str
    title: str
    series: list[Series] = field(default_factory=list)
    y_labels: dict[str, str] = field(default_factory=dict)
    alarms: list[AlarmStatus] = field(default_factory=list)
    table: LogTable | None = None
    lines: list[str] = field(default_factory=list)  # text to show instead of data
    note: str | None = None


@dataclass
class DashboardData:
    """Everything the data picture shows; ``collect`` builds it, ``render_data`` draws it."""

    widgets: list[WidgetData]
    start: datetime  # first bucket shown (aligned to the period)
    end: datetime  # end of the last bucket shown
    period: int
    endpoint_url: str
    template_periods: list[int]
    unresolved: list[str]
    notes: list[str]


def _floor(moment: datetime, period: int) -> datetime:
    """The start of the period-aligned bucket holding ``moment`` (UTC)."""
    seconds = math.floor(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % period, UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _number(value: float) -> str:
    """A compact axis or legend number: 0, 12, 0.5, 1.5k, 2M."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"
