"""/jobs: submit an analysis job (idempotently, with a key), list jobs, read one's status."""

from __future__ import annotations

import re

from flask import current_app, request
from flask_restx import Namespace, Resource, abort, fields

from ch07_demo.errors import problem_model
from ch07_demo.extensions import db
from ch07_demo.services import jobs as job_service

ns = Namespace("jobs", description="Wafer analysis jobs run by Celery")
ns.models[problem_model.name] = problem_model

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_WAFERS = 50

job_in = ns.model("JobIn", {
    "wafer_ids": fields.List(
        fields.String(pattern=r"^L\d{2}-\d{4}-W\d{2}$", example="L24-0117-W01"),
        required=True, min_items=1, max_items=MAX_WAFERS, unique=True,
        description="Wafers of lots L24-0117, L24-0118, L24-0121, slots W01-W25",
    ),
    "target_cd_nm": fields.Float(required=True, min=1, max=1000, example=45.0),
    "tolerance_pct": fields.Float(required=True, min=0.1, max=50, example=10.0),
    "step_ms": fields.Integer(min=0, max=5000, default=0, example=0,
                              description="Simulated metrology time per wafer, ms"),
}, strict=True)

progress = ns.model("Progress", {
    "done": fields.Integer, "total": fields.Integer, "percent": fields.Float,
})
error = ns.model("JobError", {"type": fields.String, "message": fields.String})

job_out = ns.model("Job", {
    "id": fields.String(description="Job id, also the Celery task id"),
    "state": fields.String(enum=["PENDING", "STARTED", "PROGRESS", "RETRY", "SUCCESS", "FAILURE"]),
    "created_at": fields.DateTime,
    "request": fields.Raw(description="What was submitted"),
    "progress": fields.Nested(progress),
    "result": fields.Raw(description="Per-wafer summaries and the pooled in-spec fraction"),
    "error": fields.Nested(error, allow_null=True),
})

KEY_HEADER = {"Idempotency-Key": {
    "in": "header", "type": "string",
    "description": "Repeat a submission safely: the same key returns the same job (1-64 of "
                   "A-Z a-z 0-9 . _ : -)",
}}


def status_of(job):
    return job_service.job_status(job, current_app.extensions["celery"].AsyncResult(job.id))


@ns.route("/")
class JobList(Resource):
    @ns.marshal_list_with(job_out)
    def get(self):
        """The 20 most recent jobs with their state."""
        return [status_of(job) for job in job_service.recent_jobs(db.session)]

    @ns.doc(params=KEY_HEADER)
    @ns.expect(job_in, validate=True)
    @ns.marshal_with(job_out, code=202)
    @ns.response(200, "Already submitted with this Idempotency-Key: the same job", job_out)
    @ns.response(400, "Invalid payload, key or wafer: nothing submitted", problem_model)
    @ns.response(409, "Key used for a different request: nothing submitted", problem_model)
    def post(self):
        """Submit a job; 202 with its Location, where its progress and result appear."""
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            abort(400, "Idempotency-Key must be 1-64 characters of A-Z a-z 0-9 . _ : -")
        payload = {"step_ms": 0, **ns.payload}
        task = current_app.extensions["celery"].tasks["ch07.analyse_wafers"]
        job, created = job_service.submit_job(
            db.session, payload, key,
            # The job id is the task id: the status API finds the state without a lookup table.
            send=lambda job_id: task.apply_async(args=(job_id,), task_id=job_id),
        )
        location = {"Location": self.api.url_for(JobItem, job_id=job.id)}
        return status_of(job), 202 if created else 200, location


@ns.route("/<string:job_id>")
@ns.response(404, "No such job", problem_model)
class JobItem(Resource):
    @ns.marshal_with(job_out)
    def get(self, job_id: str):
        """The job's state: PENDING, STARTED, PROGRESS, RETRY, SUCCESS or FAILURE."""
        return status_of(job_service.get_job(db.session, job_id))
