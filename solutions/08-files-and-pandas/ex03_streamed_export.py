"""Exercise 03: stream an export as CSV or Parquet without building the file in memory.

An export of a million measurements is tens of megabytes. Built with ``frame.to_csv()`` and
returned, it sits in memory (twice: the frame and the text) before the first byte leaves, and
the client waits for all of it. Streamed, the response is a generator: each batch of rows is
encoded and sent while the next one is read, and memory holds one batch.

Batches are DataFrames, such as ``pandas.read_csv(..., chunksize=n)`` produces.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from flask import Response

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}


class UnsupportedFormat(ValueError):
    """The export format is not one of ``MEDIA_TYPES``."""


def iter_csv(batches: Iterable[pd.DataFrame], columns: list[str]) -> Iterator[bytes]:
    """Yield a UTF-8 CSV: the header line of ``columns`` first, then one chunk per batch.

    Only ``columns`` are written, in that order (other columns of a batch are dropped; a
    missing one raises ``KeyError``), without the index, lines ending in ``\\n``. The header
    is yielded before the first batch is read; each batch's rows are yielded before the next
    batch is read; an empty batch yields nothing. The output equals
    ``pd.concat(batches)[columns].to_csv(index=False)`` encoded as UTF-8.
    """
    yield (",".join(columns) + "\n").encode()
    for batch in batches:
        if len(batch):
            yield batch[columns].to_csv(index=False, header=False, lineterminator="\n").encode()


class _ChunkSink(io.RawIOBase):
    """A write-only file that keeps what is written until ``take()`` hands it out."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self._chunks.append(data)
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def take(self) -> bytes:
        out = b"".join(self._chunks)
        self._chunks.clear()
        return out


def iter_parquet(batches: Iterable[pd.DataFrame], schema: pa.Schema) -> Iterator[bytes]:
    """Yield a Parquet file with ``schema``: one row group per non-empty batch.

    Each batch is reduced to ``schema.names`` and converted with that schema (``pyarrow``
    raises on a value it cannot convert), without the index. The bytes of each row group are
    yielded before the next batch is read, and the footer when the batches are exhausted:
    concatenated, the chunks are a file ``pyarrow.parquet.read_table`` reads back. No batches
    give a valid file with no rows.
    """
    sink = _ChunkSink()
    with pq.ParquetWriter(sink, schema) as writer:
        for batch in batches:
            if not len(batch):
                continue
            table = pa.Table.from_pandas(batch[schema.names], schema=schema,
                                         preserve_index=False)
            writer.write_table(table)
            chunk = sink.take()
            if chunk:
                yield chunk
    # Closing the writer wrote the footer (and, for an empty export, the magic bytes too).
    tail = sink.take()
    if tail:
        yield tail


def export_response(
    batches: Iterable[pd.DataFrame], schema: pa.Schema, fmt: str, filename_stem: str
) -> Response:
    """A streamed download of ``batches`` as ``fmt`` (``"csv"`` or ``"parquet"``).

    The body is the iterator of ``iter_csv(batches, schema.names)`` or ``iter_parquet(batches,
    schema)``, handed to Flask as is (so nothing is encoded before the client reads);
    ``Content-Type`` from ``MEDIA_TYPES``; ``Content-Disposition: attachment;
    filename=<filename_stem>.<fmt>``; no ``Content-Length``. An unknown ``fmt`` raises
    ``UnsupportedFormat`` before any batch is read.
    """
    if fmt not in MEDIA_TYPES:
        raise UnsupportedFormat(f"format must be one of {', '.join(MEDIA_TYPES)}, not {fmt!r}")
    body = iter_csv(batches, schema.names) if fmt == "csv" else iter_parquet(batches, schema)
    response = Response(body, content_type=MEDIA_TYPES[fmt])
    response.headers.set("Content-Disposition", "attachment", filename=f"{filename_stem}.{fmt}")
    return response
