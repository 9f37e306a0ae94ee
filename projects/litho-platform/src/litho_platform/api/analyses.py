"""/api/v1/analyses: run analyses and batches, read results and history, plots, reports,
comparisons."""

from __future__ import annotations

import json

from flask import Response, request, url_for
from flask_jwt_extended import current_user
from flask_restx import Namespace, fields, reqparse

from litho_platform.api.common import (
    ID_CONVERTER,
    ID_MAX,
    AuthenticatedResource,
    NullableBoolean,
    NullableDateTime,
    NullableFloat,
    NullableInteger,
    NullableNested,
    NullableRaw,
    NullableString,
    TextOrNumber,
    bounded_int,
    documents_errors,
    iso_datetime,
    page_body,
    page_of,
    pagination_parser,
    sort_argument,
    writer_required,
)
from litho_platform.errors import PROBLEM_MIMETYPE
from litho_platform.models import AnalysisStatus
from litho_platform.services import analyses, batches, reports
from litho_platform.services.results_cache import PLOT_FORMATS, PLOT_KINDS

ns = Namespace("analyses", description="Process-window analyses, history, plots, reports")


spec_model = ns.model(
    "Spec",
    {
        "target_cd": fields.Float(description="nm"),
        "tolerance_pct": fields.Float(),
        "cd_min": fields.Float(description="nm"),
        "cd_max": fields.Float(description="nm"),
    },
)
fit_model = ns.model(
    "ModelFit",
    {
        "kind": fields.String(description="surface, bossung, or overlap for grouped results"),
        "dose_degree": fields.Integer(),
        "focus_degree": fields.Integer(),
        "rms_residual": fields.Float(description="nm"),
        "groups": NullableInteger(description="Groups intersected (overlap results only)"),
    },
)
window_row = ns.model(
    "ProcessWindowRow",
    {
        "el_pct": fields.Float(description="Exposure latitude, %"),
        "dof": fields.Float(description="Rectangle depth of focus, µm"),
        "center_focus": NullableFloat(description="µm"),
        "center_dose": NullableFloat(description="Nominal dose, mJ/cm²"),
        "clipped": fields.Boolean(description="An edge sits on the sampled dose range"),
        "ellipse_dof": fields.Float(description="Ellipse depth of focus, µm"),
        "ellipse_clipped": fields.Boolean(),
        "dose_min": NullableFloat(),
        "dose_max": NullableFloat(),
        "ellipse_center_focus": NullableFloat(),
        "ellipse_center_dose": NullableFloat(),
    },
)
el_dof_point = ns.model("ElDofPoint", {"dof": fields.Float(), "el_pct": fields.Float()})
bossung_row = ns.model(
    "BossungFit",
    {
        "dose": fields.Float(description="mJ/cm²"),
        "coefficients": fields.List(fields.Float, description="Ascending powers of focus"),
        "vertex_focus": NullableFloat(description="µm"),
        "cd_at_vertex": NullableFloat(description="nm"),
        "curvature": NullableFloat(description="nm/µm²"),
    },
)
ed_window_row = ns.model(
    "EdWindowRow",
    {
        "focus": fields.Float(),
        "dose_min": fields.Float(),
        "dose_max": fields.Float(),
        "dose_min_clipped": fields.Boolean(),
        "dose_max_clipped": fields.Boolean(),
    },
)
data_summary = ns.model(
    "ResultDataSummary",
    {
        "points": fields.Integer(),
        "conditions": fields.Integer(),
        "doses": fields.Integer(),
        "foci": fields.Integer(),
        "in_spec_fraction": fields.Float(),
        "dose_range": fields.List(fields.Float),
        "focus_range": fields.List(fields.Float),
        "duplicates": fields.Integer(),
        "dropped_missing_cd": fields.Integer(),
        "outliers_excluded": fields.Integer(),
        "source_rows": fields.Integer(),
    },
)
results_model = ns.model(
    "Results",
    {
        "spec": fields.Nested(spec_model),
        "model": fields.Nested(fit_model),
        "best_focus": NullableFloat(description="µm (null for grouped overlap results)"),
        "dose_to_size": NullableFloat(description="mJ/cm²"),
        "isofocal_dose": NullableFloat(description="mJ/cm², null if none"),
        "isofocal_cd": NullableFloat(description="nm, null if none"),
        "max_el_pct": fields.Float(),
        "dof_at_zero_el": fields.Float(description="µm"),
        "dof_at_zero_el_clipped": NullableBoolean(description="The DOF at EL 0 touches a limit"),
        "process_window": fields.List(fields.Nested(window_row)),
        "el_vs_dof": fields.List(fields.Nested(el_dof_point)),
        "bossung": fields.List(fields.Nested(bossung_row)),
        "data_summary": fields.Nested(data_summary),
        "ed_window": fields.List(fields.Nested(ed_window_row)),
        "el_ref": TextOrNumber(description="'center', 'log' or the reference dose"),
        "warnings": fields.List(fields.String),
        "groups": NullableRaw(description="With 'by': {group name: Results} per group"),
    },
)
parameters_model = ns.model(
    "AnalysisParameters",
    {
        "target_cd": fields.Float(),
        "tolerance_pct": fields.Float(),
        "el_pct": fields.List(fields.Float),
        "model": fields.String(),
        "focus_degree": fields.Integer(),
        "el_ref": TextOrNumber(description="'center', 'log' or the reference dose"),
        "by": NullableString(),
    },
)
analysis_model = ns.model(
    "Analysis",
    {
        "id": fields.Integer(required=True),
        "dataset_id": fields.Integer(required=True),
        "owner_id": fields.Integer(required=True),
        "status": fields.String(required=True, enum=[s.value for s in AnalysisStatus]),
        "progress": fields.Float(required=True, min=0, max=1),
        "stage": NullableString(description="The engine's current stage"),
        "parameters": fields.Nested(parameters_model, required=True),
        "error": NullableString(description="Why it failed"),
        "created_at": fields.DateTime(required=True, dt_format="iso8601"),
        "started_at": NullableDateTime(dt_format="iso8601"),
        "finished_at": NullableDateTime(dt_format="iso8601"),
        "attempts": fields.Integer(description="Runs started (more than 1: a worker was lost)"),
        "batch_id": NullableInteger(description="The batch that created it"),
        "results": NullableNested(
            results_model,
            allow_null=True,
            attribute=lambda a: analyses.results_of(a),
            description="LITHO.md's result keys, once succeeded",
        ),
    },
)
headline_model = ns.model(
    "ResultHeadline",
    {
        "best_focus": NullableFloat(),
        "dose_to_size": NullableFloat(),
        "max_el_pct": NullableFloat(),
        "dof_at_zero_el": NullableFloat(),
    },
)
history_item = ns.model(
    "AnalysisHistoryItem",
    {
        "id": fields.Integer(required=True),
        "dataset_id": fields.Integer(required=True),
        "owner_id": fields.Integer(required=True),
        "status": fields.String(required=True, enum=[s.value for s in AnalysisStatus]),
        "progress": fields.Float(required=True),
        "parameters": fields.Nested(parameters_model, required=True),
        "error": NullableString(),
        "created_at": fields.DateTime(required=True, dt_format="iso8601"),
        "finished_at": NullableDateTime(dt_format="iso8601"),
        "headline": NullableNested(headline_model, allow_null=True, attribute="results"),
    },
)
history_page = page_of(ns, "AnalysisPage", history_item)

analysis_request = ns.model(
    "AnalysisRequest",
    {
        "dataset_id": fields.Integer(required=True, min=1, max=ID_MAX),
        "target_cd": fields.Float(
            required=True,
            example=45,
            max=100_000,
            description="Target CD, nm (above 0; at most 100 µm, beyond any lithography CD)",
        ),
        "tolerance_pct": fields.Float(
            required=True, example=10, description="CD tolerance, % (between 0 and 100)"
        ),
        "el_pct": fields.List(
            fields.Float(min=0, max=200),
            min_items=1,
            max_items=10,
            example=[5, 10],
            description="Exposure latitudes (%) to report DOF at (default 5 and 10)",
        ),
        "model": fields.String(enum=["surface", "bossung"], description="Default surface"),
        "focus_degree": fields.Integer(enum=[2, 4], description="Default 2"),
        "el_ref": fields.String(
            max_length=32,
            example="center",
            description="EL convention: 'center' (default), 'log' or a reference dose",
        ),
        "by": fields.String(
            max_length=32,
            description="Group by Wafer_ID, Field or Feature: per-group results and overlap",
        ),
    },
)

batch_request = ns.model(
    "BatchRequest",
    {
        "dataset_ids": fields.List(
            fields.Integer(min=1, max=ID_MAX),
            required=True,
            min_items=2,
            max_items=batches.MAX_DATASETS,
            example=[1, 2, 3],
            description="The datasets (wafers) to analyse and overlap, each once",
        ),
        **{
            name: field
            for name, field in analysis_request.items()
            if name not in ("dataset_id", "by")
        },
    },
)
batch_member = ns.model(
    "BatchMember",
    {
        "id": fields.Integer(required=True, description="The analysis"),
        "dataset_id": fields.Integer(required=True),
        "status": fields.String(required=True, enum=[s.value for s in AnalysisStatus]),
        "progress": fields.Float(required=True),
        "error": NullableString(),
    },
)
aggregate_model = ns.clone(
    "BatchAggregate",
    results_model,
    {
        "dataset_ids": fields.List(fields.Integer, description="Datasets in the overlap"),
        "analysis_ids": fields.List(fields.Integer, description="Their analyses"),
    },
)
batch_model = ns.model(
    "AnalysisBatch",
    {
        "id": fields.Integer(required=True),
        "owner_id": fields.Integer(required=True),
        "status": fields.String(
            required=True,
            enum=[s.value for s in AnalysisStatus],
            attribute=lambda b: batches.status_of(b),
        ),
        "parameters": fields.Nested(parameters_model, required=True),
        "error": NullableString(description="Why it failed"),
        "created_at": fields.DateTime(required=True, dt_format="iso8601"),
        "finished_at": NullableDateTime(dt_format="iso8601"),
        "analyses": fields.List(fields.Nested(batch_member), required=True),
        "aggregate": NullableNested(
            aggregate_model,
            allow_null=True,
            description="The common window of the succeeded analyses (overlap across wafers)",
        ),
    },
)

history_args = pagination_parser()
history_args.add_argument(
    "dataset_id", type=bounded_int(1, ID_MAX), location="args", help="Dataset."
)
history_args.add_argument(
    "status", choices=[s.value for s in AnalysisStatus], location="args", help="Status."
)
history_args.add_argument(
    "created_after", type=iso_datetime, location="args", help="ISO 8601, inclusive."
)
history_args.add_argument(
    "created_before", type=iso_datetime, location="args", help="ISO 8601, exclusive."
)
history_args.add_argument(
    "owner_id", type=bounded_int(1, ID_MAX), location="args", help="Owner filter (admin only)."
)
sort_argument(history_args, list(analyses.ANALYSIS_SORTS), "-created_at")

compare_args = reqparse.RequestParser(bundle_errors=True)
compare_args.add_argument(
    "a", type=bounded_int(1, ID_MAX), required=True, location="args", help="Id."
)
compare_args.add_argument(
    "b", type=bounded_int(1, ID_MAX), required=True, location="args", help="Id."
)
compare_args.add_argument(
    "format",
    choices=["json", *PLOT_FORMATS],
    default="json",
    location="args",
    help="json (numbers and deltas) or an overlay image.",
)

comparison_side = ns.model(
    "ComparisonSide",
    {
        "id": fields.Integer(),
        "dataset_id": fields.Integer(),
        "parameters": fields.Nested(parameters_model),
        "best_focus": NullableFloat(),
        "dose_to_size": NullableFloat(),
        "max_el_pct": fields.Float(),
        "dof_at_zero_el": fields.Float(),
        "process_window": fields.List(fields.Nested(window_row)),
        "ed_window": fields.List(fields.Nested(ed_window_row)),
    },
)
delta_row = ns.model(
    "DofDelta",
    {
        "el_pct": fields.Float(),
        "a": NullableFloat(),
        "b": NullableFloat(),
        "delta": NullableFloat(description="b - a"),
    },
)
deltas_model = ns.model(
    "ComparisonDeltas",
    {
        "best_focus": NullableFloat(description="b - a, µm"),
        "dose_to_size": NullableFloat(description="b - a, mJ/cm²"),
        "max_el_pct": NullableFloat(description="b - a, %"),
        "dof_at_zero_el": NullableFloat(description="b - a, µm"),
        "dof_at_el": fields.List(fields.Nested(delta_row), description="Rectangle DOF per EL"),
    },
)
comparison_model = ns.model(
    "Comparison",
    {
        "a": fields.Nested(comparison_side),
        "b": fields.Nested(comparison_side),
        "deltas": fields.Nested(deltas_model),
    },
)


@ns.route("")
class AnalysisList(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.expect(history_args)
    @ns.marshal_with(history_page, description="One page of your analysis history")
    @documents_errors(ns, 400, 401, 403)
    def get(self):
        """History: your analyses (an admin: everyone's), filter by dataset, status, dates."""
        args = history_args.parse_args()
        page = analyses.list_analyses(
            current_user,
            args["page"],
            args["per_page"],
            dataset_id=args["dataset_id"],
            status=args["status"],
            created_after=args["created_after"],
            created_before=args["created_before"],
            owner_id=args["owner_id"],
            sort=args["sort"],
        )
        return page_body(page)

    @ns.doc(security="Bearer")
    @ns.expect(analysis_request, validate=True)
    @ns.marshal_with(analysis_model, code=202, description="Accepted; poll the Location")
    @documents_errors(ns, 400, 401, 403, 404, 415, 422)
    @writer_required
    def post(self):
        """Start an analysis of a dataset; 202 with the analysis and its Location."""
        analysis = analyses.create_analysis(current_user, request.get_json())
        location = url_for("analyses_analysis_item", analysis_id=analysis.id)
        return analysis, 202, {"Location": location}


def _json_response(document: bytes) -> Response:
    return Response(document, mimetype="application/json")


@ns.route(f"/<{ID_CONVERTER}:analysis_id>")
class AnalysisItem(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.response(200, "Status, progress and, once succeeded, results", analysis_model)
    @documents_errors(ns, 401, 404)
    def get(self, analysis_id: int):
        """One analysis: status (queued, running, succeeded, failed), progress and results.

        A succeeded analysis never changes: its document is cached as it is sent, so reading it
        again costs no database query beyond the token check.
        """
        document = analyses.cached_view(current_user, analysis_id)
        if document is None:
            analysis = analyses.get_analysis(current_user, analysis_id)
            document = json.dumps(ns.marshal(analysis, analysis_model)).encode() + b"\n"
            analyses.remember_view(analysis, document)
        return _json_response(document)

    @ns.doc(security="Bearer")
    @ns.response(204, "Deleted (cached results and plots dropped)")
    @documents_errors(ns, 401, 403, 404)
    @writer_required
    def delete(self, analysis_id: int):
        """Delete an analysis."""
        analyses.delete_analysis(current_user, analysis_id)
        return "", 204


@ns.route("/batch")
class BatchList(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.expect(batch_request, validate=True)
    @ns.marshal_with(batch_model, code=202, description="Accepted; poll the Location")
    @documents_errors(ns, 400, 401, 403, 404, 415, 422)
    @writer_required
    def post(self):
        """Analyse several datasets with one set of parameters, and overlap their windows.

        One analysis per dataset runs in parallel (a Celery chord); when all have finished, the
        aggregate is the common process window of those that succeeded (the engine's overlap
        across groups, each dataset a wafer). 202 with the batch and its Location.
        """
        batch = batches.create_batch(current_user, request.get_json())
        location = url_for("analyses_batch_item", batch_id=batch.id)
        return batch, 202, {"Location": location}


@ns.route(f"/batch/<{ID_CONVERTER}:batch_id>")
class BatchItem(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.marshal_with(batch_model, description="Status, member analyses and, once done, aggregate")
    @documents_errors(ns, 401, 404)
    def get(self, batch_id: int):
        """A batch: status, its analyses and the overlap of their windows once finished."""
        return batches.get_batch(current_user, batch_id)


def _image_response(image: reports.Image) -> Response:
    response = Response(image.content, mimetype=image.mimetype)
    response.set_etag(image.etag)
    # Private: results belong to one user. no-cache: revalidate with the ETag (cheap 304).
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


@ns.route(
    f"/<{ID_CONVERTER}:analysis_id>/plots/<any(bossung,'process-window','el-dof','cd-map'):kind>"
    ".<any(png,svg):fmt>"
)
@ns.param("kind", "Plot kind", enum=list(PLOT_KINDS))
@ns.param("fmt", "Image format", enum=list(PLOT_FORMATS))
class AnalysisPlot(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.produces(["image/png", "image/svg+xml", PROBLEM_MIMETYPE])
    @ns.response(200, "The plot (ETag; If-None-Match gives 304)")
    @ns.response(304, "Not modified")
    @documents_errors(ns, 401, 404, 409)
    def get(self, analysis_id: int, kind: str, fmt: str):
        """A plot of a succeeded analysis: bossung, process-window, el-dof or cd-map."""
        return _image_response(reports.plot(current_user, analysis_id, kind, fmt))


@ns.route(f"/<{ID_CONVERTER}:analysis_id>/report")
class AnalysisReport(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.produces(["text/html", PROBLEM_MIMETYPE])
    @ns.response(200, "A printable HTML report (no JavaScript)")
    @documents_errors(ns, 401, 404, 409)
    def get(self, analysis_id: int):
        """An HTML report with the plots and result tables, to print or mail."""
        html = reports.report_html(current_user, analysis_id)
        response = Response(html, mimetype="text/html")
        # The report needs nothing but its own inline styles and data: images.
        response.headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
        )
        return response


@ns.route("/compare")
class AnalysisCompare(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.expect(compare_args)
    @ns.produces(["application/json", "image/png", "image/svg+xml", PROBLEM_MIMETYPE])
    @ns.response(200, "Both analyses, their deltas (b - a) or an overlay image", comparison_model)
    @documents_errors(ns, 400, 401, 404, 409)
    def get(self):
        """Compare two analyses: both windows overlaid, and the deltas b - a.

        Deltas of best focus, dose-to-size, max EL, DOF at EL 0 and rectangle DOF at each EL;
        format=svg or png draws both ED windows with their DOF rectangles.
        """
        args = compare_args.parse_args()
        if args["format"] == "json":
            return ns.marshal(reports.compare(current_user, args["a"], args["b"]), comparison_model)
        return _image_response(
            reports.compare_image(current_user, args["a"], args["b"], args["format"])
        )
