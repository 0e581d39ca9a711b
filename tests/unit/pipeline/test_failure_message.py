import json
from typing import Any

from lockgate.messages.notify import NotifyFailureRequest
from lockgate.pipeline.failure_message import failure_message as message_for


def failure_message(
    pipeline: str, run: dict[str, Any], error: dict[str, str], outcome: str = "failed"
) -> tuple[str, str]:
    payload = {"pipeline": pipeline, "run": run, "error": error, "outcome": outcome}
    return message_for(NotifyFailureRequest.model_validate(payload))


RUN = {"bucket": "data", "key": "raw/credit/a b.csv", "dataset": "credit", "execution": "arn:x"}


def test_a_lambda_error_shows_only_its_message() -> None:
    cause = json.dumps(
        {
            "errorMessage": "s3://data/raw/credit/a b.csv: rule 'range[age]' failed (3)",
            "errorType": "DatasetRejected",
            "stackTrace": ["  File x"],
        }
    )
    subject, body = failure_message("ingest", RUN, {"Error": "DatasetRejected", "Cause": cause})
    assert subject == "Lockgate ingest failed: DatasetRejected"
    assert "s3://data/raw/credit/a b.csv failed" in body and "range[age]' failed (3)" in body
    assert "stackTrace" not in body and "quarantine/credit/" in body


def test_a_plain_cause_is_shown_as_it_is() -> None:
    _, body = failure_message("ingest", RUN, {"Error": "States.Timeout", "Cause": "Task timed out"})
    assert "Task timed out" in body and "quarantine" not in body


def test_a_review_is_not_called_a_failure() -> None:
    subject, body = failure_message(
        "train",
        {"version": "v1", "report": "s3://r/report.html"},
        {"Error": "BiasNeedsReview"},
        "needs a person's review",
    )
    assert subject == "Lockgate train needs a person's review: BiasNeedsReview"
    assert "failed" not in body and "s3://r/report.html" in body


def test_a_run_without_a_file_is_named_by_dataset_and_version() -> None:
    _, body = failure_message(
        "train", {"dataset": "credit", "version": "0123456789abcdef"}, {"Error": "BiasGateFailed"}
    )
    assert body.startswith("The train run for dataset credit version 0123456789ab failed.")
