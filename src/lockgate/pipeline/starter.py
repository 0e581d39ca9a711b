"""What the starter function decides for one S3 'Object Created' event (pure; no AWS calls)."""

from __future__ import annotations

from lockgate.pipeline.execution_names import execution_name
from lockgate.pipeline.object_keys import UploadKind, classify, decode_key
from lockgate.steps.base import JsonObject
from lockgate.steps.ingest import IngestInput


class IngestRequest(IngestInput):
    """The ingest state machine's input for one object version, and its execution's name."""

    def as_input(self) -> JsonObject:
        """JSON input for StartExecution (identical for every delivery of the same event)."""
        return self.to_payload()

    @property
    def execution_name(self) -> str:
        """Deterministic: the same object version always gets the same execution name."""
        return execution_name(self.bucket, self.key, self.version_id or self.etag)


def plan_ingest(
    bucket: str, event_key: str, size: int, etag: str, version_id: str | None
) -> IngestRequest | None:
    """The ingest request for an uploaded object, or None when the object starts nothing."""
    raw = classify(decode_key(event_key))
    if raw.kind in (UploadKind.IGNORED, UploadKind.MULTIPART_PART):
        return None
    return IngestRequest(
        bucket=bucket,
        key=raw.key,
        version_id=version_id or None,
        etag=etag,
        size=size,
        dataset=raw.dataset,
        kind="multipart_done" if raw.kind is UploadKind.MULTIPART_DONE else "single_file",
        prefix=raw.prefix,
    )
