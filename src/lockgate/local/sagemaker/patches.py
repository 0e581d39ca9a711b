"""Every change the SageMaker twin makes to moto, in one place (the pattern of
lockgate/local/moto_patches.py): each replaced name is listed in `PATCH_TARGETS`, and
tests/contract/test_sagemaker_patches.py fails by name when a moto upgrade moves one.

1. Training jobs run XGBoost for real in worker processes (training.py, jobs.py, worker.py).
2. Transform jobs write `<input file>.out` predictions (training.py).
3. Tuning jobs run a random search over real training jobs (tuning.py).
4. StopTrainingJob and ListTrainingJobsForHyperParameterTuningJob exist (moto has neither).
5. The registry keeps fields and tags and emits "SageMaker Model Package State Change" (registry.py).
6. Step Functions' `sagemaker` integration, with `.sync`, polling on the local clock (sync.py).
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_callback,
)

from lockgate.local.clock import LocalClock
from lockgate.local.sagemaker import registry, training, tuning
from lockgate.local.sagemaker.jobs import JobRunner
from lockgate.local.sagemaker.sync import StateTaskServiceSageMaker

# How often (state-machine seconds) a .sync task polls Describe*; scaled by the local clock.
SYNC_POLL_SECONDS = 20.0

PATCH_TARGETS: tuple[tuple[object, str], ...] = (
    (SageMakerModelBackend, "create_training_job"),
    (SageMakerModelBackend, "create_transform_job"),
    (SageMakerModelBackend, "create_hyper_parameter_tuning_job"),
    (SageMakerModelBackend, "update_model_package"),
    (SageMakerModelBackend, "_get_resource_from_arn"),
    (SageMakerModelBackend, "training_jobs"),
    (SageMakerModelBackend, "hyper_parameter_tuning_jobs"),
    (SageMakerModelBackend, "model_packages"),
    (SageMakerResponse, "create_model_package"),
    (SageMakerResponse, "sagemaker_backend"),
    (state_task_factory, "state_task_service_for"),
    (state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK"),
)

_originals: dict[tuple[int, str], tuple[object, Any]] = {}
_lock = threading.Lock()


def _wrap(original: Any, function: Any) -> Any:
    def method(self: Any, **kwargs: Any) -> Any:
        return function(original, self, **kwargs)

    method.__doc__ = function.__doc__
    return method


def apply(*, endpoint_url: str, region: str, clock: LocalClock, prewarm: bool = False) -> None:
    """Install the twin (idempotent) and bind it to this local cloud's endpoint and clock;
    `prewarm` starts one worker process now (otherwise the first job starts it: `lockgate
    invoke` and clouds that train nothing never pay for it)."""
    with _lock:
        previous = training._Bound.context
        if previous is not None:
            previous.runner.shutdown()
        runner = JobRunner(clock)
        if prewarm:
            runner.prewarm()
        training.bind(training.TwinContext(endpoint_url, region, runner))
        poll = min(0.5, max(0.02, clock.scale(SYNC_POLL_SECONDS)))
        if _originals:
            _replace_value(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", poll)
            return
        backend = SageMakerModelBackend
        _replace(
            backend, "create_training_job", _wrap(backend.create_training_job, training.create_training_job)
        )
        _replace(
            backend,
            "create_transform_job",
            _wrap(backend.create_transform_job, training.create_transform_job),
        )
        _replace(
            backend,
            "create_hyper_parameter_tuning_job",
            _wrap(backend.create_hyper_parameter_tuning_job, tuning.create_hyper_parameter_tuning_job),
        )
        _replace(backend, "update_model_package", registry.update_model_package)
        original_lookup = backend._get_resource_from_arn
        _replace(
            backend,
            "_get_resource_from_arn",
            lambda self, arn: registry.get_resource_from_arn(original_lookup, self, arn),
        )
        original_create = SageMakerResponse.create_model_package
        _replace(
            SageMakerResponse,
            "create_model_package",
            lambda self: registry.create_model_package(original_create, self),
        )
        _replace(SageMakerResponse, "stop_training_job", _stop_training_job)
        _replace(
            SageMakerResponse,
            "list_training_jobs_for_hyper_parameter_tuning_job",
            _list_training_jobs_for_hyper_parameter_tuning_job,
        )
        original_factory = state_task_factory.state_task_service_for  # type: ignore[attr-defined]
        _replace(state_task_factory, "state_task_service_for", partial(_service_for, original_factory))
        _replace(state_task_service_callback, "_DELAY_SECONDS_SYNC_CONDITION_CHECK", poll)


def prewarm() -> None:
    """Start one twin worker now (it loads xgboost) unless one is already idle or busy."""
    context = training._Bound.context
    if context is not None:
        context.runner.prewarm()


def remove() -> None:
    """Undo every patch and stop running jobs."""
    with _lock:
        context = training._Bound.context
        if context is not None:
            context.runner.shutdown()
        training.bind(None)
        for (owner_id, name), (owner, original) in list(_originals.items()):
            if original is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, original)
            del _originals[(owner_id, name)]


_MISSING = object()


def _replace(owner: object, name: str, value: object) -> None:
    _originals[(id(owner), name)] = (owner, getattr(owner, name, _MISSING))
    setattr(owner, name, value)


def _replace_value(owner: object, name: str, value: object) -> None:
    """Change a patched module constant again (the original is already recorded)."""
    setattr(owner, name, value)


def _service_for(original: Any, service_name: str) -> Any:
    """state_task_service_for with the `sagemaker` integration added."""
    if service_name == "sagemaker":
        return StateTaskServiceSageMaker()
    return original(service_name)


def _stop_training_job(self: SageMakerResponse) -> EmptyResult:
    training.stop_training_job(self.sagemaker_backend, self._get_param("TrainingJobName"))
    return EmptyResult()


def _list_training_jobs_for_hyper_parameter_tuning_job(self: SageMakerResponse) -> ActionResult:
    summaries = tuning.list_children(self.sagemaker_backend, self._get_param("HyperParameterTuningJobName"))
    status = self._get_param("StatusEquals")
    if status:
        summaries = [s for s in summaries if s["TrainingJobStatus"] == status]
    return ActionResult({"TrainingJobSummaries": summaries})
