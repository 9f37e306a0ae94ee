"""Graded tests of ex03_json_logging: one JSON line per request, errors included, no secrets."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime, timedelta

import pytest
from flask import Flask, g

HINT = (
    "Configure python-json-logger's JsonFormatter (timestamp=True, rename levelname to level), "
    "then log from a teardown_request function with the status an after_request function "
    "stored on g: teardown also runs when the view raised."
)


@pytest.fixture
def log_stream(ex):
    """Where the request log of the test's app is written; the handler is removed afterwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    yield stream, handler
    logging.getLogger(ex.LOGGER_NAME).removeHandler(handler)


def make_app(*, propagate: bool = False) -> Flask:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = propagate

    @app.get("/wafers")
    def wafers():
        return {"items": []}

    @app.get("/boom")
    def boom():
        raise RuntimeError("focus stage lost")

    return app


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.points(2)
def test_one_json_line_per_request_with_the_fields(ex, log_stream):
    stream, handler = log_stream
    app = make_app()
    ex.init_request_logging(app, handler)
    client = app.test_client()
    client.get("/wafers?lot=L24-017", environ_base={"REMOTE_ADDR": "10.1.2.3"})

    [line] = lines(stream)
    assert line["message"] == "GET /wafers 200"
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/wafers"
    assert line["query"] == {"lot": ["L24-017"]}
    assert line["status"] == 200
    assert line["request_id"] is None
    assert line["remote_addr"] == "10.1.2.3"
    assert isinstance(line["duration_ms"], float | int)
    assert line["duration_ms"] >= 0
    stamp = datetime.fromisoformat(line["timestamp"])
    assert stamp.utcoffset() == timedelta(0)


@pytest.mark.points(2)
def test_handled_server_error_is_logged_as_error(ex, log_stream):
    stream, handler = log_stream
    app = make_app()
    ex.init_request_logging(app, handler)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    [line] = lines(stream)
    assert (line["status"], line["level"], line["message"]) == (500, "ERROR", "GET /boom 500")


@pytest.mark.points(1)
def test_exception_that_escapes_is_still_logged(ex, log_stream):
    stream, handler = log_stream
    app = make_app(propagate=True)
    ex.init_request_logging(app, handler)
    with pytest.raises(RuntimeError):
        app.test_client().get("/boom")
    [line] = lines(stream)
    assert (line["status"], line["level"], line["path"]) == (500, "ERROR", "/boom")


@pytest.mark.points(2)
def test_no_secrets_and_no_spoofed_address_in_the_log(ex, log_stream):
    stream, handler = log_stream
    app = make_app()
    ex.init_request_logging(app, handler)
    app.test_client().get(
        "/wafers?lot=L1&API_KEY=k-123456&token=t-abcdef&token=t-ghijkl",
        headers={"Authorization": "Bearer eyJ-secret-jwt", "X-Forwarded-For": "6.6.6.6"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    text = stream.getvalue()
    for secret in ("eyJ-secret-jwt", "k-123456", "t-abcdef", "t-ghijkl"):
        assert secret not in text
    [line] = lines(stream)
    assert line["query"] == {
        "lot": ["L1"],
        "API_KEY": [ex.REDACTED],
        "token": [ex.REDACTED, ex.REDACTED],
    }
    assert line["remote_addr"] == "10.1.2.3"


@pytest.mark.points(1)
def test_request_id_and_not_found_requests(ex, log_stream):
    stream, handler = log_stream
    app = make_app()

    @app.before_request
    def assign_request_id():
        g.request_id = "req-42"

    ex.init_request_logging(app, handler)
    client = app.test_client()
    client.get("/no-such-path")
    with app.test_request_context("/wafers"):
        pass  # a pushed context is not a request: nothing is logged
    [line] = lines(stream)
    assert (line["status"], line["request_id"], line["query"]) == (404, "req-42", {})
