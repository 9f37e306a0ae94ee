"""Graded tests of ex05_versioning: URL and header versioning, deprecation, negotiation errors."""

from __future__ import annotations

import pytest
from flask import Flask

from ch01_demo.api import ProblemApi
from ch01_demo.errors import register_error_handlers

HINT = (
    "Collect the vendor versions from request.accept_mimetypes (quality > 0, best first), then "
    "apply negotiate_version's rules in order; raise errors with abort(status, description=...) "
    "and let the app's handlers turn them into problem details."
)

V1_BODY = {"lot_id": "L24-017", "product": "N5-logic", "layer": "M1", "wafer_count": 2}
V2_BODY = {
    "id": "L24-017",
    "product": "N5-logic",
    "layer": "M1",
    "wafers": [{"id": "FEM-01"}, {"id": "FEM-02"}],
}
DEPRECATION = "@1767225600"  # 2026-01-01T00:00:00Z
SUNSET = "Wed, 30 Jun 2027 23:59:59 GMT"
V1 = "application/vnd.litho.v1+json"
V2 = "application/vnd.litho.v2+json"


def make_client(ex):
    """The lot API on an app with the demo's error handling (problem details for every error)."""
    app = Flask(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    register_error_handlers(app)
    ex.register_lot_api(ProblemApi(app, doc=False))
    return app.test_client()


def assert_problem(response, status: int) -> None:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert body["status"] == status


@pytest.mark.points(2)
def test_url_versions_return_their_own_representation(ex):
    client = make_client(ex)
    v1 = client.get("/api/v1/lots/L24-017")
    v2 = client.get("/api/v2/lots/L24-017")
    assert (v1.status_code, v1.get_json()) == (200, V1_BODY)
    assert (v2.status_code, v2.get_json()) == (200, V2_BODY)
    assert_problem(client.get("/api/v2/lots/L99-000"), 404)
    assert_problem(client.get("/api/v1/lots/L99-000"), 404)


@pytest.mark.points(2)
def test_version_1_announces_its_deprecation_and_sunset(ex):
    client = make_client(ex)
    v1 = client.get("/api/v1/lots/L24-017")
    assert v1.headers["Deprecation"] == DEPRECATION
    assert v1.headers["Sunset"] == SUNSET
    assert v1.headers["Link"] == '</api/v2/lots/L24-017>; rel="successor-version"'
    v2 = client.get("/api/v2/lots/L24-017")
    assert "Deprecation" not in v2.headers
    assert "Sunset" not in v2.headers


@pytest.mark.points(2)
def test_header_versioning_on_the_unversioned_path(ex):
    client = make_client(ex)
    by_header = client.get("/api/lots/L24-017", headers={"API-Version": " 1 "})
    assert by_header.get_json() == V1_BODY
    assert by_header.mimetype == "application/json"
    assert (by_header.headers["Deprecation"], by_header.headers["Sunset"]) == (DEPRECATION, SUNSET)

    by_accept = client.get("/api/lots/L24-017", headers={"Accept": V1})
    assert by_accept.get_json() == V1_BODY
    assert by_accept.mimetype == V1

    default = client.get("/api/lots/L24-017")
    assert default.get_json() == V2_BODY
    assert default.mimetype == "application/json"
    assert "Deprecation" not in default.headers
    for response in (by_header, by_accept, default):
        assert {"accept", "api-version"} <= {value.lower() for value in response.vary}


@pytest.mark.points(2)
def test_unsupported_or_contradictory_versions_are_refused(ex):
    client = make_client(ex)
    for headers in (
        {"API-Version": "3"},
        {"API-Version": "v2"},
        {"Accept": "application/vnd.litho.v9+json"},
    ):
        response = client.get("/api/lots/L24-017", headers=headers)
        assert_problem(response, 406)
        assert "1, 2" in response.get_json()["detail"]
    contradiction = client.get("/api/lots/L24-017", headers={"API-Version": "1", "Accept": V2})
    assert_problem(contradiction, 400)
    assert contradiction.get_json()["instance"] == "/api/lots/L24-017"


@pytest.mark.points(1)
def test_accept_quality_values_pick_the_best_supported_version(ex):
    client = make_client(ex)
    accept = f"application/vnd.litho.v3+json, {V1};q=0.4, {V2};q=0.8"
    response = client.get("/api/lots/L24-017", headers={"Accept": accept})
    assert (response.get_json(), response.mimetype) == (V2_BODY, V2)
    refused = client.get("/api/lots/L24-017", headers={"Accept": f"{V2};q=0, {V1};q=0.5"})
    assert (refused.get_json(), refused.mimetype) == (V1_BODY, V1)
    assert_problem(client.get("/api/lots/L99-000", headers={"API-Version": "2"}), 404)
