"""S3 replication read-back (gap b) and SSE-KMS key handling (gap c), as AWS does them.

Gap b -- GetBucketReplication returns what was put. moto 5.2.5 keeps the raw XML but answers
every rule with ``Filter: {Prefix: ""}`` and ``DeleteMarkerReplication: Disabled``, drops
``SourceSelectionCriteria``, ``ExistingObjectReplication`` and a legacy top-level ``Prefix``, and
invents ``Priority: 1``. Closed: ``S3Backend.put_bucket_replication`` also stores the body
converted member by member with botocore's model (``_replication_config``), and
``S3Response.get_bucket_replication`` serialises that. Every member of the AWS shape round-trips
(Filter Prefix/Tag/And{Prefix,Tags}, legacy Prefix, Destination with Account, StorageClass,
AccessControlTranslation, EncryptionConfiguration, ReplicationTime, Metrics), ``Priority`` only
when it was put, and a missing rule ``ID`` is generated (as AWS does). The replication engine
(``replication``) reads the same stored dict. What PutBucketReplication refuses is
``s3_bucket_rules``'s.

Gap c -- SSE-KMS as S3 does it. moto stores and echoes the key id exactly as sent and never
checks it. Closed, in ``S3Backend.put_object`` (which PutObject, CopyObject, POST uploads,
CompleteMultipartUpload and our replica writes all go through) and
``S3Backend.create_multipart_upload``:

* the key is resolved (``_kms_keys``): key id, key ARN, ``alias/name`` or alias ARN; ``aws:kms``
  without a key id means the requester's ``aws/s3`` AWS managed key (created in moto's KMS with
  its alias on first use); objects store and report the key ARN;
* bucket default encryption (``aws:kms`` + ``KMSMasterKeyID``) is resolved the same way when the
  request names no algorithm; an explicit ``aws:kms`` without a key id uses ``aws/s3``, not the
  bucket's key (as the PutObject documentation says). GetBucketEncryption still returns the
  KMSMasterKeyID as it was put, as AWS does;
* a missing key answers 400 ``KMS.NotFoundException``, a disabled key 400
  ``KMS.DisabledException``, a key pending deletion 400 ``KMS.KMSInvalidStateException``, and a
  key id without ``x-amz-server-side-encryption: aws:kms`` 400 ``InvalidArgument``; nothing is
  written;
* ``x-amz-server-side-encryption-bucket-key-enabled`` comes from the request header, else from
  the bucket's ``BucketKeyEnabled``; it is only sent when true (moto also sent ``false``), for
  SSE-KMS only;
* HeadObject/GetObject/PutObject/CopyObject report the ARN (also for ``aws:kms:dsse``), and
  CreateMultipartUpload/CompleteMultipartUpload answer the resolved algorithm, key ARN and
  bucket key instead of echoing the request (UploadPart too: ``s3_object_reads``);
  CompleteMultipartUpload in a bucket that never had versioning answers no ``VersionId`` (moto
  sent ``null``; LocalStack's AWS-validated recording ``TestS3::test_s3_multipart_upload_sse``,
  test_s3.snapshot.json, 21-02-2026, has none);
* a key ARN of another region than the bucket is refused (``_kms_keys``), and reading an object
  whose key is disabled or pending deletion fails (``s3_object_reads``), as recorded in
  ``TestS3::test_s3_sse_validate_kms_key`` / ``::test_s3_sse_validate_kms_key_state``.

Also: GetBucketVersioning and an empty GetBucketNotificationConfiguration answer under the
``VersioningConfiguration`` / ``NotificationConfiguration`` roots, as AWS does (moto's
``Get…Response`` roots break the Rust SDK's parsers).

* a write that names no encryption, into a bucket without default encryption, is SSE-S3
  (``AES256``), as S3 does for every new object since January 2023 (moto left it unencrypted).

Also: a HeadObject whose key is longer than S3 allows answers a bare 400, as S3 does (moto
answered 404, which a verifier would retry as "not replicated yet"). S3 User Guide, "Naming
Amazon S3 objects" (object-keys.md): a key is "up to 1,024 bytes long" in UTF-8; S3 API
Reference, "Error responses": ``KeyTooLongError`` "Your key is too long", 400 Bad Request; and a
HEAD error has no body ("if the HEAD request generates an error, it returns a generic code, such
as 400 Bad Request").

GetBucketEncryption's SSE-S3 default for a bucket never configured is ``s3_bucket_rules``'s.
Not closed: KMS key policies and grants are not consulted for the writer
(any account's key ARN is usable), nor key usage/spec; the encryption context header is ignored.
"""

from __future__ import annotations

import copy
import inspect
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult
from moto.s3.exceptions import InvalidArgumentError
from moto.s3.models import FakeBucket, FakeKey, S3Backend
from moto.s3.responses import S3Response

from . import _replication_config
from ._kms_keys import KMS_ALGORITHMS, resolve
from ._patching import Func, wrap

_TAG = "s3_fidelity"
_SSE = "x-amz-server-side-encryption"
_SSE_KEY = "x-amz-server-side-encryption-aws-kms-key-id"
_SSE_BUCKET_KEY = "x-amz-server-side-encryption-bucket-key-enabled"
_MPU_BUCKET_KEY = "localaws_bucket_key"


@dataclass(frozen=True)
class Sse:
    """The server-side encryption S3 applies to one write."""

    algorithm: str | None
    kms_key_arn: str | None = None
    bucket_key: bool = False

    @property
    def is_kms(self) -> bool:
        return self.algorithm in KMS_ALGORITHMS

    def bucket_key_header(self) -> str | None:
        """The value moto stores as ``bucket_key_enabled``."""
        return ("true" if self.bucket_key else "false") if self.is_kms else None


class _MultipartRequest(threading.local):
    """Per request thread: the multipart request's bucket-key header (moto does not pass it to
    the backend) and the encryption of the last write (for the response headers)."""

    bucket_key_header: str | None = None
    sse: Sse | None = None


_mpu = _MultipartRequest()


def install() -> None:
    """Patch moto's S3 models and responses (idempotent)."""
    wrap(S3Backend, "put_bucket_replication", _TAG, _storing_replication)
    wrap(S3Backend, "delete_bucket_replication", _TAG, _clearing_replication)
    wrap(S3Response, "get_bucket_replication", _TAG, _faithful_replication)
    wrap(S3Backend, "put_object", _TAG, _sse_put_object)
    wrap(S3Backend, "create_multipart_upload", _TAG, _sse_create_multipart_upload)
    wrap(S3Backend, "complete_multipart_upload", _TAG, _sse_complete_multipart_upload)
    wrap(FakeKey, "response_dict", _TAG, _sse_response_dict)
    wrap(S3Response, "_key_response_post", _TAG, _sse_multipart_headers)
    wrap(S3Response, "get_bucket_versioning", _TAG, _xml_root("VersioningConfiguration"))
    wrap(S3Response, "get_bucket_notification", _TAG, _xml_root("NotificationConfiguration"))
    wrap(S3Response, "head_object", _TAG, _key_length_checked_head)


MAX_KEY_BYTES = 1024


def _key_length_checked_head(original: Func) -> Func:
    def head_object(
        self: S3Response, bucket_name: str, query: Any, key_name: str, *args: Any, **kwargs: Any
    ) -> Any:
        if len(key_name.encode("utf-8")) > MAX_KEY_BYTES:
            return 400, {}, ""
        return original(self, bucket_name, query, key_name, *args, **kwargs)

    return head_object


def _xml_root(root: str) -> Callable[[Func], Func]:
    """moto serialises GetBucketVersioning and an empty GetBucketNotificationConfiguration under
    a ``<Get…Response>`` root, which the Rust SDK rejects; AWS's root is ``<root>``. Rename it."""
    pattern = re.compile(r"<(/?)Get\w+Response(?=[\s>/])")

    def make(original: Func) -> Func:
        def answer(self: S3Response) -> Any:
            status, headers, body = original(self)
            if isinstance(body, bytes):
                body = body.decode("utf-8")
            return status, headers, pattern.sub(lambda m: f"<{m.group(1)}{root}", body, count=2)

        return answer

    return make


def effective_sse(
    bucket: FakeBucket,
    requester_account: str,
    algorithm: str | None,
    kms_key_id: str | None,
    bucket_key_header: str | None,
) -> Sse:
    """What S3 encrypts a new object with, from the request and the bucket default."""
    if kms_key_id and algorithm not in KMS_ALGORITHMS:
        raise InvalidArgumentError(
            "Server Side Encryption with AWS KMS managed key requires HTTP header "
            "x-amz-server-side-encryption : aws:kms",
            _SSE,
            algorithm or "null",
        )
    rule = (bucket.encryption or {}).get("Rule") or {}
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    # Since 5 January 2023 S3 encrypts every new object: SSE-S3 unless the request or the
    # bucket's default says otherwise.
    effective = algorithm or default.get("SSEAlgorithm") or "AES256"
    if effective not in KMS_ALGORITHMS:
        return Sse(effective)
    key_id = kms_key_id if algorithm else default.get("KMSMasterKeyID")
    key = resolve(key_id, requester_account, bucket.region_name)
    if bucket_key_header is None:
        bucket_key_header = str(rule.get("BucketKeyEnabled", "false"))
    bucket_key = effective == "aws:kms" and bucket_key_header.lower() == "true"
    return Sse(effective, key.arn, bucket_key)


# --- gap b: replication configuration --------------------------------------------------------


def _storing_replication(original: Func) -> Func:
    def put_bucket_replication(
        self: S3Backend, bucket_name: str, replication: dict[str, Any]
    ) -> None:
        config = _replication_config.from_xml(copy.deepcopy(replication))
        original(self, bucket_name, replication)
        for rule, stored in zip(config.get("Rules", []), replication["Rule"]):
            rule.setdefault("ID", stored["ID"])  # moto generated it, as AWS does
        _replication_config.store(self.get_bucket(bucket_name), config)

    return put_bucket_replication


def _clearing_replication(original: Func) -> Func:
    def delete_bucket_replication(self: S3Backend, bucket_name: str) -> None:
        original(self, bucket_name)
        _replication_config.store(self.get_bucket(bucket_name), None)

    return delete_bucket_replication


def _faithful_replication(original: Func) -> Func:
    def get_bucket_replication(self: S3Response) -> Any:
        config = _replication_config.load(self.backend.get_bucket(self.bucket_name))
        if config is None:  # none at all (moto raises the AWS error) or not put through S3
            return original(self)
        self.data["Action"] = "GetBucketReplication"
        return self.serialized(ActionResult({"ReplicationConfiguration": config}))

    return get_bucket_replication


# --- gap c: SSE-KMS ----------------------------------------------------------------------------


def _sse_put_object(original: Func) -> Func:
    signature = inspect.signature(original)

    def put_object(self: S3Backend, *args: Any, **kwargs: Any) -> FakeKey:
        call = signature.bind(self, *args, **kwargs)
        call.apply_defaults()
        request = call.arguments
        sse = effective_sse(
            self.get_bucket(request["bucket_name"]),
            self.account_id,
            request["encryption"],
            request["kms_key_id"],
            request["bucket_key_enabled"],
        )
        request["encryption"] = sse.algorithm
        request["kms_key_id"] = sse.kms_key_arn
        request["bucket_key_enabled"] = sse.bucket_key_header()
        key = original(*call.args, **call.kwargs)
        _mpu.sse = sse
        return key

    return put_object


def _sse_create_multipart_upload(original: Func) -> Func:
    signature = inspect.signature(original)

    def create_multipart_upload(self: S3Backend, *args: Any, **kwargs: Any) -> Any:
        call = signature.bind(self, *args, **kwargs)
        request = call.arguments
        sse = effective_sse(
            self.get_bucket(request["bucket_name"]),
            self.account_id,
            request["sse_encryption"],
            request["kms_key_id"],
            _mpu.bucket_key_header,
        )
        request["sse_encryption"] = sse.algorithm
        request["kms_key_id"] = sse.kms_key_arn
        multipart = original(*call.args, **call.kwargs)
        setattr(multipart, _MPU_BUCKET_KEY, sse.bucket_key)
        _mpu.sse = sse
        return multipart

    return create_multipart_upload


def _sse_complete_multipart_upload(original: Func) -> Func:
    def complete_multipart_upload(
        self: S3Backend, bucket_name: str, multipart_id: str, body: Any
    ) -> FakeKey | None:
        multipart = self.get_bucket(bucket_name).multiparts.get(multipart_id)
        key = original(self, bucket_name, multipart_id, body)
        if key is None or multipart is None or _mpu.sse is None:
            return key
        bucket_key = getattr(multipart, _MPU_BUCKET_KEY, False) and _mpu.sse.is_kms
        sse = Sse(_mpu.sse.algorithm, _mpu.sse.kms_key_arn, bucket_key)
        key.bucket_key_enabled = sse.bucket_key_header()
        _mpu.sse = sse
        return key

    return complete_multipart_upload


def _sse_response_dict(original: Func) -> Func:
    def response_dict(self: FakeKey) -> dict[str, Any]:
        headers = original(self)
        if self.encryption in KMS_ALGORITHMS and self.kms_key_id:
            headers[_SSE_KEY] = self.kms_key_id
        if str(headers.get(_SSE_BUCKET_KEY)).lower() != "true":
            headers.pop(_SSE_BUCKET_KEY, None)
        return headers

    return response_dict


def _sse_multipart_headers(original: Func) -> Func:
    """CreateMultipartUpload and CompleteMultipartUpload answer the encryption S3 applied."""

    def key_response_post(self: S3Response, request: Any, *args: Any, **kwargs: Any) -> Any:
        _mpu.sse, _mpu.bucket_key_header = None, request.headers.get(_SSE_BUCKET_KEY)
        try:
            status, headers, body = original(self, request, *args, **kwargs)
        finally:
            sse, _mpu.sse, _mpu.bucket_key_header = _mpu.sse, None, None
        if sse is not None and status == 200:
            _set_sse_headers(headers, sse)
        if status == 200 and str(headers.get("x-amz-version-id")) == "null":
            # A bucket that never had versioning reports no version (moto sent ``null``).
            bucket = self.backend.get_bucket(self.bucket_name)
            if not getattr(bucket, "versioning_status", None):
                del headers["x-amz-version-id"]
        return status, headers, body

    return key_response_post


def _set_sse_headers(headers: dict[str, Any], sse: Sse) -> None:
    for name in [h for h in headers if h.lower() in (_SSE, _SSE_KEY, _SSE_BUCKET_KEY)]:
        del headers[name]
    if sse.algorithm:
        headers[_SSE] = sse.algorithm
    if sse.kms_key_arn:
        headers[_SSE_KEY] = sse.kms_key_arn
    if sse.bucket_key:
        headers[_SSE_BUCKET_KEY] = "true"

