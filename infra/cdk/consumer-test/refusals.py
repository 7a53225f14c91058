# Synth-time refusals from the installed wheel: jsii hands the construct's Error to Python with
# its message (prop and fix). Run by consumer-test/run.sh.
import re

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from s3_kms_replication_cdk import ReplicationCodeOptions, ReplicationDestination, ReplicationSource


def refused(what, build, expected):
    try:
        build()
    except Exception as e:  # jsii raises the JavaScript Error as a Python exception
        message = str(e)
        if not re.search(expected, message):
            raise AssertionError(f"{what}: unexpected {type(e).__name__}: {message}") from e
        print(f"refused as expected ({what}, {type(e).__name__}): {message[:160]}…")
        return
    raise AssertionError(f"{what}: synth accepted it")


def stack(id, account):
    return cdk.Stack(cdk.App(), id, env=cdk.Environment(account=account, region="eu-west-1"))


refused(
    "an alias for a key",
    lambda: ReplicationSource(
        stack("A", "111111111111"),
        "Replication",
        source_bucket="my-source",
        source_kms_key="alias/replicas",
        destination_bucket="my-destination",
        destination_account_id="222222222222",
        destination_kms_key="arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21",
        code=ReplicationCodeOptions(prebuilt_dir="lambda"),
        architecture=lambda_.Architecture.X86_64,
    ),
    r"ReplicationSource \(A/Replication\) sourceKmsKey: alias/replicas is an alias, not a key\. Fix: give the key itself",
)
refused(
    "no code, installed package",
    lambda: ReplicationDestination(
        stack("B", "222222222222"),
        "Replication",
        destination_bucket="my-destination",
        destination_kms_key="arn:aws:kms:eu-west-1:222222222222:key/0b7d0c4e-7a4f-4c5e-9a55-1d5a5e0e3b21",
        source_account_id="111111111111",
        source_bucket="my-source",
    ),
    r"ReplicationDestination \(B/Replication\) code: neither code\.prebuiltDir nor code\.manifestPath is set, .*\. Fix: set code\.prebuiltDir .* or code\.manifestPath ",
)
