"""One monitoring pass: for every managed endpoint, the capture written since the last measured
pass -> once it holds the contract's `monitoring.min_rows` rows (fewer wait for the next pass),
feature drift against its training baseline (+ live bias where ground truth was uploaded) ->
`drifted_features` (what the drift alarm watches: features whose KS test rejects under Holm's
correction and whose PSI lower bound reaches `min_psi`), `feature_drift_<column>` (PSI per contract
column; per model feature for baselines cached before columns), `feature_drift_low_<column>` (its
lower bound), `feature_drift_ks_<column>`, `feature_drift_p_<column>`, `feature_drift_max`,
`bias_metric_<NAME>` and `bias_violations` (namespace Lockgate/Monitoring, dimension EndpointName;
bias metrics also Facet, FacetValue, BiasStage like Clarify's). Raw records captured by an
inference-pipeline endpoint are encoded with the model's own encoder first. Malformed capture lines
are counted and skipped; capture of an endpoint that no longer exists is reported once
(`Sources.orphans`)."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from pydantic import BaseModel, Field

from lockgate.data.contract import Contract, Monitoring
from lockgate.errors import InputRejected
from lockgate.messages.monitoring import EndpointSummary, MonitorOutput
from lockgate.monitoring.baseline import Baseline
from lockgate.monitoring.capture import Captured, combine, read_capture
from lockgate.monitoring.columns import column_view
from lockgate.monitoring.drift import DriftReport, drift
from lockgate.monitoring.live_bias import Records, bias_columns, live_bias, records_from_features
from lockgate.monitoring.raw_capture import capture_encoder, facet_records

NAMESPACE = "Lockgate/Monitoring"
Metric = tuple[str, float, dict[str, str]]


class MonitoredEndpoint(BaseModel):
    """An endpoint to watch and the dataset version its live model was trained on."""

    name: str
    dataset: str
    version: str | None = None  # None: the dataset's latest version


class Sources(Protocol):
    """Where the pass reads from and writes to (lockgate.adapters.monitoring)."""

    def endpoints(self) -> list[MonitoredEndpoint]:
        """Managed endpoints (tag lockgate:managed=true) with their dataset (and version if known)."""
        ...

    def new_capture(self, endpoint: str) -> tuple[list[tuple[str, bytes]], str]:
        """Capture files (key, body) written since the endpoint's cursor, and the cursor after them."""
        ...

    def orphans(self, live: set[str]) -> list[tuple[str, int]]:
        """Endpoints not in `live` with capture not yet reported: (endpoint, files); each is
        reported once (its cursor moves past the files)."""
        ...

    def commit_cursor(self, endpoint: str, cursor: str) -> None:
        """Remember that the capture up to `cursor` was measured."""
        ...

    def baseline(self, dataset: str, version: str | None) -> Baseline | None:
        """The version's baseline (computed and cached on first use), or None without a version
        or when the version has no manifest."""
        ...

    def ground_truth(self, endpoint: str) -> dict[str, float]:
        """eventId -> label from the endpoint's ground-truth uploads."""
        ...

    def contract(self, dataset: str) -> Contract | None:
        """The dataset's contract (for the live bias facets and thresholds)."""
        ...

    def put_metrics(self, metrics: list[Metric]) -> None:
        """Publish to CloudWatch (namespace Lockgate/Monitoring)."""
        ...


class EndpointReport(BaseModel):
    """What one endpoint's pass measured."""

    endpoint: str
    rows: int
    version: str = ""
    measured: bool = False
    min_rows: int = 0
    max_psi: float | None = None
    drifted: list[str] = Field(default_factory=list)
    skipped_lines: dict[str, int] = Field(default_factory=dict)
    variant_drift: dict[str, list[str]] = Field(default_factory=dict)  # variant -> drifted features
    drift: DriftReport | None = None
    bias_rows: int = 0
    bias_violations: int | None = None
    note: str = ""


class MonitorReport(BaseModel):
    """The whole pass."""

    endpoints: list[EndpointReport] = Field(default_factory=list)


def monitor_pass(sources: Sources) -> MonitorReport:
    """Measure every managed endpoint once; endpoints without new capture publish nothing."""
    report = MonitorReport()
    endpoints = sources.endpoints()
    for endpoint in endpoints:
        report.endpoints.append(_one(sources, endpoint))
    for name, files in sources.orphans({e.name for e in endpoints}):
        note = f"endpoint {name} no longer exists: {files} capture file(s) not measured (reported once)"
        report.endpoints.append(EndpointReport(endpoint=name, rows=0, note=note))
    return report


def summarise(report: MonitorReport) -> MonitorOutput:
    """The handler's output from the domain report."""
    return MonitorOutput(
        endpoints=[
            EndpointSummary(
                endpoint=e.endpoint,
                rows=e.rows,
                measured=e.measured,
                min_rows=e.min_rows,
                max_psi=e.max_psi,
                drifted=e.drifted,
                skipped_lines=sum(e.skipped_lines.values()),
                variant_drift=e.variant_drift,
                bias_rows=e.bias_rows,
                bias_violations=e.bias_violations,
                note=e.note,
            )
            for e in report.endpoints
        ]
    )


def _one(sources: Sources, endpoint: MonitoredEndpoint) -> EndpointReport:
    files, cursor = sources.new_capture(endpoint.name)
    if not files:
        return EndpointReport(endpoint=endpoint.name, rows=0, note="no new capture")
    baseline = sources.baseline(endpoint.dataset, endpoint.version)
    if baseline is None:
        missing = (
            f"no baseline: {endpoint.dataset} version {endpoint.version[:12]} has no manifest "
            "(its data is gone, or the package came from elsewhere)"
            if endpoint.version
            else f"no dataset version of {endpoint.dataset}"
        )
        return EndpointReport(endpoint=endpoint.name, rows=0, note=missing)
    contract = sources.contract(endpoint.dataset)
    try:
        by_variant, records = _read(endpoint.name, files, baseline, contract)
        captured = combine(list(by_variant.values()), len(baseline.input_names))
    except InputRejected as rejected:  # unusable capture: reported once, the cursor moves past it
        sources.commit_cursor(endpoint.name, cursor)
        return EndpointReport(endpoint=endpoint.name, rows=0, note=f"capture not measured: {rejected}")
    rules = contract.monitoring if contract is not None else Monitoring()
    skipped = dict(captured.skipped)
    if captured.rows < rules.min_rows:  # too few rows to tell drift from chance: wait
        note = (
            f"waiting: {captured.rows} of {rules.min_rows} rows (monitoring.min_rows) "
            f"since the last measured pass. {_skipped_note(skipped)}"
        ).strip()
        return EndpointReport(
            endpoint=endpoint.name,
            rows=captured.rows,
            min_rows=rules.min_rows,
            skipped_lines=skipped,
            note=note,
        )
    dims = {"EndpointName": endpoint.name}
    columns = column_view(baseline.inputs).apply if baseline.inputs else _as_is  # one-hot -> contract columns
    measured = drift(baseline, columns(captured.features), alpha=rules.alpha, min_psi=rules.min_psi)
    metrics: list[Metric] = [
        ("drifted_features", float(len(measured.drifted)), dims),
        ("feature_drift_max", measured.max_psi, dims),
        ("captured_rows", float(captured.rows), dims),
    ]
    for feature in measured.features:
        metrics.append((f"feature_drift_{feature.name}", feature.psi, dims))
        if feature.psi_low is not None:
            metrics.append((f"feature_drift_low_{feature.name}", feature.psi_low, dims))
        if feature.ks is not None and feature.p_value is not None:
            metrics.append((f"feature_drift_ks_{feature.name}", feature.ks, dims))
            metrics.append((f"feature_drift_p_{feature.name}", feature.p_value, dims))
    if skipped:
        metrics.append(("capture_malformed_lines", float(sum(skipped.values())), dims))
    per_variant: dict[str, list[str]] = {}
    for variant, part in by_variant.items():  # `lockgate variants` shows each variant's drift
        if variant and part.rows >= rules.min_rows:
            own = drift(baseline, columns(part.features), alpha=rules.alpha, min_psi=rules.min_psi)
            per_variant[variant] = own.drifted
            at = {**dims, "VariantName": variant}
            metrics += [
                ("drifted_features", float(len(own.drifted)), at),
                ("feature_drift_max", own.max_psi, at),
            ]
    result = EndpointReport(
        endpoint=endpoint.name,
        rows=captured.rows,
        version=baseline.version,
        measured=True,
        min_rows=rules.min_rows,
        max_psi=measured.max_psi,
        drifted=measured.drifted,
        drift=measured,
        variant_drift=per_variant,
        skipped_lines=skipped,
        note=_skipped_note(skipped),
    )
    labels = sources.ground_truth(endpoint.name)
    bias = None
    if contract is not None and labels:
        if records is None:  # a numeric-matrix package: its features read back as contract columns
            records = records_from_features(captured, baseline.input_names, contract)
        bias = live_bias(captured, records, labels, contract)
    if bias is not None:
        metrics += [(name, value, {**dims, **d}) for name, value, d in bias.metrics]
        metrics.append(("bias_violations", float(bias.violations), dims))
        result.bias_rows, result.bias_violations = bias.rows, bias.violations
    sources.put_metrics(metrics)
    sources.commit_cursor(endpoint.name, cursor)
    return result


def _skipped_note(skipped: dict[str, int]) -> str:
    if not skipped:
        return ""
    where = ", ".join(f"{key} ({count})" for key, count in sorted(skipped.items()))
    return f"skipped {sum(skipped.values())} malformed capture line(s): {where}"


def _read(
    endpoint: str, files: list[tuple[str, bytes]], baseline: Baseline, contract: Contract | None
) -> tuple[dict[str, Captured], Records | None]:
    """The captured rows of each variant, as the model's features (model order), and the raw
    records' bias columns by event id (None: the model takes no raw records); raw records of an
    inference-pipeline endpoint are encoded with the model's encoder first."""
    records = None
    if contract is not None and baseline.inputs:  # a per-column baseline: the model has an encoder
        records = facet_records(
            [body for _, body in files], contract, baseline.dataset, baseline.version, bias_columns(contract)
        )
        encode = capture_encoder(contract, baseline.dataset, baseline.version)
        files = [(key, encode(body)) for key, body in files]
    by_variant = {
        variant: read_capture(
            [body for _, body in group],
            len(baseline.input_names),
            source=f"capture/{endpoint}",
            keys=[key for key, _ in group],
        )
        for variant, group in _by_variant(endpoint, files).items()
    }
    return by_variant, records


def _as_is(features: np.ndarray) -> np.ndarray:
    return features


def _by_variant(endpoint: str, files: list[tuple[str, bytes]]) -> dict[str, list[tuple[str, bytes]]]:
    """Capture files grouped by variant: capture/<endpoint>/<variant>/yyyy/... ("" when the key has
    no variant folder)."""
    groups: dict[str, list[tuple[str, bytes]]] = {}
    head = f"capture/{endpoint}/"
    for key, body in files:
        rest = key[len(head) :] if key.startswith(head) else ""
        variant = rest.split("/", 1)[0] if "/" in rest else ""
        groups.setdefault(variant, []).append((key, body))
    return groups
