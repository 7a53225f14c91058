"""IAM policy evaluation for the replication engine: a documented subset of AWS's logic.

moto's own evaluator (``moto.iam.access_control.IAMPolicyStatement``) does not fit: it matches
actions case-sensitively, ignores ``NotResource`` and ``NotPrincipal``, only knows
``StringEquals`` and turns an unmet condition on an Allow into an explicit Deny. This module
evaluates one request against policy documents the way AWS does for the parts it models:

* ``Effect``; ``Action``/``NotAction`` (case-insensitive, ``*`` and ``?`` wildcards);
  ``Resource``/``NotResource`` (case-sensitive wildcards; a statement without either, as in a
  trust policy, matches);
* in resource policies, ``Principal``/``NotPrincipal``: ``"*"``, ``{"AWS": ...}`` with an account
  id, an account ``root`` ARN or the exact role ARN, and ``{"Service": ...}``;
* ``Condition`` with the operators String(Not)Equals[IgnoreCase], String(Not)Like,
  Arn(Not)Equals, Arn(Not)Like, Bool and Null, the ``...IfExists`` forms and the
  ``ForAnyValue:``/``ForAllValues:`` qualifiers, on the context keys the caller supplies.

A condition on a key the caller did not model (a key missing from the context), or with any
other operator (Numeric*, Date*, IpAddress, Binary*), cannot be evaluated here and is treated as
satisfied; it is logged once to stderr. A key that is modelled but absent in this request is
given as ``None`` and evaluated as absent. Policy variables (``${aws:username}``) are not
substituted. An explicit Deny wins over any Allow; no Allow is an implicit deny.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from typing import Any

Context = Mapping[str, "str | list[str] | None"]

_LOG = logging.getLogger("localaws.policy")
_warned: set[str] = set()


class Decision(Enum):
    ALLOW = "Allow"
    DENY = "Deny"
    NONE = "implicit deny"


@dataclass(frozen=True)
class Caller:
    """Who makes the request: an IAM role (``arn``, ``account``) or a service principal."""

    arn: str = ""
    account: str = ""
    service: str = ""


@dataclass(frozen=True)
class Request:
    """One action on one resource (``None`` for trust policies), with its condition context."""

    action: str
    resource: str | None
    context: Context = field(default_factory=dict)


def evaluate(
    documents: Iterable[Any], request: Request, caller: Caller | None = None, *, root: bool = True
) -> Decision:
    """Evaluate ``request`` against policy ``documents`` (JSON strings or dicts).

    With a ``caller`` the documents are resource policies and their Principal must match; an
    account principal (``"111111111111"``, ``arn:aws:iam::111111111111:root``) matches any
    principal of that account unless ``root`` is false. Without one they are identity policies.
    """
    context = {key.lower(): value for key, value in request.context.items()}
    decision = Decision.NONE
    for statement in _statements(documents):
        if not _applies(statement, request, context, caller, root):
            continue
        if str(statement.get("Effect", "")).lower() == "deny":
            return Decision.DENY
        if str(statement.get("Effect", "")).lower() == "allow":
            decision = Decision.ALLOW
    return decision


def _statements(documents: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for document in documents:
        if not document:
            continue
        parsed = json.loads(document) if isinstance(document, str) else document
        statements = parsed.get("Statement", [])
        yield from statements if isinstance(statements, list) else [statements]


def _applies(
    statement: dict[str, Any],
    request: Request,
    context: dict[str, Any],
    caller: Caller | None,
    root: bool,
) -> bool:
    if caller is not None and not _principal_applies(statement, caller, root):
        return False
    if not _element_applies(statement, "Action", request.action, ignore_case=True):
        return False
    if request.resource is not None and (
        "Resource" in statement or "NotResource" in statement
    ):
        if not _element_applies(statement, "Resource", request.resource, ignore_case=False):
            return False
    return _conditions_hold(statement.get("Condition") or {}, context)


def _element_applies(
    statement: dict[str, Any], element: str, value: str, ignore_case: bool
) -> bool:
    if element in statement:
        return any(_glob(p, value, ignore_case) for p in _as_list(statement[element]))
    if f"Not{element}" in statement:
        return not any(_glob(p, value, ignore_case) for p in _as_list(statement[f"Not{element}"]))
    return False


def _principal_applies(statement: dict[str, Any], caller: Caller, root: bool) -> bool:
    if "Principal" in statement:
        return _principal_matches(statement["Principal"], caller, root)
    if "NotPrincipal" in statement:
        return not _principal_matches(statement["NotPrincipal"], caller, root)
    return False


def _principal_matches(principal: Any, caller: Caller, root: bool) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for value in _as_list(principal.get("AWS")):
        if value == "*" or (caller.arn and value == caller.arn):
            return True
        if root and caller.account and value in (
            caller.account,
            f"arn:aws:iam::{caller.account}:root",
        ):
            return True
    return bool(caller.service) and caller.service in _as_list(principal.get("Service"))


# --- conditions --------------------------------------------------------------------------------

_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "stringequals": lambda expected, actual: expected == actual,
    "stringequalsignorecase": lambda expected, actual: expected.lower() == actual.lower(),
    "stringlike": lambda expected, actual: _glob(expected, actual, ignore_case=False),
    "arnequals": lambda expected, actual: _glob(expected, actual, ignore_case=False),
    "arnlike": lambda expected, actual: _glob(expected, actual, ignore_case=False),
    "bool": lambda expected, actual: expected.lower() == actual.lower(),
}
_NEGATED = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}


def _conditions_hold(conditions: dict[str, Any], context: dict[str, Any]) -> bool:
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in (block or {}).items()
    )


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, Any]) -> bool:
    qualifier, _, name = operator.rpartition(":")
    name = name.lower()
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    if key.lower() not in context:
        _warn_once(f"condition key {key!r} is not modelled; treated as satisfied")
        return True
    actual = context[key.lower()]
    if name == "null":
        return (actual is None) == (str(_as_list(expected)[0]).lower() == "true")
    negated = name in _NEGATED
    test = _OPERATORS.get(_NEGATED.get(name, name))
    if test is None:
        _warn_once(f"condition operator {operator!r} is not modelled; treated as satisfied")
        return True
    if actual is None:  # the key is absent from this request
        return if_exists or negated or qualifier.lower() == "forallvalues"
    values = [str(v) for v in _as_list(expected)]

    def one(value: str) -> bool:
        matched = any(test(e, value) for e in values)
        return not matched if negated else matched

    actuals = [str(a) for a in _as_list(actual)]
    if qualifier.lower() == "forallvalues":
        return all(one(a) for a in actuals)
    return any(one(a) for a in actuals)


# --- helpers -----------------------------------------------------------------------------------


def _glob(pattern: str, value: str, ignore_case: bool) -> bool:
    return _compiled(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=1024)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = fnmatch.translate(pattern.replace("[", "[[]"))  # only * and ? are wildcards
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        _LOG.warning("localaws policy evaluation: %s", message)
