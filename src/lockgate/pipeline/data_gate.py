"""The data gate's steps over an object store: validate, quarantine, version, split.

One streaming pass per object: `validate` reads the bytes once, hashing them (the version) and
handing every typed batch to a `Splitter` that writes the splits to local files; the splits are
uploaded only when the report passes. A failed dataset is copied to quarantine/ with its report,
nothing under raw/ changes, and `DatasetRejected` (typed, never retried) names file, rule, count.

Layout in the data bucket: see lockgate.layout (parquet/ and xgboost/ split folders, both Parquet;
xgboost/ is the numeric matrix, label first, that SageMaker's built-in XGBoost trains on as
application/x-parquet: lockgate.data.splitting).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from lockgate.data.contract import Contract
from lockgate.data.report import ValidationReport
from lockgate.data.splitting import Splitter
from lockgate.data.validation import ValidationResult, check_size, finalize_parts, validate
from lockgate.data.versioning import Source, build_manifest, multipart_version
from lockgate.errors import DatasetRejected
from lockgate.layout import (
    KINDS,
    MANIFEST,
    SPLITS,
    VALIDATION_REPORT,
    quarantine_prefix,
    relative_to_raw,
    s3_uri,
    split_locations,
    staging_prefix,
    version_prefix,
)
from lockgate.messages.ingest import DatasetVersion, PartResult, SplitLocation
from lockgate.pipeline.contracts import dataset_contract
from lockgate.pipeline.object_keys import PART_PREFIX
from lockgate.pipeline.ports import ObjectStore

EXTENSION = "parquet"  # both kinds of split file (layout.KINDS, also the folder names)


def utc_now() -> datetime:
    """The real clock (tests inject their own)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class ObjectRef:
    """One object of an ingest request."""

    bucket: str
    key: str
    version_id: str | None = None
    etag: str = ""
    size: int | None = None

    @property
    def name(self) -> str:
        """How reports and errors name the file."""
        return f"s3://{self.bucket}/{self.key}"


@dataclass
class DataGate:
    """The data gate's steps; `store` is S3 in Lambda and a dict in the unit tests."""

    store: ObjectStore
    clock: Callable[[], datetime] = utc_now
    workdir: Path = field(default_factory=lambda: Path(tempfile.gettempdir()))

    # -- steps ---------------------------------------------------------------------------------

    def check_object(self, obj: ObjectRef, dataset: str) -> DatasetVersion:
        """Single-file dataset: validate + version + split in one pass; quarantine on failure."""
        contract = self.contract(obj.bucket, dataset)
        if obj.size is None:  # events without a size (hand-written ones): ask S3, still no download
            obj = replace(obj, size=self.store.size(obj.bucket, obj.key, obj.version_id))
        too_big_or_empty = check_size(obj.name, obj.size or 0, contract)
        if too_big_or_empty is not None:  # rejected before a byte is read
            self._quarantine([obj], dataset, relative_to_raw(obj.key, dataset), too_big_or_empty)
            too_big_or_empty.raise_if_failed()
        with self._staged() as stage:
            result = self._validate(obj, contract, stage.splitter(contract))
            if not result.report.passed:
                stage.abort()
                self._quarantine([obj], dataset, relative_to_raw(obj.key, dataset), result.report)
                result.report.raise_if_failed()
            version = str(result.report.sha256)
            prefix = version_prefix(dataset, version)
            if self.store.exists(obj.bucket, f"{prefix}{MANIFEST}"):
                return self._summary(dataset, version, obj.bucket, prefix, new=False)
            locations = stage.upload(self.store, obj.bucket, prefix, "part-00000")
        source = Source(bucket=obj.bucket, key=obj.key, version_id=obj.version_id, etag=obj.etag)
        self._write_version(
            obj.bucket,
            dataset=dataset,
            version=version,
            source=source,
            contract=contract,
            result=result,
            rows=stage.rows,
            locations=locations,
        )
        return self._summary(dataset, version, obj.bucket, prefix, new=True)

    def check_part(self, obj: ObjectRef, dataset: str, execution: str) -> PartResult:
        """One part of a multipart dataset: column rules + partial statistics, splits staged.
        Bad data never raises here: `reduce_parts` judges the whole dataset."""
        if not Path(obj.key).name.startswith(PART_PREFIX):
            return PartResult(key=obj.key, skipped=True)
        contract = self.contract(obj.bucket, dataset)
        staging = staging_prefix(dataset, execution)
        with self._staged() as stage:
            result = self._validate(obj, contract, stage.splitter(contract), whole_dataset=False)
            part = Path(obj.key).name.split(".")[0]
            if result.report.passed:
                stage.upload(self.store, obj.bucket, staging, part)
            else:
                stage.abort()
        body = {**result.to_json(), "rows": stage.rows}
        self.store.put(
            obj.bucket, f"{staging}results/{part}.json", json.dumps(body).encode(), "application/json"
        )
        if result.key_hashes is not None:
            self.store.put(obj.bucket, f"{staging}results/{part}.keys", result.key_hashes.to_bytes())
        return PartResult(
            key=obj.key, skipped=False, passed=result.report.passed, sha256=result.report.sha256
        )

    def reduce_parts(
        self, bucket: str, prefix: str, dataset: str, execution: str, parts: list[PartResult]
    ) -> DatasetVersion:
        """Merge the parts' results into one verdict, then version the whole dataset."""
        contract = self.contract(bucket, dataset)
        staging = staging_prefix(dataset, execution)
        checked = sorted((p for p in parts if not p.skipped), key=lambda p: p.key)
        if not checked:
            raise DatasetRejected(s3_uri(bucket, prefix), "has_parts", 0, f"no {PART_PREFIX}* objects")
        results, rows = [], dict.fromkeys(SPLITS, 0)
        for part in checked:
            result, part_rows = self._load_part(bucket, staging, Path(part.key).name.split(".")[0], contract)
            results.append(result)
            rows = {split: rows[split] + part_rows.get(split, 0) for split in SPLITS}
        merged = finalize_parts(s3_uri(bucket, prefix), results, contract)
        if not merged.report.passed:
            refs = [ObjectRef(bucket, key) for key in self.store.list_keys(bucket, prefix)]
            self._quarantine(refs, dataset, relative_to_raw(prefix, dataset) + "_report", merged.report)
            merged.report.raise_if_failed()
        version = multipart_version({p.key: p.sha256 or "" for p in checked})
        target = version_prefix(dataset, version)
        if self.store.exists(bucket, f"{target}{MANIFEST}"):
            return self._summary(dataset, version, bucket, target, new=False)
        locations = self._promote(bucket, staging, target)
        source = Source(bucket=bucket, key=prefix, parts=len(checked))
        self._write_version(
            bucket,
            dataset=dataset,
            version=version,
            source=source,
            contract=contract,
            result=merged,
            rows=rows,
            locations=locations,
        )
        return self._summary(dataset, version, bucket, target, new=True)

    # -- pieces --------------------------------------------------------------------------------

    def contract(self, bucket: str, dataset: str) -> Contract:
        """The dataset's contract (see lockgate.pipeline.contracts)."""
        return dataset_contract(self.store, bucket, dataset)

    def _validate(
        self, obj: ObjectRef, contract: Contract, splitter: Splitter, *, whole_dataset: bool = True
    ) -> ValidationResult:
        """Stream the object into `validate` (which copies a Parquet file locally to seek in it)."""
        with closing(self.store.open(obj.bucket, obj.key, obj.version_id)) as body:
            return validate(
                body,
                obj.name,
                contract,
                obj.size,
                on_batch=splitter,
                whole_dataset=whole_dataset,
                workdir=self.workdir,
            )

    @contextmanager
    def _staged(self) -> Iterator[_Stage]:
        """A stage whose writers and threads are stopped on every way out (upload, abort, return,
        exception): nothing is left for the garbage collector to close later."""
        with tempfile.TemporaryDirectory(dir=self.workdir) as folder:
            stage = _Stage(Path(folder))
            try:
                yield stage
            finally:
                if not stage.uploaded:
                    stage.abort()
                stage.close()

    def _load_part(
        self, bucket: str, staging: str, part: str, contract: Contract
    ) -> tuple[ValidationResult, dict[str, int]]:
        body = json.loads(self.store.read(bucket, f"{staging}results/{part}.json"))
        keys_key = f"{staging}results/{part}.keys"
        hashes = self.store.read(bucket, keys_key) if contract.keys else None
        rows: dict[str, int] = body.pop("rows")
        return ValidationResult.from_json(body, contract, hashes), rows

    def _promote(self, bucket: str, staging: str, target: str) -> dict[str, dict[str, str]]:
        """Copy the staged split files of every part into the version's folders."""
        for folder in KINDS:
            for key in self.store.list_keys(bucket, f"{staging}{folder}/"):
                self.store.copy(bucket, key, target + key.removeprefix(staging))
        return split_locations(bucket, target)

    def _write_version(
        self,
        bucket: str,
        *,
        dataset: str,
        version: str,
        source: Source,
        contract: Contract,
        result: ValidationResult,
        rows: dict[str, int],
        locations: dict[str, dict[str, str]],
    ) -> None:
        prefix = version_prefix(dataset, version)
        manifest = build_manifest(
            dataset=dataset,
            version=version,
            source=source,
            contract=contract,
            stats=result.stats,
            split_rows=rows,
            split_locations=locations,
            created=self.clock(),
        )
        report = result.report.model_dump_json(indent=2).encode()
        self.store.put(bucket, f"{prefix}{VALIDATION_REPORT}", report, "application/json")
        # The manifest goes last: its existence marks a complete version.
        self.store.put(bucket, f"{prefix}{MANIFEST}", manifest.to_json_bytes(), "application/json")

    def _quarantine(
        self, objects: list[ObjectRef], dataset: str, report_name: str, report: ValidationReport
    ) -> None:
        base = quarantine_prefix(dataset)
        for obj in objects:
            self.store.copy(obj.bucket, obj.key, base + relative_to_raw(obj.key, dataset), obj.version_id)
        bucket = objects[0].bucket
        self.store.put(bucket, f"{base}{report_name}.report.json", report.model_dump_json(indent=2).encode())
        self.store.put(bucket, f"{base}{report_name}.report.txt", report.summary().encode(), "text/plain")

    def _summary(self, dataset: str, version: str, bucket: str, prefix: str, *, new: bool) -> DatasetVersion:
        return DatasetVersion(
            dataset=dataset,
            dataset_version=version,
            new=new,
            manifest=s3_uri(bucket, prefix + MANIFEST),
            splits={
                split: SplitLocation.model_validate(where)
                for split, where in split_locations(bucket, prefix).items()
            },
        )


@dataclass
class _Stage:
    """Split files written locally during the pass, uploaded only when the data passed."""

    folder: Path
    files: list[tuple[str, str, Path, BinaryIO]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    uploaded: bool = False
    _splitter: Splitter | None = None

    def splitter(self, contract: Contract) -> Splitter:
        self._splitter = Splitter(contract, self._open_sink)
        return self._splitter

    def _open_sink(self, split: str, kind: str) -> BinaryIO:
        path = self.folder / f"{split}.{kind}.{EXTENSION}"
        handle = path.open("wb")
        self.files.append((split, kind, path, handle))
        return handle

    def close(self) -> None:
        """Close the local files (closing twice is harmless)."""
        for *_, handle in self.files:
            handle.close()

    def abort(self) -> None:
        """The data failed: stop the splitter's writers now, keep nothing."""
        if self._splitter is not None:
            self._splitter.abort()
        self.close()

    def upload(self, store: ObjectStore, bucket: str, prefix: str, part: str) -> dict[str, dict[str, str]]:
        """Close the writers and put every non-empty split file under `prefix`."""
        assert self._splitter is not None
        self._splitter.close()
        self.uploaded = True
        self.rows = dict(self._splitter.rows)
        self.close()
        for split, kind, path, _ in self.files:
            if self.rows.get(split):
                key = f"{prefix}{kind}/{split}/{part}.{EXTENSION}"
                store.put_file(bucket, key, path)
        return split_locations(bucket, prefix)
