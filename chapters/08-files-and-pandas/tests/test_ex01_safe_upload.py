"""Graded tests of ex01_safe_upload: limit while streaming, content over name, nothing left."""

from __future__ import annotations

import hashlib
import re
import tracemalloc

import pytest

HINT = (
    "Loop on stream.read(chunk_size) until b'', counting bytes as they arrive and raising "
    "UploadTooLarge the moment the count passes max_bytes; write into a tempfile.mkstemp(dir="
    "upload_dir) file, judge the first SNIFF_BYTES, decode with an incremental UTF-8 decoder, "
    "and os.replace() to the final name only at the end; unlink the temp file on any exception."
)

FEM = (
    "Dose,Focus,CD,Note\n"
    + "".join(f"{22 + i % 5}.0,{-0.2 + 0.05 * (i % 9):.2f},{45 + i % 3}.1,µm-ok\n"
              for i in range(400))
).encode()


class ReadPastLimit(Exception):
    """The code under test kept reading after it should have stopped."""


class CountingStream:
    """A request body that hands out at most ``burst`` bytes per read, like a socket, counts
    what was read, and refuses to be read past ``budget`` bytes (the limit plus one chunk)."""

    def __init__(self, data: bytes, burst: int = 1000, budget: int | None = None,
                 fail_after: int | None = None):
        self.data, self.burst, self.budget, self.fail_after = data, burst, budget, fail_after
        self.consumed = 0
        self.sizes: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        if size is None or size < 0:
            raise ReadPastLimit(f"read({size}) asks for the whole body")
        if self.fail_after is not None and self.consumed >= self.fail_after:
            raise ConnectionResetError("client went away mid-upload")
        if self.budget is not None and self.consumed >= self.budget:
            raise ReadPastLimit(f"read again after {self.consumed} bytes (budget {self.budget})")
        chunk = self.data[self.consumed:self.consumed + min(size, self.burst)]
        self.consumed += len(chunk)
        return chunk


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.points(2)
def test_a_csv_is_stored_under_a_fresh_name_with_size_and_digest(ex, upload_dir):
    stored = ex.save_upload(CountingStream(FEM), upload_dir, "fem wafer 7.csv",
                            max_bytes=len(FEM), chunk_size=4096)
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", stored.stored_name), stored.stored_name
    assert stored.path == upload_dir / stored.stored_name
    assert stored.path.read_bytes() == FEM
    assert (stored.size_bytes, stored.sha256) == (len(FEM), hashlib.sha256(FEM).hexdigest())
    assert stored.original_name == "fem_wafer_7.csv"
    assert leftovers(upload_dir) == [stored.stored_name], "only the stored file may remain"


@pytest.mark.points(2)
def test_the_client_name_never_chooses_the_stored_name(ex, upload_dir):
    names = []
    for original in ("../../etc/passwd", "fem.csv", "fem.csv", None):
        stored = ex.save_upload(CountingStream(FEM), upload_dir, original,
                                max_bytes=len(FEM), chunk_size=4096)
        names.append(stored.stored_name)
        assert stored.path.parent == upload_dir
    assert len(set(names)) == 4, f"two uploads share a stored name: {names}"
    assert ex.display_name("../../etc/passwd") == "etc_passwd"
    assert ex.display_name("../..") == "upload.csv"
    assert ex.display_name(None) == "upload.csv"
    assert sorted(leftovers(upload_dir)) == sorted(names)


@pytest.mark.points(3)
def test_the_limit_is_enforced_while_streaming(ex, upload_dir):
    limit, chunk = 5000, 1024
    stream = CountingStream(FEM, burst=700, budget=limit + chunk)
    with pytest.raises(ex.UploadTooLarge) as refused:
        ex.save_upload(stream, upload_dir, "fem.csv", max_bytes=limit, chunk_size=chunk)
    assert refused.value.status == 413
    assert limit < stream.consumed <= limit + chunk, (
        f"read {stream.consumed} bytes of {len(FEM)} with a {limit}-byte limit"
    )
    assert all(0 < size <= chunk for size in stream.sizes), f"read sizes {stream.sizes}"
    assert leftovers(upload_dir) == [], "a refused upload must leave nothing behind"


@pytest.mark.points(2)
def test_exactly_the_limit_is_accepted_one_byte_more_is_not(ex, upload_dir):
    stored = ex.save_upload(CountingStream(FEM, burst=333), upload_dir, "a.csv",
                            max_bytes=len(FEM), chunk_size=512)
    assert stored.size_bytes == len(FEM)
    assert stored.path.read_bytes() == FEM, "short reads must be joined, not dropped"
    with pytest.raises(ex.UploadTooLarge):
        ex.save_upload(CountingStream(FEM, burst=333), upload_dir, "b.csv",
                       max_bytes=len(FEM) - 1, chunk_size=512)
    assert leftovers(upload_dir) == [stored.stored_name]


BINARY = [
    ("xlsx renamed .csv", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100),
    ("pdf", b"%PDF-1.7\n" + b"Dose,Focus,CD\n" * 10),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50),
    ("parquet", b"PAR1" + b"Dose,Focus,CD\n" * 10),
    ("gzip", b"\x1f\x8b\x08\x00" + b"Dose,Focus,CD\n" * 10),
    ("NUL bytes after a good start", FEM[:6000] + b"\x00\x01\x02" + FEM[6000:]),
    ("latin-1, not UTF-8", FEM[:5000] + "Wafer µ".encode("latin-1") + b"\n" + FEM[5000:]),
    ("no comma in the header", b"Dose;Focus;CD\n22;0.0;45\n"),
    ("ends inside a UTF-8 character", FEM + "µ".encode()[:1]),
    ("no line end in the first 4 KiB", b"Dose," + b"x" * 9000),
]


@pytest.mark.points(3)
def test_content_not_the_extension_decides(ex, upload_dir):
    for label, body in BINARY:
        status = None
        try:
            ex.save_upload(CountingStream(body, burst=257), upload_dir, "fem.csv",
                           max_bytes=1 << 20, chunk_size=1024)
        except ex.UnsupportedContent as refused:
            status = refused.status
        else:
            pytest.fail(f"{label} named fem.csv was accepted: the bytes must decide")
        assert status == 415, label
        assert leftovers(upload_dir) == [], f"{label}: refused, but left {leftovers(upload_dir)}"


@pytest.mark.points(2)
def test_a_csv_is_accepted_whatever_its_name_and_with_split_characters(ex, upload_dir):
    # burst=7 cuts "µ" (2 bytes in UTF-8) across reads; a BOM and no final newline are fine.
    body = b"\xef\xbb\xbf" + FEM.rstrip(b"\n")
    stored = ex.save_upload(CountingStream(body, burst=7), upload_dir, "export.xlsx",
                            max_bytes=1 << 20, chunk_size=64)
    assert stored.path.read_bytes() == body
    assert stored.stored_name.endswith(".csv")
    tiny = b"Dose,Focus,CD"
    stored = ex.save_upload(CountingStream(tiny), upload_dir, "t", max_bytes=100)
    assert stored.path.read_bytes() == tiny


@pytest.mark.points(2)
def test_an_empty_body_is_refused_with_400(ex, upload_dir):
    with pytest.raises(ex.UploadRejected) as refused:
        ex.save_upload(CountingStream(b""), upload_dir, "fem.csv", max_bytes=100)
    assert refused.value.status == 400
    assert not isinstance(refused.value, ex.UploadTooLarge | ex.UnsupportedContent)
    assert leftovers(upload_dir) == []


@pytest.mark.points(2)
def test_a_broken_connection_leaves_no_partial_file(ex, upload_dir):
    stream = CountingStream(FEM, burst=1000, fail_after=6000)
    with pytest.raises(ConnectionResetError):
        ex.save_upload(stream, upload_dir, "fem.csv", max_bytes=1 << 20, chunk_size=1000)
    assert stream.consumed == 6000
    assert leftovers(upload_dir) == [], "the partial upload must be removed"


@pytest.mark.points(2)
def test_memory_does_not_grow_with_the_upload(ex, upload_dir):
    """Four times the bytes, the same peak: the body passes through, it is not collected."""

    def peak(body: bytes) -> int:
        stream = CountingStream(body, burst=4096)
        tracemalloc.start()
        try:
            ex.save_upload(stream, upload_dir, "fem.csv", max_bytes=len(body), chunk_size=4096)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(FEM * 25), peak(FEM * 100)
    assert large < 1.5 * small + 64_000, (
        f"peak {small / 1e3:.0f} kB for {len(FEM) * 25 / 1e3:.0f} kB, {large / 1e3:.0f} kB for "
        f"{len(FEM) * 100 / 1e3:.0f} kB: part of the body is being kept in memory"
    )
