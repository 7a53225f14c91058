"""The replication engine's permission check through localaws.replication and
localaws._principals (stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

One emulator (``launcher.py serve``: moto plus our layer) on 127.0.0.1 for the whole file. Each
test builds its own buckets and replication role and reads the source object's
``ReplicationStatus`` (and the replica's tags) as a verifier would.

* Account principals delegate (IAM User Guide, "AWS JSON policy elements: Principal", "AWS
  account principals": "When you use an AWS account identifier as the principal in a policy, you
  delegate authority to the account. All identities inside the account can access the resource
  if they have the appropriate IAM permissions attached to explicitly allow access"): in one
  account, D's bucket policy allowing ``arn:aws:iam::<account>:root`` s3:ReplicateObject does
  not let a role whose own policy lacks it replicate; a bucket policy naming the role ARN does
  ("If either the identity-based policy or the resource-based policy within the same account
  allows the request and the other doesn't, the request is still allowed": IAM User Guide,
  "Policy evaluation for requests within a single account").
* Tags (S3 User Guide, "Setting up permissions for live replication"): "Permissions for the
  s3:ReplicateObject action on the destination bucket also allow replication of object tags, so
  you don't need to explicitly grant permission for the s3:ReplicateTags action", and "If the
  owner of the destination bucket doesn't want to replicate the tags, they can add the following
  statement to the destination bucket policy to explicitly deny permission for the
  s3:ReplicateTags action".
"""

from __future__ import annotations

import itertools
import json
import time
import unittest
from typing import Any

import boto3
from botocore.config import Config

import launcher

A, B = "111111111111", "222222222222"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: list[str], resource: str | list[str], principal: Any = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if principal is not None:
        statement["Principal"] = {"AWS": principal}
    return statement


class ReplicationPermissionsTest(unittest.TestCase):
    endpoint: str
    numbers = itertools.count(1)
    creds: dict[str, dict[str, str]]

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.creds = {account: launcher.assumed_credentials(cls.endpoint, launcher.admin_role(account), "replication-permissions")
                     for account in (A, B)}

    def client(self, service: str, account: str = A, region: str = "us-east-1") -> Any:
        extra: dict[str, Any] = {"retries": {"max_attempts": 1}}
        if service == "s3":
            extra["s3"] = {"addressing_style": "path"}
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            config=Config(**extra), **self.creds[account])

    # --- the world ------------------------------------------------------------------------

    def bucket(self, account: str, policy: Any = None) -> str:
        s3 = self.client("s3", account)
        name = f"repl-perm-{next(self.numbers)}-{int(time.time() * 1000) % 100000}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if policy is not None:
            s3.put_bucket_policy(Bucket=name, Policy=policy(name))
        return name

    def role(self, identity: str) -> str:
        iam = self.client("iam", A)
        name = f"repl-perm-role-{next(self.numbers)}"
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="replication", PolicyDocument=identity)
        return arn

    @staticmethod
    def identity(source: str, destination: str, destination_actions: list[str]) -> str:
        return document(
            allow(["s3:GetReplicationConfiguration", "s3:ListBucket"], f"arn:aws:s3:::{source}"),
            allow(["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl",
                   "s3:GetObjectVersionTagging"], f"arn:aws:s3:::{source}/*"),
            *([allow(destination_actions, f"arn:aws:s3:::{destination}/*")] if destination_actions else []))

    def replicate(self, source: str, destination: str, role: str, tagging: str | None = None,
                  metrics: bool = False) -> tuple[str, str]:
        """Configure S -> D with ``role`` (rule ``all``, replication metrics on with ``metrics``),
        put one object; its final status and version."""
        s3 = self.client("s3", A)
        target: dict[str, Any] = {"Bucket": f"arn:aws:s3:::{destination}"}
        if metrics:
            target["Metrics"] = {"Status": "Enabled"}
        s3.put_bucket_replication(Bucket=source, ReplicationConfiguration={"Role": role, "Rules": [{
            "ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
            "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": target}]})
        args: dict[str, Any] = {"Bucket": source, "Key": "object.txt", "Body": b"payload"}
        if tagging is not None:
            args["Tagging"] = tagging
        version = s3.put_object(**args)["VersionId"]
        deadline = time.monotonic() + 10
        while True:
            status = s3.head_object(Bucket=source, Key="object.txt", VersionId=version).get("ReplicationStatus")
            if status != "PENDING" or time.monotonic() > deadline:
                return status, version
            time.sleep(0.05)

    def replica_tags(self, destination: str, account: str, version: str) -> dict[str, str]:
        tags = self.client("s3", account).get_object_tagging(Bucket=destination, Key="object.txt", VersionId=version)
        return {t["Key"]: t["Value"] for t in tags["TagSet"]}

    # --- same-account delegation ------------------------------------------------------------

    def test_account_principal_in_the_same_account_needs_the_role_policy_too(self) -> None:
        root = f"arn:aws:iam::{A}:root"
        destination = self.bucket(A, lambda d: document(allow(["s3:ReplicateObject"], f"arn:aws:s3:::{d}/*", root)))
        source = self.bucket(A)
        without = self.role(self.identity(source, destination, []))
        self.assertEqual(self.replicate(source, destination, without)[0], "FAILED")

        source = self.bucket(A)
        with_it = self.role(self.identity(source, destination, ["s3:ReplicateObject"]))
        self.assertEqual(self.replicate(source, destination, with_it)[0], "COMPLETED")

    def test_account_id_principal_delegates_as_root_does(self) -> None:
        destination = self.bucket(A, lambda d: document(allow(["s3:ReplicateObject"], f"arn:aws:s3:::{d}/*", A)))
        source = self.bucket(A)
        role = self.role(self.identity(source, destination, []))
        self.assertEqual(self.replicate(source, destination, role)[0], "FAILED")

    def test_role_principal_in_the_same_account_grants_on_its_own(self) -> None:
        source = self.bucket(A)
        role = self.role(self.identity(source, "not-this-bucket", []))
        destination = self.bucket(A, lambda d: document(allow(["s3:ReplicateObject"], f"arn:aws:s3:::{d}/*", role)))
        self.assertEqual(self.replicate(source, destination, role)[0], "COMPLETED")

    # --- tags -----------------------------------------------------------------------------------

    def cross_account_with_tags(self, role_actions: list[str], tag_statement: dict[str, Any] | None) -> tuple[str, dict[str, str]]:
        root = f"arn:aws:iam::{A}:root"

        def policy(d: str) -> str:
            statements = [allow(["s3:ReplicateObject", "s3:ReplicateDelete"], f"arn:aws:s3:::{d}/*", root)]
            if tag_statement is not None:
                statements.append({**tag_statement, "Principal": {"AWS": root}, "Resource": f"arn:aws:s3:::{d}/*"})
            return document(*statements)

        destination = self.bucket(B, policy)
        source = self.bucket(A)
        role = self.role(self.identity(source, destination, role_actions))
        status, version = self.replicate(source, destination, role, tagging="team=finance&tier=gold")
        tags = self.replica_tags(destination, B, version) if status == "COMPLETED" else {}
        return status, tags

    def test_tags_replicate_with_replicate_tags_allowed(self) -> None:
        status, tags = self.cross_account_with_tags(
            ["s3:ReplicateObject", "s3:ReplicateTags"], {"Effect": "Allow", "Action": "s3:ReplicateTags"})
        self.assertEqual((status, tags), ("COMPLETED", {"team": "finance", "tier": "gold"}))

    def test_tags_are_left_out_when_the_destination_denies_replicate_tags(self) -> None:
        status, tags = self.cross_account_with_tags(
            ["s3:ReplicateObject", "s3:ReplicateTags"], {"Effect": "Deny", "Action": "s3:ReplicateTags"})
        self.assertEqual((status, tags), ("COMPLETED", {}))

    def test_replicate_object_covers_tags_without_replicate_tags(self) -> None:
        status, tags = self.cross_account_with_tags(["s3:ReplicateObject"], None)
        self.assertEqual((status, tags), ("COMPLETED", {"team": "finance", "tier": "gold"}))


    # --- S3's replication metrics ----------------------------------------------------------------

    def s3_metrics(self, source: str, destination: str, stat: str,
                   region: str = "us-east-1") -> dict[str, list[float]]:
        """AWS/S3's replication metrics of rule ``all`` in A's CloudWatch in ``region``, as the
        source template's alarms name them (dimensions SourceBucket, DestinationBucket, RuleId)."""
        names = ["OperationsFailedReplication", "ReplicationLatency", "OperationsPendingReplication",
                 "BytesPendingReplication"]
        dimensions = [{"Name": "SourceBucket", "Value": source}, {"Name": "DestinationBucket", "Value": destination},
                      {"Name": "RuleId", "Value": "all"}]
        now = time.time()
        out = self.client("cloudwatch", A, region).get_metric_data(
            StartTime=now - 600, EndTime=now + 600,
            MetricDataQueries=[{"Id": f"m{i}", "MetricStat": {"Metric": {
                "Namespace": "AWS/S3", "MetricName": name, "Dimensions": dimensions}, "Period": 60, "Stat": stat}}
                for i, name in enumerate(names)])
        values = {r["Id"]: r["Values"] for r in out["MetricDataResults"]}
        return {name: values.get(f"m{i}", []) for i, name in enumerate(names)}

    def test_a_failed_object_counts_in_operations_failed_replication_when_metrics_are_on(self) -> None:
        destination = self.bucket(A)
        source = self.bucket(A)
        role = self.role(self.identity(source, destination, []))
        self.assertEqual(self.replicate(source, destination, role, metrics=True)[0], "FAILED")
        self.assertEqual(self.s3_metrics(source, destination, "Sum")["OperationsFailedReplication"], [1.0])
        self.assertEqual(self.s3_metrics(source, destination, "Minimum")["OperationsPendingReplication"], [0.0])
        self.assertEqual(self.s3_metrics(source, destination, "Maximum")["BytesPendingReplication"], [7.0])

    def test_a_completed_object_gives_its_replication_latency_when_metrics_are_on(self) -> None:
        source = self.bucket(A)
        role = self.role(self.identity(source, "not-this-bucket", []))
        destination = self.bucket(A, lambda d: document(allow(["s3:ReplicateObject"], f"arn:aws:s3:::{d}/*", role)))
        self.assertEqual(self.replicate(source, destination, role, metrics=True)[0], "COMPLETED")
        maximum = self.s3_metrics(source, destination, "Maximum")
        self.assertEqual(len(maximum["ReplicationLatency"]), 1, maximum)
        self.assertLess(maximum["ReplicationLatency"][0], 10.0)
        self.assertEqual(maximum["OperationsFailedReplication"], [])
        self.assertEqual(maximum["OperationsPendingReplication"], [1.0])
        self.assertEqual(self.s3_metrics(source, destination, "Minimum")["OperationsPendingReplication"], [0.0])

    def test_pending_and_latency_are_published_in_the_destination_region(self) -> None:
        # S3 User Guide, "Using S3 Replication metrics" (repl-metrics.html), "Which Region is this
        # metric published in?": pending and latency in the destination bucket's Region.
        source = self.bucket(A)
        role = self.role(self.identity(source, "not-this-bucket", []))
        destination = f"repl-perm-eu-{next(self.numbers)}-{int(time.time() * 1000) % 100000}"
        s3 = self.client("s3", A, "eu-west-1")
        s3.create_bucket(Bucket=destination, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket=destination, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_policy(Bucket=destination, Policy=document(
            allow(["s3:ReplicateObject"], f"arn:aws:s3:::{destination}/*", role)))
        self.assertEqual(self.replicate(source, destination, role, metrics=True)[0], "COMPLETED")
        in_d = self.s3_metrics(source, destination, "Maximum", "eu-west-1")
        self.assertEqual(len(in_d["ReplicationLatency"]), 1, in_d)
        self.assertEqual(in_d["OperationsPendingReplication"], [1.0])
        in_s = self.s3_metrics(source, destination, "Maximum")
        self.assertEqual((in_s["ReplicationLatency"], in_s["OperationsPendingReplication"]), ([], []))

    def test_no_s3_metrics_without_metrics_on_the_rule(self) -> None:
        destination = self.bucket(A)
        source = self.bucket(A)
        role = self.role(self.identity(source, destination, []))
        self.assertEqual(self.replicate(source, destination, role)[0], "FAILED")
        self.assertEqual(set(map(len, self.s3_metrics(source, destination, "Sum").values())), {0})


if __name__ == "__main__":
    unittest.main()
