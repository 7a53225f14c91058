#!/usr/bin/env python3
"""Invoke the setup function locally and print the CloudFormation response it PUTs.

    cfn_catcher.py --event events/cfn-destination-delete.json -- cargo lambda invoke replication-setup ...

A custom resource answers CloudFormation by PUTting its response to the request's
``ResponseURL`` (CloudFormation User Guide, "Custom resource response objects"); the fixtures'
URL is a placeholder that nothing answers. This script starts a catcher on 127.0.0.1 (a free
port, in this process), writes a copy of the event whose ``ResponseURL`` points at it, runs the
given command with ``--data-file <copy>`` appended, then prints the response the function PUT,
or says that none came. The catcher stops with the script: nothing is left running.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Catcher(BaseHTTPRequestHandler):
    """Keeps every PUT body; answers 200 with no body, as S3's pre-signed URL does."""

    caught: list[bytes] = []
    arrived = threading.Event()

    def do_PUT(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length") or 0)
        _Catcher.caught.append(self.rfile.read(length))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        _Catcher.arrived.set()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # the response is printed below, once


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--event", type=Path, required=True, help="a CloudFormation request fixture (JSON)")
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the PUT after the command returns")
    p.add_argument("command", nargs=argparse.REMAINDER, help="-- then the invoke command")
    a = p.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        p.error("give the invoke command after --")

    event = json.loads(a.event.read_text())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Catcher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/cloudformation-response"
        event["ResponseURL"] = url
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(event, f)
            data_file = f.name
        print(f"ResponseURL -> {url}", file=sys.stderr)
        returned = subprocess.run([*command, "--data-file", data_file], check=False)
        Path(data_file).unlink(missing_ok=True)
        if not _Catcher.arrived.wait(a.wait):
            print(f"no CloudFormation response arrived within {a.wait:.0f} s", file=sys.stderr)
            return returned.returncode or 1
        body = _Catcher.caught[0]
        try:
            shown = json.dumps(json.loads(body), indent=2)
        except ValueError:
            shown = body.decode(errors="replace")
        print("CloudFormation response (PUT to ResponseURL):")
        print(shown)
        return returned.returncode
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    sys.exit(main())
