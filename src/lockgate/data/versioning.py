"""Content-addressed dataset versions and the manifest written beside each version.

Version = sha256 of the object's bytes (hex). A dataset delivered in parts has the version
sha256 over the sorted lines "<part sha256> <part key>" (`multipart_version`), so the same parts
always give the same version whatever order they are listed in.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from lockgate.data.contract import Contract
from lockgate.data.splitting import feature_names
from lockgate.data.stats import DatasetStats, DatasetStatsJson
from lockgate.data.xgboost_files import XGBOOST_CONTENT_TYPE
from lockgate.layout import SPLITS
from lockgate.messages.base import JsonObject

MANIFEST_SCHEMA_VERSION = 2  # 2: split.xgboost (Parquet) replaced split.xgboost_csv


def sha256_stream(file: BinaryIO, chunk_bytes: int = 8 << 20) -> tuple[str, int]:
    """Streaming sha256 (hex) and byte count of a binary file object, read to its end."""
    digest, size = hashlib.sha256(), 0
    while chunk := file.read(chunk_bytes):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def multipart_version(parts: dict[str, str]) -> str:
    """Version of a dataset delivered as parts: {part key: part sha256} -> sha256 (hex)."""
    lines = sorted(f"{sha} {key}" for key, sha in parts.items())
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class Source(BaseModel):
    """Where the data came from (S3 object, or the prefix of a multipart dataset)."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str | None = None
    parts: int = 1


class ContractRef(BaseModel):
    """The contract the data was validated against."""

    name: str
    sha256: str
    deprecations: list[str] = Field(default_factory=list)  # the contract was migrated from an older schema

    @model_serializer(mode="wrap")
    def _only_when_migrated(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and not data.get("deprecations"):
            data.pop("deprecations", None)  # manifests of current contracts stay as they were
        return data


class SchemaColumn(BaseModel):
    """One declared column of the contract, as the manifest lists it."""

    name: str
    type: str
    nullable: bool


class XgboostColumns(BaseModel):
    """What the xgboost/ files hold: their format, label and feature columns."""

    format: str
    content_type: str
    label: str
    label_encoding: str
    features: list[str]


class SplitInfo(BaseModel):
    """Split ratios, seed, rows per split, where each split's files are, and the xgboost/ columns."""

    ratios: dict[str, float]
    seed: int
    method: str = "row hash (splitmix64) of the key columns, or of all columns, mixed with the seed"
    rows: dict[str, int]
    locations: dict[str, dict[str, str]] = Field(default_factory=dict)
    xgboost: XgboostColumns


class Manifest(BaseModel):
    """manifest.json of one dataset version."""

    model_config = ConfigDict(extra="forbid")

    manifest_version: int = MANIFEST_SCHEMA_VERSION
    dataset: str
    version: str
    created: str
    source: Source
    contract: ContractRef
    schema_: list[SchemaColumn] = Field(alias="schema")
    rows: int
    statistics: DatasetStatsJson
    split: SplitInfo

    def to_json_bytes(self) -> bytes:
        """Canonical JSON bytes (stable key order, 2-space indent, trailing newline)."""
        return (
            json.dumps(self.model_dump(mode="json", by_alias=True), indent=2, allow_nan=False) + "\n"
        ).encode()


def build_manifest(
    *,
    dataset: str,
    version: str,
    source: Source,
    contract: Contract,
    stats: DatasetStats,
    split_rows: dict[str, int],
    split_locations: dict[str, dict[str, str]] | None = None,
    created: datetime,
) -> Manifest:
    """Assemble the manifest. `created` is injected (no clock inside), so tests are deterministic."""
    split = contract.split
    return Manifest(
        dataset=dataset,
        version=version,
        created=created.isoformat(),
        source=source,
        contract=ContractRef(
            name=contract.name, sha256=contract.sha256(), deprecations=contract.deprecations
        ),
        schema=[SchemaColumn(name=c.name, type=c.type, nullable=c.nullable) for c in contract.columns],
        rows=stats.rows,
        statistics=stats.to_json(),
        split=SplitInfo(
            ratios={"train": split.train, "validation": split.validation, "test": split.test},
            seed=split.seed,
            rows={s: split_rows.get(s, 0) for s in SPLITS},
            locations=split_locations or {},
            xgboost=XgboostColumns(
                format="parquet",
                content_type=XGBOOST_CONTENT_TYPE,
                label=contract.label.column,
                label_encoding="1 = positive, 0 = otherwise",
                features=feature_names(contract),
            ),
        ),
    )


def manifest_features(manifest: JsonObject) -> list[str]:
    """The xgboost/ feature names of a manifest.json (schema 1 called the block xgboost_csv).

    `manifest` is the JSON as read (a true JSON boundary: a manifest of any schema version)."""
    split = manifest["split"]
    return [str(name) for name in (split.get("xgboost") or split["xgboost_csv"])["features"]]
