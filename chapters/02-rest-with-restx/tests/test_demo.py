"""The chapter 02 demo: what the README promises, checked (not graded)."""

import pytest
from flask import Flask
from flask_restx import Api, Namespace, Resource, fields

from ch02_demo.config import Settings
from ch02_demo.services import lots as lot_service


def test_swagger_ui_and_spec_are_served(demo_client):
    assert demo_client.get("/swagger").status_code == 200
    spec = demo_client.get("/swagger.json")
    assert spec.status_code == 200
    body = spec.get_json()
    assert body["swagger"] == "2.0"
    assert {"/lots", "/lots/{lot_id}", "/wafers", "/wafers/bulk", "/measurements"} <= set(
        body["paths"]
    )
    post = body["paths"]["/wafers"]["post"]["responses"]
    assert post["422"]["schema"] == {"$ref": "#/definitions/Problem"}
    assert body["definitions"]["WaferInput"]["additionalProperties"] is False


def test_lot_crud_status_codes_and_location(demo_client, problem):
    new_lot = {"id": "L24-004", "product": "P45-logic", "layer": "contact"}
    created = demo_client.post("/lots", json=new_lot)
    assert created.status_code == 201
    assert created.headers["Location"] == "/lots/L24-004"
    assert demo_client.get("/lots/L24-004").get_json() == {**new_lot, "wafers": []}

    problem(demo_client.post("/lots", json=new_lot), 409)
    invalid = problem(demo_client.post("/lots", json={**new_lot, "id": "lot4", "x": 1}), 400)
    assert "id" in invalid["errors"]
    assert problem(demo_client.delete("/lots/L24-001"), 409)["detail"].startswith("lot L24-001")
    assert demo_client.delete("/lots/L24-004").status_code == 204
    problem(demo_client.get("/lots/L24-004"), 404)


def test_offset_pages_carry_links_that_keep_filters(demo_client, parse_link_header):
    response = demo_client.get("/wafers?kind=production&sort=-slot&per_page=4&page=2")
    body = response.get_json()

    assert body["total"] == 6
    # slot 3 first (W03, W06, W09), then slot 2 (W02, W05, W08): ties in id order
    assert [w["id"] for w in body["items"]] == ["W05", "W08"]
    links = parse_link_header(response.headers["Link"])
    assert set(links) == {"self", "first", "prev", "last"}
    assert "kind=production" in links["first"]
    assert "sort=-slot" in links["first"]
    assert body["links"]["next"] is None


def test_filters_and_sort_fields_are_whitelisted(demo_client, problem):
    unknown = problem(demo_client.get("/wafers?colour=red"), 400)
    assert unknown["errors"] == {"colour": "unknown query parameter"}
    assert "lot_id" in unknown["allowed"]
    problem(demo_client.get("/wafers?sort=slot;DROP TABLE wafers"), 400)
    problem(demo_client.get("/measurements?dose_min=nan"), 400)
    assert demo_client.get("/wafers").get_json()["total"] == 9


def test_cursor_feed_walks_every_measurement_once(demo_client, problem):
    seen, params = [], {"sort": "-cd", "limit": 100}
    while True:
        body = demo_client.get("/measurements", query_string=params).get_json()
        seen += body["items"]
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]

    assert len(seen) == 243
    assert len({m["id"] for m in seen}) == 243
    assert [m["cd"] for m in seen] == sorted((m["cd"] for m in seen), reverse=True)
    other_sort = problem(demo_client.get("/measurements", query_string={
        "sort": "dose", "cursor": params["cursor"]}), 400)
    assert "sort=-cd" in other_sort["errors"]["cursor"]
    problem(demo_client.get("/measurements", query_string={
        "sort": "-cd", "cursor": params["cursor"][:-1]}), 400)


def test_bulk_wafers_report_each_item(demo_client, problem):
    batch = [
        {"id": "W10", "lot_id": "L24-001", "slot": 4, "kind": "production"},
        {"id": "W11", "lot_id": "L24-001", "slot": 4, "kind": "production"},  # slot taken above
        {"id": "W12", "lot_id": "L99-999", "slot": 1, "kind": "fem"},
        {"id": "W13", "lot_id": "L24-001", "slot": 30, "kind": "fem"},
    ]
    response = demo_client.post("/wafers/bulk", json=batch)

    assert response.status_code == 207
    body = response.get_json()
    assert (body["created"], body["failed"]) == (1, 3)
    assert [r["status"] for r in body["results"]] == [201, 409, 422, 400]
    assert body["results"][0] == {"index": 0, "status": 201, "id": "W10"}
    problem(demo_client.post("/wafers/bulk", json={"id": "W14"}), 400)


def test_batch_size_is_limited(make_demo_app):
    app = make_demo_app(MAX_BATCH=2)
    batch = [{"id": f"W2{n}", "lot_id": "L24-001", "slot": 10 + n, "kind": "fem"} for n in range(3)]
    response = app.test_client().post("/wafers/bulk", json=batch)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("testing", [False, True])
def test_a_crash_is_a_500_problem_in_every_mode(make_demo_app, monkeypatch, testing, problem):
    def crash(lot_id):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(lot_service, "get_lot", crash)
    app = make_demo_app(TESTING=testing)
    body = problem(app.test_client().get("/lots/L24-001"), 500)
    assert "fire" not in body["detail"]  # internals stay in the log


def test_protocol_errors_are_problems_too(demo_client, problem):
    not_allowed = demo_client.put("/lots")
    problem(not_allowed, 405)
    assert set(not_allowed.headers["Allow"].split(", ")) >= {"GET", "POST"}
    problem(demo_client.get("/no-such-thing"), 404)
    problem(demo_client.post("/lots", data="{", content_type="application/json"), 400)


def test_restx_validates_with_the_latest_draft_not_draft_4():
    """Pins the trap the README describes: exclusiveMin=True emits a Draft 4 boolean, but
    flask-restx 1.3 validates with jsonschema's latest draft, where the boolean reads as 1."""
    app = Flask(__name__)
    api = Api(app)
    ns = Namespace("trap")
    model = ns.model("Positive", {"dose": fields.Float(min=0, exclusiveMin=True)})

    @ns.route("")
    class Trap(Resource):
        @ns.expect(model, validate=True)
        def post(self):
            return {"ok": True}

    api.add_namespace(ns)
    assert app.test_client().post("/trap", json={"dose": 0.5}).status_code == 400
    assert app.test_client().post("/trap", json={"dose": 1.5}).status_code == 200


def test_settings_come_from_the_environment():
    settings = Settings.from_env({"MAX_PER_PAGE": "25", "DATABASE_URL": "sqlite:///x.db"})
    assert (settings.max_per_page, settings.database_url) == (25, "sqlite:///x.db")
    assert len(settings.secret_key) >= 32
    with pytest.raises(ValueError, match="MAX_BATCH"):
        Settings.from_env({"MAX_BATCH": "0"})
