"""tools/local_aws.py (make seed, make watch's environment, make invoke's fixture) against the
emulator in-process (``launcher.serving()``; stdlib unittest, boto3).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

* ``seed`` creates what the CloudFormation fixtures name, each in its account (S and KA in A; D,
  KB and the queue ``replica-verifier`` in B, whose policy S3 accepts for D's notifications), and
  writes the fixtures with KA and KB replaced; run again, it creates nothing new.
* ``env`` gives credentials the emulator maps to the account asked for, not 123456789012.
* With a built setup function (``SETUP_BOOTSTRAP``, or ``target/debug/replication-setup``), the
  seeded ``cfn-destination-create`` (as B) and ``cfn-source-create`` (as A) answer SUCCESS, run
  the way ``make watch`` runs them: this environment, the function ARN ``function-arn`` and the
  deadline ``600000`` that ``cargo lambda watch`` 1.9.2 sends, the response PUT to a catcher.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

import launcher

REPO = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(REPO / "tools"))
import local_aws  # noqa: E402

A, B = local_aws.ACCOUNTS["A"], local_aws.ACCOUNTS["B"]


def env_vars(text: str) -> dict[str, str]:
    """cargo lambda's --env-vars: comma-separated, each split at its first "="."""
    return dict(item.split("=", 1) for item in text.split(","))


def setup_bootstrap() -> Path | None:
    given = os.environ.get("SETUP_BOOTSTRAP")
    for candidate in ([Path(given)] if given else []) + [
        Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug" / "replication-setup"
    ]:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


class LocalAws(unittest.TestCase):
    endpoint: str
    out: Path
    seeded: dict[str, str]

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.out = Path(tempfile.mkdtemp(prefix="local-aws-seed-"))
        cls.addClassCleanup(shutil.rmtree, cls.out)
        cls.seeded = local_aws.seed(cls.endpoint, out=cls.out)

    def client(self, service: str, account: str) -> Any:
        creds = local_aws.credentials(self.endpoint, account, "test")
        extra: dict[str, Any] = {"retries": {"max_attempts": 1}}
        if service == "s3":
            extra["s3"] = {"addressing_style": "path"}
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1", config=Config(**extra),
                            aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
                            aws_session_token=creds["AWS_SESSION_TOKEN"])

    def event(self, name: str) -> dict[str, Any]:
        return json.loads((self.out / "events" / f"{name}.json").read_text())

    # ------------------------------------------------------------------ seed

    def test_seed_creates_in_each_account_what_the_create_fixtures_name(self) -> None:
        dest = self.event("cfn-destination-create")["ResourceProperties"]
        src = self.event("cfn-source-create")["ResourceProperties"]

        # Account B: D, KB, the queue.
        self.client("s3", B).head_bucket(Bucket=dest["DestinationBucket"], ExpectedBucketOwner=B)
        kb = self.client("kms", B).describe_key(KeyId=dest["DestinationKmsKeyArn"])["KeyMetadata"]
        self.assertEqual((kb["Arn"], kb["KeyState"], kb["KeyManager"], kb["KeySpec"]),
                         (dest["DestinationKmsKeyArn"], "Enabled", "CUSTOMER", "SYMMETRIC_DEFAULT"))
        self.assertEqual(kb["AWSAccountId"], B)
        sqs = self.client("sqs", B)
        url = sqs.get_queue_url(QueueName=dest["NotificationQueueArn"].rsplit(":", 1)[1])["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "Policy"])["Attributes"]
        self.assertEqual(attrs["QueueArn"], dest["NotificationQueueArn"])
        self.assertEqual(dest["SourceAccountId"], A)
        self.assertEqual(dest["DestinationKmsKeyArn"].split(":")[4], B)

        # Account A: S, KA (and src names the same D and KB).
        self.client("s3", A).head_bucket(Bucket=src["SourceBucket"], ExpectedBucketOwner=A)
        ka = self.client("kms", A).describe_key(KeyId=src["SourceKmsKeyArn"])["KeyMetadata"]
        self.assertEqual((ka["Arn"], ka["KeyState"], ka["AWSAccountId"]), (src["SourceKmsKeyArn"], "Enabled", A))
        self.assertEqual((src["SourceBucket"], src["DestinationBucket"], src["DestinationKmsKeyArn"],
                          src["DestinationAccountId"]),
                         (dest["SourceBucket"], dest["DestinationBucket"], dest["DestinationKmsKeyArn"], B))

    def test_s3_may_send_ds_notifications_to_the_queue(self) -> None:
        # The emulator evaluates the queue's policy for s3.amazonaws.com on PutBucketNotification
        # (localaws.s3_notification_targets), as S3 does: the setup function's notification step
        # needs this. Cleared again afterwards, as the function would find it.
        s3 = self.client("s3", B)
        config = {"QueueConfigurations": [{"QueueArn": self.seeded["NotificationQueueArn"],
                                           "Events": ["s3:ObjectCreated:*"]}]}
        s3.put_bucket_notification_configuration(Bucket=self.seeded["DestinationBucket"],
                                                 NotificationConfiguration=config)
        s3.put_bucket_notification_configuration(Bucket=self.seeded["DestinationBucket"], NotificationConfiguration={})

    def test_the_seeded_events_are_the_fixtures_with_ka_and_kb_replaced(self) -> None:
        names = sorted(p.name for p in (REPO / "events").glob("cfn-*.json"))
        self.assertEqual(sorted(p.name for p in (self.out / "events").glob("*.json")), names)
        self.assertEqual(len(names), 6)
        for name in names:
            with self.subTest(name):
                fixture = (REPO / "events" / name).read_text()
                expected = fixture.replace(local_aws.FIXTURE_KA, self.seeded["SourceKmsKeyArn"]).replace(
                    local_aws.FIXTURE_KB, self.seeded["DestinationKmsKeyArn"])
                self.assertEqual(json.loads((self.out / "events" / name).read_text()), json.loads(expected))
        # The fixtures name exactly what the seed made (besides the keys, nothing is renamed).
        props = self.event("cfn-destination-create")["ResourceProperties"]
        for key in ("DestinationBucket", "SourceBucket", "SourceAccountId", "NotificationQueueArn",
                    "DestinationKmsKeyArn"):
            self.assertEqual(props[key], self.seeded[key], key)

    def test_a_second_seed_makes_nothing_new(self) -> None:
        again = local_aws.seed(self.endpoint, out=self.out)
        self.assertEqual(again, self.seeded)
        keys = self.client("kms", B).list_keys()["Keys"]
        self.assertEqual([k["KeyArn"] for k in keys if "make seed" in self.client("kms", B).describe_key(
            KeyId=k["KeyId"])["KeyMetadata"]["Description"]], [self.seeded["DestinationKmsKeyArn"]])

    # ------------------------------------------------------------------ env, event

    def test_watch_env_acts_as_the_account_asked_for(self) -> None:
        for letter, account in (("B", B), ("A", A)):
            with self.subTest(account=letter):
                env = env_vars(local_aws.watch_env(self.endpoint, letter, out=self.out))
                self.assertEqual(env["AWS_ENDPOINT_URL"], self.endpoint)
                self.assertEqual(env["EXPECTED_KMS_KEY_ARN"], self.seeded["DestinationKmsKeyArn"])
                sts = boto3.client("sts", endpoint_url=self.endpoint, region_name="us-east-1",
                                   aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                                   aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                                   aws_session_token=env["AWS_SESSION_TOKEN"])
                self.assertEqual(sts.get_caller_identity()["Account"], account)

    def test_watch_env_without_an_emulator(self) -> None:
        env = env_vars(local_aws.watch_env(None, "B", out=self.out))
        self.assertEqual((env["AWS_ENDPOINT_URL"], env["AWS_ACCESS_KEY_ID"]), (local_aws.CLOSED_PORT, "testing"))
        self.assertEqual(env["EXPECTED_KMS_KEY_ARN"], local_aws.FIXTURE_KB)

    def test_make_watch_hands_the_functions_local_aws_env(self) -> None:
        # The Makefile once kept an older WATCH_ENV above this one; `?=` let it win silently.
        run = subprocess.run(["make", "-s", "-n", "watch", "WATCH_ACCOUNT=A"], cwd=REPO, capture_output=True,
                             text=True, check=True)
        line = next(l for l in run.stdout.splitlines() if l.startswith("cargo lambda watch"))
        given = line.split("--env-vars ", 1)[1].strip("'")
        expected = subprocess.run([sys.executable, str(REPO / "tools" / "local_aws.py"), "env", "--account", "A"],
                                  cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(given, expected, "make watch hands cargo lambda exactly what local_aws.py env prints")
        self.assertIn("--invoke-port 9000", line)

    def test_invoke_sends_the_seeded_copy_for_this_emulator_only(self) -> None:
        seeded = local_aws.event_path("cfn-destination-create", self.endpoint, out=self.out)
        self.assertEqual(seeded, self.out / "events" / "cfn-destination-create.json")
        other = local_aws.event_path("cfn-destination-create", "http://127.0.0.1:1", out=self.out)
        self.assertEqual(other, REPO / "events" / "cfn-destination-create.json")
        self.assertEqual(local_aws.event_path("sqs-s3-batch", self.endpoint, out=self.out),
                         REPO / "events" / "sqs-s3-batch.json")

    # ------------------------------------------------------------------ the setup function

    @unittest.skipUnless(setup_bootstrap(), "no replication-setup binary (SETUP_BOOTSTRAP, or target/debug)")
    def test_the_setup_function_answers_success_to_both_creates(self) -> None:
        binary = setup_bootstrap()
        assert binary is not None
        for name, account in (("cfn-destination-create", "B"), ("cfn-source-create", "A")):
            with self.subTest(name):
                env = env_vars(local_aws.watch_env(self.endpoint, account, out=self.out))
                result, response, log = invoke_once(binary, env, self.event(name))
                self.assertEqual(result["Status"], "SUCCESS", f"{result}\n{log}")
                self.assertEqual(response["Status"], "SUCCESS", f"{response}\n{log}")
                self.assertEqual(response["LogicalResourceId"], self.event(name)["LogicalResourceId"])
        versioning = self.client("s3", B).get_bucket_versioning(Bucket=self.seeded["DestinationBucket"])
        self.assertEqual(versioning.get("Status"), "Enabled")
        rules = self.client("s3", A).get_bucket_replication(Bucket=self.seeded["SourceBucket"])
        self.assertEqual(rules["ReplicationConfiguration"]["Rules"][0]["Destination"]["Bucket"],
                         f"arn:aws:s3:::{self.seeded['DestinationBucket']}")


# ---------------------------------------------------------------------- a one-shot Lambda

def invoke_once(binary: Path, env: dict[str, str], event: dict[str, Any], timeout: float = 120) -> tuple[
        dict[str, Any], dict[str, Any], str]:
    """Run `binary` under a minimal Lambda Runtime API for one event, as `cargo lambda watch` and
    `make invoke` would: the function ARN `function-arn`, the deadline `600000`, the event's
    ResponseURL pointed at a catcher. Returns the invocation's result, the PUT response and the
    function's log."""
    events: queue.Queue[bytes] = queue.Queue()
    results: queue.Queue[tuple[str, bytes]] = queue.Queue()
    request_id = str(uuid.uuid4())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path != "/2018-06-01/runtime/invocation/next":
                self.send_error(404)
                return
            body = events.get()
            self.send_response(200)
            for k, v in {"Lambda-Runtime-Aws-Request-Id": request_id, "Lambda-Runtime-Deadline-Ms": "600000",
                         "Lambda-Runtime-Invoked-Function-Arn": "function-arn",
                         "Content-Type": "application/json", "Content-Length": str(len(body))}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_POST(self) -> None:  # noqa: N802
            body = self._body()
            kind = "response" if self.path.endswith("/response") else "error"
            results.put((kind, body))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_PUT(self) -> None:  # noqa: N802 (the CloudFormation response)
            results.put(("cloudformation", self._body()))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    event = {**event, "ResponseURL": f"http://127.0.0.1:{port}/cloudformation-response"}
    events.put(json.dumps(event).encode())
    process_env = {"PATH": os.environ.get("PATH", ""), "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
                   "AWS_LAMBDA_FUNCTION_NAME": "replication-setup", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/replication-setup",
                   "AWS_LAMBDA_LOG_STREAM_NAME": "local", "AWS_CONFIG_FILE": os.devnull,
                   "AWS_SHARED_CREDENTIALS_FILE": os.devnull, **env}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([str(binary)], env=process_env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        got: dict[str, bytes] = {}
        while "cloudformation" not in got or ("response" not in got and "error" not in got):
            kind, body = results.get(timeout=timeout)
            got[kind] = body
        log.seek(0)
        text = log.read().decode(errors="replace")
        if "error" in got:
            raise AssertionError(f"the invocation failed: {got['error']!r}\n{text}")
        return json.loads(got["response"]), json.loads(got["cloudformation"]), text
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server.shutdown()
        server.server_close()
        log.close()


if __name__ == "__main__":
    unittest.main()
