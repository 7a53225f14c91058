"""The two wire protocols of ``cloudwatch_cbor``: rpcv2Cbor and awsJson1_0, each reading an
operation's input members and writing its output and error members (see ``cloudwatch_cbor``'s
docstring for what each sends and answers)."""

from __future__ import annotations

import base64
import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import cbor2
from botocore.loaders import create_loader
from botocore.model import OperationNotFoundError, ServiceModel, Shape

Input = dict[str, Any]
Output = dict[str, Any] | None  # None: the operation's output is Unit, so no body


@dataclass(frozen=True)
class _Protocol:
    """How one wire protocol reads the input and writes the output and the errors."""

    name: str
    content_type: str
    headers: tuple[tuple[str, str], ...]  # on every reply
    decode: Callable[[str, bytes], Input]  # (operation, raw body) -> input members
    encode: Callable[[Any], bytes]  # output or error members -> body
    unit_body: bytes | None  # the body of a Unit output (None: no body, no Content-Type)



def _plain(value: Any, timestamp: Callable[[float], Any], double: Callable[[float], Any]) -> Any:
    """Output members for the wire: None members dropped, datetimes (moto's are naive UTC) as
    ``timestamp(epoch seconds)``, floats as ``double(value)``."""
    if isinstance(value, dict):
        return {key: _plain(item, timestamp, double) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(item, timestamp, double) for item in value]
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return timestamp(aware.timestamp())
    if isinstance(value, float):
        return double(value)
    return value


# rpcv2Cbor: https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html


def _cbor_input(operation: str, raw: bytes) -> Input:
    if not raw:
        return {}
    decoded = cbor2.loads(raw)
    if not isinstance(decoded, dict):
        raise ValueError(f"expected a CBOR map, got {type(decoded).__name__}")
    return decoded


def _cbor_output(value: Any) -> bytes:
    return cbor2.dumps(_plain(value, lambda seconds: cbor2.CBORTag(1, seconds), float))


_CBOR = _Protocol(
    name="CBOR",
    content_type="application/cbor",
    headers=(("smithy-protocol", "rpc-v2-cbor"),),
    decode=_cbor_input,
    encode=_cbor_output,
    unit_body=None,
)


# awsJson1_0: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html


@functools.cache
def _service_model() -> ServiceModel:
    """botocore's CloudWatch model: it types the JSON members (timestamps are plain numbers)."""
    return ServiceModel(create_loader().load_service_model("cloudwatch", "service-2"), "cloudwatch")


def _json_input(operation: str, raw: bytes) -> Input:
    decoded = json.loads(raw) if raw.strip() else {}  # no payload: no input members
    if not isinstance(decoded, dict):
        raise ValueError(f"expected a JSON object, got {type(decoded).__name__}")
    try:
        shape = _service_model().operation_model(operation).input_shape
    except OperationNotFoundError:
        return decoded  # not a CloudWatch operation: answered UnsupportedOperation
    return decoded if shape is None else _from_json(shape, decoded, operation)


_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _from_json(shape: Shape, value: Any, where: str) -> Any:
    """``value`` as the members the handlers take (as CBOR decodes them); unknown members are
    ignored, null members are absent, a mistyped member raises ``ValueError``."""
    kind = shape.type_name

    def wrong() -> ValueError:
        return ValueError(f"{where}: expected {kind}, got {type(value).__name__} {value!r:.40}")

    if kind == "structure":
        if not isinstance(value, dict):
            raise wrong()
        return {
            name: _from_json(shape.members[name], item, f"{where}.{name}")
            for name, item in value.items()
            if name in shape.members and item is not None
        }
    if kind == "list":
        if not isinstance(value, list):
            raise wrong()
        return [_from_json(shape.member, item, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise wrong()
        return {key: _from_json(shape.value, item, f"{where}.{key}") for key, item in value.items()}
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "timestamp":
        if number:
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):  # not what the protocol sends; accepted when ISO 8601
            return datetime.fromisoformat(value)
        raise wrong()
    if kind in ("double", "float"):
        if number:
            return float(value)
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        raise wrong()
    if kind in ("integer", "long", "short", "byte"):
        if number and float(value).is_integer():
            return int(value)
        raise wrong()
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        raise wrong()
    if kind == "blob":
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
        raise wrong()
    if not isinstance(value, str):  # string (enums included)
        raise wrong()
    return value


def _json_double(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def _json_output(value: Any) -> bytes:
    return json.dumps(_plain(value, lambda seconds: seconds, _json_double), allow_nan=False).encode()


_JSON = _Protocol(
    name="JSON",
    content_type="application/x-amz-json-1.0",
    headers=(),
    decode=_json_input,
    encode=_json_output,
    unit_body=b"{}",
)

