"""Checks of infra/*.yaml that need no emulator (stdlib unittest): the alarms against the metric
names the functions publish, and the template Rules that refuse what the constructs refuse at
synth (the CDK constructs in infra/cdk include these templates, so there is no second definition
to compare).

    .venv/bin/python -m unittest discover -s infra -p 'test_*.py'      (make test runs this)

The templates are read through cfn-lint's CloudFormation YAML loader, as
tests/tests/templates.rs reads them.
"""

from __future__ import annotations

import json
import re
import unittest
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE / "catalogue.json"


def load(name: str) -> dict[str, Any]:
    return json.loads(json.dumps(cfn_yaml.load(str(HERE / name))))


def published_metric_names() -> set[str]:
    """Every metric name the functions publish, from the catalogue the Rust sources export."""
    metrics = json.loads(CATALOGUE.read_text())["metrics"]
    return {m["name"] for m in metrics if m["publisher"] != "AWS/Lambda"}


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def alarm_on(template: dict[str, Any], metric: str, statistic: str | None = None) -> tuple[str, dict[str, Any]]:
    found = [(k, r) for k, r in alarms(template).items() if r["Properties"].get("MetricName") == metric
             and (statistic is None or r["Properties"].get("Statistic") == statistic)]
    assert len(found) == 1, f"{metric}: {len(found)} alarms"
    return found[0]


def dashboard_text(template: dict[str, Any]) -> str:
    body = next(r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard")
    sub = body["Properties"]["DashboardBody"]["Fn::Sub"]
    return sub[0] if isinstance(sub, list) else sub


def dashboard_widgets(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The dashboard's widgets, with every ${...} placeholder left as the string "0" (numbers) or
    itself (in strings), enough to parse the JSON."""
    text = re.sub(r'(?<!")\$\{[^}]+\}(?!")', "0", dashboard_text(template))
    return json.loads(text)["widgets"]


# ------------------------------------------------------------------ Rules, evaluated

class Rules:
    """Evaluates a template's Rules with parameter values, as CloudFormation does before it
    creates a change set: a rule applies when its RuleCondition holds, and then each assertion
    must. Parameters are strings, as in Rules."""

    def __init__(self, template: dict[str, Any], values: dict[str, Any]) -> None:
        self.params = template["Parameters"]
        self.rules = template.get("Rules", {})
        self.values = {k: str(p["Default"]) for k, p in self.params.items() if "Default" in p}
        self.values.update({k: str(v) for k, v in values.items()})

    def value(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref":
                return self.values[arg]
            return self.truth(node)
        if isinstance(node, list):
            return [self.value(x) for x in node]
        return str(node)

    def truth(self, node: dict[str, Any]) -> bool:
        ((key, arg),) = node.items()
        if key == "Fn::Equals":
            return self.value(arg[0]) == self.value(arg[1])
        if key == "Fn::Not":
            return not self.truth(arg[0])
        if key == "Fn::And":
            return all(self.truth(x) for x in arg)
        if key == "Fn::Or":
            return any(self.truth(x) for x in arg)
        if key == "Fn::Contains":
            return self.value(arg[1]) in self.value(arg[0])
        raise AssertionError(f"rule function {key} not modelled")

    def refused(self) -> list[str]:
        """The names of the rules whose assertions fail."""
        out = []
        for name, rule in self.rules.items():
            if "RuleCondition" in rule and not self.truth(rule["RuleCondition"]):
                continue
            if not all(self.truth(a["Assert"]) for a in rule["Assertions"]):
                out.append(name)
        return out


# ------------------------------------------------------------------ tests

DESTINATION = load("destination-account.yaml")
SOURCE = load("source-account.yaml")


class VerdictAlarms(unittest.TestCase):
    """Every line of the dashboard's "Findings and errors" widget has an alarm, as its text
    says ("each has an alarm"), written like the others."""

    def test_every_finding_metric_has_an_alarm(self) -> None:
        self.assertIn("each has an alarm", dashboard_text(DESTINATION))
        widget = next(w for w in dashboard_widgets(DESTINATION)
                      if w["properties"].get("title") == "Findings and errors (should be 0)")
        metrics = [line[1] for line in widget["properties"]["metrics"]]
        self.assertEqual(metrics, ["ReplicaWrongKey", "ReplicaNotKmsEncrypted", "ReplicaNotReplica",
                                   "ReplicaBucketKeyMismatch", "ReplicaMissing", "ReplicaCheckRejected",
                                   "VerificationErrors"])
        published = published_metric_names()
        listed = re.search(r'"alarms": \[([^\]]*)\]', dashboard_text(DESTINATION)).group(1)
        for metric in metrics:
            with self.subTest(metric=metric):
                self.assertIn(metric, published, "a name replication-core publishes")
                logical, alarm = alarm_on(DESTINATION, metric)
                self.assertNotIn("Condition", alarm)
                self.assertEqual(alarm["Properties"], {
                    "AlarmName": {"Fn::Sub": "${AWS::StackName}-" + metric},
                    "AlarmDescription": alarm["Properties"]["AlarmDescription"],
                    "Namespace": {"Ref": "MetricsNamespace"},
                    "MetricName": metric,
                    "Dimensions": [{"Name": "DestinationBucket", "Value": {"Ref": "DestinationBucket"}}],
                    "Statistic": "Sum", "Period": 300, "EvaluationPeriods": 1, "Threshold": 0,
                    "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
                    "AlarmActions": {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]},
                })
                self.assertIn("${" + logical + ".Arn}", listed, "in the alarm widget")


class ScheduledCheckFailsClosed(unittest.TestCase):
    """With ScheduledCheck on, each template alarms on findings, on checks the run could not
    evaluate, on a run that did not happen (no sample of ReplicationSetupUnchecked, which every run
    publishes, for two CheckPeriods in a row) and on the setup function's own errors."""

    def test_the_four_alarms_of_each_side(self) -> None:
        published = published_metric_names()
        for side, template in (("destination", DESTINATION), ("source", SOURCE)):
            dims = [{"Name": "Side", "Value": side}, {"Name": "SourceBucket", "Value": {"Ref": "SourceBucket"}},
                    {"Name": "DestinationBucket", "Value": {"Ref": "DestinationBucket"}}]
            with self.subTest(side=side, metric="missed run"):
                _, alarm = alarm_on(template, "ReplicationSetupUnchecked", "SampleCount")
                p = alarm["Properties"]
                self.assertEqual(alarm["Condition"], "ScheduledCheckOn")
                self.assertEqual((p["Dimensions"], p["Period"], p["EvaluationPeriods"], p["DatapointsToAlarm"],
                                  p["Threshold"], p["ComparisonOperator"], p["TreatMissingData"]),
                                 (dims, {"Ref": "CheckPeriod"}, 2, 2, 1, "LessThanThreshold", "breaching"))
            for metric, treat in (("ReplicationSetupFindings", "notBreaching"), ("ReplicationSetupUnchecked", "notBreaching")):
                with self.subTest(side=side, metric=metric):
                    _, alarm = alarm_on(template, metric, "Maximum")
                    p = alarm["Properties"]
                    self.assertEqual(alarm["Condition"], "ScheduledCheckOn")
                    self.assertEqual((p["Namespace"], p["Dimensions"], p["Statistic"], p["Period"], p["EvaluationPeriods"],
                                      p["Threshold"], p["ComparisonOperator"], p["TreatMissingData"]),
                                     ({"Ref": "MetricsNamespace"}, dims, "Maximum", {"Ref": "CheckPeriod"}, 1,
                                      0, "GreaterThanThreshold", treat))
                    self.assertIn(metric, published)
            with self.subTest(side=side, metric="Errors"):
                errors = [r for r in alarms(template).values() if r["Properties"]["Namespace"] == "AWS/Lambda"]
                self.assertEqual(len(errors), 1)
                p = errors[0]["Properties"]
                self.assertEqual(errors[0]["Condition"], "ScheduledCheckOn")
                self.assertEqual((p["MetricName"], p["Dimensions"], p["Statistic"], p["Threshold"], p["ComparisonOperator"]),
                                 ("Errors", [{"Name": "FunctionName", "Value": {"Ref": "SetupFunction"}}], "Sum", 0,
                                  "GreaterThanThreshold"))

    def test_check_period_follows_a_rate_schedule(self) -> None:
        for template in (DESTINATION, SOURCE):
            offered = template["Parameters"]["CheckPeriod"]["AllowedValues"]
            for schedule, period in (("rate(1 hour)", 3600), ("rate(60 minutes)", 3600), ("rate(30 minutes)", 1800),
                                     ("rate(6 hours)", 21600), ("rate(1 day)", 86400), ("rate(24 hours)", 86400)):
                for given in offered:
                    with self.subTest(schedule=schedule, period=given):
                        refused = Rules(template, {"ScheduledCheck": "true", "CheckSchedule": schedule,
                                                   "CheckPeriod": given}).refused()
                        self.assertEqual(refused, [] if given == period else ["CheckPeriodIsTheSchedulesRate"])
            # Off, or a cron expression: not checked.
            self.assertEqual(Rules(template, {"CheckSchedule": "rate(6 hours)"}).refused(), [])
            self.assertEqual(Rules(template, {"ScheduledCheck": "true", "CheckSchedule": "cron(0 */6 * * ? *)",
                                              "CheckPeriod": 21600}).refused(), [])

    def test_the_dashboard_row_shows_them(self) -> None:
        row = next(w for w in dashboard_widgets(DESTINATION)
                   if w["properties"].get("title") == "Setup findings, scheduled check (should be 0)")
        self.assertEqual([line[:4] for line in row["properties"]["metrics"]], [
            ["${MetricsNamespace}", "ReplicationSetupFindings", "Side", "destination"],
            ["${MetricsNamespace}", "ReplicationSetupFindings", "Side", "source"],
            ["${MetricsNamespace}", "ReplicationSetupUnchecked", "Side", "destination"],
            ["${MetricsNamespace}", "ReplicationSetupUnchecked", "Side", "source"],
            ["AWS/Lambda", "Errors", "FunctionName", "${SetupFunction}"],
        ])
        self.assertIn('"period": ${CheckPeriod},', dashboard_text(DESTINATION))


class LogLevels(unittest.TestCase):
    """Lambda files the scheduled check's level-less EMF lines as INFO and drops them above the
    application log level: the source template refuses WARN and above with the scheduled check,
    as the destination template offers only TRACE, DEBUG and INFO (for the verifier's)."""

    def test_source_refuses_levels_above_info_with_the_scheduled_check(self) -> None:
        for level in SOURCE["Parameters"]["LogLevel"]["AllowedValues"]:
            for scheduled in ("true", "false"):
                with self.subTest(level=level, scheduled=scheduled):
                    refused = Rules(SOURCE, {"LogLevel": level, "ScheduledCheck": scheduled}).refused()
                    above_info = level in ("WARN", "ERROR", "FATAL")
                    self.assertEqual(refused, ["ScheduledCheckNeedsInfoLogs"] if above_info and scheduled == "true" else [])

    def test_destination_offers_no_level_above_info(self) -> None:
        self.assertEqual(DESTINATION["Parameters"]["LogLevel"]["AllowedValues"], ["TRACE", "DEBUG", "INFO"])


class LivenessRange(unittest.TestCase):
    """The destination template refuses a liveness alarm range CloudWatch would refuse, as the
    CDK construct does at synth: Period x EvaluationPeriods at most 1 day below 1-hour periods,
    7 days from 1 hour."""

    def test_every_offered_combination(self) -> None:
        periods = DESTINATION["Parameters"]["LivenessPeriod"]["AllowedValues"]
        missed = DESTINATION["Parameters"]["LivenessMissedPeriods"]
        refusals = 0
        for period in periods:
            for n in range(missed["MinValue"], missed["MaxValue"] + 1):
                with self.subTest(period=period, missed=n):
                    allowed = period * n <= (86400 if period < 3600 else 604800)  # the construct's check
                    refused = Rules(DESTINATION, {"LivenessPeriod": period, "LivenessMissedPeriods": n}).refused()
                    self.assertEqual(refused, [] if allowed else ["LivenessRangeWithinCloudWatchsCap"])
                    refusals += not allowed
        self.assertEqual(refusals, (24 - 14) + (24 - 7))



def role_of(function: dict[str, Any]) -> str:
    """The logical id of a function's role (`Role: !GetAtt X.Arn`)."""
    ref = function["Properties"]["Role"]["Fn::GetAtt"]
    return ref[0] if isinstance(ref, list) else ref.split(".")[0]


class Tracing(unittest.TestCase):
    """X-Ray is one parameter for every function of a template: each function's TracingConfig is
    the Tracing parameter (PassThrough by default), and each function's role gets the two X-Ray
    write actions on "*" only under TracingActive (Tracing=Active). A function added later
    without either fails here."""

    XRAY = {"Sid": "XRay", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*"}

    def test_every_function_and_its_role(self) -> None:
        for name, template in [("destination", DESTINATION), ("source", SOURCE)]:
            with self.subTest(template=name):
                param = template["Parameters"]["Tracing"]
                self.assertEqual((param["Default"], param["AllowedValues"]), ("PassThrough", ["PassThrough", "Active"]))
                self.assertEqual(template["Conditions"]["TracingActive"], {"Fn::Equals": [{"Ref": "Tracing"}, "Active"]})
                resources = template["Resources"]
                functions = {k: r for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
                self.assertEqual(len(functions), 2 if name == "destination" else 1)
                roles = {logical: role_of(fn) for logical, fn in functions.items()}
                for logical, fn in functions.items():
                    self.assertEqual(fn["Properties"]["TracingConfig"], {"Mode": {"Ref": "Tracing"}}, logical)
                    role_id = roles[logical]
                    (policy,) = resources[role_id]["Properties"]["Policies"]
                    statements = policy["PolicyDocument"]["Statement"]
                    # Last in each function role's policy.
                    self.assertEqual(statements[-1], {"Fn::If": ["TracingActive", self.XRAY, {"Ref": "AWS::NoValue"}]},
                                     f"{logical}'s role {role_id}")
                    xray = [st for st in statements if "xray:" in json.dumps(st)]
                    self.assertEqual(len(xray), 1, f"{role_id}: X-Ray granted once, under TracingActive")
                # No other role (the scheduler's, the audit role) gets X-Ray.
                for k, r in resources.items():
                    if r["Type"] == "AWS::IAM::Role" and k not in roles.values():
                        self.assertNotIn("xray:", json.dumps(r), k)


if __name__ == "__main__":
    unittest.main()
