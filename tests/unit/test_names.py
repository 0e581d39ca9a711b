"""lockgate.names: every resource and execution name and every S3 URI split.

The pinned strings were produced by the modules names.py replaced (deployment/names.py,
pipeline/execution_names.py, registry/package.group_name, layout.split_uri): existing resources
keep their names. tests/unit/test_names_template.py checks them against template.yaml."""

from __future__ import annotations

import re

import pytest

from lockgate import names
from lockgate.errors import InputRejected
from lockgate.layout import s3_uri

VALID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
PACKAGE = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/lockgate-dev-credit/3"


# --- S3 URIs -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bucket", "key"), [("b", "k"), ("lockgate-data-dev", "raw/credit/a b.csv"), ("b", "p/"), ("b", "")]
)
def test_a_uri_splits_back_into_what_made_it(bucket: str, key: str) -> None:
    assert names.split_uri(s3_uri(bucket, key)) == (bucket, key)
    assert names.split_location(s3_uri(bucket, key)) == (bucket, key)
    assert names.bucket_of(s3_uri(bucket, key)) == bucket


@pytest.mark.parametrize(
    "uri", ["bucket/key", "s3://bucket", "s3:///key", "s3://", "S3://b/k", "https://b/k", ""]
)
def test_a_bad_uri_is_input_rejected_naming_it(uri: str) -> None:
    with pytest.raises(InputRejected) as raised:
        names.split_uri(uri)
    assert raised.value.file == uri and raised.value.rule == "s3_uri" and raised.value.count == 1
    assert "expected s3://bucket/key" in str(raised.value)


def test_a_location_may_be_a_whole_bucket_but_not_another_scheme() -> None:
    assert names.split_location("s3://bucket") == ("bucket", "")
    assert names.split_location("s3://bucket/capture") == ("bucket", "capture")
    for uri in ("bucket/capture", "s3://", "file:///tmp/x"):
        with pytest.raises(InputRejected, match=re.escape(uri)):
            names.split_location(uri)


# --- dataset names and their round trips -------------------------------------------------------
def test_group_endpoints_and_their_dataset_round_trip() -> None:
    assert names.group_name("dev", "credit") == "lockgate-dev-credit"
    assert names.endpoint_name("dev", "credit", "prod") == "lockgate-dev-credit"
    assert names.endpoint_name("dev", "credit", "staging") == "lockgate-dev-credit-staging"
    assert names.prod_endpoint_of_group(names.group_name("dev", "credit")) == "lockgate-dev-credit"
    assert names.group_of_package(PACKAGE) == "lockgate-dev-credit"
    assert names.group_of_package("arn:aws:sagemaker:r:1:endpoint/lockgate-dev-credit") is None
    for dataset in ("credit", "credit-eu", "a_b"):
        assert names.dataset_of_group("dev", names.group_name("dev", dataset)) == dataset
        for stage in names.STAGES:
            assert names.stage_of("dev", names.endpoint_name("dev", dataset, stage)) == (dataset, stage)
        assert names.environment_of(names.endpoint_name("dev", dataset, "prod")) == "dev"
    with pytest.raises(ValueError, match="other-group"):
        names.dataset_of_group("dev", "other-group")
    assert names.stage_of("dev", "lockgate-prod-credit") is None
    assert names.stage_of("dev", "lockgate-dev-") is None
    assert names.environment_of("other-dev-credit") is None


def test_state_machines_and_functions_round_trip() -> None:
    for pipeline in ("ingest", "train", "deploy"):
        name = names.state_machine_name(pipeline, "dev")
        assert name == f"lockgate-{pipeline}-dev" and name.startswith(names.state_machine_prefix(pipeline))
        assert names.pipeline_of(f"arn:aws:states:r:1:stateMachine:{name}", "dev") == pipeline
        assert names.environment_of_machine(name, pipeline) == "dev"
    assert names.pipeline_of("lockgate-train-prod", "dev") is None
    assert names.pipeline_of("lockgate--dev", "dev") is None
    assert names.function_name("promote-variant", "dev") == "lockgate-promote-variant-dev"
    assert names.data_bucket_prefix("dev") == "lockgate-data-dev-"


def test_reaction_alarms_round_trip() -> None:
    name = names.reaction_alarm_name("dev", "rollback", "credit-champion-5xx")
    assert name == "lockgate-dev-rollback-credit-champion-5xx"
    assert names.split_reaction_alarm(name, "dev") == ("rollback", "credit-champion-5xx")
    assert names.split_reaction_alarm(name, "prod") is None
    assert len(names.reaction_alarm_name("dev", "idle", "budget-" + "x" * 300)) == 255  # CloudWatch's limit
    assert names.alarm_names("lockgate-dev-credit") == (
        "lockgate-dev-credit-5xx",
        "lockgate-dev-credit-latency",
    )


# --- byte-identical to the names existing resources already carry -----------------------------
def test_sagemaker_resource_names_are_unchanged_and_fit() -> None:
    assert names.resource_name("dev", "credit", 3, PACKAGE, "model") == "lg-dev-credit-v3-47fcba72-model"
    long = names.resource_name("dev", "a-very-long-dataset-name-" * 3, 12, PACKAGE, "prd")
    assert len(long) <= 63 and long.endswith("-prd") and re.fullmatch(r"[A-Za-z0-9-]+", long)
    assert (
        names.rollback_config_name("lockgate-dev-credit", "2", "2026-03-04T05:06:07.123Z")
        == "lockgate-dev-credit-rollback-2-20260304T050607"
    )


def test_deploy_execution_names_are_unchanged_and_fit() -> None:
    assert (
        names.deploy_execution_name(PACKAGE, "Approved") == "lockgate-dev-credit-v3-Approved-18b4c2184503f5fc"
    )
    assert names.deploy_execution_name(PACKAGE, "Approved") != names.deploy_execution_name(
        PACKAGE, "Rejected"
    )
    assert len(names.deploy_execution_name(f"{PACKAGE}{'9' * 90}", "PendingManualApproval")) <= 80
    assert (
        names.ab_execution_name(PACKAGE, "99.5/0.5", "0304050607")
        == "lockgate-dev-credit-v3-AB-9a1d3cea7d3d0258-99_5-0_5-0304050607"
    )


def test_retrain_names_round_trip() -> None:
    name = names.retrain_name("credit", "manual-20260101T000000Z")
    assert name == "retrain-credit-manual-20260101T000000Z"
    assert names.retrain_of(f"arn:aws:states:r:1:execution:lockgate-train-dev:{name}") == name
    assert names.retrain_of("raw-credit-a-csv-0123") is None
    assert VALID.match(names.retrain_name("x" * 90, "drift alarm!"))


# --- upload executions (one upload, one execution) ---------------------------------------------
def test_same_object_version_same_name() -> None:
    first = names.upload_execution_name("b", "raw/credit/a.csv", "v1")
    assert first == names.upload_execution_name("b", "raw/credit/a.csv", "v1")
    assert first == "credit-a-csv-" + first.rsplit("-", 1)[-1] and len(first.rsplit("-", 1)[-1]) == 32


def test_any_identity_change_changes_the_name() -> None:
    base = names.upload_execution_name("b", "raw/credit/a.csv", "v1")
    assert (
        len(
            {
                base,
                names.upload_execution_name("b2", "raw/credit/a.csv", "v1"),
                names.upload_execution_name("b", "raw/credit/b.csv", "v1"),
                names.upload_execution_name("b", "raw/credit/a.csv", "v2"),
            }
        )
        == 4
    )


def test_names_are_valid_for_step_functions_whatever_the_key() -> None:
    for key in ["raw/crédit/été 2026 (copy)+1.csv", "raw/" + "x" * 300 + ".csv", "raw/%%%/***"]:
        assert VALID.match(names.upload_execution_name("bucket", key, "v")), key
