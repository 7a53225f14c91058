"""Reading CloudWatch: a metric widget's lines, credentials per account, and GetMetricData."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from .model import Fetched, MetricKey, _floor


def metric_lines(props: Mapping[str, Any]) -> Iterator[tuple[list[str], dict[str, Any]]]:
    """The widget's metric lines as (strings, rendering options), with the body structure's
    shorthands expanded: ``"."`` repeats the previous line's value at that position, and a
    leading ``"..."`` repeats the previous line's values up to those that follow it."""
    previous: list[str] = []
    for raw in props.get("metrics", []):
        if not isinstance(raw, list):
            continue
        strings = [x for x in raw if isinstance(x, str)]
        options = next((x for x in raw if isinstance(x, dict)), {})
        if strings and strings[0] == "...":
            rest = strings[1:]
            strings = previous[: max(0, len(previous) - len(rest))] + rest
        strings = [previous[i] if s == "." and i < len(previous) else s for i, s in enumerate(strings)]
        if strings:
            previous = strings
        yield strings, options


class NotReadable(Exception):
    """An account whose data cannot be read (no credentials for it)."""


class Accounts:
    """boto3 sessions per account: ``sts:AssumeRole`` on the endpoint for accounts given with
    ``--account-role``, the default credentials for the dashboard's own account otherwise."""

    def __init__(self, endpoint_url: str, region: str, own_account: str, roles: Mapping[str, str]) -> None:
        import boto3
        from botocore.config import Config

        self._boto3 = boto3
        self.endpoint_url = endpoint_url
        self.region = region
        self.own_account = own_account
        self.roles = dict(roles)
        self.config = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=30)
        self._sessions: dict[str, Any] = {}
        self._refused: dict[str, str] = {}
        self._clients: dict[tuple[str, str], Any] = {}

    def readable(self, account: str) -> str | None:
        """None when ``account`` can be read, else why not."""
        try:
            self.session(account)
            return None
        except NotReadable as e:
            return str(e)

    def session(self, account: str) -> Any:
        if account in self._sessions:
            return self._sessions[account]
        if account in self._refused:
            raise NotReadable(self._refused[account])
        try:
            session = self._open(account)
        except NotReadable as e:
            self._refused[account] = str(e)
            raise
        self._sessions[account] = session
        return session

    def _open(self, account: str) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        base = self._boto3.Session(region_name=self.region)
        role = self.roles.get(account)
        if role is None:
            if account != self.own_account:
                raise NotReadable(f"not read: account {account}")
            if base.get_credentials() is None:
                raise NotReadable(f"not read: account {account} (no default credentials; give --account-role)")
            return base
        if base.get_credentials() is None:
            raise NotReadable(f"not read: account {account} (no default credentials to call sts:AssumeRole)")
        sts = base.client("sts", endpoint_url=self.endpoint_url, region_name=self.region, config=self.config)
        try:
            creds = sts.assume_role(RoleArn=role, RoleSessionName="render-dashboard")["Credentials"]
        except (ClientError, BotoCoreError) as e:
            raise NotReadable(f"not read: account {account} (AssumeRole: {_error_text(e)})") from e
        return self._boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                   aws_secret_access_key=creds["SecretAccessKey"],
                                   aws_session_token=creds["SessionToken"], region_name=self.region)

    def cloudwatch(self, account: str, region: str) -> Any:
        if (account, region) not in self._clients:
            self._clients[(account, region)] = self.session(account).client(
                "cloudwatch", endpoint_url=self.endpoint_url, region_name=region, config=self.config)
        return self._clients[(account, region)]


def _error_text(error: Exception) -> str:
    """A short reason for a failed call: the error code, or the HTTP status."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code and not code.isdigit():
            return f"{code} (HTTP {status})" if status else code
        if status:
            return f"HTTP {status} from the endpoint"
    return type(error).__name__


def fetch(accounts: Accounts, keys: Iterable[MetricKey], start: datetime, end: datetime,
          period: int) -> dict[MetricKey, Fetched]:
    """GetMetricData for every key over [start, end): one call per (account, region), paged;
    when a call fails, its queries are sent one by one so that one bad query (moto fails
    percentiles) costs only its own line."""
    from botocore.exceptions import BotoCoreError, ClientError

    results: dict[MetricKey, Fetched] = {}
    groups: dict[tuple[str, str], list[MetricKey]] = {}
    for key in dict.fromkeys(keys):
        groups.setdefault((key.account, key.region), []).append(key)

    def query(batch: Sequence[MetricKey]) -> None:
        client = accounts.cloudwatch(batch[0].account, batch[0].region)
        ids = {f"m{i}": key for i, key in enumerate(batch)}
        queries = [{
            "Id": qid,
            "MetricStat": {
                "Metric": {"Namespace": key.namespace, "MetricName": key.name,
                           "Dimensions": [{"Name": n, "Value": v} for n, v in key.dimensions]},
                "Period": period,
                "Stat": key.stat,
                **({"Unit": key.unit} if key.unit else {}),
            },
            "ReturnData": True,
        } for qid, key in ids.items()]
        found: dict[str, Fetched] = {qid: Fetched() for qid in ids}
        token: str | None = None
        while True:
            request: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end,
                                       "ScanBy": "TimestampAscending"}
            if token:
                request["NextToken"] = token
            answer = client.get_metric_data(**request)
            for result in answer.get("MetricDataResults", []):
                points = found[result["Id"]].points
                for stamp, value in zip(result.get("Timestamps", []), result.get("Values", [])):
                    if value is not None:
                        points[_floor(stamp.astimezone(UTC), period)] = float(value)
            token = answer.get("NextToken")
            if not token:
                break
        for qid, key in ids.items():
            results[key] = found[qid]

    for batch in groups.values():
        for i in range(0, len(batch), 500):  # GetMetricData takes at most 500 queries
            chunk = batch[i:i + 500]
            try:
                query(chunk)
            except (ClientError, BotoCoreError) as e:
                if len(chunk) == 1:
                    results[chunk[0]] = Fetched(error=f"not read: {_error_text(e)}")
                    continue
                for key in chunk:
                    try:
                        query([key])
                    except (ClientError, BotoCoreError) as single:
                        results[key] = Fetched(error=f"not read: {_error_text(single)}")
    return results
