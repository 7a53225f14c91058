"""SQS validation answers, as AWS recorded them over SQS's JSON protocol.

Judged by the conformance cases in ``tests/conformance/cases/sqs_cloudwatch.py``. Source:
LocalStack's AWS-validated snapshot ``tests/aws/services/sqs/test_sqs.snapshot.json``
(github.com/localstack/localstack @ 8b9a79f05846, ``TestSqsProvider``, the ``[sqs]`` variants).
The gaps in moto 5.2.5, and what is closed here:

- CreateQueue of an existing name with a different attribute value: moto says "The specified
  queue already exists."; AWS says "A queue already exists with the same name and a different
  value for attribute <Name>" (``test_create_queue_with_different_attributes_raises_exception``).
  Closed: the first differing attribute of the request is named.
- SetQueueAttributes of ``FifoQueue`` on a standard queue: moto accepts it; AWS answers 400
  ``InvalidAttributeName`` "Unknown Attribute FifoQueue." (``test_set_unsupported_attribute_standard``).
  Closed.
- SetQueueAttributes with ``KmsMasterKeyId`` (even empty) turns SSE-SQS off on AWS:
  ``SqsManagedSseEnabled`` reads ``false`` afterwards (``test_set_queue_attributes_default_values``);
  moto keeps ``true``. Closed, unless the same request sets ``SqsManagedSseEnabled`` itself.
- ReceiveMessage with ``WaitTimeSeconds`` outside 0..20 or ``MaxNumberOfMessages`` outside 1..10:
  moto's message starts "An error occurred (InvalidParameterValue) when calling the ReceiveMessage
  operation: ..."; AWS says "Value <v> for parameter WaitTimeSeconds is invalid. Reason: Must be
  >= 0 and <= 20, if provided." and "Value <v> for parameter MaxNumberOfMessages is invalid.
  Reason: Must be between 1 and 10, if provided." (``test_send_receive_wait_time_seconds``,
  ``test_send_receive_max_number_of_messages``). Closed.
- SendMessage with an empty body: moto sends it; AWS answers 400 ``MissingParameter`` "The request
  must contain the parameter MessageBody." (``test_send_empty_message``). Closed.
- SendMessage over the queue's MaximumMessageSize: moto counts the body only; AWS counts the
  message attributes too (name, data type and value) and answers 400 ``InvalidParameterValue``
  "One or more parameters are invalid. Reason: Message must be shorter than <max> bytes."
  (``test_send_oversized_message``). Closed (UTF-8 bytes).
- The JSON error type of the unmodelled errors ``InvalidParameterValue`` and ``MissingParameter``:
  AWS's ``__type`` is ``InvalidParameterValueException`` / ``MissingRequiredParameterException``
  while ``x-amzn-query-error`` keeps ``InvalidParameterValue`` / ``MissingParameter`` (botocore shows
  them as ``QueryErrorCode`` and ``Code``); moto uses the query code for both. Closed for these
  two codes; SDKs of this awsQueryCompatible service read the code from the header, so their
  error code does not change.
"""

from __future__ import annotations

from typing import Any

from moto.core.serialize import BaseJSONSerializer
from moto.sqs.exceptions import (
    InvalidAttributeName,
    InvalidParameterValue,
    MissingParameter,
    QueueAlreadyExists,
    SQSException,
)
from moto.sqs.models import Queue, SQSBackend
from moto.sqs.responses import SQSResponse

from ._patching import Func, wrap

_TAG = "sqs_fidelity"
_JSON_TYPES = {
    "InvalidParameterValue": "InvalidParameterValueException",
    "MissingParameter": "MissingRequiredParameterException",
}


def install() -> None:
    """Patch moto's SQS (idempotent)."""
    wrap(SQSBackend, "create_queue", _TAG, _names_conflicting_attribute)
    wrap(SQSBackend, "set_queue_attributes", _TAG, _checked_attributes)
    wrap(SQSResponse, "receive_message", _TAG, _checked_receive)
    wrap(SQSResponse, "send_message", _TAG, _checked_send)
    wrap(BaseJSONSerializer, "_get_protocol_specific_error_code", _TAG, _json_error_type)


def _names_conflicting_attribute(original: Func) -> Func:
    def create_queue(self: SQSBackend, name: str, tags: Any = None, **kwargs: Any) -> Any:
        existing = self.queues.get(name)
        if existing is not None:
            wanted = {k: v for k, v in kwargs.items() if k != "region"}
            probe = Queue(name, region=self.region_name, account_id=self.account_id, **wanted)
            for key in wanted:
                if existing.attributes.get(key) != probe.attributes.get(key):
                    raise QueueAlreadyExists(
                        f"A queue already exists with the same name and a different value for attribute {key}")
        return original(self, name, tags, **kwargs)

    return create_queue


def _checked_attributes(original: Func) -> Func:
    def set_queue_attributes(self: SQSBackend, queue_name: str, attributes: dict[str, Any]) -> Any:
        queue = self.get_queue(queue_name)
        if "FifoQueue" in attributes and not queue.fifo_queue:
            raise InvalidAttributeName("FifoQueue")
        if "KmsMasterKeyId" in attributes and "SqsManagedSseEnabled" not in attributes:
            attributes = {**attributes, "SqsManagedSseEnabled": "false"}
        return original(self, queue_name, attributes)

    return set_queue_attributes


def _int_param(response: SQSResponse, name: str) -> int | None:
    value = response._get_param(name)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _checked_receive(original: Func) -> Func:
    def receive_message(self: SQSResponse) -> Any:
        count = _int_param(self, "MaxNumberOfMessages")
        if count is not None and not 1 <= count <= 10:
            raise SQSException(
                "InvalidParameterValue",
                f"Value {count} for parameter MaxNumberOfMessages is invalid. "
                "Reason: Must be between 1 and 10, if provided.")
        wait = _int_param(self, "WaitTimeSeconds")
        if wait is not None and not 0 <= wait <= 20:
            raise SQSException(
                "InvalidParameterValue",
                f"Value {wait} for parameter WaitTimeSeconds is invalid. "
                "Reason: Must be >= 0 and <= 20, if provided.")
        return original(self)

    return receive_message


def _attribute_size(attributes: dict[str, Any]) -> int:
    size = 0
    for name, value in (attributes or {}).items():
        size += len(name.encode()) + len(str(value.get("DataType", "")).encode())
        if "StringValue" in value:
            size += len(str(value["StringValue"]).encode())
        if "BinaryValue" in value:
            binary = value["BinaryValue"]
            size += len(binary) if isinstance(binary, (bytes, bytearray)) else len(str(binary))
    return size


def _checked_send(original: Func) -> Func:
    def send_message(self: SQSResponse) -> Any:
        body = self._get_param("MessageBody")
        if body is None or body == "":
            raise MissingParameter("MessageBody")
        queue = self.sqs_backend.get_queue(self._get_queue_name())
        maximum = int(queue.maximum_message_size)
        if len(body.encode()) + _attribute_size(self._get_param("MessageAttributes", {})) > maximum:
            raise InvalidParameterValue(
                f"One or more parameters are invalid. Reason: Message must be shorter than {maximum} bytes.")
        return original(self)

    return send_message


def _json_error_type(original: Func) -> Func:
    def _get_protocol_specific_error_code(self: BaseJSONSerializer, error: Any) -> str:
        code = original(self, error)
        if self.operation_model.service_model.service_name != "sqs":
            return code
        prefix, _, name = code.rpartition("#")
        if name in _JSON_TYPES and name == getattr(error, "error_code", name):
            name = _JSON_TYPES[name]
            return f"{prefix}#{name}" if prefix else name
        return code

    return _get_protocol_specific_error_code
