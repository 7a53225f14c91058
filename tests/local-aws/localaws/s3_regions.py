"""A bucket is addressed in its own region: requests signed for another region are redirected.

The gap: moto serves every bucket from every region. S3 serves a bucket from its own region's
endpoint only; a request that reaches another region's endpoint (an SDK client configured for
region X sends to ``s3.X.amazonaws.com`` and signs for X) is answered 301 Moved Permanently,
``PermanentRedirect`` "The bucket you are attempting to access must be addressed using the
specified endpoint. Please send all future requests to this endpoint.", with the bucket's region
in the ``x-amz-bucket-region`` header. Quoted from AWS's answers in public threads: a client
configured for us-east-1, bucket in ap-northeast-1 (yanganto/s3rs#18: status 301, header
``x-amz-bucket-region: ap-northeast-1``, ``content-type: application/xml``, body ``<Error><Code>
PermanentRedirect</Code><Message>...</Message><Endpoint>...</Endpoint><Bucket>...</Bucket>
<RequestId>...</RequestId><HostId>...</HostId></Error>``); the same for a path-style request to
``s3.us-east-2.amazonaws.com/<bucket>/...`` of a us-east-1 bucket (transloadit/uppy#713), for a
bucket in us-west-2 (awslabs/mountpoint-s3#1); the Rust SDK surfaces it as ``unhandled error
(PermanentRedirect)`` with that message (PierreBeucher/novops#114; awslabs/aws-sdk-rust#183). A
HEAD error has no body ("if the HEAD request generates an error, it returns a generic code":
S3 API Reference, HeadObject), so HeadObject/HeadBucket get a bare 301 with the header (botocore's
``S3RegionRedirectorv2`` handles exactly that: a 301 HeadObject, a 301 HeadBucket carrying
``x-amz-bucket-region``). The other answer AWS gives for a wrong region, 400
``AuthorizationHeaderMalformed`` "The authorization header is malformed; the region 'X' is
wrong; expecting 'Y'" (LocalStack's AWS-validated recording ``TestS3::
test_create_bucket_aws_global``; aws/aws-sdk-cpp#1339), is for a request that reached the
bucket's own region (the global endpoint, or an endpoint override) with a signature for another:
the emulator has one endpoint for all regions, which stands for the endpoint of the region a
request is signed for, so it answers the 301.

Closed here, for path-style and virtual-hosted requests to the emulator: the request's region is
the one its URL names (``s3.<region>.amazonaws.com``), else its SigV4 credential scope
(``Authorization`` header or a presigned URL's ``X-Amz-Credential``); a request with neither is
not checked. When that region is not the bucket's, for a bucket created with a
``LocationConstraint`` (any region but us-east-1), S3 answers 301 as above (GET/PUT/POST/DELETE
with the XML body; ``Endpoint`` is ``<bucket>.s3.<region>.amazonaws.com``, a form SDKs do not read
-- they use the header), except:

* CreateBucket (a PUT of the bucket without a subresource) and ListBuckets (no bucket) answer as
  before;
* GetBucketLocation answers from any region, as the API Reference says: "In a bucket's home
  Region, calls to the GetBucketLocation operation are governed by the bucket's policy. In other
  Regions, the bucket policy doesn't apply, which means that cross-account access won't be
  authorized" -- from another region the bucket owner gets the location, any other account 403
  ``AccessDenied`` "Access Denied".

HeadBucket (the call SDKs use to find a bucket's region) also answers ``x-amz-bucket-arn`` and
``x-amz-access-point-alias: false`` next to ``x-amz-bucket-region``, as recorded in LocalStack's
AWS-validated ``TestS3::test_create_bucket_head_bucket`` (``head_bucket_filtered_header``; SDK
fields ``BucketArn``, ``AccessPointAlias``); moto sent the region only.

Not closed: buckets in us-east-1 are served from every region (AWS redirects those too:
transloadit/uppy#713, where the ``Endpoint`` is ``s3.amazonaws.com``), so that tests which reach
a us-east-1 bucket with a client of another region keep working; the ``aws-global`` pseudo-region
and AuthorizationHeaderMalformed; HeadBucket's "always return the bucket's location [...] whether
access to the bucket is authorized or not".
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

from moto.s3.models import FakeBucket, s3_backends
from moto.s3.responses import S3Response
from moto.s3.utils import parse_region_from_url

from ._patching import Func, wrap
from .s3_object_reads import _Error

_TAG = "s3_regions"
HOME = "us-east-1"
REDIRECT_MESSAGE = (
    "The bucket you are attempting to access must be addressed using the specified endpoint. "
    "Please send all future requests to this endpoint."
)
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/s3/aws4_request")


def install() -> None:
    """Patch moto's S3 responses (idempotent)."""
    wrap(S3Response, "_bucket_response", _TAG, _regional(bucket_level=True))
    wrap(S3Response, "_key_response", _TAG, _regional(bucket_level=False))
    wrap(S3Response, "head_bucket", _TAG, _bucket_identity_headers)


def _bucket_identity_headers(original: Func) -> Func:
    def head_bucket(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        status, headers, body = original(self, *args, **kwargs)
        bucket = _bucket(self.bucket_name) if status == 200 else None
        if bucket is not None:
            headers["x-amz-bucket-arn"] = bucket.arn
            headers["x-amz-access-point-alias"] = "false"
        return status, headers, body

    return head_bucket


def request_region(request: Any, full_url: str) -> str | None:
    """The region a request is addressed to: its URL's, else its SigV4 credential scope's."""
    region = parse_region_from_url(full_url, use_default_region=False)
    if region:
        return region
    match = _SCOPE.search(request.headers.get("Authorization", "") or "")
    if match:
        return match.group(1)
    credential = parse_qs(urlparse(full_url).query).get("X-Amz-Credential", [""])[0]
    parts = credential.split("/")
    return parts[2] if len(parts) >= 5 and parts[3] == "s3" else None


def _bucket(name: str) -> FakeBucket | None:
    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    partition, account = owner
    return s3_backends[account][partition].buckets.get(name)


def _regional(*, bucket_level: bool) -> Any:
    def make(original: Func) -> Func:
        def respond(self: S3Response, request: Any, full_url: str, *args: Any, **kwargs: Any) -> Any:
            answer = _wrong_region(self, request, full_url, bucket_level)
            if answer is not None:
                return answer
            return original(self, request, full_url, *args, **kwargs)

        return respond

    return make


def _wrong_region(
    response: S3Response, request: Any, full_url: str, bucket_level: bool
) -> tuple[int, dict[str, str], str] | None:
    """S3's answer to a request for a bucket of another region, or ``None`` to serve it."""
    name = getattr(response, "bucket_name", None)
    bucket = _bucket(name) if name else None
    if bucket is None or bucket.region_name == HOME:
        return None
    region = request_region(request, full_url)
    if region is None or region == bucket.region_name:
        return None
    method = request.method.upper()
    query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
    if bucket_level and method == "PUT" and not query:
        return None  # CreateBucket: moto answers it (BucketAlreadyOwnedByYou, ...)
    if bucket_level and method == "GET" and "location" in query:
        if response.get_current_account() == bucket.account_id:
            return None
        return _Error("AccessDenied", "Access Denied", status=403).response()
    headers = {"x-amz-bucket-region": bucket.region_name}
    if method == "HEAD":
        return 301, headers, ""
    status, xml_headers, body = _Error(
        "PermanentRedirect",
        REDIRECT_MESSAGE,
        status=301,
        endpoint=f"{bucket.name}.s3.{bucket.region_name}.amazonaws.com",
        bucket=bucket.name,
    ).response()
    return status, {**xml_headers, **headers}, body
