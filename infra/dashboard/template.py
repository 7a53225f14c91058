"""The template's dashboard: its body, and its ``${...}`` placeholders and intrinsic functions
resolved from ``--set`` values, samples, pseudo parameters, parameter defaults and the names the
template fixes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


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
