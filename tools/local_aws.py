#!/usr/bin/env python3
"""The running emulator (`make emulator-start`) as the functions' two accounts, for `make watch`.

    local_aws.py seed [--endpoint URL]         # make seed: S, KA in A; D, KB, the queue in B
    local_aws.py env  [--account A|B]          # make watch: the functions' environment
    local_aws.py event NAME                    # make invoke: .local-aws/events/NAME.json if seeded, else events/

**seed** creates what the CloudFormation fixtures (``events/cfn-*.json``) name, each in its
account: S (``example-source-bucket``) and KA in A (``111111111111``); D
(``example-destination-bucket``), KB and the verifier's queue ``replica-verifier`` in B
(``222222222222``), the queue with a policy that lets S3 send D's notifications (as the
destination template's ``QueuePolicy``). The emulator cannot create a KMS key with a chosen id,
so KA's and KB's ARNs are new ones: the seed writes every ``events/cfn-*.json`` fixture, with the
fixture's key ARNs replaced by them, to ``.local-aws/events/``, where ``make invoke`` looks first,
and records what it made in ``.local-aws/seed.json``. Run again, it reuses what is there.

**env** prints the ``--env-vars`` of ``cargo lambda watch``: credentials from ``sts:AssumeRole``
of ``arn:aws:iam::<account>:role/local-aws-admin`` on the emulator, which it maps to that account
(as ``tests/src/accounts.rs`` does; ``testing``/``testing`` would be moto's default account
``123456789012``), its endpoint, and KB as the verifier's ``EXPECTED_KMS_KEY_ARN``. The functions
then learn their account as on Lambda: the setup function from ``sts:GetCallerIdentity`` (``cargo
lambda watch`` sends no function ARN with an account). Without a running emulator it prints the
placeholder environment (a closed port) and says so on stderr.

Both need the emulator's state file (``.local-aws/state.json``), or ``--endpoint``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
STATE = REPO / ".local-aws" / "state.json"
OUT = REPO / ".local-aws"
EVENTS = REPO / "events"
REGION = "us-east-1"

ACCOUNTS = {"A": "111111111111", "B": "222222222222"}
SOURCE_BUCKET = "example-source-bucket"
DESTINATION_BUCKET = "example-destination-bucket"
QUEUE = "replica-verifier"
# The key ARNs written in the fixtures; the seed's keys replace them in .local-aws/events/.
FIXTURE_KA = "arn:aws:kms:us-east-1:111111111111:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f"
FIXTURE_KB = "arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21"
CLOSED_PORT = "http://127.0.0.1:9"


def endpoint_of(given: str | None, state: Path = STATE) -> str | None:
    if given:
        return given
    try:
        return json.loads(state.read_text())["endpoint"]
    except (OSError, ValueError, KeyError):
        return None


def credentials(endpoint: str, account: str, session: str = "make-watch") -> dict[str, str]:
    """Credentials the emulator maps to `account` (12 digits)."""
    import boto3

    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    got = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/local-aws-admin",
                          RoleSessionName=session)["Credentials"]
    return {"AWS_ACCESS_KEY_ID": got["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": got["SecretAccessKey"],
            "AWS_SESSION_TOKEN": got["SessionToken"]}


def client(service: str, endpoint: str, creds: dict[str, str]) -> Any:
    import boto3
    from botocore.config import Config

    extra: dict[str, Any] = {"retries": {"max_attempts": 2}}
    if service == "s3":
        extra["s3"] = {"addressing_style": "path"}
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, config=Config(**extra),
                        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                        aws_session_token=creds["AWS_SESSION_TOKEN"])


def queue_policy(queue_arn: str, bucket: str, account: str) -> str:
    """The destination template's QueuePolicy statement: S3 may send D's notifications."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DestinationBucketNotifications",
            "Effect": "Allow",
            "Principal": {"Service": "s3.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"},
                          "StringEquals": {"aws:SourceAccount": account}},
        }],
    })


def _bucket(s3: Any, name: str) -> str:
    """The bucket, in this account (us-east-1: CreateBucket of one's own bucket answers 200)."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=name)
        return "already there"
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise SystemExit(f"bucket {name}: {e} (does another account of the emulator own it?)") from e
    s3.create_bucket(Bucket=name)
    return "created"


def _key(kms: Any, previous: str | None, description: str) -> tuple[str, str]:
    """A symmetric customer managed key: the one recorded by an earlier seed if it is still
    there and enabled, else a new one (the default key policy: the account's root)."""
    from botocore.exceptions import ClientError

    if previous:
        try:
            meta = kms.describe_key(KeyId=previous)["KeyMetadata"]
            if meta["KeyState"] == "Enabled":
                return meta["Arn"], "already there"
        except ClientError:
            pass
    meta = kms.create_key(Description=description)["KeyMetadata"]
    return meta["Arn"], "created"


def seed(endpoint: str, out: Path = OUT, events: Path = EVENTS) -> dict[str, str]:
    """Create (or find) S, KA, D, KB and the queue; write the events and seed.json."""
    a, b = ACCOUNTS["A"], ACCOUNTS["B"]
    creds_a = credentials(endpoint, a, "make-seed")
    creds_b = credentials(endpoint, b, "make-seed")
    record = out / "seed.json"
    try:
        previous = json.loads(record.read_text())
        if previous.get("endpoint") != endpoint:
            previous = {}
    except (OSError, ValueError):
        previous = {}

    done: list[tuple[str, str, str]] = []
    done.append((a, f"bucket S  {SOURCE_BUCKET}", _bucket(client("s3", endpoint, creds_a), SOURCE_BUCKET)))
    ka, how = _key(client("kms", endpoint, creds_a), previous.get("SourceKmsKeyArn"), "KA (make seed)")
    done.append((a, f"key KA    {ka}", how))
    done.append((b, f"bucket D  {DESTINATION_BUCKET}", _bucket(client("s3", endpoint, creds_b), DESTINATION_BUCKET)))
    kb, how = _key(client("kms", endpoint, creds_b), previous.get("DestinationKmsKeyArn"), "KB (make seed)")
    done.append((b, f"key KB    {kb}", how))
    sqs = client("sqs", endpoint, creds_b)
    queue_arn = f"arn:aws:sqs:{REGION}:{b}:{QUEUE}"
    policy = queue_policy(queue_arn, DESTINATION_BUCKET, b)
    url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if got != queue_arn:
        raise SystemExit(f"the queue's ARN is {got}, not the fixtures' {queue_arn}")
    done.append((b, f"queue     {queue_arn} (policy: s3.amazonaws.com may send D's notifications)", "ready"))

    seeded = {"endpoint": endpoint, "SourceAccountId": a, "DestinationAccountId": b,
              "SourceBucket": SOURCE_BUCKET, "DestinationBucket": DESTINATION_BUCKET,
              "SourceKmsKeyArn": ka, "DestinationKmsKeyArn": kb, "NotificationQueueArn": queue_arn}
    written = write_events(seeded, events, out / "events")
    out.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps(seeded, indent=2) + "\n")

    for account, what, how in done:
        print(f"{account}  {what}: {how}")
    print(f"wrote {len(written)} events to {(out / 'events').relative_to(REPO) if out.is_relative_to(REPO) else out / 'events'}"
          f"/ ({', '.join(p.stem for p in written)}): the fixtures with KA and KB replaced")
    return seeded


def write_events(seeded: dict[str, str], events: Path, into: Path) -> list[Path]:
    """Each events/cfn-*.json with the fixtures' key ARNs replaced by the seeded ones."""
    into.mkdir(parents=True, exist_ok=True)
    written = []
    for fixture in sorted(events.glob("cfn-*.json")):
        text = fixture.read_text()
        text = text.replace(FIXTURE_KA, seeded["SourceKmsKeyArn"]).replace(FIXTURE_KB, seeded["DestinationKmsKeyArn"])
        (into / fixture.name).write_text(text)
        written.append(into / fixture.name)
    return written


def event_path(name: str, endpoint: str | None, out: Path = OUT, events: Path = EVENTS) -> Path:
    """The fixture `make invoke EVENT=name` sends: the seeded copy when `make seed` wrote one for
    this emulator, else events/<name>.json."""
    seeded = out / "events" / f"{name}.json"
    if seeded.is_file():
        try:
            for_endpoint = json.loads((out / "seed.json").read_text()).get("endpoint")
        except (OSError, ValueError):
            for_endpoint = None
        if for_endpoint is not None and for_endpoint == endpoint:
            return seeded
        print(f"local_aws.py: {seeded} was seeded for another emulator ({for_endpoint}); "
              f"sending events/{name}.json (run make seed to seed this one)", file=sys.stderr)
    return events / f"{name}.json"


def watch_env(endpoint: str | None, account: str, out: Path = OUT) -> str:
    """cargo lambda watch's --env-vars: KEY=VALUE,... (no value holds a comma)."""
    kb = FIXTURE_KB
    try:
        seeded = json.loads((out / "seed.json").read_text())
        if seeded.get("endpoint") == endpoint:
            kb = seeded["DestinationKmsKeyArn"]
    except (OSError, ValueError, KeyError):
        pass
    env = {"EXPECTED_KMS_KEY_ARN": kb, "AWS_REGION": REGION, "S3_FORCE_PATH_STYLE": "true", "MISSING_RETRIES": "0"}
    creds = None
    if endpoint is not None:
        try:
            creds = credentials(endpoint, ACCOUNTS[account])
        except Exception as e:  # noqa: BLE001 (a stale state file: the emulator is gone)
            print(f"local_aws.py env: the emulator at {endpoint} does not answer ({e})", file=sys.stderr)
    if creds is None:
        print("local_aws.py env: no emulator running (make emulator-start): placeholder credentials and a closed port",
              file=sys.stderr)
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_ENDPOINT_URL=CLOSED_PORT)
    else:
        env.update(creds)
        env["AWS_ENDPOINT_URL"] = endpoint
        print(f"local_aws.py env: the functions run as account {ACCOUNTS[account]} ({account}) on {endpoint}",
              file=sys.stderr)
    for k, v in env.items():
        if "," in v:
            raise SystemExit(f"{k} holds a comma, which --env-vars cannot carry: {v!r}")
    return ",".join(f"{k}={v}" for k, v in env.items())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed", help="create S, KA, D, KB and the queue; write .local-aws/events/")
    s.add_argument("--endpoint", help="the emulator (default: .local-aws/state.json's)")
    e = sub.add_parser("env", help="print cargo lambda watch's --env-vars")
    e.add_argument("--endpoint", help="the emulator (default: .local-aws/state.json's, if any)")
    e.add_argument("--account", choices=sorted(ACCOUNTS), default="B",
                   help="B (default): the verifier and the destination side; A: the source side")
    v = sub.add_parser("event", help="print the path of the fixture make invoke sends (the seeded copy if current)")
    v.add_argument("name", help="a fixture's name, such as cfn-destination-create")
    v.add_argument("--endpoint", help="the emulator (default: .local-aws/state.json's, if any)")
    a = p.parse_args(argv)
    endpoint = endpoint_of(a.endpoint)
    if a.cmd == "seed":
        if endpoint is None:
            raise SystemExit("no emulator: run make emulator-start first (or give --endpoint)")
        seed(endpoint)
        return 0
    if a.cmd == "event":
        path = event_path(a.name, endpoint)
        print(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
        return 0
    print(watch_env(endpoint, a.account))
    return 0


if __name__ == "__main__":
    sys.exit(main())
