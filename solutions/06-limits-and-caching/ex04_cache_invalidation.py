"""Exercise 04: cached reads invalidated on write, so no client reads stale data after a PUT.

Endpoints (the demo's models and services do the data work):

- ``GET /wafers/<wafer_id>``: the wafer's ``representation`` (200), served from ``cache``
  under ``wafer_key(wafer_id)`` for ``CACHE_TIMEOUT`` seconds; on a miss it is read from the
  database and stored. An unknown wafer is a 404 problem and is *not* cached: a wafer created
  a moment later must be found.
- ``GET /lots/<lot_id>/wafers``: ``{"lot_id": lot_id, "items": [representation, ...]}`` of the
  lot's wafers ordered by id, cached under ``lot_key(lot_id)``. A lot without wafers is a 404
  problem, not cached.
- ``PUT /wafers/<wafer_id>``: ``update_wafer(db.session, wafer_id, request.get_json(silent=
  True))`` (400/404 problems come from the service, with nothing stored); on success delete
  exactly the two entries the write made stale, ``wafer_key(wafer_id)`` and
  ``lot_key(<the wafer's lot>)``, and answer 200 with the new representation. Never
  ``cache.clear()``: it drops every other entry (on Redis, every key with this app's
  prefix), and with an empty ``CACHE_KEY_PREFIX`` it is a FLUSHDB.

Delete after the commit, not before: a read between an early delete and the commit would
cache the old row again. The cache is whatever the app configured (``SimpleCache`` in one
process, ``RedisCache`` shared by all workers); the tests call ``cache.init_app(app)``.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_caching import Cache
from flask_restx import Namespace, Resource
from sqlalchemy import select

from ch06_demo.extensions import db
from ch06_demo.models import Wafer
from ch06_demo.services.errors import NotFound
from ch06_demo.services.wafers import get_wafer, representation, update_wafer

CACHE_TIMEOUT = 300

cache = Cache()


def wafer_key(wafer_id: str) -> str:
    return f"wafer:{wafer_id}"


def lot_key(lot_id: str) -> str:
    return f"lot:{lot_id}:wafers"


def read_wafer(wafer_id: str) -> dict[str, Any]:
    """The wafer's representation, from the cache or from the database (then cached)."""
    key = wafer_key(wafer_id)
    body = cache.get(key)
    if body is None:
        body = representation(get_wafer(db.session, wafer_id))  # NotFound: nothing cached
        cache.set(key, body, timeout=CACHE_TIMEOUT)
    return body


def read_lot(lot_id: str) -> dict[str, Any]:
    """The lot's wafer list, from the cache or from the database (then cached)."""
    key = lot_key(lot_id)
    body = cache.get(key)
    if body is None:
        wafers = db.session.scalars(
            select(Wafer).where(Wafer.lot_id == lot_id).order_by(Wafer.id)
        ).all()
        if not wafers:
            raise NotFound(f"lot {lot_id} has no wafers")
        body = {"lot_id": lot_id, "items": [representation(w) for w in wafers]}
        cache.set(key, body, timeout=CACHE_TIMEOUT)
    return body


def write_wafer(wafer_id: str, payload: object) -> dict[str, Any]:
    """Update the wafer, then delete the entries the write made stale; the new representation."""
    wafer = update_wafer(db.session, wafer_id, payload)
    cache.delete_many(wafer_key(wafer_id), lot_key(wafer.lot_id))
    return representation(wafer)


ns = Namespace("cached", description="Wafers, cached and invalidated on write", path="/")


@ns.route("/wafers/<string:wafer_id>")
class WaferItem(Resource):
    def get(self, wafer_id: str):
        return read_wafer(wafer_id)

    def put(self, wafer_id: str):
        return write_wafer(wafer_id, request.get_json(silent=True))


@ns.route("/lots/<string:lot_id>/wafers")
class LotWafers(Resource):
    def get(self, lot_id: str):
        return read_lot(lot_id)
