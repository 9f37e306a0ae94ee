"""Graded: ex06_conditional_get, strong ETags, If-None-Match -> 304, If-Match -> 412."""

import hashlib
import json

import pytest

HINT = (
    "strong_etag: json.dumps(sort_keys=True, separators=(',', ':')), sha256, hexdigest, in "
    "double quotes. For the headers, werkzeug.http.parse_etags gives an ETags object with "
    "star_tag, contains() (strong) and contains_weak(); compare unquoted tags."
)

UPDATE = {"status": "released", "mean_cd_nm": 44.8, "best_focus_um": -0.01,
          "dose_to_size_mj_cm2": 24.3}
A = '"' + "a" * 64 + '"'


def expected_etag(body):
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return f'"{hashlib.sha256(canonical).hexdigest()}"'


@pytest.fixture
def client(ex, exercise_app, memory_backend):
    return exercise_app(ex.ns, backend=memory_backend).test_client()


@pytest.mark.points(2)
def test_strong_etag_is_the_quoted_sha256_of_canonical_json(ex):
    body = {"id": "W01", "mean_cd_nm": 45.1, "status": "measured", "version": 1,
            "name": "Dosis µ"}
    tag = ex.strong_etag(body)
    assert tag == expected_etag(body)
    assert len(tag) == 66
    assert tag[0] == tag[-1] == '"'
    assert not tag.startswith("W/")
    assert ex.strong_etag(dict(reversed(list(body.items())))) == tag, "key order is irrelevant"
    for change in ({"version": 2}, {"mean_cd_nm": 45.10001}, {"status": "hold"},
                   {"extra": None}):
        assert ex.strong_etag({**body, **change}) != tag, change


@pytest.mark.points(2)
def test_none_match_uses_weak_comparison_over_lists_and_star(ex):
    other = '"' + "b" * 64 + '"'
    matching = [A, f"W/{A}", f"{other}, {A}", f'{other},W/{A}', "*", f" {A} "]
    for header in matching:
        assert ex.none_match(header, A) is True, f"If-None-Match: {header}"
        assert ex.none_match(header, f"W/{A}") is True, f"If-None-Match: {header} vs W/"
    for header in (None, "", other, f"W/{other}", A[:-2] + '"', f'"{"a" * 65}"',
                   f"{other}, W/{other}"):
        assert ex.none_match(header, A) is False, f"If-None-Match: {header!r}"


@pytest.mark.points(1)
def test_match_uses_strong_comparison(ex):
    other = '"' + "b" * 64 + '"'
    for header in (None, "*", A, f"{other}, {A}"):
        assert ex.match(header, A) is True, f"If-Match: {header!r}"
    for header in (f"W/{A}", other, f"W/{A}, {other}", ""):
        assert ex.match(header, A) is False, f"If-Match: {header!r}"


@pytest.mark.points(2)
def test_get_sends_the_etag_and_a_matching_request_gets_304(ex, client):
    first = client.get("/wafers/W02")
    assert first.status_code == 200
    body = first.get_json()
    assert body["id"] == "W02"
    etag = first.headers["ETag"]
    assert etag == expected_etag(body)
    assert first.headers["Cache-Control"] == "no-cache"
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        r = client.get("/wafers/W02", headers={"If-None-Match": header})
        assert r.status_code == 304, f"If-None-Match: {header} -> {r.status_code}"
        assert r.data == b"", "a 304 has no body"
        assert r.headers["ETag"] == etag
        assert r.headers["Cache-Control"] == "no-cache"
    miss = client.get("/wafers/W02", headers={"If-None-Match": '"stale"'})
    assert (miss.status_code, miss.get_json()) == (200, body)
    other = client.get("/wafers/W03", headers={"If-None-Match": etag})
    assert other.status_code == 200, "W02's tag says nothing about W03"


@pytest.mark.points(2)
def test_the_etag_changes_after_a_write(ex, client):
    old = client.get("/wafers/W04").headers["ETag"]
    put = client.put("/wafers/W04", json=UPDATE)
    assert put.status_code == 200, put.get_json()
    new = put.headers["ETag"]
    assert new != old
    assert new == expected_etag(put.get_json())
    fresh = client.get("/wafers/W04", headers={"If-None-Match": old})
    assert fresh.status_code == 200, "the old tag no longer matches"
    assert fresh.get_json()["status"] == "released"
    assert fresh.headers["ETag"] == new
    assert client.get("/wafers/W04", headers={"If-None-Match": new}).status_code == 304


@pytest.mark.points(2)
def test_if_match_guards_writes_and_a_412_stores_nothing(ex, client, problem):
    current = client.get("/wafers/W05")
    etag = current.headers["ETag"]
    problem(client.put("/wafers/W05", json=UPDATE, headers={"If-Match": '"stale"'}), 412)
    problem(client.put("/wafers/W05", json=UPDATE, headers={"If-Match": f"W/{etag}"}), 412)
    assert client.get("/wafers/W05").get_json() == current.get_json(), "nothing stored"
    ok = client.put("/wafers/W05", json=UPDATE, headers={"If-Match": etag})
    assert ok.status_code == 200
    problem(client.put("/wafers/W05", json={**UPDATE, "status": "hold"},
                       headers={"If-Match": etag}), 412)
    assert client.put("/wafers/W05", json=UPDATE, headers={"If-Match": "*"}).status_code == 200


@pytest.mark.points(1)
def test_unknown_wafers_and_bad_bodies_are_problems(ex, client, problem):
    problem(client.get("/wafers/W99", headers={"If-None-Match": "*"}), 404)
    problem(client.put("/wafers/W99", json=UPDATE), 404)
    before = client.get("/wafers/W01")
    body = problem(client.put("/wafers/W01", json={**UPDATE, "status": "lost"}), 400)
    assert "status" in body["errors"]
    after = client.get("/wafers/W01")
    assert after.headers["ETag"] == before.headers["ETag"]
