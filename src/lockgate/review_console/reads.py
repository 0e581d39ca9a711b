"""What the console reads, through the CLI's adapters: runs, their definitions and histories,
the stored reports, the registry, endpoints, alarms, the audit trail and lineage.

Everything comes back as a pydantic model or a typed adapter record; pages never see a boto3
response. `client(service)` is the CLI's client factory (a local endpoint, or AWS's chain).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from lockgate.errors import InputRejected
from lockgate.names import dataset_of_group, environment_of_machine, group_of_package, is_lockgate, split_uri
from lockgate.pipeline.failure_message import readable_cause
from lockgate.pipeline.run_history import StateVisit, state_visits

Client = Callable[[str], Any]
STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")
_BUCKET = re.compile(r"[a-z0-9.\-]{3,63}")
_S3_URI = re.compile(r"s3://[a-z0-9.\-]{3,63}/[^\s\"'\\]+")
# What /report serves: reports and manifests under Lockgate's own layout, as these types.
REPORT_TYPES = {
    ".html": "text/html",
    ".json": "application/json",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
}
REPORT_PREFIXES = ("reports/", "quarantine/", "datasets/", "models/")


class ConsoleError(Exception):
    """Something the person asked for that cannot be shown: one line on the error page."""


class Machine(BaseModel):
    """A Lockgate state machine."""

    model_config = ConfigDict(frozen=True)

    arn: str
    name: str

    @property
    def pipeline(self) -> str:
        """ingest / train / deploy (lockgate-<pipeline>-<env>)."""
        parts = self.name.split("-")
        return parts[1] if len(parts) > 2 and parts[0] == "lockgate" else self.name


class RunSummary(BaseModel):
    """One execution as the runs list shows it."""

    model_config = ConfigDict(frozen=True)

    arn: str
    name: str
    machine: Machine
    status: str
    started: datetime
    stopped: datetime | None = None

    @property
    def seconds(self) -> float | None:
        """Wall time, None while running."""
        return None if self.stopped is None else (self.stopped - self.started).total_seconds()


class RunDetail(BaseModel):
    """One execution with its definition, the states it went through, and why it failed."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    summary: RunSummary
    definition: str
    visits: list[StateVisit]
    input: dict[str, Any]
    output: dict[str, Any] | None
    error: str | None = None
    cause: str | None = None
    reports: list[str] = []  # s3:// URIs the run's inputs and outputs name
    failed_states: dict[str, str] = {}  # state -> its error and cause
    latest: dict[str, Any] = {}  # the last state output seen (the run's state so far), parsed

    @property
    def dataset(self) -> str | None:
        """The dataset the run belongs to, when its input names one."""
        value = self.input.get("dataset") or (self.output or {}).get("dataset")
        return str(value) if value else None


class Reads:
    """The console's reads, one instance per process (definitions cached: they change only with a deploy)."""

    def __init__(self, client: Client, endpoint_url: str | None = None) -> None:
        self._make_client = client
        self._clients: dict[str, Any] = {}
        self.endpoint_url = endpoint_url  # None: AWS
        self._definitions: dict[str, str] = {}
        self._inputs: dict[str, dict[str, Any]] = {}  # a run's input never changes
        self._machines: tuple[float, list[Machine]] = (0.0, [])
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        """One boto3 client per service for the process (clients are thread-safe; making one costs
        tens of milliseconds)."""
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make_client(service)
            return self._clients[service]

    # --- runs -------------------------------------------------------------------------------
    def machines(self) -> list[Machine]:
        """Every Lockgate state machine (listed at most every 30 s)."""
        with self._lock:
            listed_at, machines = self._machines
            if time.monotonic() - listed_at < 30 and machines:
                return machines
        sfn = self.client("stepfunctions")
        found = [
            Machine(arn=m["stateMachineArn"], name=m["name"])
            for page in sfn.get_paginator("list_state_machines").paginate()
            for m in page["stateMachines"]
            if is_lockgate(m["name"])
        ]
        with self._lock:
            self._machines = (time.monotonic(), found)
        return found

    def runs(
        self, pipeline: str = "", status: str = "", dataset: str = "", limit: int = 100
    ) -> tuple[list[RunSummary], int]:
        """Executions newest first, filtered; and how many more matched than `limit`."""
        if status and status not in STATUSES:
            raise ConsoleError(f"unknown status {status!r}; one of {', '.join(STATUSES)}")
        machines = [m for m in self.machines() if not pipeline or m.pipeline == pipeline]
        sfn = self.client("stepfunctions")
        runs: list[RunSummary] = []
        for machine in machines:
            kwargs: dict[str, Any] = {"stateMachineArn": machine.arn}
            if status:
                kwargs["statusFilter"] = status
            for page in sfn.get_paginator("list_executions").paginate(**kwargs):
                runs += [
                    RunSummary(
                        arn=e["executionArn"],
                        name=e["name"],
                        machine=machine,
                        status=e["status"],
                        started=e["startDate"],
                        stopped=e.get("stopDate"),
                    )
                    for e in page["executions"]
                ]
        runs.sort(key=lambda r: r.started, reverse=True)
        if dataset:
            runs = self._of_dataset(runs, dataset, limit)
        return runs[:limit], max(len(runs) - limit, 0)

    def _of_dataset(self, runs: list[RunSummary], dataset: str, limit: int) -> list[RunSummary]:
        """The runs whose input names `dataset` (described four at a time, stopping past `limit`)."""
        kept: list[RunSummary] = []
        for start in range(0, len(runs), 20):
            chunk = runs[start : start + 20]
            datasets = self.datasets(chunk)
            kept += [r for r in chunk if datasets.get(r.arn) == dataset]
            if len(kept) > limit:
                break
        return kept

    def datasets(self, runs: list[RunSummary]) -> dict[str, str]:
        """Each run's dataset, from its input's `dataset`, or a deploy run's package group (inputs
        described four at a time, then cached: an input never changes); runs with none left out."""
        sfn = self.client("stepfunctions")

        def input_of(arn: str) -> dict[str, Any]:
            with self._lock:
                if arn in self._inputs:
                    return self._inputs[arn]
            found = _json(sfn.describe_execution(executionArn=arn).get("input")) or {}
            with self._lock:
                self._inputs[arn] = found
            return found

        with ThreadPoolExecutor(max_workers=4) as pool:
            inputs = pool.map(input_of, [r.arn for r in runs])
            found = {r.arn: _dataset_of(r, i) for r, i in zip(runs, inputs, strict=True)}
        return {arn: dataset for arn, dataset in found.items() if dataset}

    def waiting_for_person(self, run: RunSummary) -> bool:
        """A running train run whose latest state is the review wait (as `lockgate runs` tells)."""
        if run.status != "RUNNING" or run.machine.pipeline != "train":
            return False
        from lockgate.pipeline.review import WAITING_STATE

        events: list[Any] = []
        for page in (
            self.client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=run.arn)
        ):
            events += page["events"]
        visits = state_visits(events)
        return bool(visits) and visits[-1].name == WAITING_STATE and visits[-1].exited is None

    def run(self, arn: str) -> RunDetail:
        """One execution: its machine's definition, history, input/output and failure."""
        sfn = self.client("stepfunctions")
        try:
            described = sfn.describe_execution(executionArn=arn)
        except ClientError as error:
            raise ConsoleError(f"no run {arn}: {_message(error)}") from None
        machine_arn = described["stateMachineArn"]
        machine = next((m for m in self.machines() if m.arn == machine_arn), None)
        if machine is None:
            raise ConsoleError(f"{arn} is not a run of a Lockgate state machine")
        events: list[Any] = []
        for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
            events += page["events"]
        summary = RunSummary(
            arn=arn,
            name=described["name"],
            machine=machine,
            status=described["status"],
            started=described["startDate"],
            stopped=described.get("stopDate"),
        )
        output = _json(described.get("output"))
        texts = [described.get("input") or "", described.get("output") or ""]
        texts += [str(e.get("stateExitedEventDetails", {}).get("output", "")) for e in events]
        return RunDetail(
            summary=summary,
            definition=self.definition(machine_arn),
            visits=state_visits(events),
            input=_json(described.get("input")) or {},
            output=output,
            error=described.get("error"),
            cause=" ".join(readable_cause(str(described.get("cause") or "")).split()) or None,
            reports=sorted({m.rstrip(".,;)") for text in texts for m in _S3_URI.findall(text)}),
            failed_states=_failed_states(events),
            latest=_latest_output(events),
        )

    def definition(self, machine_arn: str) -> str:
        """The ASL of a state machine (cached)."""
        with self._lock:
            if machine_arn in self._definitions:
                return self._definitions[machine_arn]
        definition = str(
            self.client("stepfunctions").describe_state_machine(stateMachineArn=machine_arn)["definition"]
        )
        with self._lock:
            self._definitions[machine_arn] = definition
        return definition

    # --- stored reports ---------------------------------------------------------------------
    def report(self, uri: str) -> tuple[bytes, str]:
        """A stored report's bytes and content type, when it is one of Lockgate's report objects."""
        from lockgate.adapters.s3 import S3Store

        try:
            bucket, key = split_uri(uri)
        except InputRejected:
            raise ConsoleError("not a report address (s3://bucket/key)") from None
        if not _BUCKET.fullmatch(bucket) or not key or "\n" in key:
            raise ConsoleError("not a report address (s3://bucket/key)")
        suffix = next((s for s in REPORT_TYPES if key.endswith(s)), None)
        if not is_lockgate(bucket) or not key.startswith(REPORT_PREFIXES) or suffix is None:
            raise ConsoleError(f"{uri} is not one of Lockgate's reports; nothing served")
        try:
            body = S3Store(self.client("s3")).read(bucket, key)
        except (ClientError, BotoCoreError) as error:
            raise ConsoleError(f"cannot read {uri}: {_message(error)}") from None
        return body, REPORT_TYPES[suffix]

    def report_json(self, uri: str) -> dict[str, Any] | None:
        """A stored JSON report, parsed; None when it cannot be read."""
        try:
            body, _ = self.report(uri)
            parsed = json.loads(body)
        except (ConsoleError, ValueError):
            return None
        return parsed if isinstance(parsed, dict) else None


def _dataset_of(run: RunSummary, data: dict[str, Any]) -> str | None:
    """The input's `dataset`; for a deploy run, the dataset of its package's group (from the ARN)."""
    if data.get("dataset") is not None:
        return str(data["dataset"])
    group = group_of_package(str(data.get("packageArn") or ""))
    if group is None:
        return None
    environment = environment_of_machine(run.machine.name, run.machine.pipeline)
    try:
        return dataset_of_group(environment, group)
    except ValueError:
        return None


def _failed_states(events: list[Any]) -> dict[str, str]:
    """state -> 'error: cause' for each state a failure event happened in."""
    failed: dict[str, str] = {}
    current: str | None = None
    for event in sorted(events, key=lambda e: int(e["id"])):
        kind = str(event["type"])
        if kind.endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        details = next((v for k, v in event.items() if k.endswith("FailedEventDetails")), None)
        if details and current and (kind.endswith("Failed") or kind.endswith("TimedOut")):
            cause = " ".join(readable_cause(str(details.get("cause", ""))).split())
            failed[current] = f"{details.get('error', kind)}" + (f": {cause[:400]}" if cause else "")
    return failed


def _latest_output(events: list[Any]) -> dict[str, Any]:
    """The output of the last state that exited (what a running run has gathered so far)."""
    for event in sorted(events, key=lambda e: int(e["id"]), reverse=True):
        output = _json(event.get("stateExitedEventDetails", {}).get("output"))
        if output is not None:
            return output
    return {}


def _json(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else {"value": value}


def _message(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Message") or error)
    return str(error).splitlines()[0] if str(error) else type(error).__name__
