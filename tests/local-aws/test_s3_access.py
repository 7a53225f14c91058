"""HeadObject/GetObject of a missing key or version by a caller without s3:ListBucket, through
localaws.s3_access (stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

One emulator (``launcher.py serve``: moto plus our layer) on 127.0.0.1 for the whole file. S3 API
Reference, HeadObject, "Permissions": "If the object you request doesn't exist, the error that
Amazon S3 returns depends on whether you also have the s3:ListBucket permission. If you have the
s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP status code 404 Not Found
error. If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP status code 403
Forbidden error" (GetObject says the same). The callers are ordinary roles: CreateRole,
PutRolePolicy, AssumeRole -- what an end-to-end test in any language can do.
"""

from __future__ import annotations

import itertools
import json
import unittest
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

import launcher

A, B = "111111111111", "222222222222"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "sts:AssumeRole"}]})


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class S3AccessTest(unittest.TestCase):
    endpoint: str
    numbers = itertools.count(1)

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.admin = {account: cls.assume(launcher.admin_role(account)) for account in (A, B)}

    @classmethod
    def assume(cls, arn: str) -> dict[str, str]:
        return launcher.assumed_credentials(cls.endpoint, arn, "s3-access")

    def client(self, service: str, creds: dict[str, str]) -> Any:
        extra: dict[str, Any] = {"retries": {"max_attempts": 1}}
        if service == "s3":
            extra["s3"] = {"addressing_style": "path"}
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            config=Config(**extra), **creds)

    def bucket(self, account: str = A, bucket_policy: Any = None) -> tuple[str, str]:
        """A versioned bucket with one object; its name and the object's version id."""
        s3 = self.client("s3", self.admin[account])
        name = f"s3-access-{next(self.numbers)}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        version = s3.put_object(Bucket=name, Key="present.txt", Body=b"x")["VersionId"]
        if bucket_policy is not None:
            s3.put_bucket_policy(Bucket=name, Policy=bucket_policy(name))
        return name, version

    def reader(self, *statements: dict[str, Any]) -> Any:
        """An S3 client acting as a new role of account A with these identity statements."""
        return self.reader_and_arn(*statements)[0]

    def reader_and_arn(self, *statements: dict[str, Any]) -> tuple[Any, str]:
        iam = self.client("iam", self.admin[A])
        name = f"s3-access-reader-{next(self.numbers)}"
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        if statements:
            iam.put_role_policy(RoleName=name, PolicyName="read", PolicyDocument=policy(*statements))
        return self.client("s3", self.assume(arn)), arn

    @staticmethod
    def status(call: Any) -> tuple[int, str | None]:
        try:
            answer = call()
        except ClientError as error:
            return error.response["ResponseMetadata"]["HTTPStatusCode"], error.response["Error"].get("Code")
        return answer["ResponseMetadata"]["HTTPStatusCode"], None

    def missing_reads(self, s3: Any, bucket: str) -> list[tuple[int, str | None]]:
        never = "11111111-1111-4111-8111-111111111111"  # well-formed, never issued
        return [
            self.status(lambda: s3.head_object(Bucket=bucket, Key="absent.txt")),
            self.status(lambda: s3.get_object(Bucket=bucket, Key="absent.txt")),
            self.status(lambda: s3.head_object(Bucket=bucket, Key="present.txt", VersionId=never)),
            self.status(lambda: s3.get_object(Bucket=bucket, Key="present.txt", VersionId=never)),
        ]

    def test_without_list_bucket_a_missing_object_is_forbidden(self) -> None:
        bucket, version = self.bucket()
        s3 = self.reader({"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                          "Resource": f"arn:aws:s3:::{bucket}/*"})
        self.assertEqual(self.missing_reads(s3, bucket),
                         [(403, "403"), (403, "AccessDenied"), (403, "403"), (403, "AccessDenied")])
        # an object that exists is read as before
        self.assertEqual(self.status(lambda: s3.head_object(Bucket=bucket, Key="present.txt")), (200, None))
        self.assertEqual(self.status(lambda: s3.get_object(Bucket=bucket, Key="present.txt", VersionId=version)),
                         (200, None))

    def test_with_list_bucket_a_missing_object_is_not_found(self) -> None:
        bucket, _ = self.bucket()
        s3 = self.reader({"Effect": "Allow", "Action": "s3:GetObject*", "Resource": f"arn:aws:s3:::{bucket}/*"},
                         {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"})
        self.assertEqual(self.missing_reads(s3, bucket),
                         [(404, "404"), (404, "NoSuchKey"), (404, "404"), (404, "NoSuchVersion")])

    def test_list_bucket_on_the_objects_only_is_not_list_bucket(self) -> None:
        bucket, _ = self.bucket()
        s3 = self.reader({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
                          "Resource": f"arn:aws:s3:::{bucket}/*"})
        self.assertEqual(self.status(lambda: s3.head_object(Bucket=bucket, Key="absent.txt")), (403, "403"))

    def test_a_delete_marker_is_missing_too(self) -> None:
        bucket, _ = self.bucket()
        self.client("s3", self.admin[A]).delete_object(Bucket=bucket, Key="present.txt")
        s3 = self.reader({"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"})
        self.assertEqual(self.status(lambda: s3.head_object(Bucket=bucket, Key="present.txt")), (403, "403"))

    def test_bucket_policy_listing_for_the_role_or_the_other_account(self) -> None:
        # same account: a bucket policy naming the role grants s3:ListBucket on its own
        s3, role_arn = self.reader_and_arn({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
        bucket, _ = self.bucket(A, lambda b: policy({"Effect": "Allow", "Principal": {"AWS": role_arn},
                                                      "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{b}"}))
        self.assertEqual(self.status(lambda: s3.head_object(Bucket=bucket, Key="absent.txt")), (404, "404"))
        # same account: one naming the account only delegates to the role's own policy, which lacks it
        bucket, _ = self.bucket(A, lambda b: policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                                                      "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{b}"}))
        self.assertEqual(self.status(lambda: s3.head_object(Bucket=bucket, Key="absent.txt")), (403, "403"))
        # cross-account: the role's policy and B's bucket policy must both allow it
        lister = self.reader({"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"})
        bucket, _ = self.bucket(B, lambda b: policy({"Effect": "Allow", "Principal": {"AWS": A},
                                                      "Action": ["s3:GetObject", "s3:ListBucket"],
                                                      "Resource": [f"arn:aws:s3:::{b}", f"arn:aws:s3:::{b}/*"]}))
        self.assertEqual(self.status(lambda: lister.head_object(Bucket=bucket, Key="absent.txt")), (404, "404"))
        bucket, _ = self.bucket(B, lambda b: policy({"Effect": "Allow", "Principal": {"AWS": A},
                                                      "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{b}/*"}))
        self.assertEqual(self.status(lambda: lister.head_object(Bucket=bucket, Key="absent.txt")), (403, "403"))

    def test_administrator_sessions_and_missing_buckets_answer_as_before(self) -> None:
        bucket, _ = self.bucket()
        admin = self.client("s3", self.admin[A])  # local-aws-admin is never created in IAM
        self.assertEqual(self.status(lambda: admin.head_object(Bucket=bucket, Key="absent.txt")), (404, "404"))
        self.assertEqual(self.status(lambda: admin.get_object(Bucket=bucket, Key="absent.txt")), (404, "NoSuchKey"))
        s3 = self.reader()
        self.assertEqual(self.status(lambda: s3.get_object(Bucket="s3-access-no-such-bucket", Key="k")),
                         (404, "NoSuchBucket"))


if __name__ == "__main__":
    unittest.main()
