"""Upload -> EventBridge -> starter -> ingest state machine -> validation, on the local cloud."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from lockgate.local.fixtures import sample_csv

pytestmark = pytest.mark.integration


def test_upload_runs_the_ingest_to_success(pipeline) -> None:  # type: ignore[no-untyped-def]
    name = pipeline.upload("raw/credit/it-ok.csv", sample_csv(300))
    assert pipeline.wait(name)["status"] == "SUCCEEDED"


def test_a_key_with_spaces_plus_and_unicode_is_processed(pipeline) -> None:  # type: ignore[no-untyped-def]
    key = "raw/credit/applications 2026+11 (copy) été.csv"
    name = pipeline.upload(key, sample_csv(300))
    described = pipeline.wait(name)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["input"])["key"] == key


def test_a_malformed_file_fails_through_catch_and_tells_people(pipeline) -> None:  # type: ignore[no-untyped-def]
    pipeline.notifications()  # drain
    name = pipeline.upload("raw/credit/it-header-only.csv", b"applicant_id,age,sex\n")
    described = pipeline.wait(name)
    assert described["status"] == "FAILED"
    assert described["error"] in {"InputRejected", "DatasetRejected"}
    assert "it-header-only.csv" in described["cause"]
    messages = [m["Message"] for m in pipeline.notifications()]
    assert any("it-header-only.csv" in message and "failed" in message for message in messages), messages


def _delivery(pipeline, key: str, version: str) -> bytes:  # type: ignore[no-untyped-def]
    with open(pipeline.cloud.template.parent / "events" / "starter_object_created.json") as handle:
        event = json.load(handle)
    event["detail"]["bucket"]["name"] = pipeline.bucket
    event["detail"]["object"].update({"key": key, "version-id": version})
    return json.dumps(event).encode()


@pytest.mark.parametrize("threads", [1, 8], ids=["sequential", "8-threads"])
def test_one_upload_delivered_25_times_starts_one_execution(pipeline, threads: int) -> None:  # type: ignore[no-untyped-def]
    key = f"raw/credit/it-duplicate-{threads}.csv"
    name = pipeline.upload(key, sample_csv(200))
    version = pipeline.cloud.client("s3").head_object(Bucket=pipeline.bucket, Key=key)["VersionId"]
    starter = pipeline.cloud.stack.functions["StarterFunction"].name
    payload = _delivery(pipeline, key, version)
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda _: pipeline.cloud.runtime.invoke(starter, payload), range(25)))
    assert all(result.function_error is None for result in results), [r.payload for r in results]
    assert pipeline.wait(name)["status"] == "SUCCEEDED"
    assert len(pipeline.executions_named(name)) == 1
    started_here = [json.loads(r.payload)["started"] for r in results]
    # The upload's own delivery races these 25: at most one of all 26 may report that it started it.
    assert started_here.count(True) <= 1
