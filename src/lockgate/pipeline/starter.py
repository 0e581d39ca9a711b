"""What the starter function decides for one S3 'Object Created' event (pure; no AWS calls)."""

from __future__ import annotations

from dataclasses import dataclass

from lockgate.layout import RAW
from lockgate.messages.base import JsonObject
from lockgate.messages.ingest import IngestInput
from lockgate.names import upload_execution_name
from lockgate.pipeline.object_keys import UploadKind, classify, decode_key, suggested_key


class IngestRequest(IngestInput):
    """The ingest state machine's input for one object version, and its execution's name."""

    def as_input(self) -> JsonObject:
        """JSON input for StartExecution (identical for every delivery of the same event)."""
        return self.to_payload()

    @property
    def execution_name(self) -> str:
        """Deterministic: the same object version always gets the same execution name."""
        return upload_execution_name(self.bucket, self.key, self.version_id or self.etag)


@dataclass(frozen=True)
class Unroutable:
    """An object under raw/ that names no dataset: nothing can run, people are told once."""

    bucket: str
    key: str
    version: str  # version id, or etag without versioning

    @property
    def name(self) -> str:
        """Deterministic per object version: what makes the message go out once."""
        return upload_execution_name(self.bucket, self.key, self.version)

    def message(self) -> tuple[str, str]:
        """(subject, body) for people: the key, why nothing ran and where it should have gone."""
        where = f"s3://{self.bucket}/{self.key}"
        subject = "Lockgate: an upload under raw/ was not processed"
        body = "\n".join(
            [
                f"{where} names no dataset, so no ingest run started.",
                "",
                f"Uploads go to {RAW}<dataset>/<file>, the contract being contracts/<dataset>.yaml;",
                f"for example s3://{self.bucket}/{suggested_key(self.key)}.",
                "",
                "Upload it there again; this object was left as it is.",
            ]
        )
        return subject, body


def plan_ingest(
    bucket: str, event_key: str, size: int, etag: str, version_id: str | None
) -> IngestRequest | Unroutable | None:
    """The ingest request for an uploaded object, Unroutable when it names no dataset, or None
    when the object starts nothing (part files, folders, dotfiles)."""
    raw = classify(decode_key(event_key))
    if raw.kind is UploadKind.UNROUTABLE:
        return Unroutable(bucket, raw.key, version_id or etag)
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
