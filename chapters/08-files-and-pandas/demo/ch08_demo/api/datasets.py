"""/datasets: upload (validated, stored whole or not at all), report, list, export, summarise."""

from __future__ import annotations

from flask import Response, current_app, request, send_file
from flask_restx import Namespace, Resource, abort, fields
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ch08_demo.errors import problem_model
from ch08_demo.extensions import db
from ch08_demo.services import conditions, export, validation
from ch08_demo.services import datasets as dataset_service

ns = Namespace("datasets", description="FEM CSV uploads and what can be done with them")
ns.models[problem_model.name] = problem_model

# Documents the two ways to send a file; the handler reads the body itself (see upload_source).
upload_parser = ns.parser()
upload_parser.add_argument("file", location="files", type=FileStorage,
                           help="The CSV, as multipart/form-data (what Swagger UI sends)")
upload_parser.add_argument("filename", location="args",
                           help="The file's name when the body is the raw CSV (text/csv)")

problem_item = ns.model("RowProblem", {
    "row": fields.Integer(description="File line: the header is row 1", example=7),
    "column": fields.String(example="Dose"),
    "problem": fields.String(example="not_a_number"),
    "message": fields.String(example="Dose 'abc' is not a number"),
})
report_model = ns.model("ValidationReport", {
    "valid": fields.Boolean,
    "rows": fields.Integer(description="Data rows read"),
    "errors": fields.List(fields.Nested(problem_item)),
    "warnings": fields.List(fields.Nested(problem_item)),
})
dataset_model = ns.model("Dataset", {
    "id": fields.Integer,
    "original_name": fields.String(example="fem_lot7_w03.csv"),
    "stored_name": fields.String(description="The server's name for the file"),
    "size_bytes": fields.Integer,
    "sha256": fields.String,
    "rows": fields.Integer,
    "created_at": fields.DateTime,
})
stored_model = ns.clone("StoredDataset", dataset_model, {
    "warnings": fields.List(fields.Nested(problem_item)),
})
condition_model = ns.model("Condition", {
    "dose": fields.Float(example=24.0),
    "focus": fields.Float(example=0.0),
    "points": fields.Integer(example=3),
    "mean_cd": fields.Float(example=45.1),
    "min_cd": fields.Float(example=44.7),
    "max_cd": fields.Float(example=45.6),
})


def upload_source():
    """(stream, name) of the upload: a multipart ``file`` part, or the raw request body."""
    if request.mimetype == "multipart/form-data":
        part = request.files.get("file")
        if part is None:
            abort(400, "send the CSV in a form field named 'file', or as the raw body")
        return part.stream, part.filename
    return request.stream, request.args.get("filename")


def settings():
    return current_app.config["UPLOAD_DIR"], current_app.config["MAX_UPLOAD_BYTES"]


@ns.route("/")
class DatasetList(Resource):
    @ns.marshal_list_with(dataset_model)
    def get(self):
        """Every stored dataset, oldest first."""
        return dataset_service.list_datasets(db.session)

    @ns.expect(upload_parser)
    @ns.response(201, "Stored", stored_model)
    @ns.response(400, "Empty upload or no file part", problem_model)
    @ns.response(413, "Larger than MAX_UPLOAD_BYTES", problem_model)
    @ns.response(415, "Not a UTF-8 CSV, whatever its name", problem_model)
    @ns.response(422, "Row-level problems (in errors[]), or an unparsable file", problem_model)
    def post(self):
        """Upload a FEM CSV: stored under a server-chosen name only if every row is valid."""
        stream, name = upload_source()
        upload_dir, max_bytes = settings()
        dataset, report = dataset_service.ingest(
            db.session, stream, display_name(name), upload_dir, max_bytes
        )
        body = ns.marshal(dataset, stored_model)
        body["warnings"] = report.as_dict()["warnings"]
        return body, 201, {"Location": self.api.url_for(DatasetItem, dataset_id=dataset.id)}


@ns.route("/validate")
class DatasetCheck(Resource):
    @ns.expect(upload_parser)
    @ns.marshal_with(report_model)
    @ns.response(413, "Larger than MAX_UPLOAD_BYTES", problem_model)
    @ns.response(415, "Not a CSV", problem_model)
    def post(self):
        """The row-level validation report of a file, storing nothing."""
        stream, _ = upload_source()
        upload_dir, max_bytes = settings()
        return dataset_service.check(stream, upload_dir, max_bytes).as_dict()


@ns.route("/<int:dataset_id>")
@ns.response(404, "No such dataset", problem_model)
class DatasetItem(Resource):
    @ns.marshal_with(dataset_model)
    def get(self, dataset_id: int):
        """One dataset's record."""
        return dataset_service.get_dataset(db.session, dataset_id)

    @ns.response(204, "Deleted: the row, then the file")
    def delete(self, dataset_id: int):
        """Delete a dataset and its file."""
        dataset_service.delete_dataset(db.session, settings()[0], dataset_id)
        return "", 204


@ns.route("/<int:dataset_id>/export")
@ns.response(404, "No such dataset", problem_model)
class DatasetExport(Resource):
    @ns.doc(params={"format": {"enum": list(export.MEDIA_TYPES), "default": "csv",
                               "description": "csv is streamed as encoded; parquet is spooled"}})
    @ns.produces(list(export.MEDIA_TYPES.values()))
    @ns.response(400, "Unknown format", problem_model)
    def get(self, dataset_id: int):
        """The validated rows with canonical column names, read back chunk by chunk."""
        fmt = request.args.get("format", "csv")
        if fmt not in export.MEDIA_TYPES:
            abort(400, f"format must be one of {', '.join(export.MEDIA_TYPES)}")
        dataset = dataset_service.get_dataset(db.session, dataset_id)
        path = settings()[0] / dataset.stored_name
        batches = validation.read_clean(path, current_app.config["READ_CHUNK_ROWS"])
        stem = dataset.original_name.rsplit(".", 1)[0] or f"dataset-{dataset.id}"
        if fmt == "parquet":
            return send_file(export.parquet_file(batches), mimetype=export.MEDIA_TYPES[fmt],
                             as_attachment=True, download_name=f"{stem}.parquet")
        response = Response(export.csv_chunks(batches), content_type=export.MEDIA_TYPES[fmt])
        response.headers.set("Content-Disposition", "attachment", filename=f"{stem}.csv")
        return response


@ns.route("/<int:dataset_id>/conditions")
@ns.response(404, "No such dataset", problem_model)
class DatasetConditions(Resource):
    @ns.marshal_list_with(condition_model)
    def get(self, dataset_id: int):
        """Points, mean, min and max CD per (dose, focus), computed over chunks of the file."""
        dataset = dataset_service.get_dataset(db.session, dataset_id)
        path = settings()[0] / dataset.stored_name
        chunks = validation.read_clean(path, current_app.config["READ_CHUNK_ROWS"])
        return conditions.summarise(chunks).to_dict("records")


def display_name(name: str | None) -> str:
    """The client's name, for display only: never a path on the server."""
    return secure_filename(name or "") or "upload.csv"
