"""Graded tests of ex03_streamed_export: the first bytes leave before the last batch is read.

The proofs are structural, never timed: the batches come from a generator that records how
many have been pulled, and each output chunk is stamped with that count when it appears.
"""

from __future__ import annotations

import io
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from flask import Flask
from werkzeug.http import parse_options_header

HINT = (
    "Make iter_csv and iter_parquet generators: yield the header, then encode and yield each "
    "batch as soon as it is pulled. For Parquet, open a pyarrow.parquet.ParquetWriter on a "
    "small file-like object whose write() collects bytes, write_table() each batch, and yield "
    "what was collected; return Response(generator, ...) without joining anything."
)

SCHEMA = pa.schema([("dose", pa.float64()), ("focus", pa.float64()), ("cd", pa.float64()),
                    ("field", pa.int64())])


def batch(k: int, rows: int = 50) -> pd.DataFrame:
    # Odd batches carry int32 fields: the export's schema (int64) decides, not each batch.
    field = np.arange(k * rows, (k + 1) * rows, dtype=np.int32 if k % 2 else np.int64)
    return pd.DataFrame({
        "cd": 45.0 + (field % 7) * 0.125,
        "note": "extra column, not exported",
        "dose": 20.0 + k,
        "focus": (field % 9) * 0.05 - 0.2,
        "field": field,
    })


class Batches:
    """An iterator of batches that knows how far it has been consumed."""

    def __init__(self, count: int, rows: int = 50, empty_at: tuple[int, ...] = ()):
        self.count, self.rows, self.empty_at = count, rows, empty_at
        self.pulled = 0

    def __iter__(self):
        for k in range(self.count):
            self.pulled = k + 1
            yield batch(k, self.rows).iloc[:0] if k in self.empty_at else batch(k, self.rows)


def stamped(chunks, source: Batches) -> list[tuple[int, bytes]]:
    return [(source.pulled, chunk) for chunk in chunks]


def expected_frame(source: Batches) -> pd.DataFrame:
    return pd.concat(list(Batches(source.count, source.rows, source.empty_at)),
                     ignore_index=True)[SCHEMA.names]


@pytest.mark.points(3)
def test_csv_is_produced_batch_by_batch(ex):
    source = Batches(20)
    chunks = stamped(ex.iter_csv(iter(source), SCHEMA.names), source)
    assert chunks[0] == (0, b"dose,focus,cd,field\n"), "the header comes before any batch"
    data_chunks = chunks[1:]
    assert len(data_chunks) == 20, f"one chunk per batch, got {len(data_chunks)}"
    assert [pulled for pulled, _ in data_chunks] == list(range(1, 21)), (
        "batch k must be sent before batch k+1 is read"
    )
    body = b"".join(chunk for _, chunk in chunks)
    assert body == expected_frame(source).to_csv(index=False, lineterminator="\n").encode()


@pytest.mark.points(2)
def test_csv_skips_empty_batches_and_writes_only_the_columns(ex):
    source = Batches(5, empty_at=(0, 3))
    chunks = list(ex.iter_csv(iter(source), ["field", "cd"]))
    assert len(chunks) == 1 + 3, "the header, then one chunk per non-empty batch"
    body = b"".join(chunks)
    lines = body.decode().splitlines()
    assert lines[0] == "field,cd"
    assert len(lines) == 1 + 3 * 50
    assert lines[1] == "50,45.125", lines[1]
    assert b"".join(ex.iter_csv(iter([]), ["dose"])) == b"dose\n"


@pytest.mark.points(3)
def test_parquet_row_groups_leave_before_the_next_batch_is_read(ex):
    source = Batches(8, rows=200)
    chunks = stamped(ex.iter_parquet(iter(source), SCHEMA), source)
    body = b"".join(chunk for _, chunk in chunks)
    assert body[:4] == b"PAR1"
    assert body[-4:] == b"PAR1"
    first_data = next(pulled for pulled, _ in chunks)
    assert first_data <= 1, f"first bytes only after {first_data} of 8 batches were read"
    assert len(chunks) >= 8, f"{len(chunks)} chunks: one per row group and the footer expected"
    assert chunks[-2][0] == 8
    stamps = [pulled for pulled, _ in chunks]
    assert stamps == sorted(stamps), stamps
    assert set(range(1, 9)) <= set(stamps), stamps

    parquet = pq.ParquetFile(io.BytesIO(body))
    assert parquet.metadata.num_row_groups == 8
    assert parquet.schema_arrow.remove_metadata() == SCHEMA
    table = parquet.read().to_pandas()
    pd.testing.assert_frame_equal(table, expected_frame(source))


@pytest.mark.points(2)
def test_parquet_empty_batches_and_no_batches(ex):
    source = Batches(4, empty_at=(1,))
    body = b"".join(ex.iter_parquet(iter(source), SCHEMA))
    parquet = pq.ParquetFile(io.BytesIO(body))
    assert parquet.metadata.num_row_groups == 3
    assert parquet.metadata.num_rows == 150
    empty = pq.read_table(io.BytesIO(b"".join(ex.iter_parquet(iter([]), SCHEMA))))
    assert empty.num_rows == 0
    assert empty.schema.names == SCHEMA.names


def traced_peak(chunks) -> tuple[int, int]:
    """(bytes produced, peak traced Python memory) while ``chunks`` is consumed and dropped."""
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in chunks)
        return total, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.points(2)
def test_memory_does_not_grow_with_the_export(ex):
    """Four times the batches, the same peak: memory is bounded by a batch, not by the file."""
    small_total, small_peak = traced_peak(ex.iter_csv(iter(Batches(10, 500)), SCHEMA.names))
    large_total, large_peak = traced_peak(ex.iter_csv(iter(Batches(40, 500)), SCHEMA.names))
    assert large_total > 3.5 * small_total
    assert large_peak < 1.5 * small_peak + 100_000, (
        f"peak {small_peak / 1e6:.2f} MB for {small_total / 1e6:.2f} MB of CSV, "
        f"{large_peak / 1e6:.2f} MB for {large_total / 1e6:.2f} MB: the export is held in memory"
    )


def export_app(ex, source: Batches) -> Flask:
    app = Flask(__name__)

    @app.get("/export/<fmt>")
    def export(fmt):
        return ex.export_response(iter(source), SCHEMA, fmt, "fem-lot7")

    return app


@pytest.mark.points(3)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_response_streams_with_download_headers(ex, fmt):
    source = Batches(6)
    client = export_app(ex, source).test_client()
    response = client.get(f"/export/{fmt}", buffered=False)
    assert response.status_code == 200
    assert response.is_streamed, "the body must be an iterator, not bytes"
    assert "Content-Length" not in response.headers
    media = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}[fmt]
    assert response.mimetype == media
    kind, options = parse_options_header(response.headers.get("Content-Disposition", ""))
    assert (kind, options.get("filename")) == ("attachment", f"fem-lot7.{fmt}")
    # The test client (like a WSGI server) may pull the first chunk to start the response.
    assert source.pulled <= 1, f"{source.pulled} batches read before the client asked"
    body = iter(response.response)
    first = next(body)
    assert first
    assert source.pulled <= 1, f"first chunk after {source.pulled} of 6 batches"
    rest = b"".join(body)
    response.close()
    assert source.pulled == 6
    data = first + rest
    frame = (pd.read_csv(io.BytesIO(data)) if fmt == "csv"
             else pq.read_table(io.BytesIO(data)).to_pandas())
    pd.testing.assert_frame_equal(frame, expected_frame(source))


@pytest.mark.points(1)
def test_an_unknown_format_is_refused_before_reading(ex):
    source = Batches(3)
    with pytest.raises(ex.UnsupportedFormat):
        ex.export_response(iter(source), SCHEMA, "xlsx", "fem")
    assert issubclass(ex.UnsupportedFormat, ValueError)
    assert source.pulled == 0
