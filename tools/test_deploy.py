"""`make deploy` without AWS: the dry run's commands, and the real path against a fake `aws`.

    python3 -m unittest discover -s tools -p 'test_*.py'      (make test runs this)

No AWS account is reachable here, so what is checked is what the target would run: both stacks
deployed (B, then A) with --no-fail-on-empty-changeset and an --s3-bucket for the template, the
code keys carrying each zip's sha256, PARAMS_A / PARAMS_B passed to their own stack, an
unchanged zip not uploaded again, and (when an AWS CLI is installed) that the CLI accepts every
printed command's arguments.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "tools" / "deploy.py"

ARGS = {
    "A": "111111111111",
    "B": "222222222222",
    "S": "example-source-bucket",
    "D": "example-destination-bucket",
    "KA": "arn:aws:kms:us-east-1:111111111111:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f",
    "KB": "arn:aws:kms:us-east-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21",
    "ARTIFACTS_A": "example-artifacts-a",
    "ARTIFACTS_B": "example-artifacts-b",
}
PARAMS_A = "Tracing=Active Canary=true"
PARAMS_B = "Tracing=Active CheckSchedule='rate(30 minutes)' CheckPeriod=1800 ScheduledCheck=true"


def fake_zips(root: Path, salt: str = "") -> dict[str, str]:
    """<root>/<fn>/bootstrap.zip with distinct bytes; returns each one's sha256."""
    digests = {}
    for fn in ("replication-setup", "replica-verifier"):
        (root / fn).mkdir(parents=True, exist_ok=True)
        data = f"not a real zip: {fn} {salt}".encode()
        (root / fn / "bootstrap.zip").write_bytes(data)
        digests[fn] = hashlib.sha256(data).hexdigest()
    return digests


def make_dry_run(zips: Path, **extra: str) -> list[list[str]]:
    """`make deploy DRY_RUN=1`, its printed commands split into words (an upload line is
    `head-object … || s3 cp …`: kept as one list with "||" in it)."""
    variables = {**ARGS, "PARAMS_A": PARAMS_A, "PARAMS_B": PARAMS_B, **extra}
    out = subprocess.run(
        ["make", "-s", "--no-print-directory", "-C", str(REPO), "deploy", "DRY_RUN=1", f"ZIPS={zips}",
         *(f"{k}={v}" for k, v in variables.items())],
        check=True, capture_output=True, text=True,
    )
    redirections = {">/dev/null", "2>&1"}
    return [[w for w in shlex.split(line) if w not in redirections] for line in out.stdout.splitlines() if line.strip()]


def overrides_of(cmd: list[str]) -> dict[str, str]:
    words = cmd[cmd.index("--parameter-overrides") + 1:]
    return dict(w.split("=", 1) for w in words)


def deploys(cmds: list[list[str]]) -> list[list[str]]:
    """The `cloudformation deploy` commands, in order."""
    return [c for c in cmds if "cloudformation" in c and c[c.index("cloudformation") + 1] == "deploy"]


def option(cmd: list[str], name: str) -> str:
    return cmd[cmd.index(name) + 1]


class DryRun(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="deploy-test-"))
        self.addCleanup(shutil.rmtree, self.tmp)
        self.digests = fake_zips(self.tmp)
        self.cmds = make_dry_run(self.tmp)
        self.deploys = deploys(self.cmds)

    def test_both_stacks_destination_first_no_fail_on_empty_changeset(self) -> None:
        self.assertEqual([option(c, "--stack-name") for c in self.deploys],
                         ["s3-kms-replication-dest", "s3-kms-replication-source"])
        self.assertEqual([option(c, "--profile") for c in self.deploys], ["dest", "source"])
        for c in self.deploys:
            self.assertIn("--no-fail-on-empty-changeset", c)
            self.assertIn("CAPABILITY_IAM", c)
        self.assertTrue(option(self.deploys[0], "--template-file").endswith("infra/destination-account.yaml"))
        self.assertTrue(option(self.deploys[1], "--template-file").endswith("infra/source-account.yaml"))

    def test_templates_go_through_the_artifact_bucket(self) -> None:
        # aws cloudformation deploy refuses a template over 51,200 bytes without --s3-bucket.
        self.assertGreater((REPO / "infra" / "destination-account.yaml").stat().st_size, 51200)
        self.assertEqual([option(c, "--s3-bucket") for c in self.deploys], [ARGS["ARTIFACTS_B"], ARGS["ARTIFACTS_A"]])

    def test_code_keys_are_the_zips_sha256(self) -> None:
        dest, source = (overrides_of(c) for c in self.deploys)
        setup, verifier = self.digests["replication-setup"], self.digests["replica-verifier"]
        self.assertIn(setup, dest["SetupCodeKey"])
        self.assertIn(verifier, dest["VerifierCodeKey"])
        self.assertIn(setup, source["SetupCodeKey"])
        self.assertEqual(dest["ArtifactBucket"], ARGS["ARTIFACTS_B"])
        self.assertEqual(source["ArtifactBucket"], ARGS["ARTIFACTS_A"])
        # Each key is uploaded (unless present) to the bucket its stack reads, before that stack.
        uploads = [c for c in self.cmds if "||" in c]
        self.assertEqual(len(uploads), 3)
        for cmd, bucket, key in [(uploads[0], ARGS["ARTIFACTS_B"], dest["SetupCodeKey"]),
                                 (uploads[1], ARGS["ARTIFACTS_B"], dest["VerifierCodeKey"]),
                                 (uploads[2], ARGS["ARTIFACTS_A"], source["SetupCodeKey"])]:
            head, cp = cmd[:cmd.index("||")], cmd[cmd.index("||") + 1:]
            self.assertIn("head-object", head)
            self.assertEqual((option(head, "--bucket"), option(head, "--key")), (bucket, key))
            self.assertEqual(cp[-1], f"s3://{bucket}/{key}")
        order = [" ".join(c) for c in self.cmds]
        self.assertLess(order.index(" ".join(uploads[1])), order.index(" ".join(self.deploys[0])))
        self.assertLess(order.index(" ".join(self.deploys[0])), order.index(" ".join(uploads[2])))

    def test_optional_parameters_reach_their_own_stack(self) -> None:
        dest, source = (overrides_of(c) for c in self.deploys)
        self.assertEqual(dest["Tracing"], "Active")
        self.assertEqual(dest["CheckSchedule"], "rate(30 minutes)")  # a quoted value with a space
        self.assertEqual((dest["CheckPeriod"], dest["ScheduledCheck"]), ("1800", "true"))
        self.assertEqual(source["Tracing"], "Active")
        self.assertEqual(source["Canary"], "true")
        self.assertNotIn("Canary", dest)
        self.assertNotIn("CheckSchedule", source)

    def test_a_changed_zip_gets_a_new_key_an_unchanged_one_the_same(self) -> None:
        again = deploys(make_dry_run(self.tmp))
        self.assertEqual(overrides_of(again[0])["SetupCodeKey"], overrides_of(self.deploys[0])["SetupCodeKey"])
        changed = fake_zips(self.tmp, salt="uncommitted edit")
        after = deploys(make_dry_run(self.tmp))
        self.assertIn(changed["replication-setup"], overrides_of(after[0])["SetupCodeKey"])
        self.assertNotEqual(overrides_of(after[0])["SetupCodeKey"], overrides_of(self.deploys[0])["SetupCodeKey"])

    def test_dry_run_packages_nothing(self) -> None:
        out = subprocess.run(
            ["make", "-n", "--no-print-directory", "-C", str(REPO), "deploy", "DRY_RUN=1", f"ZIPS={self.tmp}",
             *(f"{k}={v}" for k, v in ARGS.items())],
            check=True, capture_output=True, text=True,
        ).stdout
        self.assertNotIn("cargo", out)
        self.assertNotIn("package", out.replace("--zips", ""))
        self.assertIn("--dry-run", out)

    def test_region_and_profile_options(self) -> None:
        cmds = make_dry_run(self.tmp, REGION_A="eu-west-1", REGION_B="eu-central-1", PROFILE_A="a", PROFILE_B="b")
        dep = deploys(cmds)
        self.assertEqual([(option(c, "--profile"), option(c, "--region")) for c in dep],
                         [("b", "eu-central-1"), ("a", "eu-west-1")])
        # Across regions S3 cannot notify the verifier's queue: nothing is wired.
        self.assertNotIn("ReplicationEventsQueueArn", overrides_of(dep[1]))

    def test_source_replication_events_go_to_the_verifiers_queue_by_default(self) -> None:
        source = overrides_of(self.deploys[1])
        self.assertEqual(source["ReplicationMetrics"], "true")
        # A command substitution of the destination stack's QueueArn output, read when pasted.
        wired = source["ReplicationEventsQueueArn"]
        self.assertTrue(wired.startswith("$(aws --profile dest cloudformation describe-stacks"), wired)
        self.assertIn("--stack-name s3-kms-replication-dest", wired)
        self.assertIn("OutputKey==", wired)
        self.assertNotIn("ReplicationEventsQueueArn", overrides_of(self.deploys[0]))
        off = deploys(make_dry_run(self.tmp, REPLICATION_EVENTS="off"))
        self.assertNotIn("ReplicationEventsQueueArn", overrides_of(off[1]))
        self.assertNotIn("ReplicationMetrics", overrides_of(off[1]))

    def test_a_parameter_without_equals_is_refused(self) -> None:
        run = subprocess.run(
            [sys.executable, str(DEPLOY), "--dry-run", "--zips", str(self.tmp), "--params-b", "Tracing Active",
             *(x for k, v in ARGS.items() for x in (f"--{k.lower().replace('_', '-')}", v))],
            capture_output=True, text=True,
        )
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("is not Key=Value", run.stderr)

    @unittest.skipUnless(shutil.which("aws"), "no AWS CLI installed")
    def test_the_aws_cli_accepts_every_printed_command(self) -> None:
        """Each printed command, run by the installed AWS CLI against a closed port: it gets as far
        as the network (no usage error). Profiles from a throwaway config file."""
        config = self.tmp / "config"
        config.write_text("".join(f"[profile {p}]\nregion = us-east-1\naws_access_key_id = testing\n"
                                  "aws_secret_access_key = testing\n" for p in ("dest", "source")))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_CONFIG_FILE=str(config), AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                   AWS_MAX_ATTEMPTS="1",
                   AWS_ENDPOINT_URL="http://127.0.0.1:9")
        singles = [c[c.index("||") + 1:] if "||" in c else c for c in self.cmds]
        singles += [c[:c.index("||")] for c in self.cmds if "||" in c]
        for cmd in singles:
            with self.subTest(cmd=" ".join(cmd[:6])):
                # --endpoint-url too: AWS CLI v1 before 1.29 ignores AWS_ENDPOINT_URL.
                run = subprocess.run([cmd[0], "--endpoint-url", "http://127.0.0.1:9", *cmd[1:]], env=env,
                                     capture_output=True, text=True, timeout=120)
                self.assertNotEqual(run.returncode, 0)
                self.assertNotIn("usage:", run.stderr)
                self.assertNotIn("Unknown options", run.stderr)
                self.assertIn("Could not connect to the endpoint URL", run.stderr)


FAKE_AWS = textwrap.dedent("""\
    #!{python}
    # A stand-in for the AWS CLI: logs its arguments; head-object succeeds for the keys in
    # $FAKE_AWS_PRESENT (one per line), every other command succeeds.
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_AWS_LOG"], "a") as f:
        f.write(json.dumps(args) + "\\n")
    if "describe-stacks" in args:
        print(os.environ.get("FAKE_AWS_QUEUE", ""))
    if "configure" in args:
        print("us-east-1")
    if "head-object" in args:
        present = os.environ.get("FAKE_AWS_PRESENT", "").split()
        sys.exit(0 if args[args.index("--key") + 1] in present else 254)
    """)


class AgainstAFakeCli(unittest.TestCase):
    """The real path (no --dry-run) with a fake `aws` first on PATH."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="deploy-test-"))
        self.addCleanup(shutil.rmtree, self.tmp)
        bin_dir = self.tmp / "bin"
        bin_dir.mkdir()
        aws = bin_dir / "aws"
        aws.write_text(FAKE_AWS.format(python=sys.executable))
        aws.chmod(0o755)
        self.log = self.tmp / "aws.log"
        self.env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_AWS_LOG": str(self.log),
                    "PARAMS_A": PARAMS_A, "PARAMS_B": PARAMS_B}
        self.zips = self.tmp / "zips"
        self.digests = fake_zips(self.zips)

    def deploy(self, present: list[str]) -> list[list[str]]:
        self.log.unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, str(DEPLOY), "--zips", str(self.zips),
             *(x for k, v in ARGS.items() for x in (f"--{k.lower().replace('_', '-')}", v))],
            env={**self.env, "FAKE_AWS_PRESENT": "\n".join(present)}, check=True, capture_output=True, text=True,
        )
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    def test_first_run_uploads_both_zips_then_deploys_both_stacks(self) -> None:
        calls = self.deploy(present=[])
        self.assertEqual(sum(1 for c in calls if c[2:4] == ["s3", "cp"]), 3)
        self.assertEqual([option(c, "--stack-name") for c in calls if "deploy" in c],
                         ["s3-kms-replication-dest", "s3-kms-replication-source"])
        dest = next(c for c in calls if "deploy" in c)
        self.assertEqual(overrides_of(dest)["CheckSchedule"], "rate(30 minutes)")  # PARAMS_B from the environment

    def test_the_queue_output_is_wired_when_it_is_in_s_region(self) -> None:
        queue = "arn:aws:sqs:us-east-1:222222222222:s3-kms-replication-dest-Queue-1"
        self.env["FAKE_AWS_QUEUE"] = queue
        source = overrides_of([c for c in self.deploy(present=[]) if "deploy" in c][1])
        self.assertEqual((source["ReplicationEventsQueueArn"], source["ReplicationMetrics"]), (queue, "true"))
        self.env["FAKE_AWS_QUEUE"] = queue.replace("us-east-1", "eu-west-1")
        source = overrides_of([c for c in self.deploy(present=[]) if "deploy" in c][1])
        self.assertNotIn("ReplicationEventsQueueArn", source)

    def test_unchanged_code_is_not_uploaded_again(self) -> None:
        keys = [f"s3-kms-replication/{fn}/{d}.zip" for fn, d in self.digests.items()]
        calls = self.deploy(present=keys)
        self.assertEqual([c for c in calls if c[2:4] == ["s3", "cp"]], [])
        self.assertEqual(len([c for c in calls if "deploy" in c]), 2, "the re-run still reaches the source stack")
        # Only the verifier changed: only it is uploaded.
        calls = self.deploy(present=keys[:1])
        self.assertEqual([c[-1] for c in calls if c[2:4] == ["s3", "cp"]], [f"s3://{ARGS['ARTIFACTS_B']}/{keys[1]}"])


if __name__ == "__main__":
    unittest.main()
