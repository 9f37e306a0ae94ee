"""Reading FEM files (CSV or Parquet) into validated, canonical tables."""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from litho.validation import FemValidationError, Problem, validate

_PARQUET_MAGIC = b"PAR1"
_PARQUET_SUFFIXES = (".parquet", ".pq")
_SKIPPED_LINE = re.compile(r"Skipping line (\d+): (.*)")


@dataclass
class FemData:
    """A validated FEM table ready for analysis.

    ``frame`` has the canonical lower-case columns ``dose`` (mJ/cm²), ``focus`` (µm), ``cd`` (nm)
    and whichever of ``wafer_id``, ``field``, ``feature``, ``x``, ``y`` the input had, sorted by
    dose then focus. ``source_rows`` counts the data rows read; ``dropped_missing_cd`` and
    ``duplicates_averaged`` count the rows removed by cleaning; ``warnings`` says so in words.
    """

    frame: pd.DataFrame
    source_rows: int
    dropped_missing_cd: int = 0
    duplicates_averaged: int = 0
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> FemData:
        """Validate an in-memory table exactly as a file would be (row n of df is row n + 2)."""
        checked = validate(df.reset_index(drop=True))
        return cls(checked.frame, len(df), checked.dropped_missing_cd,
                   checked.duplicates_averaged, checked.warnings)


def read_fem(source: str | os.PathLike | bytes | BinaryIO, *, filename: str | None = None,
             max_rows: int | None = None) -> FemData:
    """Read and validate a FEM file.

    ``source`` is a path, the file's bytes, or a binary file object. The format is Parquet when
    the name (``filename`` or the path) ends in .parquet/.pq or the bytes start with "PAR1",
    otherwise CSV (comma, semicolon or tab separated, UTF-8 or Latin-1). ``max_rows`` rejects
    files with more data rows. Raises FemValidationError listing every problem found.
    """
    name, payload = _load(source, filename)
    if not payload:
        raise FemValidationError([Problem(None, None, f"{name} is empty (0 bytes)")])
    if payload.startswith(_PARQUET_MAGIC) or name.lower().endswith(_PARQUET_SUFFIXES):
        raw, rows, notes, malformed = _parse_parquet(payload, max_rows)
    else:
        raw, rows, notes, malformed = _parse_csv(payload, max_rows)
    checked = validate(raw, rows, line_problems=malformed)
    return FemData(checked.frame, len(raw), checked.dropped_missing_cd,
                   checked.duplicates_averaged, notes + checked.warnings)


def _load(source, filename: str | None) -> tuple[str, bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        return filename or "the file", bytes(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            return filename or path.name, path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or exc.__class__.__name__
            raise FemValidationError(
                [Problem(None, None, f"cannot read {path}: {reason}")]) from None
    if hasattr(source, "read"):
        payload = source.read()
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        return filename or str(getattr(source, "name", "the file")), bytes(payload)
    raise TypeError(f"source must be a path, bytes or a binary file object, not {type(source)}")


def _parse_parquet(payload: bytes, max_rows: int | None):
    """Parse Parquet bytes; row n of the table is reported as row n + 2, as after export."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(payload))
        if max_rows is not None and parquet.metadata.num_rows > max_rows:
            raise FemValidationError([_too_many_rows(max_rows)])
        raw = parquet.read().to_pandas()
    except FemValidationError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types for damaged files
        raise FemValidationError(
            [Problem(None, None, f"not a readable Parquet file ({exc})")]) from None
    return raw.reset_index(drop=True), np.arange(2, len(raw) + 2), [], []


def _parse_csv(payload: bytes, max_rows: int | None):
    """Parse CSV bytes into (raw frame, spreadsheet row numbers, notes, malformed-line problems)."""
    notes: list[str] = []
    if b"\x00" in payload[:65536]:
        raise FemValidationError([Problem(None, None, "not a CSV file: it contains binary data")])
    encoding = "utf-8"
    if not payload.isascii():
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "latin-1"
            notes.append("the file is not UTF-8; it was read as Latin-1")
    line_end = payload.find(b"\n")
    first_line = payload if line_end < 0 else payload[:line_end]
    if not first_line.strip():
        raise FemValidationError([Problem(None, None, "the first line is empty; the file needs "
                                          "a header line naming Dose, Focus and CD")])
    separator = ","
    if b"," not in first_line:
        separator = ";" if b";" in first_line else ("\t" if b"\t" in first_line else ",")
    raw = _read_csv_fast(payload, separator, encoding)
    if raw is not None:
        rows = np.arange(2, len(raw) + 2)
        if len(raw.columns) and raw.iloc[:, 0].isna().any():
            # Blank lines arrive as rows with every value missing: drop them, keep numbering.
            blank = raw.isna().all(axis=1).to_numpy()
            raw, rows = raw.loc[~blank].reset_index(drop=True), rows[~blank]
        if max_rows is not None and len(raw) > max_rows:
            raise FemValidationError([_too_many_rows(max_rows)])
        return raw, rows, notes, []
    raw, bad_lines = _read_csv(payload, separator, encoding, max_rows)
    if max_rows is not None and len(raw) > max_rows:
        raise FemValidationError([_too_many_rows(max_rows)])
    # Records are lines here (blank ones included), except the lines skipped as malformed.
    lines_read = np.arange(2, len(raw) + len(bad_lines) + 2)
    rows = np.setdiff1d(lines_read, [n for n, _ in bad_lines]) if bad_lines else lines_read
    blank = raw.isna().all(axis=1).to_numpy()
    raw, rows = raw.loc[~blank].reset_index(drop=True), rows[~blank]
    malformed = [Problem(n, None, reason.replace("saw", "found")) for n, reason in bad_lines]
    return raw, rows, notes, malformed


def _read_csv_fast(payload: bytes, separator: str, encoding: str) -> pd.DataFrame | None:
    """Multi-threaded parse with pyarrow, or None when the file needs the exact reader.

    Blank lines are kept (as rows of missing values) so that row numbers stay exact. A ragged
    line, a quoted line break or a value that breaks a column's type sends the file to
    ``_read_csv``, whose report names every such line.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    malformed = []

    def note(row) -> str:
        malformed.append(row)
        return "skip"

    try:
        table = pa_csv.read_csv(
            io.BytesIO(payload), read_options=pa_csv.ReadOptions(encoding=encoding),
            parse_options=pa_csv.ParseOptions(delimiter=separator, ignore_empty_lines=False,
                                              invalid_row_handler=note),
            convert_options=pa_csv.ConvertOptions(strings_can_be_null=True))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return None
    if malformed:
        return None
    return table.to_pandas()


def _read_csv(payload: bytes, separator: str, encoding: str,
              max_rows: int | None) -> tuple[pd.DataFrame, list[tuple[int, str]]]:
    """Parse with pandas' C reader, keeping blank lines as empty records so that record n is
    line n + 2; lines with too many fields are skipped and returned as (line, reason)."""
    nrows = None if max_rows is None else max_rows + 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        try:
            raw = pd.read_csv(io.BytesIO(payload), sep=separator, encoding=encoding,
                              skip_blank_lines=False, on_bad_lines="warn",
                              nrows=nrows)
        except pd.errors.EmptyDataError:
            raise FemValidationError([Problem(None, None, "the file has no header line")]) from None
        except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
            raise FemValidationError(
                [Problem(None, None, f"not a readable CSV file ({exc})")]) from None
    bad_lines = []
    for warning in caught:
        for line in str(warning.message).splitlines():
            match = _SKIPPED_LINE.match(line.strip())
            if match:
                bad_lines.append((int(match.group(1)), match.group(2)))
    return raw, bad_lines


def _too_many_rows(max_rows: int) -> Problem:
    return Problem(None, None, f"the file has more than {max_rows} data rows (the limit)")
