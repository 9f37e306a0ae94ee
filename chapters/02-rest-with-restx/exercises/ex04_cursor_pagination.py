"""Exercise 04: cursor pagination of measurements, ordered by dose.

``GET /measurements?limit=N&cursor=C`` answers
``{"items": [...], "limit": N, "next_cursor": "..." | null}`` with the demo's ``Measurement``
rows (``{id, wafer_id, field, feature, dose, focus, cd}``) ordered by dose, then id (both
ascending).

- ``limit``: integer from 1 to ``MAX_LIMIT``, default ``DEFAULT_LIMIT``. Anything else is a 400
  problem with ``errors["limit"]`` (raise through ``ns.abort``).
- ``next_cursor``: null when no row follows the last item served (also when the last page is
  exactly full); otherwise ``encode_cursor(dose, id)`` of the last item served.
- ``cursor``: a ``next_cursor`` from this API. The page it asks for holds the rows whose
  ``(dose, id)`` is greater than the cursor's: a keyset, so rows inserted or deleted in the
  meantime never shift the pages still to come (no duplicates, no skipped rows). A cursor that
  ``decode_cursor`` refuses is a 400 problem with ``errors["cursor"]``.

Cursors are opaque to clients and tamper-evident: itsdangerous's ``URLSafeSerializer`` with the
app's ``SECRET_KEY`` and ``CURSOR_SALT`` signs the JSON ``[dose, id]``.
"""

from __future__ import annotations

from flask import current_app, request  # noqa: F401
from flask_restx import Namespace, Resource, fields
from itsdangerous import BadData, URLSafeSerializer  # noqa: F401
from sqlalchemy import select, tuple_  # noqa: F401

# Imports marked F401 are unused until the bodies are written.
from ch02_demo.extensions import db  # noqa: F401
from ch02_demo.models import Measurement  # noqa: F401

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
CURSOR_SALT = "ch02.ex04.measurements-by-dose"

ns = Namespace("measurements", description="Measurements by dose, cursor-paginated",
               path="/measurements")

measurement_model = ns.model("Measurement", {
    "id": fields.Integer,
    "wafer_id": fields.String,
    "field": fields.Integer,
    "feature": fields.String,
    "dose": fields.Float(description="mJ/cm²"),
    "focus": fields.Float(description="µm"),
    "cd": fields.Float(description="nm"),
})
measurement_page = ns.model("MeasurementCursorPage", {
    "items": fields.List(fields.Nested(measurement_model)),
    "limit": fields.Integer,
    "next_cursor": fields.String(description="Pass back as cursor; null on the last page"),
})


class InvalidCursor(ValueError):
    """The cursor was not issued by this API, or was altered."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=CURSOR_SALT)


def encode_cursor(dose: float, measurement_id: int) -> str:
    """The signed cursor for the position just after (dose, id). Needs an app context."""
    raise NotImplementedError("_serializer().dumps([dose, measurement_id])")


def decode_cursor(token: str) -> tuple[float, int]:
    """``(dose, id)`` from a cursor; ``InvalidCursor`` unless signed by us and well formed.

    Well formed: a JSON list of a number (not a boolean) and an integer (not a boolean).
    """
    raise NotImplementedError(
        "_serializer().loads(token), turning itsdangerous.BadData into InvalidCursor; "
        "then check the payload's shape"
    )


def parse_limit(raw: str | None) -> int:
    """``limit`` as an int, ``DEFAULT_LIMIT`` when absent; 400 problem when invalid."""
    raise NotImplementedError("int() it, check 1..MAX_LIMIT, ns.abort(400, ...) otherwise")


@ns.route("")
class MeasurementsByDose(Resource):
    @ns.doc(params={
        "limit": {"type": "integer", "default": DEFAULT_LIMIT},
        "cursor": "next_cursor of the previous page",
    })
    @ns.marshal_with(measurement_page)
    def get(self):
        """A page of measurements in (dose, id) order."""
        raise NotImplementedError(
            "WHERE (dose, id) > cursor, ORDER BY dose, id, LIMIT limit + 1; "
            "next_cursor from the last item served when there was an extra row"
        )
