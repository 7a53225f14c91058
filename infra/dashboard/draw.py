"""The data picture: the dashboard grid drawn the way the CloudWatch console draws it (time
series, alarm states, log tables), with a footer saying where the data came from."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .layout import CELL_W, PAD, wrap
from .model import ALARM, INSUFFICIENT_DATA, OK, DashboardData, Series, WidgetData, _floor, _number


DATA_CELL_H = 44  # taller than the layout's 34 px: room for a plot, its axes and its legend
BACKGROUND, WIDGET_FILL, WIDGET_BORDER = "#f2f3f3", "#ffffff", "#d5dbdb"
INK, TEXT_INK, MUTED_INK, GRID_INK, AXIS_INK = "#16191f", "#414d5c", "#5f6b7a", "#e9ebed", "#879596"
STATE_COLOURS = {ALARM: "#d13212", OK: "#1d8102", INSUFFICIENT_DATA: "#8d99a8"}


@functools.lru_cache(maxsize=None)
def _font(size: int) -> Any:
    return ImageFont.load_default(size=size)


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
