"""Streaming readers: bytes -> record batches, turning every structural problem into a failure.

The format of a file is decided from its name AND its first bytes (`detect_format`): Parquet
starts with the magic `PAR1`, gzip with `1f 8b`; a contract may restrict the formats it accepts.

CSV goes through `ByteScanner` (counts NUL bytes and undecodable byte sequences, transcodes the
declared encoding to UTF-8, replacing bad sequences so pyarrow never sees invalid UTF-8) and is
parsed by `pyarrow.csv.open_csv` with every column read as a string (the contract's types are
applied per batch by `rules.convert`, which counts unparseable cells instead of aborting). Ragged
rows are counted and skipped by pyarrow's invalid-row handler. Parquet is read with
`ParquetFile.iter_batches`. Memory is bounded by the block/batch size.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, BinaryIO, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lockgate.data.contract import Contract
from lockgate.data.report import MAX_EXAMPLES, FailureCollector

CSV_BLOCK_BYTES = 4 << 20
PARQUET_BATCH_ROWS = 1 << 16
_HEADER_LIMIT = 1 << 20
HEAD_BYTES = 64 << 10
PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
DATA_SUFFIXES: dict[str, Literal["csv", "parquet"]] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

_local = threading.local()
_DICT = pa.dictionary(pa.int32(), pa.string())


def _count_bad_bytes(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _local.bad.append(exc.start)
    return "\ufffd", exc.end


codecs.register_error("lockgate.count", _count_bad_bytes)


class HashingReader(io.RawIOBase):
    """Pass-through reader computing the sha256 and size of the raw (possibly compressed) bytes."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class ByteScanner(io.RawIOBase):
    """Reads decoded bytes, counting NUL bytes and bad byte sequences, and yields clean UTF-8."""

    def __init__(self, source: BinaryIO, encoding: str) -> None:
        self._source = source
        self._utf8 = codecs.lookup(encoding).name == "utf-8"
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="lockgate.count")
        self._pending = b""
        self._eof = False
        self.offset = 0
        self.nul_count = 0
        self.nul_offsets: list[int] = []
        self.bad_count = 0
        self.bad_offsets: list[int] = []

    def readable(self) -> bool:
        return True

    def _next_chunk(self, size: int) -> bytes:
        raw = self._source.read(size)
        if not raw:
            self._eof = True
            tail = (
                self._decoder.decode(b"", final=True) if not self._utf8 or self._decoder.getstate()[0] else ""
            )
            return self._decoded(tail, self.offset)
        base = self.offset
        self.offset += len(raw)
        if base == 0 and self._utf8 and raw.startswith(codecs.BOM_UTF8):  # Excel's UTF-8 byte order mark
            raw = raw[len(codecs.BOM_UTF8) :]
        nul = raw.count(b"\0") if b"\0" in raw else 0
        if nul:
            self.nul_count += nul
            pos = raw.find(b"\0")
            while pos >= 0 and len(self.nul_offsets) < MAX_EXAMPLES:
                self.nul_offsets.append(base + pos)
                pos = raw.find(b"\0", pos + 1)
        if self._utf8 and raw.isascii() and not self._decoder.getstate()[0]:
            return raw
        return self._decoded(self._decoder.decode(raw), base)

    def _decoded(self, text: str, base: int) -> bytes:
        if not text:
            return b""
        bad: list[int] = _local.bad
        if bad:
            self.bad_count += len(bad)
            room = MAX_EXAMPLES - len(self.bad_offsets)
            self.bad_offsets.extend(base + b for b in bad[:room])
        return text.encode("utf-8")

    def read(self, size: int = -1) -> bytes:
        want = size if size and size > 0 else CSV_BLOCK_BYTES
        while not self._pending and not self._eof:
            _local.bad = []
            self._pending = self._next_chunk(want)
        out, self._pending = self._pending[:want], self._pending[want:]
        return out

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def peek_header(self, delimiter: str) -> tuple[list[str], bytes] | None:
        """Read (and keep for pyarrow) the bytes up to the first newline; parse the header row."""
        buf = b""
        while b"\n" not in buf and len(buf) < _HEADER_LIMIT:
            chunk = self.read(64 << 10)
            if not chunk:
                break
            buf += chunk
        self._pending = buf + self._pending
        if not buf:
            return None
        if b"\n" not in buf and len(buf) >= _HEADER_LIMIT:
            raise ReadFailed(
                "readable_csv",
                f"the header row does not end within its first {len(buf):,} bytes (byte offset 0)",
            )
        line = buf.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", "replace")
        try:
            return next(csv.reader([line], delimiter=delimiter), []), buf
        except csv.Error as exc:
            raise ReadFailed("readable_csv", f"the header row (line 1) cannot be read: {exc}") from exc


@dataclass(frozen=True)
class FileFormat:
    """What a file is, from its name and its first bytes."""

    type: Literal["csv", "parquet"]
    gzipped: bool = False


def read_head(file: BinaryIO, size: int = HEAD_BYTES) -> bytes:
    """Up to `size` first bytes (short reads of network streams are read on)."""
    head = b""
    while len(head) < size:
        chunk = file.read(size - len(head))
        if not chunk:
            break
        head += chunk
    return head


class Replay(io.RawIOBase):
    """A stream whose first bytes were already read (`head`): gives them again, then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._head:
            take = len(self._head) if size is None or size < 0 else size
            out, self._head = self._head[:take], self._head[take:]
            return out
        return self._rest.read(-1 if size is None else size)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _gunzip_head(head: bytes) -> bytes:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
    except zlib.error:
        return b""  # corrupt: the CSV reader reports `readable_gzip`


def detect_format(file_name: str, head: bytes, contract: Contract) -> FileFormat:
    """Decide the format from the name (`.csv`, `.parquet`, `.gz`...) and the first bytes (`PAR1`,
    gzip's `1f 8b`); ReadFailed (rule `format`, `readable_parquet`, `readable_gzip`, `non_empty`)
    when they disagree, when the file is no dataset, or when the contract does not accept it."""
    if not head:
        raise ReadFailed("non_empty", "the file has no bytes", 0)
    name = PurePosixPath(file_name.lower()).name
    suffix = PurePosixPath(name.removesuffix(".gz")).suffix
    named = DATA_SUFFIXES.get(suffix)
    if named is None and suffix[1:].isalpha():
        raise ReadFailed("format", f"'{suffix}' files are not datasets: upload .csv, .csv.gz or .parquet")
    gzipped = head.startswith(GZIP_MAGIC)
    if contract.compression_for(name) == "gzip" and not gzipped:
        raise ReadFailed("readable_gzip", "named .gz (or declared gzip) but not gzip: no magic bytes 1f 8b")
    parquet = (_gunzip_head(head) if gzipped else head).startswith(PARQUET_MAGIC)
    if gzipped and parquet:
        raise ReadFailed("format", "gzip-compressed Parquet: upload the .parquet file itself")
    if named == "parquet" and not parquet:
        raise ReadFailed(
            "readable_parquet", "not a Parquet file: it does not start with the magic bytes PAR1"
        )
    if named == "csv" and parquet:
        raise ReadFailed("format", f"Parquet bytes (magic PAR1) in a file named {suffix}: name it .parquet")
    kind: Literal["csv", "parquet"] = "parquet" if parquet else "csv"
    if kind not in contract.format.accept:
        raise ReadFailed(
            "format", f"a {kind} file, but the contract accepts only {', '.join(contract.format.accept)}"
        )
    return FileFormat(kind, gzipped)


@dataclass
class BatchSource:
    """What a reader found: the header/schema columns and an iterator of string/typed batches."""

    columns: list[str]
    batches: Iterator[pa.RecordBatch]
    raw_types: dict[str, pa.DataType] = field(default_factory=dict)  # Parquet physical types


class ReadFailed(Exception):
    """Internal: the file cannot be read at all (the rule and detail become a failure)."""

    def __init__(self, rule: str, detail: str, count: int = 1) -> None:
        super().__init__(detail)
        self.rule, self.detail, self.count = rule, detail, count


class CsvSource:
    """A CSV stream prepared for validation (see the module docstring)."""

    def __init__(
        self, file: BinaryIO, contract: Contract, failures: FailureCollector, *, gzipped: bool
    ) -> None:
        self.hashing = HashingReader(file)
        stream: BinaryIO = self.hashing  # type: ignore[assignment]
        if gzipped:
            stream = gzip.GzipFile(fileobj=self.hashing, mode="rb")  # type: ignore[assignment]
        self.scanner = ByteScanner(stream, contract.format.encoding)
        self.contract = contract
        self.failures = failures
        self.ragged = 0
        self.ragged_examples: list[tuple[int, str]] = []

    def _on_invalid_row(self, row: Any) -> str:
        self.ragged += 1
        if len(self.ragged_examples) < MAX_EXAMPLES:
            self.ragged_examples.append((row.number or 0, row.text[:200]))
        return "skip"

    def open(self) -> BatchSource:
        """Read the header and open pyarrow's streaming reader (ReadFailed when impossible)."""
        fmt = self.contract.format
        try:
            peeked = self.scanner.peek_header(fmt.delimiter)
        except (OSError, EOFError, zlib.error) as exc:
            raise ReadFailed("readable_gzip", str(exc)) from exc
        if peeked is None:
            raise ReadFailed("non_empty", "the file has no bytes", 0)
        header, _ = peeked
        if not any(h.strip() for h in header):
            raise ReadFailed("readable_csv", "the header row is empty")
        known = {c.name for c in self.contract.columns}
        strings = {c.name for c in self.contract.columns if c.type == "string"}
        present = [h for h in header if h in known]
        try:
            reader = pacsv.open_csv(
                pa.PythonFile(self.scanner, mode="r"),
                read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=fmt.delimiter, invalid_row_handler=self._on_invalid_row
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={h: _DICT if h in strings else pa.string() for h in header},
                    include_columns=list(dict.fromkeys(present)),
                    null_values=fmt.null_values,
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    check_utf8=False,
                ),
            )
        except (pa.ArrowException, OSError, EOFError, zlib.error) as exc:
            raise ReadFailed(_rule_for(exc), str(exc)) from exc
        return BatchSource(header, self._batches(reader))

    def _batches(self, reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        except (pa.ArrowException, OSError, EOFError, zlib.error) as exc:
            raise ReadFailed(_rule_for(exc), str(exc)) from exc

    def finish(self) -> None:
        """Record the byte-level failures found while streaming."""
        self.failures.add(
            "ragged_rows",
            self.ragged,
            self.ragged_examples,
            detail="rows with the wrong number of fields (skipped)",
        )
        self.failures.add(
            "no_nul_bytes",
            self.scanner.nul_count,
            [(o, "\\x00") for o in self.scanner.nul_offsets],
            detail="NUL bytes",
        )
        rule = "utf8" if codecs.lookup(self.contract.format.encoding).name == "utf-8" else "encoding"
        self.failures.add(
            rule,
            self.scanner.bad_count,
            [(o, "<undecodable>") for o in self.scanner.bad_offsets],
            detail=f"byte sequences invalid in {self.contract.format.encoding}",
        )


def _rule_for(exc: BaseException) -> str:
    if isinstance(exc, OSError | EOFError | zlib.error) and not isinstance(exc, pa.ArrowException):
        return "readable_gzip"
    return "readable_csv"


def open_parquet(file: BinaryIO, contract: Contract) -> tuple[BatchSource, pq.ParquetFile]:
    """Open a Parquet file (seekable) and iterate its declared columns (ReadFailed if unreadable)."""
    declared_strings = {c.name for c in contract.columns if c.type == "string"}
    try:
        pf = pq.ParquetFile(file)
        schema = pf.schema_arrow
        strings = [f.name for f in schema if f.name in declared_strings and pa.types.is_string(f.type)]
        if strings:  # read string columns as dictionary arrays (cheap from dictionary pages)
            file.seek(0)
            pf = pq.ParquetFile(file, read_dictionary=strings)
            schema = pf.schema_arrow
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        raise ReadFailed("readable_parquet", str(exc)) from exc
    known = {c.name for c in contract.columns}
    names = list(schema.names)
    present = [n for n in dict.fromkeys(names) if n in known]
    raw_types = {n: schema.field(n).type for n in present}

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from pf.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=present, use_threads=True)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ReadFailed("readable_parquet", str(exc)) from exc

    return BatchSource(names, batches(), raw_types), pf
