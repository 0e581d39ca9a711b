"""What the pipeline logic needs from the outside world, as protocols (real adapters in
lockgate.adapters; in-memory fakes in the tests)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol


class ObjectStore(Protocol):
    """An S3-like store: lockgate.adapters.s3.S3Store in Lambda."""

    def open(self, bucket: str, key: str, version_id: str | None = None) -> BinaryIO:
        """A read-once binary stream of the object."""
        ...

    def size(self, bucket: str, key: str, version_id: str | None = None) -> int:
        """The object's size in bytes, without reading it."""
        ...

    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        """The whole object."""
        ...

    def put(self, bucket: str, key: str, body: bytes, content_type: str = ...) -> str:
        """Write an object; returns its s3:// URI."""
        ...

    def put_file(self, bucket: str, key: str, path: Path) -> str:
        """Upload a local file (streamed, multipart when large); returns its s3:// URI."""
        ...

    def copy(self, bucket: str, key: str, to_key: str, version_id: str | None = None) -> str:
        """Copy inside a bucket; returns the new s3:// URI."""
        ...

    def exists(self, bucket: str, key: str) -> bool:
        """True when the object exists."""
        ...

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        """Keys under a prefix, in lexicographic order."""
        ...
