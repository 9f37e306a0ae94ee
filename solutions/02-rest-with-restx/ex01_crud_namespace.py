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

from flask_restx import Namespace, Resource, fields

from ch02_demo.errors import problem_model
from ch02_demo.extensions import db
from ch02_demo.models import Measurement, Wafer

ns = Namespace("measurements", description="CD measurements, one at a time", path="/measurements")
ns.add_model(problem_model.name, problem_model)

measurement_input = ns.model("MeasurementInput", {
    "wafer_id": fields.String(required=True, example="W01"),
    "field": fields.Integer(required=True, min=1, example=12),
    "feature": fields.String(enum=["dense", "iso"], default="dense"),
    "dose": fields.Float(required=True, min=1, max=100, description="mJ/cm²", example=24.0),
    "focus": fields.Float(required=True, min=-5, max=5, description="µm", example=-0.1),
    "cd": fields.Float(required=True, min=1, max=1000, description="nm", example=45.2),
}, strict=True)

measurement_model = ns.model("Measurement", {
    "id": fields.Integer(readonly=True),
    "wafer_id": fields.String,
    "field": fields.Integer,
    "feature": fields.String,
    "dose": fields.Float(description="mJ/cm²"),
    "focus": fields.Float(description="µm"),
    "cd": fields.Float(description="nm"),
})


def find_measurement(measurement_id: int) -> Measurement:
    """The measurement with this id, or abort with a 404 problem naming the id."""
    measurement = db.session.get(Measurement, measurement_id)
    if measurement is None:
        ns.abort(404, f"measurement {measurement_id} not found")
    return measurement


def apply_payload(measurement: Measurement, payload: dict) -> None:
    """Copy a schema-valid payload onto ``measurement``; 422 problem if the wafer is unknown."""
    if db.session.get(Wafer, payload["wafer_id"]) is None:
        ns.abort(422, f"wafer {payload['wafer_id']} does not exist",
                 errors={"wafer_id": "no such wafer"})
    measurement.wafer_id = payload["wafer_id"]
    measurement.field = payload["field"]
    # restx's default= is documentation only: validation never fills in missing fields.
    measurement.feature = payload.get("feature", "dense")
    measurement.dose = payload["dose"]
    measurement.focus = payload["focus"]
    measurement.cd = payload["cd"]


@ns.route("")
class MeasurementList(Resource):
    @ns.expect(measurement_input, validate=True)
    @ns.response(400, "Payload fails the MeasurementInput schema", problem_model)
    @ns.response(422, "The wafer does not exist", problem_model)
    @ns.marshal_with(measurement_model, code=201, description="Created; see Location")
    def post(self):
        """Record one measurement."""
        measurement = Measurement()
        apply_payload(measurement, ns.payload)
        db.session.add(measurement)
        db.session.commit()
        location = self.api.url_for(MeasurementItem, measurement_id=measurement.id)
        return measurement, 201, {"Location": location}


@ns.route("/<int:measurement_id>")
@ns.param("measurement_id", "Measurement id")
@ns.response(404, "No such measurement", problem_model)
class MeasurementItem(Resource):
    @ns.marshal_with(measurement_model)
    def get(self, measurement_id: int):
        """One measurement."""
        return find_measurement(measurement_id)

    @ns.expect(measurement_input, validate=True)
    @ns.response(400, "Payload fails the MeasurementInput schema", problem_model)
    @ns.response(422, "The wafer does not exist", problem_model)
    @ns.marshal_with(measurement_model)
    def put(self, measurement_id: int):
        """Replace a measurement."""
        measurement = find_measurement(measurement_id)
        apply_payload(measurement, ns.payload)
        db.session.commit()
        return measurement

    @ns.response(204, "Deleted")
    def delete(self, measurement_id: int):
        """Delete a measurement."""
        db.session.delete(find_measurement(measurement_id))
        db.session.commit()
        return "", 204
