"""Graded: ex01_error_handlers, the exception hierarchy and the global handlers."""

import logging
import re

import pytest
from flask import Flask, abort
from flask_restx import Namespace, Resource

HINT = (
    "Register three handlers with app.register_error_handler: PlatformError, HTTPException and "
    "Exception (Flask picks the most specific). Build every body in one function, set "
    "response.mimetype to application/problem+json, and assign the request ID before_request."
)

HEX32 = re.compile(r"[0-9a-f]{32}")


def build_app(ex, *, testing: bool = False) -> Flask:
    """A plain app whose routes raise what the tests need, plus a restx namespace."""
    app = Flask("ch05_ex01")
    app.config.update(TESTING=testing, DEBUG=False, MAX_CONTENT_LENGTH=1024)

    @app.get("/runs/<int:run_id>")
    def get_run(run_id):
        raise ex.RunNotFound(f"FEM run {run_id} not found", run_id=run_id, status=200)

    @app.post("/runs")
    def create_run():
        raise ex.RunConflict("wafer W01 already has a run")

    @app.post("/analyses")
    def analyse():
        raise ex.AnalysisUnavailable("the fitting workers are busy", retry_after=30)

    @app.post("/upload")
    def upload():
        from flask import request

        request.get_data()
        return "stored"

    @app.get("/crash")
    def crash():
        raise RuntimeError("dsn=postgresql://admin:hunter2@db/litho")

    @app.get("/teapot")
    def teapot():
        abort(418)

    @app.get("/ok")
    def ok():
        return {"ok": True}

    api = ex.ProblemApi(app, doc=False)
    ns = Namespace("api", path="/api")

    @ns.route("/runs/<int:run_id>")
    class Run(Resource):
        def get(self, run_id):
            raise ex.RunNotFound(f"FEM run {run_id} not found")

    @ns.route("/crash")
    class Crash(Resource):
        def get(self):
            raise KeyError("secret_column")

    api.add_namespace(ns)
    ex.register_error_handlers(app)
    return app


@pytest.mark.points(3)
def test_platform_error_is_a_problem_with_its_type_and_extensions(ex, problem):
    client = build_app(ex).test_client()
    response = client.get("/runs/7")

    body = problem(response, 404)
    assert body["type"] == "https://litho.example/problems/run-not-found", body
    assert body["title"] == "FEM run not found", body
    assert body["detail"] == "FEM run 7 not found", body
    assert body["instance"] == "/runs/7", body
    assert body["run_id"] == 7, "keyword arguments become extension members"
    assert body["status"] == 404, "an extension never overrides a standard member"
    conflict = problem(client.post("/runs"), 409)
    assert conflict["type"].endswith("/run-conflict"), conflict
    assert conflict["title"] == "FEM run already stored", conflict


@pytest.mark.points(1)
def test_unavailable_sends_retry_after(ex, problem):
    response = build_app(ex).test_client().post("/analyses")

    body = problem(response, 503)
    assert response.headers.get("Retry-After") == "30", dict(response.headers)
    assert body["retry_after"] == 30, body
    assert body["type"].endswith("/analysis-unavailable"), body


@pytest.mark.points(2)
@pytest.mark.parametrize("testing", [False, True], ids=["production", "testing"])
def test_a_bug_is_a_500_without_internals_and_logged(ex, problem, caplog, testing):
    client = build_app(ex, testing=testing).test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get("/crash", headers={"X-Request-ID": "trace-42"})

    body = problem(response, 500)
    text = response.get_data(as_text=True)
    for leak in ("hunter2", "postgresql", "Traceback", "RuntimeError", "File "):
        assert leak not in text, f"GET /crash (TESTING={testing}) leaks {leak!r}: {text}"
    assert body["detail"] == ex.INTERNAL_DETAIL, body
    assert body["title"] == ex.PlatformError.title, body
    assert body["type"] == "https://litho.example/problems/internal-error", body
    assert set(body) == {"type", "title", "status", "detail", "instance", "request_id"}, body
    assert body["request_id"] == "trace-42", body
    records = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert records, "the traceback must be logged (logger.error with exc_info)"
    assert "trace-42" in records[-1].getMessage(), "the log line names the request ID"
    assert "hunter2" in caplog.text, "the log keeps what the response hides"


@pytest.mark.points(2)
def test_request_id_kept_when_plain_and_generated_otherwise(ex, problem):
    client = build_app(ex).test_client()

    kept = problem(client.get("/runs/1", headers={"X-Request-ID": "edge-01.a_b"}), 404)
    assert kept["request_id"] == "edge-01.a_b"
    assert client.get("/ok", headers={"X-Request-ID": "edge-02"}).headers["X-Request-ID"] == (
        "edge-02"
    ), "successful responses carry the ID too"
    for bad in ("has space", "x" * 129, "ab;cd", "line\tbreak", "évian", ""):
        body = problem(client.get("/runs/1", headers={"X-Request-ID": bad}), 404)
        got = body["request_id"]
        assert HEX32.fullmatch(got), f"X-Request-ID {bad!r} -> {got!r}"
    assert client.get("/ok", headers={"X-Request-ID": "x" * 128}).headers["X-Request-ID"] == (
        "x" * 128
    )
    first, second = client.get("/ok"), client.get("/ok")
    assert HEX32.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


@pytest.mark.points(2)
def test_http_exceptions_share_the_shape(ex, problem):
    client = build_app(ex).test_client()

    missing = problem(client.get("/no-such-url"), 404)
    assert missing["type"] == "about:blank", missing
    assert missing["title"] == "Not Found", missing
    assert missing["instance"] == "/no-such-url"
    not_allowed = client.delete("/ok")
    problem(not_allowed, 405)
    assert "GET" in not_allowed.headers.get("Allow", ""), "a 405 keeps its Allow header"
    too_large = problem(client.post("/upload", data=b"x" * 2048), 413)
    assert too_large["title"] == "Request Entity Too Large", too_large
    teapot = problem(client.get("/teapot"), 418)
    assert teapot["title"] == "I'm a Teapot", teapot
    assert teapot["detail"], teapot


@pytest.mark.points(1)
@pytest.mark.parametrize("testing", [False, True], ids=["production", "testing"])
def test_restx_routes_use_the_same_handlers(ex, problem, testing):
    client = build_app(ex, testing=testing).test_client()

    body = problem(client.get("/api/runs/3"), 404)
    assert body["type"].endswith("/run-not-found"), body
    assert "message" not in body, body
    crash = client.get("/api/crash")
    problem(crash, 500)
    assert "secret_column" not in crash.get_data(as_text=True)
