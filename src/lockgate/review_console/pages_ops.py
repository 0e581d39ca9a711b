"""The Models (with the decision form), Endpoints, Alarms & actions and Lineage pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from lockgate.lineage import KINDS, Edge
from lockgate.review_console.charts import sparkline
from lockgate.review_console.html import badge, esc, link, num, page, table
from lockgate.review_console.operations import Operations, PackageView
from lockgate.review_console.reads import ConsoleError, Reads

MINUTES = 60  # the Endpoints page's window


def report_link(uri: str, text: str | None = None) -> str:
    """A stored report, served through the console (never an s3:// link)."""
    return link("/report", text or uri.rsplit("/", 2)[-2] + "/" + uri.rsplit("/", 1)[-1], uri=uri)


def models_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """Packages per group: status, metrics, both bias verdicts, the live one; Approve / Reject.
    `?notice=<id>` shows what a decision just did (kept by the server, never taken from the URL)."""
    notice = settings.notices.get(query.get("notice", ""), "")
    grouped = Operations(reads).packages()
    body = f'<p class="notice" role="status">{esc(notice)}</p>' if notice else ""
    if settings.read_only:
        body += (
            '<p class="muted">read-only console: decisions are made with `lockgate approve` / `reject`.</p>'
        )
    for group, packages in grouped.items():
        live = next((p for p in packages if any(not e.endswith("-staging") for e in p.live_on)), None)
        rows = [_package_row(p, settings, live) for p in packages]
        note = f" · live in production: v{esc(live.version)}" if live else " · nothing live in production"
        body += f'<h2>{esc(group)}<span class="muted">{note}</span></h2>' + table(
            ["Version", "Status", "Metrics", "Bias pre", "Bias post", "Live on", "Reports", "Decision"], rows
        )
    if not grouped:
        body += '<p class="muted">no model packages yet</p>'
    return page("Models", body, settings.where, "/models")


def _package_row(package: PackageView, settings: Any, live: PackageView | None) -> list[str]:
    """One package; beside a non-live one, the live package's metrics and verdicts to compare."""
    other = live if live is not None and live.arn != package.arn else None
    metrics = "<br>".join(
        f'<span class="nowrap">{esc(k)} {v:.3f}'
        + (
            f' <span class="muted">(live {other.metrics[k]:.3f})</span>'
            if other and k in other.metrics
            else ""
        )
        + "</span>"
        for k, v in package.metrics.items()
    )
    reports = [report_link(package.evaluation_report, "evaluation")] if package.evaluation_report else []
    reports += [report_link(uri, f"bias {stage}") for stage, uri in package.bias_reports.items()]
    status = badge(package.status) + (
        ' <span class="badge waiting">waiting: production</span>' if package.waiting_for_production else ""
    )
    if package.description:
        status += f'<br><span class="muted">{esc(package.description[:160])}</span>'
    return [
        link("/lineage", f"v{package.version}", node=package.arn),
        status,
        metrics or "-",
        badge(package.bias_pre)
        + (f'<br><span class="muted">live {esc(other.bias_pre)}</span>' if other else ""),
        badge(package.bias_post)
        + (f'<br><span class="muted">live {esc(other.bias_post)}</span>' if other else ""),
        esc(", ".join(package.live_on) or "-"),
        "<br>".join(reports) or "-",
        _decision(package, settings),
    ]


def _decision(package: PackageView, settings: Any) -> str:
    if settings.read_only:
        return "-"
    pending = package.status == "PendingManualApproval" or package.waiting_for_production
    if not pending and package.status != "Approved":
        return "-"
    what = "production" if package.waiting_for_production else "registry"
    field = f"reason-{package.version}-{abs(hash(package.arn)) % 10_000}"
    approve = (
        f'<button type="submit" name="action" value="approve" aria-label="Approve '
        f'v{esc(package.version)} ({what})">Approve</button>'
        if pending
        else ""
    )
    return (
        f'<form class="decide" method="post" action="/decide">'
        f'<input type="hidden" name="csrf" value="{esc(settings.csrf_token)}">'
        f'<input type="hidden" name="package" value="{esc(package.arn)}">'
        f'<label for="{field}" class="muted">Reason ({what})</label>'
        f'<input id="{field}" name="reason" required maxlength="500" placeholder="why (required)">'
        f'{approve}<button type="submit" name="action" value="reject" class="reject" '
        f'aria-label="Reject v{esc(package.version)} ({what})">Reject</button></form>'
    )


def decide(reads: Reads, settings: Any, form: dict[str, str]) -> str:
    """A person's Approve / Reject: the same code as `lockgate approve` / `reject`; returns its line."""
    action = form.get("action", "")
    if action not in ("approve", "reject"):
        raise ConsoleError("choose Approve or Reject: nothing changed")
    said = Operations(reads).decide(
        form.get("package", ""), form.get("reason", ""), reject=action == "reject"
    )
    return said


def endpoints_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """Endpoints: variants, weights, live package, the last hour's traffic, deployment history."""
    views = Operations(reads).endpoints(MINUTES)
    now = datetime.now(UTC)
    window = (now - timedelta(minutes=MINUTES), now)
    body = ""
    for view in views:
        facts = view.facts
        live = facts.tags.get("lockgate:package")
        variants = table(
            ["Variant", "Weight", "Instances", "Model"],
            [[esc(v.name), num(v.current_weight, 2), num(v.instances), esc(v.model)] for v in facts.variants],
        )
        charts = "".join(
            f"<div><strong>{esc(variant)}</strong><br>"
            + sparkline("invocations / min", series["invocations"], window)
            + sparkline("5XX / min", series["5XX"], window)
            + sparkline("latency (mean)", series["latency"], window, " µs")
            + "</div>"
            for variant, series in view.series.items()
        )
        history = [
            [
                esc(e.parent.id if e.parent.kind == "endpoint-config" else e.parent.key),
                badge(e.attrs.get("outcome", "-")),
                esc(e.attrs.get("reason", "")),
                link("/run", "run", arn=e.attrs["run"]) if e.attrs.get("run") else "-",
            ]
            for e in view.history
            if e.child.kind == "endpoint"
        ]
        body += (
            f"<h2>{esc(facts.name)} {badge(facts.status)}</h2><p>config "
            f"<code>{esc(facts.config)}</code> · "
            f"live package {link('/lineage', live, node=live) if live else '-'}</p>{variants}"
            f'<div class="grid">{charts}</div><h3>Deployment history</h3>'
            + table(
                ["Endpoint config", "Outcome", "Reason", "Deploy run"], history, "no deployments recorded"
            )
        )
    return page(
        "Endpoints", body or '<p class="muted">no Lockgate endpoints</p>', settings.where, "/endpoints"
    )


def alarms_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """Every Lockgate alarm's state, and the audit trail of the reactions."""
    operations = Operations(reads)
    alarms = table(
        ["Alarm", "State", "Metric", "Since (UTC)", "Reason"],
        [
            [
                esc(a.name),
                badge(a.state),
                esc(a.metric),
                esc(a.updated.strftime("%Y-%m-%d %H:%M:%S") if a.updated else "-"),
                esc(a.reason[:200]),
            ]
            for a in operations.alarms()
        ],
        "no Lockgate alarms",
    )
    actions = table(
        ["Updated", "Alarm", "Action", "Status", "Outcome", "Resources", "Steps"],
        [
            [
                esc(r.updated),
                esc(r.alarm),
                esc(r.action + (" (dry-run)" if r.dry_run else "")),
                badge(r.status.value),
                esc(r.outcome),
                esc(", ".join(r.resources) or "-"),
                "<br>".join(esc(s.detail) for s in r.steps) or "-",
            ]
            for r in operations.actions()
        ],
        "no actions yet",
    )
    return page(
        "Alarms & actions",
        f"<h2>Alarms</h2>{alarms}<h2>Actions (audit trail)</h2>{actions}",
        settings.where,
        "/alarms",
    )


def lineage_page(reads: Reads, settings: Any, query: dict[str, str]) -> str:
    """A node's lineage (dataset version -> runs -> jobs -> package -> endpoints -> actions) as a graph."""
    node = query.get("node", "").strip()
    form = (
        '<form class="filters" method="get" action="/lineage">'
        f'<label for="f-node">Package ARN, dataset or kind#id<input id="f-node" name="node" '
        f'size="70" value="{esc(node)}"></label>'
        '<button type="submit">Show</button></form>'
    )
    if not node:
        return page("Lineage", form, settings.where)
    up, down = Operations(reads).lineage(node)
    edges = list({(e.parent, e.child): e for e in up + down}.values())
    rows = [
        [esc(e.parent.key), esc(e.child.key), esc(" ".join(f"{k}={v}" for k, v in sorted(e.attrs.items())))]
        for e in edges
    ]
    body = form + (lineage_svg(edges) if edges else '<p class="muted">no lineage recorded yet</p>')
    body += "<h2>Edges</h2>" + table(["From", "To", "Details"], rows, "")
    return page("Lineage", body, settings.where)


def lineage_svg(edges: list[Edge]) -> str:
    """Nodes in columns by kind (dataset ... action), edges between them."""
    nodes = sorted({n for e in edges for n in (e.parent, e.child)}, key=lambda n: (KINDS.index(n.kind), n.id))
    columns: dict[str, list[str]] = {}
    for node in nodes:
        columns.setdefault(node.kind, []).append(node.key)
    kinds = [k for k in KINDS if k in columns]
    col_w, row_h, box_w, box_h = 190, 46, 172, 34
    height = max(len(v) for v in columns.values()) * row_h + 30
    at: dict[str, tuple[float, float]] = {}
    parts = []
    for ci, kind in enumerate(kinds):
        parts.append(f'<text x="{ci * col_w + 8}" y="14" font-weight="600">{esc(kind)}</text>')
        for ri, key in enumerate(columns[kind]):
            x, y = ci * col_w + 8, 24 + ri * row_h
            at[key] = (x, y)
            parts.append(_lineage_box(key, x, y, box_w, box_h))
    for edge in edges:
        (x1, y1), (x2, y2) = at[edge.parent.key], at[edge.child.key]
        parts.insert(
            0,
            f'<line x1="{x1 + box_w}" y1="{y1 + box_h / 2}" x2="{x2}" y2="{y2 + box_h / 2}" stroke="#777"/>',
        )
    width = len(kinds) * col_w + 10
    return (
        f'<div class="card"><svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width}" '
        f'height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="lineage graph">{"".join(parts)}</svg></div>'
    )


def _lineage_box(key: str, x: float, y: float, width: int, height: int) -> str:
    """One node: a short label, its full id on hover, a link to its own lineage."""
    kind, ident = key.split("#", 1)
    if kind == "model-package":
        short = "/".join(ident.rsplit("/", 2)[-2:])
    else:
        short = ident.rsplit(":", 1)[-1] if len(ident) > 24 else ident
    short = short if len(short) <= 26 else short[:25] + "…"
    href = esc("/lineage?" + urlencode({"node": key}))
    return (
        f'<a href="{href}"><title>{esc(key)}</title><rect x="{x}" y="{y}" width="{width}" height="{height}" '
        f'rx="4" fill="#eef2f6" stroke="#16324f"/><text x="{x + 6}" y="{y + 21}">{esc(short)}</text></a>'
    )
