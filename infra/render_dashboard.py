#!/usr/bin/env python3
"""Render the CloudWatch dashboard of infra/destination-account.yaml as a PNG: its layout, or with data.

    render_dashboard.py [--template T] [--out PNG] [--set NAME=VALUE ...]     # layout mode
    render_dashboard.py ... --endpoint-url URL [--account-role ...] [...]     # data mode

The code is the package ``infra/dashboard/`` (its ``__init__`` lists the modules); the usage in
full is ``dashboard/cli.py``'s docstring, which ``--help`` prints. This script runs its ``main``,
and names what ``infra/test_render_dashboard.py`` reaches through ``render_dashboard``.
"""

from __future__ import annotations

import sys

from dashboard.alarms import evaluate_range
from dashboard.cli import main
from dashboard.data import collect
from dashboard.layout import CELL_W, PAD
from dashboard.logs import UnsupportedQuery, parse_log_query
from dashboard.model import (
    ALARM,
    INSUFFICIENT_DATA,
    OK,
    AlarmStatus,
    DashboardData,
    DataOptions,
    Series,
    WidgetData,
    _floor,
)

__all__ = [
    "ALARM", "CELL_W", "INSUFFICIENT_DATA", "OK", "PAD", "AlarmStatus", "DashboardData", "DataOptions",
    "Series", "UnsupportedQuery", "WidgetData", "_floor", "collect", "evaluate_range", "main",
    "parse_log_query",
]

if __name__ == "__main__":
    sys.exit(main())
