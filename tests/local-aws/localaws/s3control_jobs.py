"""S3 Batch Operations jobs, which moto 5.2.5 lacks (gap p): S3 Control ``CreateJob``,
``DescribeJob``, ``ListJobs`` and ``UpdateJobStatus`` (REST-XML under ``/v20180820/jobs``, the
account in ``x-amz-account-id``), run by a background thread per job.

moto routes ``/v20180820/`` paths to its s3control service; ``install`` adds the job paths and
operations to it, so moto parses and serializes them from botocore's s3control model. The
account is the caller's (from its access key, as everywhere in moto); a different
``x-amz-account-id`` is refused with ``AccessDenied``.

A job's life (S3 User Guide, "Tracking job status", batch-ops-job-status.html): ``New`` on
CreateJob; ``Preparing`` while the manifest is read or generated; then ``Suspended`` (with
``SuspendedCause`` ``ConfirmationRequired``) when the job asked for confirmation, until
UpdateJobStatus ``Ready``; ``Ready``; ``Active`` while tasks run (``ProgressSummary`` counts
them, ``Timers.ElapsedTimeInActiveSeconds``); ``Complete``, or ``Failed`` with
``FailureReasons`` (the manifest or the report could not be read or written, the role could not
be assumed, or -- "When a job has run at least 1,000 tasks ... if the failure rate ... exceeds
50 percent, the job fails" -- too many tasks failed); UpdateJobStatus ``Cancelled`` from any
state before a terminal one (``Cancelling``, then ``Cancelled`` before the next task). Other
transitions answer ``JobStatusException``; an unknown id ``NotFoundException``. A CreateJob that
repeats a ``ClientRequestToken`` of the same account answers the first job's id and starts
nothing ("An idempotency token to ensure that you don't accidentally submit the same request
twice", S3 API Reference, CreateJob). Jobs run one at a time per server in creation order;
``Priority`` is kept, not used. Terminal jobs stay listed.

What a job reads, does and writes, with the job role's permissions: ``_batch_tasks``.

``LambdaInvoke`` needs a function: the tests register one on the loopback-only admin path
``/_localaws/lambda-functions``::

    POST   /_localaws/lambda-functions   {"FunctionArn": ARN, "Url": "http://127.0.0.1:PORT/..."}
    DELETE /_localaws/lambda-functions?FunctionArn=ARN

The engine POSTs each invocation's JSON payload to the URL and reads the function's JSON
response; an ``X-Amz-Function-Error`` header marks a function error, as Lambda's Invoke API
does. URLs must name 127.0.0.1, ::1 or localhost. ``POST /_localaws/batch-settings``
``{"TaskDelaySeconds": s}`` slows each task down, so that a test can watch ``Active`` progress.

Not modelled: operations other than ``S3ReplicateObject`` and ``LambdaInvoke``;
``UpdateJobPriority``, job tags, ``Pausing``/``Paused``; the ``S3InventoryReport_CSV_20161130``
format's optional columns other than Bucket, Key, VersionId; manifests in another account;
SSE-KMS manifests; Batch Replication of delete markers and of ``REPLICA`` objects from a
generated manifest (the generator lists object versions only, and replicas never replicate
here); ``ObjectSizeGreaterThanBytes``/``LessThanBytes``, ``MatchAnyStorageClass``,
``MatchAnyObjectEncryption`` filters (ignored); ListJobs paging (one page).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.s3control import urls as s3control_urls
from moto.s3control.responses import S3ControlResponse

from . import _batch_tasks as tasks
from ._batch_tasks import JobFailure, TaskResult
from ._principals import role_by_arn

_TERMINAL = {"Complete", "Failed", "Cancelled"}
_FAILURE_THRESHOLD_TASKS = 1000
_ADMIN_FUNCTIONS = "/_localaws/lambda-functions"
_ADMIN_SETTINGS = "/_localaws/batch-settings"
_LOOPBACK = {"127.0.0.1", "::1", "localhost"}

_functions: dict[str, str] = {}  # function ARN -> URL
_settings = {"TaskDelaySeconds": 0.0}
_jobs: dict[str, "BatchJob"] = {}  # job id -> job (ids are unique across accounts)
_lock = threading.RLock()
_runner = threading.Semaphore(1)  # one job at a time, in creation order


class BadRequestException(ServiceException):
    code = "BadRequestException"


class NotFoundException(ServiceException):
    code = "NotFoundException"


class JobStatusException(ServiceException):
    code = "JobStatusException"


class AccessDenied(ServiceException):
    code = "AccessDenied"
    message = "Access Denied"


def install() -> None:
    """Add the job operations to moto's s3control service (idempotent)."""
    paths = s3control_urls.url_paths
    for path in (
        r"{0}/v20180820/jobs$",
        r"{0}/v20180820/jobs/(?P<id>[^/]+)$",
        r"{0}/v20180820/jobs/(?P<id>[^/]+)/status$",
    ):
        paths.setdefault(path, S3ControlResponse.dispatch)
    for name in ("create_job", "describe_job", "list_jobs", "update_job_status"):
        setattr(S3ControlResponse, name, _OPERATIONS[name])


def wrap(app: Callable[..., Any]) -> Callable[..., Any]:
    """The admin paths in front of ``app``."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path not in (_ADMIN_FUNCTIONS, _ADMIN_SETTINGS):
            return app(environ, start_response)
        status, body = _admin(environ, path)
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return application


def _admin(environ: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
    except ValueError:
        return "400 Bad Request", {"message": "the body must be JSON"}
    if path == _ADMIN_SETTINGS and method == "POST":
        _settings["TaskDelaySeconds"] = float(body.get("TaskDelaySeconds", 0))
        return "200 OK", dict(_settings)
    if method == "POST":
        arn, url = str(body.get("FunctionArn", "")), str(body.get("Url", ""))
        host = urllib.parse.urlsplit(url).hostname or ""
        if not arn.startswith("arn:") or host not in _LOOPBACK:
            return "400 Bad Request", {"message": "FunctionArn and a loopback http Url are required"}
        _functions[arn] = url
        return "200 OK", {"FunctionArn": arn, "Url": url}
    if method == "DELETE":
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        for arn in query.get("FunctionArn", []):
            _functions.pop(arn, None)
        return "200 OK", {}
    return "405 Method Not Allowed", {"message": "POST or DELETE"}


# --- the job -----------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


class BatchJob:
    """One job: what CreateJob asked for, its state, and the thread that runs it."""

    def __init__(self, account: str, region: str, params: dict[str, Any]):
        self.id = str(uuid.uuid4())
        self.account, self.region = account, region
        self.arn = f"arn:aws:s3:{region}:{account}:job/{self.id}"
        self.params = params
        self.status = "New"
        self.created = _now()
        self.terminated: datetime | None = None
        self.suspended: datetime | None = None
        self.status_update_reason: str | None = None
        self.failure_reasons: list[dict[str, str]] = []
        self.total: int | None = None
        self.succeeded = 0
        self.failed = 0
        self.active_seconds = 0.0
        self.generated_manifest: dict[str, Any] | None = None
        self.confirmed = threading.Event()
        self.cancel_requested = False

    # DescribeJob / ListJobs

    def progress(self) -> dict[str, Any]:
        summary: dict[str, Any] = {
            "NumberOfTasksSucceeded": self.succeeded,
            "NumberOfTasksFailed": self.failed,
            "Timers": {"ElapsedTimeInActiveSeconds": int(self.active_seconds)},
        }
        if self.total is not None:
            summary["TotalNumberOfTasks"] = self.total
        return summary

    def descriptor(self) -> dict[str, Any]:
        p = self.params
        job: dict[str, Any] = {
            "JobId": self.id,
            "JobArn": self.arn,
            "ConfirmationRequired": _flag(p.get("ConfirmationRequired")),
            "Description": p.get("Description"),
            "Status": self.status,
            "Operation": p.get("Operation"),
            "Priority": int(p.get("Priority") or 0),
            "ProgressSummary": self.progress(),
            "StatusUpdateReason": self.status_update_reason,
            "FailureReasons": self.failure_reasons or None,
            "Report": p.get("Report"),
            "CreationTime": self.created,
            "TerminationDate": self.terminated,
            "RoleArn": p.get("RoleArn"),
            "SuspendedDate": self.suspended,
            "SuspendedCause": "ConfirmationRequired" if self.suspended else None,
            "Manifest": p.get("Manifest"),
            "ManifestGenerator": p.get("ManifestGenerator"),
            "GeneratedManifestDescriptor": self.generated_manifest,
        }
        return {k: v for k, v in job.items() if v is not None}

    def summary(self) -> dict[str, Any]:
        listed = {
            "JobId": self.id,
            "Description": self.params.get("Description"),
            "Operation": next(iter(self.params.get("Operation") or {}), None),
            "Priority": int(self.params.get("Priority") or 0),
            "Status": self.status,
            "CreationTime": self.created,
            "TerminationDate": self.terminated,
            "ProgressSummary": self.progress(),
        }
        return {k: v for k, v in listed.items() if v is not None}

    # the thread

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"localaws-batch-{self.id}", daemon=True).start()

    def _finish(self, status: str) -> None:
        with _lock:
            self.status = status
            self.terminated = _now()

    def _fail(self, failure: JobFailure) -> None:
        self.failure_reasons.append({"FailureCode": failure.code, "FailureReason": failure.reason})
        self._finish("Failed")

    def _cancelled(self) -> bool:
        if self.cancel_requested:
            self._finish("Cancelled")
        return self.cancel_requested

    def _run(self) -> None:
        try:
            self._prepare_and_run()
        except JobFailure as failure:
            self._fail(failure)
        except Exception as error:  # a bug here must fail the job, not hang it
            self._fail(JobFailure("InternalError", f"the emulator failed the job: {error!r}"))

    def _prepare_and_run(self) -> None:
        with _lock:
            if self._cancelled():
                return
            self.status = "Preparing"
        operation_name, operation = next(iter((self.params.get("Operation") or {}).items()))
        role_arn = self.params.get("RoleArn", "")
        access = tasks.assume(role_by_arn(role_arn), role_arn, self.account, self.arn)
        generator = (self.params.get("ManifestGenerator") or {}).get("S3JobManifestGenerator")
        if generator is not None:
            work = tasks.generate_manifest(access, generator, operation_name == "S3ReplicateObject")
            output = generator.get("ManifestOutputLocation")
            if output and _flag(generator.get("EnableManifestOutput")):
                self.generated_manifest = tasks.write_generated_manifest(access, output, self.id, work)
        else:
            work = tasks.tasks_from_manifest(access, self.params.get("Manifest") or {})
        with _lock:
            self.total = len(work)
            if self._cancelled():
                return
            if _flag(self.params.get("ConfirmationRequired")):
                self.status, self.suspended = "Suspended", _now()
        if _flag(self.params.get("ConfirmationRequired")):
            while not self.confirmed.wait(0.05):
                if self.cancel_requested:
                    self._finish("Cancelled")
                    return
        with _lock:
            if self._cancelled():
                return
            self.status = "Ready"
        with _runner:
            self._active(access, operation_name, operation, work)

    def _active(
        self, access: tasks.RoleAccess, name: str, operation: dict[str, Any], work: list[tasks.Task]
    ) -> None:
        with _lock:
            if self._cancelled():
                return
            self.status = "Active"
        started = time.monotonic()
        results: list[TaskResult] = []
        for task in work:
            if self.cancel_requested:
                break
            delay = _settings["TaskDelaySeconds"]
            if delay:
                time.sleep(delay)
            result = self._task(access, name, operation, task)
            results.append(result)
            with _lock:
                self.succeeded += int(result.succeeded)
                self.failed += int(not result.succeeded)
                self.active_seconds = time.monotonic() - started
            run = self.succeeded + self.failed
            if run >= _FAILURE_THRESHOLD_TASKS and self.failed * 2 > run:
                report_failure = self._report(access, results)
                self._fail(JobFailure(
                    "TaskFailureThresholdExceeded",
                    f"{self.failed} of {run} tasks failed: the failure rate exceeded 50 percent",
                ))
                if report_failure:
                    self.failure_reasons.append(report_failure)
                return
        report_failure = self._report(access, results)
        if report_failure:
            self.failure_reasons.append(report_failure)
            self._finish("Failed")
            return
        self._finish("Cancelled" if self.cancel_requested else "Complete")

    def _task(
        self, access: tasks.RoleAccess, name: str, operation: dict[str, Any], task: tasks.Task
    ) -> TaskResult:
        if name == "S3ReplicateObject":
            return tasks.replicate_object(access, task)
        function = operation.get("FunctionArn", "")
        return tasks.invoke_lambda(access, operation, self.id, task, _functions.get(function))

    def _report(self, access: tasks.RoleAccess, results: list[TaskResult]) -> dict[str, str] | None:
        report = self.params.get("Report") or {}
        if not _flag(report.get("Enabled")) or not results:
            return None  # "As long as at least one task has been invoked successfully"
        try:
            tasks.write_report(access, report, self.id, results)
        except JobFailure as failure:
            return {"FailureCode": failure.code, "FailureReason": failure.reason}
        return None


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


# --- the operations (methods of moto's S3ControlResponse) ----------------------------------------


def _account(response: S3ControlResponse) -> str:
    asked = response.headers.get("x-amz-account-id") or response._get_param("AccountId")
    if asked and asked != response.current_account:
        raise AccessDenied()
    return response.current_account


def _job(response: S3ControlResponse) -> BatchJob:
    account = _account(response)
    job_id = response._get_param("JobId") or response.path.split("/")[3]
    job = _jobs.get(job_id)
    if job is None or job.account != account:
        raise NotFoundException(f"Job {job_id} not found")
    return job


def _answer(response: S3ControlResponse, operation: str, result: dict[str, Any]) -> Any:
    """``result`` serialized with its output shape's name as the XML root (``CreateJobResult``,
    as the S3 Control model names it and the Rust SDK requires; moto would write
    ``CreateJobResponse``, which botocore tolerates)."""
    status, headers, body = response.serialized(ActionResult(result))
    text = body.decode() if isinstance(body, bytes) else body
    shape = f"{operation}Result"
    text = re.sub(rf"<(/?){operation}Response\b", rf"<\g<1>{shape}", text)
    headers["status"] = status
    return text, headers


def create_job(self: S3ControlResponse) -> Any:
    account = _account(self)
    params = {
        name: self._get_param(name)
        for name in (
            "ConfirmationRequired", "Operation", "Report", "ClientRequestToken", "Manifest",
            "Description", "Priority", "RoleArn", "ManifestGenerator",
        )
    }
    operation = params.get("Operation") or {}
    if len(operation) != 1 or next(iter(operation)) not in ("S3ReplicateObject", "LambdaInvoke"):
        raise BadRequestException(
            f"the emulator runs S3ReplicateObject and LambdaInvoke jobs, not {list(operation)}"
        )
    if bool(params.get("Manifest")) == bool(params.get("ManifestGenerator")):
        raise BadRequestException("give exactly one of Manifest and ManifestGenerator")
    if not params.get("RoleArn") or params.get("Priority") is None or not params.get("Report"):
        raise BadRequestException("RoleArn, Priority and Report are required")
    token = params.get("ClientRequestToken")
    with _lock:
        for job in _jobs.values():
            if token and job.account == account and job.params.get("ClientRequestToken") == token:
                return _answer(self, "CreateJob", {"JobId": job.id})
        job = BatchJob(account, self.region, params)
        _jobs[job.id] = job
    job.start()
    return _answer(self, "CreateJob", {"JobId": job.id})


def describe_job(self: S3ControlResponse) -> Any:
    job = _job(self)
    with _lock:
        return _answer(self, "DescribeJob", {"Job": job.descriptor()})


def list_jobs(self: S3ControlResponse) -> Any:
    account = _account(self)
    statuses = self._get_param("JobStatuses") or []
    if isinstance(statuses, str):
        statuses = [statuses]
    with _lock:
        listed = [
            job.summary()
            for job in sorted(_jobs.values(), key=lambda j: j.created, reverse=True)
            if job.account == account and (not statuses or job.status in statuses)
        ]
    return _answer(self, "ListJobs", {"Jobs": listed})


def update_job_status(self: S3ControlResponse) -> Any:
    job = _job(self)
    requested = self._get_param("RequestedJobStatus")
    reason = self._get_param("StatusUpdateReason")
    with _lock:
        if requested == "Ready":
            if job.status != "Suspended":
                raise JobStatusException(
                    f"Job {job.id} is {job.status}: only a Suspended job can be confirmed (Ready)"
                )
            job.status = "Ready"
            job.confirmed.set()
        elif requested == "Cancelled":
            if job.status in _TERMINAL:
                raise JobStatusException(f"Job {job.id} is {job.status} and cannot be cancelled")
            job.cancel_requested = True
            job.status = "Cancelling"
        else:
            raise BadRequestException(f"RequestedJobStatus must be Ready or Cancelled, not {requested}")
        if reason:
            job.status_update_reason = reason
        answer = {"JobId": job.id, "Status": job.status, "StatusUpdateReason": job.status_update_reason}
    return _answer(self, "UpdateJobStatus", {k: v for k, v in answer.items() if v is not None})


_OPERATIONS = {
    "create_job": create_job,
    "describe_job": describe_job,
    "list_jobs": list_jobs,
    "update_job_status": update_job_status,
}
