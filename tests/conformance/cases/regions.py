"""A bucket of another region, reached with a client of us-east-1, as AWS answered it.

Recorded in LocalStack's AWS-validated ``TestS3::test_region_header_exists_outside_us_east_1``
(tests/aws/services/s3/test_s3.py, recorded 21-02-2026): a boto3 client of us-east-1 creates a
bucket with ``LocationConstraint: us-west-2``, then calls HeadBucket and ListObjectsV2 on it. S3
answers the first attempt of each with a redirect to us-west-2 (301 ``PermanentRedirect`` with
``x-amz-bucket-region``, modelled by ``localaws.s3_regions``), which botocore follows by itself
(``S3RegionRedirectorv2``: it re-signs for the bucket's region and sends again); the recording
holds the answers after that redirect, which these cases compare. So they judge that the
redirect carries what a client needs to follow it (the region), and that the bucket then
answers with its region (``BucketRegion``). The wire format of the redirect itself (status,
body, the bare HEAD) has no recording here and is tested in tests/local-aws/test_regions.py.

The snapshot's transformers wrote the bucket ``<bucket-name:1>``, ``arn:aws:`` as
``arn:<partition>:`` and the region us-west-2 as ``<region>``; the answer goes through the same
replacements. ``AccessPointAlias`` is in the recording but its test skips verifying it; the case
compares it anyway (the emulator answers it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from framework import Case, Recording, World, answer

SNAPSHOT = "tests/aws/services/s3/test_s3.snapshot.json"
TEST = "tests/aws/services/s3/test_s3.py::TestS3::test_region_header_exists_outside_us_east_1"
RECORDED = "21-02-2026, 00:16:55"
REGION = "us-west-2"

OK = {"HTTPStatusCode": 200}

_runs: dict[int, dict[str, Any]] = {}


def _seen(value: Any, subs: list[tuple[str, str]]) -> Any:
    if isinstance(value, dict):
        return {k: _seen(v, subs) for k, v in value.items()}
    if isinstance(value, list):
        return [_seen(v, subs) for v in value]
    if isinstance(value, str):
        for old, new in subs:
            value = value.replace(old, new)
    return value


def _scenario(world: World) -> dict[str, Any]:
    if id(world) not in _runs:
        s3 = world.client("s3")  # us-east-1
        bucket = world.name("region-header")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        got = {
            "head_bucket": answer(lambda: s3.head_bucket(Bucket=bucket)),
            "list_objects_v2": answer(lambda: s3.list_objects_v2(Bucket=bucket)),
        }
        subs = [("arn:aws:", "arn:<partition>:"), (bucket, "<bucket-name:1>"), (REGION, "<region>")]
        _runs[id(world)] = _seen(got, subs)
    return _runs[id(world)]


def _replayed(key: str) -> Callable[[World], Any]:
    return lambda world: _scenario(world)[key]


CASES: list[Case] = [
    Case(name="head_bucket_other_region_client", operation="s3:HeadBucket",
         source=Recording(SNAPSHOT, TEST, "head_bucket", RECORDED), run=_replayed("head_bucket"),
         expect={"AccessPointAlias": False, "BucketArn": "arn:<partition>:s3:::<bucket-name:1>",
                 "BucketRegion": "<region>", "ResponseMetadata": OK}),
    Case(name="list_objects_v2_other_region_client", operation="s3:ListObjectsV2",
         source=Recording(SNAPSHOT, TEST, "list_objects_v2", RECORDED), run=_replayed("list_objects_v2"),
         expect={"EncodingType": "url", "IsTruncated": False, "KeyCount": 0, "MaxKeys": 1000,
                 "Name": "<bucket-name:1>", "Prefix": "", "ResponseMetadata": OK}),
]
