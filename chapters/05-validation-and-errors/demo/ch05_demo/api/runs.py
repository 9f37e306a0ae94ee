"""/fem-runs: accept a nested FEM payload or refuse it in the one problem shape; read it back."""

from __future__ import annotations

import json

from flask import current_app, render_template_string
from flask_restx import Namespace, Resource, fields
from pydantic import ValidationError

from ch05_demo.api.body import read_json_body
from ch05_demo.errors import ValidationFailed, problem_model
from ch05_demo.schemas.errors import field_errors
from ch05_demo.schemas.fem import FemRunIn
from ch05_demo.schemas.swagger import schema_model
from ch05_demo.services import fem

ns = Namespace("fem-runs", description="FEM measurement runs", path="/fem-runs")
ns.add_model(problem_model.name, problem_model)

run_input = schema_model(ns, FemRunIn)
point_model = ns.model("FemPoint", {
    "field": fields.Integer, "dose": fields.Float, "focus": fields.Float, "cd": fields.Float,
})
run_summary = ns.model("FemRunSummary", {
    "id": fields.Integer,
    "wafer_id": fields.String,
    "lot_id": fields.String,
    "feature": fields.String,
    "source_file": fields.String,
    "points": fields.Integer(attribute=lambda run: len(run.points)),
})
run_detail = ns.model("FemRun", {
    "id": fields.Integer,
    "wafer_id": fields.String,
    "lot_id": fields.String,
    "feature": fields.String,
    "source_file": fields.String,
    "note": fields.String,
    "units": fields.Raw(attribute=lambda run: {"dose": "mJ/cm2", "focus": "um", "cd": "nm"}),
    "focus_grid": fields.List(fields.Float, attribute=lambda run: json.loads(run.focus_grid)),
    "measurements": fields.List(fields.Nested(point_model), attribute="points"),
})

# Autoescaping is on for render_template_string: every {{ }} goes through markupsafe.escape.
REPORT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>FEM run {{ run.id }}</title></head>
<body><h1>FEM run {{ run.id }}: wafer {{ run.wafer_id }}, lot {{ run.lot_id }}</h1>
<p>Source file: {{ run.source_file or "none" }}</p>
<p class="note">{{ run.note or "" }}</p>
<p>{{ run.points|length }} points</p></body></html>
"""


def parse_run() -> FemRunIn:
    """Body -> ``FemRunIn``: 415/400/413 for an unreadable body, 422 with per-field errors."""
    document = read_json_body(current_app.config["MAX_JSON_DEPTH"])
    try:
        return FemRunIn.model_validate(document)
    except ValidationError as exc:
        raise ValidationFailed(field_errors(exc)) from None


@ns.route("")
class FemRunList(Resource):
    @ns.marshal_list_with(run_summary)
    def get(self):
        """Every stored run, oldest first."""
        return fem.list_runs()

    @ns.expect(run_input)  # documentation; pydantic validates in parse_run
    @ns.response(400, "Malformed JSON, NaN/Infinity literals, or nested too deep", problem_model)
    @ns.response(413, "Body larger than MAX_CONTENT_LENGTH", problem_model)
    @ns.response(415, "Content-Type is not application/json", problem_model)
    @ns.response(422, "Invalid values; errors lists each with its JSON pointer", problem_model)
    @ns.marshal_with(run_detail, code=201, description="Stored; Location names the run")
    def post(self):
        """Store a FEM run after checking its shape, units, ranges and focus grid."""
        run = fem.create_run(parse_run(), current_app.config["MAX_POINTS"])
        return run, 201, {"Location": self.api.url_for(FemRunItem, run_id=run.id)}


@ns.route("/<int:run_id>")
@ns.response(404, "No such run", problem_model)
class FemRunItem(Resource):
    @ns.marshal_with(run_detail)
    def get(self, run_id: int):
        """One run with its points."""
        return fem.get_run(run_id)


@ns.route("/<int:run_id>/report")
@ns.response(404, "No such run", problem_model)
class FemRunReport(Resource):
    @ns.produces(["text/html"])
    def get(self, run_id: int):
        """An HTML summary: the client's note and file name are escaped, never trusted."""
        page = render_template_string(REPORT_PAGE, run=fem.get_run(run_id))
        return current_app.response_class(page, mimetype="text/html")
