"""Checks of infra/*.yaml that need no emulator (stdlib unittest): the alarms against the metric
names the functions publish, and the template Rules that refuse what the constructs refuse at
synth (infra/cdk compares the rest, resource for resource, in its parity test).

    .venv/bin/python -m unittest discover -s infra -p 'test_*.py'      (make test runs this)

The templates are read through cfn-lint's CloudFormation YAML loader, as
tests/tests/templates.rs and the CDK parity test read them.
"""

from __future__ import annotations

import itertools
import json
import re
import unittest
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

HERE = Path(__file__).resolve().parent
METRIC_NAMES = HERE.parent / "functions" / "replication-core" / "src" / "metric_names.rs"


def load(name: str) -> dict[str, Any]:
    return json.loads(json.dumps(cfn_yaml.load(str(HERE / name))))


def published_metric_names() -> set[str]:
    """Every metric name in replication-core's metric_names.rs."""
    return set(re.findall(r'pub const [A-Z_]+: &str = "([A-Za-z]+)";', METRIC_NAMES.read_text()))


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def alarm_on(template: dict[str, Any], metric: str) -> tuple[str, dict[str, Any]]:
    found = [(k, r) for k, r in alarms(template).items() if r["Properties"].get("MetricName") == metric]
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


if __name__ == "__main__":
    unittest.main()
