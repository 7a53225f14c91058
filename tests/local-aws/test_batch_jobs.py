"""S3 Batch Operations jobs on the emulator (localaws.s3control_jobs, localaws._batch_tasks),
through boto3's s3control client (stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

One emulator for the file. The s3control client addresses ``<account>.<endpoint host>`` (the
SDKs' S3 Control endpoint rules put the account id in the host); on 127.0.0.1 that name does
not resolve, so ``control()`` sends every request to the endpoint itself, where the account is
still in ``x-amz-account-id``.

Covered, each with the S3 User Guide or S3 API Reference page it follows (see the modules):
the job states (New -> Preparing -> Suspended/ConfirmationRequired -> Ready -> Active ->
Complete; Cancelled; Failed with FailureReasons), ClientRequestToken idempotency, CSV and
Inventory manifests, generated manifests with ObjectReplicationStatuses / CreatedAfter /
EligibleForReplication and manifest output, S3ReplicateObject through the replication engine
(re-drive of FAILED, backfill of NONE), the job role's permissions named when missing,
LambdaInvoke with schemas 1.0 and 2.0 through a registered loopback function (redrive of
TemporaryFailure, function errors), and the completion report in AWS's CSV format.
"""

from __future__ import annotations

import csv
import gzip
import http.server
import io
import itertools
import json
import re
import threading
import time
import unittest
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any


import launcher

A = "111111111111"
TRUST_S3 = {"Service": "s3.amazonaws.com"}
TRUST_BATCH = {"Service": "batchoperations.s3.amazonaws.com"}
FUNCTION = f"arn:aws:lambda:us-east-1:{A}:function:verifier"


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: list[str], resource: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def trust(principal: dict[str, str]) -> str:
    return document({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


class _Function(http.server.BaseHTTPRequestHandler):
    """A Lambda function on 127.0.0.1: answers each task as ``answers`` says for its key."""

    answers: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    attempts: dict[str, int] = {}

    def do_POST(self) -> None:  # noqa: N802
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).events.append(event)
        task = event["tasks"][0]
        key = urllib.parse.unquote(task["s3Key"])
        seen = type(self).attempts[key] = type(self).attempts.get(key, 0) + 1
        answer = type(self).answers.get(key, "Succeeded")
        headers = {}
        if answer == "crash":
            body: Any = {"errorMessage": "boom", "errorType": "Panic"}
            headers["X-Amz-Function-Error"] = "Unhandled"
        else:
            if answer == "flaky":
                answer = "TemporaryFailure" if seen == 1 else "Succeeded"
            body = {"invocationSchemaVersion": event["invocationSchemaVersion"],
                    "treatMissingKeysAs": "PermanentFailure", "invocationId": event["invocationId"],
                    "results": [{"taskId": task["taskId"], "resultCode": answer,
                                 "resultString": f"{answer}: {key}"}]}
        data = json.dumps(body).encode()
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class BatchJobsTest(unittest.TestCase):
    endpoint: str
    numbers = itertools.count(1)
    creds: dict[str, str]

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.creds = launcher.assumed_credentials(cls.endpoint, launcher.admin_role(A), "batch-jobs")
        cls.function = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Function)
        threading.Thread(target=cls.function.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.function.shutdown)
        cls.admin("lambda-functions", {"FunctionArn": FUNCTION,
                                       "Url": f"http://127.0.0.1:{cls.function.server_port}/"})

    @classmethod
    def admin(cls, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(f"{cls.endpoint}/_localaws/{path}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as answer:
            return json.loads(answer.read())

    def client(self, service: str) -> Any:
        return launcher.client(self.endpoint, service, self.creds)

    def control(self) -> Any:
        client = self.client("s3control")

        def to_the_endpoint(request: Any, **_: Any) -> None:
            request.url = re.sub(r"//\d{12}\.", "//", request.url)

        client.meta.events.register("before-send.s3-control", to_the_endpoint)
        return client

    # --- the world ------------------------------------------------------------------------------

    def name(self, what: str) -> str:
        return f"batch-{what}-{next(self.numbers)}-{int(time.time() * 1000) % 100000}"

    def bucket(self) -> str:
        s3, name = self.client("s3"), self.name("b")
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def role(self, principal: dict[str, str], policy: str) -> tuple[str, str]:
        iam, name = self.client("iam"), self.name("role")
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(principal))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy)
        return name, arn

    def replication_policy(self, source: str, destination: str, replicate: bool) -> str:
        statements = [allow(["s3:GetReplicationConfiguration", "s3:ListBucket"], f"arn:aws:s3:::{source}"),
                      allow(["s3:GetObjectVersionForReplication"], f"arn:aws:s3:::{source}/*")]
        if replicate:
            statements.append(allow(["s3:ReplicateObject"], f"arn:aws:s3:::{destination}/*"))
        return document(*statements)

    def job_policy(self, source: str, reports: str, without: str = "") -> str:
        """The S3 guide's Batch Replication policy for a generated manifest, less ``without``."""
        statements = [
            allow(["s3:InitiateReplication"], f"arn:aws:s3:::{source}/*"),
            allow(["s3:GetReplicationConfiguration", "s3:PutInventoryConfiguration"], f"arn:aws:s3:::{source}"),
            allow(["s3:GetObject", "s3:GetObjectVersion"], f"arn:aws:s3:::{reports}/*"),
            allow(["s3:PutObject"], f"arn:aws:s3:::{reports}/*"),
            allow(["lambda:InvokeFunction"], FUNCTION),
        ]
        for s in statements:
            s["Action"] = [a for a in s["Action"] if a != without]
        return document(*[s for s in statements if s["Action"]])

    def pair(self, replicate: bool) -> dict[str, str]:
        source, destination, reports = self.bucket(), self.bucket(), self.bucket()
        role_name, role = self.role(TRUST_S3, self.replication_policy(source, destination, replicate))
        return {"source": source, "destination": destination, "reports": reports,
                "role_name": role_name, "role": role}

    def rule(self, world: dict[str, str]) -> None:
        self.client("s3").put_bucket_replication(Bucket=world["source"], ReplicationConfiguration={
            "Role": world["role"], "Rules": [{
                "ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": "data/"},
                "DeleteMarkerReplication": {"Status": "Disabled"},
                "Destination": {"Bucket": f"arn:aws:s3:::{world['destination']}"}}]})

    def put(self, bucket: str, keys: list[str]) -> dict[str, str]:
        s3 = self.client("s3")
        return {k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode())["VersionId"] for k in keys}

    def status(self, bucket: str, key: str) -> str:
        s3, deadline = self.client("s3"), time.monotonic() + 10
        while True:
            status = s3.head_object(Bucket=bucket, Key=key).get("ReplicationStatus", "NONE")
            if status != "PENDING" or time.monotonic() > deadline:
                return status
            time.sleep(0.05)

    def replication_job(self, world: dict[str, str], job_role: str, statuses: list[str],
                        **extra: Any) -> str:
        selection: dict[str, Any] = {"EligibleForReplication": True, "ObjectReplicationStatuses": statuses}
        selection.update(extra.pop("filters", {}))
        return self.control().create_job(
            AccountId=A, ConfirmationRequired=False, Operation={"S3ReplicateObject": {}},
            ManifestGenerator={"S3JobManifestGenerator": {
                "SourceBucket": f"arn:aws:s3:::{world['source']}", "EnableManifestOutput": True,
                "ManifestOutputLocation": {"Bucket": f"arn:aws:s3:::{world['reports']}",
                                           "ManifestPrefix": "manifests",
                                           "ManifestFormat": "S3InventoryReport_CSV_20211130"},
                "Filter": selection}},
            Report=self.report(world["reports"]), Priority=10, RoleArn=job_role,
            ClientRequestToken=self.name("token"), **extra)["JobId"]

    @staticmethod
    def report(bucket: str, scope: str = "AllTasks") -> dict[str, Any]:
        return {"Bucket": f"arn:aws:s3:::{bucket}", "Format": "Report_CSV_20180820", "Enabled": True,
                "Prefix": "reports", "ReportScope": scope}

    def wait(self, job: str, until: set[str] | None = None) -> dict[str, Any]:
        until = until or {"Complete", "Failed", "Cancelled"}
        deadline = time.monotonic() + 20
        while True:
            described = self.control().describe_job(AccountId=A, JobId=job)["Job"]
            if described["Status"] in until or time.monotonic() > deadline:
                return described
            time.sleep(0.05)

    def report_rows(self, bucket: str, job: str) -> tuple[dict[str, Any], list[list[str]]]:
        s3 = self.client("s3")
        index = json.loads(s3.get_object(Bucket=bucket, Key=f"reports/job-{job}/manifest.json")["Body"].read())
        rows: list[list[str]] = []
        for result in index["Results"]:
            self.assertRegex(result["Key"], rf"^reports/job-{job}/results/[0-9a-f]{{40}}\.csv$")
            body = s3.get_object(Bucket=result["Bucket"], Key=result["Key"])["Body"].read().decode()
            rows.extend(csv.reader(io.StringIO(body)))
        return index, rows

    # --- S3ReplicateObject ------------------------------------------------------------------------

    def test_redrive_replicates_the_failed_objects_after_the_fix(self) -> None:
        world = self.pair(replicate=False)
        self.rule(world)
        keys = [f"data/object {i}.txt" for i in range(3)]
        self.put(world["source"], keys)
        self.assertEqual([self.status(world["source"], k) for k in keys], ["FAILED"] * 3)
        self.client("iam").put_role_policy(RoleName=world["role_name"], PolicyName="p",
            PolicyDocument=self.replication_policy(world["source"], world["destination"], True))
        _, job_role = self.role(TRUST_BATCH, self.job_policy(world["source"], world["reports"]))

        job = self.replication_job(world, job_role, ["FAILED"])
        described = self.wait(job)

        self.assertEqual(described["Status"], "Complete", described)
        self.assertEqual(described["ProgressSummary"]["TotalNumberOfTasks"], 3)
        self.assertEqual(described["ProgressSummary"]["NumberOfTasksSucceeded"], 3)
        self.assertEqual([self.status(world["source"], k) for k in keys], ["COMPLETED"] * 3)
        head = self.client("s3").head_object(Bucket=world["destination"], Key=keys[0])
        self.assertEqual(head["ReplicationStatus"], "REPLICA")
        index, rows = self.report_rows(world["reports"], job)
        self.assertEqual(index["ReportSchema"],
                         "Bucket, Key, VersionId, TaskStatus, ErrorCode, HTTPStatusCode, ResultMessage")
        self.assertEqual(sorted(r[1] for r in rows), [urllib.parse.quote(k) for k in keys])
        self.assertEqual({(r[3], r[6]) for r in rows}, {("succeeded", "Successful")})
        generated = described["GeneratedManifestDescriptor"]
        self.assertEqual(generated["Format"], "S3InventoryReport_CSV_20211130")
        self.assertTrue(generated["Location"]["ObjectArn"].endswith(f"manifests/job-{job}/manifest.json"))

    def test_backfill_replicates_objects_that_predate_the_rule_and_honours_created_after(self) -> None:
        world = self.pair(replicate=True)
        self.put(world["source"], ["data/old.txt"])
        time.sleep(1.1)
        boundary = datetime.now(timezone.utc)
        time.sleep(1.1)
        self.put(world["source"], ["data/newer.txt", "other/outside-the-rule.txt"])
        self.rule(world)
        self.assertEqual(self.status(world["source"], "data/newer.txt"), "NONE")
        _, job_role = self.role(TRUST_BATCH, self.job_policy(world["source"], world["reports"]))

        job = self.replication_job(world, job_role, ["NONE"], filters={"CreatedAfter": boundary})
        described = self.wait(job)

        self.assertEqual((described["Status"], described["ProgressSummary"]["TotalNumberOfTasks"]), ("Complete", 1))
        self.assertEqual(self.status(world["source"], "data/newer.txt"), "COMPLETED")
        self.assertEqual(self.status(world["source"], "data/old.txt"), "NONE")
        self.assertEqual(self.status(world["source"], "other/outside-the-rule.txt"), "NONE")

    def test_a_job_role_without_initiate_replication_fails_each_task_naming_it(self) -> None:
        world = self.pair(replicate=True)
        self.put(world["source"], ["data/a.txt"])
        self.rule(world)
        _, job_role = self.role(TRUST_BATCH, self.job_policy(world["source"], world["reports"],
                                                             without="s3:InitiateReplication"))
        job = self.replication_job(world, job_role, ["NONE"])
        described = self.wait(job)

        self.assertEqual(described["Status"], "Complete")  # < 1,000 tasks: no failure threshold
        self.assertEqual(described["ProgressSummary"]["NumberOfTasksFailed"], 1)
        _, rows = self.report_rows(world["reports"], job)
        self.assertEqual(rows[0][3:6], ["failed", "AccessDenied", "403"])
        self.assertIn("s3:InitiateReplication", rows[0][6])
        self.assertEqual(self.status(world["source"], "data/a.txt"), "NONE")

    def test_a_job_role_that_cannot_write_the_report_fails_the_job_naming_it(self) -> None:
        world = self.pair(replicate=True)
        self.put(world["source"], ["data/a.txt"])
        self.rule(world)
        _, job_role = self.role(TRUST_BATCH, self.job_policy(world["source"], world["reports"], without="s3:PutObject"))
        job = self.replication_job(world, job_role, ["NONE"])
        described = self.wait(job)
        self.assertEqual(described["Status"], "Failed")
        reasons = " ".join(r["FailureReason"] for r in described["FailureReasons"])
        self.assertIn("s3:PutObject", reasons)

    def test_a_role_batch_operations_cannot_assume_fails_the_job(self) -> None:
        world = self.pair(replicate=True)
        self.rule(world)
        _, job_role = self.role(TRUST_S3, self.job_policy(world["source"], world["reports"]))
        described = self.wait(self.replication_job(world, job_role, ["NONE"]))
        self.assertEqual(described["Status"], "Failed")
        self.assertEqual(described["FailureReasons"][0]["FailureCode"], "AssumeRoleNotPermitted")

    # --- the job's states ------------------------------------------------------------------------

    def csv_manifest(self, bucket: str, rows: list[list[str]]) -> dict[str, Any]:
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        key = f"manifests/{self.name('m')}.csv"
        etag = self.client("s3").put_object(Bucket=bucket, Key=key, Body=text.getvalue().encode())["ETag"]
        fields = ["Bucket", "Key", "VersionId"] if len(rows[0]) == 3 else ["Bucket", "Key"]
        return {"Spec": {"Format": "S3BatchOperations_CSV_20180820", "Fields": fields},
                "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/{key}", "ETag": etag.strip('"')}}

    def lambda_job(self, bucket: str, manifest: dict[str, Any], schema: str, confirm: bool = False,
                   token: str | None = None) -> str:
        _, job_role = self.role(TRUST_BATCH, self.job_policy(bucket, bucket))
        return self.control().create_job(
            AccountId=A, ConfirmationRequired=confirm, Priority=10, RoleArn=job_role,
            Operation={"LambdaInvoke": {"FunctionArn": FUNCTION, "InvocationSchemaVersion": schema,
                                        **({"UserArguments": {"audit": "yes"}} if schema == "2.0" else {})}},
            Manifest=manifest, Report=self.report(bucket), ClientRequestToken=token or self.name("token"))["JobId"]

    def test_a_job_that_needs_confirmation_waits_suspended_until_ready(self) -> None:
        bucket = self.bucket()
        versions = self.put(bucket, ["x.txt"])
        token = self.name("token")
        manifest = self.csv_manifest(bucket, [[bucket, "x.txt", versions["x.txt"]]])
        job = self.lambda_job(bucket, manifest, "2.0", confirm=True, token=token)
        self.assertEqual(self.lambda_job(bucket, manifest, "2.0", confirm=True, token=token), job)

        suspended = self.wait(job, {"Suspended"})
        self.assertEqual((suspended["Status"], suspended["SuspendedCause"]), ("Suspended", "ConfirmationRequired"))
        control = self.control()
        finished = self.finished_job(bucket)
        with self.assertRaises(control.exceptions.JobStatusException):  # only a Suspended job
            control.update_job_status(AccountId=A, JobId=finished, RequestedJobStatus="Ready")
        control.update_job_status(AccountId=A, JobId=job, RequestedJobStatus="Ready")
        self.assertEqual(self.wait(job)["Status"], "Complete")
        listed = {j["JobId"]: j for j in control.list_jobs(AccountId=A, JobStatuses=["Complete"])["Jobs"]}
        self.assertEqual(listed[job]["Operation"], "LambdaInvoke")

    def finished_job(self, bucket: str) -> str:
        versions = self.put(bucket, ["done.txt"])
        job = self.lambda_job(bucket, self.csv_manifest(bucket, [[bucket, "done.txt", versions["done.txt"]]]), "1.0")
        self.assertEqual(self.wait(job)["Status"], "Complete")
        return job

    def test_a_suspended_job_can_be_cancelled(self) -> None:
        bucket = self.bucket()
        self.put(bucket, ["x.txt"])
        job = self.lambda_job(bucket, self.csv_manifest(bucket, [[bucket, "x.txt"]]), "1.0", confirm=True)
        self.wait(job, {"Suspended"})
        answer = self.control().update_job_status(AccountId=A, JobId=job, RequestedJobStatus="Cancelled",
                                                  StatusUpdateReason="no longer needed")
        self.assertEqual(answer["StatusUpdateReason"], "no longer needed")
        self.assertEqual(self.wait(job)["Status"], "Cancelled")

    def test_progress_is_visible_while_active(self) -> None:
        bucket = self.bucket()
        keys = [f"p{i}.txt" for i in range(4)]
        versions = self.put(bucket, keys)
        self.admin("batch-settings", {"TaskDelaySeconds": 0.3})
        try:
            job = self.lambda_job(bucket, self.csv_manifest(bucket, [[bucket, k, versions[k]] for k in keys]), "2.0")
            active = self.wait(job, {"Active"})
            deadline = time.monotonic() + 5
            while active["ProgressSummary"]["NumberOfTasksSucceeded"] == 0 and time.monotonic() < deadline:
                active = self.control().describe_job(AccountId=A, JobId=job)["Job"]
            self.assertEqual(active["Status"], "Active")
            self.assertLess(active["ProgressSummary"]["NumberOfTasksSucceeded"], 4)
        finally:
            self.admin("batch-settings", {"TaskDelaySeconds": 0})
        self.assertEqual(self.wait(job)["ProgressSummary"]["NumberOfTasksSucceeded"], 4)

    # --- LambdaInvoke --------------------------------------------------------------------------

    def test_lambda_tasks_follow_each_schema_and_report_each_result(self) -> None:
        bucket = self.bucket()
        keys = ["ok+1 é.txt", "wrong.txt", "flaky.txt", "crash.txt"]
        versions = self.put(bucket, keys)
        _Function.answers.update({"wrong.txt": "PermanentFailure", "flaky.txt": "flaky", "crash.txt": "crash"})
        for schema in ("1.0", "2.0"):
            _Function.events.clear()
            _Function.attempts.clear()
            rows = [[bucket, urllib.parse.quote(k), versions[k]] for k in keys]
            job = self.lambda_job(bucket, self.csv_manifest(bucket, rows), schema)
            described = self.wait(job)
            self.assertEqual(described["Status"], "Complete")
            summary = described["ProgressSummary"]
            self.assertEqual((summary["NumberOfTasksSucceeded"], summary["NumberOfTasksFailed"]), (2, 2))
            event = _Function.events[0]
            self.assertEqual(event["invocationSchemaVersion"], schema)
            task = event["tasks"][0]
            if schema == "1.0":
                self.assertEqual(task["s3BucketArn"], f"arn:aws:s3:::{bucket}")
            else:
                self.assertEqual((task["s3Bucket"], event["job"]["userArguments"]), (bucket, {"audit": "yes"}))
            self.assertEqual(_Function.attempts["flaky.txt"], 2)  # TemporaryFailure is redriven
            _, report = self.report_rows(bucket, job)
            by_key = {urllib.parse.unquote(r[1]): r for r in report}
            self.assertEqual(by_key["ok+1 é.txt"][3:], ["succeeded", "", "200", "Succeeded: ok+1 é.txt"])
            self.assertEqual(by_key["wrong.txt"][3:6], ["failed", "PermanentFailure", "200"])
            self.assertTrue(by_key["crash.txt"][6].startswith("Lambda returned function error:"))

    def test_an_inventory_manifest_lists_its_data_files(self) -> None:
        bucket = self.bucket()
        versions = self.put(bucket, ["inv/a.txt", "inv/b.txt"])
        s3 = self.client("s3")
        data = gzip.compress("".join(f'"{bucket}","{k}","{v}"\n' for k, v in versions.items()).encode())
        s3.put_object(Bucket=bucket, Key="inventory/data/1.csv.gz", Body=data)
        index = {"sourceBucket": bucket, "destinationBucket": f"arn:aws:s3:::{bucket}",
                 "fileFormat": "CSV", "fileSchema": "Bucket, Key, VersionId",
                 "files": [{"key": "inventory/data/1.csv.gz", "size": len(data), "MD5checksum": "x"}]}
        etag = s3.put_object(Bucket=bucket, Key="inventory/manifest.json", Body=json.dumps(index).encode())["ETag"]
        manifest = {"Spec": {"Format": "S3InventoryReport_CSV_20161130"},
                    "Location": {"ObjectArn": f"arn:aws:s3:::{bucket}/inventory/manifest.json", "ETag": etag.strip('"')}}
        described = self.wait(self.lambda_job(bucket, manifest, "2.0"))
        self.assertEqual((described["Status"], described["ProgressSummary"]["NumberOfTasksSucceeded"]), ("Complete", 2))

    def test_a_manifest_with_another_etag_fails_the_job(self) -> None:
        bucket = self.bucket()
        self.put(bucket, ["x.txt"])
        manifest = self.csv_manifest(bucket, [[bucket, "x.txt"]])
        manifest["Location"]["ETag"] = "0" * 32
        described = self.wait(self.lambda_job(bucket, manifest, "1.0"))
        self.assertEqual((described["Status"], described["FailureReasons"][0]["FailureCode"]),
                         ("Failed", "ManifestNotFound"))


if __name__ == "__main__":
    unittest.main()
