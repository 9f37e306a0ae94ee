"""Upload hygiene: allowed types, content sniffing, safe file names, spreadsheet-safe export."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import pandas as pd
from werkzeug.utils import secure_filename

from litho_platform.errors import UnprocessableError, UnsupportedMediaTypeError

ALLOWED_FORMATS = {".csv": "csv", ".parquet": "parquet"}
MAX_FILENAME_LENGTH = 100
MAX_DISPLAY_NAME_LENGTH = 200
_PARQUET_MAGIC = b"PAR1"
# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")


def _basename(name: str) -> str:
    # Either separator may come from a browser on another OS; only the last part is a name.
    return PureWindowsPath(PurePosixPath(name).name).name


def upload_format(filename: str | None) -> str:
    """'csv' or 'parquet' from the file name's extension; UnsupportedMediaTypeError otherwise."""
    suffix = PurePosixPath(_basename(filename or "")).suffix.lower()
    if suffix not in ALLOWED_FORMATS:
        allowed = ", ".join(ALLOWED_FORMATS)
        raise UnsupportedMediaTypeError(
            f"Only {allowed} files are accepted; got {suffix or 'a name without an extension'}.",
            code="unsupported_file_type",
        )
    return ALLOWED_FORMATS[suffix]


def check_content(payload: bytes, file_format: str) -> None:
    """Refuse content that contradicts the extension, before any parser sees it.

    Zero bytes is a 422 (an empty FEM file); Parquet must start with its magic number; a CSV
    must be text (no NUL bytes, not Parquet). A mismatch is a 415.
    """
    if not payload:
        raise UnprocessableError(
            "The file is empty (0 bytes).",
            code="empty_file",
            errors=[{"row": None, "column": None, "message": "the file is empty (0 bytes)"}],
        )
    is_parquet = payload.startswith(_PARQUET_MAGIC)
    if file_format == "parquet" and not is_parquet:
        raise UnsupportedMediaTypeError(
            "The file is named .parquet but is not a Parquet file.", code="content_mismatch"
        )
    if file_format == "csv" and (is_parquet or b"\x00" in payload[:65536]):
        raise UnsupportedMediaTypeError(
            "The file is named .csv but holds binary data.", code="content_mismatch"
        )


def safe_filename(original: str | None, file_format: str) -> str:
    """A name safe to put in a Content-Disposition header and on any file system.

    werkzeug's secure_filename (ASCII, no separators, no '..'), then: no leading dots or
    underscores, at most MAX_FILENAME_LENGTH characters with the extension kept, and a neutral
    name when nothing is left.
    """
    stem = secure_filename(PurePosixPath(_basename(original or "")).stem).lstrip("._")
    extension = f".{file_format}"
    stem = stem[: MAX_FILENAME_LENGTH - len(extension)] or "dataset"
    return stem + extension


def display_name(requested: str | None, original: str | None) -> str:
    """The name shown in lists: the requested name or the original file's base name, without
    control characters, trimmed to MAX_DISPLAY_NAME_LENGTH; never used as a path."""
    text = (requested or "").strip() or PurePosixPath(_basename(original or "")).stem
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()
    return text[:MAX_DISPLAY_NAME_LENGTH] or "dataset"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells that would start a spreadsheet formula are prefixed with "'".

    Only text columns are touched: a negative focus stays a number.
    """
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        text = column.astype("string")
        risky = text.str.match(_FORMULA_START).fillna(False).astype(bool)
        if risky.any():
            safe[name] = text.where(~risky, "'" + text)
    return safe
