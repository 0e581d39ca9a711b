"""The console's reads beyond runs: the registry, endpoints, alarms, the audit trail and lineage;
and the one write, a person's decision, through `lockgate approve` / `reject`'s own code."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from lockgate.adapters.audit_table import AuditTable
from lockgate.adapters.deploy_records import DeployRecords
from lockgate.adapters.dynamodb import LineageTable
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.adapters.variant_metrics import VariantMetrics
from lockgate.lineage import Edge, node_for, walk
from lockgate.messages.package import PackageMetadata
from lockgate.names import PREFIX, is_lockgate
from lockgate.remediation.journal import AuditRecord
from lockgate.review_console.reads import ConsoleError, Reads
from lockgate.sagemaker_ports import EndpointInfo

LIVE_PACKAGE_TAG = "lockgate:package"
METRICS_SHOWN = ("auc", "pr_auc", "accuracy", "precision", "recall", "f1")


class PackageView(BaseModel):
    """A model package as the Models page shows it."""

    model_config = ConfigDict(frozen=True)

    arn: str
    group: str
    version: str
    status: str
    description: str
    bias_pre: str
    bias_post: str
    metrics: dict[str, float]
    evaluation_report: str | None
    bias_reports: dict[str, str]  # stage -> report.html URI
    execution: str | None
    waiting_for_production: bool
    live_on: list[str]


class EndpointView(BaseModel):
    """An endpoint with its traffic over the last hour."""

    model_config = ConfigDict(frozen=True)

    facts: EndpointInfo
    series: dict[str, dict[str, list[tuple[datetime, float]]]]  # variant -> metric -> points
    history: list[Edge]


class AlarmView(BaseModel):
    """A Lockgate alarm's state."""

    model_config = ConfigDict(frozen=True)

    name: str
    state: str
    reason: str
    updated: datetime | None
    metric: str


class Operations:
    """Registry, endpoints, alarms, audit and lineage reads over the CLI's adapters."""

    def __init__(self, reads: Reads) -> None:
        self.reads = reads

    def _table(self, needle: str) -> str | None:
        names = self.reads.client("dynamodb").list_tables()["TableNames"]
        return next((n for n in names if needle in n), None)

    # --- registry ---------------------------------------------------------------------------
    def groups(self) -> list[str]:
        """Lockgate's model package groups."""
        return sorted(ModelRegistry(self.reads.client("sagemaker")).groups(PREFIX))

    def packages(self) -> dict[str, list[PackageView]]:
        """Packages per group, newest first, with their verdicts, metrics and live endpoints."""
        registry = ModelRegistry(self.reads.client("sagemaker"))
        live: dict[str, list[str]] = {}
        for endpoint in self.endpoint_facts():
            if package := endpoint.tags.get(LIVE_PACKAGE_TAG):
                live.setdefault(package, []).append(endpoint.name)
        table = self._table("Lineage")
        records = DeployRecords(table, self.reads.client("dynamodb")) if table else None
        arns = [(group, arn) for group in self.groups() for arn in registry.packages(group)]

        def view(item: tuple[str, str]) -> PackageView:
            group, arn = item
            info = registry.package(arn)
            meta = PackageMetadata.from_properties(info.metadata)
            evaluation = self.reads.report_json(info.model_quality_uri) if info.model_quality_uri else None
            approval = records.approval(arn) if records else None
            return PackageView(
                arn=arn,
                group=group,
                version=arn.rsplit("/", 1)[-1],
                status=info.status,
                description=info.approval_description,
                bias_pre=meta.bias_pre_verdict or "-",
                bias_post=meta.bias_post_verdict or "-",
                metrics=_metrics(evaluation or {}),
                evaluation_report=meta.evaluation_report or None,
                bias_reports={
                    stage: analysis.rsplit("/", 1)[0] + "/report.html"
                    for stage, analysis in (
                        ("pre-training", meta.bias_pre),
                        ("post-training", meta.bias_post),
                    )
                    if analysis
                },
                execution=meta.execution or None,
                waiting_for_production=approval is not None and approval.state == "waiting",
                live_on=live.get(arn, []),
            )

        with ThreadPoolExecutor(max_workers=4) as pool:
            views = list(pool.map(view, arns))
        grouped: dict[str, list[PackageView]] = {}
        for item in views:
            grouped.setdefault(item.group, []).append(item)
        return grouped

    def decide(self, package: str, reason: str, *, reject: bool) -> str:
        """`lockgate approve` / `reject` (registry decision or a waiting production approval)."""
        from lockgate.commands.deploy_cli import decide
        from lockgate.commands.usage import CliError

        if not reason.strip():
            raise ConsoleError("a reason is required: nothing changed")
        if ":model-package/" not in package:
            raise ConsoleError(f"not a model package ARN: {package!r}; nothing changed")
        try:
            return decide(self.reads.endpoint_url, package, reason.strip(), reject=reject)
        except CliError as error:
            raise ConsoleError(str(error)) from None

    def review(self, run: str, reason: str, *, reject: bool) -> str:
        """`lockgate review` of a train run waiting at AwaitingReview (a needs-human bias gate)."""
        from lockgate.commands.review_cli import decide
        from lockgate.commands.usage import CliError

        if not reason.strip():
            raise ConsoleError("a reason is required: nothing changed")
        if ":execution:" not in run:
            raise ConsoleError(f"not a run ARN: {run!r}; nothing changed")
        try:
            return decide(self.reads.endpoint_url, run, reason.strip(), approve=not reject)
        except CliError as error:
            raise ConsoleError(str(error)) from None

    # --- endpoints, alarms, actions ---------------------------------------------------------
    def endpoint_facts(self) -> list[EndpointInfo]:
        """Every Lockgate endpoint."""
        endpoints = SageMakerEndpoints(self.reads.client("sagemaker")).list_all()
        return [e for e in endpoints if is_lockgate(e.name)]

    def endpoints(self, minutes: int = 60) -> list[EndpointView]:
        """Endpoints with per-variant invocations, 5XX and latency series and deployment history."""
        metrics = VariantMetrics(self.reads.client("cloudwatch"))
        table = self._table("Lineage")
        lineage = LineageTable(table, self.reads.client("dynamodb")) if table else None
        views = []
        for facts in self.endpoint_facts():
            series = {
                v.name: {
                    "invocations": metrics.series(facts.name, v.name, "Invocations", "Sum", minutes),
                    "5XX": metrics.series(facts.name, v.name, "Invocation5XXErrors", "Sum", minutes),
                    "latency": metrics.series(facts.name, v.name, "ModelLatency", "Average", minutes),
                }
                for v in facts.variants
            }
            history = walk(node_for(f"endpoint#{facts.name}"), lineage.neighbours, "up") if lineage else []
            views.append(EndpointView(facts=facts, series=series, history=history))
        return views

    def alarms(self) -> list[AlarmView]:
        """Every alarm whose name starts with lockgate- (template alarms and endpoint alarms)."""
        cloudwatch = self.reads.client("cloudwatch")
        found: list[AlarmView] = []
        for page in cloudwatch.get_paginator("describe_alarms").paginate(AlarmNamePrefix=PREFIX):
            for alarm in page.get("MetricAlarms", []):
                found.append(
                    AlarmView(
                        name=alarm["AlarmName"],
                        state=alarm.get("StateValue", ""),
                        reason=alarm.get("StateReason", ""),
                        updated=alarm.get("StateUpdatedTimestamp"),
                        metric=f"{alarm.get('Namespace', '')} {alarm.get('MetricName', '')}".strip(),
                    )
                )
        return sorted(found, key=lambda a: (a.state != "ALARM", a.name))

    def actions(self, limit: int = 50) -> list[AuditRecord]:
        """The alarm reactions' audit trail, newest first."""
        table = self._table("AuditTable")
        return AuditTable(table, self.reads.client("dynamodb")).recent(limit) if table else []

    def lineage(self, text: str) -> tuple[list[Edge], list[Edge]]:
        """(ancestors, descendants) of a package ARN, dataset name or kind#id."""
        table = self._table("Lineage")
        if table is None:
            raise ConsoleError("no lineage table at this endpoint")
        try:
            start = node_for(text)
        except ValueError as error:
            raise ConsoleError(str(error)) from None
        neighbours = LineageTable(table, self.reads.client("dynamodb")).neighbours
        return walk(start, neighbours, "up"), walk(start, neighbours, "down")


def _metrics(evaluation: dict[str, Any]) -> dict[str, float]:
    """The headline metrics of an evaluation.json (SageMaker model quality shape)."""
    found: dict[str, float] = {}
    section = evaluation.get("binary_classification_metrics") or evaluation.get("metrics") or {}
    for name in METRICS_SHOWN:
        value = section.get(name)
        if isinstance(value, dict):
            value = value.get("value")
        if isinstance(value, int | float):
            found[name] = float(value)
    return found
