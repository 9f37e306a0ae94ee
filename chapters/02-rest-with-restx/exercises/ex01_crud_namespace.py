"""Exercise 01: a CRUD namespace for CD measurements.

Build ``ns``, a flask-restx Namespace served at ``/measurements``, over the demo's
``Measurement`` table (``ch02_demo.models``, session ``ch02_demo.extensions.db.session``).
The app around it (built by the tests, like the demo) installs ``ch02_demo.errors.ProblemApi``:
anything raised with ``ns.abort(status, detail, **extensions)`` leaves as RFC 9457 problem
details (``application/problem+json`` with type, title, status, detail, instance and the
extensions), and so do restx's own validation errors.

Models (register both on ``ns``):

- ``measurement_input`` named ``"MeasurementInput"``, strict (unknown fields rejected):
  ``wafer_id`` string, required; ``field`` integer ≥ 1, required; ``feature`` string, one of
  ``"dense"``/``"iso"``, optional (a measurement without one is ``"dense"``); ``dose`` number
  in mJ/cm², 1-100, required; ``focus`` number in µm, -5 to 5, required; ``cd`` number in nm,
  1-1000, required. Bounds are inclusive.
- ``measurement_model`` named ``"Measurement"``: ``id`` plus the six fields above, nothing else.

Routes:

- ``POST /measurements``: body validated against ``MeasurementInput`` (restx's ``validate=True``:
  a failure is a 400 problem whose ``errors`` maps each field to its message). A ``wafer_id``
  that names no wafer is a 422 problem with ``errors == {"wafer_id": ...}`` and stores nothing.
  Success: 201, the marshalled measurement, ``Location`` = the URL of the new item.
- ``GET /measurements/<int:measurement_id>``: 200 and the measurement, or a 404 problem whose
  ``detail`` names the id.
- ``PUT /measurements/<int:measurement_id>``: full replacement, validated like POST; 200 and the
  updated measurement; 404 / 422 problems as above.
- ``DELETE /measurements/<int:measurement_id>``: 204 with an empty body; 404 problem if absent.

Swagger (``/swagger.json``) documents every one of those responses: the success model, and the
``Problem`` model (``ch02_demo.errors.problem_model``, added to ``ns``) on 400, 404 and 422.
"""

from __future__ import annotations

from flask_restx import Namespace, Resource, fields  # noqa: F401

# Imports marked F401 are unused until the bodies are written.
from ch02_demo.errors import problem_model
from ch02_demo.extensions import db  # noqa: F401
from ch02_demo.models import Measurement, Wafer  # noqa: F401

ns = Namespace("measurements", description="CD measurements, one at a time", path="/measurements")
ns.add_model(problem_model.name, problem_model)

# TODO: give both models their fields (see the module docstring); MeasurementInput is strict.
measurement_input = ns.model("MeasurementInput", {})

measurement_model = ns.model("Measurement", {})


def find_measurement(measurement_id: int) -> Measurement:
    """The measurement with this id, or abort with a 404 problem naming the id."""
    raise NotImplementedError("db.session.get(Measurement, id); ns.abort(404, ...) when None")


def apply_payload(measurement: Measurement, payload: dict) -> None:
    """Copy a schema-valid payload onto ``measurement``; 422 problem if the wafer is unknown."""
    raise NotImplementedError(
        "check the wafer exists (ns.abort(422, ..., errors={'wafer_id': ...})), then copy fields"
    )


@ns.route("")
class MeasurementList(Resource):
    def post(self):
        """Record one measurement."""
        raise NotImplementedError(
            "decorate with @ns.expect(..., validate=True), @ns.response(...) and "
            "@ns.marshal_with(..., code=201); store it and return (measurement, 201, headers)"
        )


@ns.route("/<int:measurement_id>")
@ns.param("measurement_id", "Measurement id")
class MeasurementItem(Resource):
    def get(self, measurement_id: int):
        """One measurement."""
        raise NotImplementedError("marshal the measurement; document the 404")

    def put(self, measurement_id: int):
        """Replace a measurement."""
        raise NotImplementedError("validate like POST, replace every field, return it marshalled")

    def delete(self, measurement_id: int):
        """Delete a measurement."""
        raise NotImplementedError("delete it and return an empty 204")
