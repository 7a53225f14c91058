#!/usr/bin/env python3
"""Exercise the release artifacts of one architecture, as Lambda and a user would run them.

    check-release.py --dir dist/release/<version> --version <version> --arch arm64 \\
        --runner 'qemu-aarch64 -L /usr/aarch64-linux-gnu'

For each function's zip (``<fn>-<version>-<arch>.zip``):

1. its ``bootstrap`` is an ELF executable for the architecture, and the newest glibc symbol
   version it needs is one that Lambda's ``provided.al2023`` runtime has (2.34);
2. the unwind probe: ``tests/check-shipped.sh`` (the one that ``make shipped`` runs) unzips it
   and runs ``bootstrap --panic-probe`` through ``--runner``; an aborting build fails here;
3. a cold start: the bootstrap is started the way Lambda starts it (a clean environment with
   the variables Lambda sets) against a Lambda Runtime API on 127.0.0.1 that answers one
   event; it must ask for the event, answer it, and ask for the next one:
   - replica-verifier gets an SQS batch with one ``ObjectCreated`` record; its ``HeadObject``
     goes (signed, path-style) to a stub S3 on the same port, which answers as S3 does for a
     replica under the expected key: the answer must be an empty ``batchItemFailures``, and
     its EMF output must count one ``ReplicasVerified``;
   - replication-setup gets CloudFormation's rollback Delete of a failed Create (a
     ``PhysicalResourceId`` that Delete ignores, so no AWS call), and must PUT ``SUCCESS`` to
     the request's ``ResponseURL`` (the same stub) and return it.

For the doctor's ``replication-doctor-<version>-<arch>-linux.tar.gz``: the archive holds the
binary and LICENSE, the binary is for the architecture, ``--version`` names the release's version, and ``--help`` prints its usage and
exits 0 through ``--runner``.

``--lambda-dir dist/lambda-arm64`` instead of ``--dir``/``--version`` checks ``make
package``'s layout (``<fn>/bootstrap.zip``): the functions only, as ``make shipped-arm64`` does.

Every child is started by this script and killed by it; any AWS endpoint other than the stub
is a closed local port, so nothing leaves the machine. Exit 0 only if every check passed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
FUNCTIONS = ("replication-setup", "replica-verifier")
# ELF e_machine: EM_X86_64, EM_AARCH64.
ELF_MACHINE = {"x86_64": 0x3E, "arm64": 0xB7}
# The glibc of Lambda's provided.al2023 runtime (Amazon Linux 2023), which both templates use.
MAX_GLIBC = (2, 34)
ACCOUNT = "222222222222"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21"
BUCKET = "example-destination-bucket"
FAILED_CREATE = "s3-kms-replication:failed-create:"
RUNTIME_PREFIX = "/2018-06-01/runtime/"
COLD_START_TIMEOUT = 60.0


class CheckFailed(Exception):
    """One check failed; the message says what was expected and what happened."""


# ------------------------------------------------------------------ the artifacts themselves


def elf_machine(path: Path) -> int:
    """The ELF header's e_machine, or -1 for a file that is not a 64-bit little-endian ELF."""
    head = path.read_bytes()[:20]
    if head[:4] != b"\x7fELF" or head[4] != 2 or head[5] != 1:
        return -1
    return int.from_bytes(head[18:20], "little")


def newest_glibc(path: Path) -> tuple[int, ...] | None:
    """The newest ``GLIBC_x.y[.z]`` symbol version the binary names (None if statically linked)."""
    found = {tuple(int(n) for n in m.group(1).split(b".")) for m in re.finditer(rb"GLIBC_(\d+\.\d+(?:\.\d+)?)", path.read_bytes())}
    return max(found) if found else None


def check_binary(path: Path, arch: str) -> str:
    machine = elf_machine(path)
    if machine != ELF_MACHINE[arch]:
        found = "not a 64-bit ELF file" if machine < 0 else f"ELF e_machine {machine:#x}"
        raise CheckFailed(f"{path} is not an {arch} ELF executable ({found})")
    glibc = newest_glibc(path)
    if glibc is not None and glibc > MAX_GLIBC:
        raise CheckFailed(
            f"{path} needs GLIBC_{'.'.join(map(str, glibc))}; provided.al2023 has {'.'.join(map(str, MAX_GLIBC))}")
    if glibc is None:
        return "statically linked"
    return f"needs glibc {'.'.join(map(str, glibc))} (provided.al2023 has {'.'.join(map(str, MAX_GLIBC))})"


# ------------------------------------------------------------------ the Lambda Runtime API stub


class RuntimeApi:
    """A Lambda Runtime API (2018-06-01) on 127.0.0.1 that hands out one event, plus a stub S3
    (``HEAD /<bucket>/<key>``) and a catcher for CloudFormation's ``ResponseURL`` (``PUT``)."""

    def __init__(self, function_name: str) -> None:
        self.event: dict = {}
        self.request_id = str(uuid.uuid4())
        self.function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function_name}"
        self.polls = 0
        self.first_poll = threading.Event()
        self.second_poll = threading.Event()
        self.done = threading.Event()
        self.handed_out_at: float | None = None
        self.answered_at: float | None = None
        self.outcome: tuple[str, object] | None = None
        self.init_error: str | None = None
        self.heads: list[dict] = []
        self.cfn_puts: list[dict] = []
        self.unexpected: list[str] = []
        self.lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body and self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                if self.path != RUNTIME_PREFIX + "invocation/next":
                    api.note(f"GET {self.path}")
                    return self._send(404)
                with api.lock:
                    api.polls += 1
                    first = api.polls == 1
                if not first:
                    # Asked for the next event: the previous one is finished. Hold the poll, as
                    # Lambda does between events, until this script is done (by then the
                    # function is killed, so nothing is answered).
                    api.second_poll.set()
                    api.done.wait(COLD_START_TIMEOUT)
                    self.close_connection = True
                    return None
                api.first_poll.set()
                api.handed_out_at = time.monotonic()
                deadline_ms = int(time.time() * 1000) + 60_000
                self._send(200, json.dumps(api.event).encode(), {
                    "Content-Type": "application/json",
                    "Lambda-Runtime-Aws-Request-Id": api.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": api.function_arn,
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Sampled=0",
                })

            def do_POST(self) -> None:  # noqa: N802
                body = self._body()
                rest = self.path.removeprefix(RUNTIME_PREFIX)
                if rest == "init/error":
                    api.init_error = body.decode(errors="replace")
                elif rest == f"invocation/{api.request_id}/response":
                    api.answered_at = time.monotonic()
                    api.outcome = ("response", _json_or_text(body))
                elif rest == f"invocation/{api.request_id}/error":
                    api.answered_at = time.monotonic()
                    api.outcome = ("error", _json_or_text(body))
                else:
                    api.note(f"POST {self.path}")
                    return self._send(404)
                self._send(202, b'{"status":"OK"}', {"Content-Type": "application/json"})

            def do_HEAD(self) -> None:  # noqa: N802
                # S3's HeadObject of a replica under the expected key (path-style request).
                api.heads.append({"path": self.path, "authorization": self.headers.get("Authorization", "")})
                self._send(200, b"", {
                    "x-amz-server-side-encryption": "aws:kms",
                    "x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN,
                    "x-amz-server-side-encryption-bucket-key-enabled": "true",
                    "x-amz-replication-status": "REPLICA",
                    "x-amz-version-id": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
                    "ETag": '"d41d8cd98f00b204e9800998ecf8427e"',
                    "Content-Type": "application/octet-stream",
                    "Last-Modified": "Sun, 29 Nov 2026 05:00:00 GMT",
                })

            def do_PUT(self) -> None:  # noqa: N802
                # CloudFormation's pre-signed ResponseURL.
                body = self._body()
                api.cfn_puts.append({
                    "path": self.path,
                    "content_type": self.headers.get("Content-Type"),
                    "body": _json_or_text(body),
                })
                self._send(200)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def note(self, what: str) -> None:
        self.unexpected.append(what)

    def close(self) -> None:
        self.done.set()
        self.server.shutdown()
        self.server.server_close()


def _json_or_text(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return body.decode(errors="replace")


def lambda_env(function_name: str, runtime_api: str, extra: dict[str, str]) -> dict[str, str]:
    """What Lambda puts in a function's environment (credentials are placeholders)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "local",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "example-session-token",
        # Any AWS call other than the ones the stub answers goes to a closed port.
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(extra)
    return env


def cold_start(bootstrap: Path, runner: list[str], function_name: str,
               event: Callable[[str], dict], extra_env: dict[str, str]) -> dict:
    """Start ``bootstrap`` against a Runtime API that answers ``event(stub URL)``; wait until
    the function answered and asked for its next event; kill it. What happened, timed.
    ``{stub}`` in ``extra_env``'s values is the stub's URL too."""
    api = RuntimeApi(function_name)
    stub = f"http://{api.address}"
    api.event = event(stub)
    env = lambda_env(function_name, api.address, {k: v.replace("{stub}", stub) for k, v in extra_env.items()})
    started = time.monotonic()
    child = subprocess.Popen([*runner, str(bootstrap)], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = started + COLD_START_TIMEOUT
        while not api.second_poll.is_set() and child.poll() is None and time.monotonic() < deadline:
            api.second_poll.wait(0.05)
        finished = api.second_poll.is_set()
    finally:
        if child.poll() is None:
            child.kill()
        stdout, stderr = child.communicate()
        api.close()
    return {
        "finished": finished,
        "exit": child.returncode,
        "ready_after": (api.handed_out_at - started) if api.handed_out_at else None,
        "duration": (api.answered_at - api.handed_out_at) if api.answered_at and api.handed_out_at else None,
        "outcome": api.outcome,
        "init_error": api.init_error,
        "heads": api.heads,
        "cfn_puts": api.cfn_puts,
        "unexpected": api.unexpected,
        "request_id": api.request_id,
        "stdout": stdout.decode(errors="replace"),
        "stderr": stderr.decode(errors="replace"),
    }


def _explain(result: dict) -> str:
    tail = lambda text: "\n".join("    " + line for line in text.strip().splitlines()[-15:])  # noqa: E731
    return (f"  exit {result['exit']}, outcome {result['outcome']!r}, init error {result['init_error']!r}, "
            f"unexpected requests {result['unexpected']}\n  stderr:\n{tail(result['stderr'])}\n"
            f"  stdout:\n{tail(result['stdout'])}")


# ------------------------------------------------------------------ one check per function


def verifier_event() -> dict:
    s3_event = {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-11-29T05:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AROAEXAMPLE:s3-replication"},
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "replica-verifier",
               "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
               "object": {"key": "release/cold start.bin", "size": 1024, "sequencer": "0055AED6DCD90281E5",
                          "versionId": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}},
    }]}
    return {"Records": [{
        "messageId": "059f36b4-87a3-44ab-83d2-661975601001",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a1",
        "body": json.dumps(s3_event),
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1795928400000",
                       "SenderId": "AIDAJHIPRHEMV73VRJEBU", "ApproximateFirstReceiveTimestamp": "1795928400010"},
        "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:{ACCOUNT}:replica-verifier", "awsRegion": "us-east-1",
    }]}


def emf_metrics(stdout: str) -> dict[str, float]:
    """Every metric value in the EMF documents on stdout, summed by metric name."""
    totals: dict[str, float] = {}
    for line in stdout.splitlines():
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if not isinstance(doc, dict) or "_aws" not in doc:
            continue
        for directive in doc["_aws"].get("CloudWatchMetrics", []):
            for metric in directive.get("Metrics", []):
                value = doc.get(metric["Name"])
                values = value if isinstance(value, list) else [value]
                totals[metric["Name"]] = totals.get(metric["Name"], 0.0) + sum(v for v in values if isinstance(v, (int, float)))
    return totals


def check_verifier(bootstrap: Path, runner: list[str]) -> str:
    result = cold_start(bootstrap, runner, "replica-verifier", lambda _stub: verifier_event(), {
        "EXPECTED_KMS_KEY_ARN": KEY_ARN,
        "AWS_ENDPOINT_URL_S3": "{stub}",
        "S3_FORCE_PATH_STYLE": "true",
        "MISSING_RETRIES": "0",
    })
    if not result["finished"]:
        raise CheckFailed("replica-verifier did not answer its first event and ask for the next\n" + _explain(result))
    if result["outcome"] != ("response", {"batchItemFailures": []}):
        raise CheckFailed(f"replica-verifier answered {result['outcome']!r}, expected no batch item failures\n"
                          + _explain(result))
    heads = result["heads"]
    if len(heads) != 1 or not heads[0]["path"].startswith(f"/{BUCKET}/release/cold%20start.bin") \
            or not heads[0]["authorization"].startswith("AWS4-HMAC-SHA256 "):
        raise CheckFailed(f"replica-verifier's HeadObject requests were {heads!r}, expected one signed "
                          f"HEAD /{BUCKET}/release/cold%20start.bin\n" + _explain(result))
    verified = emf_metrics(result["stdout"]).get("ReplicasVerified", 0)
    if verified != 1:
        raise CheckFailed(f"replica-verifier's EMF output counted ReplicasVerified {verified}, expected 1\n"
                          + _explain(result))
    return (f"cold start {result['ready_after']:.2f} s to its first poll, the event (one HeadObject, "
            f"ReplicasVerified 1) in {result['duration']:.2f} s")


def setup_event(response_url: str) -> dict:
    request_id = str(uuid.uuid4())
    return {
        "RequestType": "Delete",
        "ServiceToken": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:replication-setup",
        "ResponseURL": response_url,
        "StackId": f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/release-check/6f0c1a40-0000-4000-8000-000000000000",
        "RequestId": request_id,
        "LogicalResourceId": "ReplicationDestination",
        "ResourceType": "Custom::ReplicationDestination",
        "PhysicalResourceId": FAILED_CREATE + request_id,
        "ResourceProperties": {"ServiceToken": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:replication-setup"},
    }


def check_setup(bootstrap: Path, runner: list[str]) -> str:
    sent: dict = {}

    def event(stub: str) -> dict:
        sent.update(setup_event(f"{stub}/cloudformation-response?X-Amz-Signature=example"))
        return sent

    result = cold_start(bootstrap, runner, "replication-setup", event, {})
    if not result["finished"]:
        raise CheckFailed("replication-setup did not answer its first event and ask for the next\n" + _explain(result))
    puts = result["cfn_puts"]
    want = {"Status": "SUCCESS", "RequestId": sent["RequestId"], "PhysicalResourceId": sent["PhysicalResourceId"],
            "StackId": sent["StackId"], "LogicalResourceId": sent["LogicalResourceId"]}
    if len(puts) != 1 or not isinstance(puts[0]["body"], dict) \
            or any(puts[0]["body"].get(k) != v for k, v in want.items()) or puts[0]["content_type"] is not None:
        raise CheckFailed(f"replication-setup PUT {puts!r} to its ResponseURL, expected one SUCCESS with "
                          f"{want} and no Content-Type\n" + _explain(result))
    kind, answer = result["outcome"] or (None, None)
    if kind != "response" or not isinstance(answer, dict) or answer.get("Status") != "SUCCESS":
        raise CheckFailed(f"replication-setup returned {result['outcome']!r}, expected Status SUCCESS\n" + _explain(result))
    return (f"cold start {result['ready_after']:.2f} s to its first poll, the event (CloudFormation "
            f"answered SUCCESS by PUT) in {result['duration']:.2f} s")


def check_doctor(tarball: Path, arch: str, runner: list[str], work: Path) -> str:
    top = tarball.name.removesuffix(".tar.gz")
    with tarfile.open(tarball) as tar:
        names = sorted(tar.getnames())
        want = sorted([top, f"{top}/replication-doctor", f"{top}/LICENSE"])
        if names != want:
            raise CheckFailed(f"{tarball} holds {names}, expected {want}")
        tar.extractall(work, filter="data")
    binary = work / top / "replication-doctor"
    if not os.access(binary, os.X_OK):
        raise CheckFailed(f"{binary} is not executable")
    linked = check_binary(binary, arch)
    started = time.monotonic()
    run = subprocess.run([*runner, str(binary), "--help"], capture_output=True, timeout=COLD_START_TIMEOUT,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    took = time.monotonic() - started
    out = run.stdout.decode(errors="replace")
    if run.returncode != 0 or not out.startswith("usage: replication-doctor"):
        raise CheckFailed(f"replication-doctor --help exited {run.returncode} and printed {out[:200]!r} "
                          f"{run.stderr.decode(errors='replace')[:400]!r}")
    version = tarball.name.removeprefix("replication-doctor-").split("-")[0]
    run = subprocess.run([*runner, str(binary), "--version"], capture_output=True, timeout=COLD_START_TIMEOUT,
                         env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    said = run.stdout.decode(errors="replace").strip()
    if run.returncode != 0 or said != f"replication-doctor {version}":
        raise CheckFailed(f"replication-doctor --version exited {run.returncode} and printed {said!r}, "
                          f"expected 'replication-doctor {version}'")
    return f"{linked}; --help printed its usage and exited 0 in {took:.2f} s; --version says {version}"


# ------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--dir", type=Path, help="dist/release/<version> (needs --version)")
    where.add_argument("--lambda-dir", type=Path,
                       help="make package's layout, <dir>/<fn>/bootstrap.zip: the functions only, no doctor")
    p.add_argument("--version")
    p.add_argument("--arch", choices=sorted(ELF_MACHINE), required=True)
    p.add_argument("--runner", default="", help="command prefix that runs the binaries (e.g. qemu-aarch64 -L …)")
    a = p.parse_args(argv)
    if a.dir is not None and not a.version:
        p.error("--dir needs --version")
    zips = {fn: (a.dir / f"{fn}-{a.version}-{a.arch}.zip" if a.dir is not None else a.lambda_dir / fn / "bootstrap.zip")
            for fn in FUNCTIONS}
    runner = shlex.split(a.runner)
    failures = 0
    began = time.monotonic()

    def step(label: str, check) -> None:  # noqa: ANN001
        nonlocal failures
        try:
            print(f"✓ {label}: {check()}", flush=True)
        except (CheckFailed, OSError, subprocess.SubprocessError, zipfile.BadZipFile, tarfile.TarError) as e:
            failures += 1
            print(f"✗ {label}: {e}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix=f"check-release-{a.arch}-") as tmp:
        work = Path(tmp)
        # check-shipped.sh's layout: <dir>/<fn>/bootstrap.zip, unzipped into <out>/<fn>/bootstrap.
        for fn in FUNCTIONS:
            (work / "zips" / fn).mkdir(parents=True)
            (work / "zips" / fn / "bootstrap.zip").symlink_to(zips[fn].resolve())
        print(f"unwind probe (tests/check-shipped.sh{', through ' + a.runner if a.runner else ''}) of "
              f"{', '.join(str(z) for z in zips.values())}, linked as {work / 'zips'}/<fn>/bootstrap.zip:",
              flush=True)
        probe_env = {**os.environ, "BOOTSTRAP_RUNNER": a.runner}
        t = time.monotonic()
        probe = subprocess.run([str(HERE / "check-shipped.sh"), str(work / "zips"), str(work / "shipped")],
                               env=probe_env, capture_output=True, text=True)
        sys.stdout.write(probe.stdout)
        sys.stderr.write(probe.stderr)
        if probe.returncode != 0:
            failures += 1
            print(f"✗ {a.arch}: the unwind probe failed (above)", file=sys.stderr)
        else:
            print(f"  ({a.arch} unwind probes: {time.monotonic() - t:.2f} s)")
        for fn, check in (("replication-setup", check_setup), ("replica-verifier", check_verifier)):
            bootstrap = work / "shipped" / fn / "bootstrap"
            if not bootstrap.exists():
                failures += 1
                print(f"✗ {fn}: no bootstrap in its zip", file=sys.stderr)
                continue
            step(f"{zips[fn]}'s bootstrap", lambda b=bootstrap: check_binary(b, a.arch))
            step(f"{fn} ({a.arch})", lambda b=bootstrap, c=check: c(b, runner))
        if a.dir is not None:
            tarball = a.dir / f"replication-doctor-{a.version}-{a.arch}-linux.tar.gz"
            step(tarball.name, lambda: check_doctor(tarball, a.arch, runner, work))
    print(f"check-release ({a.arch}): {'all checks passed' if not failures else f'{failures} failed'} "
          f"in {time.monotonic() - began:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
