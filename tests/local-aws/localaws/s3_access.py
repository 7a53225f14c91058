"""HeadObject/GetObject of a key that does not exist, answered by what the caller may list.

The gap: moto answers every read of a missing key or version 404 (``NoSuchKey``,
``NoSuchVersion``, a bare 404 for HEAD), whoever asks. S3 tells a caller that an object does not
exist only if the caller may list the bucket: "If the object you request doesn't exist, the
error that Amazon S3 returns depends on whether you also have the s3:ListBucket permission. If
you have the s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP status code 404
Not Found error. If you don't have the s3:ListBucket permission, Amazon S3 returns an HTTP
status code 403 Forbidden error" (S3 API Reference, HeadObject, "Permissions"; GetObject says
the same with "404 Not Found ("no such key")" and "403 ("access denied")"). A verifier or
doctor that runs under a role without s3:ListBucket therefore sees 403 where the emulator used
to say 404, and must not read "403" as "not replicated yet".

Closed here, for GetObject and HeadObject (with or without ``versionId``): when moto would answer
404 for a missing key or version (also a HEAD whose current version is a delete marker) in a
bucket that exists, and the caller is an IAM role that exists in the emulator (``_principals.
caller_role``: the role an ``sts:AssumeRole`` access key stands for), the role's identity
policies and the bucket policy are evaluated for ``s3:ListBucket`` on ``arn:aws:s3:::<bucket>``
(``_principals.RoleAccess``: same account, either allows -- an account principal delegates;
cross-account, both must; a Deny wins). Without it the answer is 403: GetObject
``AccessDenied`` "Access Denied", HeadObject a bare 403 ("if the HEAD request generates an
error, it returns a generic code, such as [...] 403 Forbidden", HeadObject). A caller whose
role does not exist in IAM -- the tests' administrator sessions, which assume
``arn:aws:iam::<account>:role/local-aws-admin`` and never create it -- and callers with other
credentials are not checked, as before.

To see both answers, a test (Python or Rust alike) needs only the ordinary APIs: CreateRole
(any trust policy: moto's AssumeRole does not check it), PutRolePolicy with or without
``s3:ListBucket`` on the bucket, ``sts:AssumeRole`` of that role's ARN, and a client with the
returned credentials (see tests/local-aws/test_s3_access.py).

Not closed: whether the caller may read an object that exists (s3:GetObject) is not checked, nor
are session policies, ACLs, object ownership, condition keys S3 sets for ListBucket
(``s3:prefix`` and the like are treated as satisfied) or presigned URLs (their callers are not
identified).
"""

from __future__ import annotations

from typing import Any

from moto.s3.exceptions import MissingKey, MissingVersion
from moto.s3.models import FakeBucket, s3_backends
from moto.s3.responses import S3Response

from ._patching import Func, wrap
from ._principals import RoleAccess, caller_role
from .s3_object_reads import _Error

_TAG = "s3_access"


def install() -> None:
    """Patch moto's S3 responses (idempotent); after ``s3_object_reads``, so that its
    validations answer first."""
    wrap(S3Response, "get_object", _TAG, _listing_checked_get)
    wrap(S3Response, "head_object", _TAG, _listing_checked_head)


def may_list(response: S3Response, bucket: FakeBucket) -> bool:
    """Whether the request's caller may be told that a key does not exist in ``bucket``."""
    role = caller_role(response.get_access_key())
    if role is None:
        return True  # not a role the emulator knows: an administrator, as before
    return RoleAccess(role).s3("s3:ListBucket", bucket, bucket.arn)


def _bucket(name: str) -> FakeBucket | None:
    owner = s3_backends.bucket_accounts.get(name)
    if owner is None:
        return None
    partition, account = owner
    return s3_backends[account][partition].buckets.get(name)


def _listing_checked_get(original: Func) -> Func:
    def get_object(self: S3Response, *args: Any, **kwargs: Any) -> Any:
        try:
            return original(self, *args, **kwargs)
        except (MissingKey, MissingVersion):
            bucket = _bucket(self.bucket_name)
            if bucket is not None and not may_list(self, bucket):
                return _Error("AccessDenied", "Access Denied", status=403).response()
            raise

    return get_object


def _listing_checked_head(original: Func) -> Func:
    def head_object(self: S3Response, bucket_name: str, *args: Any, **kwargs: Any) -> Any:
        status, headers, body = original(self, bucket_name, *args, **kwargs)
        if status == 404:
            bucket = _bucket(bucket_name)
            if bucket is not None and not may_list(self, bucket):
                return 403, {}, ""
        return status, headers, body

    return head_object
