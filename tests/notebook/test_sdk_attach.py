"""The Step Functions Data Science SDK attached to Lockgate's state machines in the offline cloud:
Workflow.attach, list_executions, list_events, get_output, render_graph, render_progress."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stepfunctions.workflow import Workflow  # type: ignore[import-untyped]

from lockgate.notebook import Lockgate

REPO = Path(__file__).resolve().parents[2]


def test_attaches_to_every_deployed_state_machine(finished_runs: Any) -> None:
    lockgate = Lockgate(finished_runs.cloud.url)
    deployed = finished_runs.cloud.client("stepfunctions").list_state_machines()["stateMachines"]
    assert {"ingest", "train"} <= set(lockgate.workflows)
    assert len(lockgate.workflows) == len(deployed)
    for pipeline, workflow in lockgate.workflows.items():
        assert isinstance(workflow, Workflow)
        assert workflow.name == f"lockgate-{pipeline}-dev"
        assert json.loads(workflow.definition.to_json())["StartAt"]


def test_reads_a_finished_runs_events_and_output_through_the_sdk(finished_runs: Any) -> None:
    lockgate = Lockgate(finished_runs.cloud.url)
    runs = lockgate.runs("ingest", status="SUCCEEDED")
    run = next(r for r in runs if r.execution_arn == finished_runs.ingest["executionArn"])
    events = run.list_events(max_items=1000)
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert run.get_output()["datasetVersion"] == json.loads(finished_runs.ingest["output"])["datasetVersion"]
    assert run.get_input()["dataset"] == "credit"


def test_gates_name_the_bias_verdict_and_its_reports(finished_runs: Any) -> None:
    lockgate = Lockgate(finished_runs.cloud.url)
    train = lockgate.latest("train")
    assert train.execution_arn == finished_runs.train["executionArn"]
    table = lockgate.gates(train)
    assert table.run_status == finished_runs.train["status"]
    bias = next(gate for gate in table if gate.state == "PreTrainingBias")
    assert bias.verdict in {"pass", "fail", "needs-human"}
    assert any(uri.endswith("/pre_training/report.html") for uri in bias.reports)
    html = lockgate.report_html(next(uri for uri in bias.reports if uri.endswith("analysis.json")))
    assert "pre_training_bias_metrics" in html
    assert "PreTrainingBias" in table._repr_html_() and "PreTrainingBias" in str(table)


def test_renders_graph_and_progress_as_html(finished_runs: Any) -> None:
    lockgate = Lockgate(finished_runs.cloud.url)
    graph = lockgate.workflow("train").render_graph()
    progress = lockgate.latest("ingest").render_progress()
    assert "PreTrainingBias" in graph.data
    assert "ExecutionSucceeded" in progress.data or "Succeeded" in progress.data


def test_an_unknown_pipeline_names_the_ones_there_are(finished_runs: Any) -> None:
    lockgate = Lockgate(finished_runs.cloud.url)
    try:
        lockgate.workflow("nope")
    except KeyError as error:
        assert "ingest" in str(error) and "train" in str(error)
    else:
        raise AssertionError("expected a KeyError")


def test_the_notebook_runs_headless_against_the_offline_cloud(
    finished_runs: Any, monkeypatch: Any, tmp_path: Any
) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("LOCKGATE_ENDPOINT_URL", finished_runs.cloud.url)
    notebook = nbformat.read(REPO / "notebooks" / "lockgate_runs.ipynb", as_version=4)
    NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    text = "\n".join(
        output.get("text", "") + json.dumps(output.get("data", {}))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
    )
    assert "error" not in {
        output.get("output_type") for cell in notebook.cells for output in cell.get("outputs", [])
    }
    assert "PreTrainingBias" in text
    assert "ingest: " in text and "train: " in text
    assert (tmp_path / "demo-output" / "notebook").is_dir()
