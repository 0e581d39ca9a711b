"""Endpoints that take raw records (issue 20): a trained version's package is an inference pipeline
(encoder -> XGBoost -> encoder) deployed on the endpoint twin, which runs the encoder script the
run shipped. No skew: every test-split row, sent raw, scores what the batch transform scored for
the data gate's matrix of it. Bad input is refused through the endpoint with the row and column."""

from __future__ import annotations

import hashlib
import io
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml
from botocore.exceptions import ClientError

from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.local.fixtures import sample_csv
from lockgate.names import split_uri

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
DATASET = "credit-raw"
ENDPOINT = "lockgate-raw-records"


class Served:
    """The deployed package and what the skew check compares."""

    def __init__(self, pipeline: Any, package: dict[str, Any], version: str) -> None:
        self.pipeline, self.package, self.version = pipeline, package, version
        self.runtime = pipeline.cloud.client("sagemaker-runtime")
        self.s3 = pipeline.cloud.client("s3")

    def read(self, uri: str) -> bytes:
        bucket, key = split_uri(uri)
        return bytes(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def test_split(self) -> pa.Table:
        prefix = f"datasets/{DATASET}/{self.version}/parquet/test/"
        keys = sorted(
            o["Key"] for o in self.s3.list_objects_v2(Bucket=self.pipeline.bucket, Prefix=prefix)["Contents"]
        )
        parts = [pq.read_table(pa.BufferReader(self.read(f"s3://{self.pipeline.bucket}/{k}"))) for k in keys]
        return pa.concat_tables(parts).drop_columns(["credit_risk"])

    def transform_scores(self) -> np.ndarray:
        text = self.read(self.package["CustomerMetadataProperties"]["predictions"]).decode()
        return np.array([float(line) for line in text.splitlines() if line.strip()])

    def invoke(
        self, body: bytes, content_type: str = "text/csv", accept: str | None = None
    ) -> tuple[str, str]:
        extra = {"Accept": accept} if accept else {}
        answer = self.runtime.invoke_endpoint(
            EndpointName=ENDPOINT, ContentType=content_type, Body=body, **extra
        )
        return answer["Body"].read().decode(), answer["ContentType"]


@pytest.fixture(scope="module")
def served(pipeline) -> Served:  # type: ignore[no-untyped-def]
    contract = yaml.safe_load((REPO / "contracts" / "credit.yaml").read_text())
    contract["name"] = DATASET
    contract["bias"]["thresholds"] = {m: {"min": -0.9, "max": 0.9} for m in ("DPL", "DPPL", "RD", "AD")}
    contract["evaluation"]["minimums"] = {}
    s3 = pipeline.cloud.client("s3")
    s3.put_object(
        Bucket=pipeline.bucket, Key=f"contracts/{DATASET}.yaml", Body=yaml.safe_dump(contract).encode()
    )
    body = sample_csv(2500, seed=2020)
    assert pipeline.wait(pipeline.upload(f"raw/{DATASET}/data.csv", body))["status"] == "SUCCEEDED"
    version = hashlib.sha256(body).hexdigest()
    run = pipeline.train_run_for(version, 240)
    assert run["status"] == "SUCCEEDED", run.get("cause")
    arn = json.loads(run["output"])["registration"]["packageArn"]
    sm = pipeline.cloud.client("sagemaker")
    package = sm.describe_model_package(ModelPackageName=arn)
    deploy = SageMakerEndpoints(sm, pipeline.cloud.client("sagemaker-runtime"))
    info = ModelRegistry(sm).package(arn)
    deploy.ensure_model("raw-records-model", info, "arn:aws:iam::123456789012:role/sm", {})
    model = sm.describe_model(ModelName="raw-records-model")
    assert len(model["Containers"]) == 3  # moto keeps no InferenceExecutionConfig
    deploy.ensure_endpoint_config(
        "raw-records-config",
        "raw-records-model",
        instance_type="ml.m5.large",
        instances=1,
        capture_uri=f"s3://{pipeline.bucket}/raw-capture",
        tags={},
    )
    deploy.create_endpoint(ENDPOINT, "raw-records-config", {})
    deadline = time.monotonic() + 60
    while sm.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"] != "InService":
        assert time.monotonic() < deadline, "the endpoint never came InService"
        time.sleep(0.05)
    return Served(pipeline, dict(package), version)


def _csv(table: pa.Table, header: bool) -> bytes:
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=header))
    return sink.getvalue()


@pytest.mark.parametrize("form", ["csv", "csv with header", "json"])
def test_every_test_row_sent_raw_scores_what_the_batch_transform_scored(served: Served, form: str) -> None:
    table = served.test_split()
    expected = served.transform_scores()
    assert table.num_rows == len(expected) > 100
    if form == "json":
        body, kind = json.dumps({"instances": table.to_pylist()}).encode(), "application/json"
    else:
        body, kind = _csv(table, header=form == "csv with header"), "text/csv"
    text, answer_type = served.invoke(body, kind)
    assert answer_type == "text/csv"
    scores = np.array([float(line) for line in text.splitlines()])
    assert len(scores) == len(expected)
    assert float(np.max(np.abs(scores - expected))) <= 1e-6


def test_a_header_in_another_order_is_honoured_by_name(served: Served) -> None:
    table = served.test_split().slice(0, 20)
    reordered = table.select(list(reversed(table.column_names)))
    assert served.invoke(_csv(reordered, True))[0] == served.invoke(_csv(table, False))[0]


def test_json_answers_and_the_predicted_label_on_request(served: Served) -> None:
    body = _csv(served.test_split().slice(0, 3), False)
    text, kind = served.invoke(body, accept="application/json")
    assert kind == "application/json" and set(json.loads(text)["predictions"][0]) == {"score"}
    text, kind = served.invoke(body, accept="application/json;labels=true")
    for prediction in json.loads(text)["predictions"]:
        assert prediction["predicted_label"] == ("good" if prediction["score"] >= 0.5 else "bad")
    lines = served.invoke(body, accept="text/csv;labels=true")[0].splitlines()
    assert all(line.split(",")[1] in ("good", "bad") for line in lines)


def test_the_raw_record_is_what_data_capture_keeps(served: Served) -> None:
    header = "applicant_id,age,sex,foreign_worker,purpose,credit_amount,duration_months,savings,"
    header += "employment_years"
    body = f"{header}\n991,44,female,no,car,2500,24,little,7\n".encode()
    served.invoke(body)
    s3, bucket = served.s3, served.pipeline.bucket
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="raw-capture/").get("Contents", [])]
    records = [json.loads(served.read(f"s3://{bucket}/{k}")) for k in keys]
    inputs = [r["captureData"]["endpointInput"] for r in records]
    assert any(i["data"] == body.decode() and i["observedContentType"] == "text/csv" for i in inputs)


ROW = "7,30,male,yes,car,1000.5,12,none,3"


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", "text/csv", "empty"),
        (b"applicant_id,age,sex,foreign_worker,purpose,credit_amount\n", "text/csv", "header line only"),
        (ROW.replace(",", ";").encode(), "text/csv", "row 1 has 1 field(s)"),
        (b'{"records": []}', "application/json", '"instances"'),
        ((ROW + ",extra").encode(), "text/csv", "row 1 has 10 field(s)"),
        (
            json.dumps(
                {
                    "instances": [
                        dict(
                            zip(
                                [
                                    "applicant_id",
                                    "age",
                                    "sex",
                                    "foreign_worker",
                                    "purpose",
                                    "credit_amount",
                                    "duration_months",
                                    "savings",
                                    "employment_years",
                                    "colour",
                                ],
                                [*ROW.split(","), "red"],
                                strict=True,
                            )
                        )
                    ]
                }
            ).encode(),
            "application/json",
            "'colour' are not in the contract",
        ),
        (
            ROW.replace("1000.5", "NaN").encode(),
            "text/csv",
            "row 1: column 'credit_amount': 'NaN' is not a finite",
        ),
        (ROW.replace("1000.5", "inf").encode(), "text/csv", "'inf' is not a finite number"),
        (ROW.replace("30", "thirty").encode(), "text/csv", "row 1: column 'age': 'thirty' is not a number"),
        (ROW.replace("male", "m\xe4le").encode("latin-1"), "text/csv", "not UTF-8"),
        (b'{"instances": [{"age": 30}]}', "application/json", "column 'sex' is missing"),
    ],
)
def test_bad_input_is_refused_naming_the_rule(
    served: Served, body: bytes, content_type: str, message: str
) -> None:
    with pytest.raises(ClientError) as caught:
        served.invoke(body, content_type)
    error = caught.value.response
    assert error["Error"]["Code"] == "ModelError"
    assert error["OriginalStatusCode"] == 400
    assert message in error["OriginalMessage"]


def test_a_payload_over_the_invoke_limit_is_refused_as_aws_does(served: Served) -> None:
    body = (ROW + "\n").encode() * (6 * 1024 * 1024 // len(ROW) + 10)
    with pytest.raises(ClientError) as caught:
        served.invoke(body)
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert "6291456" in caught.value.response["Error"]["Message"]


def test_lockgate_predict_sends_files_of_raw_records(served: Served, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from lockgate.cli import main

    table = served.test_split().slice(0, 4)
    (tmp_path / "new.csv").write_bytes(_csv(table, True))
    (tmp_path / "new.json").write_text(json.dumps({"instances": table.to_pylist()}))
    url = served.pipeline.cloud.url
    assert main(["predict", ENDPOINT, "--file", str(tmp_path / "new.csv"), "--endpoint-url", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("# variant") and len(lines) == 5
    csv_scores = [float(x) for x in lines[1:]]
    argv = ["predict", ENDPOINT, "--file", str(tmp_path / "new.json"), "--endpoint-url", url]
    assert main([*argv, "--accept", "application/json", "--labels"]) == 0
    answer = json.loads("".join(capsys.readouterr().out.splitlines()[1:]))
    assert [p["score"] for p in answer["predictions"]] == pytest.approx(csv_scores, abs=1e-7)
    (tmp_path / "bad.csv").write_text("7,30,male,yes,car,lots,12,none,3\n")
    assert main(["predict", ENDPOINT, "--file", str(tmp_path / "bad.csv"), "--endpoint-url", url]) == 2
    error = capsys.readouterr().err.strip().splitlines()  # the CLI convention: one line on stderr
    assert len(error) == 1 and "row 1: column 'credit_amount': 'lots' is not a number" in error[0]


@pytest.mark.parametrize("how", ["state machine", "direct"])
def test_batch_predict_scores_new_records_beside_their_keys_and_reports_bad_rows(
    served: Served, capsys, how: str
) -> None:  # type: ignore[no-untyped-def]
    """By default through the deployed batch-predict state machine (PrepareBatch -> CreateModel +
    CreateTransformJob.sync of the package's pipeline -> FinishBatch); --direct from the CLI's
    process: the same files."""
    from lockgate.cli import main

    table = served.test_split()
    body = _csv(table, True) + b"99999,41,male,yes,car,lots,12,none,3\n99998,41,,yes,car,100,12,none,3\n"
    bucket = served.pipeline.bucket
    key = f"incoming/new-data-{how.replace(' ', '-')}.csv"
    served.s3.put_object(Bucket=bucket, Key=key, Body=body)
    arn = served.package["ModelPackageArn"]
    argv = ["batch-predict", DATASET, f"s3://{bucket}/{key}", "--package", arn]
    argv += ["--direct"] if how == "direct" else []
    assert main([*argv, "--endpoint-url", served.pipeline.cloud.url]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    if how == "state machine":
        assert ":execution:lockgate-batch-predict-dev:batch-" in out, out
        sfn = served.pipeline.cloud.client("stepfunctions")
        run = sfn.describe_execution(executionArn=out.split("batch predict run ", 1)[1].split()[0])
        result = json.loads(run["output"])
        assert (result["rows"], result["scored"], result["bad"]) == (table.num_rows + 2, table.num_rows, 2)
        assert result["scores"] == f"s3://{bucket}/{key}.scores.csv"
    scored = pacsv.read_csv(pa.BufferReader(served.read(f"s3://{bucket}/{key}.scores.csv")))
    assert scored.column_names == ["applicant_id", "score"]
    assert scored.column("applicant_id").to_pylist() == table.column("applicant_id").to_pylist()
    scores = np.array(scored.column("score").to_pylist())
    assert float(np.max(np.abs(scores - served.transform_scores()))) <= 1e-6
    report = json.loads(served.read(f"s3://{bucket}/{key}.bad-rows.json"))
    assert report["rows"] == table.num_rows + 2 and report["bad"] == 2
    assert any("column 'credit_amount': 'lots' is not a number" in p for p in report["problems"])
    assert any("column 'sex' is empty" in p for p in report["problems"])


def test_the_batch_predict_state_machine_refuses_what_cannot_be_scored_in_one_line(
    served: Served, capsys
) -> None:  # type: ignore[no-untyped-def]
    """A file the encoder cannot read at all, and a dataset without an Approved package: the run
    fails with the typed error's message, which the CLI prints as one line; nothing is written."""
    from lockgate.cli import main

    bucket, url = served.pipeline.bucket, served.pipeline.cloud.url
    served.s3.put_object(Bucket=bucket, Key="incoming/odd.csv", Body=b"age,colour\n30,red\n")
    arn = served.package["ModelPackageArn"]
    argv = [
        "batch-predict",
        DATASET,
        f"s3://{bucket}/incoming/odd.csv",
        "--package",
        arn,
        "--endpoint-url",
        url,
    ]
    assert main(argv) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert (
        len(error) == 1 and "InputRejected" in error[0] and "'colour' are not in the contract" in error[0]
    ), error
    assert (
        main(["batch-predict", "no-such-dataset", f"s3://{bucket}/incoming/odd.csv", "--endpoint-url", url])
        == 2
    )
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "has no Approved model package" in error[0], error
    listed = served.s3.list_objects_v2(Bucket=bucket, Prefix="incoming/odd.csv.")
    assert listed.get("KeyCount", 0) == 0
    # `lockgate runs` lists the batch-predict runs with the others, a failed one with why
    assert main(["runs", "--dataset", "no-such-dataset", "--endpoint-url", url]) == 0
    runs = capsys.readouterr().out
    assert "lockgate-batch-predict-dev" in runs and "has no Approved model package" in runs, runs
    # and people are told of each failed run once, as of a failed ingest or train run
    told: list[str] = []
    deadline = time.monotonic() + 60
    while len(told) < 2 and time.monotonic() < deadline:
        told += [m.get("Subject", "") for m in served.pipeline.notifications()]
        told = [s for s in told if s.startswith("Lockgate batch-predict")]
        time.sleep(0.5)
    assert len(told) == 2, told
