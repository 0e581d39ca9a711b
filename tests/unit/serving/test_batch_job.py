"""Batch inference as a job (lockgate.serving.batch_job), against an in-memory store and registry:
the package it picks, what it refuses, and the files it writes beside the input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow.csv as pacsv
import pytest

from lockgate.data.contract import load_contract
from lockgate.errors import InputRejected
from lockgate.messages.batch import BatchPlan, BatchPredictRequest
from lockgate.sagemaker_ports import Container, PackageInfo
from lockgate.serving import artifact, batch_job

CONTRACT = load_contract(Path(__file__).parents[3] / "contracts" / "credit.yaml")
ENCODER_URL = "s3://artifacts/models/credit/v1/lg-job/encoder/model.tar.gz"
MODEL_URL = "s3://artifacts/models/credit/v1/lg-job/output/model.tar.gz"
HEADER = (
    "applicant_id,age,sex,foreign_worker,purpose,credit_amount,duration_months,savings,employment_years\n"
)
GOOD = "7,30,male,yes,car,1000.5,12,none,3\n"


class Store:
    """Objects in a dict (a fake S3 for read and put)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        return self.objects[(bucket, key)]

    def put(self, bucket: str, key: str, body: bytes, content_type: str = "") -> str:
        self.objects[(bucket, key)] = body
        return f"s3://{bucket}/{key}"


class Registry:
    """Packages by ARN; the Approved ones of each group, oldest first."""

    def __init__(self, packages: dict[str, PackageInfo], approved: dict[str, list[tuple[str, int]]]) -> None:
        self.packages, self.approved = packages, approved

    def approved_packages(self, group: str) -> list[tuple[str, int]]:
        return self.approved.get(group, [])

    def package(self, arn: str) -> PackageInfo:
        return self.packages[arn]


def _package(arn: str, *, raw: bool = True) -> PackageInfo:
    registered = (
        artifact.package_containers(ENCODER_URL, "sklearn", "xgboost", MODEL_URL)
        if raw
        else [{"Image": "xgboost", "ModelDataUrl": MODEL_URL}]
    )
    containers = [
        Container(image=c["Image"], model_data_url=c["ModelDataUrl"], environment=c.get("Environment", {}))
        for c in registered
    ]
    return PackageInfo(
        arn=arn,
        group="lockgate-dev-credit",
        version=1,
        status="Approved",
        model_data_url=MODEL_URL,
        image="xgboost",
        containers=containers,
    )


ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/lockgate-dev-credit/{}"


@pytest.fixture
def world() -> tuple[Store, Registry]:
    store = Store()
    store.put(
        "artifacts",
        ENCODER_URL.split("/", 3)[3],
        artifact.tarball(artifact.spec(CONTRACT, dataset="credit", version="v1")),
    )
    packages = {ARN.format(n): _package(ARN.format(n)) for n in (1, 2)}
    packages[ARN.format(3)] = _package(ARN.format(3), raw=False)
    return store, Registry(packages, {"lockgate-dev-credit": [(ARN.format(1), 1), (ARN.format(2), 2)]})


def _request(package: str | None = None, body: str = HEADER + GOOD) -> tuple[BatchPredictRequest, str]:
    return BatchPredictRequest(dataset="credit", input="s3://data/incoming/new.csv", package=package), body


def test_the_newest_approved_package_scores_and_the_files_land_beside_the_input(world) -> None:  # type: ignore[no-untyped-def]
    store, registry = world
    body = HEADER + GOOD + "8,41,female,no,car,lots,12,none,3\n" + GOOD.replace("7,", "9,", 1)
    store.put("data", "incoming/new.csv", body.encode())
    plan = batch_job.prepare(store, registry, _request()[0], "dev", 1700000000)
    assert plan.package == ARN.format(2)  # the newest Approved
    assert (plan.rows, plan.scored, plan.bad) == (3, 2, 1)
    assert plan.job == plan.model.ModelName == plan.transform.ModelName and plan.job.startswith("lg-batch-")
    assert [c.get("Environment", {}).get("LOCKGATE_STAGE") for c in plan.model.Containers] == [
        "encode",
        None,
        "decode",
    ]
    prefix = f"models/credit/batch/{plan.job}/"
    assert plan.work == f"s3://artifacts/{prefix}"
    records = store.read("artifacts", prefix + "input/records.csv").decode().splitlines()
    assert len(records) == 2 and records[0].replace('"', "") == GOOD.strip()  # contract order, no label
    # the round trip through a JSON payload (Step Functions) changes nothing
    plan = BatchPlan.model_validate_json(json.dumps(plan.to_payload()))
    store.put("artifacts", prefix + "output/records.csv.out", b"0.25\n0.75\n")
    result = batch_job.finish(store, plan)
    assert (result.scores, result.report) == (
        "s3://data/incoming/new.csv.scores.csv",
        "s3://data/incoming/new.csv.bad-rows.json",
    )
    scores = pacsv.read_csv(io.BytesIO(store.read("data", "incoming/new.csv.scores.csv")))
    assert scores.to_pydict() == {"applicant_id": [7, 9], "score": [0.25, 0.75]}
    report = json.loads(store.read("data", "incoming/new.csv.bad-rows.json"))
    assert (report["rows"], report["scored"], report["bad"]) == (3, 2, 1)
    assert report["problems"] == ["row 2: column 'credit_amount': 'lots' is not a number"]


def test_every_row_bad_writes_only_the_report(world) -> None:  # type: ignore[no-untyped-def]
    store, registry = world
    store.put("data", "incoming/new.csv", (HEADER + "8,41,female,no,car,lots,12,none,3\n").encode())
    plan = batch_job.prepare(store, registry, _request(ARN.format(1))[0], "dev", 1)
    assert (plan.scored, plan.bad, plan.package) == (0, 1, ARN.format(1))
    result = batch_job.finish(store, plan)
    assert result.scores == "" and ("data", "incoming/new.csv.scores.csv") not in store.objects
    assert json.loads(store.read("data", "incoming/new.csv.bad-rows.json"))["bad"] == 1


@pytest.mark.parametrize(
    ("dataset", "package", "body", "rule"),
    [
        ("other", None, GOOD, "an_approved_package"),
        ("credit", ARN.format(3), GOOD, "package_takes_raw_records"),
        ("other", ARN.format(1), GOOD, "package_of_the_dataset"),
        ("credit", ARN.format(1), "age,colour\n30,red\n", "records_readable"),
    ],
)
def test_what_cannot_be_scored_is_refused_naming_the_rule(world, dataset, package, body, rule) -> None:  # type: ignore[no-untyped-def]
    store, registry = world
    store.put("data", "incoming/new.csv", body.encode())
    request = BatchPredictRequest(dataset=dataset, input="s3://data/incoming/new.csv", package=package)
    with pytest.raises(InputRejected) as refused:
        batch_job.prepare(store, registry, request, "dev", 1)
    assert refused.value.rule == rule
    assert not [k for b, k in store.objects if b == "data" and k != "incoming/new.csv"]


def test_the_request_model_refuses_what_is_not_an_s3_object_or_a_package_arn() -> None:
    for bad in ({"input": "/tmp/new.csv"}, {"input": "s3://bucket/"}, {"package": "lockgate-dev-credit/1"}):
        with pytest.raises(ValueError):
            BatchPredictRequest.model_validate({"dataset": "credit", "input": "s3://b/k.csv", **bad})
    assert (
        BatchPredictRequest.model_validate({"dataset": "credit", "input": "s3://b/k.csv"}).instance_type
        == "ml.m5.large"
    )
