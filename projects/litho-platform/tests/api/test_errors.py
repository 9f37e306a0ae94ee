"""One error shape for every error, with TESTING on and off (the flask-restx handle_error trap),
request IDs and one JSON log line per request."""

from __future__ import annotations

import json
import logging

import pytest

from litho_platform.observability import json_handler
from litho_platform.services import datasets as dataset_service
from litho_platform.services import users

TESTING_MODES = [pytest.param(True, id="testing-on"), pytest.param(False, id="testing-off")]


@pytest.fixture(params=TESTING_MODES)
def any_mode_client(request, make_app):
    return make_app(TESTING=request.param).test_client()


def test_unknown_url_is_a_problem(any_mode_client, problem):
    problem(any_mode_client.get("/api/v1/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_with_allow(any_mode_client, problem):
    response = any_mode_client.delete("/api/v1/auth/register")
    problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_malformed_json_is_400(any_mode_client, problem):
    response = any_mode_client.post(
        "/api/v1/auth/register", data="{not json", content_type="application/json"
    )
    problem(response, 400)


def test_non_json_body_is_415(any_mode_client, problem):
    response = any_mode_client.post(
        "/api/v1/auth/login", data="username=a", content_type="text/plain"
    )
    problem(response, 415)


def test_schema_violation_lists_fields(any_mode_client, problem):
    response = any_mode_client.post("/api/v1/auth/register", json={"username": "someone"})
    body = problem(response, 400, "validation_failed")
    assert {item["field"] for item in body["errors"]} >= {"email", "password"}


def test_jwt_failure_is_401_problem_not_500(any_mode_client, problem):
    # Without PROPAGATE_EXCEPTIONS handling, restx turns this into a 500 when TESTING is off.
    response = any_mode_client.get("/api/v1/auth/me", headers={"Authorization": "Bearer x.y.z"})
    problem(response, 401, "token_invalid")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("testing", TESTING_MODES)
def test_unexpected_exception_is_a_500_problem_without_internals(
    make_app, problem, monkeypatch, testing
):
    app = make_app(TESTING=testing)
    client = app.test_client()
    with app.app_context():
        users.register("crasher", "crasher@fab.example", "Reticle-Bossung-42")
    token = client.post(
        "/api/v1/auth/login", json={"username": "crasher", "password": "Reticle-Bossung-42"}
    ).json["access_token"]

    def explode(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(dataset_service, "list_datasets", explode)
    response = client.get("/api/v1/datasets", headers={"Authorization": f"Bearer {token}"})
    body = problem(response, 500, "internal_server_error")
    assert "secret" not in response.get_data(as_text=True)
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_propagate_exceptions_is_explicit(app):
    assert app.config["PROPAGATE_EXCEPTIONS"] is False


def test_request_id_is_echoed_when_valid(client):
    response = client.get("/health/live", headers={"X-Request-ID": "trace-123.abc"})
    assert response.headers["X-Request-ID"] == "trace-123.abc"


@pytest.mark.parametrize("bad", ["has space", "x" * 200, "tab\there", "<script>"])
def test_invalid_request_id_is_replaced(client, bad):
    response = client.get("/health/live", headers={"X-Request-ID": bad})
    assert response.headers["X-Request-ID"] != bad
    assert len(response.headers["X-Request-ID"]) == 32


def test_problem_carries_the_request_id(client, problem):
    response = client.get("/nowhere", headers={"X-Request-ID": "req-42"})
    assert problem(response, 404)["request_id"] == "req-42"


def test_one_json_log_line_per_request(client, caplog):
    with caplog.at_level(logging.INFO, logger="litho_platform.request"):
        client.get("/health/live", headers={"X-Request-ID": "log-me"})
    records = [r for r in caplog.records if r.name == "litho_platform.request"]
    assert len(records) == 1
    assert json_handler in logging.getLogger("litho_platform").handlers
    line = json_handler.format(records[0])
    assert "\n" not in line
    logged = json.loads(line)
    assert logged["message"] == "request"
    assert (logged["request_id"], logged["method"], logged["path"], logged["status"]) == (
        "log-me",
        "GET",
        "/health/live",
        200,
    )
    assert logged["duration_ms"] >= 0
    assert logged["level"] == "INFO"


def test_with_request_log_server_the_access_log_has_the_line(make_app, caplog):
    app = make_app(REQUEST_LOG="server")
    seen = []
    serve = app.wsgi_app
    app.wsgi_app = lambda environ, start_response: seen.append(environ) or serve(
        environ, start_response
    )
    client = app.test_client()
    with app.app_context():
        user_id = users.register("loggedout", "lo@fab.example", "Reticle-Bossung-42").id
    token = client.post(
        "/api/v1/auth/login", json={"username": "loggedout", "password": "Reticle-Bossung-42"}
    ).json["access_token"]
    with caplog.at_level(logging.INFO, logger="litho_platform.request"):
        response = client.get(
            "/api/v1/auth/me",
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": "srv-1"},
        )
    assert response.status_code == 200
    assert [r for r in caplog.records if r.name == "litho_platform.request"] == []
    # What the server's access line needs: the request id in the answer, the user in the environ.
    assert response.headers["X-Request-ID"] == "srv-1"
    assert seen[-1]["litho.user_id"] == user_id
