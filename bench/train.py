"""Train pipeline benchmark: the SageMaker twin's training step vs bare xgboost.train on the same
files and parameters, and the evaluation step vs a bare pyarrow read of its inputs, in one run.

    .venv/bin/python bench/train.py [--rows 100000] [--predictions 1000000]
    .venv/bin/python bench/train.py --only evaluation [--before GIT_REF] [--repeats 3]

Goals (issue 7): twin training <= 1.3x bare xgboost.train at 1e5 rows (the twin's time runs from
CreateTrainingJob to Completed as DescribeTrainingJob reports it, through the local endpoint, on
a warm worker); evaluation of 1e6 predictions <= 2x the bare read of labels + predictions.
Both sides are the best of --repeats runs, alternating (on a shared machine the load changes by
the second; a best-of-2 bare against a single twin run overstated the twin's cost).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from lockgate.evaluation.metrics import evaluate
from lockgate.evaluation.model_quality import model_quality_statistics
from lockgate.evaluation.report_html import render
from lockgate.pipeline.evaluate import check_inputs, read_column

REPO = Path(__file__).resolve().parents[1]

HP = {
    "objective": "binary:logistic",
    "num_round": "100",
    "max_depth": "5",
    "eta": "0.2",
    "eval_metric": "auc",
}


def _csv(rows: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 12)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.8, size=rows) > 0).astype(np.int8)
    table = pa.table({"y": y, **{f"f{i}": x[:, i] for i in range(12)}})
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=False))
    return sink.getvalue()


def bare_training(train: bytes, validation: bytes) -> float:
    """Read both CSVs and train in this process, as a script would."""
    import xgboost as xgb

    from lockgate.local.sagemaker.algorithm import read_table, validate_hyperparameters

    began = time.perf_counter()
    params = validate_hyperparameters(HP)
    matrices = []
    for name, body in (("train", train), ("validation", validation)):
        data = read_table(body, "text/csv")
        matrices.append((xgb.DMatrix(data[:, 1:], label=data[:, 0]), name))
    xgb.train(params.params, matrices[0][0], params.num_round, evals=matrices, verbose_eval=False)
    return time.perf_counter() - began


def training_side_by_side(train: bytes, validation: bytes, repeats: int) -> tuple[float, float, float]:
    """(best bare xgboost.train, best twin job on a warm worker, the first twin job), each in seconds.
    Bare runs and twin jobs alternate, so both see the same load; a twin job's time runs from
    CreateTrainingJob to Completed as DescribeTrainingJob reports it."""
    import boto3
    from moto.server import ThreadedMotoServer

    from lockgate.local.clock import LocalClock
    from lockgate.local.sagemaker import patches

    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    try:
        patches.apply(endpoint_url=url, region="us-east-1", clock=LocalClock(100))
        s3 = boto3.client("s3", endpoint_url=url, region_name="us-east-1")
        sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1")
        s3.create_bucket(Bucket="bench")
        s3.put_object(Bucket="bench", Key="train/part-0.csv", Body=train)
        s3.put_object(Bucket="bench", Key="validation/part-0.csv", Body=validation)
        cold = _twin_job(sm, "bench-cold")  # starts the worker (xgboost import)
        bare, twin = [], []
        for attempt in range(repeats):
            bare.append(bare_training(train, validation))
            twin.append(_twin_job(sm, f"bench-{attempt}"))
        return min(bare), min(twin), cold
    finally:
        patches.remove()
        server.stop()


def _twin_job(sm: Any, name: str) -> float:
    began = time.perf_counter()
    sm.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "bench", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/bench",
        HyperParameters=HP,
        InputDataConfig=[
            {
                "ChannelName": ch,
                "ContentType": "text/csv",
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://bench/{ch}/"}},
            }
            for ch in ("train", "validation")
        ],
        OutputDataConfig={"S3OutputPath": "s3://bench/models"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    while (job := sm.describe_training_job(TrainingJobName=name))["TrainingJobStatus"] == "InProgress":
        time.sleep(0.05)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return time.perf_counter() - began


def evaluation(n: int, directory: Path, repeats: int) -> tuple[float, float]:
    """(bare pyarrow read of both files, Lockgate's evaluation: read + check + metrics + JSON + HTML)."""
    rng = np.random.default_rng(3)
    labels = (rng.random(n) < 0.3).astype(np.int8)
    scores = np.clip(labels * 0.3 + rng.random(n) * 0.7, 0, 1)
    (directory / "labels.csv").write_text("\n".join(map(str, labels)) + "\n")
    (directory / "scores.out").write_text("\n".join(f"{s:.6f}" for s in scores) + "\n")
    best_bare = best_eval = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        options = pacsv.ReadOptions(autogenerate_column_names=True)
        for name in ("labels.csv", "scores.out"):
            pacsv.read_csv(directory / name, read_options=options)
        best_bare = min(best_bare, time.perf_counter() - began)
        began = time.perf_counter()
        y = read_column((directory / "labels.csv").read_bytes(), "labels")
        s = read_column((directory / "scores.out").read_bytes(), "scores")
        check_inputs(y, s, "labels", "scores")
        result = evaluate(y, s, 0.5)
        json.dumps(model_quality_statistics(result), allow_nan=False)
        render(result, "bench")
        best_eval = min(best_eval, time.perf_counter() - began)
    return best_bare, best_eval


def _evaluation_cpu(directory: Path, repeats: int) -> dict[str, float]:
    """In this process: best wall and CPU seconds (`time.process_time`, every thread) of the bare
    read and of the evaluation, alternating, over `repeats` rounds (the files already exist)."""
    best = dict.fromkeys(("read", "read_cpu", "eval", "eval_cpu"), float("inf"))
    options = pacsv.ReadOptions(autogenerate_column_names=True)
    for _ in range(repeats):
        began, cpu = time.perf_counter(), time.process_time()
        for name in ("labels.csv", "scores.out"):
            pacsv.read_csv(directory / name, read_options=options)
        best["read"] = min(best["read"], time.perf_counter() - began)
        best["read_cpu"] = min(best["read_cpu"], time.process_time() - cpu)
        began, cpu = time.perf_counter(), time.process_time()
        y = read_column((directory / "labels.csv").read_bytes(), "labels")
        s = read_column((directory / "scores.out").read_bytes(), "scores")
        check_inputs(y, s, "labels", "scores")
        result = evaluate(y, s, 0.5)
        json.dumps(model_quality_statistics(result), allow_nan=False)
        render(result, "bench")
        best["eval"] = min(best["eval"], time.perf_counter() - began)
        best["eval_cpu"] = min(best["eval_cpu"], time.process_time() - cpu)
    return best


def evaluation_before_after(n: int, directory: Path, repeats: int, ref: str) -> None:
    """Print bare read, evaluation (this tree) and evaluation (git `ref`'s src/), wall and CPU: each
    side in its own process, `repeats` rounds of 5 runs each, the sides alternating."""
    evaluation(n, directory, 1)  # writes the inputs
    target = Path(tempfile.mkdtemp(prefix="lockgate-before-"))
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    sides = {"after": str(REPO / "src"), "before": str(target / "src")}
    best: dict[str, dict[str, float]] = {}
    start_load = os.getloadavg()[0]
    for _ in range(repeats):
        for side, path in sides.items():
            env = {**os.environ, "PYTHONPATH": path}
            cmd = [sys.executable, __file__, "--eval-worker", str(directory)]
            out = json.loads(subprocess.run(cmd, env=env, capture_output=True, check=True, text=True).stdout)
            kept = best.setdefault(side, out)
            for key, value in out.items():
                kept[key] = min(kept[key], value)
    shutil.rmtree(target, ignore_errors=True)
    load = os.getloadavg()
    read, read_cpu = (min(b[k] for b in best.values()) for k in ("read", "read_cpu"))
    print(f"load average at start {start_load:.2f}, at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"best of {repeats} processes x 5 runs; before = {ref}")
    head = f"work, {n:,} predictions"
    print(f"{head:<40} {'wall s':>7} {'ratio':>6} {'CPU s':>7} {'ratio':>6} {'goal':>5}")
    print(f"{'bare pyarrow read, labels + predictions':<40} {read:7.3f} {'':>6} {read_cpu:7.3f}")
    for side in sides:
        b = best[side]
        print(
            f"{f'evaluation ({side})':<40} {b['eval']:7.3f} {b['eval'] / read:6.2f} "
            f"{b['eval_cpu']:7.3f} {b['eval_cpu'] / read_cpu:6.2f} {'<=2':>5}"
        )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--predictions", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs of each side")
    parser.add_argument("--only", choices=["evaluation"], help="skip the training comparison")
    parser.add_argument(
        "--before", metavar="GIT_REF", help="with --only evaluation: also time this ref's src/"
    )
    parser.add_argument("--eval-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.eval_worker:
        print(json.dumps(_evaluation_cpu(args.eval_worker, 5)))
        return
    if args.only == "evaluation":
        with tempfile.TemporaryDirectory() as tmp:
            if args.before:
                evaluation_before_after(args.predictions, Path(tmp), args.repeats, args.before)
            else:
                read, evaluated = evaluation(args.predictions, Path(tmp), args.repeats)
                ratio = evaluated / read
                print(f"bare read {read:.3f} s, evaluation {evaluated:.3f} s, ratio {ratio:.2f} (goal <= 2)")
        return
    train, validation = _csv(args.rows, 1), _csv(args.rows // 4, 2)
    start_load = os.getloadavg()[0]
    bare, twin, cold = training_side_by_side(train, validation, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        read, evaluated = evaluation(args.predictions, Path(tmp), args.repeats)
    load = os.getloadavg()
    print(f"load average at start {start_load:.2f}, at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"best of {args.repeats}; bare runs and twin jobs alternate")
    print(f"{'work':<58} {'seconds':>8} {'ratio':>6} {'goal':>6}")
    print(f"{f'bare xgboost.train, {args.rows:,} rows, 100 rounds':<58} {bare:8.2f}")
    warm = "twin training job, warm worker (Create -> Completed)"
    print(f"{warm:<58} {twin:8.2f} {twin / bare:6.2f} {'<=1.3':>6}")
    print(f"{'twin training job, first (worker start-up included)':<58} {cold:8.2f} {cold / bare:6.2f}")
    print(f"{f'bare pyarrow read, labels + {args.predictions:,} predictions':<58} {read:8.2f}")
    steps = "evaluation (read, check, metrics, JSON, HTML)"
    print(f"{steps:<58} {evaluated:8.2f} {evaluated / read:6.2f} {'<=2':>6}")


if __name__ == "__main__":
    main()
