"""An in-memory object store (a fake, not a mock: it behaves like S3 for what the gate uses)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest


class MemoryStore:
    """Objects in a dict; records what was opened and written."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.opened: list[str] = []
        self.writes: list[str] = []

    def open(self, bucket: str, key: str, version_id: str | None = None) -> IO[bytes]:
        self.opened.append(key)
        return io.BytesIO(self.objects[(bucket, key)])

    def size(self, bucket: str, key: str, version_id: str | None = None) -> int:
        return len(self.objects[(bucket, key)])

    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        return self.objects[(bucket, key)]

    def put(self, bucket: str, key: str, body: bytes, content_type: str = "") -> str:
        self.objects[(bucket, key)] = body
        self.writes.append(key)
        return f"s3://{bucket}/{key}"

    def put_file(self, bucket: str, key: str, path: Path) -> str:
        return self.put(bucket, key, path.read_bytes())

    def copy(self, bucket: str, key: str, to_key: str, version_id: str | None = None) -> str:
        return self.put(bucket, to_key, self.objects[(bucket, key)])

    def exists(self, bucket: str, key: str) -> bool:
        return (bucket, key) in self.objects

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        yield from sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    def keys(self, prefix: str) -> list[str]:
        return sorted(k for _, k in self.objects if k.startswith(prefix))


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()
