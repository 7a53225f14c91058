#!/usr/bin/env python3
"""Start or stop the local AWS emulator: moto server 5.2.5 plus our extension layer.

    launcher.py start [--state FILE] [--port N] [--log FILE]   # prints the endpoint
    launcher.py stop  [--state FILE]                           # stops exactly that process
    launcher.py serve [--port N] [--parent-pid PID] [--ready-file FILE]

Python tests import this file and use ``serving()``: ``with serving() as endpoint: ...``.

``start`` spawns ``serve`` in the background, waits until it answers, and records
``{"endpoint": ..., "pid": ...}`` in the state file (default ``.local-aws/state.json`` at the
repository root). ``stop`` reads that file, terminates that PID only, and removes the file.

``serve`` runs in the foreground on 127.0.0.1. With ``--parent-pid`` it exits by itself when
that process is gone, so a test run that dies never leaves an emulator behind. It writes
``{"endpoint":..., "pid":...}`` to ``--ready-file`` once it is listening.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_STATE = REPO / ".local-aws" / "state.json"


def _serve(port: int, parent_pid: int | None, ready_file: str | None) -> None:
    sys.path.insert(0, str(HERE))
    # Credentials are never needed by moto itself; keep botocore from looking for any.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.pop("MOTO_ACCOUNT_ID", None)  # it would pin every request to one account

    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    import localaws

    app = DomainDispatcherApplication(create_backend_app)
    if os.environ.get("LOCAL_AWS_PLAIN") != "1":  # LOCAL_AWS_PLAIN=1: unmodified moto, to prove a gap
        localaws.install_all()
        app = localaws.wrap_app(app)
    server = make_server(
        "127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler
    )
    host, bound = server.server_address[:2]
    endpoint = f"http://{host}:{bound}"

    def shutdown(*_: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)

    if parent_pid:

        spawned_by_parent = os.getppid() == parent_pid

        def parent_gone() -> bool:
            # When the parent spawned us, re-parenting is the sure sign that it exited (its PID
            # may already belong to another process); otherwise fall back to probing the PID.
            if spawned_by_parent:
                return os.getppid() != parent_pid
            try:
                os.kill(parent_pid, 0)
            except ProcessLookupError:
                return True
            return False

        def watch_parent() -> None:
            while not parent_gone():
                time.sleep(0.5)
            shutdown()

        threading.Thread(target=watch_parent, daemon=True).start()

    if ready_file:
        tmp = f"{ready_file}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"endpoint": endpoint, "pid": os.getpid()}, f)
        os.replace(tmp, ready_file)
    print(f"local-aws listening on {endpoint}", flush=True)
    try:
        server.serve_forever()
    finally:
        if ready_file:  # never leave a ready file naming a server that is gone
            Path(ready_file).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    """Whether `pid` is still the emulator this state file recorded.

    PIDs are reused: a bare liveness probe could hand out a dead emulator's endpoint, or make
    `stop` signal an unrelated process. Where /proc exists the command line must be ours.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self/cmdline").exists():
        return True  # no procfs (macOS): the probe is all there is
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return any(a.endswith(b"launcher.py") for a in args) and b"serve" in args


def _start(state: Path, port: int, log: Path | None) -> int:
    if state.exists():
        prev = json.loads(state.read_text())
        if _alive(int(prev["pid"])):
            print(prev["endpoint"])
            return 0
        state.unlink()
    state.parent.mkdir(parents=True, exist_ok=True)
    ready = state.with_suffix(".ready")
    ready.unlink(missing_ok=True)
    log = log or state.with_suffix(".log")
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "serve", "--port", str(port),
             "--ready-file", str(ready)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"emulator exited with {proc.returncode}; see {log}", file=sys.stderr)
            return 1
        if ready.exists():
            info = json.loads(ready.read_text())
            ready.unlink()
            try:
                urllib.request.urlopen(info["endpoint"] + "/moto-api/", timeout=5).read()
            except OSError:
                time.sleep(0.1)
                continue
            state.write_text(json.dumps(info))
            print(info["endpoint"])
            return 0
        time.sleep(0.05)
    proc.terminate()
    print(f"emulator did not become ready in 60 s; see {log}", file=sys.stderr)
    return 1


@contextlib.contextmanager
def placeholder_credentials() -> Iterator[None]:
    """The emulator's placeholder credentials in ``os.environ``, and nothing from the developer's
    own AWS configuration (profiles, endpoints, session tokens); restored on exit."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("AWS_") or n == "MOTO_ACCOUNT_ID"]:
        del os.environ[name]
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def assumed_credentials(endpoint: str, role_arn: str, session: str) -> dict[str, str]:
    """boto3 client keyword arguments for `sts:AssumeRole` of `role_arn` on the emulator at
    `endpoint`. moto maps the keys to the role's account; an administrator of account N is
    ``admin_role(N)``, a role that never exists in IAM and so is never policy-checked."""
    import boto3

    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    got = sts.assume_role(RoleArn=role_arn, RoleSessionName=session)["Credentials"]
    return {"aws_access_key_id": got["AccessKeyId"], "aws_secret_access_key": got["SecretAccessKey"],
            "aws_session_token": got["SessionToken"]}


def admin_role(account: str) -> str:
    """The role the tests assume to act as `account`'s administrator on the emulator."""
    return f"arn:aws:iam::{account}:role/local-aws-admin"


@contextlib.contextmanager
def serving(timeout: float = 60, *, plain: bool = False) -> Iterator[str]:
    """Run ``serve`` (the layer; unmodified moto with ``plain``) on a free port of 127.0.0.1 as a child
    of this process, yield its endpoint, and stop exactly that child afterwards.

    The child gets ``--parent-pid`` of this process, so it also exits if this one dies without
    reaching the cleanup. Its output goes to a log that is shown if it fails to start.
    """
    with tempfile.TemporaryDirectory(prefix="local-aws-") as tmp:
        ready, log = Path(tmp) / "ready.json", Path(tmp) / "serve.log"
        env = {k: v for k, v in os.environ.items() if k != "LOCAL_AWS_PLAIN"}
        if plain:
            env["LOCAL_AWS_PLAIN"] = "1"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "serve", "--port", "0",
                 "--parent-pid", str(os.getpid()), "--ready-file", str(ready)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            )
        try:
            deadline = time.monotonic() + timeout
            while not ready.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    why = f"exited with {proc.returncode}" if proc.returncode is not None else "timed out"
                    raise RuntimeError(f"local-aws serve {why}:\n{log.read_text(errors='replace')[-4000:]}")
                time.sleep(0.05)
            yield json.loads(ready.read_text())["endpoint"]  # listening: serve binds before writing it
        finally:
            if proc.poll() is None:
                proc.terminate()  # SIGTERM to this PID only; serve shuts down cleanly
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def _stop(state: Path) -> int:
    if not state.exists():
        print("local-aws: not running (no state file)")
        return 0
    pid = int(json.loads(state.read_text())["pid"])
    if not _alive(pid):
        state.unlink()
        print(f"local-aws: not running (removed the stale state for pid {pid})")
        return 0
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if not _alive(pid):
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
    state.unlink()
    print(f"local-aws: stopped pid {pid}")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--state", type=Path, default=DEFAULT_STATE)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--log", type=Path)
    t = sub.add_parser("stop")
    t.add_argument("--state", type=Path, default=DEFAULT_STATE)
    v = sub.add_parser("serve")
    v.add_argument("--port", type=int, default=0)
    v.add_argument("--parent-pid", type=int)
    v.add_argument("--ready-file")
    a = p.parse_args()
    if a.cmd == "start":
        return _start(a.state, a.port, a.log)
    if a.cmd == "stop":
        return _stop(a.state)
    _serve(a.port, a.parent_pid, a.ready_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def client(endpoint: str, service: str, creds: dict[str, str], region: str = "us-east-1") -> Any:
    """A boto3 client of `service` on the emulator at `endpoint` with `creds`
    (``assumed_credentials``): no retries, path-style S3."""
    import boto3
    from botocore.config import Config

    extra: dict[str, Any] = {"retries": {"max_attempts": 1}}
    if service == "s3":
        extra["s3"] = {"addressing_style": "path"}
    return boto3.client(service, endpoint_url=endpoint, region_name=region, config=Config(**extra), **creds)
