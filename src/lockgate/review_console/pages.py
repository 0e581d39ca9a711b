"""The Runs, Run and Gates pages (the rest: pages_ops), and the routing names the server uses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from lockgate.layout import quarantined_key
from lockgate.review_console import graph
from lockgate.review_console.charts import BiasCheck, bias_chart, timeline
from lockgate.review_console.html import badge, esc, link, num, page, table
from lockgate.review_console.operations import Operations
from lockgate.review_console.pages_ops import (
    alarms_page,
    decide,
    endpoints_page,
    lineage_page,
    models_page,
    report_link,
)
from lockgate.review_console.reads import STATUSES, ConsoleError, Reads, RunDetail

__all__ = [
    "alarms_page",
    "decide",
    "endpoints_page",
    "gates_page",
    "lineage_page",
    "models_page",
    "review",
    "run_page",
    "runs_page",
]

WAITING_BADGE = ' <span class="badge waiting">waiting for a person</span>'
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
# The deploy run's steps, by the key each writes into the run's state (statemachines/deploy.asl.json).
DEPLOY_STEPS = (
    ("plan", "Plan"),
    ("smoke", "Smoke test on staging"),
    ("approval", "Production approval"),
    ("record", "Recorded"),
    ("error", "Stopped"),
)
LEGEND = "".join(
    f'<span><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="{fill}" '
    f'stroke="{stroke}"/></svg> {name}</span>'
    for name, (fill, stroke) in graph.COLOURS.items()
)


def runs_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """Every run, newest first, filtered by pipeline, dataset and status."""
    pipeline, dataset, status = (
        query.get("pipeline", ""),
        query.get("dataset", "").strip(),
        query.get("status", ""),
    )
    machines = reads.machines()
    runs, more = reads.runs(pipeline, status, dataset, limit=_limit(query))
    pipelines = sorted({m.pipeline for m in machines})
    form = (
        '<form class="filters" method="get" action="/runs" aria-label="filter runs">'
        + _select("pipeline", "Pipeline", pipelines, pipeline)
        + f'<label for="f-dataset">Dataset<input id="f-dataset" name="dataset" '
        f'value="{esc(dataset)}" size="14"></label>'
        + _select("status", "Status", list(STATUSES), status)
        + '<button type="submit">Filter</button></form>'
    )
    datasets = reads.datasets(runs)
    rows = [
        [
            esc(_when(r.started)),
            esc(r.machine.pipeline),
            esc(datasets.get(r.arn, "")),
            link("/run", r.name, arn=r.arn),
            badge(r.status) + (WAITING_BADGE if reads.waiting_for_person(r) else ""),
            num(r.seconds, 2),
        ]
        for r in runs
    ]
    body = form + table(
        ["Started (UTC)", "Pipeline", "Dataset", "Run", "Status", "Seconds"], rows, "no runs match"
    )
    if more:
        body += f'<p class="muted">{more} more runs not shown: narrow the filters, or add &amp;limit=N.</p>'
    return page("Runs", body, settings.where, "/runs")


def run_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """One run: its graph coloured by what happened, per-state durations, the failure."""
    run = reads.run(_required(query, "arn"))
    state_graph = graph.parse_definition(run.definition)
    coloured = outcomes(state_graph, run)
    svg = graph.render_svg(state_graph, coloured, f"{run.summary.machine.name} graph")
    facts = [
        ["Pipeline", esc(run.summary.machine.name)],
        ["Status", badge(run.summary.status)],
        ["Started (UTC)", esc(_when(run.summary.started))],
        ["Seconds", num(run.summary.seconds, 2)],
        ["Dataset", esc(run.dataset or "-")],
        ["Gates and reports", link("/gates", "gates of this run", arn=run.summary.arn)],
    ]
    package = _package_of(run)
    if package:
        facts.append(["Model package", link("/lineage", package, node=package)])
    notice = settings.notices.get(query.get("notice", ""), "")
    body = f'<p class="notice" role="status">{esc(notice)}</p>' if notice else ""
    body += table(["", ""], facts)
    if _waits_for_person(run):
        body += "<h2>Waiting for a person</h2>" + _review_form(run, settings)
    if run.error or run.cause:
        why = f"{esc(run.error or '')}: {esc(run.cause or '')}"
        body += f'<h2>Why it failed</h2><p class="error" role="alert">{why}</p>'
    if run.failed_states:
        body += table(["State", "Error and cause"], [[esc(s), esc(c)] for s, c in run.failed_states.items()])
    body += f'<h2>Graph</h2><p class="legend">{LEGEND}</p><div class="card">{svg}</div>'
    waiting = frozenset(name for name, outcome in coloured.items() if outcome == "waiting")
    body += f"<h2>Timeline</h2>{timeline(run.visits, datetime.now(UTC), waiting)}"
    return page(f"Run {run.summary.name}", body, settings.where, "/runs")


def _waits_for_person(run: RunDetail) -> bool:
    """Running at AwaitingReview: a needs-human bias gate waits for `lockgate review`."""
    from lockgate.pipeline.review import WAITING_STATE

    last = run.visits[-1] if run.visits else None
    return (
        run.summary.status == "RUNNING"
        and last is not None
        and last.name == WAITING_STATE
        and last.exited is None
    )


def _review_form(run: RunDetail, settings: Any) -> str:
    """Approve (training goes on) / Reject (the run ends as ReviewRejected), a reason required."""
    from lockgate.pipeline.review import review_command

    if settings.read_only:
        return (
            '<p class="muted">read-only console: decide with '
            f"<code>{esc(review_command(run.summary.arn))}</code>.</p>"
        )
    return (
        '<form class="decide" method="post" action="/review">'
        f'<input type="hidden" name="csrf" value="{esc(settings.csrf_token)}">'
        f'<input type="hidden" name="run" value="{esc(run.summary.arn)}">'
        '<label for="review-reason" class="muted">Reason (bias review)</label>'
        '<input id="review-reason" name="reason" required maxlength="500" placeholder="why (required)">'
        '<button type="submit" name="action" value="approve" aria-label="Approve: training goes on">'
        "Approve</button>"
        '<button type="submit" name="action" value="reject" class="reject" '
        'aria-label="Reject: the run ends as ReviewRejected">Reject</button></form>'
    )


def review(reads: Reads, settings: Any, form: dict[str, str]) -> str:
    """A person's review decision on a waiting run: the same code as `lockgate review`; its line."""
    action = form.get("action", "")
    if action not in ("approve", "reject"):
        raise ConsoleError("choose Approve or Reject: nothing changed")
    return Operations(reads).review(form.get("run", ""), form.get("reason", ""), reject=action == "reject")


def outcomes(state_graph: graph.StateGraph, run: RunDetail) -> dict[str, graph.Outcome]:
    """Each visited state's outcome: succeeded, failed, caught (a Catch took over), waiting for a
    person (a running .waitForTaskToken task), running."""
    catches: dict[str, set[str]] = {}
    for edge in state_graph.edges:
        if edge.kind == "catch":
            catches.setdefault(edge.source, set()).add(edge.target)
    person = {n.name for n in state_graph.nodes if n.waits_for_person}
    types = {n.name: n.type for n in state_graph.nodes}
    result: dict[str, graph.Outcome] = {}
    for index, visit in enumerate(run.visits):
        later = {v.name for v in run.visits[index + 1 :]}
        if visit.outcome == "running":
            result[visit.name] = "waiting" if visit.name in person else "running"
        elif visit.outcome == "failed" or types.get(visit.name) == "Fail":
            caught = bool(catches.get(visit.name, set()) & later)
            result[visit.name] = "caught" if caught else "failed"
        elif result.get(visit.name) not in ("failed", "caught"):
            result[visit.name] = "succeeded"
    for node in state_graph.nodes:  # a Distributed Map's items run in child executions, not this history
        if node.parent in result and node.name not in result:
            result[node.name] = result[node.parent]
    return result


def gates_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """A run's gates: data gate, bias per stage (charts per facet), evaluation, registration."""
    run = reads.run(_required(query, "arn"))
    body = (
        f"<p>{link('/run', 'back to the run', arn=run.summary.arn)} · status {badge(run.summary.status)}</p>"
    )
    if run.summary.machine.pipeline != "deploy":
        body += "<h2>Data gate</h2>" + _data_gate(reads, run)
    analyses = [u for u in run.reports if re.search(r"/bias/[^/]+/analysis\.json$", u)]
    if analyses:
        body += "<h2>Bias</h2>" + "".join(_bias(reads, uri) for uri in analyses)
    evaluations = [u for u in run.reports if u.endswith("/evaluation/report.html")]
    if evaluations:
        body += "<h2>Evaluation</h2>" + _evaluation(reads, run, evaluations[0])
    state = run.output or run.latest
    steps = [(title, state[key]) for key, title in DEPLOY_STEPS if isinstance(state.get(key), dict)]
    if steps:
        body += "<h2>Deployment</h2>" + "".join(f"<h3>{esc(t)}</h3>{_facts(v)}" for t, v in steps)
    registration = (run.output or {}).get("registration")
    if isinstance(registration, dict):
        reasons = "".join(f"<li>{esc(r)}</li>" for r in registration.get("reasons", []))
        arn = str(registration.get("packageArn") or "")
        body += (
            f"<h2>Registration</h2><p>{badge(str(registration.get('verdict', '-')))} "
            f"{badge(str(registration.get('approvalStatus', '-')))} "
            f"{link('/models', 'package v' + arn.rsplit('/', 1)[-1] + ' in Models') if arn else ''}"
            f"</p><ul>{reasons}</ul>"
        )
    others = [u for u in run.reports if u.endswith((".html", ".json", ".txt")) and "/reports/" in u]
    if others:
        body += (
            "<h2>Stored reports</h2><ul>" + "".join(f"<li>{report_link(u)}</li>" for u in others) + "</ul>"
        )
    return page(f"Gates of {run.summary.name}", body, settings.where, "/runs")


def _data_gate(reads: Reads, run: RunDetail) -> str:
    data = run.input
    manifest = next((u for u in run.reports if u.endswith("/manifest.json")), None)
    parts = []
    if data.get("kind") and data.get("key") and run.summary.status == "FAILED":
        key = quarantined_key(str(data["key"]), str(data.get("dataset")))
        uri = f"s3://{data.get('bucket')}/{key}.report.json"
        report = reads.report_json(uri)
        if report:
            rows = [
                [
                    esc(f.get("rule", "")),
                    esc(f.get("column") or "-"),
                    num(int(f.get("count", 0))),
                    esc(f.get("detail", "")),
                ]
                for f in report.get("failures", [])
            ]
            parts.append(
                f"<p>{badge('fail')} {num(int(report.get('rows', 0))).split(':', 1)[1]} rows checked; "
                f"quarantined with its report: {report_link(uri)}</p>"
                + table(["Rule", "Column", "Rows", "Detail"], rows)
            )
    if manifest:
        facts = reads.report_json(manifest) or {}
        split = (facts.get("split") or {}).get("rows", {})
        parts.append(
            f"<p>{badge('pass')} version <code>{esc(str(facts.get('version', ''))[:16])}…</code>, "
            f"{esc(facts.get('rows', '?'))} rows, splits "
            + ", ".join(f"{esc(k)} {esc(v)}" for k, v in split.items())
            + f"; {len(facts.get('schema', []))} columns · {report_link(manifest, 'manifest')} · "
            + report_link(manifest.rsplit("/", 1)[0] + "/validation-report.json", "validation report")
            + "</p>"
            + _column_counts(facts)
        )
    if (ingest := run.input.get("execution")) and ":lockgate-ingest-" in str(ingest):
        parts.append(f"<p>Checked by {link('/gates', 'its ingest run', arn=str(ingest))}.</p>")
    return "".join(parts) or '<p class="muted">no data gate in this run</p>'


def _facts(values: dict[str, Any]) -> str:
    """A step's scalar results as a two-column table (a Lambda task's are under `result`; other
    nested values are left to the stored output)."""
    if isinstance(values.get("result"), dict):
        values = {**values["result"], **{k: v for k, v in values.items() if k != "result"}}
    rows = [
        [esc(key), _fact(key, value)]
        for key, value in values.items()
        if isinstance(value, str | int | float | bool)
    ]
    return table(["", ""], [row for row in rows if row[1]], "")


def _fact(key: str, value: str | float | bool) -> str:
    if isinstance(value, bool):
        if key in ("passed", "approved"):
            return badge("pass" if value else "fail")
        return "yes" if value else "no"
    if isinstance(value, float):
        return esc(f"{value:.4g}")
    return esc(str(value)[:300])


def _column_counts(manifest: dict[str, Any]) -> str:
    """Each column's counts from the manifest's statistics: what the contract's rules were checked on."""
    columns = ((manifest.get("statistics") or {}).get("columns") or {}).items()
    rows = [
        [
            esc(name),
            esc(stats.get("type", "")),
            num(stats.get("count")),
            num(stats.get("nulls")),
            num(stats.get("invalid")),
            esc(_stat(stats.get("min"))),
            esc(_stat(stats.get("max"))),
        ]
        for name, stats in columns
        if isinstance(stats, dict)
    ]
    return table(["Column", "Type", "Rows", "Nulls", "Invalid", "Min", "Max"], rows, "")


def _stat(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _bias(reads: Reads, analysis_uri: str) -> str:
    folder = analysis_uri.rsplit("/", 1)[0]
    stage = folder.rsplit("/", 1)[-1].replace("_", "-")
    gate = reads.report_json(folder + "/gate.json") or {}
    checks = [
        BiasCheck.model_validate(
            {
                **c,
                "lower": (c.get("confidence_interval") or {}).get("lower"),
                "upper": (c.get("confidence_interval") or {}).get("upper"),
            }
        )
        for c in gate.get("checks", [])
    ]
    facets: dict[str, list[BiasCheck]] = {}
    for check in checks:
        facets.setdefault(
            f"{check.facet}={check.value_or_threshold} ({check.stage.replace('_', '-')})", []
        ).append(check)
    charts = "".join(f'<div class="card">{bias_chart(name, items)}</div>' for name, items in facets.items())
    return (
        f"<h3>{esc(stage)} {badge(str(gate.get('verdict', '-')))}</h3>"
        f"<p>{report_link(folder + '/report.html', 'full report')} · "
        f"{report_link(analysis_uri, 'analysis.json')}"
        " · bar: the interval, dot: the value, green band: allowed range</p>"
        f'<div class="grid">{charts or "<p class=muted>no gated metrics</p>"}</div>'
    )


def _evaluation(reads: Reads, run: RunDetail, report_uri: str) -> str:
    metrics = ((run.output or {}).get("evaluation") or {}).get("metrics") or {}
    rows = [[esc(k), num(float(v))] for k, v in metrics.items() if isinstance(v, int | float)]
    try:
        body, _ = reads.report(report_uri)
        svgs = _SVG.findall(body.decode("utf-8", "replace"))
    except ConsoleError:
        svgs = []
    charts = "".join(f'<div class="card">{svg}</div>' for svg in svgs[:3])
    metrics_table = table(["Metric", "Value"], rows, "")
    return f'<p>{report_link(report_uri, "full report")}</p>{metrics_table}<div class="grid">{charts}</div>'


def _package_of(run: RunDetail) -> str | None:
    for source in (run.input, run.output or {}, (run.output or {}).get("registration") or {}):
        value = source.get("packageArn") if isinstance(source, dict) else None
        if value:
            return str(value)
    return None


def _select(name: str, label: str, options: list[str], chosen: str) -> str:
    items = '<option value="">all</option>' + "".join(
        f'<option value="{esc(o)}"{" selected" if o == chosen else ""}>{esc(o)}</option>' for o in options
    )
    return f'<label for="f-{name}">{esc(label)}<select id="f-{name}" name="{name}">{items}</select></label>'


def _required(query: dict[str, str], name: str) -> str:
    value = query.get(name, "").strip()
    if not value:
        raise ConsoleError(f"this page needs ?{name}=...")
    return value


def _limit(query: dict[str, str]) -> int:
    try:
        return max(1, min(int(query.get("limit", "100")), 1000))
    except ValueError:
        raise ConsoleError("limit must be a whole number (1-1000)") from None


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
