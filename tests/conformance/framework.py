"""The conformance suite's parts: a case, its source, the comparison, and the world it runs in.

A case replays one request against the emulator with boto3 and compares the answer with what
AWS answered when the same request was recorded. The recorded answer is kept in the case as the
recording holds it (LocalStack's ``*.snapshot.json`` files are boto3 response dicts), trimmed to
what the project can observe:

* ``ResponseMetadata``: only ``HTTPStatusCode`` is compared (the recordings keep no headers);
* every other key must be present on both sides (the payload's shape), at every depth;
* a recorded value written ``<...>`` (LocalStack's placeholder for ids, dates, request ids,
  ETags) is compared for presence only; every other value must be equal.

A case cites its source: a recording (repository, commit, file, test, snapshot key) or a public
issue thread that quotes AWS's answer. A case that differs may sit on the exception list only with
``exception=`` naming why the difference cannot matter to this project; an excepted case that
starts matching fails the run, so the list never outlives its reason.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import launcher

# The LocalStack snapshot every recording cites: github.com/localstack/localstack at this commit.
LOCALSTACK = "localstack/localstack"
LOCALSTACK_COMMIT = "8b9a79f05846835cf4dff63ab7eefdde9df83783"

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
REGION = "us-east-1"
OTHER_REGION = "eu-west-1"

_PLACEHOLDER = re.compile(r"^<[^<>]+>$")


@dataclass(frozen=True)
class Recording:
    """A response recorded on real AWS by LocalStack's AWS-validated tests."""

    file: str  # the snapshot file, for example tests/aws/services/s3/test_s3_api.snapshot.json
    test: str  # the test's node id, the snapshot file's top-level key
    key: str  # the key inside the test's "recorded-content"
    recorded: str = ""  # the "recorded-date" of that test
    repo: str = LOCALSTACK
    commit: str = LOCALSTACK_COMMIT

    def cite(self) -> str:
        return f"{self.repo}@{self.commit[:12]} {self.file} :: {self.test} :: {self.key}"


@dataclass(frozen=True)
class PublicIssue:
    """A public issue thread that quotes AWS's exact answer."""

    url: str
    quote: str

    def cite(self) -> str:
        return f"{self.url} (quotes: {self.quote!r})"


Source = Recording | PublicIssue


@dataclass
class Case:
    """One request and the answer AWS recorded for it."""

    name: str
    source: Source
    run: Callable[[World], Any]  # makes its preconditions, sends the request, returns the answer
    expect: dict[str, Any]  # the recorded answer, trimmed (see the module doc)
    operation: str = ""  # the AWS operation the case judges, for the report
    exception: str | None = None  # why a difference here cannot matter to this project
    group: str = field(default="", compare=False)


def answer(call: Callable[[], Any]) -> dict[str, Any]:
    """The response dict of a boto3 call, or the error response it raised."""
    try:
        return call()
    except ClientError as error:
        return error.response


def differences(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Where ``actual`` departs from the recorded ``expected`` (empty when it matches)."""
    where = path or "<answer>"
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: AWS answered an object, the emulator {_kind(actual)}"]
        found: list[str] = []
        for name in expected:
            if name == "ResponseMetadata":
                want = expected[name].get("HTTPStatusCode")
                got = (actual.get(name) or {}).get("HTTPStatusCode")
                if want is not None and want != got:
                    found.append(f"HTTP status: AWS {want}, emulator {got}")
                continue
            if name not in actual:
                found.append(f"{path}{name}: missing (AWS: {_short(expected[name])})")
                continue
            found.extend(differences(expected[name], actual[name], f"{path}{name}."))
        for name in actual:
            if name not in expected and name != "ResponseMetadata":
                found.append(f"{path}{name}: not in AWS's answer (emulator: {_short(actual[name])})")
        return found
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: AWS answered a list, the emulator {_kind(actual)}"]
        if len(expected) != len(actual):
            return [f"{where}: AWS answered {len(expected)} items, the emulator {len(actual)}"]
        return list(
            itertools.chain.from_iterable(
                differences(e, a, f"{path}[{i}].") for i, (e, a) in enumerate(zip(expected, actual))
            )
        )
    if isinstance(expected, str) and _PLACEHOLDER.match(expected):
        return [] if actual not in (None, "") else [f"{where}: empty (AWS: {expected})"]
    if _normal(expected) != _normal(actual):
        return [f"{where.rstrip('.')}: AWS {_short(expected)}, emulator {_short(actual)}"]
    return []


def _normal(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


def _kind(value: Any) -> str:
    return f"a {type(value).__name__} ({_short(value)})"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


class World:
    """boto3 clients for the emulator's two accounts, and unique names for what a case makes.

    moto picks the account from the caller's access key; keys returned by ``sts:AssumeRole`` of
    ``arn:aws:iam::<account>:role/...`` belong to that account (as ``tests/src/accounts.rs`` does
    for the Rust tests).
    """

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._counter = itertools.count(1)
        self._credentials: dict[str, dict[str, str]] = {}

    def name(self, prefix: str = "conf") -> str:
        """A bucket-safe name unique in this run."""
        return f"{prefix}-{next(self._counter)}-{_dt.datetime.now().strftime('%H%M%S%f')}"

    def client(self, service: str, account: str = ACCOUNT_A, region: str = REGION, **config: Any) -> Any:
        creds = self._credentials.get(account)
        if creds is None:
            creds = launcher.assumed_credentials(self.endpoint, launcher.admin_role(account), "conformance")
            self._credentials[account] = creds
        extra: dict[str, Any] = {"retries": {"max_attempts": 1}}
        if service == "s3":
            extra["s3"] = {"addressing_style": "path"}
        extra.update(config)
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            config=Config(**extra), **creds)

    # --- preconditions most cases share ---------------------------------------------------

    def bucket(self, account: str = ACCOUNT_A, *, versioned: bool = False, region: str = REGION,
               prefix: str = "conf") -> str:
        s3 = self.client("s3", account, region)
        name = self.name(prefix)
        args: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**args)
        if versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def key(self, account: str = ACCOUNT_A, region: str = REGION) -> str:
        """A new symmetric KMS key's ARN."""
        return self.client("kms", account, region).create_key()["KeyMetadata"]["Arn"]

    def queue(self, account: str = ACCOUNT_A, *, allow_bucket: str | None = None) -> tuple[str, str]:
        """A new SQS queue: (url, arn); with ``allow_bucket``, a policy that lets S3 send that
        bucket's events (``s3_may_send``)."""
        sqs = self.client("sqs", account)
        url = sqs.create_queue(QueueName=self.name("q"))["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        if allow_bucket:
            policy = s3_may_send(arn, allow_bucket, account)
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        return url, arn


def s3_may_send(queue_arn: str, bucket: str, account: str = ACCOUNT_A) -> dict[str, Any]:
    """A queue policy that lets S3 send ``bucket``'s events, as the S3 guide's walkthrough writes it."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"},
                          "StringEquals": {"aws:SourceAccount": account}},
        }],
    }
