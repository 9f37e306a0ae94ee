"""Graded: ex04_cache_invalidation, cached reads that no client sees stale after a PUT."""

import pytest
from sqlalchemy import update

from ch06_demo.extensions import db
from ch06_demo.models import Wafer

HINT = (
    "Read: cache.get(key); on None compute from the database and cache.set(key, body, "
    "timeout=CACHE_TIMEOUT). Write: update_wafer first, then cache.delete_many(wafer_key(id), "
    "lot_key(wafer.lot_id)). Let NotFound propagate before anything is stored."
)


GOOD_UPDATE = {"status": "hold", "mean_cd_nm": 46.5, "best_focus_um": 0.02,
               "dose_to_size_mj_cm2": 24.4}


def behind_the_cache(app, wafer_id, **values):
    """Change a row without the API, as another service or a migration would."""
    with app.app_context():
        db.session.execute(update(Wafer).where(Wafer.id == wafer_id).values(**values))
        db.session.commit()


@pytest.fixture
def build(ex, exercise_app):
    def make(backend, **kw):
        return exercise_app(ex.ns, backend=backend, cache=ex.cache, **kw)

    return make


@pytest.mark.points(2)
def test_reads_are_served_from_the_cache(ex, build, backend):
    app = build(backend)
    client = app.test_client()
    first = client.get("/wafers/W02")
    assert first.status_code == 200
    assert first.get_json()["mean_cd_nm"] == pytest.approx(45.2)
    lot = client.get("/lots/L1/wafers").get_json()
    assert [w["id"] for w in lot["items"]] == ["W01", "W02", "W03", "W04", "W05"]
    behind_the_cache(app, "W02", mean_cd_nm=50.0)
    assert client.get("/wafers/W02").get_json() == first.get_json(), "the second read is cached"
    assert client.get("/lots/L1/wafers").get_json() == lot
    with app.app_context():
        assert ex.cache.get(ex.wafer_key("W02")) == first.get_json()
    if backend.is_redis:
        key = f"{backend.prefix}:cache:{ex.wafer_key('W02')}"
        assert key in backend.keys("cache:*")
        assert 250 < backend.client().ttl(key) <= 300, "cached for CACHE_TIMEOUT = 300 s"


@pytest.mark.points(3)
def test_no_stale_read_after_a_put(ex, build, backend):
    client = build(backend).test_client()
    assert client.get("/wafers/W03").get_json()["status"] == "measured"
    client.get("/lots/L1/wafers")
    put = client.put("/wafers/W03", json=GOOD_UPDATE)
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["version"] == 2
    item = client.get("/wafers/W03").get_json()
    assert (item["status"], item["mean_cd_nm"], item["version"]) == ("hold", 46.5, 2)
    listed = {w["id"]: w for w in client.get("/lots/L1/wafers").get_json()["items"]}
    assert listed["W03"] == item, "the lot's list must not serve the old W03"


@pytest.mark.points(1)
def test_errors_are_not_cached_and_failed_writes_change_nothing(ex, build, memory_backend,
                                                                problem):
    app = build(memory_backend)
    client = app.test_client()
    problem(client.get("/wafers/W99"), 404)
    problem(client.get("/lots/L9/wafers"), 404)
    with app.app_context():
        db.session.add(Wafer(id="W99", lot_id="L9", fab="fab1", slot=1, mean_cd_nm=45.0,
                             best_focus_um=0.0, dose_to_size_mj_cm2=24.0))
        db.session.commit()
    found = client.get("/wafers/W99")
    assert (found.status_code, found.get_json()["id"]) == (200, "W99"), "a 404 is not cached"
    lot = client.get("/lots/L9/wafers")
    assert lot.status_code == 200
    assert [w["id"] for w in lot.get_json()["items"]] == ["W99"]
    before = client.get("/wafers/W01").get_json()
    problem(client.put("/wafers/W01", json={**GOOD_UPDATE, "mean_cd_nm": -1}), 400)
    problem(client.put("/wafers/W77", json=GOOD_UPDATE), 404)
    assert client.get("/wafers/W01").get_json() == before


@pytest.mark.points(1)
def test_a_write_drops_only_the_entries_it_made_stale(ex, build, memory_backend):
    app = build(memory_backend)
    client = app.test_client()
    other_wafer = client.get("/wafers/W04").get_json()
    other_lot = client.get("/lots/L2/wafers").get_json()
    behind_the_cache(app, "W04", status="scrapped")
    behind_the_cache(app, "W06", status="scrapped")
    assert client.put("/wafers/W01", json=GOOD_UPDATE).status_code == 200
    assert client.get("/wafers/W04").get_json() == other_wafer, "W04 did not change via the API"
    assert client.get("/lots/L2/wafers").get_json() == other_lot, "lot L2 was not written"


@pytest.mark.points(2)
def test_on_redis_a_put_on_one_worker_is_seen_by_the_other(ex, build, redis_backend):
    worker_a = build(redis_backend, shared_database=True).test_client()
    worker_b = build(redis_backend, shared_database=True).test_client()
    assert worker_a.get("/wafers/W05").get_json()["version"] == 1
    assert worker_a.get("/lots/L1/wafers").status_code == 200
    assert worker_b.put("/wafers/W05", json=GOOD_UPDATE).status_code == 200
    assert worker_a.get("/wafers/W05").get_json()["version"] == 2
    items = worker_a.get("/lots/L1/wafers").get_json()["items"]
    assert [w["version"] for w in items if w["id"] == "W05"] == [2]


@pytest.mark.points(1)
def test_invalidation_happens_after_the_commit(ex, build, memory_backend, monkeypatch):
    """A read that lands between the invalidation and the commit must not stick."""
    import ch06_demo.services.wafers as wafer_service

    app = build(memory_backend)
    client = app.test_client()
    real_update = wafer_service.update_wafer

    def update_with_a_concurrent_read(session, wafer_id, payload, *args, **kwargs):
        ex.read_wafer(wafer_id)  # another request reads (and caches) the row meanwhile
        ex.read_lot("L1")
        return real_update(session, wafer_id, payload, *args, **kwargs)

    monkeypatch.setattr(ex, "update_wafer", update_with_a_concurrent_read)
    monkeypatch.setattr(wafer_service, "update_wafer", update_with_a_concurrent_read)
    assert client.put("/wafers/W02", json=GOOD_UPDATE).status_code == 200
    assert client.get("/wafers/W02").get_json()["version"] == 2, "stale read after the PUT"
    listed = client.get("/lots/L1/wafers").get_json()["items"]
    assert [w["version"] for w in listed if w["id"] == "W02"] == [2]
