"""A monitor pass measures only with the contract's monitoring.min_rows captured rows; fewer wait
(the cursor stays, the next pass reads them again with the new ones). Capture of a deleted endpoint
is reported once. Bad contract values are ContractInvalid naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
import yaml
from moto import mock_aws

from lockgate.adapters.monitoring import MonitoringSources
from lockgate.data.contract import Contract, load_contract
from lockgate.errors import ContractInvalid
from lockgate.local.alarm_fixtures import capture_lines
from lockgate.monitoring.baseline import Baseline, build_baseline
from lockgate.monitoring.monitor import Metric, MonitoredEndpoint, monitor_pass

CONTRACT = Path(__file__).resolve().parents[3] / "contracts" / "credit.yaml"
NAMES = ["age", "amount"]


def _unused(service: str) -> Any:
    """A client the test never calls (these tests read S3 only)."""
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _rows(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.normal(40, 10, n), rng.lognormal(8, 1, n)])


class FakeSources:
    """In-memory Sources: capture files appended by the test, a cursor per endpoint."""

    def __init__(self, min_rows: int) -> None:
        data = yaml.safe_load(CONTRACT.read_text())
        data["monitoring"]["min_rows"] = min_rows
        self._contract = load_contract(yaml.safe_dump(data), "credit.yaml")
        self.files: list[tuple[str, bytes]] = []
        self.cursor = 0
        self.metrics: list[Metric] = []
        self.gone: list[tuple[str, int]] = []

    def endpoints(self) -> list[MonitoredEndpoint]:
        return [MonitoredEndpoint(name="lockgate-dev-credit", dataset="credit", version="v")]

    def new_capture(self, endpoint: str) -> tuple[list[tuple[str, bytes]], str]:
        return self.files[self.cursor :], str(len(self.files))

    def orphans(self, live: set[str]) -> list[tuple[str, int]]:
        found, self.gone = self.gone, []
        return found

    def commit_cursor(self, endpoint: str, cursor: str) -> None:
        self.cursor = int(cursor)

    def baseline(self, dataset: str, version: str | None) -> Baseline | None:
        return build_baseline(dataset, "v", NAMES, _rows(5000, 1))

    def ground_truth(self, endpoint: str) -> dict[str, float]:
        return {}

    def contract(self, dataset: str) -> Contract | None:
        return self._contract

    def put_metrics(self, metrics: list[Metric]) -> None:
        self.metrics += metrics


def test_fewer_rows_than_min_rows_wait_for_the_next_pass() -> None:
    sources = FakeSources(min_rows=100)
    sources.files.append(("capture/a.jsonl", capture_lines(_rows(60, 2), np.full(60, 0.5))))
    (first,) = monitor_pass(sources).endpoints
    assert not first.measured and first.rows == 60 and "60 of 100" in first.note
    assert sources.metrics == [] and sources.cursor == 0  # nothing published, nothing consumed
    sources.files.append(("capture/b.jsonl", capture_lines(_rows(60, 3), np.full(60, 0.5))))
    (second,) = monitor_pass(sources).endpoints
    assert second.measured and second.rows == 120 and second.drifted == []
    published = {name: value for name, value, _ in sources.metrics}
    assert published["drifted_features"] == 0 and published["captured_rows"] == 120
    assert "feature_drift_p_age" in published and "feature_drift_low_age" in published
    assert sources.cursor == 2


def test_malformed_lines_are_reported_and_the_rest_measured() -> None:
    sources = FakeSources(min_rows=10)
    body = capture_lines(_rows(20, 2), np.full(20, 0.5)) + b"{oops\n"
    sources.files.append(("capture/lockgate-dev-credit/AllTraffic/x.jsonl", body))
    (report,) = monitor_pass(sources).endpoints
    assert report.measured and report.rows == 20
    assert report.skipped_lines == {"capture/lockgate-dev-credit/AllTraffic/x.jsonl": 1}
    assert "skipped 1 malformed capture line(s): capture/lockgate-dev-credit/AllTraffic/x.jsonl (1)" in (
        report.note
    )
    assert ("capture_malformed_lines", 1.0, {"EndpointName": "lockgate-dev-credit"}) in sources.metrics


def test_capture_of_the_wrong_width_is_reported_once_not_every_pass() -> None:
    sources = FakeSources(min_rows=10)
    sources.files.append(("capture/w.jsonl", capture_lines(np.ones((20, 3)), np.zeros(20))))
    (report,) = monitor_pass(sources).endpoints
    assert "capture not measured" in report.note and "3 values, the model takes 2" in report.note
    (again,) = monitor_pass(sources).endpoints
    assert again.note == "no new capture"


def test_each_variant_has_its_own_drift_beside_the_endpoints() -> None:
    sources = FakeSources(min_rows=100)
    shifted = _rows(300, 4)
    shifted[:, 0] += 30  # the challenger's traffic: older applicants
    head = "capture/lockgate-dev-credit"
    sources.files += [
        (f"{head}/champion/2026/12/07/22/a.jsonl", capture_lines(_rows(900, 3), np.full(900, 0.5))),
        (f"{head}/challenger/2026/12/07/22/b.jsonl", capture_lines(shifted, np.full(300, 0.5))),
    ]
    (report,) = monitor_pass(sources).endpoints
    assert report.rows == 1200 and report.drifted == ["age"]  # the endpoint as a whole drifted too
    assert report.variant_drift == {"champion": [], "challenger": ["age"]}
    per_variant = {d.get("VariantName"): v for n, v, d in sources.metrics if n == "drifted_features"}
    assert per_variant == {None: 1.0, "champion": 0.0, "challenger": 1.0}


@pytest.mark.parametrize("value", [0, -5])
def test_min_rows_must_be_positive(value: int) -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    data["monitoring"]["min_rows"] = value
    with pytest.raises(ContractInvalid) as info:
        load_contract(yaml.safe_dump(data), "contracts/credit.yaml")
    assert info.value.field == "monitoring.min_rows"


def test_a_contract_without_monitoring_gets_the_defaults() -> None:
    data = yaml.safe_load(CONTRACT.read_text())
    del data["monitoring"]
    rules = load_contract(yaml.safe_dump(data), "credit.yaml").monitoring
    assert (rules.min_rows, rules.alpha, rules.min_psi) == (500, 0.01, 0.1)


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        for bucket in ("data", "artifacts"):
            client.create_bucket(Bucket=bucket)
        yield client


def test_capture_of_a_deleted_endpoint_is_reported_once(s3: Any) -> None:
    sources = MonitoringSources(
        "data", "artifacts", "dev", s3=s3, sagemaker=_unused("sagemaker"), cloudwatch=_unused("cloudwatch")
    )
    for i in range(2):
        s3.put_object(Bucket="artifacts", Key=f"capture/lockgate-dev-old/AllTraffic/{i}.jsonl", Body=b"{}\n")
    s3.put_object(Bucket="artifacts", Key="capture/lockgate-dev-live/AllTraffic/0.jsonl", Body=b"{}\n")
    s3.put_object(Bucket="artifacts", Key="capture/someone-else/AllTraffic/0.jsonl", Body=b"{}\n")
    assert sources.orphans({"lockgate-dev-live"}) == [("lockgate-dev-old", 2)]
    assert sources.orphans({"lockgate-dev-live"}) == []
