"""S3 object keys as Lockgate reads them. Keys arrive URL-encoded in S3 events ('+' for space):
`decode_key` is the one place they are decoded."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote_plus

from lockgate.layout import RAW

SUCCESS_MARKER = "_SUCCESS"
PART_PREFIX = "part-"


class UploadKind(StrEnum):
    """What an object under raw/ means to the pipeline."""

    SINGLE_FILE = "single_file"  # raw/<dataset>/<anything>.csv|.parquet: one dataset version
    MULTIPART_DONE = "multipart_done"  # raw/<dataset>/<batch>/_SUCCESS: all parts of <batch> are in
    MULTIPART_PART = "multipart_part"  # raw/<dataset>/<batch>/part-*: waits for its _SUCCESS marker
    IGNORED = "ignored"  # folders, dotfiles, objects outside raw/
    UNROUTABLE = "unroutable"  # under raw/ but naming no dataset (raw/x.csv, raw//x.csv): people are told


@dataclass(frozen=True)
class RawObject:
    """A decoded key under raw/ and what it means."""

    key: str
    dataset: str
    kind: UploadKind
    prefix: str  # for multipart: the batch folder holding the parts (ends with '/')


def decode_key(event_key: str) -> str:
    """Decode a key exactly once, as S3 event notifications encode it ('+' is a space)."""
    return unquote_plus(event_key)


def classify(key: str) -> RawObject:
    """Classify a DECODED key (UNROUTABLE: under raw/ without a dataset folder)."""
    if not key.startswith(RAW) or key.endswith("/"):
        return RawObject(key, "", UploadKind.IGNORED, "")
    parts = key[len(RAW) :].split("/")
    if len(parts) < 2 or not parts[0]:
        return RawObject(key, "", UploadKind.UNROUTABLE, "")
    dataset, name = parts[0], parts[-1]
    folder = key.rsplit("/", 1)[0] + "/"
    if name.startswith(".") or not name:
        return RawObject(key, dataset, UploadKind.IGNORED, "")
    if name == SUCCESS_MARKER:
        return RawObject(key, dataset, UploadKind.MULTIPART_DONE, folder)
    if name.startswith(PART_PREFIX) and len(parts) >= 3:
        return RawObject(key, dataset, UploadKind.MULTIPART_PART, folder)
    return RawObject(key, dataset, UploadKind.SINGLE_FILE, "")


def suggested_key(key: str) -> str:
    """Where an unroutable raw/ key should have gone: raw/<dataset>/<file>, the dataset guessed
    from the file name (raw/credit.csv -> raw/credit/credit.csv)."""
    name = key.rsplit("/", 1)[-1]
    dataset = name.split(".", 1)[0] or "<dataset>"
    return f"{RAW}{dataset}/{name}"
