"""Contract tests: every moto internal the SageMaker twin (lockgate.local.sagemaker.patches)
relies on is still there, with the shape the twin assumes. A moto upgrade that moves one fails
here, by name; one that fixes what the twin fills says so (the patch may then be dropped)."""

from __future__ import annotations

import inspect

import pytest
from moto.sagemaker import responses as sagemaker_responses
from moto.sagemaker.models import (
    FakeTrainingJob,
    FakeTransformJob,
    HyperParameterTuningJob,
    Model,
    ModelPackage,
    SageMakerModelBackend,
)
from moto.sagemaker.responses import SageMakerResponse
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
    state_task_service_factory,
)

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import patches, training
from lockgate.local.sagemaker.sync import StateTaskServiceSageMaker


def _params(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


@pytest.mark.parametrize(("owner", "name"), patches.PATCH_TARGETS, ids=lambda x: getattr(x, "__name__", x))
def test_every_patch_target_exists(owner: object, name: str) -> None:
    instance_attrs = {"training_jobs", "hyper_parameter_tuning_jobs", "model_packages"}
    if name in instance_attrs:  # set in SageMakerModelBackend.__init__
        assert f"self.{name}" in inspect.getsource(SageMakerModelBackend.__init__), name
    else:
        assert hasattr(owner, name), f"moto moved {getattr(owner, '__name__', owner)}.{name}"


def test_backend_create_calls_take_the_keywords_the_twin_passes() -> None:
    assert "training_job_name" in _params(SageMakerModelBackend.create_training_job)
    assert "transform_job_name" in _params(SageMakerModelBackend.create_transform_job)
    assert "hyper_parameter_tuning_job_name" in _params(
        SageMakerModelBackend.create_hyper_parameter_tuning_job
    )
    assert _params(SageMakerModelBackend.update_model_package) == [
        "self",
        "model_package_arn",
        "model_approval_status",
        "approval_description",
        "customer_metadata_properties",
        "customer_metadata_properties_to_remove",
        "additional_inference_specifications_to_add",
    ]


def test_job_objects_keep_the_fields_the_twin_sets() -> None:
    for owner, fields in (
        (
            FakeTrainingJob,
            ("training_job_status", "secondary_status", "model_artifacts", "stopping_condition"),
        ),
        (
            FakeTransformJob,
            ("transform_job_status", "transform_input", "transform_output", "data_processing"),
        ),
        (HyperParameterTuningJob, ("hyper_parameter_tuning_job_status", "best_training_job")),
        (Model, ("primary_container", "containers")),
        (ModelPackage, ("approval_description", "customer_metadata_properties", "tags")),
    ):
        source = inspect.getsource(owner.__init__)
        for field in fields:
            assert f"self.{field}" in source, f"{owner.__name__}.{field}"


def test_moto_still_lacks_what_the_twin_adds() -> None:
    """When moto gains these, the twin's version may be dropped."""
    responses_source = inspect.getsource(sagemaker_responses)
    assert "def stop_training_job" not in responses_source
    assert "def list_training_jobs_for_hyper_parameter_tuning_job" not in responses_source
    assert "approval_description=None" in inspect.getsource(SageMakerModelBackend.create_model_package)
    assert 'arn.split(":")[-1].split("/")' in inspect.getsource(SageMakerModelBackend._get_resource_from_arn)
    assert '"sagemaker"' not in inspect.getsource(state_task_service_factory.state_task_service_for)


def test_sync_hook_shape() -> None:
    assert _params(state_task_service_callback.StateTaskServiceCallback._build_sync_resolver) == [
        "self",
        "env",
        "resource_runtime_part",
        "normalised_parameters",
        "state_credentials",
    ]
    assert "_DELAY_SECONDS_SYNC_CONDITION_CHECK" in inspect.getsource(
        state_task_service_callback.StateTaskServiceCallback._eval_sync
    )
    assert "state_task_service_for(" in inspect.getsource(state_task_factory.state_task_for)


@pytest.fixture
def applied():  # type: ignore[no-untyped-def]
    patches.apply(
        endpoint_url="http://127.0.0.1:1", region="us-east-1", clock=LocalClock(1000), prewarm=False
    )
    yield
    patches.remove()


@pytest.mark.usefixtures("applied")
def test_apply_replaces_and_remove_restores() -> None:
    assert isinstance(state_task_factory.state_task_service_for("sagemaker"), StateTaskServiceSageMaker)
    assert hasattr(SageMakerResponse, "stop_training_job")
    assert state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK <= 0.5
    patches.remove()
    assert not hasattr(SageMakerResponse, "list_training_jobs_for_hyper_parameter_tuning_job")
    assert state_task_service_callback._DELAY_SECONDS_SYNC_CONDITION_CHECK == 0.5
    with pytest.raises(RuntimeError):
        training.context()
    patches.apply(
        endpoint_url="http://127.0.0.1:1", region="us-east-1", clock=LocalClock(1000), prewarm=False
    )
