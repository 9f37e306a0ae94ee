"""/api/v1/datasets: upload, generate, list, inspect, download and delete FEM datasets."""

from __future__ import annotations

from flask import Response, request, stream_with_context
from flask_jwt_extended import current_user
from flask_restx import Namespace, fields, reqparse
from werkzeug.datastructures import FileStorage

from litho_platform.api.common import (
    ID_CONVERTER,
    ID_MAX,
    AuthenticatedResource,
    NullableRaw,
    bounded_int,
    bounded_text,
    documents_errors,
    page_body,
    page_of,
    pagination_parser,
    sort_argument,
    writer_required,
)
from litho_platform.errors import PROBLEM_MIMETYPE, UnsupportedMediaTypeError
from litho_platform.services import datasets, mock_data

ns = Namespace("datasets", description="FEM datasets: upload (CSV/Parquet), mock, list, download")

range_pair = fields.List(fields.Float, min_items=2, max_items=2)

summary_model = ns.model(
    "DatasetSummary",
    {
        "points": fields.Integer(description="Measured points after cleaning"),
        "source_rows": fields.Integer(description="Data rows in the uploaded file"),
        "conditions": fields.Integer(description="Distinct (dose, focus) pairs"),
        "doses": fields.Integer(),
        "foci": fields.Integer(),
        "dose_range": range_pair,
        "focus_range": range_pair,
        "cd_range": range_pair,
        "duplicates_averaged": fields.Integer(),
        "dropped_missing_cd": fields.Integer(),
        "columns": fields.List(fields.String, description="Canonical columns present"),
        "groups": fields.Raw(description="Distinct values per grouping column, e.g. {'field': 4}"),
        "warnings": fields.List(fields.String),
        "mock_truth": NullableRaw(description="Generator parameters and answers (mock datasets)"),
    },
)

dataset_model = ns.model(
    "Dataset",
    {
        "id": fields.Integer(required=True),
        "owner_id": fields.Integer(required=True),
        "name": fields.String(required=True, description="Display name"),
        "filename": fields.String(required=True, description="Sanitised file name"),
        "file_format": fields.String(required=True, enum=["csv", "parquet"]),
        "size_bytes": fields.Integer(required=True, description="Size of the uploaded file"),
        "sha256": fields.String(required=True, description="SHA-256 of the uploaded file"),
        "points": fields.Integer(required=True),
        "source": fields.String(required=True, enum=["upload", "mock"]),
        "created_at": fields.DateTime(required=True, dt_format="iso8601"),
        "summary": fields.Nested(summary_model, required=True),
    },
)

dataset_page = page_of(ns, "DatasetPage", dataset_model)

upload_args = reqparse.RequestParser(bundle_errors=True)
upload_args.add_argument(
    "file", type=FileStorage, location="files", required=True, help="A .csv or .parquet file."
)
upload_args.add_argument(
    "name", type=bounded_text(200), location="form", help="Display name (default: file name)."
)

list_args = pagination_parser()
list_args.add_argument(
    "q", type=bounded_text(100), location="args", help="Case-insensitive name substring."
)
list_args.add_argument("source", choices=["upload", "mock"], location="args", help="Origin.")
list_args.add_argument(
    "owner_id", type=bounded_int(1, ID_MAX), location="args", help="Owner filter (admin only)."
)
sort_argument(list_args, list(datasets.DATASET_SORTS), "-created_at")

mock_request = ns.model(
    "MockRequest",
    {
        "name": fields.String(max_length=200, example="mock FEM, 4 fields"),
        "doses": fields.List(
            fields.Float(min=0.1, max=1000),
            min_items=2,
            max_items=101,
            description="Doses, mJ/cm² (default 17 from 20 to 28)",
        ),
        "foci": fields.List(
            fields.Float(min=-10, max=10),
            min_items=3,
            max_items=101,
            description="Focus values, µm (default 9 from -0.4 to 0.4)",
        ),
        "target_cd": fields.Float(min=1, max=1000, description="c0 = target CD, nm (45)"),
        "e0": fields.Float(min=0.1, max=1000, description="Dose printing c0, mJ/cm² (24)"),
        "beta": fields.Float(min=0, max=10000, description="nm per unit ln dose (45)"),
        "alpha": fields.Float(min=-10000, max=10000, description="Bossung curvature, nm/µm² (120)"),
        "f0": fields.Float(min=-10, max=10, description="Best focus, µm (0)"),
        "isofocal_tilt": fields.Float(min=-10000, max=10000, description="nm/µm² per ln dose"),
        "quartic": fields.Float(min=-100000, max=100000, description="nm/µm⁴"),
        "fields": fields.Integer(min=1, max=50, description="Fields per wafer (1)"),
        "field_focus_offsets": fields.List(
            fields.Float(min=-10, max=10), max_items=50, description="One per field, µm"
        ),
        "wafers": fields.Integer(min=1, max=25),
        "repeats": fields.Integer(min=1, max=10),
        "noise_sigma": fields.Float(min=0, max=100, description="Gaussian CD noise, nm"),
        "missing_fraction": fields.Float(min=0, max=0.9),
        "outlier_fraction": fields.Float(min=0, max=0.5),
        "die_coordinates": fields.Boolean(description="Add X and Y die positions, mm"),
        "seed": fields.Integer(min=0, max=2**32 - 1, description="Random seed (0)"),
    },
)


@ns.route("")
class DatasetList(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.expect(list_args)
    @ns.marshal_with(dataset_page, description="One page of datasets")
    @documents_errors(ns, 400, 401, 403)
    def get(self):
        """Your datasets (an admin sees all): paginated, filter by name, source, owner; sort."""
        args = list_args.parse_args()
        page = datasets.list_datasets(
            current_user,
            args["page"],
            args["per_page"],
            q=args["q"],
            source=args["source"],
            owner_id=args["owner_id"],
            sort=args["sort"],
        )
        return page_body(page)

    @ns.doc(security="Bearer", consumes=["multipart/form-data"])
    @ns.expect(upload_args)
    @ns.marshal_with(dataset_model, code=201, description="Validated and stored")
    @documents_errors(ns, 400, 401, 403, 413, 415, 422)
    @writer_required
    def post(self):
        """Upload a FEM file (CSV or Parquet) in the multipart field 'file'.

        The file is validated by the engine; a file with problems is refused (422, every problem
        with its spreadsheet row) and nothing is stored.
        """
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaTypeError(
                "Send the file as multipart/form-data in the field 'file'.",
                code="multipart_required",
            )
        args = upload_args.parse_args()
        return datasets.create_from_upload(current_user, args["file"], args["name"]), 201


@ns.route("/mock")
class MockDataset(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.expect(mock_request, validate=True)
    @ns.marshal_with(dataset_model, code=201, description="Generated, validated and stored")
    @documents_errors(ns, 400, 401, 403, 415, 422)
    @writer_required
    def post(self):
        """Generate a dataset with known truth and store it.

        The generator is the engine's: CD = c0 - beta*ln(E/e0) + (alpha + tilt*ln(E/e0))*(F - f0)^2
        (+ a quartic term, per-field focus offsets, noise, missing points, outliers); the truth
        comes back in summary.mock_truth.
        """
        return mock_data.create_mock_dataset(current_user, request.get_json()), 201


@ns.route(f"/<{ID_CONVERTER}:dataset_id>")
class DatasetItem(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.marshal_with(dataset_model, description="Metadata and data summary")
    @documents_errors(ns, 401, 404)
    def get(self, dataset_id: int):
        """One dataset: metadata and data summary."""
        return datasets.get_dataset(current_user, dataset_id)

    @ns.doc(security="Bearer")
    @ns.response(204, "Deleted, with its analyses")
    @documents_errors(ns, 401, 403, 404)
    @writer_required
    def delete(self, dataset_id: int):
        """Delete a dataset, its file and its analyses."""
        datasets.delete_dataset(current_user, dataset_id)
        return "", 204


@ns.route(f"/<{ID_CONVERTER}:dataset_id>/data")
class DatasetData(AuthenticatedResource):
    @ns.doc(security="Bearer")
    @ns.produces(["text/csv", PROBLEM_MIMETYPE])
    @ns.response(200, "The cleaned table as CSV (canonical column names)")
    @documents_errors(ns, 401, 404)
    def get(self, dataset_id: int):
        """Download the validated table as CSV.

        Text cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
        """
        dataset = datasets.get_dataset(current_user, dataset_id)
        filename = dataset.filename.rsplit(".", 1)[0] + ".csv"
        return Response(
            stream_with_context(datasets.export_csv(dataset)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
