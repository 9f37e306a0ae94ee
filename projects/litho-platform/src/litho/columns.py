"""Canonical FEM column names and the header spellings accepted for each.

Headers are matched case-insensitively, ignoring a trailing unit in brackets ("Dose (mJ/cm2)",
"Focus [um]") and treating spaces and hyphens as underscores ("Wafer ID" is "wafer_id").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DOSE = "dose"
FOCUS = "focus"
CD = "cd"
WAFER_ID = "wafer_id"
FIELD = "field"
FEATURE = "feature"
X = "x"
Y = "y"

REQUIRED = (DOSE, FOCUS, CD)
# Columns that identify what was measured; rows that differ in them are different measurements.
IDENTITY = (WAFER_ID, FIELD, FEATURE)
COORDINATES = (X, Y)
OPTIONAL = IDENTITY + COORDINATES
CANONICAL = REQUIRED + OPTIONAL

ALIASES: dict[str, tuple[str, ...]] = {
    DOSE: ("dose", "exposure", "energy"),
    FOCUS: ("focus", "defocus"),
    CD: ("cd",),
    WAFER_ID: ("wafer_id", "waferid", "wafer"),
    FIELD: ("field", "field_id"),
    FEATURE: ("feature",),
    X: ("x",),
    Y: ("y",),
}

# How a column is named in messages and written files.
DISPLAY: dict[str, str] = {
    DOSE: "Dose",
    FOCUS: "Focus",
    CD: "CD",
    WAFER_ID: "Wafer_ID",
    FIELD: "Field",
    FEATURE: "Feature",
    X: "X",
    Y: "Y",
}

_UNIT_SUFFIX = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]\s*$")
_SEPARATORS = re.compile(r"[\s\-]+")
_LOOKUP = {alias: canonical for canonical, names in ALIASES.items() for alias in names}


def normalise_header(header: object) -> str:
    """Reduce a header to the form the alias table uses: lower case, no unit, underscores."""
    text = _UNIT_SUFFIX.sub("", str(header).strip().lstrip("\ufeff"))
    return _SEPARATORS.sub("_", text.strip()).lower()


def canonical_name(header: object) -> str | None:
    """The canonical column a header stands for, or None when it is not a known column."""
    return _LOOKUP.get(normalise_header(header))


def accepted_names(canonical: str) -> str:
    """Human-readable list of the header spellings accepted for a canonical column."""
    others = [name.capitalize() for name in ALIASES[canonical][1:]]
    return ", ".join([DISPLAY[canonical], *others])


def match_headers(headers: Iterable[object]) -> tuple[dict[str, object], dict[str, list[object]],
                                                      list[object]]:
    """Map the headers of a file onto canonical columns.

    Returns ``(found, conflicts, unknown)``: ``found`` maps each canonical column to the header
    that carries it, ``conflicts`` lists canonical columns given by more than one header, and
    ``unknown`` holds the headers that match nothing (they are ignored by the analysis).
    """
    found: dict[str, object] = {}
    conflicts: dict[str, list[object]] = {}
    unknown: list[object] = []
    for header in headers:
        canonical = canonical_name(header)
        if canonical is None:
            unknown.append(header)
        elif canonical in found:
            conflicts.setdefault(canonical, [found[canonical]]).append(header)
        else:
            found[canonical] = header
    return found, conflicts, unknown
