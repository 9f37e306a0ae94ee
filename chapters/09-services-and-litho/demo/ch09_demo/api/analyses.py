"""/analyses: POST a FEM and a spec, GET the process window and the Bossung plot.

Every handler is three lines: parse, call ``services.analyses``, serialise. What can go wrong
in the domain is raised by the service and mapped to a status by ``ProblemApi`` in errors.py.
"""

from __future__ import annotations

from flask import Response, current_app
from flask_restx import Namespace, Resource, fields

from ch09_demo.errors import problem_model
from ch09_demo.extensions import db
from ch09_demo.services import analyses
from ch09_demo.services.plots import MEDIA_TYPES

ns = Namespace("analyses", description="Process-window analyses of focus-exposure matrices",
               path="/analyses")
ns.add_model(problem_model.name, problem_model)

measurement = ns.model("Measurement", {
    "dose": fields.Float(required=True, description="mJ/cm², > 0", example=24.0),
    "focus": fields.Float(required=True, description="µm", example=0.0),
    "cd": fields.Float(required=True, description="nm", example=45.2),
}, strict=True)
analysis_input = ns.model("AnalysisInput", {
    "name": fields.String(max_length=80, default="unnamed", example="FEM W07"),
    "target_cd": fields.Float(required=True, description="nm", example=45.0),
    "tolerance_pct": fields.Float(required=True, description="percent of target", example=10.0),
    "el_pcts": fields.List(fields.Float, description="latitudes for DOF (default 5, 10)",
                           example=[5.0, 10.0]),
    "measurements": fields.List(fields.Nested(measurement), required=True, min_items=1),
}, strict=True)
analysis_summary = ns.model("AnalysisSummary", {
    "id": fields.Integer,
    "name": fields.String,
    "target_cd": fields.Float,
    "tolerance_pct": fields.Float,
    "best_focus": fields.Float(attribute="result.best_focus"),
    "dose_to_size": fields.Float(attribute="result.dose_to_size"),
})
analysis_detail = ns.inherit("Analysis", analysis_summary, {
    "result": fields.Raw(description="spec, model, best_focus, dose_to_size, max_el_pct, "
                                     "process_window, bossung, data_summary"),
})


@ns.route("")
class AnalysisList(Resource):
    @ns.marshal_list_with(analysis_summary)
    def get(self):
        """Every stored analysis, oldest first."""
        return analyses.list_analyses(db.session)

    @ns.expect(analysis_input, validate=True)
    @ns.response(400, "Payload fails the AnalysisInput schema", problem_model)
    @ns.response(422, "Measurements or spec that cannot be analysed; nothing stored",
                 problem_model)
    @ns.marshal_with(analysis_detail, code=201, description="Stored; Location names it")
    def post(self):
        """Analyse a FEM against a spec and store the result."""
        body = ns.payload
        analysis = analyses.create_analysis(
            db.session, body.get("name") or "unnamed", body["target_cd"], body["tolerance_pct"],
            body["measurements"], tuple(body.get("el_pcts") or analyses.DEFAULT_EL_PCTS),
            current_app.config["MAX_MEASUREMENTS"])
        return analysis, 201, {"Location": self.api.url_for(AnalysisItem,
                                                            analysis_id=analysis.id)}


@ns.route("/<int:analysis_id>")
@ns.response(404, "No such analysis", problem_model)
class AnalysisItem(Resource):
    @ns.marshal_with(analysis_detail)
    def get(self, analysis_id: int):
        """One analysis with its full result."""
        return analyses.get_analysis(db.session, analysis_id)


@ns.route("/<int:analysis_id>/bossung.<any(png, svg):fmt>")
@ns.response(404, "No such analysis", problem_model)
@ns.produces(list(MEDIA_TYPES.values()))
class BossungPlot(Resource):
    def get(self, analysis_id: int, fmt: str):
        """The Bossung plot: measured points, fitted curves per dose, spec band."""
        image = analyses.bossung_image(db.session, analysis_id, fmt)
        return Response(image, mimetype=MEDIA_TYPES[fmt])
