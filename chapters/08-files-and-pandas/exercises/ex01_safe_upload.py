"""Exercise 01: store an uploaded FEM CSV safely.

An upload endpoint is the one place where a stranger writes to your disk. Four rules keep that
boring: the size limit is enforced while the body streams in (a check after the whole body is
read has already spent the memory or the disk); the content decides what the file is (the name
and the client's ``Content-Type`` are claims anybody can make); the name on disk is chosen by the
server; and a rejected or interrupted upload leaves nothing behind.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

CHUNK_SIZE = 64 * 1024
# The header line must end within this many bytes (or the whole file is the header).
SNIFF_BYTES = 4096
# Leading bytes of formats people upload by mistake while the name still says ".csv".
BINARY_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "a ZIP archive (xlsx, docx, zip)",
    b"\xd0\xcf\x11\xe0": "an OLE2 document (xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip stream",
    b"PAR1": "a Parquet file",
    b"\x7fELF": "an executable",
}
UTF8_BOM = codecs.BOM_UTF8


class UploadRejected(Exception):
    """The upload was refused; nothing was stored. ``status`` is the HTTP status to answer."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UploadTooLarge(UploadRejected):
    """The body is longer than the limit (413 Content Too Large)."""

    status = 413


class UnsupportedContent(UploadRejected):
    """The bytes are not a UTF-8 CSV, whatever the name says (415 Unsupported Media Type)."""

    status = 415


@dataclass(frozen=True)
class StoredUpload:
    stored_name: str    # the server's name for the file: 32 lowercase hex digits + ".csv"
    path: Path          # upload_dir / stored_name
    size_bytes: int
    sha256: str         # hex digest of the stored bytes
    original_name: str  # the client's name made safe for display (secure_filename)


def safe_stored_name() -> str:
    """A fresh name for a stored upload: ``uuid4().hex + ".csv"`` (32 lowercase hex digits).

    Never derived from the client's file name, so no client can choose, guess or collide with
    the name of another upload.
    """
    raise NotImplementedError(
        "return a fresh uuid4-based name, never the client's"
    )


def display_name(original_name: str | None) -> str:
    """The client's file name for display: ``secure_filename`` of it, or ``"upload.csv"`` when
    nothing is left (``None``, ``""``, ``"../.."``)."""
    raise NotImplementedError(
        "reduce the client's name with secure_filename, with a fallback"
    )


def check_signature(head: bytes) -> None:
    """Refuse content that starts with one of ``BINARY_SIGNATURES`` (after an optional UTF-8 BOM).

    Raises ``UnsupportedContent`` whose detail names the format found.
    """
    raise NotImplementedError(
        "compare the start (after a BOM) with BINARY_SIGNATURES"
    )


def check_header(head: bytes) -> None:
    """Refuse content whose header line has no comma.

    ``head`` is the start of the file: its first ``SNIFF_BYTES`` bytes, or the whole file when it
    is shorter. The header line is what precedes the first ``\\n``; with no ``\\n`` in ``head``,
    a file longer than ``SNIFF_BYTES`` has no header line (refused) and a shorter file is all
    header. Raises ``UnsupportedContent``.
    """
    raise NotImplementedError(
        "find the first line in head and look for a comma"
    )


def save_upload(
    stream: BinaryIO,
    upload_dir: Path,
    original_name: str | None,
    *,
    max_bytes: int,
    chunk_size: int = CHUNK_SIZE,
) -> StoredUpload:
    """Copy ``stream`` into ``upload_dir`` under a fresh name, checking it as it arrives.

    Reading: only ``stream.read(n)`` with ``0 < n <= chunk_size``; a read may return fewer bytes
    than asked (like a socket) and ``b""`` means the end. Never more than ``max_bytes +
    chunk_size`` bytes are read in total: as soon as more than ``max_bytes`` bytes have arrived,
    stop reading and raise ``UploadTooLarge``. Exactly ``max_bytes`` bytes is accepted.

    Content, decided by the bytes alone (``original_name`` is never consulted for it):
    ``check_signature`` and ``check_header`` on the first ``SNIFF_BYTES`` bytes (or the whole
    body when shorter); the whole body must decode as UTF-8 (checked incrementally, so a
    character split between two reads is fine) and contain no NUL byte, else
    ``UnsupportedContent``. An empty body raises ``UploadRejected`` (400).

    Storing: bytes go to a temporary file inside ``upload_dir`` while they arrive; only a body
    that passed every check is renamed to ``upload_dir / safe_stored_name()``. On any failure
    (a rejection, or an exception raised by ``stream``, which propagates unchanged) nothing of
    this upload remains in ``upload_dir``. ``upload_dir`` must exist.

    Returns a ``StoredUpload`` with the size, the SHA-256 of the bytes and
    ``display_name(original_name)``.
    """
    raise NotImplementedError(
        "read in chunks into a temp file in upload_dir, check size and content as bytes arrive, "
        "rename at the end, clean up on failure"
    )
