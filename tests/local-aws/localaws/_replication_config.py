"""A bucket's replication configuration, kept as it was put (shared by gaps b and e).

``from_xml`` turns the PutBucketReplication body (as parsed by xmltodict in moto) into the
botocore/boto3 shape of ``ReplicationConfiguration`` -- ``{"Role": ..., "Rules": [...]}`` with
``Filter``/``And``/``Tags``, integers for ``Priority`` and ``Minutes`` -- by walking botocore's
S3 service model, so every member AWS defines is kept and nothing is invented. The same dict is
what GetBucketReplication serialises and what the replication engine reads.
"""

from __future__ import annotations

from typing import Any

import botocore.session
from botocore.model import Shape

Config = dict[str, Any]

_ATTRIBUTE = "localaws_replication"
_SHAPE: Shape = (
    botocore.session.get_session().get_service_model("s3").shape_for("ReplicationConfiguration")
)


def from_xml(parsed: dict[str, Any]) -> Config:
    """Convert the xmltodict form of ``<ReplicationConfiguration>`` to the boto3 shape."""
    return _convert(parsed, _SHAPE)


def store(bucket: Any, config: Config | None) -> None:
    setattr(bucket, _ATTRIBUTE, config)


def load(bucket: Any) -> Config | None:
    """The stored configuration, or ``None`` when the bucket has none (or moto's was cleared)."""
    if not getattr(bucket, "replication", None):
        return None
    return getattr(bucket, _ATTRIBUTE, None)


def _convert(value: Any, shape: Shape) -> Any:
    if shape.type_name == "structure":
        return _structure(value if isinstance(value, dict) else {}, shape)
    if shape.type_name == "list":  # a wrapped list: <Outer><Item/>...</Outer>
        inner = value.get(shape.member.serialization.get("name", "member")) if value else None
        return [_convert(item, shape.member) for item in _as_list(inner)]
    if shape.type_name in ("integer", "long"):
        return int(value)
    if shape.type_name == "boolean":
        return str(value).lower() == "true"
    return "" if value is None else str(value)


def _structure(value: dict[str, Any], shape: Shape) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        xml_name = member.serialization.get("name", name)
        if xml_name not in value:
            continue
        if member.type_name == "list" and member.serialization.get("flattened"):
            result[name] = [_convert(item, member.member) for item in _as_list(value[xml_name])]
        else:
            result[name] = _convert(value[xml_name], member)
    return result


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
