"""CloudWatch over awsJson1_0 (what botocore speaks) through localaws.cloudwatch_cbor (stdlib unittest).

    .venv/bin/python -m unittest discover -s tests/local-aws -p 'test_*.py'      (make test runs this)

One emulator (``launcher.py serve``: moto plus our layer) on 127.0.0.1, a free port, for the
whole file, stopped afterwards. boto3 reads and writes through the bridge; a few raw requests
check the wire (malformed bodies, the rpcv2Cbor route on the same data, pass-through).
"""

from __future__ import annotations

import json
import os
import unittest
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import cbor2
from botocore.config import Config
from botocore.exceptions import ClientError

import launcher

TARGET = "GraniteServiceVersion20100801."
JSON_TYPE = "application/x-amz-json-1.0"
DIMS = [{"Name": "DestinationBucket", "Value": "d-json-test"}]
# 100 samples 100, 200, ..., 10000: nearest rank p50 is the 50th (5000), p99 the 99th (9900).
SAMPLES = [100.0 * i for i in range(1, 101)]


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


class CloudWatchJsonTest(unittest.TestCase):
    endpoint: str
    now: datetime
    sent: list[dict[str, str]]

    @classmethod
    def setUpClass(cls) -> None:
        # Credentials the emulator accepts, and nothing from the developer's own AWS configuration.
        cls.enterClassContext(launcher.placeholder_credentials())
        cls.endpoint = cls.enterClassContext(launcher.serving())
        cls.now = datetime.now(UTC) - timedelta(minutes=2)
        cls.sent = []

    def client(self, service: str = "cloudwatch", **config: Any) -> Any:
        client = boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                              config=Config(retries={"max_attempts": 1}, **config))

        def capture(request: Any, **_: Any) -> None:
            self.sent.append({k.lower(): v if isinstance(v, str) else v.decode() for k, v in request.headers.items()})

        client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", capture)
        return client

    def put_samples(self, namespace: str) -> None:
        """SAMPLES in ``namespace``, over two datums in the same minute (a Values list with
        Counts, and the rest as single Values), plus a decoy: the same metric and dimensions in
        another namespace, which a read of ``namespace`` must not see."""
        cw = self.client()
        odd, even = SAMPLES[0::2], SAMPLES[1::2]
        cw.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": "Delay", "Dimensions": DIMS, "Timestamp": self.now, "Unit": "Milliseconds",
             "Values": odd, "Counts": [1.0] * len(odd)},
            *({"MetricName": "Delay", "Dimensions": DIMS, "Timestamp": self.now, "Unit": "Milliseconds",
               "Value": v} for v in reversed(even)),
        ])
        cw.put_metric_data(Namespace=namespace + "-decoy", MetricData=[
            {"MetricName": "Delay", "Dimensions": DIMS, "Timestamp": self.now, "Value": 1e6}])

    def query(self, namespace: str, qid: str, stat: str) -> dict[str, Any]:
        return {"Id": qid, "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": "Delay",
                                                     "Dimensions": DIMS}, "Period": 60, "Stat": stat}}

    # --- answers ------------------------------------------------------------------------------

    def test_get_metric_data_percentiles_over_json(self) -> None:
        self.put_samples("Json/GetMetricData")
        self.sent.clear()
        answer = self.client().get_metric_data(
            MetricDataQueries=[self.query("Json/GetMetricData", q, s) for q, s in
                               (("p50", "p50"), ("p99", "p99"), ("avg", "Average"), ("n", "SampleCount"))],
            StartTime=self.now - timedelta(minutes=10), EndTime=self.now + timedelta(minutes=5))
        (headers,) = self.sent
        self.assertEqual((headers["x-amz-target"], headers["content-type"]), (TARGET + "GetMetricData", JSON_TYPE))
        results = {r["Id"]: r for r in answer["MetricDataResults"]}
        self.assertEqual({q: r["Values"] for q, r in results.items()},
                         {"p50": [5000.0], "p99": [9900.0], "avg": [5050.0], "n": [100.0]})
        for r in results.values():
            self.assertEqual(r["Timestamps"], [_minute(self.now)])  # epoch seconds on the wire
            self.assertEqual(r["StatusCode"], "Complete")
        self.assertEqual(answer["ResponseMetadata"]["HTTPHeaders"]["content-type"], JSON_TYPE)

    def test_get_metric_statistics_extended_statistics(self) -> None:
        self.put_samples("Json/GetMetricStatistics")
        answer = self.client().get_metric_statistics(
            Namespace="Json/GetMetricStatistics", MetricName="Delay", Dimensions=DIMS,
            StartTime=self.now - timedelta(minutes=10), EndTime=self.now + timedelta(minutes=5), Period=60,
            Statistics=["Maximum", "Sum"], ExtendedStatistics=["p50", "p90"], Unit="Milliseconds")
        (point,) = answer["Datapoints"]
        self.assertEqual((point["Timestamp"], point["Unit"]), (_minute(self.now), "Milliseconds"))
        self.assertEqual((point["Maximum"], point["Sum"]), (10000.0, 505000.0))
        self.assertEqual(point["ExtendedStatistics"], {"p50": 5000.0, "p90": 9000.0})
        self.assertNotIn("Minimum", point)  # absent members are omitted, not null

    def test_gzip_put_metric_data(self) -> None:
        cw = self.client(request_min_compression_size_bytes=1)  # botocore gzips PutMetricData
        self.sent.clear()
        cw.put_metric_data(Namespace="Json/Gzip", MetricData=[
            {"MetricName": "Delay", "Dimensions": DIMS, "Timestamp": self.now, "Values": SAMPLES}])
        self.assertEqual(self.sent[0].get("content-encoding"), "gzip")
        answer = cw.get_metric_data(MetricDataQueries=[self.query("Json/Gzip", "p99", "p99")],
                                    StartTime=self.now - timedelta(minutes=10), EndTime=self.now + timedelta(minutes=5))
        self.assertEqual(answer["MetricDataResults"][0]["Values"], [9900.0])

    def test_alarm_round_trip(self) -> None:
        cw = self.client()
        cw.put_metric_alarm(AlarmName="json-alarm", Namespace="Json/Alarm", MetricName="Delay", Dimensions=DIMS,
                            ExtendedStatistic="p99", Period=60, EvaluationPeriods=1, Threshold=1000.5,
                            ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching")
        (alarm,) = cw.describe_alarms(AlarmNames=["json-alarm"])["MetricAlarms"]
        self.assertEqual((alarm["ExtendedStatistic"], alarm["Threshold"], alarm["Dimensions"]), ("p99", 1000.5, DIMS))
        self.assertIsInstance(alarm["StateUpdatedTimestamp"], datetime)
        self.assertNotIn("Statistic", alarm)
        cw.delete_alarms(AlarmNames=["json-alarm"])
        self.assertEqual(cw.describe_alarms(AlarmNames=["json-alarm"])["MetricAlarms"], [])

    def test_rpcv2_cbor_reads_the_same_data(self) -> None:
        """The CBOR route still answers, from the backend the JSON route wrote to."""
        self.put_samples("Json/Cbor")
        body = cbor2.dumps({"MetricDataQueries": [self.query("Json/Cbor", "p50", "p50")],
                            "StartTime": cbor2.CBORTag(1, (self.now - timedelta(minutes=10)).timestamp()),
                            "EndTime": cbor2.CBORTag(1, (self.now + timedelta(minutes=5)).timestamp())})
        request = urllib.request.Request(
            f"{self.endpoint}/service/GraniteServiceVersion20100801/operation/GetMetricData", data=body,
            method="POST", headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
                                    "Accept": "application/cbor", **self.auth()})
        with urllib.request.urlopen(request, timeout=10) as response:
            self.assertEqual(response.headers["Content-Type"], "application/cbor")
            (result,) = cbor2.loads(response.read())["MetricDataResults"]
        self.assertEqual(result["Values"], [5000.0])

    # --- errors -------------------------------------------------------------------------------

    def test_unsupported_operation_is_a_json_error(self) -> None:
        with self.assertRaises(ClientError) as caught:
            self.client().describe_alarm_history(AlarmName="x")  # moto itself answers an HTML 500
        error, meta = caught.exception.response["Error"], caught.exception.response["ResponseMetadata"]
        self.assertEqual((error["Code"], error["Type"]), ("UnsupportedOperation", "Sender"))
        self.assertIn("DescribeAlarmHistory is not supported", error["Message"])
        self.assertEqual(meta["HTTPStatusCode"], 400)
        self.assertEqual(meta["HTTPHeaders"]["content-type"], JSON_TYPE)
        self.assertEqual(meta["HTTPHeaders"]["x-amzn-query-error"], "UnsupportedOperation;Sender")

    def test_modelled_errors_carry_the_query_code(self) -> None:
        cw = self.client()
        with self.assertRaises(ClientError) as caught:
            cw.get_metric_data(MetricDataQueries=[self.query("Json/Errors", "a", "p50")],
                               StartTime=self.now, EndTime=self.now)
        error = caught.exception.response["Error"]
        # botocore: Code from x-amzn-query-error, QueryErrorCode from __type's shape name
        self.assertEqual((error["Code"], error["QueryErrorCode"]), ("ValidationError", "ValidationException"))
        self.assertIn("EndTime must be greater than StartTime", error["Message"])
        with self.assertRaises(ClientError) as missing:
            cw.get_dashboard(DashboardName="no-such-dashboard")
        error = missing.exception.response["Error"]
        self.assertEqual((error["Code"], error["QueryErrorCode"]), ("ResourceNotFound", "DashboardNotFoundError"))
        self.assertEqual(missing.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_malformed_bodies_are_serialization_exceptions(self) -> None:
        start = (self.now - timedelta(minutes=10)).timestamp()
        for body in (b"{not json", b"[]", json.dumps({"MetricDataQueries": [], "StartTime": "yesterday",
                                                       "EndTime": start}).encode(),
                     json.dumps({"MetricDataQueries": [{"Id": "a", "ReturnData": "yes"}], "StartTime": start,
                                 "EndTime": start + 60}).encode()):
            with self.subTest(body=body):
                status, headers, answer = self.post_json("GetMetricData", body)
                self.assertEqual(status, 400)
                self.assertEqual(headers["Content-Type"], JSON_TYPE)
                self.assertEqual(headers["x-amzn-query-error"], "SerializationException;Sender")
                self.assertEqual(answer["__type"], "com.amazonaws.cloudwatch#SerializationException")
                self.assertIn("Malformed JSON request body", answer["message"])

    def test_empty_body_means_no_input(self) -> None:
        status, _, answer = self.post_json("ListDashboards", b"")
        self.assertEqual((status, list(answer)), (200, ["DashboardEntries"]))
        status, _, answer = self.post_json("GetMetricData", b"{}")
        self.assertEqual((status, answer["__type"]),
                         (400, "com.amazonaws.cloudwatch#MissingRequiredParameterException"))

    # --- pass-through -------------------------------------------------------------------------

    def test_other_requests_reach_moto(self) -> None:
        logs = self.client("logs")  # awsJson1_1, X-Amz-Target Logs_20140328.*
        logs.create_log_group(logGroupName="/json/pass-through")
        names = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/json/")["logGroups"]]
        self.assertEqual(names, ["/json/pass-through"])
        # CloudWatch over the query protocol is moto's own
        request = urllib.request.Request(self.endpoint + "/", data=b"Action=ListDashboards&Version=2010-08-01",
                                         method="POST", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                                 **self.auth("monitoring")})
        with urllib.request.urlopen(request, timeout=10) as response:
            self.assertIn(b"<ListDashboardsResponse", response.read())

    # --- helpers ------------------------------------------------------------------------------

    @staticmethod
    def auth(service: str = "monitoring") -> dict[str, str]:
        """An Authorization header carrying the credential scope (unsigned: moto checks no signature)."""
        day = datetime.now(UTC).strftime("%Y%m%d")
        return {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/{day}/us-east-1/{service}/aws4_request, "
                                 "SignedHeaders=host, Signature=0"}

    def post_json(self, operation: str, body: bytes) -> tuple[int, Any, dict[str, Any]]:
        request = urllib.request.Request(self.endpoint + "/", data=body, method="POST",
                                         headers={"X-Amz-Target": TARGET + operation, "Content-Type": JSON_TYPE,
                                                  **self.auth()})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            with e:
                return e.code, e.headers, json.loads(e.read())


if __name__ == "__main__":
    unittest.main()
