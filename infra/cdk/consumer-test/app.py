#!/usr/bin/env python3
# A user's own CDK app (Python), as the README shows it: the same replication as app.ts.
# consumer-test/run.sh runs it in a fresh venv that installed the built wheel by name.
import aws_cdk as cdk
from aws_cdk import aws_kms as kms, aws_lambda as lambda_, aws_s3 as s3
from s3_kms_replication_cdk import (
    ReplicationCodeOptions,
    ReplicationDestination,
    ReplicationRule,
    ReplicationSource,
)

app = cdk.App()

# The release zips, unpacked as lambda/replication-setup/bootstrap.zip and
# lambda/replica-verifier/bootstrap.zip (`make package`: x86_64).
code = ReplicationCodeOptions(prebuilt_dir="lambda")
architecture = lambda_.Architecture.X86_64

# Account B, D's region.
b = cdk.Stack(app, "ReplicationDestination", env=cdk.Environment(account="222222222222", region="eu-west-1"))
destination = ReplicationDestination(
    b,
    "Replication",
    destination_bucket=s3.Bucket.from_bucket_name(b, "D", "my-destination"),
    destination_kms_key=kms.Key.from_key_arn(b, "KB", "arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21"),
    source_account_id="111111111111",
    source_bucket="my-source",
    code=code,
    architecture=architecture,
    scheduled_check=True,  # optional: the doctor's checks every hour, with alarms
    liveness=True,  # optional: alarm when the source's hourly canary stops arriving
)
cdk.CfnOutput(b, "WrongKeyAlarm", value=destination.alarms.replica_wrong_key.alarm_name)

# Account A, S's region.
a = cdk.Stack(app, "ReplicationSource", env=cdk.Environment(account="111111111111", region="eu-west-1"))
source = ReplicationSource(
    a,
    "Replication",
    source_bucket=s3.Bucket.from_bucket_name(a, "S", "my-source"),
    source_kms_key=kms.Key.from_key_arn(a, "KA", "arn:aws:kms:eu-west-1:111111111111:key/5c2b7a1e-3f4d-4b6a-8e9f-0a1b2c3d4e5f"),
    destination_bucket="my-destination",
    destination_account_id="222222222222",
    destination_kms_key="arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21",
    code=code,
    architecture=architecture,
    rules=[ReplicationRule(id="to-destination", prefix="replicated/", tags={"team": "storage"})],  # optional
    scheduled_check=True,
    liveness=True,
)
cdk.CfnOutput(a, "ReplicationRoleArn", value=source.role_arn)

app.synth()
