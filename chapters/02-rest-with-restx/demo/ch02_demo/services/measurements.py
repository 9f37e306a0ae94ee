"""Measurements: creation rules and the cursor-paginated, filtered feed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ch02_demo.extensions import db
from ch02_demo.models import Measurement, Wafer
from ch02_demo.services.cursors import CursorCodec, keyset_page
from ch02_demo.services.errors import InvalidQuery, ResourceNotFound, Unprocessable
from ch02_demo.services.querying import Filter, filter_clauses, finite_number

MEASUREMENT_FILTERS = {
    "wafer_id": Filter(Measurement.wafer_id),
    "feature": Filter(Measurement.feature),
    "dose_min": Filter.at_least(Measurement.dose, finite_number),
    "dose_max": Filter.at_most(Measurement.dose, finite_number),
    "focus_min": Filter.at_least(Measurement.focus, finite_number),
    "focus_max": Filter.at_most(Measurement.focus, finite_number),
}
# Keyset pagination seeks on one key plus the id, so a feed sorts by a single field.
CURSOR_SORT_FIELDS = {
    "id": Measurement.id,
    "dose": Measurement.dose,
    "focus": Measurement.focus,
    "cd": Measurement.cd,
}
FEED_PARAMETERS = ("sort", "limit", "cursor")
DEFAULT_LIMIT = 50


def get_measurement(measurement_id: int) -> Measurement:
    measurement = db.session.get(Measurement, measurement_id)
    if measurement is None:
        raise ResourceNotFound(f"measurement {measurement_id} not found")
    return measurement


def create_measurement(data: Mapping[str, Any]) -> Measurement:
    """Store a measurement from schema-valid ``data``; ``Unprocessable`` for an unknown wafer."""
    if db.session.get(Wafer, data["wafer_id"]) is None:
        raise Unprocessable(
            f"wafer {data['wafer_id']} does not exist", errors={"wafer_id": "no such wafer"}
        )
    measurement = Measurement(
        wafer_id=data["wafer_id"],
        field=data["field"],
        feature=data.get("feature", "dense"),
        dose=data["dose"],
        focus=data["focus"],
        cd=data["cd"],
    )
    db.session.add(measurement)
    db.session.commit()
    return measurement


def _parse_limit(raw: str | None, max_limit: int) -> int:
    if raw is None:
        return min(DEFAULT_LIMIT, max_limit)
    try:
        limit = int(raw)
    except ValueError:
        limit = 0
    if not 1 <= limit <= max_limit:
        raise InvalidQuery(
            "invalid limit", errors={"limit": f"must be an integer between 1 and {max_limit}"}
        )
    return limit


def measurement_feed(
    args: MultiDict[str, str], codec: CursorCodec, max_limit: int
) -> dict[str, Any]:
    """One page of the filtered feed: ``{items, limit, sort, next_cursor}``.

    ``sort`` is one of ``CURSOR_SORT_FIELDS``, ``-`` prefixed for descending (default ``id``).
    ``next_cursor`` is None on the last page; passing it back as ``cursor`` (with the same
    ``sort``) gives the next page.
    """
    where = filter_clauses(args, MEASUREMENT_FILTERS, FEED_PARAMETERS)
    sort = args.get("sort", "id")
    name = sort.removeprefix("-")
    if name not in CURSOR_SORT_FIELDS:
        raise InvalidQuery(
            f"unknown sort field {name!r}",
            errors={"sort": f"unknown sort field {name!r}"},
            allowed=sorted(CURSOR_SORT_FIELDS),
        )
    limit = _parse_limit(args.get("limit"), max_limit)
    token = args.get("cursor")
    page = keyset_page(
        select(Measurement).where(*where),
        CURSOR_SORT_FIELDS[name],
        Measurement.id,
        descending=sort.startswith("-"),
        after=codec.decode(token, sort) if token else None,
        limit=limit,
    )
    next_cursor = codec.encode(sort, *page.last_position) if page.last_position else None
    return {"items": page.items, "limit": limit, "sort": sort, "next_cursor": next_cursor}
