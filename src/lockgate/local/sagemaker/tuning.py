"""Hyperparameter tuning jobs as a RANDOM SEARCH: the twin samples MaxNumberOfTrainingJobs points
from the ranges (seeded by the tuning job's name, so a re-run samples the same points), runs them
MaxParallelTrainingJobs at a time as real training jobs, and fills BestTrainingJob by the objective
metric. AWS's Strategy "Random" does the same; "Bayesian" and "Hyperband" are NOT reproduced:
the twin runs a random search for them too and says so in a tag on the tuning job,
`lockgate:twin-strategy` = `random-search (requested: <Strategy>)`."""

from __future__ import annotations

import hashlib
import logging
import math
import random
import threading
import time
from typing import Any

from moto.core.utils import utcnow
from moto.sagemaker.models import SageMakerModelBackend

LOG = logging.getLogger(__name__)
_TERMINAL = ("Completed", "Failed", "Stopped")
STRATEGY_TAG = "lockgate:twin-strategy"
_children: dict[str, list[str]] = {}  # tuning job name -> child training job names, in order


def sample(ranges: dict[str, Any], count: int, seed: str) -> list[dict[str, str]]:
    """`count` random points of the ParameterRanges (Linear/Logarithmic/Auto scaling), as strings."""
    rng = random.Random(int(hashlib.sha256(seed.encode()).hexdigest()[:16], 16))
    points: list[dict[str, str]] = []
    for _ in range(count):
        point: dict[str, str] = {}
        for spec in ranges.get("IntegerParameterRanges", []) or []:
            low, high = int(spec["MinValue"]), int(spec["MaxValue"])
            if spec.get("ScalingType") in ("Logarithmic", "ReverseLogarithmic") and low > 0:
                value = round(math.exp(rng.uniform(math.log(low), math.log(high))))
            else:
                value = rng.randint(low, high)
            point[spec["Name"]] = str(min(max(value, low), high))
        for spec in ranges.get("ContinuousParameterRanges", []) or []:
            low_f, high_f = float(spec["MinValue"]), float(spec["MaxValue"])
            if spec.get("ScalingType") == "Logarithmic" and low_f > 0:
                number = math.exp(rng.uniform(math.log(low_f), math.log(high_f)))
            else:
                number = rng.uniform(low_f, high_f)
            point[spec["Name"]] = f"{number:.6g}"
        for spec in ranges.get("CategoricalParameterRanges", []) or []:
            point[spec["Name"]] = rng.choice(list(spec["Values"]))
        points.append(point)
    return points


def child_name(tuning_name: str, index: int) -> str:
    """AWS's child naming: <tuning job>-<3 digits>-<8 hex>."""
    digest = hashlib.sha256(f"{tuning_name}/{index}".encode()).hexdigest()[:8]
    return f"{tuning_name}-{index:03d}-{digest}"


def create_hyper_parameter_tuning_job(original: Any, backend: SageMakerModelBackend, **kwargs: Any) -> str:
    """moto's create, then InProgress and a background random search over real training jobs."""
    arn: str = original(backend, **kwargs)
    job: Any = backend.hyper_parameter_tuning_jobs[kwargs["hyper_parameter_tuning_job_name"]]
    job.hyper_parameter_tuning_job_status = "InProgress"
    job.hyper_parameter_tuning_end_time = None
    job.best_training_job = None
    job.OverallBestTrainingJob = None
    job.consumed_resources = {"RuntimeInSeconds": 0}
    strategy = job.hyper_parameter_tuning_job_config.get("Strategy", "Bayesian")
    job.tuning_job_completion_details = {"NumberOfTrainingJobsObjectiveNotImproving": 0}
    job.tags = [*(job.tags or []), {"Key": STRATEGY_TAG, "Value": f"random-search (requested: {strategy})"}]
    _count(job, [])
    thread = threading.Thread(target=_search, args=(backend, job), daemon=True, name=f"tuning-{arn}")
    thread.start()
    return arn


def _count(job: Any, children: list[Any]) -> None:
    statuses = [c.training_job_status for c in children]
    job.training_job_status_counters = {
        "Completed": statuses.count("Completed"),
        "InProgress": statuses.count("InProgress") + statuses.count("Stopping"),
        "RetryableError": 0,
        "NonRetryableError": statuses.count("Failed"),
        "Stopped": statuses.count("Stopped"),
    }
    job.objective_status_counters = {
        "Succeeded": statuses.count("Completed"),
        "Pending": statuses.count("InProgress") + statuses.count("Stopping"),
        "Failed": statuses.count("Failed") + statuses.count("Stopped"),
    }


def _objective(child: Any, metric: str) -> float | None:
    for entry in child.final_metric_data_list or []:
        if entry["MetricName"] == metric:
            return float(entry["Value"])
    return None


def _search(backend: SageMakerModelBackend, job: Any) -> None:
    try:
        _run_search(backend, job)
    except Exception as error:  # the tuning job must end even if the twin breaks
        LOG.exception("tuning job %s", job.hyper_parameter_tuning_job_name)
        job.hyper_parameter_tuning_job_status = "Failed"
        job.failure_reason = f"the twin's random search failed: {error}"
        job.hyper_parameter_tuning_end_time = job.last_modified_time = utcnow()
    finally:
        _notify_end()


def _notify_end() -> None:
    """Wake the `.sync` task waiting on this tuning job (lockgate.local.sagemaker.sync)."""
    from lockgate.local.sagemaker import training

    bound = training._Bound.context
    if bound is not None:
        bound.runner.notify_changed()


def _run_search(backend: SageMakerModelBackend, job: Any) -> None:
    config = job.hyper_parameter_tuning_job_config
    definition = job.training_job_definition or (job.training_job_definitions or [{}])[0]
    limits = config["ResourceLimits"]
    total, parallel = int(limits["MaxNumberOfTrainingJobs"]), int(limits.get("MaxParallelTrainingJobs", 1))
    objective = config["HyperParameterTuningJobObjective"]
    name = job.hyper_parameter_tuning_job_name
    points = sample(config.get("ParameterRanges", {}), total, name)
    children: list[Any] = []
    names = _children[name] = []
    pending = list(enumerate(points, start=1))
    began = time.monotonic()
    while pending or any(c.training_job_status not in _TERMINAL for c in children):
        running = sum(c.training_job_status not in _TERMINAL for c in children)
        while pending and running < parallel:
            index, point = pending.pop(0)
            child = _start_child(backend, job, definition, child_name(name, index), point)
            child.tuned_hyper_parameters = point
            children.append(child)
            names.append(child.training_job_name)
            running += 1
        _count(job, children)
        time.sleep(0.02)
    _count(job, children)
    scored = [(c, _objective(c, objective["MetricName"])) for c in children]
    ranked = [(c, v) for c, v in scored if c.training_job_status == "Completed" and v is not None]
    end = utcnow()
    job.consumed_resources = {"RuntimeInSeconds": max(1, int(time.monotonic() - began))}
    if not ranked:
        job.hyper_parameter_tuning_job_status = "Failed"
        reasons = sorted({str(getattr(c, "failure_reason", "")) for c in children})
        job.failure_reason = (
            f"All training jobs failed ({len(children)} of {len(children)}): {'; '.join(reasons)}"[:1024]
        )
    else:
        best, value = (max if objective["Type"] == "Maximize" else min)(ranked, key=lambda cv: cv[1])
        summary = summarize(best, name)
        summary["FinalHyperParameterTuningJobObjectiveMetric"] = {**objective, "Value": value}
        job.best_training_job = job.OverallBestTrainingJob = summary
        job.hyper_parameter_tuning_job_status = "Completed"
    job.hyper_parameter_tuning_end_time = job.last_modified_time = end


def _start_child(
    backend: SageMakerModelBackend,
    job: Any,
    definition: dict[str, Any],
    name: str,
    point: dict[str, str],
) -> Any:
    hyperparameters = {**(definition.get("StaticHyperParameters") or {}), **point}
    algorithm = {k: v for k, v in definition["AlgorithmSpecification"].items() if k != "MetricDefinitions"}
    child: Any = backend.create_training_job(
        training_job_name=name,
        hyper_parameters=hyperparameters,
        algorithm_specification=algorithm,
        role_arn=definition["RoleArn"],
        input_data_config=definition["InputDataConfig"],
        output_data_config=definition["OutputDataConfig"],
        resource_config=definition["ResourceConfig"],
        vpc_config=definition.get("VpcConfig"),  # type: ignore[arg-type]
        stopping_condition=definition.get("StoppingCondition"),  # type: ignore[arg-type]
        tags=[],
        enable_network_isolation=False,
        enable_inter_container_traffic_encryption=False,
        enable_managed_spot_training=False,
        checkpoint_config=None,  # type: ignore[arg-type]
        debug_hook_config=None,  # type: ignore[arg-type]
        debug_rule_configurations=None,  # type: ignore[arg-type]
        tensor_board_output_config=None,  # type: ignore[arg-type]
        experiment_config=None,  # type: ignore[arg-type]
    )
    child.tuning_job_arn = job.arn
    return child


def summarize(child: Any, tuning_name: str) -> dict[str, Any]:
    """A HyperParameterTrainingJobSummary of one child (BestTrainingJob, the list call)."""
    summary: dict[str, Any] = {
        "TrainingJobName": child.training_job_name,
        "TrainingJobArn": child.arn,
        "TuningJobName": tuning_name,
        "CreationTime": child.creation_time,
        "TrainingStartTime": child.training_start_time,
        "TrainingJobStatus": child.training_job_status,
        "TunedHyperParameters": dict(getattr(child, "tuned_hyper_parameters", {})),
        "ObjectiveStatus": {"Completed": "Succeeded", "InProgress": "Pending"}.get(
            child.training_job_status, "Failed"
        ),
    }
    if child.training_end_time is not None:
        summary["TrainingEndTime"] = child.training_end_time
    if getattr(child, "failure_reason", None):
        summary["FailureReason"] = child.failure_reason
    return summary


def list_children(backend: SageMakerModelBackend, tuning_name: str) -> list[dict[str, Any]]:
    """ListTrainingJobsForHyperParameterTuningJob: every child's summary, with its objective."""
    job = backend.hyper_parameter_tuning_jobs.get(tuning_name)
    if job is None:
        from moto.sagemaker.exceptions import ResourceNotFound

        raise ResourceNotFound(f"Amazon SageMaker can't find a tuning job with name {tuning_name}")
    metric = job.hyper_parameter_tuning_job_config["HyperParameterTuningJobObjective"]
    summaries = []
    for name in _children.get(tuning_name, []):
        child = backend.training_jobs[name]
        summary = summarize(child, tuning_name)
        value = _objective(child, metric["MetricName"])
        if value is not None:
            summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                "Type": metric["Type"],
                "MetricName": metric["MetricName"],
                "Value": value,
            }
        summaries.append(summary)
    return summaries
