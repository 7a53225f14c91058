#!/usr/bin/env python3
"""Render the CloudWatch dashboard of infra/destination-account.yaml as a PNG: its layout, or with data.

Layout mode (no ``--endpoint-url``), the picture in docs/dashboard.png (``make dashboard-image``):

    render_dashboard.py [--template infra/destination-account.yaml] [--out docs/dashboard.png]
                        [--set NAME=VALUE ...]

It reads the template with cfn-lint's CloudFormation YAML loader (so intrinsic tags parse),
takes the ``AWS::CloudWatch::Dashboard``'s ``DashboardBody`` (an ``Fn::Sub`` string), fills the
``${...}`` placeholders with readable sample values (``--set`` values first), and draws every
widget where the dashboard grid puts it (24 columns), with its title and what it shows. It
draws the layout, not data: readers see what they get before they deploy.

Data mode (``--endpoint-url``) draws the same grid the way the CloudWatch console draws it,
with the data of a CloudWatch endpoint (the demo's local AWS emulator, or AWS itself):

    render_dashboard.py [--template T] [--out dist/dashboard-data.png]
        --endpoint-url URL [--region us-east-1]
        [--set NAME=VALUE ...]                      # e.g. DestinationBucket=d-123 Queue.QueueName=q
        [--account-role ACCOUNT_ID=ROLE_ARN ...]    # e.g. 222222222222=arn:aws:iam::222222222222:role/local-aws-admin
        [--start ISO8601] [--end ISO8601]           # default: the last 30 minutes
        [--period SECONDS]                          # default 60, for every widget and alarm
        [--log-lines FILE]                          # JSON lines standing in for a log widget's log group

- ``${...}`` placeholders: ``--set`` values, then the ``Fn::Sub`` variable map (``Fn::If`` on the
  template's Conditions, evaluated with the same values), the pseudo parameters (``AWS::Region``
  is ``--region``; ``AWS::AccountId`` 222222222222 and ``AWS::StackName`` as in layout mode),
  parameter defaults, and what the template itself fixes (an alarm's ``AlarmName`` and ARN, a log
  group's ``LogGroupName``). Anything else (a parameter without a default, a queue name that
  CloudFormation generates) stays ``<Name>``, is listed in the footer, and what depends on it is
  not read.
- ``metric`` widgets: every metric line is one GetMetricData query with the line's ``stat`` (else
  the widget's), ``--period`` and the window, in the line's ``region`` (else the widget's), with
  the credentials of the line's ``accountId`` (else the dashboard's own account, ``AWS::AccountId``).
  Credentials: ``sts:AssumeRole`` on the same endpoint for an account given with
  ``--account-role`` (moto picks the account from the assumed role's ARN), else for the own
  account the default boto3 credentials (on moto those are account 123456789012: give the own
  account a role too); a line of another account without a role shows "not read: account N"
  in its legend. A query the endpoint fails shows why in its legend. (Plain moto answers the
  percentiles ``p50``/``p99`` with an HTTP 500 over the JSON protocol botocore uses; our
  emulator layer, ``tests/local-aws/localaws/cloudwatch_cbor.py``, answers them.)
- ``alarm`` widgets: each listed ``${XxxAlarm.Arn}`` is the template's ``AWS::CloudWatch::Alarm``
  of that logical id; its state is evaluated here from its own metric's data (see
  ``evaluate_range``), not read from CloudWatch, and the image says so.
- ``log`` widgets: with ``--log-lines``, the widget's query (``fields``, ``filter ispresent(x)``,
  ``sort``, ``limit``) runs over the file's JSON lines and the result is drawn as a table;
  without, or for any other query, the query text is shown as in layout mode.
- ``text`` widgets: the markdown, stripped, as in layout mode.

References:
  Dashboard body structure and syntax:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
  GetMetricData: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
  Alarm evaluation and missing data ("Configuring how CloudWatch alarms treat missing data"):
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
  Logs Insights query syntax:
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import operator
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml
from PIL import Image, ImageDraw, ImageFont

CELL_W, CELL_H, PAD = 52, 34, 6
COLOURS = {"metric": "#e8f1fb", "text": "#f4f4f4", "log": "#eef7ea", "alarm": "#fdf0e6"}
SAMPLES = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "222222222222",
    "AWS::StackName": "replication-destination",
}


def dashboard_body(template: dict[str, Any]) -> str:
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::CloudWatch::Dashboard":
            body = resource["Properties"]["DashboardBody"]
            if isinstance(body, dict) and "Fn::Sub" in body:
                sub = body["Fn::Sub"]
                return sub[0] if isinstance(sub, list) else sub
            if isinstance(body, str):
                return body
            raise SystemExit(f"unsupported DashboardBody form: {type(body).__name__}")
    raise SystemExit("no AWS::CloudWatch::Dashboard in the template")


def fill(body: str, template: dict[str, Any], overrides: Mapping[str, str] | None = None) -> str:
    """The layout picture's placeholders: ``overrides`` (``--set``), samples, parameter defaults,
    else ``<Name>``."""
    params = template.get("Parameters", {})

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if overrides and name in overrides:
            return overrides[name]
        if name in SAMPLES:
            return SAMPLES[name]
        default = params.get(name, {}).get("Default")
        if default not in (None, ""):
            return str(default)
        return f"<{name.split('.')[0]}>"

    return re.sub(r"\$\{([^}!]+)\}", value, body)


def describe(widget: dict[str, Any]) -> tuple[str, list[str]]:
    props = widget.get("properties", {})
    kind = widget.get("type", "?")
    title = props.get("title") or kind
    lines: list[str] = []
    if kind == "metric":
        for m in props.get("metrics", []):
            names = [x for x in m if isinstance(x, str)] if isinstance(m, list) else []
            opts = next((x for x in m if isinstance(x, dict)), {}) if isinstance(m, list) else m
            if "expression" in opts:
                lines.append(f"= {opts.get('label') or opts['expression']}")
            elif len(names) >= 2 and names[0] != "...":
                lines.append(f"{names[1]} ({names[0]})" + (f" {opts['stat']}" if "stat" in opts else ""))
            elif names:
                lines.append(" ".join(n for n in names if n != "..."))
        lines.append(f"{props.get('view', 'timeSeries')}, {props.get('stat', '')} {props.get('period', '')}s".strip())
    elif kind == "text":
        text = re.sub(r"[#*`]", "", props.get("markdown", "")).strip()
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()][:4]
        title = lines.pop(0) if lines else "text"
    elif kind == "log":
        lines = [ln.strip() for ln in props.get("query", "").split("|")][:5]
    elif kind == "alarm":
        lines = [a.rsplit(":", 1)[-1] for a in props.get("alarms", [])]
    return title, lines


def wrap(draw: ImageDraw.ImageDraw, line: str, font: Any, width: int) -> list[str]:
    """``line`` broken at spaces into pieces that fit ``width`` pixels (a word longer than
    that is cut)."""
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            out.append(current)
        while draw.textlength(word, font=font) > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and draw.textlength(word[:cut], font=font) > width:
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        current = word
    out.append(current)
    return out


def render(widgets: list[dict[str, Any]], out: Path) -> None:
    rows = max((w.get("y", 0) + w.get("height", 6) for w in widgets), default=1)
    img = Image.new("RGB", (24 * CELL_W + 2 * PAD, rows * CELL_H + 2 * PAD), "white")
    draw = ImageDraw.Draw(img)
    title_font = ImageFont.load_default(size=15)
    body_font = ImageFont.load_default(size=12)
    for w in widgets:
        x0 = PAD + w.get("x", 0) * CELL_W
        y0 = PAD + w.get("y", 0) * CELL_H
        x1 = x0 + w.get("width", 6) * CELL_W - PAD
        y1 = y0 + w.get("height", 6) * CELL_H - PAD
        draw.rounded_rectangle((x0, y0, x1, y1), radius=6, fill=COLOURS.get(w.get("type", ""), "#ffffff"),
                               outline="#8aa4c0", width=1)
        title, lines = describe(w)
        draw.text((x0 + 8, y0 + 6), title[:70], fill="#16324f", font=title_font)
        y = y0 + 28
        width = x1 - x0 - 20
        wrapped = [part for line in lines for part in wrap(draw, line, body_font, width)]
        for line in wrapped:
            if y > y1 - 16:
                break
            draw.text((x0 + 10, y), line, fill="#333333", font=body_font)
            y += 16
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out)


# =====================================================================================
# Data mode
# =====================================================================================

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
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
# Pseudo parameters the samples above leave out.
PSEUDO_DEFAULTS = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
# The property holding a resource's name where CloudFormation takes the name from the template,
# and the types whose Ref is that name (a queue's Ref is its URL, so only GetAtt QueueName).
NAME_PROPERTIES = {
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::SQS::Queue": "QueueName",
}
REF_IS_NAME = {"AWS::Logs::LogGroup", "AWS::Lambda::Function"}

DATA_CELL_H = 44  # taller than the layout's 34 px: room for a plot, its axes and its legend
BACKGROUND, WIDGET_FILL, WIDGET_BORDER = "#f2f3f3", "#ffffff", "#d5dbdb"
INK, TEXT_INK, MUTED_INK, GRID_INK, AXIS_INK = "#16191f", "#414d5c", "#5f6b7a", "#e9ebed", "#879596"
STATE_COLOURS = {ALARM: "#d13212", OK: "#1d8102", INSUFFICIENT_DATA: "#8d99a8"}


# ------------------------------------------------------------------------- options


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


# ------------------------------------------------------------------------- template values


class Unresolved(Exception):
    """A value the template leaves to deployment time and no ``--set`` gives: a parameter
    without a default, a name CloudFormation generates, an unmodelled intrinsic function."""

    def __init__(self, name: str, hint: str | None = None) -> None:
        super().__init__(hint or name)
        self.name = name
        self.hint = hint or f"set {name}"


class Resolver:
    """Resolves the template's intrinsic functions with the ``--set`` values, the pseudo
    parameters, parameter defaults and the names the template fixes itself."""

    def __init__(self, template: Mapping[str, Any], overrides: Mapping[str, str], region: str) -> None:
        self.params: Mapping[str, Any] = template.get("Parameters") or {}
        self.resources: Mapping[str, Any] = template.get("Resources") or {}
        self.conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self.overrides = dict(overrides)
        self.pseudo = {**SAMPLES, **PSEUDO_DEFAULTS, "AWS::Region": region}
        # Placeholders ("<Queue>") that text substitution left in, and the names they stand for.
        self.placeholders: dict[str, str] = {}

    # --- names

    def lookup(self, name: str, variables: Mapping[str, Any] | None = None) -> str:
        """The value of ``${name}`` (a Sub variable, parameter, pseudo parameter, ``Logical`` or
        ``Logical.Attribute``); ``--set`` wins over everything, as the CLI promises."""
        if name in self.overrides:
            return self.overrides[name]
        if variables is not None and name in variables:
            return self.text(variables[name])
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.params:
            default = self.params[name].get("Default")
            if default is None:
                raise Unresolved(name)
            return self.text(default)
        logical, _, attribute = name.partition(".")
        if logical in self.resources:
            return self.resource_value(logical, attribute or None)
        raise Unresolved(name)

    def resource_value(self, logical: str, attribute: str | None) -> str:
        """``Ref``/``Fn::GetAtt`` of a resource, where the template fixes the answer."""
        resource = self.resources[logical]
        rtype = resource.get("Type", "")
        props = resource.get("Properties") or {}
        wanted = f"{logical}.{attribute}" if attribute else logical
        if rtype == "AWS::CloudWatch::Alarm":
            if "AlarmName" not in props:
                raise Unresolved(wanted, f"set {wanted} (CloudFormation names {logical})")
            name = self.text(props["AlarmName"])
            if attribute is None:
                return name
            if attribute == "Arn":
                return self.alarm_arn(name)
        name_property = NAME_PROPERTIES.get(rtype)
        if name_property and name_property in props:
            if (attribute is None and rtype in REF_IS_NAME) or attribute == name_property:
                return self.text(props[name_property])
        raise Unresolved(wanted)

    def alarm_arn(self, name: str) -> str:
        return (f"arn:{self.lookup('AWS::Partition')}:cloudwatch:{self.lookup('AWS::Region')}:"
                f"{self.lookup('AWS::AccountId')}:alarm:{name}")

    # --- intrinsic functions

    def value(self, node: Any) -> Any:
        """``node`` with its intrinsic functions evaluated (``None`` for ``AWS::NoValue``)."""
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return None if arg == "AWS::NoValue" else self.lookup(str(arg))
            if key == "Fn::GetAtt":
                logical, attribute = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.lookup(f"{logical}.{attribute}")
            if key == "Fn::Sub":
                text, variables = (arg[0], arg[1]) if isinstance(arg, list) else (arg, {})
                return self.sub(str(text), variables, strict=True)
            if key == "Fn::If":
                name, when_true, when_false = arg
                return self.value(when_true if self.condition(str(name)) else when_false)
            if key == "Fn::Join":
                separator, items = arg
                return str(separator).join(self.text(item) for item in self.value(items) if item is not None)
            if key == "Fn::Select":
                index, items = arg
                return self.value(self.value(items)[int(self.text(index))])
            if key.startswith("Fn::") or key == "Condition":
                raise Unresolved(key, f"{key} is not modelled by the renderer")
        if isinstance(node, list):
            return [self.value(item) for item in node]
        if isinstance(node, dict):
            return {k: self.value(v) for k, v in node.items()}
        return node

    def text(self, node: Any) -> str:
        """``node``'s value as CloudFormation writes it into a string."""
        value = self.value(node)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    def condition(self, name: str) -> bool:
        """A template Condition, from the same values; one that depends on a value nobody gives
        cannot be decided (``Unresolved``)."""
        if name not in self.conditions:
            raise Unresolved(name, f"condition {name} is not defined")
        try:
            return self.truth(self.conditions[name])
        except Unresolved as e:
            raise Unresolved(e.name, f"condition {name}: {e.hint}") from e

    def truth(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Fn::Equals":
                return self.text(arg[0]) == self.text(arg[1])
            if key == "Fn::Not":
                return not self.truth(arg[0])
            if key == "Fn::And":
                return all(self.truth(a) for a in arg)
            if key == "Fn::Or":
                return any(self.truth(a) for a in arg)
            if key == "Condition":
                return self.condition(str(arg))
        raise Unresolved(str(node), f"condition form {node!r} is not modelled")

    def sub(self, text: str, variables: Mapping[str, Any] | None = None, *, strict: bool = False) -> str:
        """``Fn::Sub``: ``${Name}`` replaced, ``${!Literal}`` written as ``${Literal}``. Not
        ``strict``: a name without a value becomes ``<Name>`` (``<Queue.QueueName>``) and is
        remembered in ``placeholders``."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            try:
                return self.lookup(name, variables)
            except Unresolved as e:
                if strict:
                    raise
                placeholder = f"<{name}>"
                self.placeholders[placeholder] = e.hint
                return placeholder

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def unresolved_in(self, *texts: str) -> list[str]:
        """Why ``texts`` hold placeholders (``set Queue.QueueName``), if they do."""
        return sorted({hint for ph, hint in self.placeholders.items() if any(ph in t for t in texts)})


def dashboard_sub(template: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The dashboard body's ``Fn::Sub`` text and variable map."""
    for resource in (template.get("Resources") or {}).values():
        if resource.get("Type") == "AWS::CloudWatch::Dashboard":
            body = resource["Properties"]["DashboardBody"]
            if isinstance(body, dict) and "Fn::Sub" in body:
                sub = body["Fn::Sub"]
                return (str(sub[0]), sub[1]) if isinstance(sub, list) else (str(sub), {})
            if isinstance(body, str):
                return body, {}
            raise SystemExit(f"unsupported DashboardBody form: {type(body).__name__}")
    raise SystemExit("no AWS::CloudWatch::Dashboard in the template")


# ------------------------------------------------------------------------- the data model


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


# ------------------------------------------------------------------------- metric lines


def metric_lines(props: Mapping[str, Any]) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """The widget's metric lines as (strings, rendering options), with the body structure's
    shorthands expanded: ``"."`` repeats the previous line's value at that position, and a
    leading ``"..."`` repeats the previous line's values up to those that follow it."""
    previous: list[str] = []
    for raw in props.get("metrics", []):
        if not isinstance(raw, list):
            continue
        strings = [x for x in raw if isinstance(x, str)]
        options = next((x for x in raw if isinstance(x, dict)), {})
        if strings and strings[0] == "...":
            rest = strings[1:]
            strings = previous[: max(0, len(previous) - len(rest))] + rest
        strings = [previous[i] if s == "." and i < len(previous) else s for i, s in enumerate(strings)]
        if strings:
            previous = strings
        yield strings, options


# ------------------------------------------------------------------------- reading CloudWatch


class NotReadable(Exception):
    """An account whose data cannot be read (no credentials for it)."""


class Accounts:
    """boto3 sessions per account: ``sts:AssumeRole`` on the endpoint for accounts given with
    ``--account-role``, the default credentials for the dashboard's own account otherwise."""

    def __init__(self, endpoint_url: str, region: str, own_account: str, roles: Mapping[str, str]) -> None:
        import boto3
        from botocore.config import Config

        self._boto3 = boto3
        self.endpoint_url = endpoint_url
        self.region = region
        self.own_account = own_account
        self.roles = dict(roles)
        self.config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)
        self._sessions: dict[str, Any] = {}
        self._refused: dict[str, str] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def readable(self, account: str) -> str | None:
        """None when ``account`` can be read, else why not."""
        try:
            self.session(account)
            return None
        except NotReadable as e:
            return str(e)

    def session(self, account: str) -> Any:
        if account in self._sessions:
            return self._sessions[account]
        if account in self._refused:
            raise NotReadable(self._refused[account])
        try:
            session = self._open(account)
        except NotReadable as e:
            self._refused[account] = str(e)
            raise
        self._sessions[account] = session
        return session

    def _open(self, account: str) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        base = self._boto3.Session(region_name=self.region)
        role = self.roles.get(account)
        if role is None:
            if account != self.own_account:
                raise NotReadable(f"not read: account {account}")
            if base.get_credentials() is None:
                raise NotReadable(f"not read: account {account} (no default credentials; give --account-role)")
            return base
        if base.get_credentials() is None:
            raise NotReadable(f"not read: account {account} (no default credentials to call sts:AssumeRole)")
        sts = base.client("sts", endpoint_url=self.endpoint_url, region_name=self.region, config=self.config)
        try:
            creds = sts.assume_role(RoleArn=role, RoleSessionName="render-dashboard")["Credentials"]
        except (ClientError, BotoCoreError) as e:
            raise NotReadable(f"not read: account {account} (AssumeRole: {_error_text(e)})") from e
        return self._boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                   aws_secret_access_key=creds["SecretAccessKey"],
                                   aws_session_token=creds["SessionToken"], region_name=self.region)

    def cloudwatch(self, account: str, region: str) -> Any:
        if (account, region) not in self._clients:
            self._clients[(account, region)] = self.session(account).client(
                "cloudwatch", endpoint_url=self.endpoint_url, region_name=region, config=self.config)
        return self._clients[(account, region)]


def _error_text(error: Exception) -> str:
    """A short reason for a failed call: the error code, or the HTTP status."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code and not code.isdigit():
            return f"{code} (HTTP {status})" if status else code
        if status:
            return f"HTTP {status} from the endpoint"
    return type(error).__name__


def _floor(moment: datetime, period: int) -> datetime:
    """The start of the period-aligned bucket holding ``moment`` (UTC)."""
    seconds = math.floor(moment.timestamp())
    return datetime.fromtimestamp(seconds - seconds % period, UTC)


def fetch(accounts: Accounts, keys: Iterable[MetricKey], start: datetime, end: datetime,
          period: int) -> dict[MetricKey, Fetched]:
    """GetMetricData for every key over [start, end): one call per (account, region), paged;
    when a call fails, its queries are sent one by one so that one bad query (moto fails
    percentiles) costs only its own line."""
    from botocore.exceptions import BotoCoreError, ClientError

    results: dict[MetricKey, Fetched] = {}
    groups: dict[tuple[str, str], list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        groups.setdefault((key.account, key.region), []).append(key)

    def query(batch: Sequence[MetricKey]) -> None:
        client = accounts.cloudwatch(batch[0].account, batch[0].region)
        ids = {f"m{i}": key for i, key in enumerate(batch)}
        queries = [{
            "Id": qid,
            "MetricStat": {
                "Metric": {"Namespace": key.namespace, "MetricName": key.name,
                           "Dimensions": [{"Name": n, "Value": v} for n, v in key.dimensions]},
                "Period": period,
                "Stat": key.stat,
                **({"Unit": key.unit} if key.unit else {}),
            },
            "ReturnData": True,
        } for qid, key in ids.items()]
        found: dict[str, Fetched] = {qid: Fetched() for qid in ids}
        token: str | None = None
        while True:
            request: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end,
                                       "ScanBy": "TimestampAscending"}
            if token:
                request["NextToken"] = token
            answer = client.get_metric_data(**request)
            for result in answer.get("MetricDataResults", []):
                points = found[result["Id"]].points
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                    if value is not None:
                        points[_floor(stamp.astimezone(UTC), period)] = float(value)
            token = answer.get("NextToken")
            if not token:
                break
        for qid, key in ids.items():
            results[key] = found[qid]

    for batch in groups.values():
        for i in range(0, len(batch), 500):  # GetMetricData takes at most 500 queries
            chunk = batch[i:i + 500]
            try:
                query(chunk)
            except (ClientError, BotoCoreError) as e:
                if len(chunk) == 1:
                    results[chunk[0]] = Fetched(error=f"not read: {_error_text(e)}")
                    continue
                for key in chunk:
                    try:
                        query([key])
                    except (ClientError, BotoCoreError) as single:
                        results[key] = Fetched(error=f"not read: {_error_text(single)}")
    return results


# ------------------------------------------------------------------------- alarms

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


# ------------------------------------------------------------------------- logs


class UnsupportedQuery(Exception):
    """A Logs Insights command the renderer does not run."""


@dataclass
class LogQuery:
    """The Logs Insights subset that dashboard log widgets here use."""

    source: str | None = None
    fields: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # filter ispresent(x) [and ispresent(y) ...]
    sort: tuple[str, bool] | None = None  # (field, descending)
    limit: int = 1000  # Logs Insights' default when a query has no limit


def _split_commands(query: str) -> list[str]:
    """The query's ``|``-separated commands, quotes respected."""
    commands, current, quote = [], "", ""
    for ch in query:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch == "|":
            commands.append(current.strip())
            current = ""
            continue
        current += ch
    commands.append(current.strip())
    return [c for c in commands if c]


def parse_log_query(query: str) -> LogQuery:
    """``SOURCE '…'``, ``fields a, b``, ``filter ispresent(x)``, ``sort f asc|desc``, ``limit N``
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html)."""
    parsed = LogQuery()
    for command in _split_commands(query):
        word, _, rest = command.partition(" ")
        verb, rest = word.lower(), rest.strip()
        if verb == "source":
            parsed.source = rest.strip("'\"` ")
        elif verb == "fields":
            parsed.fields += [f.strip() for f in rest.split(",") if f.strip()]
        elif verb == "filter":
            terms = re.split(r"\s+and\s+", rest, flags=re.IGNORECASE)
            for term in terms:
                match = re.fullmatch(r"ispresent\(\s*([\w@.]+)\s*\)", term.strip(), flags=re.IGNORECASE)
                if match is None:
                    raise UnsupportedQuery(command)
                parsed.present.append(match.group(1))
        elif verb == "sort":
            match = re.fullmatch(r"([\w@.]+)(?:\s+(asc|desc))?", rest, flags=re.IGNORECASE)
            if match is None:
                raise UnsupportedQuery(command)
            parsed.sort = (match.group(1), (match.group(2) or "asc").lower() == "desc")
        elif verb == "limit":
            if not rest.isdigit():
                raise UnsupportedQuery(command)
            parsed.limit = int(rest)
        else:
            raise UnsupportedQuery(command)
    return parsed


def flatten_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON log line's fields: the top level, plus the members of ``fields`` and ``span`` one
    level up (tracing-subscriber's JSON layout without ``flatten_event``), also under
    ``fields.x``/``span.x`` as Logs Insights names nested fields. Top-level names win."""
    flat = dict(event)
    for nested in ("fields", "span"):
        inner = event.get(nested)
        if isinstance(inner, dict):
            for name, value in inner.items():
                flat.setdefault(name, value)
                flat[f"{nested}.{name}"] = value
    return flat


def event_time(event: Mapping[str, Any]) -> datetime | None:
    """``@timestamp``: the line's ``@timestamp``, ``timestamp`` (tracing-subscriber) or ``time``
    (Lambda's platform lines), RFC 3339 or epoch milliseconds."""
    for name in ("@timestamp", "timestamp", "time"):
        value = event.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.fromtimestamp(value / 1000, UTC)
        if isinstance(value, str):
            text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())  # nanoseconds: Python takes 6 digits
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                continue
            return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def run_log_query(query: LogQuery, lines: Iterable[str], start: datetime, end: datetime) -> LogTable:
    """The query over JSON lines (one object per line; other lines are skipped), restricted to
    the window when a line carries a time."""
    events: list[tuple[dict[str, Any], datetime | None, str]] = []
    read = 0
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        read += 1
        flat = flatten_event(obj)
        moment = event_time(flat)
        if moment is not None and not start <= moment < end:
            continue
        events.append((flat, moment, line.rstrip("\n")))
    in_window = len(events)
    events = [e for e in events if all(e[0].get(name) is not None for name in query.present)]
    if query.sort:
        name, descending = query.sort

        def sort_key(event: tuple[dict[str, Any], datetime | None, str]) -> Any:
            return _sort_value(event, name)

        # Events without the field come last, whichever the order.
        with_value = sorted((e for e in events if sort_key(e) is not None), key=sort_key, reverse=descending)
        events = with_value + [e for e in events if sort_key(e) is None]
    columns = query.fields or ["@timestamp", "@message"]
    rows = []
    for flat, moment, raw in events[: query.limit]:
        row = []
        for name in columns:
            if name == "@timestamp":
                row.append(f"{moment:%Y-%m-%d %H:%M:%S.%f}"[:-3] if moment else "")
            elif name == "@message":
                row.append(raw)
            else:
                row.append(_cell(flat.get(name)))
        rows.append(row)
    return LogTable(query.source, columns, rows, read, in_window, query.limit)


def _sort_value(event: tuple[dict[str, Any], datetime | None, str], name: str) -> Any:
    flat, moment, _ = event
    if name == "@timestamp":
        return moment
    value = flat.get(name)
    return None if value is None else _cell(value)


# ------------------------------------------------------------------------- collecting


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


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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


# ------------------------------------------------------------------------- drawing


@functools.lru_cache(maxsize=None)
def _font(size: int) -> Any:
    return ImageFont.load_default(size=size)


def _number(value: float) -> str:
    """A compact axis or legend number: 0, 12, 0.5, 1.5k, 2M."""
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.3g}"


def nice_ticks(low: float, high: float, most: int) -> list[float]:
    """At most about ``most`` round ticks (1, 2, 2.5, 5 x 10^k apart) covering [low, high]."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(1, most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    count = math.ceil(high / step - 1e-9) - math.floor(low / step)
    return [first + i * step for i in range(count + 1)]


TIME_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def time_ticks(start: datetime, end: datetime, most: int) -> list[datetime]:
    span = (end - start).total_seconds()
    step = next((s for s in TIME_STEPS if span / s <= most), TIME_STEPS[-1])
    tick = _floor(start, step)
    if tick < start:
        tick += timedelta(seconds=step)
    ticks = []
    while tick <= end:
        ticks.append(tick)
        tick += timedelta(seconds=step)
    return ticks


def _fit(draw: ImageDraw.ImageDraw, text: str, font: Any, width: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…" if text else ""


def _vertical_text(img: Image.Image, x: int, y_mid: int, text: str, font: Any, fill: str) -> None:
    """``text`` turned 90 degrees anticlockwise, its left edge at ``x``, centred on ``y_mid``."""
    probe = ImageDraw.Draw(img)
    width, height = int(probe.textlength(text, font=font)) + 2, font.size + 4
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((1, 0), text, font=font, fill=fill)
    turned = layer.rotate(90, expand=True)
    img.paste(turned, (x, y_mid - turned.height // 2), turned)


def _legend_rows(draw: ImageDraw.ImageDraw, series: Sequence[Series], width: int, font: Any) -> list[list[tuple[Series, str]]]:
    """Legend entries flowed into rows of ``width`` pixels."""
    rows: list[list[tuple[Series, str]]] = [[]]
    used = 0
    for s in series:
        text = s.label + (" (right axis)" if s.y_axis == "right" else "") + (f" ({s.note})" if s.note else "")
        text = _fit(draw, text, font, width - 16)
        need = 16 + draw.textlength(text, font=font) + 14
        if rows[-1] and used + need > width:
            rows.append([])
            used = 0
        rows[-1].append((s, text))
        used += need
    return [r for r in rows if r]


def draw_metric(img: Image.Image, draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], wd: WidgetData,
                start: datetime, end: datetime) -> None:
    x0, y0, x1, y1 = box
    tiny = _font(11)
    legend = _legend_rows(draw, wd.series, x1 - x0 - 24, tiny)
    legend_top = y1 - 8 - 15 * len(legend)
    for row_index, row in enumerate(legend):
        x, y = x0 + 12, legend_top + 15 * row_index
        for s, text in row:
            if s.note:
                draw.rectangle((x, y + 3, x + 9, y + 12), outline=AXIS_INK)
            else:
                draw.rectangle((x, y + 3, x + 9, y + 12), fill=s.colour)
            draw.text((x + 14, y + 1), text, fill=MUTED_INK if s.note else TEXT_INK, font=tiny)
            x += 16 + int(draw.textlength(text, font=tiny)) + 14
    top, bottom = y0 + 36, legend_top - 20
    drawn = [s for s in wd.series if s.points]
    if not drawn:
        message = "No data available."
        width = draw.textlength(message, font=_font(13))
        draw.text(((x0 + x1 - width) / 2, (top + bottom) / 2 - 8), message, fill=MUTED_INK, font=_font(13))
        return

    def scale(side: str) -> list[float]:
        values = [v for s in drawn if s.y_axis == side for _, v in s.points]
        if not values:
            return []
        return nice_ticks(min(0.0, min(values)), max(values) if max(values) > min(0.0, min(values)) else 1.0,
                          max(2, (bottom - top) // 30))

    ticks = {side: scale(side) for side in ("left", "right")}
    label_width = {side: max((draw.textlength(_number(t), font=tiny) for t in ticks[side]), default=0)
                   for side in ticks}
    left = x0 + 14 + int(label_width["left"]) + (16 if "left" in wd.y_labels else 0)
    right = x1 - 14 - (int(label_width["right"]) + 8 + (16 if "right" in wd.y_labels else 0) if ticks["right"] else 0)
    # Grid and left/right tick labels.
    for side, side_ticks in ticks.items():
        if not side_ticks:
            continue
        low, high = side_ticks[0], side_ticks[-1]
        for t in side_ticks:
            y = bottom - (t - low) / (high - low) * (bottom - top)
            if side == "left" or not ticks["left"]:
                draw.line((left, y, right, y), fill=GRID_INK)
            text = _number(t)
            if side == "left":
                draw.text((left - 6 - draw.textlength(text, font=tiny), y - 7), text, fill=MUTED_INK, font=tiny)
            else:
                draw.text((right + 6, y - 7), text, fill=MUTED_INK, font=tiny)
    if "left" in wd.y_labels:
        _vertical_text(img, x0 + 8, (top + bottom) // 2, wd.y_labels["left"], tiny, MUTED_INK)
    if "right" in wd.y_labels and ticks["right"]:
        _vertical_text(img, x1 - 22, (top + bottom) // 2, wd.y_labels["right"], tiny, MUTED_INK)
    draw.line((left, bottom, right, bottom), fill=AXIS_INK)
    # Time axis.
    span = (end - start).total_seconds()

    def x_of(moment: datetime) -> float:
        return left + (moment - start).total_seconds() / span * (right - left)

    for tick in time_ticks(start, end, max(2, (right - left) // 60)):
        x = x_of(tick)
        draw.line((x, bottom, x, bottom + 3), fill=AXIS_INK)
        label = f"{tick:%H:%M}"
        label_width = draw.textlength(label, font=tiny)
        label_x = min(max(x - label_width / 2, x0 + 4), x1 - 4 - label_width)  # inside the widget
        draw.text((label_x, bottom + 4), label, fill=MUTED_INK, font=tiny)
    # The series: a line through the datapoints, and the datapoints.
    for s in drawn:
        low, high = ticks[s.y_axis][0], ticks[s.y_axis][-1]
        xy = [(x_of(t), bottom - (v - low) / (high - low) * (bottom - top)) for t, v in s.points]
        if len(xy) > 1:
            draw.line(xy, fill=s.colour, width=2, joint="curve")
        for x, y in xy:
            draw.ellipse((x - 2.5, y - 2.5, x + 2.5, y + 2.5), fill=s.colour)
    if wd.note:
        draw.text((x1 - 12 - draw.textlength(wd.note, font=tiny), y0 + 10), wd.note, fill=MUTED_INK, font=tiny)


def draw_alarms(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], wd: WidgetData) -> None:
    """The console's alarm status widget: each alarm's state (ALARM red, OK green,
    INSUFFICIENT_DATA grey) and name, with the renderer's reason below."""
    x0, y0, x1, y1 = box
    name_font, reason_font, badge_font = _font(12), _font(10), _font(10)
    top = y0 + 34
    if not wd.alarms:
        draw.text((x0 + 12, top), "No alarms listed.", fill=MUTED_INK, font=name_font)
        return
    row = max(30, min(46, (y1 - 6 - top) // len(wd.alarms)))
    badge_w = 112
    for i, alarm in enumerate(wd.alarms):
        y = top + i * row
        if y + 28 > y1:
            draw.text((x0 + 12, y), f"… {len(wd.alarms) - i} more", fill=MUTED_INK, font=reason_font)
            break
        colour = STATE_COLOURS.get(alarm.state, STATE_COLOURS[INSUFFICIENT_DATA])
        draw.rounded_rectangle((x0 + 12, y + 2, x0 + 12 + badge_w, y + 20), radius=4, fill=colour)
        label = alarm.state
        draw.text((x0 + 12 + (badge_w - draw.textlength(label, font=badge_font)) / 2, y + 5), label,
                  fill="#ffffff", font=badge_font)
        text_x = x0 + 12 + badge_w + 10
        width = x1 - 12 - text_x
        font = name_font if draw.textlength(alarm.name, font=name_font) <= width else _font(11)
        draw.text((text_x, y + 3), _fit(draw, alarm.name, font, width), fill=INK, font=font)
        if row >= 34:
            draw.text((text_x, y + 19), _fit(draw, alarm.reason, reason_font, width), fill=MUTED_INK,
                      font=reason_font)


def column_widths(wanted: Sequence[float], total: float) -> list[float]:
    """Column widths within ``total`` pixels: the columns that fit keep their width, and the
    widest are cut to one common width (a timestamp stays whole, a long ARN is cut)."""
    if sum(wanted) <= total:
        return list(wanted)
    low, high = 0.0, max(wanted)
    for _ in range(40):  # the largest cap c with sum(min(w, c)) <= total
        cap = (low + high) / 2
        low, high = (cap, high) if sum(min(w, cap) for w in wanted) <= total else (low, cap)
    return [min(w, low) for w in wanted]


def draw_table(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], wd: WidgetData) -> None:
    """A log widget's result table: the query's columns, cells cut to their column."""
    assert wd.table is not None
    table = wd.table
    x0, y0, x1, y1 = box
    head_font, cell_font = _font(11), _font(11)
    caption = (f"{len(table.rows)} row(s) of {table.in_window} log event(s) in the window"
               f" ({table.lines_read} JSON lines read; limit {table.limit})"
               + (f"; standing in for {table.source}" if table.source else ""))
    draw.text((x1 - 12 - draw.textlength(_fit(draw, caption, cell_font, 700), font=cell_font), y0 + 10),
              _fit(draw, caption, cell_font, 700), fill=MUTED_INK, font=cell_font)
    sample = table.rows[:50]
    wanted = [max([draw.textlength(c, font=head_font)] + [draw.textlength(r[i], font=cell_font) for r in sample]) + 14
              for i, c in enumerate(table.columns)]
    widths = column_widths(wanted, x1 - x0 - 24)
    top = y0 + 34
    x = x0 + 12
    draw.rectangle((x0 + 8, top - 2, x1 - 8, top + 15), fill="#f2f3f3")
    for column, w in zip(table.columns, widths):
        draw.text((x, top), _fit(draw, column, head_font, w - 8), fill=INK, font=head_font)
        x += w
    y = top + 19
    if not table.rows:
        draw.text((x0 + 12, y + 4), "No data found.", fill=MUTED_INK, font=cell_font)
        return
    for index, row in enumerate(table.rows):
        if y + 28 > y1 and index < len(table.rows) - 1:
            draw.text((x0 + 12, y), f"… {len(table.rows) - index} more row(s)", fill=MUTED_INK, font=cell_font)
            break
        x = x0 + 12
        for cell, w in zip(row, widths):
            draw.text((x, y), _fit(draw, cell, cell_font, w - 8), fill=TEXT_INK, font=cell_font)
            x += w
        draw.line((x0 + 8, y + 14, x1 - 8, y + 14), fill=GRID_INK)
        y += 15


def draw_lines(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], lines: Sequence[str],
               note: str | None = None) -> None:
    """Text in a widget, as layout mode draws it (markdown, a query, a metric list)."""
    x0, y0, x1, y1 = box
    font = _font(12)
    y = y0 + 32
    shown = list(lines) + ([f"({note})"] if note else [])
    for line in (part for ln in shown for part in wrap(draw, ln, font, x1 - x0 - 24)):
        if y > y1 - 16:
            break
        draw.text((x0 + 12, y), line, fill=TEXT_INK, font=font)
        y += 16


def footer_lines(data: DashboardData) -> list[str]:
    template = ", ".join(f"{p} s" for p in data.template_periods) or "none"
    lines = [
        f"Data: GetMetricData on {data.endpoint_url}, {data.start:%Y-%m-%d %H:%M}-{data.end:%H:%M} UTC, "
        f"period {data.period} s for every widget and alarm (the template's widget periods: {template}).",
        "Alarm states are evaluated by the renderer from the template's alarm definitions over the data shown "
        f"(Period replaced by {data.period} s); they are not read from CloudWatch.",
    ]
    if data.unresolved:
        lines.append("Placeholders without a value (--set NAME=VALUE): " + "; ".join(data.unresolved) + ".")
    return lines + data.notes


def render_data(data: DashboardData, out: Path) -> None:
    """The data picture: the dashboard grid, each widget drawn from ``data``, and a footer."""
    rows = max((wd.widget.get("y", 0) + wd.widget.get("height", 6) for wd in data.widgets), default=1)
    width = 24 * CELL_W + 2 * PAD
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    footer = [part for line in footer_lines(data) for part in wrap(probe, line, _font(12), width - 2 * PAD - 8)]
    grid_height = rows * DATA_CELL_H + 2 * PAD
    img = Image.new("RGB", (width, grid_height + 16 * len(footer) + PAD), BACKGROUND)
    draw = ImageDraw.Draw(img)
    for wd in data.widgets:
        w = wd.widget
        x0 = PAD + w.get("x", 0) * CELL_W
        y0 = PAD + w.get("y", 0) * DATA_CELL_H
        x1 = x0 + w.get("width", 6) * CELL_W - PAD
        y1 = y0 + w.get("height", 6) * DATA_CELL_H - PAD
        box = (x0, y0, x1, y1)
        draw.rectangle(box, fill=WIDGET_FILL, outline=WIDGET_BORDER)
        draw.text((x0 + 12, y0 + 9), _fit(draw, wd.title, _font(14), x1 - x0 - 24), fill=INK, font=_font(14))
        if wd.kind == "metric":
            draw_metric(img, draw, box, wd, data.start, data.end)
        elif wd.kind == "alarm":
            draw_alarms(draw, box, wd)
        elif wd.kind == "log" and wd.table is not None:
            draw_table(draw, box, wd)
        else:
            draw_lines(draw, box, wd.lines, wd.note)
    y = grid_height
    for line in footer:
        draw.text((PAD + 4, y), line, fill=TEXT_INK, font=_font(12))
        y += 16
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out)


# ------------------------------------------------------------------------- command line


def _pairs(values: Sequence[str] | None, flag: str, parser: argparse.ArgumentParser) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"{flag} {item!r}: expected NAME=VALUE")
        out[name] = value
    return out


def _moment(text: str) -> datetime:
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from e


def main(argv: Sequence[str] | None = None) -> int:
    here = Path(__file__).resolve().parent
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--template", type=Path, default=here / "destination-account.yaml")
    p.add_argument("--out", type=Path,
                   help="the PNG (default docs/dashboard.png; with --endpoint-url dist/dashboard-data.png)")
    p.add_argument("--set", dest="overrides", action="append", metavar="NAME=VALUE",
                   help="a placeholder's value (DestinationBucket=d-123, Queue.QueueName=q, AWS::AccountId=…)")
    data_mode = p.add_argument_group("data mode")
    data_mode.add_argument("--endpoint-url", help="read CloudWatch data from this endpoint")
    data_mode.add_argument("--region", help="region of the endpoint and AWS::Region (default us-east-1)")
    data_mode.add_argument("--account-role", action="append", metavar="ACCOUNT_ID=ROLE_ARN",
                           help="read ACCOUNT_ID's metrics with credentials from sts:AssumeRole of ROLE_ARN")
    data_mode.add_argument("--start", type=_moment, help="window start (ISO 8601; default: 30 minutes before --end)")
    data_mode.add_argument("--end", type=_moment, help="window end (ISO 8601; default: now)")
    data_mode.add_argument("--period", type=int, help="seconds per datapoint for every widget and alarm (default 60)")
    data_mode.add_argument("--log-lines", type=Path, help="JSON lines standing in for a log widget's log group")
    a = p.parse_args(argv)
    overrides = _pairs(a.overrides, "--set", p)
    template = cfn_yaml.load(str(a.template))

    if a.endpoint_url is None:
        given = [flag for flag, value in (("--region", a.region), ("--account-role", a.account_role),
                                          ("--start", a.start), ("--end", a.end), ("--period", a.period),
                                          ("--log-lines", a.log_lines)) if value is not None]
        if given:
            p.error(f"{', '.join(given)} only apply with --endpoint-url")
        out = a.out or here.parent / "docs" / "dashboard.png"
        body = json.loads(fill(dashboard_body(template), template, overrides))
        widgets = body.get("widgets", [])
        if not widgets:
            raise SystemExit("the dashboard has no widgets")
        render(widgets, out)
        print(f"{out}: {len(widgets)} widgets")
        return 0

    roles = _pairs(a.account_role, "--account-role", p)
    for account, role in roles.items():
        match = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):role/.+", role)
        if not re.fullmatch(r"\d{12}", account) or match is None:
            p.error(f"--account-role {account}={role}: expected a 12-digit account and a role ARN")
        if match.group(1) != account:
            p.error(f"--account-role {account}={role}: the role is in account {match.group(1)}")
    if a.log_lines is not None and not a.log_lines.is_file():
        p.error(f"--log-lines {a.log_lines}: no such file")
    options = DataOptions(endpoint_url=a.endpoint_url, region=a.region or "us-east-1", overrides=overrides,
                          account_roles=roles, start=a.start, end=a.end, period=a.period or 60,
                          log_lines=a.log_lines)
    out = a.out or here.parent / "dist" / "dashboard-data.png"
    data = collect(template, options)
    render_data(data, out)
    series = sum(1 for wd in data.widgets for s in wd.series if s.points)
    print(f"{out}: {len(data.widgets)} widgets, {series} series with data, "
          f"{data.start:%H:%M}-{data.end:%H:%M} UTC, period {data.period} s")
    # The picture says why a line or alarm was not read; the terminal hears it too.
    problems = [s.note for wd in data.widgets for s in wd.series if s.note] + \
               [a.reason for wd in data.widgets for a in wd.alarms if a.reason.startswith("not evaluated")]
    for problem, count in sorted({p: problems.count(p) for p in problems}.items()):
        print(f"  {count} x {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
