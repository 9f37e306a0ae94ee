"""Graded: ex05_problem_details, RFC 9457 problems for every way a FEM check can fail."""

import json

import pytest
from flask import Flask
from flask_restx import Api

from ch05_demo import request_id

HINT = (
    "problem() sets response.mimetype = 'application/problem+json'; read_json reads "
    "request.get_data() inside try/except RequestEntityTooLarge and parses with "
    "json.loads(raw, parse_constant=..., object_pairs_hook=...)."
)


def raised(error, function, *args, **kwargs):
    """The ``error`` that ``function(*args, **kwargs)`` raises; a failure naming the call."""
    try:
        function(*args, **kwargs)
    except error as exc:
        return exc
    return pytest.fail(f"{function.__name__}{args!r} {kwargs or ''} raised nothing")


@pytest.fixture
def app(ex):
    app = Flask("ch05_ex05")
    # TESTING off, as in production; unexpected exceptions propagate so that an unfinished
    # exercise fails with its own message rather than an anonymous 500.
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=True, MAX_CONTENT_LENGTH=64 * 1024)
    request_id.init_app(app)
    Api(app, doc=False).add_namespace(ex.ns)
    return app


@pytest.fixture
def client(app):
    return app.test_client()


def post_text(client, text, content_type="application/json", **kwargs):
    return client.post("/fem-checks", data=text, content_type=content_type, **kwargs)


@pytest.mark.points(2)
def test_problem_has_the_rfc_9457_members_and_media_type(ex, app, problem):
    with app.test_request_context("/fem-runs/7", headers={"X-Request-ID": "edge-7"}):
        app.preprocess_request()
        response = ex.problem(404, "FEM run 7 not found", wafer_id="W01")
    body = problem(response, 404)
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404,
                    "detail": "FEM run 7 not found", "instance": "/fem-runs/7",
                    "request_id": "edge-7", "wafer_id": "W01"}, body
    with app.test_request_context("/x"):
        app.preprocess_request()
        typed = ex.problem(409, "taken", type_=ex.TYPE_BASE + "run-conflict", title="Taken")
    assert typed.get_json()["title"] == "Taken"
    assert typed.status_code == 409
    assert isinstance(typed.get_json()["status"], int)


@pytest.mark.points(2)
def test_problem_refuses_what_rfc_9457_forbids(ex, app):
    with app.test_request_context("/x"):
        app.preprocess_request()
        raised(ValueError, ex.problem, 409, "taken", type_=ex.TYPE_BASE + "run-conflict")
        for name in ("status", "type", "request_id", "ab", "1st", "bad-name", "_x1"):
            raised(ValueError, ex.problem, 400, "bad", **{name: 1})
        assert ex.problem(400, "ok", abc=1, wafer_id="W01", x_2=2).status_code == 400


@pytest.mark.points(2)
def test_validation_problem_caps_the_error_list(ex, app, problem):
    def errors(n):
        return [{"pointer": f"#/measurements/{i}/cd", "detail": "required"} for i in range(n)]

    with app.test_request_context("/fem-checks", method="POST"):
        app.preprocess_request()
        few, exact, many = (ex.validation_problem(errors(n)) for n in (3, 20, 21))
    body = problem(few, 422)
    assert body["type"] == "https://litho.example/problems/validation-error"
    assert body["title"] == "Your request is not valid"
    assert body["detail"] == "3 invalid values"
    assert body["errors"] == errors(3)
    exact_body = problem(exact, 422)
    assert len(exact_body["errors"]) == 20
    assert "errors_truncated" not in exact_body
    assert "error_count" not in exact_body
    many_body = problem(many, 422)
    assert many_body["errors"] == errors(20), "the first MAX_ERRORS entries, in order"
    assert many_body["error_count"] == 21
    assert many_body["errors_truncated"] is True
    assert many_body["detail"] == "21 invalid values"


@pytest.mark.points(3)
def test_unreadable_bodies(ex, client, problem, payload):
    good = json.dumps(payload())
    assert post_text(client, good).get_json() == {"valid": True, "points": 9}
    assert post_text(client, good, "application/json; charset=utf-8").status_code == 200
    assert post_text(client, good, "application/merge-patch+json").status_code == 200

    for content_type in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx"):
        problem(post_text(client, good, content_type), 415)
    problem(client.post("/fem-checks", data=good), 415)  # no Content-Type at all
    malformed = problem(post_text(client, '{"wafer_id": "W01",\n "lot_id": }'), 400)
    assert "line 2" in malformed["detail"], malformed
    assert "column 12" in malformed["detail"], malformed
    for literal in ("NaN", "Infinity", "-Infinity"):
        text = good.replace('"cd": 45.0', f'"cd": {literal}', 1)
        assert literal in text
        problem(post_text(client, text), 400)
    duplicate = problem(post_text(client, good.replace('{"wafer_id": "W01"',
                                                       '{"wafer_id": "W01", "wafer_id": "W02"')),
                        400)
    assert "wafer_id" in duplicate["detail"], duplicate
    problem(post_text(client, "\xff\xfe{}".encode("latin-1")), 400)


@pytest.mark.points(2)
def test_depth_and_size_limits(ex, client, problem):
    assert ex.MAX_DEPTH == 8
    at_limit = post_text(client, "[" * 8 + "]" * 8)
    assert at_limit.status_code == 422, "depth 8 is read, then fails the schema"
    problem(at_limit, 422)
    for text in ("[" * 9 + "]" * 9, '{"a":' * 9 + "1" + "}" * 9, "[" * 60_000):
        body = problem(post_text(client, text), 400)
        assert "deeper" in body["detail"], body
    too_large = problem(post_text(client, json.dumps({"x": "y" * 70_000})), 413)
    assert too_large["request_id"]


@pytest.mark.points(1)
def test_invalid_values_are_a_422_with_pointers(ex, client, problem, payload):
    document = payload(wafer_id="W1")
    document["measurements"][3]["cd"] = "45"
    text = json.dumps(document).replace('"dose": 26.0', '"dose": 1e999', 1)  # Python: inf
    body = problem(post_text(client, text, headers={"X-Request-ID": "trace-9"}), 422)
    pointers = [e["pointer"] for e in body["errors"]]
    assert pointers == ["#/wafer_id", "#/measurements/3/cd", "#/measurements/6/dose"], pointers
    assert body["request_id"] == "trace-9"
