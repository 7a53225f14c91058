"""CloudWatch over Smithy rpcv2Cbor and awsJson1_0, bridged onto moto's CloudWatch models.

The gap: the CloudWatch model now lists the protocols ``smithy.protocols#rpcv2Cbor``,
``aws.protocols#awsJson1_0`` and ``aws.protocols#awsQuery``, and each SDK picks the first it
supports. moto 5.2.5 serves CloudWatch through its query-protocol responses only:

- rpcv2Cbor (aws-sdk-cloudwatch for Rust 1.100+, moto issue 9195)::

      POST /service/GraniteServiceVersion20100801/operation/<Operation>
      smithy-protocol: rpc-v2-cbor          Content-Type / Accept: application/cbor
      body: CBOR map of the input members (may be empty; PutMetricData may be gzip-encoded)

  moto answers these with 404.
- awsJson1_0 (botocore 1.44+, so boto3 and the AWS CLI: botocore prefers ``json`` over
  ``smithy-rpc-v2-cbor`` in its ``PRIORITY_ORDERED_SUPPORTED_PROTOCOLS``)::

      POST /                                Content-Type: application/x-amz-json-1.0
      X-Amz-Target: GraniteServiceVersion20100801.<Operation>
      body: JSON object of the input members (timestamps as epoch seconds; may be gzip-encoded)

  moto routes these, but fails what it does not implement with an HTML 500 page (percentile
  statistics such as ``p50``/``p99`` in GetMetricData, DescribeAlarmHistory, ...) and reads
  the wrong data (below). Protocol: https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html

``wrap`` claims exactly these requests: rpcv2Cbor ones by method, path and ``smithy-protocol``
header; awsJson1_0 ones by method and an ``X-Amz-Target`` starting with
``GraniteServiceVersion20100801.`` (the model's ``targetPrefix``). It decodes the input (JSON
members are typed by botocore's CloudWatch service model: epoch-second timestamps become
datetimes, ``"NaN"``/``"Infinity"`` doubles become floats, a mistyped member is a
``SerializationException``), resolves the calling account from the SigV4 access key the way moto
does (and the region from the credential scope), runs the operation from ``_OPERATIONS`` on
``cloudwatch_backends[account][region]`` and answers in the caller's protocol, absent members
omitted:

- rpcv2Cbor: 200 with a CBOR body (no body for operations whose output is Unit), timestamps as
  tag 1 epoch seconds, doubles as CBOR floats;
- awsJson1_0: 200 with ``application/x-amz-json-1.0`` (``{}`` for a Unit output), timestamps as
  epoch seconds numbers, non-finite doubles as ``"NaN"``/``"Infinity"``/``"-Infinity"``.

Errors, in either protocol, carry ``__type`` (``com.amazonaws.cloudwatch#<ErrorShape>``),
``message`` and, because CloudWatch is ``@awsQueryCompatible``, the
``x-amzn-query-error: <QueryCode>;<Sender|Receiver>`` header the SDKs dispatch on (botocore's
``ClientError`` code is that QueryCode, e.g. ``InvalidParameterValue``). Every other request
passes through to moto untouched (the query protocol, and every other service).

Metric data lives in moto's backend. Values/Counts pairs are stored as exact statistic sets
(moto's own expansion would truncate fractional counts). Reads are evaluated here from that data
with moto's ``Statistics``, because moto's ``get_metric_data`` ignores the namespace when
dimensions are given and neither read computes percentiles.

Answers follow AWS's recordings (LocalStack's AWS-validated ``tests/aws/services/cloudwatch/
test_cloudwatch.snapshot.json`` @ 8b9a79f05846, ``TestCloudwatch``, ``[json]`` variants; judged by
``tests/conformance/cases/sqs_cloudwatch.py``): a datum with both Value and Values is 400
``InvalidParameterCombination`` (``test_put_metric_data_validation``; moto says
InvalidParameterValue); GetMetricData answers ``Messages: []`` and labels a result with the metric
name, followed by the Stat and/or the Period when these differ between the request's queries
(``test_get_metric_data_with_zero_and_labels``, ``test_label_generation``); a new metric alarm is
``INSUFFICIENT_DATA`` ("Unchecked: Initial alarm creation", no StateReasonData) until evaluated
(``test_describe_minimal_metric_alarm``; moto: OK, ``{}``).

Limits: only the operations in ``_OPERATIONS`` (others get a 400 ``UnsupportedOperation``, in
both protocols, instead of moto's 500). Dimensions must match a metric's full set, as on AWS.
Periods are aligned to StartTime rounded down to the minute; StorageResolution is not modelled.
Statistics are SampleCount, Average, Sum, Minimum, Maximum and pNN (nearest rank, from raw values
or statistic sets with Min == Max or SampleCount 1, as on AWS); metric math only resolves an
expression naming another query's Id. Not implemented: GetMetricData
paging/MaxDatapoints/LabelOptions, DescribeAlarms paging and parent/child filters, ListMetrics
RecentlyActive/linked accounts, dashboard tags, PutMetricAlarm's newer members
(EvaluationWindow, WarmUpConfiguration, EvaluationCriteria, EvaluationInterval,
ActionConfiguration), the Entity of EntityMetricData; over awsJson1_0 the ``Content-Type`` is
not checked and an ``X-Amz-Target`` is claimed on any path.
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
import logging
import math
import os
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

import cbor2
from botocore.loaders import create_loader
from botocore.model import OperationNotFoundError, ServiceModel, Shape
from moto.cloudwatch.exceptions import (
    CloudWatchException,
    DashboardInvalidInputError,
    InvalidParameterCombination,
    InvalidParameterValue,
    ResourceNotFound,
    ValidationError,
)
from moto.cloudwatch.models import (
    Alarm,
    CloudWatchBackend,
    Dimension,
    Metric,
    MetricAggregatedDatum,
    MetricDataQuery,
    MetricDatum,
    MetricDatumBase,
    MetricStat,
    Statistics,
    cloudwatch_backends,
)
from moto.core.exceptions import ServiceException
from moto.iam.models import get_account_id_from, mark_account_as_visited
from werkzeug.wsgi import get_input_stream

Input = dict[str, Any]
Output = dict[str, Any] | None  # None: the operation's output is Unit, so no body
Handler = Callable[[CloudWatchBackend, Input], Output]
WsgiApp = Callable[..., Iterable[bytes]]
Reply = tuple[int, list[tuple[str, str]], bytes]  # status, headers, body
Buckets = list[tuple[datetime, list[MetricDatumBase]]]

_LOG = logging.getLogger(__name__)
_PATH = re.compile(
    r"(?:/.*)?/service/(?:com\.amazonaws\.cloudwatch\.)?GraniteServiceVersion20100801"
    r"/operation/(?P<operation>[A-Za-z0-9]+)"
)
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/\s,]+)/[^/]+/(?P<region>[^/]+)/")
_TARGET_PREFIX = "GraniteServiceVersion20100801."  # awsJson1_0: X-Amz-Target <prefix><Operation>
_NAMESPACE = "com.amazonaws.cloudwatch"
_EPOCH = datetime(1970, 1, 1)
_BASIC_STATS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d+(?:\.\d+)?)")
_PAGE = 500

# awsQueryError code (what moto raises and x-amzn-query-error carries) -> (error shape, status),
# from the CloudWatch Smithy model. Codes not listed keep their name and answer 400.
_ERRORS: dict[str, tuple[str, int]] = {
    "InvalidParameterValue": ("InvalidParameterValueException", 400),
    "InvalidParameterCombination": ("InvalidParameterCombinationException", 400),
    "MissingParameter": ("MissingRequiredParameterException", 400),
    "InvalidParameterInput": ("DashboardInvalidInputError", 400),
    "InvalidFormat": ("InvalidFormatFault", 400),
    "ValidationError": ("ValidationException", 400),
    "InvalidNextToken": ("InvalidNextToken", 400),
    "ResourceNotFound": ("ResourceNotFound", 404),
    "ResourceNotFoundException": ("ResourceNotFoundException", 404),
    "InternalServiceError": ("InternalServiceFault", 500),
}
_DASHBOARD_OPERATIONS = {"GetDashboard", "DeleteDashboards"}  # their ResourceNotFound shape differs


def wrap(app: WsgiApp) -> WsgiApp:
    """Return ``app`` with CloudWatch rpcv2Cbor and awsJson1_0 requests answered from moto's
    backend."""

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        claimed = _claim(environ)
        if claimed is None:
            return app(environ, start_response)
        protocol, operation = claimed
        status, headers, body = _handle(protocol, operation, environ)
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    return middleware


# --- protocols --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Protocol:
    """How one wire protocol reads the input and writes the output and the errors."""

    name: str
    content_type: str
    headers: tuple[tuple[str, str], ...]  # on every reply
    decode: Callable[[str, bytes], Input]  # (operation, raw body) -> input members
    encode: Callable[[Any], bytes]  # output or error members -> body
    unit_body: bytes | None  # the body of a Unit output (None: no body, no Content-Type)


def _claim(environ: dict[str, Any]) -> tuple[_Protocol, str] | None:
    """(protocol, operation) when the request is a CloudWatch one this module answers."""
    if environ.get("REQUEST_METHOD") != "POST":
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target.startswith(_TARGET_PREFIX):
        return _JSON, target[len(_TARGET_PREFIX) :]
    match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is not None and environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
        return _CBOR, match["operation"]
    return None


def _handle(protocol: _Protocol, operation: str, environ: dict[str, Any]) -> Reply:
    try:
        request = _read_input(protocol, operation, environ)  # always drain the body
    except (ValueError, EOFError, OSError, OverflowError, cbor2.CBORDecodeError) as exc:
        return _error(
            protocol, operation, "SerializationException", f"Malformed {protocol.name} request body: {exc}"
        )
    handler = _OPERATIONS.get(operation)
    if handler is None:
        return _error(
            protocol,
            operation,
            "UnsupportedOperation",
            f"CloudWatch operation {operation} is not supported by the local AWS emulator "
            f"(localaws.cloudwatch_cbor); supported: {', '.join(sorted(_OPERATIONS))}",
        )
    account, region = _caller(environ)
    try:
        output = handler(cloudwatch_backends[account][region], request)
        body = protocol.unit_body if output is None else protocol.encode(output)
    except ServiceException as exc:
        return _error(protocol, operation, exc.code, exc.message)
    except Exception as exc:  # a bug here or in moto: report it, never a bare 500 page
        _LOG.exception("CloudWatch %s failed", operation)
        return _error(protocol, operation, "InternalServiceError", f"{type(exc).__name__}: {exc}")
    headers = [*protocol.headers, ("x-amzn-requestid", str(uuid.uuid4()))]
    if body is None:
        return 200, [*headers, ("Content-Length", "0")], b""
    return 200, [*headers, ("Content-Type", protocol.content_type), ("Content-Length", str(len(body)))], body


def _read_input(protocol: _Protocol, operation: str, environ: dict[str, Any]) -> Input:
    raw = get_input_stream(environ).read()
    if "gzip" in environ.get("HTTP_CONTENT_ENCODING", ""):  # @requestCompression on PutMetricData
        raw = gzip.decompress(raw)
    return protocol.decode(operation, raw)


def _caller(environ: dict[str, Any]) -> tuple[str, str]:
    """(account, region) as moto's BaseResponse resolves them for the query protocol."""
    credential = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    access_key = credential["key"] if credential else "AKIAEXAMPLE"
    region = credential["region"] if credential else "us-east-1"
    account = (
        os.environ.get("MOTO_ACCOUNT_ID")
        or environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        or get_account_id_from(access_key)
    )
    mark_account_as_visited(account_id=account, access_key=access_key, service="cloudwatch", region=region)
    return account, region


def _error(protocol: _Protocol, operation: str, code: str, message: str) -> Reply:
    shape, status = _ERRORS.get(code, (code, 400))
    if code == "ResourceNotFound" and operation in _DASHBOARD_OPERATIONS:
        shape = "DashboardNotFoundError"
    message_key = "Message" if shape == "InternalServiceFault" else "message"  # as modelled
    body = protocol.encode({"__type": f"{_NAMESPACE}#{shape}", message_key: message})
    headers = [
        *protocol.headers,
        ("Content-Type", protocol.content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-query-error", f"{code};{'Receiver' if status >= 500 else 'Sender'}"),
        ("x-amzn-requestid", str(uuid.uuid4())),
    ]
    return status, headers, body


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


def _naive_utc(value: datetime) -> datetime:
    """CBOR timestamps decode as aware datetimes; moto compares naive UTC ones."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _require(request: Input, member: str) -> Any:
    if request.get(member) is None:
        raise CloudWatchException("MissingParameter", f"The parameter {member} is required.")
    return request[member]


def _members(request: Input, **members: str) -> dict[str, Any]:
    """Optional members as moto keyword arguments (moto types many as required, yet stores None)."""
    return {argument: request.get(member) for argument, member in members.items()}


def _float(value: Any) -> float | None:
    """The SDK decodes a double only from a CBOR float, never from an integer."""
    return None if value is None else float(value)


# --- metric data --------------------------------------------------------------------------------


def _dimension_set(dimensions: Iterable[Dimension]) -> frozenset[tuple[str | None, str | None]]:
    return frozenset((d.name, d.value) for d in dimensions)


def _dimensions_in(dimensions: Iterable[Mapping[str, str]] | None) -> list[Dimension]:
    return [Dimension(d["Name"], d["Value"]) for d in dimensions or ()]


def _dimensions_out(dimensions: Iterable[Dimension]) -> list[dict[str, str | None]]:
    return [{"Name": d.name, "Value": d.value} for d in dimensions]


def _as_statistic_sets(datum: Input) -> list[Input]:
    """One PutMetricData datum as moto datums; a Values/Counts pair (v, c) is c samples of v."""
    datum = dict(datum)
    if datum.get("Timestamp") is not None:
        datum["Timestamp"] = _naive_utc(datum["Timestamp"])
    values = datum.pop("Values", None) or []
    counts = datum.pop("Counts", None) or [1.0] * len(values)
    if not values:
        return [datum]
    return [
        {**datum, "StatisticValues": {"SampleCount": c, "Sum": v * c, "Minimum": v, "Maximum": v}}
        for v, c in zip(values, counts, strict=True)  # sizes validated by moto
        if c > 0
    ]


def _buckets(
    backend: CloudWatchBackend,
    metric: Mapping[str, Any],
    unit: str | None,
    start: datetime,
    end: datetime,
    period: int,
) -> Buckets:
    """The metric's datums in [start, end), grouped by period; only periods holding data."""
    if period <= 0:
        raise InvalidParameterValue(f"The parameter Period must be positive, got {period}.")
    wanted = _dimension_set(_dimensions_in(metric.get("Dimensions")))
    step = min(period, 60)
    start = _EPOCH + timedelta(seconds=(start - _EPOCH).total_seconds() // step * step)
    grouped: dict[int, list[MetricDatumBase]] = {}
    for datum in backend.get_all_metrics():
        if (
            datum.namespace == metric.get("Namespace")
            and datum.name == metric.get("MetricName")
            and _dimension_set(datum.dimensions) == wanted
            and (unit is None or (datum.unit or "None") == unit)
            and start <= datum.timestamp < end
        ):
            index = int((datum.timestamp - start).total_seconds() // period)
            grouped.setdefault(index, []).append(datum)
    return [(start + timedelta(seconds=i * period), grouped[i]) for i in sorted(grouped)]


def _statistic(stat: str, timestamp: datetime, data: list[MetricDatumBase]) -> float | None:
    if stat in _BASIC_STATS:
        statistics = Statistics([stat], timestamp)
        statistics.metric_data = data
        return _float(statistics.get_statistics_for_type(stat))
    percentile = _PERCENTILE.fullmatch(stat)
    if percentile is None or float(percentile[1]) > 100:
        raise InvalidParameterValue(
            f"The statistic {stat} is not supported by the local CloudWatch emulator "
            f"(supported: {', '.join(_BASIC_STATS)}, p0-p100)."
        )
    return _percentile(float(percentile[1]), data)


def _percentile(p: float, data: list[MetricDatumBase]) -> float | None:
    """Nearest-rank percentile; like AWS, undefined over statistic sets with Min != Max."""
    samples: list[tuple[float, float]] = []
    for datum in data:
        if isinstance(datum, MetricDatum):
            samples.append((datum.value, 1.0))
        elif isinstance(datum, MetricAggregatedDatum) and datum.min == datum.max:
            samples.append((datum.min, datum.sample_count))
        elif isinstance(datum, MetricAggregatedDatum) and datum.sample_count == 1:
            samples.append((datum.sum, 1.0))
        else:
            return None
    samples.sort()
    target = p / 100 * sum(weight for _, weight in samples)
    running = 0.0
    for value, weight in samples:
        running += weight
        if running >= target:
            return float(value)
    return float(samples[-1][0]) if samples else None


# --- operations ---------------------------------------------------------------------------------


def _put_metric_data(backend: CloudWatchBackend, request: Input) -> Output:
    namespace = _require(request, "Namespace")
    data = list(request.get("MetricData") or []) + [
        datum for entity in request.get("EntityMetricData") or [] for datum in entity.get("MetricData") or []
    ]
    for number, datum in enumerate(data, 1):
        if datum.get("Values") and "Value" in datum:  # AWS: a combination error, moto: a value error
            raise InvalidParameterCombination(
                f"The parameters MetricData.member.{number}.Value and MetricData.member.{number}.Values "
                "are mutually exclusive and you have specified both."
            )
        backend._validate_parameters_put_metric_data(datum, number)  # moto's own messages
    backend.put_metric_data(namespace, [item for datum in data for item in _as_statistic_sets(datum)])
    return None


def _get_metric_data(backend: CloudWatchBackend, request: Input) -> Output:
    start = _naive_utc(_require(request, "StartTime"))
    end = _naive_utc(_require(request, "EndTime"))
    if start >= end:
        raise ValidationError("The parameter EndTime must be greater than StartTime.")
    queries = _require(request, "MetricDataQueries")
    series: dict[str, tuple[list[datetime], list[float]]] = {}
    for number, query in enumerate(queries, 1):
        stat = query.get("MetricStat")
        if stat is None:
            if query.get("Expression") is None:
                raise ValidationError(
                    f"The parameter MetricDataQueries.member.{number}.MetricStat is required."
                )
            continue
        buckets = _buckets(backend, stat["Metric"], stat.get("Unit"), start, end, _require(stat, "Period"))
        points = [
            (timestamp, value)
            for timestamp, data in buckets
            if (value := _statistic(_require(stat, "Stat"), timestamp, data)) is not None
        ]
        series[query["Id"]] = ([t for t, _ in points], [v for _, v in points])
    # AWS's default label is the metric name, followed by the Stat and/or the Period when these
    # differ between the request's MetricStat queries.
    stats = [q["MetricStat"] for q in queries if q.get("MetricStat")]
    differing = [m for m in ("Stat", "Period") if len({str(s.get(m)) for s in stats}) > 1]
    results = []
    for query in queries:
        if query.get("ReturnData") is False:
            continue
        key = query["Id"] if "MetricStat" in query else query["Expression"].strip()
        if key not in series:
            raise InvalidParameterValue(
                f"Metric math expression {query['Expression']!r} is not supported by the local "
                "CloudWatch emulator: only an expression naming another query's Id is."
            )
        timestamps, values = series[key]
        if request.get("ScanBy", "TimestampDescending") == "TimestampDescending":
            timestamps, values = timestamps[::-1], values[::-1]
        if "MetricStat" in query:
            default_label = " ".join(
                [query["MetricStat"]["Metric"]["MetricName"]] + [str(query["MetricStat"][m]) for m in differing]
            )
        else:
            default_label = query["Id"]
        results.append(
            {
                "Id": query["Id"],
                "Label": query.get("Label") or default_label,
                "Timestamps": timestamps,
                "Values": values,
                "StatusCode": "Complete",
            }
        )
    return {"MetricDataResults": results, "Messages": []}


def _get_metric_statistics(backend: CloudWatchBackend, request: Input) -> Output:
    start = _naive_utc(_require(request, "StartTime"))
    end = _naive_utc(_require(request, "EndTime"))
    if start >= end:
        raise InvalidParameterValue("The parameter StartTime must be less than the parameter EndTime.")
    statistics = request.get("Statistics") or []
    extended = request.get("ExtendedStatistics") or []
    if not statistics and not extended:
        raise InvalidParameterCombination("Must specify either Statistics or ExtendedStatistics")
    unit = request.get("Unit")
    datapoints = []
    for timestamp, data in _buckets(backend, request, unit, start, end, _require(request, "Period")):
        point: dict[str, Any] = {"Timestamp": timestamp, "Unit": unit or data[-1].unit or "None"}
        point.update({stat: _statistic(stat, timestamp, data) for stat in statistics})
        if extended:
            values = {stat: _statistic(stat, timestamp, data) for stat in extended}
            point["ExtendedStatistics"] = {stat: v for stat, v in values.items() if v is not None}
        datapoints.append(point)
    return {"Label": _require(request, "MetricName"), "Datapoints": datapoints}


def _list_metrics(backend: CloudWatchBackend, request: Input) -> Output:
    metrics: dict[tuple[str, str, frozenset[tuple[str | None, str | None]]], MetricDatumBase] = {}
    for datum in backend.get_all_metrics():
        if datum.filter(request.get("Namespace"), request.get("MetricName"), request.get("Dimensions") or []):
            metrics.setdefault((datum.namespace, datum.name, _dimension_set(datum.dimensions)), datum)
    token = request.get("NextToken") or "0"
    if not token.isdigit():
        raise InvalidParameterValue("Request parameter NextToken is invalid")
    offset = int(token)
    page = list(metrics.values())[offset : offset + _PAGE]
    return {
        "Metrics": [
            {"Namespace": m.namespace, "MetricName": m.name, "Dimensions": _dimensions_out(m.dimensions)}
            for m in page
        ],
        "NextToken": str(offset + _PAGE) if offset + _PAGE < len(metrics) else None,
    }


def _metric_data_query(query: Input) -> MetricDataQuery:
    stat = query.get("MetricStat")
    metric_stat = None
    if stat is not None:
        metric = stat["Metric"]
        dimensions = _dimensions_in(metric.get("Dimensions"))
        metric_stat = MetricStat(
            metric=Metric(metric["MetricName"], metric["Namespace"], dimensions),
            period=stat.get("Period"),
            stat=stat.get("Stat"),
            unit=stat.get("Unit"),
        )
    return MetricDataQuery(
        query_id=query["Id"],
        expression=query.get("Expression"),
        metric_stat=metric_stat,
        **_members(query, label="Label", period="Period", return_data="ReturnData"),
    )


def _put_metric_alarm(backend: CloudWatchBackend, request: Input) -> Output:
    backend.put_metric_alarm(
        name=_require(request, "AlarmName"),
        comparison_operator=_require(request, "ComparisonOperator"),
        evaluation_periods=_require(request, "EvaluationPeriods"),
        metric_data_queries=[_metric_data_query(q) for q in request.get("Metrics") or []] or None,
        dimensions=request.get("Dimensions") or [],
        alarm_actions=request.get("AlarmActions") or [],
        ok_actions=request.get("OKActions") or [],
        insufficient_data_actions=request.get("InsufficientDataActions") or [],
        tags=request.get("Tags") or [],
        **_members(
            request,
            namespace="Namespace",
            metric_name="MetricName",
            datapoints_to_alarm="DatapointsToAlarm",
            period="Period",
            threshold="Threshold",
            statistic="Statistic",
            extended_statistic="ExtendedStatistic",
            description="AlarmDescription",
            unit="Unit",
            actions_enabled="ActionsEnabled",
            treat_missing_data="TreatMissingData",
            evaluate_low_sample_count_percentile="EvaluateLowSampleCountPercentile",
            threshold_metric_id="ThresholdMetricId",
        ),
    )
    alarm = backend.alarms.get(request["AlarmName"])
    if alarm is not None and alarm.state_reason == "Unchecked: Initial alarm creation":
        # AWS: a new alarm is INSUFFICIENT_DATA until evaluated, with no StateReasonData
        # (moto: OK, "{}"); an update of an unevaluated alarm keeps that.
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.state_reason_data = None
    return None


def _alarm_out(alarm: Alarm) -> dict[str, Any]:
    common = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmConfigurationUpdatedTimestamp": alarm.configuration_updated_timestamp,
        "ActionsEnabled": alarm.actions_enabled,
        "OKActions": alarm.ok_actions,
        "AlarmActions": alarm.alarm_actions,
        "InsufficientDataActions": alarm.insufficient_data_actions,
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": alarm.state_updated_timestamp,
        "StateTransitionedTimestamp": alarm.state_updated_timestamp,
    }
    if alarm.rule is not None:  # a composite alarm
        return {**common, "AlarmRule": alarm.rule}
    return {
        **common,
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
        "Dimensions": _dimensions_out(alarm.dimensions),
        "Period": alarm.period,
        "Unit": alarm.unit,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": _float(alarm.threshold),
        "ComparisonOperator": alarm.comparison_operator,
        "TreatMissingData": alarm.treat_missing_data,
        "EvaluateLowSampleCountPercentile": alarm.evaluate_low_sample_count_percentile,
        "Metrics": [_query_out(q) for q in alarm.metric_data_queries] or None,
        "ThresholdMetricId": alarm.threshold_metric_id,
    }


def _query_out(query: MetricDataQuery) -> dict[str, Any]:
    stat = query.metric_stat
    return {
        "Id": query.id,
        "Label": query.label,
        "ReturnData": query.return_data,
        "Period": query.period,
        "Expression": query.expression,
        "MetricStat": None
        if stat is None
        else {
            "Metric": {
                "Namespace": stat.metric.namespace,
                "MetricName": stat.metric.metric_name,
                "Dimensions": _dimensions_out(stat.metric.dimensions),
            },
            "Period": stat.period,
            "Stat": stat.stat,
            "Unit": stat.unit,
        },
    }


def _describe_alarms(backend: CloudWatchBackend, request: Input) -> Output:
    names = request.get("AlarmNames") or []
    prefix = request.get("AlarmNamePrefix") or ""
    state = request.get("StateValue")
    action_prefix = request.get("ActionPrefix")
    types = request.get("AlarmTypes") or ["MetricAlarm"]  # AWS: metric alarms unless asked
    alarms = [
        a
        for a in backend.describe_alarms()
        if (not names or a.name in names)
        and a.name.startswith(prefix)
        and (state is None or a.state_value == state)
        and (action_prefix is None or any(x.startswith(action_prefix) for x in a.alarm_actions))
    ]
    return {
        "MetricAlarms": [_alarm_out(a) for a in alarms if a.rule is None] if "MetricAlarm" in types else [],
        "CompositeAlarms": [_alarm_out(a) for a in alarms if a.rule is not None]
        if "CompositeAlarm" in types
        else [],
    }


def _delete_alarms(backend: CloudWatchBackend, request: Input) -> Output:
    backend.delete_alarms(_require(request, "AlarmNames"))
    return None


def _set_alarm_state(backend: CloudWatchBackend, request: Input) -> Output:
    backend.set_alarm_state(
        alarm_name=_require(request, "AlarmName"),
        reason=_require(request, "StateReason"),
        state_value=_require(request, "StateValue"),
        **_members(request, reason_data="StateReasonData"),
    )
    return None


def _list_tags_for_resource(backend: CloudWatchBackend, request: Input) -> Output:
    tags = backend.list_tags_for_resource(_require(request, "ResourceARN"))
    return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


def _put_dashboard(backend: CloudWatchBackend, request: Input) -> Output:
    body = _require(request, "DashboardBody")
    try:
        json.loads(body)
    except ValueError:
        raise DashboardInvalidInputError("Body is invalid JSON") from None
    backend.put_dashboard(_require(request, "DashboardName"), body)
    return {"DashboardValidationMessages": []}


def _get_dashboard(backend: CloudWatchBackend, request: Input) -> Output:
    dashboard = backend.get_dashboard(_require(request, "DashboardName"))
    if dashboard is None:
        raise ResourceNotFound("Dashboard does not exist")
    return {"DashboardArn": dashboard.arn, "DashboardBody": dashboard.body, "DashboardName": dashboard.name}


def _list_dashboards(backend: CloudWatchBackend, request: Input) -> Output:
    dashboards = backend.list_dashboards(request.get("DashboardNamePrefix") or "")
    return {
        "DashboardEntries": [
            {"DashboardName": d.name, "DashboardArn": d.arn, "LastModified": d.last_modified, "Size": d.size}
            for d in dashboards
        ]
    }


def _delete_dashboards(backend: CloudWatchBackend, request: Input) -> Output:
    names = request.get("DashboardNames") or []
    if not names:
        raise InvalidParameterValue("Need at least 1 dashboard")
    missing = backend.delete_dashboards(names)
    if missing is not None:
        raise ResourceNotFound(missing)
    return {}


_OPERATIONS: dict[str, Handler] = {
    "PutMetricData": _put_metric_data,
    "GetMetricData": _get_metric_data,
    "GetMetricStatistics": _get_metric_statistics,
    "ListMetrics": _list_metrics,
    "PutMetricAlarm": _put_metric_alarm,
    "DescribeAlarms": _describe_alarms,
    "DeleteAlarms": _delete_alarms,
    "SetAlarmState": _set_alarm_state,
    "ListTagsForResource": _list_tags_for_resource,
    "PutDashboard": _put_dashboard,
    "GetDashboard": _get_dashboard,
    "ListDashboards": _list_dashboards,
    "DeleteDashboards": _delete_dashboards,
}
