"""Exports of a stored dataset: CSV streamed as it is encoded, Parquet spooled then sent.

Two ways to keep memory bounded, with different trade-offs:

- **stream as you encode** (CSV here, both formats in ``ex03_streamed_export``): a generator
  yields each chunk as soon as it is encoded; the first byte leaves at once, nothing is
  buffered, but the size is unknown up front (no ``Content-Length``, no resumable download);
- **spool then send** (Parquet here): write the file chunk by chunk to a temporary file, then
  let ``send_file`` stream it from disk; memory stays at one chunk, the client gets a
  ``Content-Length`` and range requests, but waits until the whole file is written.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

EXPORT_SCHEMA = pa.schema([
    ("Dose", pa.float64()), ("Focus", pa.float64()), ("CD", pa.float64()),
    ("Wafer_ID", pa.string()), ("Field", pa.float64()), ("Feature", pa.string()),
    ("X", pa.float64()), ("Y", pa.float64()),
])
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "parquet": "application/vnd.apache.parquet"}


def conform(batch: pd.DataFrame) -> pd.DataFrame:
    """Every export column, in order; absent optional columns are empty."""
    return batch.reindex(columns=EXPORT_SCHEMA.names)


def csv_chunks(batches: Iterable[pd.DataFrame]) -> Iterator[bytes]:
    """The header, then one encoded chunk per batch, each yielded before the next is read."""
    yield (",".join(EXPORT_SCHEMA.names) + "\n").encode()
    for batch in batches:
        yield conform(batch).to_csv(index=False, header=False, lineterminator="\n").encode()


def parquet_file(batches: Iterable[pd.DataFrame]):
    """A temporary file (deleted when closed) holding the batches as Parquet, one row group each.

    ``SpooledTemporaryFile`` would keep small exports in memory; a plain temporary file keeps
    the memory bound the same for every size.
    """
    spool = tempfile.TemporaryFile()  # noqa: SIM115 (send_file closes it after the response)
    with pq.ParquetWriter(spool, EXPORT_SCHEMA) as writer:
        for batch in batches:
            table = pa.Table.from_pandas(conform(batch), schema=EXPORT_SCHEMA,
                                         preserve_index=False)
            writer.write_table(table)
    spool.seek(0)
    return spool
