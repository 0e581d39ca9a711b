"""`lockgate demo`: the whole offline pipeline, end to end, in one command.

1. A good dataset lands in raw/: the data gate versions and splits it, DatasetVersionCreated fires.
2. A broken copy lands: it fails, goes to quarantine/ with its report, and people are told why.
3. A multipart batch (part files, then _SUCCESS) runs on the Distributed Map: one version.
4. Each new version starts the train state machine: pre-training bias (Clarify's metrics), then the
   SageMaker twin trains XGBoost for real, batch-predicts the test split, the model is evaluated,
   checked for post-training bias, gated and registered as a model package.
5. A person approves the package (as `lockgate approve` does): staging, smoke test, production
   approval, canary; then a deliberately faulty model whose canary alarm rolls it back.
6. Alarms fix things by themselves: an idle tagged staging endpoint is deleted, drifted live
   traffic starts one retrain, an untagged idle endpoint is left alone and reported.

For speed on two cores: the broken copy is uploaded as soon as the first version exists, so its
run goes on beside the first training (the batch waits for it, so its package is the second); the
functions are prewarmed in the background in the order the demo needs them (LocalCloud.prewarm).

The reports (bias, and evaluation when a run has one) are copied to a local folder (`--output`,
default `demo-output/`, git-ignored) and their paths printed: the local cloud is gone when the
demo exits, and its s3:// URLs with it.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockgate.commands.console import LogFile, render_visits, say
from lockgate.commands.demo_alarms import ALARM_DEMO_PARAMETERS, alarm_part
from lockgate.commands.demo_deploy import run_deploy_demo
from lockgate.commands.options import local_cloud
from lockgate.layout import quarantined_key
from lockgate.local.cloud import LocalCloud
from lockgate.local.fixtures import broken_csv, data_bucket, sample_csv, sample_parts, upload_contracts
from lockgate.local.stepfunctions.executions import wait_for_execution
from lockgate.messages.ingest import train_input
from lockgate.names import split_uri, upload_execution_name
from lockgate.pipeline.run_history import state_visits

DEMO_LOG = Path(".lockgate/demo.log")  # git-ignored; `--logs` shows it live too
# Functions the demo calls, in the order it first needs them (CodeUri folders). The starter and the
# data gate run at once; these are started in the background while the first upload is checked.
PREWARM = (
    "bias_check",
    "plan_training",
    "evaluate",
    "register_model",
    "pipeline_status",
    "notify_failure",
    "deploy_starter",
    "prepare_deployment",
    "endpoint_update",
    "endpoint_status",
    "smoke_test",
    "request_approval",
    "record_deployment",
    "remediation",
    "monitor",
)


class Phases:
    """Seconds per phase of the demo, printed as a table at the end (where the time goes)."""

    def __init__(self) -> None:
        self.began = self.mark = time.perf_counter()
        self.rows: list[tuple[str, float]] = []
        age = _process_age()
        if age is not None:  # since the process started: interpreter and imports are a phase too
            self.rows.append(("python start, imports (lockgate.cli, moto, ...)", age))
            self.began -= age

    def done(self, name: str) -> None:
        """The phase since the last mark ends now."""
        now = time.perf_counter()
        self.rows.append((name, now - self.mark))
        self.mark = now

    def table(self) -> list[str]:
        """One line per phase and the total."""
        total = time.perf_counter() - self.began
        lines = [f"{'phase':<50} seconds"]
        lines += [f"  {name:<48} {seconds:7.2f}" for name, seconds in self.rows]
        return [*lines, f"  {'total':<48} {total:7.2f}"]


@dataclass(frozen=True)
class Upload:
    """An object put under raw/ and the name of the ingest run it starts."""

    key: str
    size: int
    execution: str


class Demo:
    """The demo's steps against one running local cloud."""

    def __init__(self, cloud: LocalCloud, rows: int, output: Path = Path("demo-output")) -> None:
        assert cloud.stack is not None
        self.cloud, self.rows, self.output = cloud, rows, output
        self.bucket = data_bucket(cloud)
        self.ingest_arn = cloud.stack.outputs["IngestStateMachineArn"]
        self.s3, self.sfn = cloud.client("s3"), cloud.client("stepfunctions")
        self.inbox = self._subscribe_inbox(cloud.stack.outputs["NotificationTopicArn"])
        self.package_arn = ""  # the model package the train run registered

    def _subscribe_inbox(self, topic_arn: str) -> str:
        """An SQS queue on the notification topic: what people would receive by e-mail."""
        sqs = self.cloud.client("sqs")
        url = sqs.create_queue(QueueName="lockgate-demo-inbox")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.cloud.client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
        return str(url)

    def show_messages(self) -> None:
        """Print what the notification topic told people since the last call."""
        sqs = self.cloud.client("sqs")
        for message in sqs.receive_message(
            QueueUrl=self.inbox, MaxNumberOfMessages=10, WaitTimeSeconds=2
        ).get("Messages", []):
            body = json.loads(message["Body"])
            say(f"  people were told: {body.get('Subject', '')}")
            for line in body["Message"].splitlines():
                say(f"    | {line}")
            sqs.delete_message(QueueUrl=self.inbox, ReceiptHandle=message["ReceiptHandle"])

    def upload(self, key: str, body: bytes) -> dict[str, Any]:
        """Upload under raw/ and follow the run it starts by itself."""
        return self.follow_upload(self.put(key, body))

    def put(self, key: str, body: bytes) -> Upload:
        """Upload under raw/; the ingest run starts by itself (follow it with `follow_upload`)."""
        version = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)["VersionId"]
        return Upload(key, len(body), upload_execution_name(self.bucket, key, version))

    def follow_upload(self, upload: Upload) -> dict[str, Any]:
        """Wait for the ingest run of an upload; print its path and per-state times."""
        say(f"\n> uploaded s3://{self.bucket}/{upload.key} ({upload.size:,} bytes)")
        name = upload.execution
        described = wait_for_execution(self.sfn, self.ingest_arn, name, timeout=300)
        history = self.sfn.get_execution_history(executionArn=described["executionArn"], maxResults=1000)
        took = (described["stopDate"] - described["startDate"]).total_seconds()
        say(f"  ingest {described['status']} in {took:.2f} s  ({name})")
        for line in render_visits(state_visits(history["events"])):
            say(line)
        return described

    def show_version(self, described: dict[str, Any]) -> None:
        """Print what the manifest of the new version says."""
        version = json.loads(described["output"])["datasetVersion"]
        key = version["manifest"].split(f"{self.bucket}/", 1)[1]
        manifest = json.loads(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        splits = manifest["split"]["rows"]
        say(f"  version {version['version'][:16]}...  rows {manifest['rows']:,}  splits {splits}")
        say(f"  manifest s3://{self.bucket}/{key}")

    def follow_training(self, described: dict[str, Any]) -> bool:
        """Follow the train run the version's DatasetVersionCreated event started; print the bias gate."""
        assert self.cloud.stack is not None
        version = json.loads(described["output"])["datasetVersion"]["version"]
        train_arn = self.cloud.stack.outputs["TrainStateMachineArn"]
        deadline, seen = time.monotonic() + 300, set[str]()
        while time.monotonic() < deadline:
            for execution in self.sfn.list_executions(stateMachineArn=train_arn)["executions"]:
                if execution["status"] == "RUNNING" or execution["executionArn"] in seen:
                    continue  # only finished runs are described, each once
                seen.add(execution["executionArn"])
                run = self.sfn.describe_execution(executionArn=execution["executionArn"])
                detail = train_input(run["input"])
                if detail is not None and detail.dataset_version == version:
                    return self._show_bias(run)
            time.sleep(0.25)
        say("  no train run finished in 300 s")
        return False

    def _show_bias(self, run: dict[str, Any]) -> bool:
        history = self.sfn.get_execution_history(executionArn=run["executionArn"], maxResults=1000)
        say(f"  DatasetVersionCreated -> train {run['status']}")
        for line in render_visits(state_visits(history["events"])):
            say(line)
        if run["status"] != "SUCCEEDED":
            return False
        output = json.loads(run["output"])
        bias = output["preTrainingBias"]
        folder = self.output / str(run["name"])
        report = save_object(self.s3, bias["report"], folder / "pre-training-bias")
        say(f"  pre-training bias gate: {bias['verdict'].upper()}  report {report}")
        save_object(self.s3, bias["analysis"], folder / "pre-training-bias")
        evaluation = output.get("evaluation")
        if isinstance(evaluation, dict) and isinstance(evaluation.get("report"), str):
            say(f"  evaluation report {save_object(self.s3, evaluation['report'], folder / 'evaluation')}")
        bucket, key = split_uri(bias["analysis"])
        analysis = json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        for facet, groups in analysis["pre_training_bias_metrics"]["facets"].items():
            for group in groups:
                values = {m["name"]: m["value"] for m in group["metrics"]}
                shown = "  ".join(_metric(name, values.get(name)) for name in ("CI", "DPL", "KL", "JS", "KS"))
                say(f"    {facet}={group['value_or_threshold']!s:<10} {shown}")
        return self._show_model(json.loads(run["output"]))

    def _show_model(self, out: dict[str, Any]) -> bool:
        """The training job, the evaluation summary, the post-training bias and the package."""
        if "registration" not in out:
            say("  no model registered (the run ended before registration)")
            return False
        model, evaluation, registration = out["model"], out["evaluation"], out["registration"]
        say(f"  training job {model['trainingJob']}: {_final_metrics(model.get('metrics', []))}")
        metrics = evaluation["metrics"]
        shown = "  ".join(
            f"{name} {metrics[name]:.3f}"
            for name in ("auc", "pr_auc", "accuracy", "f1", "log_loss")
            if metrics.get(name) is not None
        )
        say(f"  evaluation on {evaluation['rows']:,} test rows: {shown}")
        say(f"    report {evaluation['report']}")
        post = out["postTrainingBias"]
        say(f"  post-training bias gate: {post['verdict'].upper()}  report {post['report']}")
        say(f"  evaluation gate: {registration['verdict'].upper()}; package {registration['approvalStatus']}")
        for reason in registration["reasons"]:
            say(f"    - {reason}")
        say(f"  model package {registration['packageArn']}")
        self.package_arn = str(registration["packageArn"] or "")
        return registration["verdict"] == "pass" and bool(registration["packageArn"])

    def show_quarantine(self, key: str) -> None:
        """Print the quarantined report's summary."""
        report_key = quarantined_key(key, key.split("/")[1]) + ".report.txt"
        summary = self.s3.get_object(Bucket=self.bucket, Key=report_key)["Body"].read().decode()
        say(f"  quarantined with its report: s3://{self.bucket}/{report_key}")
        for line in summary.splitlines():
            say(f"    {line}")


def run_demo(args: argparse.Namespace) -> int:
    """Run the three scenarios; exit 0 when each ends as it should."""
    phases = Phases()
    log = LogFile(DEMO_LOG, echo=args.logs)  # the functions' logs and the offline warnings
    cloud = local_cloud(args, log.function_line, warn=log.line)
    # The alarm part's idle window and monitor schedule, short enough to happen in the demo.
    cloud.parameter_overrides = {**ALARM_DEMO_PARAMETERS, **cloud.parameter_overrides}
    with cloud:
        say(f"local cloud up at {cloud.url} in {cloud.startup_seconds:.2f} s")
        phases.done("local cloud start (deploy template.yaml)")
        cloud.prewarm(PREWARM)
        upload_contracts(cloud)
        demo = Demo(cloud, args.rows, args.output)
        good = demo.upload("raw/credit/applications 2026-11.csv", sample_csv(args.rows))
        outcomes = [good["status"] == "SUCCEEDED"]
        phases.done("1. ingest: data gate, version, splits")
        # The broken copy lands while the first version trains (its ingest runs beside it). The batch
        # waits for that training: its version trains too, and must register the second package,
        # not the first (uploaded earlier, it sometimes finished first and took package 1).
        broken_key = "raw/credit/applications 2026-11 (broken copy).csv"
        broken_upload = demo.put(broken_key, broken_csv(args.rows))
        if outcomes[-1]:
            demo.show_version(good)
            say("  (meanwhile a broken copy was uploaded: its run follows below)")
            outcomes.append(demo.follow_training(good))
        phases.done("2+5. bias gate, training, evaluation, register")
        for number, body in enumerate(sample_parts(4, args.rows, seed=8)):
            demo.s3.put_object(
                Bucket=demo.bucket, Key=f"raw/credit/batch-2026-11-22/part-{number:05d}.csv", Body=body
            )
        batch_upload = demo.put("raw/credit/batch-2026-11-22/_SUCCESS", b"")
        broken = demo.follow_upload(broken_upload)
        outcomes.append(broken["status"] == "FAILED")
        if outcomes[-1]:
            demo.show_quarantine(broken_key)
            demo.show_messages()
        phases.done("3. quarantine of the broken copy")
        say("\n> uploaded 4 part files of raw/credit/batch-2026-11-22/ (they wait for _SUCCESS)")
        batch = demo.follow_upload(batch_upload)
        outcomes.append(batch["status"] == "SUCCEEDED")
        if outcomes[-1]:
            demo.show_version(batch)
        phases.done("4. multipart batch (Distributed Map)")
        if demo.package_arn:  # 5. approve, deploy to staging, smoke test, production canary, rollback
            say("")
            deploy = run_deploy_demo(cloud, first_package=demo.package_arn, phase_done=phases.done)
            outcomes.append(bool(deploy.get("ok", True)))
        else:
            outcomes.append(False)
        say("")  # 6. alarms that fix things, by themselves
        outcomes.append(alarm_part(cloud, say))
        phases.done("7. alarms that act")
        if getattr(args, "console", False):
            serve_console_after_demo(cloud.url, all(outcomes), phases.began)
    phases.done("local cloud stop")
    log.close()
    return _summary(phases, all(outcomes))


def _summary(phases: Phases, ok: bool) -> int:
    """The per-phase table and the verdict; the exit status."""
    say("")
    for line in phases.table():
        say(line)
    seconds = time.perf_counter() - phases.began
    say(f"demo {'succeeded' if ok else 'FAILED'} in {seconds:.2f} s (log: {DEMO_LOG})")
    return 0 if ok else 1


def serve_console_after_demo(url: str, ok: bool, began: float) -> None:
    """`lockgate demo --console`: the review console on the demo's cloud until Ctrl-C."""
    from lockgate.commands.console_cli import DEFAULT_PORT, serve_until_stopped, start_console

    server = start_console(url, port=DEFAULT_PORT)
    say(f"\ndemo {'succeeded' if ok else 'FAILED'} in {time.perf_counter() - began:.2f} s")
    say(f"review console: {server.url}  (the local cloud stays up; Ctrl-C stops both)")
    serve_until_stopped(server)


def _process_age() -> float | None:
    """Wall seconds since this process started (Linux /proc), else None."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return None


def _final_metrics(metrics: list[dict[str, Any]]) -> str:
    return "  ".join(f"{m['MetricName']} {m['Value']:.3f}" for m in metrics) or "(no metrics)"


def save_object(s3: Any, uri: str, folder: Path) -> Path:
    """Copy s3://bucket/key into `folder` (kept after the local cloud stops); returns the path."""
    bucket, key = split_uri(uri)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / key.rsplit("/", 1)[-1]
    path.write_bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return path


def _metric(name: str, value: float | None) -> str:
    return f"{name} {'null' if value is None else f'{value:+.3f}'}"
