"""The notebook view of Lockgate's pipelines, through the Step Functions Data Science SDK.

The state machines are defined in `statemachines/*.asl.json` (the SAM convention, and the SDK
cannot express JSONata, ItemReader or ResultSelector); the SDK is the client surface people know
from notebooks: `Workflow.attach`, `list_executions`, `Execution.list_events` / `get_output`,
`render_graph`, `render_progress`. This module finds Lockgate's state machines (on AWS, or on a
running `lockgate up` through `endpoint_url`), attaches the SDK to each, and turns a run into a
table of gates with their verdicts and report links.

Needs the `notebook` extra: `pip install -e ".[notebook]"` (stepfunctions 2.3.0 on sagemaker 2.x).
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import boto3

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")  # sagemaker 2.x warns on import otherwise

from stepfunctions.workflow import (  # type: ignore[import-untyped]
    Execution,
    ExecutionStatus,
    Workflow,
)

from lockgate.names import pipeline_of, split_uri

LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
_ENDS = {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}


@dataclass(frozen=True)
class Gate:
    """One state of a run as people read it: did it pass, and where is its report."""

    state: str
    status: str  # "passed", "failed", "needs-human", "ok", "running"
    seconds: float | None
    verdict: str = ""
    detail: str = ""
    reports: tuple[str, ...] = ()


@dataclass
class GateTable:
    """A run's gates; shows as an HTML table in a notebook and as text elsewhere."""

    execution_arn: str
    run_status: str
    gates: list[Gate] = field(default_factory=list)

    def __iter__(self) -> Iterator[Gate]:
        return iter(self.gates)

    def __str__(self) -> str:
        lines = [f"{self.execution_arn}  {self.run_status}"]
        for gate in self.gates:
            took = "" if gate.seconds is None else f"{gate.seconds:7.2f} s"
            lines.append(f"  {gate.state:<28} {gate.status:<12} {took:>10}  {gate.detail}")
            lines += [f"      {uri}" for uri in gate.reports]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = "".join(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
                html.escape(gate.state),
                html.escape(gate.status),
                "" if gate.seconds is None else f"{gate.seconds:.2f} s",
                html.escape(gate.detail),
                "<br>".join(html.escape(uri) for uri in gate.reports),
            )
            for gate in self.gates
        )
        return (
            f"<p><b>{html.escape(self.run_status)}</b> {html.escape(self.execution_arn)}</p>"
            "<table><tr><th>state</th><th>status</th><th>time</th><th>detail</th><th>reports</th></tr>"
            f"{rows}</table>"
        )


class Lockgate:
    """Lockgate's state machines as SDK workflows, with helpers to read runs and reports."""

    def __init__(
        self,
        endpoint_url: str | None = None,
        *,
        region: str | None = None,
        environment: str = "dev",
        session: boto3.Session | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url
        self.environment = environment
        if session is None:
            local = dict(LOCAL_CREDENTIALS) if endpoint_url else {}
            session = boto3.Session(region_name=region or ("us-east-1" if endpoint_url else None), **local)
        self.session = session
        self.sfn = self._client("stepfunctions")
        self.workflows: dict[str, Workflow] = {
            pipeline: Workflow.attach(arn, client=self.sfn) for pipeline, arn in self._state_machines()
        }

    def _client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.endpoint_url)

    def _state_machines(self) -> Iterator[tuple[str, str]]:
        """(pipeline, ARN) for every state machine named lockgate-<pipeline>-<environment>."""
        for page in self.sfn.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                name: str = machine["name"]
                pipeline = pipeline_of(name, self.environment)
                if pipeline is not None:
                    yield pipeline, machine["stateMachineArn"]

    def workflow(self, pipeline: str) -> Workflow:
        """The SDK Workflow of one pipeline ("ingest", "train", "deploy", ...)."""
        try:
            return self.workflows[pipeline]
        except KeyError:
            known = ", ".join(sorted(self.workflows)) or "none"
            raise KeyError(f"no Lockgate pipeline {pipeline!r} here (found: {known})") from None

    def runs(self, pipeline: str, *, status: str | None = None, limit: int = 20) -> list[Execution]:
        """The pipeline's executions, newest first (the SDK's list_executions)."""
        wanted = ExecutionStatus(status) if status else None
        executions = self.workflow(pipeline).list_executions(max_items=limit, status_filter=wanted)
        return sorted(executions, key=lambda run: run.start_date, reverse=True)

    def latest(self, pipeline: str, *, status: str | None = None) -> Execution:
        """The newest execution of a pipeline; LookupError when there is none."""
        runs = self.runs(pipeline, status=status, limit=100)
        if not runs:
            raise LookupError(
                f"pipeline {pipeline!r} has no runs{f' with status {status}' if status else ''}"
            )
        return runs[0]

    def gates(self, execution: Execution) -> GateTable:
        """The run's states in order, each with its verdict (for gates) and report links."""
        definition = json.loads(execution.workflow.definition.to_json())
        events = list(execution.list_events(max_items=25000))
        status = str(execution.describe()["status"])
        return GateTable(execution.execution_arn, status, gates_from_history(definition, events))

    def fetch(self, uri: str, into: Path | str = "demo-output/notebook") -> Path:
        """Download an s3:// report into a local folder and return its path."""
        bucket, key = split_uri(uri)
        target = Path(into) / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        body = self._client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
        target.write_bytes(body)
        return target

    def report_html(self, uri: str) -> str:
        """A report's HTML (or JSON, pretty-printed in <pre>) for display in a notebook cell."""
        bucket, key = split_uri(uri)
        body = self._client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        if key.endswith(".html"):
            return body
        return f"<pre>{html.escape(json.dumps(json.loads(body), indent=2))}</pre>"


def gates_from_history(definition: Mapping[str, Any], events: list[Mapping[str, Any]]) -> list[Gate]:
    """Gates from a definition and its execution history (pure; the SDK's events are dicts).

    A state's result is read at its ResultPath; a result with a `verdict` makes it a gate; every
    s3:// value ending in .html or .json in the result is a report link."""
    states = _all_states(definition)
    entered: dict[str, Any] = {}
    failed: dict[str, str] = {}
    gates: list[Gate] = []
    for event in sorted(events, key=lambda item: int(item["id"])):
        kind = str(event["type"])
        if kind.endswith("StateEntered"):
            entered[event["stateEnteredEventDetails"]["name"]] = event["timestamp"]
        elif kind.endswith("Failed") and not kind.startswith("Execution"):
            details = next((value for name, value in event.items() if name.endswith("EventDetails")), {})
            for name in entered:
                failed[name] = f"{details.get('error', kind)}: {str(details.get('cause', ''))[:200]}"
        elif kind.endswith("StateExited"):
            exit_details = event["stateExitedEventDetails"]
            name = exit_details["name"]
            began = entered.pop(name, event["timestamp"])
            seconds = (event["timestamp"] - began).total_seconds()
            result = _at_result_path(states.get(name, {}), exit_details.get("output"))
            gates.append(_gate(name, seconds, result, failed.pop(name, "")))
        elif kind in _ENDS:
            for name, began in entered.items():
                status = "ok" if kind == "ExecutionSucceeded" else "failed"
                seconds = (event["timestamp"] - began).total_seconds()
                gates.append(Gate(name, status, seconds, detail=failed.pop(name, "")))
            entered.clear()
    gates += [Gate(name, "running", None) for name in entered]
    return gates


def _gate(name: str, seconds: float, result: Any, failure: str) -> Gate:
    reports = tuple(sorted(set(_report_uris(result))))
    if isinstance(result, dict) and isinstance(result.get("verdict"), str):
        verdict = cast(str, result["verdict"])
        status = {"pass": "passed", "fail": "failed"}.get(verdict, verdict)
        reasons = result.get("reasons") or []
        detail = "; ".join(str(reason) for reason in reasons)[:300] if isinstance(reasons, list) else ""
        return Gate(name, status, seconds, verdict, detail, reports)
    return Gate(name, "failed" if failure else "ok", seconds, detail=failure, reports=reports)


def _all_states(definition: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    found: dict[str, Mapping[str, Any]] = {}
    for name, state in definition.get("States", {}).items():
        found[name] = state
        for inner in [state.get("ItemProcessor") or state.get("Iterator"), *state.get("Branches", [])]:
            if inner:
                found.update(_all_states(inner))
    return found


def _at_result_path(state: Mapping[str, Any], output: str | None) -> Any:
    """The part of a state's output its own result went to (ResultPath "$.x.y"), or the whole."""
    if not output:
        return None
    try:
        value: Any = json.loads(output)
    except ValueError:
        return None
    path = state.get("ResultPath", "$")
    if not isinstance(path, str) or not path.startswith("$"):
        return None if path is None and "ResultPath" in state else value
    for part in [p for p in path.removeprefix("$").split(".") if p]:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _report_uris(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("s3://") and value.endswith((".html", ".json")):
            yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _report_uris(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _report_uris(inner)
