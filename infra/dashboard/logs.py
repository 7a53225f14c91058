"""A log widget's Logs Insights query (the subset the dashboards here use) run over JSON lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .model import LogTable


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
