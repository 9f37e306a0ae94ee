"""Graded: ex04_cursor_pagination, signed keyset cursors over measurements ordered by dose."""

import base64

import pytest
from itsdangerous import URLSafeSerializer

HINT = (
    "Order by (dose, id), fetch limit + 1 rows to know whether a next page exists, and for a "
    "cursor filter with tuple_(Measurement.dose, Measurement.id) > (dose, id). Sign cursors "
    "with URLSafeSerializer(current_app.secret_key, salt=CURSOR_SALT)."
)

DOSES = [24.0, 20.0, 22.0, 20.0, 26.0, 22.0, 20.0, 28.0]  # ids 1..8; ties broken by id
BY_DOSE = [2, 4, 7, 3, 6, 1, 5, 8]


@pytest.fixture
def app(ex, exercise_app, seed):
    app = exercise_app(ex.ns)
    rows = [{"wafer_id": "W01", "dose": dose, "focus": 0.0, "cd": 45.0} for dose in DOSES]
    seed(app, wafers=[{"id": "W01", "slot": 1}], measurements=rows)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def walk(client, limit):
    """Follow next_cursor to the end; returns the pages' id lists and the last body."""
    pages, params = [], {"limit": limit}
    while True:
        response = client.get("/measurements", query_string=params)
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        pages.append([item["id"] for item in body["items"]])
        if body["next_cursor"] is None:
            return pages, body
        assert len(pages) < 20, "next_cursor never became null"
        params = {"limit": limit, "cursor": body["next_cursor"]}


@pytest.mark.points(3)
def test_cursor_walk_returns_every_row_once_in_dose_order(client):
    pages, last = walk(client, limit=3)

    assert pages == [BY_DOSE[:3], BY_DOSE[3:6], BY_DOSE[6:]]
    assert last["limit"] == 3
    first = client.get("/measurements?limit=1").get_json()
    assert first["items"] == [
        {"id": 2, "wafer_id": "W01", "field": 1, "feature": "dense", "dose": 20.0, "focus": 0.0,
         "cd": 45.0},
    ]
    assert isinstance(first["next_cursor"], str)


@pytest.mark.points(1)
def test_an_exactly_full_last_page_has_a_null_cursor(client):
    pages, _ = walk(client, limit=4)
    assert pages == [BY_DOSE[:4], BY_DOSE[4:]]
    everything = client.get("/measurements?limit=8").get_json()
    assert everything["next_cursor"] is None


@pytest.mark.points(2)
def test_pages_stay_stable_while_rows_are_inserted(client, seed, app):
    first = client.get("/measurements?limit=3").get_json()
    # one row sorting before the cursor, one equal to it (higher id), one at the very end
    low, tie, high = seed(app, measurements=[
        {"wafer_id": "W01", "dose": 18.0, "focus": 0.0, "cd": 45.0},
        {"wafer_id": "W01", "dose": 20.0, "focus": 0.1, "cd": 45.0},
        {"wafer_id": "W01", "dose": 30.0, "focus": 0.0, "cd": 45.0},
    ])

    rest = []
    params = {"limit": 3, "cursor": first["next_cursor"]}
    while params["cursor"]:
        body = client.get("/measurements", query_string=params).get_json()
        rest += [item["id"] for item in body["items"]]
        params["cursor"] = body["next_cursor"]

    assert rest == [tie, *BY_DOSE[3:], high]
    assert low not in rest


@pytest.mark.points(2)
def test_forged_altered_or_malformed_cursors_are_400(ex, client, app, problem):
    cursor = client.get("/measurements?limit=2").get_json()["next_cursor"]
    signature = cursor.rsplit(".", 1)[1]
    ours = URLSafeSerializer(app.secret_key, salt=ex.CURSOR_SALT)
    bad_cursors = [
        base64.urlsafe_b64encode(b"[0.0,0]").rstrip(b"=").decode() + "." + signature,  # altered
        URLSafeSerializer("another-secret", salt=ex.CURSOR_SALT).dumps([20.0, 4]),  # forged
        URLSafeSerializer(app.secret_key, salt="another-salt").dumps([20.0, 4]),
        ours.dumps(["20.0", 4]),  # signed by us, but not [number, integer]
        ours.dumps([True, 4]),
        ours.dumps([20.0, 4.5]),
        ours.dumps({"dose": 20.0, "id": 4}),
        "not-a-cursor",
        "",
    ]
    for bad in bad_cursors:
        body = problem(client.get("/measurements", query_string={"cursor": bad}), 400)
        assert list(body["errors"]) == ["cursor"], bad
    with app.test_request_context():
        assert ex.decode_cursor(ex.encode_cursor(22.5, 7)) == (22.5, 7)
        with pytest.raises(ex.InvalidCursor):
            ex.decode_cursor(bad_cursors[0])


@pytest.mark.points(1)
def test_limit_bounds(ex, client, problem):
    for bad in ("0", "-1", str(ex.MAX_LIMIT + 1), "ten", "2.5"):
        body = problem(client.get("/measurements", query_string={"limit": bad}), 400)
        assert list(body["errors"]) == ["limit"], bad
    assert client.get("/measurements").get_json()["limit"] == ex.DEFAULT_LIMIT
    assert client.get(f"/measurements?limit={ex.MAX_LIMIT}").status_code == 200
