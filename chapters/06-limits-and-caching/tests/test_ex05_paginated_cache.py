"""Graded: ex05_paginated_cache, a list cache keyed by the whole query string and the caller."""

import pytest
from sqlalchemy import update

from ch06_demo.extensions import db
from ch06_demo.models import Wafer

HINT = (
    "Key on urlencode(sorted(request.args.items(multi=True))) and the token's identity, "
    "with 'wafers:' in front; in method_decorators, put jwt_required() after cache.cached(...) "
    "so it wraps it (restx applies them in order, the last one outermost)."
)

FAB1 = ["W01", "W02", "W03", "W04", "W05", "W06", "W07", "W08"]
FAB2 = ["W09", "W10", "W11", "W12"]


def bearer(access_token):
    return {"Authorization": f"Bearer {access_token}"}


def ids(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return [w["id"] for w in response.get_json()["items"]]


@pytest.fixture
def build(ex, exercise_app):
    def make(backend):
        return exercise_app(ex.ns, backend=backend, cache=ex.cache)

    return make


@pytest.fixture
def users(token):
    def make(app):
        return {
            "alice": bearer(token(app, "alice", role="engineer", fab="fab1")),
            "dan": bearer(token(app, "dan", role="viewer", fab="fab1")),
            "bob": bearer(token(app, "bob", role="viewer", fab="fab2")),
            "carol": bearer(token(app, "carol", role="admin")),
        }

    return make


def behind_the_cache(app, **values):
    with app.app_context():
        db.session.execute(update(Wafer).values(**values))
        db.session.commit()


@pytest.mark.points(3)
def test_each_page_and_filter_gets_its_own_entry(ex, build, backend, users):
    app = build(backend)
    client, alice = app.test_client(), users(app)["alice"]
    assert ids(client.get("/wafers?page=1&per_page=3", headers=alice)) == FAB1[:3]
    assert ids(client.get("/wafers?page=2&per_page=3", headers=alice)) == FAB1[3:6]
    assert ids(client.get("/wafers?page=3&per_page=3", headers=alice)) == FAB1[6:]
    assert ids(client.get("/wafers?per_page=3", headers=alice)) == FAB1[:3]
    assert ids(client.get("/wafers?lot_id=L2", headers=alice)) == ["W06", "W07", "W08"]
    assert ids(client.get("/wafers?lot_id=L2&per_page=2&page=2", headers=alice)) == ["W08"]
    assert ids(client.get("/wafers", headers=alice)) == FAB1
    behind_the_cache(app, status="scrapped")
    again = client.get("/wafers?page=2&per_page=3", headers=alice).get_json()["items"]
    assert {w["status"] for w in again} == {"measured"}, "a repeated request is served cached"
    if backend.is_redis:
        keys = backend.keys("cache:*")
        assert len(keys) == 7, keys
        assert all(0 < backend.client().ttl(k) <= 60 for k in keys), "CACHE_TIMEOUT is 60 s"


@pytest.mark.points(2)
def test_parameter_order_shares_an_entry_and_values_never_collide(ex, build, memory_backend,
                                                                  users):
    app = build(memory_backend)
    client, alice = app.test_client(), users(app)["alice"]
    assert ids(client.get("/wafers?page=2&per_page=3", headers=alice)) == FAB1[3:6]
    behind_the_cache(app, status="scrapped")
    cached = client.get("/wafers?per_page=3&page=2", headers=alice).get_json()
    assert {w["status"] for w in cached["items"]} == {"measured"}, "same query, other order"
    behind_the_cache(app, status="measured")
    # One parameter whose value holds '&' and '=': no such lot, an empty page...
    assert ids(client.get("/wafers?lot_id=L1%26per_page%3D2", headers=alice)) == []
    # ...which must not be what the two-parameter query gets.
    assert ids(client.get("/wafers?lot_id=L1&per_page=2", headers=alice)) == ["W01", "W02"]
    assert ids(client.get("/wafers?per_page=2&lot_id=L1", headers=alice)) == ["W01", "W02"]


@pytest.mark.points(2)
def test_keys_differ_by_caller_and_by_every_parameter(ex, build, memory_backend, users):
    app = build(memory_backend)
    headers = users(app)

    def key(query, who="alice"):
        with app.test_request_context(f"/wafers?{query}", headers=headers[who]):
            from flask_jwt_extended import verify_jwt_in_request

            verify_jwt_in_request()
            return ex.list_cache_key()

    assert key("page=2&per_page=3") == key("per_page=3&page=2")
    assert key("lot_id=L1&lot_id=L2") == key("lot_id=L1&lot_id=L2")
    distinct = [key("page=2"), key("page=3"), key("page=2", "dan"), key("lot_id=L1"),
                key("lot_id=L1&lot_id=L2"), key("lot_id=L2&lot_id=L1&lot_id=L1"),
                key("lot_id=L1%26page%3D2"), key("lot_id=L1&page=2"), key(""), key("lot_id="),
                key("", "carol")]
    assert len(set(distinct)) == len(distinct), distinct
    assert all(k.startswith("wafers:") for k in distinct)


@pytest.mark.points(3)
def test_one_callers_cached_page_is_never_served_to_another(ex, build, backend, users):
    app = build(backend)
    client, headers = app.test_client(), users(app)
    assert ids(client.get("/wafers?per_page=50", headers=headers["alice"])) == FAB1
    assert ids(client.get("/wafers?per_page=50", headers=headers["bob"])) == FAB2
    assert ids(client.get("/wafers?per_page=50", headers=headers["carol"])) == FAB1 + FAB2
    assert ids(client.get("/wafers?per_page=50", headers=headers["dan"])) == FAB1
    behind_the_cache(app, status="scrapped")
    for who in ("alice", "bob", "carol", "dan"):
        cached = client.get("/wafers?per_page=50", headers=headers[who]).get_json()["items"]
        assert {w["status"] for w in cached} == {"measured"}, f"{who}'s page is cached"


@pytest.mark.points(2)
def test_the_token_is_checked_before_the_cache(ex, build, memory_backend, users, token,
                                               problem):
    app = build(memory_backend)
    client = app.test_client()
    assert ids(client.get("/wafers", headers=users(app)["alice"])) == FAB1
    problem(client.get("/wafers"), 401)
    forged = bearer(token(app, "alice", role="engineer", fab="fab1", forged=True))
    problem(client.get("/wafers", headers=forged), 401)
    expired = bearer(token(app, "alice", role="engineer", fab="fab1", expired=True))
    problem(client.get("/wafers", headers=expired), 401)
    for claims in ({"role": "viewer"}, {"role": "viewer", "fab": ""}, {}):
        r = client.get("/wafers", headers=bearer(token(app, "zed", **claims)))
        assert r.status_code == 403, f"claims {claims}: {r.status_code}"
        problem(r, 403)
    no_role = bearer(token(app, "yan", fab="fab2"))
    assert ids(client.get("/wafers", headers=no_role)) == FAB2, "no role is not admin"
    behind_the_cache(app, status="scrapped")
    assert {w["status"] for w in client.get("/wafers", headers=users(app)["alice"])
            .get_json()["items"]} == {"measured"}, "alice's page is still cached"


@pytest.mark.points(1)
def test_bad_pages_are_400_and_not_cached(ex, build, memory_backend, users, problem):
    app = build(memory_backend)
    client, alice = app.test_client(), users(app)["alice"]
    for query in ("page=0", "per_page=101", "page=two"):
        problem(client.get(f"/wafers?{query}", headers=alice), 400)
        problem(client.get(f"/wafers?{query}", headers=alice), 400)
    assert ids(client.get("/wafers?per_page=2", headers=alice)) == ["W01", "W02"]
