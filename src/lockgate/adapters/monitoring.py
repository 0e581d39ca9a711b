"""The monitor's S3, SageMaker and CloudWatch access (lockgate.monitoring.monitor.Sources)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3
import numpy as np
from botocore.exceptions import ClientError

from lockgate.adapters.errors import guarded
from lockgate.adapters.s3 import S3Store
from lockgate.adapters.sagemaker_endpoints import SageMakerEndpoints
from lockgate.adapters.sagemaker_registry import ModelRegistry
from lockgate.data.contract import Contract
from lockgate.data.versioning import manifest_features
from lockgate.data.xgboost_files import read_xgboost, xgboost_matrix
from lockgate.messages.package import PackageMetadata
from lockgate.monitoring.baseline import METHOD, Baseline, build_baseline
from lockgate.monitoring.monitor import NAMESPACE, Metric, MonitoredEndpoint
from lockgate.names import environment_prefix
from lockgate.pipeline.contracts import dataset_contract

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.type_defs import MetricDatumTypeDef

CAPTURE_PREFIX = "capture/"
GROUND_TRUTH_PREFIX = "ground-truth/"
CURSOR_PREFIX = "monitoring/"
COLUMNS_BASELINE = "baseline-columns.json"
_BATCH = 1000  # put_metric_data takes at most 1000 values per call


class MonitoringSources:
    """Capture and ground truth in the artifact bucket; versions, baselines, cursors in the data bucket."""

    def __init__(self, data_bucket: str, artifact_bucket: str, environment: str, **clients: Any) -> None:
        self._data, self._artifacts, self._env = data_bucket, artifact_bucket, environment
        self._s3 = guarded(clients.get("s3") or boto3.client("s3"))
        sagemaker = clients.get("sagemaker") or boto3.client("sagemaker")
        self._endpoints, self._registry = SageMakerEndpoints(sagemaker), ModelRegistry(sagemaker)
        self._cloudwatch = guarded(clients.get("cloudwatch") or boto3.client("cloudwatch"))
        self._store = S3Store(self._s3)

    def endpoints(self) -> list[MonitoredEndpoint]:
        """Endpoints tagged lockgate:managed=true; the dataset version from the live package's metadata."""
        found = []
        for name, tags in self._endpoints.tagged():
            if tags.get("lockgate:managed") != "true" or not tags.get("lockgate:dataset"):
                continue
            found.append(
                MonitoredEndpoint(
                    name=name,
                    dataset=tags["lockgate:dataset"],
                    version=self._dataset_version(tags.get("lockgate:package", "")),
                )
            )
        return found

    def _dataset_version(self, package_arn: str) -> str | None:
        if not package_arn:
            return None
        try:
            package = self._registry.package(package_arn)
        except ClientError:
            return None
        metadata = PackageMetadata.from_properties(package.metadata)
        return metadata.dataset_version or None

    def new_capture(self, endpoint: str) -> tuple[list[tuple[str, bytes]], str]:
        """Files under capture/<endpoint>/ modified after the cursor (ISO time + key, in order)."""
        fresh, cursor = self._fresh(endpoint)
        files = [(key, self._store.read(self._artifacts, key)) for _, key in fresh]
        return files, (fresh[-1][0] if fresh else cursor)

    def _fresh(self, endpoint: str) -> tuple[list[tuple[str, str]], str]:
        cursor = self._cursor(endpoint)
        fresh: list[tuple[str, str]] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._artifacts, Prefix=f"{CAPTURE_PREFIX}{endpoint}/"
        ):
            for obj in page.get("Contents", []):
                mark = f"{obj['LastModified'].isoformat()}|{obj['Key']}"
                if mark > cursor and obj["Key"].endswith(".jsonl"):
                    fresh.append((mark, obj["Key"]))
        fresh.sort()
        return fresh, cursor

    def orphans(self, live: set[str]) -> list[tuple[str, int]]:
        """capture/<endpoint>/ folders of this environment's endpoints that no longer exist, with
        files after their cursor; the cursor moves past them, so each is reported once."""
        found = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._artifacts, Prefix=CAPTURE_PREFIX, Delimiter="/"
        ):
            for prefix in page.get("CommonPrefixes", []):
                name = prefix["Prefix"][len(CAPTURE_PREFIX) :].rstrip("/")
                if name in live or not name.startswith(environment_prefix(self._env)):
                    continue
                fresh, _ = self._fresh(name)
                if fresh:
                    self.commit_cursor(name, fresh[-1][0])
                    found.append((name, len(fresh)))
        return found

    def _cursor(self, endpoint: str) -> str:
        key = f"{CURSOR_PREFIX}{endpoint}/cursor.json"
        if not self._store.exists(self._data, key):
            return ""
        return str(json.loads(self._store.read(self._data, key))["cursor"])

    def commit_cursor(self, endpoint: str, cursor: str) -> None:
        """Store the cursor in the data bucket."""
        body = json.dumps({"cursor": cursor}).encode()
        self._store.put(self._data, f"{CURSOR_PREFIX}{endpoint}/cursor.json", body, "application/json")

    def baseline(self, dataset: str, version: str | None) -> Baseline | None:
        """datasets/<dataset>/<version>/baseline-columns.json: per contract column, computed on
        first use from the version's raw train split (parquet/train/) encoded by the model's
        encoding (`lockgate.serving`); None when there is no version, or the version has no
        manifest (its data is gone). A version whose contract is gone keeps the per-feature
        baseline.json from its xgboost/ train split."""
        version = version or self._latest(dataset)
        if version is None:
            return None
        prefix = f"datasets/{dataset}/{version}/"
        if self._store.exists(self._data, f"{prefix}{COLUMNS_BASELINE}"):
            cached = Baseline.model_validate_json(self._store.read(self._data, f"{prefix}{COLUMNS_BASELINE}"))
            if cached.method >= METHOD:
                return cached
        if not self._store.exists(self._data, f"{prefix}manifest.json"):
            return None
        contract = self.contract(dataset)
        built = self._columns_baseline(dataset, version, contract) if contract is not None else None
        if built is None:
            return self._features_baseline(dataset, version, prefix)
        self._store.put(
            self._data, f"{prefix}{COLUMNS_BASELINE}", built.model_dump_json().encode(), "application/json"
        )
        return built

    def _columns_baseline(self, dataset: str, version: str, contract: Contract) -> Baseline | None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from lockgate.monitoring.columns import column_view
        from lockgate.serving.artifact import spec
        from lockgate.serving.encoder import Encoder
        from lockgate.serving.encoder_table import encode_table

        encoder = Encoder(spec(contract, dataset=dataset, version=version))
        prefix = f"datasets/{dataset}/{version}/parquet/train/"
        parts = []
        for key in self._store.list_keys(self._data, prefix):
            if key.endswith(".parquet"):
                table = pq.read_table(pa.BufferReader(self._store.read(self._data, key)))
                parts.append(encode_table(encoder, table.select(encoder.inputs))[0])
        if not parts:
            return None
        names = list(encoder.spec["features"])
        view = column_view(names)
        values = view.apply(np.vstack(parts).astype(np.float64))
        return build_baseline(dataset, version, view.names, values, numeric=view.numeric, inputs=names)

    def _features_baseline(self, dataset: str, version: str, prefix: str) -> Baseline:
        if self._store.exists(self._data, f"{prefix}baseline.json"):
            cached = Baseline.model_validate_json(self._store.read(self._data, f"{prefix}baseline.json"))
            if cached.method >= METHOD:
                return cached
        manifest = json.loads(self._store.read(self._data, f"{prefix}manifest.json"))
        names = manifest_features(manifest)
        parts = [
            xgboost_matrix(read_xgboost(self._store.read(self._data, key), key))[:, 1:]
            for key in self._store.list_keys(self._data, f"{prefix}xgboost/train/")
            if key.endswith((".parquet", ".csv"))  # .csv: versions written before the Parquet layout
        ]
        values = np.vstack(parts) if parts else np.empty((0, len(names)))
        built = build_baseline(dataset, version, names, values.astype(np.float64))
        self._store.put(
            self._data, f"{prefix}baseline.json", built.model_dump_json().encode(), "application/json"
        )
        return built

    def _latest(self, dataset: str) -> str | None:
        newest: tuple[str, str] | None = None
        for key in self._store.list_keys(self._data, f"datasets/{dataset}/"):
            if key.endswith("/manifest.json") and key.count("/") == 3:
                manifest = json.loads(self._store.read(self._data, key))
                candidate = (str(manifest.get("created", "")), str(manifest["version"]))
                newest = candidate if newest is None or candidate > newest else newest
        return newest[1] if newest else None

    def ground_truth(self, endpoint: str) -> dict[str, float]:
        """eventId -> label from ground-truth/<endpoint>/*.jsonl (Model Monitor's line shape)."""
        labels: dict[str, float] = {}
        for key in self._store.list_keys(self._artifacts, f"{GROUND_TRUTH_PREFIX}{endpoint}/"):
            for line in self._store.read(self._artifacts, key).splitlines():
                if line.strip():
                    record = json.loads(line)
                    labels[record["eventMetadata"]["eventId"]] = float(record["groundTruthData"]["data"])
        return labels

    def contract(self, dataset: str) -> Contract | None:
        """contracts/<dataset>.yaml of the data bucket."""
        return dataset_contract(self._store, self._data, dataset)

    def put_metrics(self, metrics: list[Metric]) -> None:
        """put_metric_data in batches."""
        data: list[MetricDatumTypeDef] = [
            {
                "MetricName": name,
                "Value": float(value),
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            }
            for name, value, dims in metrics
        ]
        for start in range(0, len(data), _BATCH):
            self._cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[start : start + _BATCH])
