"""The data gate end to end on the local cloud: upload -> manifest and splits in S3 -> event;
a broken copy -> quarantine with its report and a message naming file, rules and counts;
multipart batches on the Distributed Map; one version per content."""

from __future__ import annotations

import hashlib
import io
import json

import pyarrow.parquet as pq
import pytest

from lockgate.local.fixtures import broken_csv, sample_csv, sample_parts

pytestmark = pytest.mark.integration


def _manifest(pipeline, described: dict) -> dict:  # type: ignore[no-untyped-def]
    version = json.loads(described["output"])["datasetVersion"]
    return json.loads(pipeline.read(version["manifest"].split(pipeline.bucket + "/", 1)[1]))


def test_upload_gives_manifest_splits_and_one_event(pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline.lockgate_events()
    body = sample_csv(1500, seed=11)
    described = pipeline.wait(pipeline.upload("raw/credit/flow/good.csv", body))
    assert described["status"] == "SUCCEEDED"
    version = hashlib.sha256(body).hexdigest()
    manifest = _manifest(pipeline, described)
    assert (manifest["version"], manifest["rows"]) == (version, 1500)
    train = pipeline.read(f"datasets/credit/{version}/parquet/train/part-00000.parquet")
    assert pq.read_table(io.BytesIO(train)).num_rows == manifest["split"]["rows"]["train"]
    xgb_train = pq.read_table(
        io.BytesIO(pipeline.read(f"datasets/credit/{version}/xgboost/train/part-00000.parquet"))
    )
    assert xgb_train.column_names[0] == "credit_risk" and set(xgb_train.column(0).to_pylist()) <= {0, 1}
    assert (
        xgb_train.num_rows == manifest["split"]["rows"]["train"]
    )  # label first, numeric: the training matrix
    listed = pipeline.cloud.client("s3").list_objects_v2(
        Bucket=pipeline.bucket, Prefix=f"datasets/credit/{version}/xgboost/"
    )
    assert [o["Key"].rsplit("/", 2)[1:] for o in listed["Contents"]] == [
        [split, "part-00000.parquet"] for split in ("test", "train", "validation")
    ]  # no CSV copy
    events = [e for e in pipeline.lockgate_events() if e["detail-type"] == "DatasetVersionCreated"]
    assert [e["detail"]["version"] for e in events] == [version]
    assert events[0]["detail"]["manifest"].endswith(f"datasets/credit/{version}/manifest.json")


def test_the_same_content_again_is_not_a_new_version(pipeline) -> None:  # type: ignore[no-untyped-def]
    body = sample_csv(800, seed=12)
    first = pipeline.wait(pipeline.upload("raw/credit/flow/same-1.csv", body))
    pipeline.lockgate_events()
    again = pipeline.wait(pipeline.upload("raw/credit/flow/same-2.csv", body))
    assert (first["status"], again["status"]) == ("SUCCEEDED", "SUCCEEDED")
    assert json.loads(again["output"])["datasetVersion"]["new"] is False
    assert [e for e in pipeline.lockgate_events() if e["detail-type"] == "DatasetVersionCreated"] == []


def test_a_broken_copy_is_quarantined_with_its_report_and_people_are_told(pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline.notifications()
    key = "raw/credit/flow/broken copy.csv"
    described = pipeline.wait(pipeline.upload(key, broken_csv()))
    assert (described["status"], described["error"]) == ("FAILED", "DatasetRejected")
    assert pipeline.read("quarantine/credit/flow/broken copy.csv") == broken_csv()
    report = json.loads(pipeline.read("quarantine/credit/flow/broken copy.csv.report.json"))
    counts = {f["rule"] + (f"[{f['column']}]" if f["column"] else ""): f["count"] for f in report["failures"]}
    assert counts["label_values[credit_risk]"] == 12 and counts["range[age]"] == 3, counts
    assert pipeline.read(key) == broken_csv()  # raw/ untouched
    (message,) = [m["Message"] for m in pipeline.notifications() if "broken copy.csv" in m["Message"]]
    assert "label_values[credit_risk] (12 rows)" in message and "(3 rows)" in message, message
    assert message.count("range[age]") == 1, message  # each rule named once (issue 10 item 11)


@pytest.mark.parametrize("parts", [1, 3])
def test_a_multipart_batch_equals_one_pass_over_the_same_rows(pipeline, parts: int) -> None:  # type: ignore[no-untyped-def]
    whole = pipeline.wait(pipeline.upload(f"raw/credit/flow/whole-{parts}.csv", sample_csv(900, seed=13)))
    prefix = f"raw/credit/flow/batch-{parts}/"
    for number, body in enumerate(sample_parts(parts, 900, seed=13)):
        pipeline.cloud.client("s3").put_object(
            Bucket=pipeline.bucket, Key=f"{prefix}part-{number:05d}.csv", Body=body
        )
    described = pipeline.wait(pipeline.upload(f"{prefix}_SUCCESS", b""))
    assert described["status"] == "SUCCEEDED", described.get("cause")
    one, many = _manifest(pipeline, whole), _manifest(pipeline, described)
    assert many["statistics"] == one["statistics"]
    assert many["split"]["rows"] == one["split"]["rows"]
    assert many["source"]["parts"] == parts


def test_the_same_object_version_run_again_writes_nothing_and_announces_nothing(pipeline) -> None:  # type: ignore[no-untyped-def]
    body = sample_csv(600, seed=14)
    key = "raw/credit/flow/rerun.csv"
    described = pipeline.wait(pipeline.upload(key, body))
    assert described["status"] == "SUCCEEDED"
    s3 = pipeline.cloud.client("s3")
    version = hashlib.sha256(body).hexdigest()
    before = s3.list_object_versions(Bucket=pipeline.bucket, Prefix=f"datasets/credit/{version}/")["Versions"]
    pipeline.lockgate_events()
    sfn = pipeline.cloud.client("stepfunctions")  # an operator re-runs the same input by hand
    sfn.start_execution(stateMachineArn=pipeline.ingest_arn, name="manual-rerun", input=described["input"])
    again = pipeline.wait("manual-rerun")
    assert again["status"] == "SUCCEEDED"
    assert json.loads(again["output"])["datasetVersion"] == {
        **json.loads(described["output"])["datasetVersion"],
        "new": False,
    }
    after = s3.list_object_versions(Bucket=pipeline.bucket, Prefix=f"datasets/credit/{version}/")["Versions"]
    assert len(after) == len(before)  # no second write of any split, report or manifest
    assert [e for e in pipeline.lockgate_events() if e["detail-type"] == "DatasetVersionCreated"] == []
