"""Buckets and keys of another region, through localaws.s3_regions and localaws.kms_fidelity
(stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

One emulator (``launcher.py serve``: moto plus our layer) on 127.0.0.1 for the whole file.

* S3 serves a bucket in its own region only: a request signed for another region is answered
  301 ``PermanentRedirect`` "The bucket you are attempting to access must be addressed using the
  specified endpoint. Please send all future requests to this endpoint." with
  ``x-amz-bucket-region`` (AWS's answers quoted in yanganto/s3rs#18, transloadit/uppy#713,
  awslabs/mountpoint-s3#1); a HEAD gets a bare 301 (S3 API Reference, HeadObject: a HEAD error
  "returns a generic code"). botocore follows that redirect by itself (``S3RegionRedirectorv2``),
  so these tests send raw SigV4-signed requests to see the wire, and one boto3 call to show the
  redirect is followed; the Rust SDK does not follow it (awslabs/aws-sdk-rust#183).
* GetBucketLocation answers from any region: "In a bucket's home Region, calls to the
  GetBucketLocation operation are governed by the bucket's policy. In other Regions, the bucket
  policy doesn't apply, which means that cross-account access won't be authorized" (S3 API
  Reference, GetBucketLocation).
* KMS answers a key ARN of another region ``NotFoundException`` "Invalid arn <that region>"
  (LocalStack's AWS-validated recording ``TestKMS::test_get_key_in_different_region``, judged by
  tests/conformance/cases/kms.py for DescribeKey); GetKeyPolicy and PutKeyPolicy go through the
  same check.
"""

from __future__ import annotations

import itertools
import json
import unittest
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from typing import Any

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

import launcher

A, B = "111111111111", "222222222222"
HOME, OTHER = "eu-west-1", "us-east-1"
REDIRECT = ("The bucket you are attempting to access must be addressed using the specified endpoint. "
            "Please send all future requests to this endpoint.")


class RegionsTest(unittest.TestCase):
    endpoint: str
    numbers = itertools.count(1)

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.creds = {account: launcher.assumed_credentials(cls.endpoint, launcher.admin_role(account), "regions")
                     for account in (A, B)}

    def client(self, service: str, region: str, account: str = A) -> Any:
        extra: dict[str, Any] = {"retries": {"max_attempts": 1}}
        if service == "s3":
            extra["s3"] = {"addressing_style": "path"}
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            config=Config(**extra), **self.creds[account])

    def bucket(self, region: str = HOME) -> str:
        """A bucket in ``region`` holding ``present.txt``."""
        s3 = self.client("s3", region)
        name = f"regions-{next(self.numbers)}"
        args: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**args)
        s3.put_object(Bucket=name, Key="present.txt", Body=b"x")
        return name

    def raw(self, method: str, path: str, region: str, account: str = A,
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        """One path-style request signed for ``region``, sent without following redirects."""
        c = self.creds[account]
        request = AWSRequest(method=method, url=self.endpoint + path, data=body)
        S3SigV4Auth(Credentials(c["aws_access_key_id"], c["aws_secret_access_key"], c["aws_session_token"]),
                    "s3", region).add_auth(request)
        prepared = request.prepare()
        sent = urllib.request.Request(prepared.url, data=prepared.body or None, method=method,
                                      headers=dict(prepared.headers))
        try:
            with urllib.request.urlopen(sent, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read()

    def assert_redirect(self, answer: tuple[int, dict[str, str], bytes], bucket: str) -> None:
        status, headers, body = answer
        self.assertEqual(status, 301)
        self.assertEqual(headers.get("x-amz-bucket-region"), HOME)
        error = ET.fromstring(body)
        self.assertEqual(error.findtext("Code"), "PermanentRedirect")
        self.assertEqual(error.findtext("Message"), REDIRECT)
        self.assertEqual(error.findtext("Bucket"), bucket)
        self.assertTrue(error.findtext("Endpoint"))

    # --- S3 -------------------------------------------------------------------------------------

    def test_requests_signed_for_another_region_are_redirected(self) -> None:
        bucket = self.bucket()
        self.assert_redirect(self.raw("GET", f"/{bucket}/present.txt", OTHER), bucket)
        self.assert_redirect(self.raw("PUT", f"/{bucket}/new.txt", OTHER, body=b"y"), bucket)
        self.assert_redirect(self.raw("GET", f"/{bucket}?versioning", OTHER), bucket)
        self.assert_redirect(self.raw("GET", f"/{bucket}?list-type=2", OTHER), bucket)
        self.assert_redirect(self.raw("DELETE", f"/{bucket}/present.txt", OTHER), bucket)
        for path in (f"/{bucket}/present.txt", f"/{bucket}"):  # HeadObject, HeadBucket: no body
            status, headers, body = self.raw("HEAD", path, OTHER)
            self.assertEqual((status, headers.get("x-amz-bucket-region"), body), (301, HOME, b""))
        # nothing was written or deleted
        s3 = self.client("s3", HOME)
        self.assertEqual([o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]], ["present.txt"])
        # in its own region the bucket answers as before
        status, _, body = self.raw("GET", f"/{bucket}/present.txt", HOME)
        self.assertEqual((status, body), (200, b"x"))

    def test_boto3_follows_the_redirect(self) -> None:
        bucket = self.bucket()
        answer = self.client("s3", OTHER).get_object(Bucket=bucket, Key="present.txt")
        self.assertEqual(answer["Body"].read(), b"x")
        self.assertEqual(self.client("s3", OTHER).head_bucket(Bucket=bucket)["BucketRegion"], HOME)

    def test_get_bucket_location_answers_the_owner_from_any_region(self) -> None:
        bucket = self.bucket()
        for region in (OTHER, HOME, "ap-southeast-2"):
            location = self.client("s3", region).get_bucket_location(Bucket=bucket)
            self.assertEqual(location["LocationConstraint"], HOME)
        status, _, body = self.raw("GET", f"/{bucket}?location", OTHER, account=B)
        self.assertEqual((status, ET.fromstring(body).findtext("Code")), (403, "AccessDenied"))

    def test_create_and_list_buckets_and_us_east_1_buckets_are_not_redirected(self) -> None:
        bucket = self.bucket()
        with self.assertRaises(ClientError) as caught:
            self.client("s3", HOME).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": HOME})
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)
        status, _, _ = self.raw("GET", "/", OTHER)
        self.assertEqual(status, 200)
        classic = self.bucket("us-east-1")
        status, _, body = self.raw("GET", f"/{classic}/present.txt", HOME)
        self.assertEqual((status, body), (200, b"x"))

    # --- KMS ------------------------------------------------------------------------------------

    def test_kms_key_arn_of_another_region_is_not_found(self) -> None:
        arn = self.client("kms", "us-west-2").create_key()["KeyMetadata"]["Arn"]
        kms = self.client("kms", "us-east-1")
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{A}:root"}, "Action": "kms:*", "Resource": "*"}]})
        calls = {
            "DescribeKey": lambda: kms.describe_key(KeyId=arn),
            "GetKeyPolicy": lambda: kms.get_key_policy(KeyId=arn, PolicyName="default"),
            "PutKeyPolicy": lambda: kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=policy),
        }
        for name, call in calls.items():
            with self.subTest(name), self.assertRaises(ClientError) as caught:
                call()
            error = caught.exception.response["Error"]
            self.assertEqual((error["Code"], error["Message"]), ("NotFoundException", "Invalid arn us-west-2"))


if __name__ == "__main__":
    unittest.main()
