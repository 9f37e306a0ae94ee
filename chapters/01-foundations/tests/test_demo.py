"""Tests of the chapter 01 demo (not graded): what the README says it does, it does."""

from __future__ import annotations

import json
import logging
import re
import threading

import pytest

from ch01_demo import create_app
from ch01_demo.config import DEV_SECRET_KEY, ConfigError, config_from_env
from ch01_demo.request_log import json_formatter

V1 = "application/vnd.litho.v1+json"
V2 = "application/vnd.litho.v2+json"


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def access_log():
    """The records of the demo's request log, captured beside its JSON handler."""
    records = Records()
    logger = logging.getLogger("ch01_demo.request")
    logger.addHandler(records)
    yield records.records
    logger.removeHandler(records)


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert (body["type"], body["status"]) == ("about:blank", status)
    return body


# --- Swagger -----------------------------------------------------------------------------------


def test_swagger_ui_and_spec_are_served(client):
    assert client.get("/swagger").status_code == 200
    spec = client.get("/swagger.json")
    assert spec.status_code == 200
    paths = spec.get_json()["paths"]
    for path in (
        "/api/v1/wafers",
        "/api/v1/wafers/{wafer_id}",
        "/api/v2/wafers",
        "/api/wafers/{wafer_id}",
        "/health/live",
        "/health/ready",
    ):
        assert path in paths
    assert paths["/api/v1/wafers"]["get"]["deprecated"] is True


# --- URL versioning ----------------------------------------------------------------------------


def test_v1_lists_wafers_as_a_bare_array_and_announces_deprecation(client):
    response = client.get("/api/v1/wafers")
    assert response.get_json() == [
        {"id": "FEM-01", "lot": "L24-017", "layer": "M1"},
        {"id": "FEM-02", "lot": "L24-017", "layer": "M1"},
    ]
    assert response.headers["Deprecation"] == "@1767225600"  # 2026-01-01T00:00:00Z
    assert response.headers["Sunset"] == "Wed, 30 Jun 2027 23:59:59 GMT"
    assert response.headers["Link"] == '</api/v2/wafers>; rel="successor-version"'


def test_v2_wraps_the_list_and_names_units(client):
    listing = client.get("/api/v2/wafers")
    assert listing.get_json()["count"] == 2
    assert listing.get_json()["items"][0] == {"id": "FEM-01", "lot_id": "L24-017", "layer": "M1"}
    assert "Deprecation" not in listing.headers

    wafer = client.get("/api/v2/wafers/FEM-01").get_json()
    assert len(wafer["measurements"]) == 25
    # Field 1: 20 mJ/cm², -0.2 µm; best focus 0.02 µm.
    # 45 - 45·ln(20/24) - 120·(-0.22)² = 45 + 8.204 - 5.808 = 47.40 nm
    assert wafer["measurements"][0] == {
        "field": 1,
        "dose_mj_cm2": 20.0,
        "focus_um": -0.2,
        "cd_nm": 47.4,
    }
    # Field 13: 24 mJ/cm² (the reference dose) at 0.0 µm: 45 - 120·(0.02)² = 44.95 nm
    assert wafer["measurements"][12]["cd_nm"] == 44.95


def test_v1_detail_keeps_the_old_field_names(client):
    wafer = client.get("/api/v1/wafers/FEM-02").get_json()
    assert wafer["lot"] == "L24-017"
    # Field 3: 20 mJ/cm² at 0.0 µm, best focus -0.03: 45 + 8.204 - 120·0.03² = 53.10 nm
    assert wafer["measurements"][2] == {"field": 3, "dose": 20.0, "focus": 0.0, "cd": 53.1}


def test_unknown_wafer_is_a_problem_document(client):
    body = assert_problem(client.get("/api/v2/wafers/FEM-99"), 404)
    assert body["detail"] == "no wafer 'FEM-99'"
    assert body["title"] == "Not Found"


# --- Header versioning -------------------------------------------------------------------------


def test_header_versioning_picks_the_representation(client):
    by_header = client.get("/api/wafers", headers={"API-Version": "1"})
    assert by_header.get_json()[0] == {"id": "FEM-01", "lot": "L24-017", "layer": "M1"}
    assert by_header.headers["Deprecation"] == "@1767225600"
    assert by_header.mimetype == "application/json"

    by_accept = client.get("/api/wafers/FEM-01", headers={"Accept": V2})
    assert by_accept.mimetype == V2
    assert "cd_nm" in by_accept.get_json()["measurements"][0]

    default = client.get("/api/wafers")
    assert default.get_json()["count"] == 2
    for response in (by_header, by_accept, default):
        assert set(response.vary) == {"Accept", "API-Version"}


def test_header_versioning_refuses_unknown_and_contradictory_versions(client):
    body = assert_problem(client.get("/api/wafers", headers={"API-Version": "3"}), 406)
    assert "supported: 1, 2" in body["detail"]
    assert_problem(
        client.get("/api/wafers", headers={"Accept": "application/vnd.litho.v7+json"}), 406
    )
    assert_problem(client.get("/api/wafers", headers={"API-Version": "1", "Accept": V2}), 400)


def test_accept_quality_values_are_honoured(client):
    response = client.get("/api/wafers", headers={"Accept": f"{V2};q=0.3, {V1};q=0.9"})
    assert response.mimetype == V1
    assert isinstance(response.get_json(), list)


# --- One error shape ---------------------------------------------------------------------------


def test_errors_outside_the_api_share_the_shape(client):
    assert_problem(client.get("/no/such/page"), 404)
    not_allowed = client.post("/health/live")
    assert_problem(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]


def test_unhandled_exception_is_a_500_problem_and_is_logged(access_log):
    app = create_app({"APP_ENV": "testing"})

    @app.get("/boom")
    def boom():
        raise RuntimeError("focus stage lost")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "req-500"})
    body = assert_problem(response, 500)
    assert "focus stage" not in body["detail"]
    [record] = access_log
    assert (record.status, record.request_id) == (500, "req-500")


# --- Health ------------------------------------------------------------------------------------


def test_liveness_and_readiness(client):
    live = client.get("/health/live")
    assert (live.status_code, live.get_json()) == (200, {"status": "pass"})
    assert live.headers["Cache-Control"] == "no-store"
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"]["status"] == "pass"


def test_readiness_fails_on_a_broken_or_hanging_dependency(app):
    release = threading.Event()

    def cache_down():
        raise ConnectionError("cache refused")

    # Long enough for SELECT 1 on a loaded machine; the broker check never returns at all.
    app.config["READINESS_TIMEOUT_S"] = 0.5
    app.extensions["readiness_checks"].update(cache=cache_down, broker=release.wait)
    try:
        response = app.test_client().get("/health/ready")
    finally:
        release.set()
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "pass",
        "cache": "fail",
        "broker": "timeout",
    }
    assert "refused" not in response.get_data(as_text=True)


def test_readiness_against_postgresql(postgres_url):
    # Only SELECT 1: nothing is created in the shared database.
    app = create_app({"APP_ENV": "testing", "DATABASE_URL": postgres_url})
    response = app.test_client().get("/health/ready")
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"]["status"] == "pass"


# --- Request IDs and JSON logs -----------------------------------------------------------------


def test_request_ids_are_kept_when_safe_and_replaced_otherwise(client):
    kept = client.get("/health/live", headers={"X-Request-ID": "lb-7f3a.1"})
    assert kept.headers["X-Request-ID"] == "lb-7f3a.1"
    for unsafe in ("x" * 129, "id with spaces", '"}{"admin": true'):
        replaced = client.get("/health/live", headers={"X-Request-ID": unsafe})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["X-Request-ID"])


def test_each_request_writes_one_access_record(client, access_log):
    client.get("/api/v2/wafers", headers={"X-Request-ID": "req-1"})
    generated = client.get("/api/v2/wafers/nope").headers["X-Request-ID"]
    assert [(r.method, r.path, r.status, r.request_id) for r in access_log] == [
        ("GET", "/api/v2/wafers", 200, "req-1"),
        ("GET", "/api/v2/wafers/nope", 404, generated),
    ]
    assert access_log[0].getMessage() == "GET /api/v2/wafers 200"
    assert access_log[0].duration_ms >= 0


def test_records_are_formatted_as_json_lines():
    record = logging.LogRecord(
        "ch01_demo.request", logging.INFO, __file__, 1, "GET /x 200", (), None
    )
    record.status = 200
    record.request_id = "req-9"
    line = json_formatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert (data["level"], data["logger"], data["message"]) == (
        "INFO",
        "ch01_demo.request",
        "GET /x 200",
    )
    assert (data["status"], data["request_id"]) == (200, "req-9")
    assert data["timestamp"].endswith("+00:00")


# --- Configuration -----------------------------------------------------------------------------


def test_configuration_per_environment():
    assert config_from_env({})["DEBUG"] is True
    testing = config_from_env({"APP_ENV": "testing", "PORT": "8081", "LOG_LEVEL": "warning"})
    assert (testing["TESTING"], testing["PORT"], testing["LOG_LEVEL"]) == (True, 8081, "WARNING")
    production = config_from_env(
        {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "DATABASE_URL": "postgresql://db/litho"}
    )
    assert production["DEBUG"] is False
    assert production["SQLALCHEMY_DATABASE_URI"] == "postgresql://db/litho"


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"APP_ENV": "testing", "PORT": "eighty"}, "PORT"),
        ({"APP_ENV": "testing", "READINESS_TIMEOUT_S": "0"}, "READINESS_TIMEOUT_S"),
        ({"APP_ENV": "production", "DATABASE_URL": "postgresql://db/litho"}, "SECRET_KEY"),
        (
            {
                "APP_ENV": "production",
                "SECRET_KEY": DEV_SECRET_KEY,
                "DATABASE_URL": "postgresql://db/litho",
            },
            "SECRET_KEY",
        ),
        ({"APP_ENV": "production", "SECRET_KEY": "s" * 40}, "DATABASE_URL"),
    ],
)
def test_configuration_errors_name_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        create_app(environ)
