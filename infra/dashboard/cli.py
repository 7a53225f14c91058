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
import json
import re
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from cfnlint.decode import cfn_yaml

from .data import collect
from .draw import render_data
from .layout import render
from .model import DataOptions, _utc
from .template import dashboard_body, fill


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
    here = Path(__file__).resolve().parent.parent  # infra/
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
