"""Data mode's reading: ``collect`` resolves the dashboard, reads every widget's metrics and the
alarms' data from the endpoint, evaluates the alarms and runs the log queries; it draws nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from .alarms import AlarmDefinition, alarm_definition, evaluate_alarm
from .cloudwatch import Accounts, fetch, metric_lines
from .layout import describe
from .logs import UnsupportedQuery, parse_log_query, run_log_query
from .model import (
    INSUFFICIENT_DATA,
    AlarmStatus,
    DashboardData,
    DataOptions,
    Fetched,
    MetricKey,
    Series,
    WidgetData,
    _floor,
    _utc,
)
from .template import Resolver, Unresolved, dashboard_sub


DEFAULT_WINDOW = timedelta(minutes=30)
# Readable plots: more points than this per series means a larger --period or a shorter window.
MAX_POINTS_PER_SERIES = 1440
# Periods GetMetricData accepts: 1, 5, 10, 30 (high resolution) or any multiple of 60 seconds.
HIGH_RESOLUTION_PERIODS = (1, 5, 10, 30)
# The console's default statistic for a metric line that names none.
DEFAULT_STAT = "Average"
# The console's graph palette (its first ten colours, in order).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _window(options: DataOptions, now: datetime, extra_periods: int) -> tuple[list[datetime], int, datetime, datetime]:
    """The period buckets to fetch (``extra_periods`` before the window, for the alarms'
    evaluation ranges), the index of the first bucket shown, and the shown window [start, end)."""
    period = options.period
    end = _utc(options.end) if options.end else now
    start = _utc(options.start) if options.start else end - DEFAULT_WINDOW
    if start >= end:
        raise SystemExit(f"--start ({start:%Y-%m-%dT%H:%M:%SZ}) must be before --end ({end:%Y-%m-%dT%H:%M:%SZ})")
    shown_start = _floor(start, period)
    last = _floor(end - timedelta(microseconds=1), period)
    shown = int((last - shown_start).total_seconds()) // period + 1
    if shown > MAX_POINTS_PER_SERIES:
        raise SystemExit(f"{shown} periods of {period} s in the window: give a larger --period or a shorter window "
                         f"(at most {MAX_POINTS_PER_SERIES})")
    fetch_start = shown_start - timedelta(seconds=period * extra_periods)
    buckets = [fetch_start + timedelta(seconds=period * i) for i in range(shown + extra_periods)]
    return buckets, extra_periods, shown_start, last + timedelta(seconds=period)


def collect(template: Mapping[str, Any], options: DataOptions, *, now: datetime | None = None) -> DashboardData:
    """Every widget with its data: metric series, alarm states, log table. Reads the endpoint;
    draws nothing."""
    if options.period < 1 or (options.period not in HIGH_RESOLUTION_PERIODS and options.period % 60):
        raise SystemExit(f"--period {options.period}: use 1, 5, 10, 30 or a multiple of 60 seconds")
    resolver = Resolver(template, options.overrides, options.region)
    text, variables = dashboard_sub(template)
    raw_body = resolver.sub(text, variables)
    try:
        body = json.loads(raw_body)
    except ValueError as e:
        missing = ", ".join(sorted(set(resolver.placeholders.values()))) or "none"
        raise SystemExit(f"the dashboard body is not JSON once filled ({e}); unresolved: {missing}") from e
    widgets: list[dict[str, Any]] = body.get("widgets", [])
    if not widgets:
        raise SystemExit("the dashboard has no widgets")

    own_account = resolver.lookup("AWS::AccountId")
    region = resolver.lookup("AWS::Region")
    accounts = Accounts(options.endpoint_url, options.region, own_account, options.account_roles)

    # The alarms the alarm widgets list, by the ARN (or placeholder) each resolves to.
    alarm_ids = [lid for lid, r in resolver.resources.items() if r.get("Type") == "AWS::CloudWatch::Alarm"]
    by_entry: dict[str, str] = {}
    for lid in alarm_ids:
        by_entry[f"<{lid}.Arn>"] = lid  # an alarm whose name the template leaves to CloudFormation
        try:
            by_entry[resolver.lookup(f"{lid}.Arn")] = lid
        except Unresolved:
            pass
    definitions = {lid: alarm_definition(resolver, lid, own_account, region) for lid in alarm_ids}
    listed = {by_entry[e] for w in widgets if w.get("type") == "alarm"
              for e in w.get("properties", {}).get("alarms", []) if e in by_entry}
    extra = max((definitions[lid].evaluation_range - 1 for lid in listed), default=0)
    buckets, first, start, end = _window(options, now or datetime.now(UTC), extra)

    # Pass 1: what each widget needs.
    data: list[WidgetData] = []
    keys: list[MetricKey] = []
    for widget in widgets:
        kind = widget.get("type", "?")
        props = widget.get("properties", {})
        title, lines = describe(widget)
        wd = WidgetData(widget=widget, kind=kind, title=title, lines=lines)
        if kind == "metric":
            wd.series = _series(resolver, accounts, props, own_account, region)
            keys += [s.key for s in wd.series if s.key is not None]
            axes = props.get("yAxis") or {}
            wd.y_labels = {side: str(axes[side]["label"]) for side in ("left", "right")
                           if isinstance(axes.get(side), dict) and axes[side].get("label")}
            if props.get("view", "timeSeries") != "timeSeries":
                wd.note = f"view {props.get('view')} drawn as a time series"
        elif kind == "alarm":
            for lid in (by_entry.get(e) for e in props.get("alarms", [])):
                key = definitions[lid].key if lid else None
                if key is not None and definitions[lid].not_evaluated is None:
                    if accounts.readable(key.account) is None:
                        keys.append(key)
        data.append(wd)

    fetched = fetch(accounts, keys, buckets[0], end, options.period)

    # Pass 2: the results into the widgets.
    for wd in data:
        props = wd.widget.get("properties", {})
        if wd.kind == "metric":
            for s in wd.series:
                if s.key is None:
                    continue
                got = fetched.get(s.key, Fetched(error="not read"))
                if got.error:
                    s.note = got.error
                s.points = sorted((t, v) for t, v in got.points.items() if start <= t < end)
        elif wd.kind == "alarm":
            wd.alarms = [_alarm_status(entry, by_entry.get(entry), definitions, fetched, accounts, resolver,
                                       buckets, first)
                         for entry in props.get("alarms", []) if entry != ""]
        elif wd.kind == "log":
            _log_widget(wd, props, options, start, end)

    notes: list[str] = []
    if options.log_lines is None and any(wd.kind == "log" for wd in data):
        notes.append("Log widgets show their query: no --log-lines given.")
    template_periods = sorted({int(p) for w in widgets for p in [w.get("properties", {}).get("period")]
                               if isinstance(p, (int, float))})
    return DashboardData(widgets=data, start=start, end=end, period=options.period,
                         endpoint_url=options.endpoint_url, template_periods=template_periods,
                         unresolved=sorted(set(resolver.placeholders.values())), notes=notes)


def _series(resolver: Resolver, accounts: Accounts, props: Mapping[str, Any], own_account: str,
            region: str) -> list[Series]:
    """A metric widget's lines as series, each with its query or the reason it has none."""
    out: list[Series] = []
    widget_region = str(props.get("region") or region)
    for i, (strings, options) in enumerate(metric_lines(props)):
        colour = str(options.get("color") or PALETTE[i % len(PALETTE)])
        y_axis = "right" if options.get("yAxis") == "right" else "left"
        label = str(options.get("label") or (strings[1] if len(strings) > 1 else options.get("id", f"m{i}")))
        s = Series(label=label, colour=colour, y_axis=y_axis, key=None)
        out.append(s)
        if "expression" in options:
            s.note = "not drawn: metric math is not modelled"
            continue
        if len(strings) < 2 or len(strings) % 2:
            s.note = "not read: malformed metric line"
            continue
        account = str(options.get("accountId") or own_account)
        line_region = str(options.get("region") or widget_region)
        stat = str(options.get("stat") or props.get("stat") or DEFAULT_STAT)
        unresolved = resolver.unresolved_in(account, line_region, *strings)
        if unresolved:
            s.note = "not read: " + ", ".join(unresolved)
            continue
        refused = accounts.readable(account)
        if refused:
            s.note = refused
            continue
        dims = tuple(zip(strings[2::2], strings[3::2]))
        s.key = MetricKey(account, line_region, strings[0], strings[1], dims, stat)
    return out


def _alarm_status(entry: str, logical_id: str | None, definitions: Mapping[str, AlarmDefinition],
                  fetched: Mapping[MetricKey, Fetched], accounts: Accounts, resolver: Resolver,
                  buckets: Sequence[datetime], first: int) -> AlarmStatus:
    name = entry.rsplit(":", 1)[-1]
    if logical_id is None:
        why = resolver.unresolved_in(entry)
        reason = ("not evaluated: " + ", ".join(why)) if why else "not evaluated: not an alarm of this template"
        return AlarmStatus(entry, None, name, INSUFFICIENT_DATA, reason)
    definition = definitions[logical_id]
    status = AlarmStatus(entry, logical_id, definition.name, INSUFFICIENT_DATA, "",
                         treat_missing_data=definition.treat_missing_data, condition=definition.condition)
    if definition.not_evaluated or definition.key is None:
        status.reason = definition.not_evaluated or "not evaluated"
        return status
    refused = accounts.readable(definition.key.account)
    got = fetched.get(definition.key) if refused is None else None
    if got is None or got.error:
        status.reason = (refused or (got.error if got else None) or "not read").replace("not read", "not evaluated", 1)
        return status
    status.state, status.reason, status.history = evaluate_alarm(definition, got.points, buckets, first)
    return status


def _log_widget(wd: WidgetData, props: Mapping[str, Any], options: DataOptions, start: datetime,
                end: datetime) -> None:
    if options.log_lines is None:
        return
    query = str(props.get("query", ""))
    try:
        parsed = parse_log_query(query)
    except UnsupportedQuery as e:
        wd.note = f"query not run by the renderer ({e}): shown as text"
        return
    with open(options.log_lines, encoding="utf-8", errors="replace") as f:
        wd.table = run_log_query(parsed, f, start, end)
