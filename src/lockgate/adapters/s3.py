"""Amazon S3: the data and artifact buckets."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

import boto3

from lockgate.adapters.errors import guarded

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef


@dataclass(frozen=True)
class ObjectInfo:
    """What HeadObject says about an object."""

    bucket: str
    key: str
    size: int
    etag: str
    version_id: str | None


class S3Store:
    """Reads and writes objects; never deletes."""

    def __init__(self, client: S3Client | None = None) -> None:
        self._client = guarded(client or boto3.client("s3"))

    def head(self, bucket: str, key: str, version_id: str | None = None) -> ObjectInfo:
        """Size, ETag and version of an object."""
        if version_id:
            meta = self._client.head_object(Bucket=bucket, Key=key, VersionId=version_id)
        else:
            meta = self._client.head_object(Bucket=bucket, Key=key)
        return ObjectInfo(bucket, key, meta["ContentLength"], meta["ETag"].strip('"'), meta.get("VersionId"))

    def size(self, bucket: str, key: str, version_id: str | None = None) -> int:
        """The object's size in bytes (HeadObject)."""
        return self.head(bucket, key, version_id).size

    def open(self, bucket: str, key: str, version_id: str | None = None) -> BinaryIO:
        """A streaming, read-once body of the object (the exact version when given)."""
        if version_id:
            body = self._client.get_object(Bucket=bucket, Key=key, VersionId=version_id)["Body"]
        else:
            body = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        return cast(BinaryIO, body)  # StreamingBody: a read-once binary file object

    def read(self, bucket: str, key: str, version_id: str | None = None) -> bytes:
        """The whole object in memory (small objects: contracts, manifests)."""
        return self.open(bucket, key, version_id).read()

    def put(self, bucket: str, key: str, body: bytes, content_type: str = "application/octet-stream") -> str:
        """Write an object; returns its s3:// URI."""
        self._client.put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        return f"s3://{bucket}/{key}"

    def put_file(self, bucket: str, key: str, path: Path) -> str:
        """Upload a local file with the managed transfer (multipart when large)."""
        self._client.upload_file(str(path), bucket, key)
        return f"s3://{bucket}/{key}"

    def copy(self, bucket: str, key: str, to_key: str, version_id: str | None = None) -> str:
        """Server-side copy inside a bucket (quarantine keeps the exact version that failed)."""
        source: CopySourceTypeDef = {"Bucket": bucket, "Key": key}
        if version_id:
            source["VersionId"] = version_id
        self._client.copy_object(Bucket=bucket, Key=to_key, CopySource=source)
        return f"s3://{bucket}/{to_key}"

    def exists(self, bucket: str, key: str) -> bool:
        """True when the object exists."""
        found = self._client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("Contents", [])
        return bool(found) and found[0]["Key"] == key

    def list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        """Every key under a prefix, in S3's (lexicographic) order."""
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]
