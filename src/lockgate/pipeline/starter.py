"""What the starter function decides for one S3 'Object Created' event (pure; no AWS calls)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lockgate.pipeline.execution_names import execution_name
from lockgate.pipeline.object_keys import UploadKind, classify, decode_key


@dataclass(frozen=True)
class IngestRequest:
    """The ingest state machine's input: the object's identity, decoded once."""

    bucket: str
    key: str
    version_id: str | None
    etag: str
    size: int
    dataset: str
    kind: str
    prefix: str

    def as_input(self) -> dict[str, Any]:
        """JSON input for StartExecution (identical for every delivery of the same event)."""
        return asdict(self)

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
        bucket, raw.key, version_id or None, etag, size, raw.dataset, raw.kind.value, raw.prefix
    )
