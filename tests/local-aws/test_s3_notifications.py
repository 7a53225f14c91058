"""GetBucketNotificationConfiguration answers EventBridgeConfiguration when it is on
(localaws.s3_notification_targets; stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

S3 API Reference, GetBucketNotificationConfiguration: the output is a NotificationConfiguration,
whose EventBridgeConfiguration "Enables delivery of events to Amazon EventBridge". A PUT replaces
the whole configuration, so a caller keeps EventBridge on only if the GET shows it.
"""

from __future__ import annotations

import unittest
import uuid
from typing import Any

import boto3
from botocore.config import Config

import launcher

A = "111111111111"


class EventBridgeConfigurationTest(unittest.TestCase):
    endpoint: str

    @classmethod
    def setUpClass(cls) -> None:
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        creds = launcher.assumed_credentials(cls.endpoint, launcher.admin_role(A), "notifications")
        cls.s3: Any = boto3.client("s3", endpoint_url=cls.endpoint, region_name="us-east-1",
                                   config=Config(s3={"addressing_style": "path"}), **creds)
        cls.sqs: Any = boto3.client("sqs", endpoint_url=cls.endpoint, region_name="us-east-1", **creds)

    def bucket(self) -> str:
        name = f"evb-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=name)
        return name

    def test_eventbridge_alone_reads_back(self) -> None:
        bucket = self.bucket()
        self.assertNotIn("EventBridgeConfiguration", self.s3.get_bucket_notification_configuration(Bucket=bucket))
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
        got = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertEqual(got.get("EventBridgeConfiguration"), {})

    def test_eventbridge_beside_a_queue_reads_back_and_goes_when_left_out(self) -> None:
        bucket = self.bucket()
        queue = self.sqs.create_queue(QueueName=f"q-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        config = {"QueueConfigurations": [{"Id": "q", "QueueArn": arn, "Events": ["s3:ObjectRemoved:*"]}],
                  "EventBridgeConfiguration": {}}
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=config, SkipDestinationValidation=True)
        got = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertEqual(got.get("EventBridgeConfiguration"), {})
        self.assertEqual([q["Id"] for q in got["QueueConfigurations"]], ["q"])
        # A PUT without it turns it off, as on AWS (the configuration is replaced whole).
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"QueueConfigurations": config["QueueConfigurations"]},
            SkipDestinationValidation=True)
        self.assertNotIn("EventBridgeConfiguration", self.s3.get_bucket_notification_configuration(Bucket=bucket))


if __name__ == "__main__":
    unittest.main()
