"""PutBucketNotificationConfiguration's validation of its request and of its destinations, as AWS
answers it; filter rules read back as AWS writes them.

The gap: moto 5.2.5 parses the configuration with ``assert`` (a filter rule named ``Prefix``,
``SUFFIX`` or with an empty value is a 500 Internal Server Error), answers an ARN that is not one
with its own wording, and stores any destination: a queue that does not exist, or whose policy
does not let S3 send, is accepted, and a tool that forgets the queue policy passes its tests.

Closed here, in the order AWS applies the checks (replacing ``S3Response._notification_config_from_body``):

1. the body's form: a filter rule without ``Name`` or without ``Value`` is ``MalformedXML`` "The
   XML you provided was not well-formed or did not validate against our published schema"
   (recorded: LocalStack ``test_s3_api.snapshot.json``,
   ``TestS3BucketNotificationConfiguration::test_bucket_notification_with_missing_values_in_rule``,
   keys ``invalid-rule-no-values``/``-no-value``/``-no-name``, 21-02-2026);
2. every destination ARN, in order: one that is not ``arn:<partition>:sqs|sns|lambda:...`` is
   ``InvalidArgument`` "The ARN could not be parsed", ``ArgumentName`` ``Queue`` (``Topic``,
   ``CloudFunction``), ``ArgumentValue`` the ARN; the first such ARN is named, even when another
   destination does not exist, and also with ``SkipDestinationValidation`` (recorded:
   ``test_s3_notifications_sqs.snapshot.json``, ``test_invalid_sqs_arn`` keys ``invalid_not_skip``,
   ``invalid_skip``; ``test_multiple_invalid_sqs_arns`` keys ``two-queue-arns-invalid``,
   ``one-queue-invalid-one-not-existent``, 21-01-2025);
3. filter rule names, in any case: ``prefix``/``suffix`` are accepted and stored as ``Prefix``/
   ``Suffix`` (GetBucketNotificationConfiguration reads them back so), an empty value is kept;
   another name is ``InvalidArgument`` "filter rule name must be either prefix or suffix",
   ``ArgumentName`` ``FilterRule.Name``, ``ArgumentValue`` the name -- before the destinations are
   checked (recorded: ``test_filter_rules_case_insensitive``, ``test_filter_rules_empty_value``;
   ``test_s3_api.snapshot.json`` ``test_bucket_notification_with_invalid_filter_rules``, whose queue
   had no policy). Matching an object key against the rules is case-insensitive in the rule's
   name (``Notification._key_matches``);
4. the event names (moto's ``InvalidNotificationEvent``), overlapping configurations
   (``s3_notification_overlap.check``: a check of the request's form, so it comes before the
   destinations, as LocalStack's test notes AWS validates "all 'form' verifications beforehand")
   and the destination's region (moto's ``InvalidNotificationDestination``, "The notification
   destination service region is not valid for the bucket location constraint");
5. unless ``x-amz-skip-destination-validation: true``: every queue and topic destination is looked
   up in the account and region of its ARN (another account of the emulator included) and its
   resource policy is evaluated (``_policy``) for principal ``{"Service": "s3.amazonaws.com"}``,
   action ``sqs:SendMessage`` (``sns:Publish``), resource the ARN, with ``aws:SourceArn`` the
   bucket's ARN and ``aws:SourceAccount`` the bucket owner's account. Every failing destination is
   named, numbered from 1: ``InvalidArgument`` "Unable to validate the following destination
   configurations", ``ArgumentName<n>`` the ARN, ``ArgumentValue<n>`` "The destination queue does
   not exist" (recorded: ``test_invalid_sqs_arn`` key ``queue-does-not-exist``,
   ``test_multiple_invalid_sqs_arns`` key ``multiple-queues-do-not-exist``; with
   ``SkipDestinationValidation`` the missing queue is stored, key ``skip_destination_validation``)
   or "Permissions on the destination queue do not allow S3 to publish notifications from this
   bucket" (AWS's wording as quoted in https://github.com/aws/aws-cli/issues/8162; the topic
   wordings replace "queue" by "topic").

GetBucketNotificationConfiguration answers ``EventBridgeConfiguration`` (an empty element) when
the bucket delivers to EventBridge: the S3 API Reference's ``NotificationConfiguration`` output
has it beside the queue, topic and Lambda configurations, and boto3 and the Rust SDK read it.
moto 5.2.5 stores it on PUT but never writes it back, so a caller that reads, edits and writes
the whole configuration (as AWS asks: a PUT replaces it) turned EventBridge off here.

Nothing is written when a check fails. Not closed: Lambda destinations are not validated (AWS
checks the function's resource policy); a KMS-encrypted queue's key policy is not consulted;
delivery does not re-check the policy (AWS drops events that the queue refuses later).
"""

from __future__ import annotations

import re
from typing import Any

import xmltodict
from moto.s3.exceptions import (
    InvalidArgumentError,
    InvalidNotificationDestination,
    InvalidNotificationEvent,
    MalformedXML,
)
from moto.s3.models import Notification
from moto.s3.notifications import S3NotificationEvent
from moto.s3.responses import S3Response

from . import _policy, s3_notification_overlap
from ._patching import Func, wrap

_TAG = "s3_notification_targets"
_SKIP_HEADER = "x-amz-skip-destination-validation"
UNVALIDATED = "Unable to validate the following destination configurations"

# (configuration element, ARN element and ArgumentName, service in the ARN)
_KINDS = (("Topic", "sns"), ("Queue", "sqs"), ("CloudFunction", "lambda"))
_ARN = {service: re.compile(rf"^arn:aws[a-z-]*:{service}:[^:]*:[^:]*:.+$") for _, service in _KINDS}


def install() -> None:
    """Patch moto's S3 responses and notification model (idempotent)."""
    wrap(S3Response, "_notification_config_from_body", _TAG, lambda _original: _notification_config_from_body)
    wrap(S3Response, "_bucket_response_put", _TAG, _answering_unvalidated)
    wrap(Notification, "_key_matches", _TAG, lambda _original: _key_matches)
    wrap(S3Response, "get_bucket_notification", _TAG, _with_event_bridge)


def _with_event_bridge(original: Any) -> Any:
    """moto's answer, with ``<EventBridgeConfiguration/>`` when the bucket has it on."""
    closing = re.compile(r"</NotificationConfiguration>\s*$")
    empty = re.compile(r"<NotificationConfiguration([^>]*)/>\s*$")

    def get_bucket_notification(self: S3Response) -> Any:
        status, headers, body = original(self)
        config = self.backend.get_bucket(self.bucket_name).notification_configuration
        if config is None or getattr(config, "event_bridge", None) is None:
            return status, headers, body
        text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        element = "<EventBridgeConfiguration></EventBridgeConfiguration>"
        if closing.search(text):
            text = closing.sub(element + "</NotificationConfiguration>", text)
        else:
            text = empty.sub(lambda m: f"<NotificationConfiguration{m.group(1)}>{element}</NotificationConfiguration>", text)
        return status, headers, text

    return get_bucket_notification


class DestinationsUnvalidated(Exception):
    """AWS's refusal naming each destination it could not validate (``[(arn, reason)]``)."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        super().__init__(UNVALIDATED)
        self.failures = failures

    def response(self, request_id: str) -> tuple[int, dict[str, str], str]:
        error: dict[str, Any] = {"Code": "InvalidArgument", "Message": UNVALIDATED}
        for number, (arn, reason) in enumerate(self.failures, 1):
            error[f"ArgumentName{number}"] = arn
            error[f"ArgumentValue{number}"] = reason
        error["RequestId"] = request_id
        error["HostId"] = request_id
        body = xmltodict.unparse({"Error": error}, full_document=True)
        return 400, {"Content-Type": "application/xml"}, body


def _answering_unvalidated(original: Func) -> Func:
    def _bucket_response_put(self: S3Response, request: Any, bucket_name: str, querystring: Any) -> Any:
        try:
            return original(self, request, bucket_name, querystring)
        except DestinationsUnvalidated as refused:
            return refused.response("0" * 16)

    return _bucket_response_put


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _notification_config_from_body(self: S3Response) -> dict[str, Any]:
    try:
        parsed = xmltodict.parse(self.body)
    except Exception as error:  # noqa: BLE001 - any parse failure is AWS's MalformedXML
        raise MalformedXML() from error
    root = parsed.get("NotificationConfiguration") or {}
    if not isinstance(root, dict):
        raise MalformedXML()

    config: dict[str, Any] = {}
    entries: list[tuple[str, str, dict[str, Any]]] = []  # (kind, service, configuration)
    for kind, service in _KINDS:
        items = _as_list(root.get(f"{kind}Configuration"))
        if not items:
            continue
        for item in items:
            _check_form(item, kind)
            entries.append((kind, service, item))
        config[f"{kind}Configuration"] = items
    if "EventBridgeConfiguration" in root:
        config["EventBridgeConfiguration"] = {}

    for kind, service, item in entries:  # 2. ARNs, all of them before anything else
        if not _ARN[service].match(str(item[kind])):
            raise InvalidArgumentError("The ARN could not be parsed", kind, str(item[kind]))
    for _, _, item in entries:  # 3. filter rule names
        _normalise_rules(item)
    for _, _, item in entries:  # 4. events
        item["Event"] = _as_list(item["Event"])
        for event in item["Event"]:
            if not S3NotificationEvent.is_event_valid(event):
                raise InvalidNotificationEvent(event)
    s3_notification_overlap.check(config)  # a form check too: before the destinations
    bucket = self.backend.get_bucket(self.bucket_name)
    for kind, _, item in entries:
        if str(item[kind]).split(":")[3] != bucket.region_name:
            raise InvalidNotificationDestination()
    if str(self.headers.get(_SKIP_HEADER, "")).lower() != "true":  # 5. destinations
        failures = [f for kind, service, item in entries if (f := _destination_failure(service, item[kind], bucket))]
        if failures:
            raise DestinationsUnvalidated(failures)
    return config


def _check_form(item: Any, kind: str) -> None:
    """1. What the schema requires: the ARN, an event, whole filter rules."""
    if not isinstance(item, dict) or not item.get(kind) or not item.get("Event"):
        raise MalformedXML()
    if "Filter" not in item:
        return
    key = (item.get("Filter") or {}).get("S3Key") if isinstance(item.get("Filter"), dict) else None
    if not isinstance(key, dict):
        raise MalformedXML()
    rules = _as_list(key.get("FilterRule"))
    if not rules:
        raise MalformedXML()
    for rule in rules:
        if not isinstance(rule, dict) or "Name" not in rule or "Value" not in rule:
            raise MalformedXML()
    key["FilterRule"] = rules


def _normalise_rules(item: dict[str, Any]) -> None:
    if "Filter" not in item:
        return
    for rule in item["Filter"]["S3Key"]["FilterRule"]:
        name = str(rule["Name"] or "")
        if name.lower() not in ("prefix", "suffix"):
            raise InvalidArgumentError("filter rule name must be either prefix or suffix", "FilterRule.Name", name)
        rule["Name"] = name.capitalize()
        rule["Value"] = rule["Value"] or ""


def _destination_failure(service: str, arn: str, bucket: Any) -> tuple[str, str] | None:
    _, _, _, region, account, name = arn.split(":", 5)
    if service == "sqs":
        from moto.sqs.models import sqs_backends

        queue = sqs_backends[account][region].queues.get(name)
        if queue is None:
            return arn, "The destination queue does not exist"
        policy, action, noun = queue.policy, "sqs:SendMessage", "queue"
    elif service == "sns":
        from moto.sns.models import sns_backends

        topic = sns_backends[account][region].topics.get(arn)
        if topic is None:
            return arn, "The destination topic does not exist"
        policy, action, noun = topic.policy, "sns:Publish", "topic"
    else:
        return None
    request = _policy.Request(action, arn, {"aws:SourceArn": f"arn:aws:s3:::{bucket.name}",
                                             "aws:SourceAccount": bucket.account_id})
    decision = _policy.evaluate([policy] if policy else [], request, _policy.Caller(service="s3.amazonaws.com"))
    if decision is not _policy.Decision.ALLOW:
        return arn, f"Permissions on the destination {noun} do not allow S3 to publish notifications from this bucket"
    return None


def _key_matches(self: Notification, key_name: str) -> bool:
    rules = _as_list((self.filters.get("S3Key") or {}).get("FilterRule"))
    values = {str(r.get("Name", "")).lower(): r.get("Value") or "" for r in rules}
    return key_name.startswith(values.get("prefix", "")) and key_name.endswith(values.get("suffix", ""))
