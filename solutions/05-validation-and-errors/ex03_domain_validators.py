"""Exercise 03: domain validators for FEM data: units, physical ranges, the focus grid.

A schema checks types; these check physics. Canonical units are those of the platform:
dose mJ/cm², focus µm, CD nm. Unit strings are compared after NFKC normalisation, so the
superscript in ``"mJ/cm²"`` is ``"mJ/cm2"`` and the micro sign ``"µm"`` (U+00B5) is the Greek
``"μm"`` (U+03BC). Comparison is case-sensitive: ``"MJ/cm2"`` (megajoules) is not a dose unit.

Pointers are RFC 6901 JSON pointers in URI-fragment form: ``"#/measurements/3/cd"``.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CANONICAL_UNITS = {"dose": "mJ/cm2", "focus": "μm", "cd": "nm"}
# Factor from a unit (NFKC form) to the canonical unit. 1 J/m² = 1000 mJ / 10⁴ cm² = 0.1 mJ/cm².
UNIT_FACTORS: dict[str, dict[str, float]] = {
    "dose": {"mJ/cm2": 1.0, "J/m2": 0.1},
    "focus": {"μm": 1.0, "um": 1.0, "nm": 0.001},
    "cd": {"nm": 1.0, "μm": 1000.0, "um": 1000.0},
}
FOCUS_TOLERANCE_UM = 1e-6
MIN_FOCI = 3


@dataclass(frozen=True)
class Bound:
    """``low < value`` (or ``<=`` when ``low_inclusive``) and ``value <= high``."""

    low: float
    high: float
    low_inclusive: bool


# In canonical units: a dose or a CD of 0 is not a measurement; focus is symmetric.
BOUNDS = {
    "dose": Bound(0.0, 500.0, low_inclusive=False),
    "focus": Bound(-10.0, 10.0, low_inclusive=True),
    "cd": Bound(0.0, 5000.0, low_inclusive=False),
}


class DomainError(ValueError):
    """One value or list that breaks a domain rule; ``index`` locates it in a list, if any."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class RunErrors(ValueError):
    """Every problem of a run: ``errors`` is a list of ``(pointer, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__(f"{len(errors)} domain errors")
        self.errors = errors


def to_canonical(quantity: str, value: float, unit: str) -> float:
    """``value`` in ``unit`` expressed in the quantity's canonical unit.

    ``quantity`` is ``"dose"``, ``"focus"`` or ``"cd"``. ``DomainError`` for an unknown
    quantity or a unit not in ``UNIT_FACTORS[quantity]`` (after NFKC normalisation; the
    message names the accepted units). The value itself is not checked here.
    """
    if quantity not in UNIT_FACTORS:
        raise DomainError(f"unknown quantity {quantity!r}")
    factors = UNIT_FACTORS[quantity]
    normalised = unicodedata.normalize("NFKC", unit)
    if normalised not in factors:
        raise DomainError(f"unit {unit!r} is not one of {', '.join(factors)}")
    return value * factors[normalised]


def check_value(quantity: str, value: object) -> None:
    """``DomainError`` unless ``value`` is a finite int or float within ``BOUNDS[quantity]``.

    ``bool`` is not a number here. NaN and ±inf are refused with a message saying "finite";
    out-of-range values with a message stating the range and the canonical unit.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DomainError(f"{quantity} must be a number")
    if not math.isfinite(value):
        raise DomainError(f"{quantity} must be a finite number")
    bound = BOUNDS[quantity]
    above_low = bound.low <= value if bound.low_inclusive else bound.low < value
    if not (above_low and value <= bound.high):
        opening = "[" if bound.low_inclusive else "("
        raise DomainError(
            f"{quantity} must be in {opening}{bound.low:g}, {bound.high:g}] "
            f"{CANONICAL_UNITS[quantity]}"
        )


def check_focus_grid(grid: Sequence[object]) -> None:
    """``DomainError`` unless ``grid`` (canonical µm) is a valid programmed focus grid.

    At least ``MIN_FOCI`` values (else ``index`` None); every value passes
    ``check_value("focus", ...)`` (``index`` = its position); strictly increasing: the first
    ``i`` with ``grid[i] <= grid[i - 1]`` is refused (``index`` = i).
    """
    if len(grid) < MIN_FOCI:
        raise DomainError(f"a focus grid needs at least {MIN_FOCI} foci")
    for index, focus in enumerate(grid):
        try:
            check_value("focus", focus)
        except DomainError as exc:
            raise DomainError(str(exc), index) from None
        if index and not grid[index - 1] < focus:
            raise DomainError(f"focus must increase: {focus} after {grid[index - 1]}", index)


def normalise_run(run: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``run`` in canonical units, or ``RunErrors`` listing every problem.

    ``run`` has ``focus_grid`` (list of numbers), ``measurements`` (list of dicts with at least
    ``dose``, ``focus``, ``cd``) and optionally ``units`` (a dict with any of ``dose``,
    ``focus``, ``cd``; a missing one is canonical). ``run`` is never modified.

    Problems, in this order, each once:

    1. each unit of ``units`` that ``to_canonical`` refuses: ``("#/units/<quantity>", msg)``;
       values of that quantity are then not checked at all;
    2. the grid (converted): a ``DomainError`` of ``check_focus_grid`` at
       ``"#/focus_grid/<index>"``, or ``"#/focus_grid"`` when it has no index;
    3. for each measurement i, for dose, focus, cd in that order: the converted value failing
       ``check_value`` at ``"#/measurements/<i>/<quantity>"``; then, when the focus is valid
       and the grid is valid, a focus farther than ``FOCUS_TOLERANCE_UM`` from every grid focus:
       ``("#/measurements/<i>/focus", "not on the focus grid")``.

    The result: ``run``'s other keys unchanged, ``units`` = ``CANONICAL_UNITS``, the converted
    ``focus_grid`` and ``measurements`` (each dict copied with converted values).
    """
    errors: list[tuple[str, str]] = []
    units = run.get("units") or {}
    factors: dict[str, float | None] = {}
    for quantity in CANONICAL_UNITS:
        try:
            unit = units.get(quantity, CANONICAL_UNITS[quantity])
            factors[quantity] = to_canonical(quantity, 1.0, unit)
        except DomainError as exc:
            errors.append((f"#/units/{quantity}", str(exc)))
            factors[quantity] = None

    def convert(quantity: str, value: Any) -> Any:
        factor = factors[quantity]
        if factor is None or isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        return value * factor

    grid = [convert("focus", focus) for focus in run["focus_grid"]]
    grid_ok = factors["focus"] is not None
    if grid_ok:
        try:
            check_focus_grid(grid)
        except DomainError as exc:
            pointer = "#/focus_grid" if exc.index is None else f"#/focus_grid/{exc.index}"
            errors.append((pointer, str(exc)))
            grid_ok = False

    measurements = []
    for index, point in enumerate(run["measurements"]):
        converted = {**point}
        for quantity in ("dose", "focus", "cd"):
            converted[quantity] = convert(quantity, point[quantity])
            if factors[quantity] is None:
                continue
            try:
                check_value(quantity, converted[quantity])
            except DomainError as exc:
                errors.append((f"#/measurements/{index}/{quantity}", str(exc)))
                continue
            if quantity == "focus" and grid_ok and not any(
                math.isclose(converted["focus"], f, rel_tol=0.0, abs_tol=FOCUS_TOLERANCE_UM)
                for f in grid
            ):
                errors.append((f"#/measurements/{index}/focus", "not on the focus grid"))
        measurements.append(converted)
    if errors:
        raise RunErrors(errors)
    return {**run, "units": dict(CANONICAL_UNITS), "focus_grid": grid,
            "measurements": measurements}
