"""S3's refusal of overlapping event notification configurations, as AWS enforces it.

The gap: moto 5.2.5 stores any notification configuration, so two ``s3:ObjectCreated:*``
entries without filters on one bucket are accepted, and a tool that adds an entry per use passes
its tests. AWS refuses them. The S3 User Guide, "Configuring event notifications using object key
name filtering": configurations "can't define filtering rules with overlapping prefixes,
overlapping suffixes, or overlapping combinations of prefixes and suffixes for the same event
types. You can have overlapping prefixes as long as the suffixes don't overlap", and "Any existing
notification configuration rule is assumed to have a default prefix and suffix that match any
other prefix and suffix, respectively". Overlapping filters with different event types are
allowed.

Closed here: ``S3Backend.put_bucket_notification_configuration`` checks every pair of topic,
queue and Lambda configurations, whatever their targets. Two overlap when an event type of one
matches an event type of the other (equal, or one the ``:*`` wildcard of the other), their
prefixes overlap (one starts the other; none matches all) and their suffixes overlap (one ends
the other). AWS answers ``InvalidArgument``: without filters "Configurations overlap.
Configurations on the same bucket cannot share a common event type." (ArgumentName ``Event``),
with filters "Configuration is ambiguously defined. Cannot have overlapping suffixes in two rules
if the prefixes are overlapping for the same event type." Nothing is written. Not closed: the
EventBridge switch never overlaps (as in AWS). The targets' existence and permissions are
checked by ``s3_notification_targets``, before this check runs.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from moto.s3.exceptions import InvalidArgumentError
from moto.s3.models import S3Backend

from ._patching import Func, wrap

_TAG = "s3_notification_overlap"
_KINDS = ("TopicConfiguration", "QueueConfiguration", "CloudFunctionConfiguration")


def install() -> None:
    """Patch moto's S3 backend (idempotent)."""
    wrap(S3Backend, "put_bucket_notification_configuration", _TAG, _refusing_overlaps)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _filter(config: dict[str, Any]) -> tuple[str, str, bool]:
    """(prefix, suffix, whether a filter was given)."""
    rules = _as_list(((config.get("Filter") or {}).get("S3Key") or {}).get("FilterRule"))
    values = {str(r.get("Name", "")).lower(): r.get("Value") or "" for r in rules}
    return values.get("prefix", ""), values.get("suffix", ""), bool(rules)


def _events_overlap(a: list[str], b: list[str]) -> bool:
    def covers(x: str, y: str) -> bool:
        return x == y or (x.endswith(":*") and y.startswith(x[:-1]))

    return any(covers(x, y) or covers(y, x) for x in a for y in b)


def overlap(a: dict[str, Any], b: dict[str, Any]) -> str | None:
    """AWS's message when configurations ``a`` and ``b`` may not stand together, else None."""
    if not _events_overlap(_as_list(a.get("Event")), _as_list(b.get("Event"))):
        return None
    (pa, sa, fa), (pb, sb, fb) = _filter(a), _filter(b)
    prefixes = pa.startswith(pb) or pb.startswith(pa)
    suffixes = sa.endswith(sb) or sb.endswith(sa)
    if not (prefixes and suffixes):
        return None
    if fa or fb:
        return (
            "Configuration is ambiguously defined. Cannot have overlapping suffixes in two "
            "rules if the prefixes are overlapping for the same event type."
        )
    return "Configurations overlap. Configurations on the same bucket cannot share a common event type."


def check(notification_config: dict[str, Any] | None) -> None:
    """Raise AWS's InvalidArgument when two configurations of ``notification_config`` overlap.

    Called by ``s3_notification_targets`` among the request's form checks, before the
    destinations are validated, and again by the backend."""
    configs = [c for kind in _KINDS for c in _as_list((notification_config or {}).get(kind))]
    for a, b in combinations(configs, 2):
        message = overlap(a, b)
        if message:
            events = ", ".join(_as_list(a.get("Event")) + _as_list(b.get("Event")))
            raise InvalidArgumentError(message, "Event", events)


def _refusing_overlaps(original: Func) -> Func:
    def put_bucket_notification_configuration(
        self: S3Backend, bucket_name: str, notification_config: dict[str, Any], *args: Any, **kw: Any
    ) -> Any:
        check(notification_config)
        return original(self, bucket_name, notification_config, *args, **kw)

    return put_bucket_notification_configuration
