"""S3 object reads, versions and SSE-C, as AWS answered them (LocalStack's AWS-validated
recordings, github.com/localstack/localstack@8b9a79f05846, judged by tests/conformance/cases/
s3_objects.py).

* GetObject of an SSE-KMS object whose key is disabled answers 400 ``KMS.DisabledException``
  "<key ARN> is disabled.", pending deletion 400 ``KMS.KMSInvalidStateException`` "<key ARN> is
  pending deletion." (test_s3.py ``TestS3::test_s3_sse_validate_kms_key_state``, recorded
  21-02-2026): S3 asks KMS to decrypt the data key on every GET. moto answered 200. HeadObject
  does not read the data and stays 200: no recording shows a HEAD error, and LocalStack's
  AWS-validated provider consults KMS on GET only (``validate_kms_key_id`` in ``get_object``,
  not in ``head_object``).
* SSE-C (``TestS3SSECEncryption::test_put_object_lifecycle_with_sse_c`` and
  ``::test_object_retrieval_sse_c``): a write with ``x-amz-server-side-encryption-customer-*``
  headers stores the key's MD5 and answers ``SSECustomerAlgorithm``/``SSECustomerKeyMD5``
  instead of ``ServerSideEncryption`` (moto ignored the headers and we reported SSE-S3); a key
  that is not 256 bits answers 400 ``InvalidArgument`` "The secret key was invalid for the
  specified algorithm.", a wrong MD5 400 ``InvalidArgument`` "The calculated MD5 hash of the key
  did not match the hash that was provided."; reading it without the headers answers 400
  ``InvalidRequest`` "The object was stored using a form of Server Side Encryption. The correct
  parameters must be provided to retrieve the object.", with an algorithm other than AES256 400
  ``InvalidEncryptionAlgorithmError``, with another key 403 ``AccessDenied`` "Requests
  specifying Server Side Encryption with Customer provided keys must provide the correct secret
  key."; HEAD answers the same status without a body (400 / 403).
* ``x-amz-version-id: null``: GetObject and HeadObject of an object written before versioning
  was enabled, in a bucket that is (or was) versioned, report ``VersionId: null``
  (``TestS3::test_s3_put_object_versioned``; moto left it out, which a verifier reading
  VersionId from HeadObject sees as "no version"). CompleteMultipartUpload in a bucket that never
  had versioning reports no version (moto sent ``null``).
* ``ChecksumType: FULL_OBJECT`` next to the object's checksum on PutObject and GetObject, as S3
  answers for a single-part object written with a checksum (every recording of test_s3.py).
* version ids (test_s3_api.py ``TestS3ObjectCRUD::test_delete_object_versioned``,
  ``::test_delete_object``, ``::test_get_object_with_version_unversioned_bucket``): a version
  id S3 could not have issued answers 400 ``InvalidArgument`` "Invalid version id specified"
  (``ArgumentName: versionId``) on GetObject and DeleteObject (moto: 404 / 204). Here "could
  have issued" is ``null`` or moto's version-id form (a lowercase UUID4); a well-formed id of
  no version answers 404 ``NoSuchVersion`` with ``Key`` and ``VersionId``. GetObject of a
  delete marker by its version id answers 405 ``MethodNotAllowed`` (``Method: GET``,
  ``ResourceType: DeleteMarker``); deleting a delete marker by version id answers
  ``DeleteMarker: true``; DeleteObject without a version id in a versioned bucket adds a delete
  marker even when the key does not exist (moto answered nothing).
* ListObjectVersions echoes ``EncodingType`` when the request set it (boto3 sends ``url``),
  lists each version's ``ChecksumAlgorithm`` and ``ChecksumType``, and no ``Owner.DisplayName``
  (S3 stopped returning display names in 2025; the recordings have none).
* UploadPart answers the upload's SSE-KMS headers (``ServerSideEncryption``, ``SSEKMSKeyId``,
  ``BucketKeyEnabled``), as ``TestS3::test_s3_multipart_upload_sse`` recorded.

Not closed: SSE-C objects are stored unencrypted and CopyObject/UploadPart ignore SSE-C; a
multipart object's full-object CRC64NVME checksum; ETags of SSE-KMS/SSE-C objects are still the
MD5 of the data (AWS's are not).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import threading
from typing import Any

from moto.s3.exceptions import InvalidVersion, MethodNotAllowed, MissingVersion
from moto.s3.models import FakeBucket, FakeDeleteMarker, FakeKey, S3Backend
from moto.s3.responses import S3Response

from ._kms_keys import KMS_ALGORITHMS, check_usable_arn
from ._patching import Func, wrap

_TAG = "s3_object_reads"
SSE_C_MD5 = "localaws_sse_c_md5"
_C_ALGO = "x-amz-server-side-encryption-customer-algorithm"
_C_KEY = "x-amz-server-side-encryption-customer-key"
_C_MD5 = "x-amz-server-side-encryption-customer-key-md5"
_VERSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class _Put(threading.local):
    """The SSE-C key MD5 of the PutObject being served on this thread, and its target."""

    target: tuple[str, str] | None = None
    md5: str | None = None


_put = _Put()


class _Error(Exception):
    """An S3 error answered as S3 writes it: moto's serializer drops members its model lacks
    (``InvalidEncryptionAlgorithmError`` has none there)."""

    def __init__(self, code: str, message: str, status: int = 400, **fields: str) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status
        self.fields = {"".join(p.title() for p in k.split("_")): v for k, v in fields.items()}

    def response(self) -> tuple[int, dict[str, str], str]:
        members = {"Code": self.code, "Message": self.message, **self.fields}
        inner = "".join(f"<{k}>{html.escape(v)}</{k}>" for k, v in members.items())
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{inner}</Error>'
        return self.status, {"Content-Type": "application/xml"}, body


def install() -> None:
    """Patch moto's S3 models and responses (idempotent)."""
    wrap(S3Response, "get_object", _TAG, _checked_get)
    wrap(S3Response, "head_object", _TAG, _checked_head)
    wrap(S3Response, "_key_response_put", _TAG, _sse_c_put)
    wrap(S3Response, "delete_object", _TAG, _checked_delete)
    wrap(S3Response, "list_object_versions", _TAG, _aws_version_list)
    wrap(S3Response, "upload_part", _TAG, _part_sse_headers)
    wrap(S3Backend, "put_object", _TAG, _sse_c_put_object)
    wrap(FakeKey, "response_dict", _TAG, _sse_c_headers)


def valid_version_id(version_id: str) -> bool:
    """Whether S3 could have issued ``version_id`` (``null`` or moto's form)."""
    return version_id == "null" or bool(_VERSION_ID.match(version_id))


def _header(headers: Any, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _find(backend: S3Backend, bucket_name: str, key_name: str, version_id: str | None) -> Any:
    """The stored key or delete marker, read without moto's ``get_object`` (which advances the
    key's managed state, for example a restore)."""
    try:
        bucket = backend.get_bucket(bucket_name)
    except Exception:  # a missing bucket: moto answers it
        return None
    if version_id is None:
        return bucket.keys.get(key_name)
    for version in bucket.keys.getlist(key_name, default=[]):
        if str(version.version_id) == str(version_id):
            return version
    return None


def _was_versioned(bucket: FakeBucket) -> bool:
    return bool(getattr(bucket, "versioning_status", None))


def _version_null(headers: dict[str, Any], bucket: FakeBucket, key: Any) -> None:
    if isinstance(key, FakeKey) and key.version_id == "null" and _was_versioned(bucket):
        headers["x-amz-version-id"] = "null"


def _with_checksum_type(response: Any) -> Any:
    """A PutObject/GetObject answer that carries the object's checksum also says its type; a
    single-part object's checksum is ``FULL_OBJECT``."""
    status, headers, body = response
    names = {h.lower() for h in headers}
    sums = [n for n in names if n.startswith("x-amz-checksum-") and n not in ("x-amz-checksum-type", "x-amz-checksum-mode")]
    if sums and "x-amz-checksum-type" not in names:
        headers["x-amz-checksum-type"] = "FULL_OBJECT"
    return status, headers, body


# --- SSE-C -------------------------------------------------------------------------------------


def _sse_c_request(headers: Any) -> tuple[str | None, str | None, str | None]:
    return _header(headers, _C_ALGO), _header(headers, _C_KEY), _header(headers, _C_MD5)


def _validate_sse_c(algorithm: str | None, key: str | None, md5: str | None) -> None:
    if algorithm is None and key is None and md5 is None:
        return
    if algorithm != "AES256":
        raise _Error("InvalidEncryptionAlgorithmError",
                     "The Encryption request you specified is not valid. Supported value: AES256.",
                     argument_name="x-amz-server-side-encryption", argument_value=algorithm or "null")
    try:
        raw = base64.b64decode(key or "", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise _Error("InvalidArgument", "The secret key was invalid for the specified algorithm.",
                     argument_name="x-amz-server-side-encryption")
    if md5 is not None and base64.b64encode(hashlib.md5(raw).digest()).decode() != md5:
        raise _Error("InvalidArgument",
                     "The calculated MD5 hash of the key did not match the hash that was provided.",
                     argument_name="x-amz-server-side-encryption")


def _check_sse_c_read(key: FakeKey, headers: Any) -> None:
    """The SSE-C error a read of ``key`` answers, if any (GET: with its body)."""
    stored = getattr(key, SSE_C_MD5, None)
    if stored is None:
        return
    algorithm, secret, md5 = _sse_c_request(headers)
    if algorithm is None and secret is None and md5 is None:
        raise _Error("InvalidRequest", "The object was stored using a form of Server Side Encryption. "
                     "The correct parameters must be provided to retrieve the object.")
    if algorithm != "AES256":
        raise _Error("InvalidEncryptionAlgorithmError",
                     "The Encryption request you specified is not valid. Supported value: AES256.",
                     argument_name="x-amz-server-side-encryption", argument_value=algorithm or "null")
    if md5 != stored:
        raise _Error("AccessDenied", "Requests specifying Server Side Encryption with Customer provided "
                     "keys must provide the correct secret key.", status=403)


def _sse_c_put(original: Func) -> Func:
    def key_response_put(self: S3Response, query: Any, key_name: str, *args: Any, **kwargs: Any) -> Any:
        algorithm, secret, md5 = _sse_c_request(self.headers)
        copying = _header(self.headers, "x-amz-copy-source") is not None
        if query.get("uploadId"):
            return original(self, query, key_name, *args, **kwargs)
        if copying or (algorithm is None and secret is None and md5 is None):
            return _with_checksum_type(original(self, query, key_name, *args, **kwargs))
        try:
            _validate_sse_c(algorithm, secret, md5)
        except _Error as error:
            return error.response()
        raw = base64.b64decode(secret or "")
        _put.target = (self.bucket_name, key_name)
        _put.md5 = base64.b64encode(hashlib.md5(raw).digest()).decode()
        try:
            return _with_checksum_type(original(self, query, key_name, *args, **kwargs))
        finally:
            _put.target, _put.md5 = None, None

    return key_response_put


def _sse_c_put_object(original: Func) -> Func:
    def put_object(self: S3Backend, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        sse_c = _put.md5 if _put.target == (bucket_name, key_name) else None
        key = original(self, bucket_name, key_name, *args, **kwargs)
        if isinstance(key, FakeKey):
            if sse_c:
                setattr(key, SSE_C_MD5, sse_c)
                key.encryption = None
                key.kms_key_id = None
        return key

    return put_object


def _sse_c_headers(original: Func) -> Func:
    def response_dict(self: FakeKey) -> dict[str, Any]:
        headers = original(self)
        stored = getattr(self, SSE_C_MD5, None)
        if stored:
            for name in [h for h in headers if h.lower().startswith("x-amz-server-side-encryption")]:
                del headers[name]
            headers[_C_ALGO] = "AES256"
            headers[_C_MD5] = stored
        return headers

    return response_dict


# --- GetObject / HeadObject ----------------------------------------------------------------------


def _checked_get(original: Func) -> Func:
    def get_object(self: S3Response) -> Any:
        key_name = self.parse_key_name()
        version_id = self.querystring.get("versionId", [None])[0]
        bucket = self.backend.get_bucket(self.bucket_name)
        if version_id is not None:
            if not valid_version_id(version_id):
                raise InvalidVersion(version_id)
            found = _find(self.backend, self.bucket_name, key_name, version_id)
            if isinstance(found, FakeDeleteMarker):
                raise MethodNotAllowed(method="GET", resource_type="DeleteMarker")
            if found is None:
                raise MissingVersion(key=key_name, version_id=version_id)
        key = _find(self.backend, self.bucket_name, key_name, version_id)
        if isinstance(key, FakeKey):
            try:
                _check_sse_c_read(key, self.headers)
            except _Error as error:
                return error.response()
            if key.encryption in KMS_ALGORITHMS and key.kms_key_id:
                check_usable_arn(key.kms_key_id)
        status, headers, body = _with_checksum_type(original(self))
        _version_null(headers, bucket, key)
        return status, headers, body

    return get_object


def _checked_head(original: Func) -> Func:
    def head_object(self: S3Response, bucket_name: str, query: Any, key_name: str,
                    headers: Any, *args: Any, **kwargs: Any) -> Any:
        version_id = query.get("versionId", [None])[0]
        key = _find(self.backend, bucket_name, key_name, version_id)
        if isinstance(key, FakeKey):
            try:
                _check_sse_c_read(key, headers)
            except _Error as error:  # a HEAD error has no body
                return error.status, {}, ""
        status, out, body = original(self, bucket_name, query, key_name, headers, *args, **kwargs)
        if status in (200, 206, 304):
            _version_null(out, self.backend.get_bucket(bucket_name), key)
        return status, out, body

    return head_object


# --- DeleteObject ---------------------------------------------------------------------------------


def _checked_delete(original: Func) -> Func:
    def delete_object(self: S3Response) -> Any:
        key_name = self.parse_key_name()
        version_id = self._get_param("versionId")
        bucket = self.backend.get_bucket(self.bucket_name)
        if version_id is not None and not valid_version_id(version_id):
            raise InvalidVersion(version_id)
        was_marker = version_id is not None and any(
            isinstance(v, FakeDeleteMarker) and str(v.version_id) == str(version_id)
            for v in bucket.keys.getlist(key_name, default=[]))
        if version_id is None and bucket.is_versioned and key_name not in bucket.keys:
            marker = FakeDeleteMarker(key=_Nothing(key_name))  # type: ignore[arg-type]
            bucket.keys[key_name] = marker
            return 204, {"x-amz-version-id": marker.version_id, "x-amz-delete-marker": "true"}, ""
        status, headers, body = original(self)
        if was_marker and status == 204:
            headers["x-amz-delete-marker"] = "true"
        return status, headers, body

    return delete_object


class _Nothing:
    """What a delete marker of a key that never existed stands on."""

    def __init__(self, name: str) -> None:
        self.name = name


# --- ListObjectVersions, UploadPart ----------------------------------------------------------------

_VERSION = re.compile(r"<Version>(.*?)</Version>", re.S)


def _aws_version_list(original: Func) -> Func:
    def list_object_versions(self: S3Response) -> Any:
        status, headers, body = original(self)
        if status != 200:
            return status, headers, body
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        bucket = self.backend.get_bucket(self.bucket_name)
        text = re.sub(r"\s*<DisplayName>[^<]*</DisplayName>", "", text)

        def with_checksum(match: re.Match[str]) -> str:
            inner = match.group(1)
            name = re.search(r"<Key>(.*?)</Key>", inner, re.S)
            version = re.search(r"<VersionId>(.*?)</VersionId>", inner, re.S)
            if not name or not version or "<ChecksumAlgorithm>" in inner:
                return match.group(0)
            for key in bucket.keys.getlist(html.unescape(name.group(1)), default=[]):
                if isinstance(key, FakeKey) and str(key.version_id) == html.unescape(version.group(1)):
                    if key.checksum_algorithm:
                        kind = getattr(key, "checksum_type", None) or "FULL_OBJECT"
                        inner += (f"<ChecksumAlgorithm>{key.checksum_algorithm.upper()}</ChecksumAlgorithm>"
                                  f"<ChecksumType>{kind}</ChecksumType>")
                    break
            return f"<Version>{inner}</Version>"

        text = _VERSION.sub(with_checksum, text)
        encoding = self.querystring.get("encoding-type", [None])[0]
        if encoding and "<EncodingType>" not in text:
            text = text.replace("</ListVersionsResult>", f"<EncodingType>{encoding}</EncodingType></ListVersionsResult>")
        return status, headers, text

    return list_object_versions


def _part_sse_headers(original: Func) -> Func:
    def upload_part(self: S3Response) -> Any:
        status, headers, body = original(self)
        upload_id = self._get_param("uploadId")
        multipart = self.backend.get_bucket(self.bucket_name).multiparts.get(upload_id)
        if status == 200 and multipart is not None:
            algorithm = getattr(multipart, "sse_encryption", None)
            if algorithm:
                headers["x-amz-server-side-encryption"] = algorithm
            if algorithm in KMS_ALGORITHMS and getattr(multipart, "kms_key_id", None):
                headers["x-amz-server-side-encryption-aws-kms-key-id"] = multipart.kms_key_id
                if getattr(multipart, "localaws_bucket_key", False):
                    headers["x-amz-server-side-encryption-bucket-key-enabled"] = "true"
        return status, headers, body

    return upload_part
