"""Training and transform jobs that really run: moto's backend records the job, the twin flips it
to InProgress, runs it in a worker process (jobs.JobRunner) and records the end the way
DescribeTrainingJob / DescribeTransformJob report it on AWS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ValidationError
from moto.sagemaker.models import FakeTrainingJob, SageMakerModelBackend

from lockgate.local.sagemaker.jobs import MAX_RUNTIME, STOPPED, JobRunner
from lockgate.local.sagemaker.worker import Channel, TrainingSpec, TransformSpec

# SecondaryStatus steps a successful job passes through, as DescribeTrainingJob lists them.
_STEPS = (
    ("Starting", "Preparing the instances for training"),
    ("Downloading", "Downloading input data"),
    ("Training", "Training image download completed. Training in progress."),
    ("Uploading", "Uploading generated training model"),
)


@dataclass
class TwinContext:
    """What the patched backend methods need: where S3 is and who runs the jobs."""

    endpoint_url: str
    region: str
    runner: JobRunner


class _Bound:
    context: TwinContext | None = None


def bind(context: TwinContext | None) -> None:
    """Bind the patched methods to a running local cloud (None: unbind)."""
    _Bound.context = context


def context() -> TwinContext:
    """The bound context; RuntimeError when the twin is not applied."""
    if _Bound.context is None:
        raise RuntimeError("lockgate.local.sagemaker.patches.apply() has not been called")
    return _Bound.context


def _transition(status: str, message: str, start: datetime, end: datetime | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"Status": status, "StartTime": start, "StatusMessage": message}
    if end is not None:
        entry["EndTime"] = end
    return entry


def create_training_job(original: Any, backend: SageMakerModelBackend, **kwargs: Any) -> Any:
    """moto's create_training_job, then: unique names (as AWS), InProgress, and a real run."""
    name = kwargs["training_job_name"]
    if name in backend.training_jobs:
        arn = FakeTrainingJob.arn_formatter(name, backend.account_id, backend.region_name)
        raise ResourceInUseException(
            "Training job names must be unique within an AWS account and region, and a training job "
            f"with this name already exists ({arn})"
        )
    job: Any = original(backend, **kwargs)
    job.algorithm_specification.pop("MetricDefinitions", None)  # moto adds a fake "test:dcg"
    now = utcnow()
    job.training_job_status, job.secondary_status = "InProgress", "Starting"
    job.training_end_time = None
    job.final_metric_data_list = []
    job.secondary_status_transitions = [_transition(*_STEPS[0], now, None)]
    job.hyper_parameters = dict(job.hyper_parameters or {})
    ctx = context()
    channels = [
        Channel(
            c["ChannelName"],
            c["DataSource"]["S3DataSource"]["S3Uri"],
            c.get("ContentType") or "text/csv",
        )
        for c in job.input_data_config
    ]
    spec = TrainingSpec(
        ctx.endpoint_url, ctx.region, job.hyper_parameters, channels, job.model_artifacts["S3ModelArtifacts"]
    )
    runtime = (job.stopping_condition or {}).get("MaxRuntimeInSeconds")

    def done(status: str, payload: Any) -> None:
        _finish_training(job, status, payload)

    ctx.runner.submit(name, spec, float(runtime) if runtime else None, done)
    return job


def _finish_training(job: Any, status: str, payload: Any) -> None:
    end = utcnow()
    start = job.secondary_status_transitions[0]["StartTime"]
    if status == "Completed":
        job.secondary_status_transitions = [_transition(s, m, start, end) for s, m in _STEPS] + [
            _transition("Completed", "Training job completed", end, end)
        ]
        job.final_metric_data_list = [
            {"MetricName": metric, "Value": value, "Timestamp": end}
            for metric, value in sorted(payload["metrics"].items())
        ]
        job.training_job_status = job.secondary_status = "Completed"
    elif status in (STOPPED, MAX_RUNTIME):
        job.secondary_status_transitions = [
            _transition("Starting", _STEPS[0][1], start, end),
            _transition(status, str(payload), end, end),
        ]
        job.training_job_status, job.secondary_status = "Stopped", status
    else:
        job.secondary_status_transitions = [
            _transition("Starting", _STEPS[0][1], start, end),
            _transition("Failed", f"Training job failed. Reason: {status}: {payload}", end, end),
        ]
        job.failure_reason = f"{status}: {payload}"
        job.training_job_status = job.secondary_status = "Failed"
    job.training_end_time = job.last_modified_time = end
    job.billable_time_in_seconds = max(1, int((end - start).total_seconds()))


def stop_training_job(backend: SageMakerModelBackend, name: str) -> None:
    """StopTrainingJob: InProgress -> Stopping -> Stopped (moto has no such call)."""
    job: Any = backend.training_jobs.get(name)
    if job is None:
        arn = FakeTrainingJob.arn_formatter(name, backend.account_id, backend.region_name)
        raise ValidationError(f"Could not find training job '{arn}'.")
    if job.training_job_status != "InProgress":
        raise ValidationError(
            f"The request was rejected because the training job is in status {job.training_job_status}."
        )
    job.training_job_status = "Stopping"
    context().runner.stop(name)


def create_transform_job(original: Any, backend: SageMakerModelBackend, **kwargs: Any) -> Any:
    """moto's create_transform_job, then InProgress and real predictions written as `<input>.out`."""
    name = kwargs["transform_job_name"]
    if name in backend.transform_jobs:
        raise ResourceInUseException(f"Job name must be unique within an AWS account and region: {name}")
    model = backend._models.get(kwargs["model_name"])
    if model is None:
        raise ValidationError(f'Could not find model "{kwargs["model_name"]}".')
    containers = [model.primary_container] if model.primary_container else list(model.containers or [])
    scripts = [c for c in containers if (c.get("Environment") or {}).get("SAGEMAKER_PROGRAM")]
    container = next((c for c in containers if c not in scripts), containers[0] if containers else {})
    encoder_url = scripts[0]["Environment"].get("SAGEMAKER_SUBMIT_DIRECTORY") if scripts else None
    job: Any = original(backend, **kwargs)
    job.transform_job_status = "InProgress"
    job.transform_end_time = None
    source = job.transform_input["DataSource"]["S3DataSource"]
    ctx = context()
    spec = TransformSpec(
        ctx.endpoint_url,
        ctx.region,
        container["ModelDataUrl"],
        source["S3Uri"],
        job.transform_output["S3OutputPath"],
        str(job.transform_input.get("ContentType") or "text/csv"),
        (job.data_processing or {}).get("InputFilter"),
        encoder_url=encoder_url,
    )

    def done(status: str, payload: Any) -> None:
        if status == "Completed":
            job.transform_job_status = "Completed"
        else:
            job.transform_job_status = "Stopped" if status == STOPPED else "Failed"
            job.failure_reason = f"{status}: {payload}"
        job.transform_end_time = job.last_modified_time = utcnow()

    ctx.runner.submit(f"transform/{name}", spec, None, done)
    return job
