"""Graded tests of ex04_request_id: accept safe IDs, replace unsafe ones, propagate everywhere."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, g

HINT = (
    "Validate with re.fullmatch (re.match with '$' lets a trailing newline through) and check "
    "the length; assign g.request_id in before_request and copy it onto the response in "
    "after_request."
)

HEX32 = re.compile(r"[0-9a-f]{32}")


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def make_app(ex) -> Flask:
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/id")
    def show_request_id():
        return {"request_id": g.request_id}

    @app.get("/boom")
    def boom():
        raise RuntimeError("reticle stage fault")

    ex.init_request_id(app)
    return app


@pytest.mark.points(2)
def test_safe_incoming_id_is_kept_on_g_and_echoed(ex):
    client = make_app(ex).test_client()
    for incoming in ("batch-2024.07_A", "a" * ex.MAX_LENGTH, "7"):
        response = client.get("/id", headers={ex.HEADER: incoming})
        assert response.headers[ex.HEADER] == incoming
        assert response.get_json() == {"request_id": incoming}


@pytest.mark.points(2)
def test_unsafe_incoming_id_is_replaced(ex):
    client = make_app(ex).test_client()
    unsafe = ("a" * (ex.MAX_LENGTH + 1), "", "two words", "<script>", "id;drop", "caf\u00e9")
    for incoming in unsafe:
        response = client.get("/id", headers={ex.HEADER: incoming})
        assigned = response.headers[ex.HEADER]
        assert HEX32.fullmatch(assigned), f"{incoming!r} was not replaced"
        assert response.get_json() == {"request_id": assigned}
    # A trailing newline cannot travel in a header, but it can reach the validator.
    assert ex.is_valid_request_id("abc\n") is False
    assert ex.is_valid_request_id("abc") is True


@pytest.mark.points(1)
def test_missing_id_is_generated_per_request_and_errors_carry_it(ex):
    client = make_app(ex).test_client()
    first = client.get("/id").headers[ex.HEADER]
    second = client.get("/id").headers[ex.HEADER]
    assert HEX32.fullmatch(first)
    assert HEX32.fullmatch(second)
    assert first != second
    assert client.get("/missing", headers={ex.HEADER: "r-404"}).headers[ex.HEADER] == "r-404"
    failed = client.get("/boom", headers={ex.HEADER: "r-500"})
    assert (failed.status_code, failed.headers[ex.HEADER]) == (500, "r-500")


@pytest.mark.points(2)
def test_filter_puts_the_id_on_every_record(ex):
    app = make_app(ex)
    records = Records()
    records.addFilter(ex.RequestIdFilter())
    logger = logging.getLogger("litho.test.request_id")
    logger.addHandler(records)
    logger.setLevel(logging.INFO)

    @app.get("/work")
    def work():
        logger.info("fitting Bossung curves")
        logger.info("from a worker", extra={"request_id": "job-7"})
        return {}

    try:
        app.test_client().get("/work", headers={ex.HEADER: "req-filter-1"})
        logger.info("outside any request")
    finally:
        logger.removeHandler(records)
    assert [r.request_id for r in records.records] == ["req-filter-1", "job-7", None]


@pytest.mark.points(1)
def test_outgoing_headers_propagate_the_id(ex):
    app = make_app(ex)
    sent = {"Accept": "application/json", "x-request-id": "stale"}

    @app.get("/call")
    def call_analysis_service():
        return ex.outgoing_headers(sent)

    body = app.test_client().get("/call", headers={ex.HEADER: "req-up-1"}).get_json()
    assert body == {"Accept": "application/json", ex.HEADER: "req-up-1"}
    assert sent == {"Accept": "application/json", "x-request-id": "stale"}
    assert ex.outgoing_headers({"Accept": "text/csv"}) == {"Accept": "text/csv"}
    assert ex.current_request_id() is None
