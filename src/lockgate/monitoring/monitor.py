"""One monitoring pass: for every managed endpoint, the capture written since the last pass ->
feature drift against its training baseline (+ live bias where ground truth was uploaded) ->
`feature_drift_<column>` (PSI per contract column; per model feature for baselines cached before
columns), `feature_drift_ks_<column>`, `feature_drift_max`,
`bias_metric_<NAME>` and `bias_violations` metrics (namespace Lockgate/Monitoring, dimension
EndpointName; bias metrics also Facet, FacetValue, BiasStage like Clarify's)."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel, Field

from lockgate.data.contract import Contract
from lockgate.monitoring.baseline import Baseline
from lockgate.monitoring.capture import read_capture
from lockgate.monitoring.columns import column_view
from lockgate.monitoring.drift import DriftReport, drift
from lockgate.monitoring.live_bias import live_bias
from lockgate.monitoring.raw_capture import encode_capture

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

    def new_capture(self, endpoint: str) -> tuple[list[bytes], str]:
        """Capture files written since the endpoint's cursor, and the cursor after them."""
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
    max_psi: float | None = None
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
    for endpoint in sources.endpoints():
        report.endpoints.append(_one(sources, endpoint))
    return report


def _one(sources: Sources, endpoint: MonitoredEndpoint) -> EndpointReport:
    blobs, cursor = sources.new_capture(endpoint.name)
    if not blobs:
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
    if contract is not None:  # raw records (inference-pipeline endpoints) -> the model's features
        blobs, _ = encode_capture(blobs, contract, endpoint.dataset, baseline.version)
    captured = read_capture(blobs, len(baseline.input_names), source=f"capture/{endpoint.name}")
    dims = {"EndpointName": endpoint.name}
    measured_rows = (
        column_view(baseline.inputs).apply(captured.features) if baseline.inputs else captured.features
    )
    measured = drift(baseline, measured_rows)
    metrics: list[Metric] = [("feature_drift_max", measured.max_psi, dims)]
    for feature in measured.features:
        metrics.append((f"feature_drift_{feature.name}", feature.psi, dims))
        if feature.ks is not None:
            metrics.append((f"feature_drift_ks_{feature.name}", feature.ks, dims))
    result = EndpointReport(
        endpoint=endpoint.name,
        rows=captured.rows,
        version=baseline.version,
        max_psi=measured.max_psi,
        drift=measured,
    )
    labels = sources.ground_truth(endpoint.name)
    contract = contract if labels else None
    bias = live_bias(captured, baseline.input_names, labels, contract) if contract is not None else None
    if bias is not None:
        metrics += [(name, value, {**dims, **d}) for name, value, d in bias.metrics]
        metrics.append(("bias_violations", float(bias.violations), dims))
        result.bias_rows, result.bias_violations = bias.rows, bias.violations
    sources.put_metrics(metrics)
    sources.commit_cursor(endpoint.name, cursor)
    return result
