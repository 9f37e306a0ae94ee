"""Graded: ex03_filter_sort, whitelisted filters and multi-field sorting of measurements."""

import pytest

from ch02_demo.models import Measurement

HINT = (
    "Look names up in FILTERS and SORT_FIELDS and build clauses from the entries you find "
    "(spec.op(spec.column, value), column.desc()); anything not found is an "
    "ns.abort(400, ..., errors=..., allowed=...)."
)

ROWS = [  # ids 1..7 in this order
    {"wafer_id": "W01", "dose": 20.0, "focus": -0.1, "cd": 50.0},
    {"wafer_id": "W01", "dose": 22.0, "focus": 0.0, "cd": 47.0},
    {"wafer_id": "W01", "dose": 22.0, "focus": -0.1, "cd": 46.5},
    {"wafer_id": "W02", "dose": 24.0, "focus": 0.1, "cd": 44.0, "feature": "iso"},
    {"wafer_id": "W01", "dose": 24.0, "focus": 0.0, "cd": 44.8},
    {"wafer_id": "W02", "dose": 20.0, "focus": 0.0, "cd": 49.9},
    {"wafer_id": "W01", "dose": 26.0, "focus": 0.1, "cd": 42.1},
]
FILTER_NAMES = [
    "cd_max", "cd_min", "dose_max", "dose_min", "feature", "focus_max", "focus_min", "sort",
    "wafer_id",
]


@pytest.fixture
def app(ex, exercise_app, seed):
    app = exercise_app(ex.ns)
    seed(app, wafers=[{"id": "W01", "slot": 1}, {"id": "W02", "slot": 2}], measurements=ROWS)
    return app


@pytest.fixture
def ids(app):
    client = app.test_client()

    def fetch(query):
        response = client.get(f"/measurements?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [item["id"] for item in response.get_json()["items"]]

    return fetch


@pytest.mark.points(2)
def test_exact_and_range_filters_combine(ids, app):
    assert ids("") == [1, 2, 3, 4, 5, 6, 7]
    assert ids("wafer_id=W01&dose_min=21&dose_max=24") == [2, 3, 5]
    assert ids("feature=iso") == [4]
    assert ids("focus_min=0&cd_max=45") == [4, 5, 7]
    assert ids("dose_min=26&dose_max=26") == [7]  # bounds are inclusive
    item = app.test_client().get("/measurements?feature=iso").get_json()["items"][0]
    assert item == {"id": 4, "field": 1, "feature": "iso", **ROWS[3]}


@pytest.mark.points(2)
def test_multi_field_sort_with_descending_and_id_tiebreak(ids):
    assert ids("sort=-dose,focus") == [7, 5, 4, 3, 2, 1, 6]
    assert ids("sort=wafer_id,-cd") == [1, 2, 3, 5, 7, 6, 4]
    assert ids("sort=dose") == [1, 6, 2, 3, 4, 5, 7]
    assert ids("sort=-id") == [7, 6, 5, 4, 3, 2, 1]
    assert ids("wafer_id=W02&sort=cd") == [4, 6]


@pytest.mark.points(2)
def test_unknown_parameter_is_a_400_naming_it_and_listing_the_allowed(app, problem):
    client = app.test_client()

    body = problem(client.get("/measurements?wafer_id=W01&colour=red"), 400)
    assert "colour" in body["detail"]
    assert list(body["errors"]) == ["colour"]
    assert body["allowed"] == FILTER_NAMES
    several = problem(client.get("/measurements?dose=20&limit=5"), 400)
    assert set(several["errors"]) == {"dose", "limit"}


@pytest.mark.points(2)
def test_unknown_sort_fields_and_injection_attempts_are_refused(app, problem, row_count):
    client = app.test_client()

    body = problem(client.get("/measurements?sort=-dose,colour"), 400)
    assert "colour" in body["detail"]
    assert "colour" in body["errors"]["sort"]
    assert body["allowed"] == ["cd", "dose", "field", "focus", "id", "wafer_id"]
    for sort in ("dose;DROP TABLE measurements", "dose,", "__class__", "dose desc", "(id)"):
        problem(client.get("/measurements", query_string={"sort": sort}), 400)
    sneaky = client.get("/measurements", query_string={"wafer_id": "W01' OR '1'='1"})
    assert sneaky.status_code == 200
    assert sneaky.get_json()["items"] == []
    assert row_count(app, Measurement) == len(ROWS)


@pytest.mark.points(1)
def test_bad_values_and_repeated_filters_are_400s(app, problem):
    client = app.test_client()

    for query, name in [
        ("dose_min=abc", "dose_min"),
        ("cd_max=nan", "cd_max"),
        ("focus_min=-inf", "focus_min"),
        ("wafer_id=W01&wafer_id=W02", "wafer_id"),
    ]:
        assert list(problem(client.get(f"/measurements?{query}"), 400)["errors"]) == [name]
