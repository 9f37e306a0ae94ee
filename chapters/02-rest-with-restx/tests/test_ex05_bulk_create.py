"""Graded: ex05_bulk_create, bulk measurement creation with per-item results."""

import pytest

from ch02_demo.extensions import db
from ch02_demo.models import Measurement

HINT = (
    "Check the whole request first (array, size, mode), then give every item a result: "
    "item_errors for the schema (Draft4Validator on measurement_input.__schema__), one query "
    "for the wafers, then store the acceptable items (partial) or all-or-nothing (atomic)."
)

GOOD = {"wafer_id": "W01", "field": 1, "dose": 22.0, "focus": 0.0, "cd": 46.1}
# valid, missing dose, unknown wafer, valid with feature
MIXED = [
    GOOD,
    {"wafer_id": "W01", "field": 2, "focus": 0.1, "cd": 45.0},
    {**GOOD, "wafer_id": "W99"},
    {**GOOD, "field": 3, "feature": "iso"},
]


@pytest.fixture
def app(ex, exercise_app, seed):
    app = exercise_app(ex.ns)
    seed(app, wafers=[{"id": "W01", "slot": 1}])
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.points(3)
def test_partial_mode_stores_the_good_items_and_reports_every_item(client, app, row_count):
    response = client.post("/measurements/bulk", json=MIXED)

    assert response.status_code == 207, response.get_data(as_text=True)
    body = response.get_json()
    assert (body["created"], body["failed"]) == (2, 2)
    results = body["results"]
    assert results[0] == {"index": 0, "status": 201, "id": 1}
    assert results[1]["index"] == 1
    assert results[1]["status"] == 400
    assert list(results[1]["errors"]) == ["dose"]
    assert results[2]["index"] == 2
    assert results[2]["status"] == 422
    assert list(results[2]["errors"]) == ["wafer_id"]
    assert results[3] == {"index": 3, "status": 201, "id": 2}
    assert row_count(app, Measurement) == 2
    with app.app_context():
        stored = db.session.get(Measurement, 2)
        assert (stored.field, stored.feature, stored.cd) == (3, "iso", 46.1)
        assert db.session.get(Measurement, 1).feature == "dense"


@pytest.mark.points(2)
def test_atomic_mode_is_all_or_nothing(client, app, row_count, problem):
    refused = problem(client.post("/measurements/bulk?mode=atomic", json=MIXED), 422)
    assert [(item["index"], item["status"]) for item in refused["failed_items"]] == [
        (1, 400), (2, 422),
    ]
    assert row_count(app, Measurement) == 0

    accepted = client.post("/measurements/bulk?mode=atomic", json=[GOOD, {**GOOD, "field": 2}])
    assert accepted.status_code == 201
    assert accepted.get_json() == {
        "created": 2, "failed": 0,
        "results": [{"index": 0, "status": 201, "id": 1}, {"index": 1, "status": 201, "id": 2}],
    }
    assert row_count(app, Measurement) == 2


@pytest.mark.points(2)
def test_whole_request_problems_store_nothing(ex, client, app, row_count, problem):
    too_many = client.post("/measurements/bulk", json=[GOOD] * (ex.MAX_BATCH + 1))
    assert str(ex.MAX_BATCH) in problem(too_many, 413)["detail"]
    problem(client.post("/measurements/bulk", json=[]), 400)
    problem(client.post("/measurements/bulk", json=GOOD), 400)  # an object, not an array
    bad_mode = problem(client.post("/measurements/bulk?mode=best-effort", json=[GOOD]), 400)
    assert list(bad_mode["errors"]) == ["mode"]
    assert row_count(app, Measurement) == 0
    exactly_max = client.post("/measurements/bulk", json=[GOOD] * ex.MAX_BATCH)
    assert exactly_max.get_json()["created"] == ex.MAX_BATCH


@pytest.mark.points(1)
def test_items_that_are_not_objects_or_carry_unknown_fields_fail_alone(client, app, row_count):
    batch = [42, "W01", {**GOOD, "operator": "kim"}, None, GOOD]
    body = client.post("/measurements/bulk", json=batch).get_json()

    assert [r["status"] for r in body["results"]] == [400, 400, 400, 400, 201]
    assert "operator" in body["results"][2]["errors"][""]
    assert "errors" not in body["results"][4]
    assert "id" not in body["results"][0]
    assert row_count(app, Measurement) == 1
