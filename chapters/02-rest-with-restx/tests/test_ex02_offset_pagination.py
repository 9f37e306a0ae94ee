"""Graded: ex02_offset_pagination, page/per_page with RFC 8288 links on the wafer list."""

from urllib.parse import parse_qs, urlsplit

import pytest

HINT = (
    "Write parse_page_args first (ns.abort(400, ..., errors={...}) on bad input), then "
    "page_links from request.base_url and request.args, then the resource: COUNT, then "
    "LIMIT/OFFSET ordered by id, and return (body, 200, {'Link': link_header(links)})."
)

LOT_1 = [f"W0{n}" for n in range(1, 6)]  # five wafers in lot L1
LOT_2 = ["W06", "W07", "W08"]


@pytest.fixture
def app(ex, exercise_app, seed):
    app = exercise_app(ex.ns)
    wafers = [{"id": w, "lot_id": "L1", "slot": n} for n, w in enumerate(LOT_1, start=1)]
    wafers += [{"id": w, "lot_id": "L2", "slot": n} for n, w in enumerate(LOT_2, start=1)]
    seed(app, lots=[{"id": "L1"}, {"id": "L2"}], wafers=wafers)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def ids(body):
    return [item["id"] for item in body["items"]]


def query(url):
    """Path and query parameters of a link, so parameter order does not matter."""
    parts = urlsplit(url)
    return parts.path, parse_qs(parts.query)


@pytest.mark.points(2)
def test_second_page_has_the_right_items_and_counts(client):
    body = client.get("/wafers?page=2&per_page=3").get_json()

    assert ids(body) == ["W04", "W05", "W06"]
    assert (body["total"], body["page"], body["per_page"]) == (8, 2, 3)
    assert body["items"][0] == {"id": "W04", "lot_id": "L1", "slot": 4, "kind": "fem"}
    lot_2 = client.get("/wafers?lot_id=L2&per_page=2&page=2").get_json()
    assert (ids(lot_2), lot_2["total"]) == (["W08"], 3)


@pytest.mark.points(3)
def test_links_in_body_and_header_keep_the_other_parameters(client, parse_link_header):
    response = client.get("/wafers?lot_id=L1&page=2&per_page=2&view=compact")
    links = response.get_json()["links"]

    expected = {"self": 2, "first": 1, "prev": 1, "next": 3, "last": 3}
    assert set(links) == set(expected)
    for rel, page in expected.items():
        path, params = query(links[rel])
        assert links[rel].startswith("http://localhost/wafers?"), rel
        assert params == {
            "lot_id": ["L1"], "view": ["compact"], "page": [str(page)], "per_page": ["2"],
        }, rel
    assert parse_link_header(response.headers["Link"]) == links


@pytest.mark.points(2)
def test_edges_have_no_prev_or_next(client, parse_link_header):
    first = client.get("/wafers?per_page=4")
    last = client.get("/wafers?per_page=4&page=2")
    empty = client.get("/wafers?lot_id=L9")

    assert first.get_json()["links"]["prev"] is None
    assert "prev" not in parse_link_header(first.headers["Link"])
    assert last.get_json()["links"]["next"] is None
    assert set(parse_link_header(last.headers["Link"])) == {"self", "first", "prev", "last"}
    body = empty.get_json()
    assert (body["items"], body["total"]) == ([], 0)
    assert query(body["links"]["last"])[1]["page"] == ["1"]
    assert body["links"]["next"] is None


@pytest.mark.points(2)
def test_bad_page_parameters_are_400_problems(client, problem):
    for bad in ("page=0", "page=-1", "page=two", "per_page=0", "per_page=101", "per_page=1.5"):
        name = bad.split("=")[0]
        body = problem(client.get(f"/wafers?{bad}"), 400)
        assert list(body["errors"]) == [name], bad
    both = problem(client.get("/wafers?page=x&per_page=1000"), 400)
    assert set(both["errors"]) == {"page", "per_page"}


@pytest.mark.points(1)
def test_defaults_the_maximum_and_a_page_far_past_the_end(ex, client, seed, app):
    seed(app, wafers=[{"id": f"X{n:02d}", "lot_id": "L1", "slot": 10 + n} for n in range(20)])

    default = client.get("/wafers").get_json()
    assert (len(default["items"]), default["page"], default["per_page"]) == (20, 1, 20)
    assert query(default["links"]["next"])[1]["page"] == ["2"]
    assert len(client.get(f"/wafers?per_page={ex.MAX_PER_PAGE}").get_json()["items"]) == 28
    far = client.get(f"/wafers?page={10**20}")
    assert far.status_code == 200
    assert far.get_json()["items"] == []
