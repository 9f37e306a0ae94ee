"""Receiving an upload: the size limit counted while the body streams in, the content sniffed,
the name on disk chosen by the server, nothing left behind on failure."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024
# Formats people upload with a ".csv" name: the first bytes say what they really are.
SIGNATURES = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel or Word document",
    b"%PDF": "a PDF document",
    b"PAR1": "a Parquet file",
    b"\x1f\x8b": "a gzip stream",
}


class UploadRejected(Exception):
    """Nothing was stored; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def receive(stream: BinaryIO, upload_dir: Path, max_bytes: int) -> Path:
    """Copy ``stream`` into a temporary file in ``upload_dir``; its path, or UploadRejected.

    The limit is checked after every read, so at most ``max_bytes + CHUNK_SIZE`` bytes are ever
    read: a client cannot make the server read (or store) a gigabyte to find out it was too big.
    """
    upload_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=upload_dir, prefix=".upload-", suffix=".part")
    part = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK_SIZE):
                if size == 0:
                    sniff(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRejected(413, f"the upload is larger than {max_bytes} bytes")
                out.write(chunk)
        if size == 0:
            raise UploadRejected(400, "the upload is empty")
    except BaseException:
        # A rejection, a client that went away, a full disk: the partial file goes.
        part.unlink(missing_ok=True)
        raise
    return part


def sniff(first_chunk: bytes) -> None:
    """Refuse a body whose first bytes say it is not text, whatever its name claims."""
    for signature, what in SIGNATURES.items():
        if first_chunk.startswith(signature):
            raise UploadRejected(415, f"the content is {what}, not a CSV file")
    if b"\x00" in first_chunk:
        raise UploadRejected(415, "the content holds NUL bytes: a binary file, not a CSV")


def keep(part: Path) -> str:
    """Give a received file its final name (``<uuid4 hex>.csv``, never the client's); the name."""
    stored_name = f"{uuid.uuid4().hex}.csv"
    os.replace(part, part.with_name(stored_name))
    return stored_name
