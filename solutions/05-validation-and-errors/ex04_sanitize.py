"""Exercise 04: sanitising what clients name and write: file names, free text, identifiers, HTML.

Kept libraries do part of the work: ``werkzeug.utils.secure_filename`` (NFKD, ASCII only,
separators and whitespace to ``_``, only ``A-Za-z0-9_.-`` kept, surrounding ``._`` stripped,
Windows device names prefixed only when running on Windows) and ``markupsafe.escape``
(``& < > ' "`` as entities, but anything with an ``__html__`` method is trusted as it is).
This module closes the gaps each leaves.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup, escape
from werkzeug.utils import secure_filename

WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{n}" for n in range(10)}
    | {f"LPT{n}" for n in range(10)}
)
MAX_FILENAME = 100
MAX_TEXT = 2000


class UnsafeName(ValueError):
    """Nothing usable is left of a file name or identifier, or it breaks its rule."""


class UnsafeText(ValueError):
    """Free text that is too long once cleaned."""


def _without_controls(text: str, keep: str = "") -> str:
    """``text`` without characters of category Cc (controls) or Cf (bidi, zero-width...)."""
    return "".join(
        char for char in text
        if char in keep or unicodedata.category(char) not in {"Cc", "Cf"}
    )


def safe_filename(name: str, max_length: int = MAX_FILENAME) -> str:
    """A file name safe to store under, on any OS, built from a client's ``name``.

    In order:

    1. NFKC normalisation; every Cc and Cf character is removed (not replaced): ``"\\n"``,
       ``"\\x00"``, bidi overrides such as U+202E, zero-width spaces;
    2. only the last path component is kept, with both ``/`` and ``\\`` as separators (a
       browser on Windows may send ``C:\\Users\\kim\\fem.csv``);
    3. ``secure_filename`` of that component;
    4. leading ``-``, ``.`` and ``_`` are removed (no option-like names, no dotfiles);
    5. a Windows device name (``WINDOWS_RESERVED``, any case, compared on the part before the
       first ``.``) is prefixed with ``_``, on every OS: ``"nul.txt"`` -> ``"_nul.txt"``;
    6. longer than ``max_length``: the part before the last ``.`` is cut so that the result,
       extension included, is ``max_length`` long (``"a" * 300 + ".csv"`` -> 96 ``a`` +
       ``".csv"``); a name without ``.`` is simply cut.

    ``UnsafeName`` when nothing is left (``""``, ``".."``, ``"...."``, ``"/"``).
    """
    text = _without_controls(unicodedata.normalize("NFKC", name))
    component = re.split(r"[/\\]", text)[-1]
    safe = secure_filename(component).lstrip("-._")
    if not safe:
        raise UnsafeName(f"no usable file name in {name[:40]!r}")
    if safe.partition(".")[0].upper() in WINDOWS_RESERVED:
        safe = "_" + safe
    if len(safe) > max_length:
        stem, dot, extension = safe.rpartition(".")
        if dot and len(extension) + 1 < max_length:
            safe = stem[: max_length - len(extension) - 1] + dot + extension
        else:
            safe = safe[:max_length]
    return safe


def clean_text(text: str, max_length: int = MAX_TEXT) -> str:
    """Free text (a note on a FEM run) ready to store and display.

    NFKC normalisation; ``"\\r\\n"`` and lone ``"\\r"`` become ``"\\n"``; every Cc and Cf
    character except ``"\\n"`` and ``"\\t"`` is removed (bell, escape, bidi overrides and
    isolates U+202A-U+202E, U+2066-U+2069, zero-width U+200B, BOM U+FEFF); surrounding
    whitespace is stripped. ``UnsafeText`` when the cleaned text is longer than ``max_length``.
    """
    normalised = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    cleaned = _without_controls(normalised, keep="\n\t").strip()
    if len(cleaned) > max_length:
        raise UnsafeText(f"at most {max_length} characters, got {len(cleaned)}")
    return cleaned


def normalize_identifier(value: str, pattern: str) -> str:
    """An identifier (wafer, lot, product) in its one canonical form, or ``UnsafeName``.

    NFKC normalisation first, so fullwidth ``"Ｗ０１"`` is ``"W01"``. Then every character must
    be ASCII: otherwise ``UnsafeName`` whose message names the first non-ASCII character by
    its Unicode name and position, e.g. ``CYRILLIC SMALL LETTER O at 5``: a Cyrillic ``о``
    looks like a Latin ``o`` and would make a second, different product that prints the same.
    Last, the whole value must match ``pattern`` (``re.fullmatch``: ``"W01\\n"`` does not).
    """
    normalised = unicodedata.normalize("NFKC", value)
    for position, char in enumerate(normalised):
        if not char.isascii():
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise UnsafeName(f"non-ASCII character {name} at {position}")
    if not re.fullmatch(pattern, normalised):
        raise UnsafeName(f"{normalised[:40]!r} does not match {pattern}")
    return normalised


def note_html(note: str) -> Markup:
    """A note as an HTML fragment: ``<p class="note">`` + lines joined by ``<br>\\n`` + ``</p>``.

    Every character of the note is escaped by ``markupsafe.escape``, also when ``note`` is a
    ``Markup`` (or has ``__html__``): text from a client is never trusted as markup.
    ``"a<b\\nc"`` -> ``'<p class="note">a&lt;b<br>\\nc</p>'``.
    """
    lines = str(note).split("\n")  # str() of a Markup is a plain str: escape() will act on it
    body = Markup("<br>\n").join(escape(line) for line in lines)
    return Markup('<p class="note">') + body + Markup("</p>")
