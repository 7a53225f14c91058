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

This module claims the requests and answers them; ``_cloudwatch_wire`` holds the two protocols,
``_cloudwatch_metrics`` the metric data operations and ``_cloudwatch_operations`` the alarm, tag
and dashboard ones, with ``_OPERATIONS``.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

import cbor2
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.exceptions import ServiceException
from moto.iam.models import get_account_id_from, mark_account_as_visited
from werkzeug.wsgi import get_input_stream

from ._cloudwatch_operations import _OPERATIONS
from ._cloudwatch_wire import _CBOR, _JSON, Input, _Protocol

WsgiApp = Callable[..., Iterable[bytes]]
Reply = tuple[int, list[tuple[str, str]], bytes]  # status, headers, body

_LOG = logging.getLogger(__name__)
_PATH = re.compile(
    r"(?:/.*)?/service/(?:com\.amazonaws\.cloudwatch\.)?GraniteServiceVersion20100801"
    r"/operation/(?P<operation>[A-Za-z0-9]+)"
)
_CREDENTIAL = re.compile(r"Credential=(?P<key>[^/\s,]+)/[^/]+/(?P<region>[^/]+)/")
_TARGET_PREFIX = "GraniteServiceVersion20100801."  # awsJson1_0: X-Amz-Target <prefix><Operation>
_NAMESPACE = "com.amazonaws.cloudwatch"

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

