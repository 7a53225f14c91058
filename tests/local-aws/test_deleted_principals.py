"""Deleted and re-created roles in bucket and key policies, through localaws.deleted_principals
(stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

One emulator (``launcher.py serve``: moto plus our layer) on 127.0.0.1 for the whole file. AWS
(IAM User Guide, "IAM identifiers", unique IDs; S3 User Guide, "Principals") shows a deleted
role named in a policy's ``Principal`` as its unique ID (``AROA...``), and keeps showing that old
ID when a role of the same name is created again; a condition such as ``aws:PrincipalArn`` is a
string and stays as written.
"""

from __future__ import annotations

import itertools
import json
import unittest
from typing import Any

from botocore.exceptions import ClientError

import launcher

ACCOUNT = "111111111111"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


class DeletedPrincipalsTest(unittest.TestCase):
    endpoint: str
    numbers = itertools.count(1)

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.creds = launcher.assumed_credentials(cls.endpoint, launcher.admin_role(ACCOUNT), "deleted-principals")

    def client(self, service: str) -> Any:
        return launcher.client(self.endpoint, service, self.creds)

    def role(self, name: str) -> dict[str, str]:
        return self.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]

    @staticmethod
    def policy(principal: Any, resource: str, action: str, condition: dict[str, Any] | None = None) -> str:
        statement: dict[str, Any] = {"Sid": "s", "Effect": "Allow", "Principal": {"AWS": principal},
                                     "Action": action, "Resource": resource}
        if condition:
            statement["Condition"] = condition
        return json.dumps({"Version": "2012-10-17", "Statement": [statement]})

    def bucket_with(self, policy_for: Any) -> tuple[str, str]:
        s3 = self.client("s3")
        bucket = f"deleted-principals-{next(self.numbers)}"
        s3.create_bucket(Bucket=bucket)
        policy = policy_for(f"arn:aws:s3:::{bucket}/*")
        s3.put_bucket_policy(Bucket=bucket, Policy=policy)
        return bucket, policy

    def key_with(self, policy: str) -> str:
        kms = self.client("kms")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
        return key_id

    def bucket_policy(self, bucket: str) -> str:
        return self.client("s3").get_bucket_policy(Bucket=bucket)["Policy"]

    def key_policy(self, key_id: str) -> str:
        return self.client("kms").get_key_policy(KeyId=key_id)["Policy"]

    def test_deleted_then_recreated_role(self) -> None:
        iam = self.client("iam")
        name = "deleted-principals-replication"
        old = self.role(name)
        arn = old["Arn"]
        by_condition = lambda resource: self.policy(  # noqa: E731
            f"arn:aws:iam::{ACCOUNT}:root", resource, "s3:PutObject",
            {"ArnLike": {"aws:PrincipalArn": arn}})
        by_role = lambda resource: self.policy(arn, resource, "s3:PutObject")  # noqa: E731
        cond_bucket, cond_policy = self.bucket_with(by_condition)
        role_bucket, _ = self.bucket_with(by_role)
        cond_key_policy = self.policy(f"arn:aws:iam::{ACCOUNT}:root", "*", "kms:Encrypt",
                                      {"ArnLike": {"aws:PrincipalArn": arn}})
        cond_key = self.key_with(cond_key_policy)
        role_key = self.key_with(self.policy(arn, "*", "kms:Encrypt"))

        # While the role exists, every policy reads back as written.
        self.assertEqual(json.loads(self.bucket_policy(role_bucket))["Statement"][0]["Principal"]["AWS"], arn)
        self.assertEqual(json.loads(self.key_policy(role_key))["Statement"][0]["Principal"]["AWS"], arn)

        iam.delete_role(RoleName=name)
        new = self.role(name)
        self.assertNotEqual(new["RoleId"], old["RoleId"])
        self.assertEqual(new["Arn"], arn)

        # The account principal with an aws:PrincipalArn condition: unchanged, byte for byte.
        self.assertEqual(self.bucket_policy(cond_bucket), cond_policy)
        self.assertEqual(self.key_policy(cond_key), cond_key_policy)
        # The role named as principal: the OLD role's unique ID, also after the re-creation.
        self.assertEqual(json.loads(self.bucket_policy(role_bucket))["Statement"][0]["Principal"]["AWS"],
                         old["RoleId"])
        self.assertEqual(json.loads(self.key_policy(role_key))["Statement"][0]["Principal"]["AWS"], old["RoleId"])
        self.assertTrue(old["RoleId"].startswith("AROA"))

        # A policy written after the re-creation names the new role and reads back as its ARN.
        later_bucket, _ = self.bucket_with(lambda resource: self.policy([arn], resource, "s3:GetObject"))
        self.assertEqual(json.loads(self.bucket_policy(later_bucket))["Statement"][0]["Principal"]["AWS"], [arn])

        # Writing the shown policy back is refused, as AWS refuses a unique ID principal.
        with self.assertRaises(ClientError) as caught:
            self.client("s3").put_bucket_policy(Bucket=role_bucket, Policy=self.bucket_policy(role_bucket))
        self.assertEqual(caught.exception.response["Error"]["Code"], "MalformedPolicy")
        with self.assertRaises(ClientError) as caught:
            self.client("kms").put_key_policy(KeyId=role_key, PolicyName="default", Policy=self.key_policy(role_key))
        self.assertEqual(caught.exception.response["Error"]["Code"], "MalformedPolicyDocumentException")


if __name__ == "__main__":
    unittest.main()
