"""/measurements: a cursor-paginated, filtered feed; single create and read."""

from __future__ import annotations

from flask import current_app, request
from flask_restx import Resource, fields

from ch02_demo.api.common import namespace
from ch02_demo.errors import problem_model
from ch02_demo.services import measurements
from ch02_demo.services.cursors import CursorCodec

ns = namespace("measurements", "CD-SEM measurements of focus-exposure matrix wafers")

measurement_input = ns.model("MeasurementInput", {
    "wafer_id": fields.String(required=True, example="W01"),
    "field": fields.Integer(required=True, min=1, description="Exposure field index", example=1),
    "feature": fields.String(enum=["dense", "iso"], default="dense"),
    "dose": fields.Float(required=True, min=1, max=100, description="mJ/cm²", example=24.0),
    "focus": fields.Float(required=True, min=-5, max=5, description="µm", example=0.0),
    "cd": fields.Float(required=True, min=1, max=1000, description="nm", example=45.1),
}, strict=True)
measurement_model = ns.model("Measurement", {
    "id": fields.Integer,
    "wafer_id": fields.String,
    "field": fields.Integer,
    "feature": fields.String,
    "dose": fields.Float(description="mJ/cm²"),
    "focus": fields.Float(description="µm"),
    "cd": fields.Float(description="nm"),
})
feed_model = ns.model("MeasurementFeed", {
    "items": fields.List(fields.Nested(measurement_model)),
    "limit": fields.Integer,
    "sort": fields.String,
    "next_cursor": fields.String(description="Pass as cursor for the next page; null at the end"),
})


def cursor_codec() -> CursorCodec:
    return CursorCodec(current_app.config["SECRET_KEY"], salt="ch02-demo.measurements")


@ns.route("")
class MeasurementList(Resource):
    @ns.doc(params={
        "wafer_id": "Exact wafer id",
        "feature": "dense or iso",
        "dose_min": {"type": "number", "description": "Lowest dose, mJ/cm²"},
        "dose_max": {"type": "number", "description": "Highest dose, mJ/cm²"},
        "focus_min": {"type": "number", "description": "Lowest focus, µm"},
        "focus_max": {"type": "number", "description": "Highest focus, µm"},
        "sort": "One of id, dose, focus, cd; prefix - for descending (default id)",
        "limit": {"type": "integer", "default": 50, "description": "Items per page"},
        "cursor": "next_cursor of the previous page, unchanged",
    })
    @ns.response(400, "Unknown parameter, bad value or invalid cursor", problem_model)
    @ns.marshal_with(feed_model)
    def get(self):
        """Page through measurements with an opaque cursor (stable while rows are added)."""
        feed = measurements.measurement_feed(
            request.args, cursor_codec(), current_app.config["MAX_PER_PAGE"]
        )
        headers = {}
        if feed["next_cursor"]:
            args = {**request.args.to_dict(), "cursor": feed["next_cursor"]}
            next_url = self.api.url_for(MeasurementList, _external=True, **args)
            headers["Link"] = f'<{next_url}>; rel="next"'
        return feed, 200, headers

    @ns.expect(measurement_input, validate=True)
    @ns.response(400, "Payload fails the MeasurementInput schema", problem_model)
    @ns.response(422, "The wafer does not exist", problem_model)
    @ns.marshal_with(measurement_model, code=201, description="Created; see Location")
    def post(self):
        """Record one measurement."""
        measurement = measurements.create_measurement(ns.payload)
        location = self.api.url_for(MeasurementItem, measurement_id=measurement.id)
        return measurement, 201, {"Location": location}


@ns.route("/<int:measurement_id>")
@ns.param("measurement_id", "Measurement id")
class MeasurementItem(Resource):
    @ns.response(404, "No such measurement", problem_model)
    @ns.marshal_with(measurement_model)
    def get(self, measurement_id: int):
        """One measurement."""
        return measurements.get_measurement(measurement_id)
