#!/usr/bin/env python3
"""Deploy both stacks with the AWS CLI: what `make deploy` runs after packaging the zips.

    deploy.py --zips dist/lambda-arm64 --a 111111111111 --b 222222222222 --s my-source \\
        --d my-destination --ka arn:aws:kms:… --kb arn:aws:kms:… \\
        --artifacts-a my-artifacts-a --artifacts-b my-artifacts-b [--dry-run]

1. Each zip is keyed by its content: ``s3-kms-replication/<function>/<sha256 of the zip>.zip``.
   A zip already there (``s3api head-object`` succeeds) is not uploaded again, and a changed
   build, committed or not, gets a new key, which is what makes CloudFormation update the
   function's code (it compares ``S3Key``, not the object).
2. The destination stack (account B), then the source stack (account A), each with
   ``aws cloudformation deploy --no-fail-on-empty-changeset``: a stack that is already up to
   date is a success, so a second run goes on to the source stack instead of stopping at
   "No changes to deploy" (exit 255 without the flag). ``--s3-bucket`` is the account's
   artifact bucket: the CLI refuses a template over 51,200 bytes without one (the destination
   template is over it), and uploads the template there under ``s3-kms-replication/templates/``.
3. ``--params-a`` / ``--params-b`` (``make deploy PARAMS_A=… PARAMS_B=…``): more
   ``Key=Value`` parameter overrides, split like a shell word list (quote a value with spaces:
   ``PARAMS_B="CheckSchedule='rate(30 minutes)' CheckPeriod=1800"``). They come last, so they
   also override the ones this script sets (``Architecture``, say).

With ``--dry-run`` nothing is run: each command is printed as one shell line (the upload as
``head-object … || s3 cp …``), in order, so the output can be read, tested or pasted.
Only the standard library; ``aws`` must be on PATH unless ``--dry-run``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PREFIX = "s3-kms-replication"
FUNCTIONS = ("replication-setup", "replica-verifier")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def code_key(function: str, digest: str) -> str:
    """Where a zip goes in the artifact bucket: keyed by its sha256."""
    return f"{PREFIX}/{function}/{digest}.zip"


def overrides(text: str, what: str) -> list[str]:
    """`Key=Value Key2='a b'` as CLI words; refuses a word without `=`."""
    words = shlex.split(text or "")
    for w in words:
        key, sep, _ = w.partition("=")
        if not sep or not key:
            raise SystemExit(f"{what}: {w!r} is not Key=Value (e.g. {what}='Tracing=Active LogLevel=DEBUG')")
    return words


class Runner:
    """Runs commands, or with `dry_run` prints them as shell lines."""

    def __init__(self, dry_run: bool) -> None:
        self.dry_run = dry_run

    def run(self, cmd: list[str]) -> None:
        if self.dry_run:
            print(" ".join(w if isinstance(w, RawWord) else shlex.quote(w) for w in cmd), flush=True)
            return
        print(f"+ {shlex.join(cmd)}", file=sys.stderr, flush=True)
        done = subprocess.run(cmd, check=False)
        if done.returncode != 0:
            raise SystemExit(f"failed ({done.returncode}): {shlex.join(cmd)}")

    def upload_unless_present(self, aws: list[str], zip_path: Path, bucket: str, key: str) -> None:
        head = [*aws, "s3api", "head-object", "--bucket", bucket, "--key", key]
        cp = [*aws, "s3", "cp", "--no-progress", str(zip_path), f"s3://{bucket}/{key}"]
        if self.dry_run:
            print(f"{shlex.join(head)} >/dev/null 2>&1 || {shlex.join(cp)}", flush=True)
            return
        # Absent (404), or unreadable (403 without s3:ListBucket): upload. Same key, same bytes.
        if subprocess.run(head, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            print(f"s3://{bucket}/{key} is already there (same sha256): not uploaded", file=sys.stderr, flush=True)
            return
        self.run(cp)


def aws_cli(profile: str, region: str | None) -> list[str]:
    return ["aws", "--profile", profile, *(["--region", region] if region else [])]


def deploy_command(aws: list[str], template: str, stack: str, bucket: str, params: list[str]) -> list[str]:
    return [
        *aws, "cloudformation", "deploy",
        "--template-file", template,
        "--stack-name", stack,
        "--s3-bucket", bucket, "--s3-prefix", f"{PREFIX}/templates",
        "--capabilities", "CAPABILITY_IAM",
        "--no-fail-on-empty-changeset",
        "--parameter-overrides", *params,
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zips", type=Path, required=True, help="directory with <function>/bootstrap.zip")
    for name, what in [("a", "account A"), ("b", "account B"), ("s", "bucket S"), ("d", "bucket D"),
                       ("ka", "key KA (ARN)"), ("kb", "key KB (ARN)"),
                       ("artifacts-a", "artifact bucket in A, S's region"),
                       ("artifacts-b", "artifact bucket in B, D's region")]:
        p.add_argument(f"--{name}", required=True, help=what)
    p.add_argument("--arch", default="arm64", choices=["arm64", "x86_64"])
    p.add_argument("--profile-a", default="source")
    p.add_argument("--profile-b", default="dest")
    p.add_argument("--region-a", default="", help="S's region (default: the profile's)")
    p.add_argument("--region-b", default="", help="D's region (default: the profile's)")
    p.add_argument("--stack-a", default="s3-kms-replication-source")
    p.add_argument("--stack-b", default="s3-kms-replication-dest")
    p.add_argument("--params-a", default=os.environ.get("PARAMS_A", ""),
                   help="more Key=Value overrides for the source stack (default: $PARAMS_A)")
    p.add_argument("--params-b", default=os.environ.get("PARAMS_B", ""),
                   help="more Key=Value overrides for the destination stack (default: $PARAMS_B)")
    p.add_argument("--replication-events", default="auto", choices=["auto", "off"],
                   help="auto: send S's s3:Replication:* events to the verifier's queue when it is in S's "
                        "region (ReplicationEventsQueueArn, with ReplicationMetrics=true)")
    p.add_argument("--dry-run", action="store_true", help="print the commands instead of running them")
    a = p.parse_args(argv)

    extra_a = overrides(a.params_a, "PARAMS_A")
    extra_b = overrides(a.params_b, "PARAMS_B")
    zips = {fn: a.zips / fn / "bootstrap.zip" for fn in FUNCTIONS}
    missing = [str(z) for z in zips.values() if not z.is_file()]
    if missing:
        raise SystemExit(f"no zip at {', '.join(missing)}: run make package-arm64 (or make package with ARCH=x86_64)")
    keys = {fn: code_key(fn, sha256(z)) for fn, z in zips.items()}
    run = Runner(a.dry_run)
    infra = REPO / "infra"

    # Account B, in D's region: both zips, then the destination stack.
    aws_b = aws_cli(a.profile_b, a.region_b)
    for fn in FUNCTIONS:
        run.upload_unless_present(aws_b, zips[fn], a.artifacts_b, keys[fn])
    run.run(deploy_command(aws_b, str(infra / "destination-account.yaml"), a.stack_b, a.artifacts_b, [
        f"DestinationBucket={a.d}", f"DestinationKmsKeyArn={a.kb}", f"SourceAccountId={a.a}",
        f"SourceBucket={a.s}", f"Architecture={a.arch}", f"ArtifactBucket={a.artifacts_b}",
        f"SetupCodeKey={keys['replication-setup']}", f"VerifierCodeKey={keys['replica-verifier']}",
        *extra_b,
    ]))

    # Account A, in S's region: the setup zip, then the source stack.
    aws_a = aws_cli(a.profile_a, a.region_a)
    run.upload_unless_present(aws_a, zips["replication-setup"], a.artifacts_a, keys["replication-setup"])
    wiring = [] if a.replication_events == "off" else replication_events(run, a, aws_a, aws_b, extra_a)
    run.run(deploy_command(aws_a, str(infra / "source-account.yaml"), a.stack_a, a.artifacts_a, [
        f"SourceBucket={a.s}", f"SourceKmsKeyArn={a.ka}", f"DestinationBucket={a.d}",
        f"DestinationAccountId={a.b}", f"DestinationKmsKeyArn={a.kb}", f"Architecture={a.arch}",
        f"ArtifactBucket={a.artifacts_a}", f"SetupCodeKey={keys['replication-setup']}",
        *wiring, *extra_a,
    ]))
    return 0


def replication_events(run: Runner, a: argparse.Namespace, aws_a: list[str], aws_b: list[str],
                       extra_a: list[str]) -> list[str]:
    """The source stack's ReplicationEventsQueueArn (the destination stack's QueueArn output) and
    ReplicationMetrics=true (S3 sends replication events only with metrics on), when the queue is
    in S's region: S3 notifies only within a region. PARAMS_A's own values win."""
    given = {w.partition("=")[0] for w in extra_a}
    if "ReplicationEventsQueueArn" in given:
        return []
    metrics = [] if given & {"ReplicationMetrics", "ReplicationTimeControl"} else ["ReplicationMetrics=true"]
    output = [*aws_b, "cloudformation", "describe-stacks", "--stack-name", a.stack_b,
              "--query", "Stacks[0].Outputs[?OutputKey=='QueueArn'].OutputValue", "--output", "text"]
    if run.dry_run:
        if a.region_a != a.region_b:
            return []
        # Pasted, the shell reads the output when the line runs (after the destination stack).
        return [RawWord(f'"ReplicationEventsQueueArn=$({shlex.join(output)})"'), *metrics]
    queue = subprocess.run(output, check=False, capture_output=True, text=True).stdout.strip()
    region = a.region_a or subprocess.run([*aws_a, "configure", "get", "region"], check=False,
                                          capture_output=True, text=True).stdout.strip()
    parts = queue.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        print(f"{a.stack_b} has no QueueArn output ({queue!r}): S's replication events are not wired",
              file=sys.stderr, flush=True)
        return []
    if parts[3] != region:
        print(f"the verifier's queue is in {parts[3]}, S in {region or 'the profile region'}: S3 notifies only "
              "within a region, so S's replication events are not wired; ReplicationMetrics=true alarms on "
              "S3OperationsFailedReplication in the source stack instead", file=sys.stderr, flush=True)
        return []
    return [f"ReplicationEventsQueueArn={queue}", *metrics]


class RawWord(str):
    """A word printed as it is in a dry run (a quoted command substitution), not shell-quoted."""


if __name__ == "__main__":
    sys.exit(main())
