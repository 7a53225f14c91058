"""Tests of infra/render_dashboard.py: its data mode against the local AWS emulator (stdlib unittest).

    .venv/bin/python -m unittest discover -s infra -p 'test_*.py'      (make test runs this)

The local AWS emulator (``tests/local-aws/launcher.py serve``: moto plus our layer, which
answers CloudWatch's JSON protocol with percentiles and namespace-correct reads) runs on
127.0.0.1 (a free port) as a child process for this module's data tests and is stopped after
them. It gets a few datapoints in the destination account B and the source account A (among
them verification delays for the p50/p99 lines); the renderer then reads them the way the demo has it read them
(sts:AssumeRole per account on the same endpoint) and the tests check what ``collect``
returns, before drawing: the series, the alarm states and the log table. The alarm rule itself
is checked against every row of the CloudWatch guide's example tables.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
import unittest
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "local-aws"))  # launcher.py

import boto3  # noqa: E402
from cfnlint.decode import cfn_yaml  # noqa: E402
from PIL import Image  # noqa: E402

import launcher  # noqa: E402
import render_dashboard as rd  # noqa: E402

TEMPLATE = HERE / "destination-account.yaml"
ACCOUNT_A, ACCOUNT_B = "111111111111", "222222222222"
SOURCE_BUCKET, BUCKET = "s-render-test", "d-render-test"
NAMESPACE = "S3KmsReplication"
ROLE = "arn:aws:iam::{}:role/local-aws-admin"
KB = "arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21"
# ReplicaVerificationDelay samples (ms): 100, 200, ..., 10000. Nearest rank (CloudWatch's pNN):
# p50 is the 50th smallest, 5000 (interpolation would give 5050); p99 the 99th, 9900 (not the max).
DELAYS = [100.0 * i for i in range(1, 101)]

# What the demo passes: the template's placeholders that have no default.
SETS = {
    "DestinationBucket": BUCKET,
    "SourceBucket": SOURCE_BUCKET,
    "SourceAccountId": ACCOUNT_A,
    "DestinationKmsKeyArn": KB,
    "MetricsNamespace": NAMESPACE,
    "Queue.QueueName": "verifier-queue",
    "DeadLetterQueue.QueueName": "verifier-dlq",
}


def _template_with_test_alarms() -> dict[str, Any]:
    """The real template plus two alarms the alarm widget lists: one on a metric nobody
    publishes with TreatMissingData breaching, and one with a template Condition, listed through
    an ``Fn::If`` in the dashboard's Sub variables (as conditional alarms are)."""
    template = json.loads(json.dumps(cfn_yaml.load(str(TEMPLATE))))  # plain dicts, a private copy

    def alarm(name: str, metric: str, treat: str) -> dict[str, Any]:
        return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": {"Fn::Sub": "${AWS::StackName}-" + name},
            "Namespace": {"Ref": "MetricsNamespace"}, "MetricName": metric,
            "Dimensions": [{"Name": "DestinationBucket", "Value": {"Ref": "DestinationBucket"}}],
            "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": treat}}

    template["Parameters"]["TestSwitch"] = {"Type": "String", "Default": "false"}
    template["Conditions"]["TestSwitchOn"] = {"Fn::Equals": [{"Ref": "TestSwitch"}, "true"]}
    template["Resources"]["TestNoDataBreachingAlarm"] = alarm("TestNoDataBreaching", "TestNeverPublished", "breaching")
    template["Resources"]["TestConditionalAlarm"] = {**alarm("TestConditional", "ReplicaWrongKey", "notBreaching"),
                                                     "Condition": "TestSwitchOn"}
    dashboard = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    sub = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    text, variables = (sub[0], sub[1]) if isinstance(sub, list) else (sub, {})
    text, count = re.subn(r'("alarms": \[[^\]]*)\]',
                          r'\1, "${TestNoDataBreachingAlarm.Arn}", "${TestConditional}"]', text)
    assert count == 1, "the template's alarm widget was not found"
    variables["TestConditional"] = {"Fn::If": ["TestSwitchOn", {"Fn::GetAtt": ["TestConditionalAlarm", "Arn"]},
                                               {"Ref": "AWS::NoValue"}]}
    dashboard["Properties"]["DashboardBody"]["Fn::Sub"] = [text, variables]
    return template


def _widget(data: rd.DashboardData, title: str) -> rd.WidgetData:
    return next(wd for wd in data.widgets if wd.title == title)


def _alarms(data: rd.DashboardData) -> dict[str, rd.AlarmStatus]:
    return {a.logical_id or a.entry: a for wd in data.widgets if wd.kind == "alarm" for a in wd.alarms}


class EvaluateRangeTest(unittest.TestCase):
    """``evaluate_range`` against every row of the two example tables in "How alarm state is
    evaluated when data is missing" (AlarmThatSendsEmail.html): 0 is a non-breaching datapoint,
    X a breaching one, - a missing one, oldest first; RETAIN is "Retain current state"."""

    RETAIN = "RETAIN"
    TREATMENTS = ("missing", "ignore", "breaching", "notBreaching")
    # Datapoints to Alarm 3, Evaluation Periods 3.
    THREE_OF_THREE = [
        ("0 - X - X", "OK", "OK", "OK", "OK"),
        ("0 - - - -", "OK", "OK", "OK", "OK"),
        ("- - - - -", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
        ("0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
        ("- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
        ("X - - - -", "ALARM", RETAIN, "ALARM", "OK"),
    ]
    # Datapoints to Alarm 2, Evaluation Periods 3.
    TWO_OF_THREE = [
        ("0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"),
        ("0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"),
        ("0 - X - -", "OK", "OK", "ALARM", "OK"),
        ("- - - - 0", "OK", "OK", "ALARM", "OK"),
        ("- - - - X", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"),
    ]

    def check(self, rows: list[tuple[str, ...]], m: int) -> None:
        for points, *expected in rows:
            values = [{"0": 0.0, "X": 1.0, "-": None}[p] for p in points.split()]
            for treat, want in zip(self.TREATMENTS, expected):
                for current in ("OK", "ALARM", "INSUFFICIENT_DATA"):
                    with self.subTest(points=points, m=m, treat=treat, current=current):
                        state, _ = rd.evaluate_range(values, evaluation_periods=3, datapoints_to_alarm=m,
                                                     breaches=lambda v: v > 0, treat_missing_data=treat,
                                                     current=current)
                        self.assertEqual(state, current if want == self.RETAIN else want)

    def test_three_of_three(self) -> None:
        self.check(self.THREE_OF_THREE, 3)

    def test_two_of_three(self) -> None:
        self.check(self.TWO_OF_THREE, 2)


class LogQueryTest(unittest.TestCase):
    def test_the_widget_query_parses(self) -> None:
        q = rd.parse_log_query("SOURCE '/aws/lambda/x' | fields @timestamp, verdict | filter ispresent(verdict)"
                               " | sort @timestamp desc | limit 100")
        self.assertEqual((q.source, q.fields, q.present, q.sort, q.limit),
                         ("/aws/lambda/x", ["@timestamp", "verdict"], ["verdict"], ("@timestamp", True), 100))

    def test_other_commands_are_not_run(self) -> None:
        with self.assertRaises(rd.UnsupportedQuery):
            rd.parse_log_query("fields a | stats count(*) by a")
        with self.assertRaises(rd.UnsupportedQuery):
            rd.parse_log_query("fields a | filter a = 1")


class DataModeTest(unittest.TestCase):
    """``collect`` and the CLI against the emulator, with datapoints for the dashboard's metrics."""

    endpoint: str
    now: datetime
    log_file: Path
    tmp: Path

    @classmethod
    def setUpClass(cls) -> None:
        # Credentials the emulator accepts, and nothing from the developer's own AWS configuration.
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())  # stops exactly that process

        cls.now = datetime.now(UTC)
        b, a = cls._cloudwatch(ACCOUNT_B), cls._cloudwatch(ACCOUNT_A)
        dims = [{"Name": "DestinationBucket", "Value": BUCKET}]
        b.put_metric_data(Namespace=NAMESPACE, MetricData=[
            {"MetricName": "ReplicasVerified", "Dimensions": dims, "Value": 5, "Timestamp": cls.now - timedelta(minutes=2)},
            {"MetricName": "ReplicaWrongKey", "Dimensions": dims, "Value": 1, "Timestamp": cls.now - timedelta(minutes=1)},
        ])
        # The "Verification delay" widget's p50/p99 lines: DELAYS in one minute, as two datums of
        # Values (shuffled halves), plus a decoy with the same name and dimensions in another
        # namespace, which a namespace-correct read leaves out.
        delay_at = cls.now - timedelta(minutes=4)
        b.put_metric_data(Namespace=NAMESPACE, MetricData=[
            {"MetricName": "ReplicaVerificationDelay", "Dimensions": dims, "Unit": "Milliseconds",
             "Timestamp": delay_at, "Values": half} for half in (DELAYS[1::2], DELAYS[-2::-2])])
        b.put_metric_data(Namespace=NAMESPACE + "Decoy", MetricData=[
            {"MetricName": "ReplicaVerificationDelay", "Dimensions": dims, "Value": 1e6, "Timestamp": delay_at}])
        a.put_metric_data(Namespace=NAMESPACE, MetricData=[{
            "MetricName": "ReplicationSetupFindings", "Value": 0, "Timestamp": cls.now - timedelta(minutes=3),
            "Dimensions": [{"Name": "Side", "Value": "source"}, {"Name": "SourceBucket", "Value": SOURCE_BUCKET},
                           {"Name": "DestinationBucket", "Value": BUCKET}]}])

        tmp = tempfile.TemporaryDirectory()
        cls.addClassCleanup(tmp.cleanup)
        cls.tmp = Path(tmp.name)
        cls.log_file = cls.tmp / "verifier.log"

        def at(minutes: int) -> str:
            return (cls.now - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        verdict = {"level": "WARN", "bucket": BUCKET, "version": "v1", "expected_key": KB,
                   "found": "aws:kms", "message": "replica not verified"}
        cls.log_file.write_text("\n".join([
            "START RequestId: 1 Version: $LATEST",  # not JSON: skipped
            json.dumps({"timestamp": at(5), "level": "INFO", "message": "batch done", "records": 2}),  # no verdict
            json.dumps({**verdict, "timestamp": at(1), "verdict": "ReplicaWrongKey", "key": "a b+c.txt",
                        "actual_key": "arn:aws:kms:us-east-1:222222222222:key/other", "reason": "wrong key"}),
            # tracing-subscriber's JSON without flatten_event: the event's fields under "fields"
            json.dumps({"timestamp": at(3), "level": "WARN", "span": {"name": "verify"},
                        "fields": {"verdict": "ReplicaNotKmsEncrypted", "key": "plain.txt", "bucket": BUCKET,
                                   "message": "replica not verified"}}),
            json.dumps({**verdict, "timestamp": at(120), "verdict": "ReplicaMissing", "key": "old.txt"}),  # before the window
            json.dumps(["not", "an", "object"]),
        ]) + "\n")

    @classmethod
    def _cloudwatch(cls, account: str) -> Any:
        sts = boto3.client("sts", endpoint_url=cls.endpoint, region_name="us-east-1")
        creds = sts.assume_role(RoleArn=ROLE.format(account), RoleSessionName="seed")["Credentials"]
        return boto3.client("cloudwatch", endpoint_url=cls.endpoint, region_name="us-east-1",
                            aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])

    def collect(self, *, roles: tuple[str, ...] = (ACCOUNT_B, ACCOUNT_A), **sets: str) -> rd.DashboardData:
        options = rd.DataOptions(endpoint_url=self.endpoint, overrides={**SETS, **sets},
                                 account_roles={acct: ROLE.format(acct) for acct in roles},
                                 log_lines=self.log_file)
        return rd.collect(_template_with_test_alarms(), options, now=self.now)

    def test_series_hold_the_datapoints(self) -> None:
        data = self.collect()
        minute = rd._floor(self.now - timedelta(minutes=2), 60)
        self.assertEqual(_widget(data, "Replicas verified").series[0].points, [(minute, 5.0)])
        findings = {s.label: s.points for s in _widget(data, "Findings and errors (should be 0)").series}
        self.assertEqual([v for _, v in findings["ReplicaWrongKey"]], [1.0])
        self.assertEqual(findings["ReplicaNotKmsEncrypted"], [])
        self.assertEqual(data.period, 60)
        self.assertIn(data.end - data.start, (timedelta(minutes=30), timedelta(minutes=31)))  # whole periods

    def test_verification_delay_percentiles(self) -> None:
        widget = _widget(self.collect(), "Verification delay (event to verdict)")
        minute = rd._floor(self.now - timedelta(minutes=4), 60)
        self.assertEqual([(s.label, s.key.stat if s.key else None) for s in widget.series], [("p50", "p50"), ("p99", "p99")])
        self.assertEqual({s.label: (s.points, s.note) for s in widget.series},
                         {"p50": ([(minute, 5000.0)], None), "p99": ([(minute, 9900.0)], None)})

    def test_alarm_states(self) -> None:
        alarms = _alarms(self.collect())
        self.assertEqual(alarms["ReplicaWrongKeyAlarm"].state, rd.ALARM)  # Sum 1 > 0
        self.assertEqual(alarms["ReplicaWrongKeyAlarm"].name, "replication-destination-ReplicaWrongKey")
        self.assertEqual(alarms["TestNoDataBreachingAlarm"].state, rd.ALARM)  # no data, breaching
        self.assertEqual(alarms["ReplicaNotKmsEncryptedAlarm"].state, rd.OK)  # no data, notBreaching
        self.assertEqual(alarms["DeadLetterQueueAlarm"].state, rd.OK)  # AWS/SQS, no data, notBreaching
        self.assertNotIn("TestConditionalAlarm", alarms)  # Fn::If false: not listed

    def test_conditional_alarm_listed_when_its_condition_holds(self) -> None:
        alarms = _alarms(self.collect(TestSwitch="true"))
        self.assertEqual(alarms["TestConditionalAlarm"].state, rd.ALARM)
        self.assertEqual(alarms["TestConditionalAlarm"].condition, "TestSwitchOn")

    def test_unset_queue_name_is_not_evaluated(self) -> None:
        sets = {k: v for k, v in SETS.items() if k != "DeadLetterQueue.QueueName"}
        options = rd.DataOptions(endpoint_url=self.endpoint, overrides=sets,
                                 account_roles={ACCOUNT_B: ROLE.format(ACCOUNT_B)})
        data = rd.collect(_template_with_test_alarms(), options, now=self.now)
        dlq = _alarms(data)["DeadLetterQueueAlarm"]
        self.assertEqual((dlq.state, dlq.reason), (rd.INSUFFICIENT_DATA, "not evaluated: set DeadLetterQueue.QueueName"))
        self.assertIn("set DeadLetterQueue.QueueName", data.unresolved)

    def test_other_account_needs_its_role(self) -> None:
        def source_side(data: rd.DashboardData) -> rd.Series:
            widget = _widget(data, "Setup findings, scheduled check (should be 0)")
            return next(s for s in widget.series if s.label == "source side")

        read = source_side(self.collect())
        self.assertEqual(([v for _, v in read.points], read.note), ([0.0], None))
        self.assertEqual(read.key.account if read.key else None, ACCOUNT_A)
        unread = source_side(self.collect(roles=(ACCOUNT_B,)))
        self.assertEqual((unread.points, unread.note), ([], f"not read: account {ACCOUNT_A}"))

    def test_log_table_runs_the_widget_query(self) -> None:
        table = _widget(self.collect(), "Replicas not verified (verifier verdict lines)").table
        assert table is not None
        self.assertEqual(table.columns, ["@timestamp", "verdict", "bucket", "key", "version", "expected_key",
                                         "actual_key", "found", "reason"])
        self.assertEqual(table.source, "/aws/lambda/replication-destination-verifier")
        self.assertEqual([(r[1], r[3]) for r in table.rows],
                         [("ReplicaWrongKey", "a b+c.txt"), ("ReplicaNotKmsEncrypted", "plain.txt")])  # newest first
        self.assertEqual(table.rows[0][0], f"{self.now - timedelta(minutes=1):%Y-%m-%d %H:%M:%S.%f}"[:-3])
        self.assertEqual((table.lines_read, table.in_window), (4, 3))  # JSON objects; of those, in the window

    def test_cli_draws_the_data_picture(self) -> None:
        out = self.tmp / "dashboard-data.png"
        args = ["--endpoint-url", self.endpoint, "--out", str(out), "--log-lines", str(self.log_file),
                "--end", self.now.isoformat(), "--account-role", f"{ACCOUNT_B}={ROLE.format(ACCOUNT_B)}"]
        for name, value in SETS.items():
            args += ["--set", f"{name}={value}"]
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            self.assertEqual(rd.main(args), 0)
        self.assertIn("period 60 s", stdout.getvalue())
        with Image.open(out) as image:
            self.assertEqual(image.width, 24 * rd.CELL_W + 2 * rd.PAD)
            # the ALARM badge's red is in the picture
            self.assertIn((0xD1, 0x32, 0x12), {c for _, c in image.convert("RGB").getcolors(1 << 20) or []})

    def test_data_options_need_an_endpoint(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            rd.main(["--out", str(self.tmp / "layout.png"), "--period", "60"])


if __name__ == "__main__":
    unittest.main()
