"""Whitelisted filtering and sorting: only named parameters and columns ever reach the SQL.

A query parameter is looked up in a dict of allowed filters; a sort field in a dict of allowed
columns. User text never becomes a column name or SQL fragment, and values travel as bound
parameters, so ``?sort=id;DROP TABLE lots`` is just an unknown sort field.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import MultiDict

from ch02_demo.services.errors import InvalidQuery


def finite_number(text: str) -> float:
    """Parse a float filter value; ``nan`` and ``inf`` would make every comparison false."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an integer") from None


@dataclass(frozen=True)
class Filter:
    """One allowed query parameter: rows where ``op(column, parse(value))`` holds."""

    column: InstrumentedAttribute[Any]
    op: Callable[[Any, Any], ColumnElement[bool]] = operator.eq
    parse: Callable[[str], Any] = str

    @classmethod
    def at_least(cls, column: InstrumentedAttribute[Any], parse: Callable[[str], Any]) -> Filter:
        return cls(column, operator.ge, parse)

    @classmethod
    def at_most(cls, column: InstrumentedAttribute[Any], parse: Callable[[str], Any]) -> Filter:
        return cls(column, operator.le, parse)


def filter_clauses(
    args: MultiDict[str, str],
    filters: Mapping[str, Filter],
    control: Collection[str] = (),
) -> list[ColumnElement[bool]]:
    """WHERE clauses for ``args``; ``control`` names non-filter parameters (page, sort, ...).

    Raises ``InvalidQuery`` naming the parameter for an unknown parameter (with the sorted list
    of allowed ones), a filter given twice, or a value its parser rejects.
    """
    allowed = sorted({*filters, *control})
    unknown = [name for name in args if name not in allowed]
    if unknown:
        raise InvalidQuery(
            f"unknown query parameter {unknown[0]!r}",
            errors=dict.fromkeys(unknown, "unknown query parameter"),
            allowed=allowed,
        )
    clauses = []
    for name, spec in filters.items():
        values = args.getlist(name)
        if not values:
            continue
        if len(values) > 1:
            raise InvalidQuery(
                f"{name} given more than once", errors={name: "given more than once"}
            )
        try:
            value = spec.parse(values[0])
        except ValueError as exc:
            raise InvalidQuery(f"invalid {name}: {exc}", errors={name: str(exc)}) from None
        clauses.append(spec.op(spec.column, value))
    return clauses


def order_by_clauses(
    sort: str,
    columns: Mapping[str, InstrumentedAttribute[Any]],
    tiebreak: InstrumentedAttribute[Any],
) -> list[ColumnElement[Any]]:
    """ORDER BY for ``sort`` = comma-separated field names, ``-`` prefix for descending.

    ``tiebreak`` (a unique column) is appended ascending so equal keys come back in the same
    order on every request: offset pagination over an unstable order repeats and skips rows.
    """
    clauses: list[ColumnElement[Any]] = []
    for item in sort.split(","):
        name = item.removeprefix("-")
        if name not in columns:
            raise InvalidQuery(
                f"unknown sort field {name!r}",
                errors={"sort": f"unknown sort field {name!r}"},
                allowed=sorted(columns),
            )
        column = columns[name]
        clauses.append(column.desc() if item.startswith("-") else column.asc())
    return [*clauses, tiebreak.asc()]
