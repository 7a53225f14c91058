"""Layout mode: every widget of the dashboard where the grid puts it (24 columns), with its
title and what it shows, no data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont


CELL_W, CELL_H, PAD = 52, 34, 6
COLOURS = {"metric": "#e8f1fb", "text": "#f4f4f4", "log": "#eef7ea", "alarm": "#fdf0e6"}


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
