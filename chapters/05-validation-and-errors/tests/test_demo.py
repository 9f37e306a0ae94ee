"""The chapter 05 demo: what the README promises, checked (not graded)."""

import json
import logging

import pytest

from ch05_demo.schemas.fem import FemRunIn
from ch05_demo.schemas.swagger import swagger_schema
from ch05_demo.services import fem


def test_swagger_documents_the_pydantic_model_inline(demo_client):
    assert demo_client.get("/swagger").status_code == 200
    spec = demo_client.get("/swagger.json").get_json()
    assert spec["swagger"] == "2.0"
    post = spec["paths"]["/fem-runs"]["post"]
    body = next(p for p in post["parameters"] if p["in"] == "body")
    assert body["schema"] == {"$ref": "#/definitions/FemRunIn"}
    for code in ("400", "413", "415", "422"):
        assert post["responses"][code]["schema"] == {"$ref": "#/definitions/Problem"}
    run = spec["definitions"]["FemRunIn"]
    assert run["additionalProperties"] is False
    point = run["properties"]["measurements"]["items"]
    assert point["properties"]["dose"] == {
        "description": "Dose, mJ/cm²", "exclusiveMinimum": True, "minimum": 0, "maximum": 500,
        "title": "Dose", "type": "number",
    }
    assert "$defs" not in str(spec)
    assert "$ref': '#/$defs" not in str(spec)
    assert run["properties"]["note"]["x-nullable"] is True


def test_swagger_schema_validates_like_draft4(payload):
    from jsonschema import Draft4Validator

    validator = Draft4Validator(swagger_schema(FemRunIn))
    assert not list(validator.iter_errors(payload()))
    bad = payload()
    bad["measurements"][0]["dose"] = 0
    assert list(validator.iter_errors(bad))


def test_valid_run_is_stored_and_read_back(demo_client, demo_app, payload, stored_rows):
    created = demo_client.post("/fem-runs", json=payload(source_file="../../fem W01.csv"))
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"] == "/fem-runs/1"
    assert len(created.headers["X-Request-ID"]) == 32
    body = demo_client.get("/fem-runs/1").get_json()
    assert body["source_file"] == "fem_W01.csv"
    assert body["focus_grid"] == [-0.1, 0.0, 0.1]
    assert len(body["measurements"]) == 9
    assert stored_rows(demo_app) == (1, 9)


@pytest.mark.parametrize(
    ("send", "status", "fragment"),
    [
        ({"data": "{}", "content_type": "text/plain"}, 415, "application/json"),
        ({"data": "{bad", "content_type": "application/json"}, 400, "line 1, column 2"),
        ({"data": '{"a": NaN}', "content_type": "application/json"}, 400, "NaN"),
        ({"data": "[" * 50_000, "content_type": "application/json"}, 400, "deeper"),
        ({"data": "[" * 9 + "]" * 9, "content_type": "application/json"}, 400, "deeper"),
        ({"data": "x" * 300_000, "content_type": "application/json"}, 413, "capacity"),
    ],
)
def test_unreadable_bodies_are_4xx_problems_storing_nothing(
    demo_client, demo_app, problem, stored_rows, send, status, fragment
):
    body = problem(demo_client.post("/fem-runs", **send), status)
    assert fragment in body["detail"]
    assert stored_rows(demo_app) == (0, 0)


def test_invalid_values_are_one_422_with_pointers(demo_client, demo_app, problem, payload,
                                                  stored_rows):
    run = payload(wafer_id="W1", operator="kim" * 100)
    run["measurements"][3]["cd"] = "45"
    run["measurements"][4]["dose"] = "BIG"
    del run["measurements"][5]["focus"]
    text = json.dumps(run).replace('"BIG"', "1e999")  # valid JSON; Python parses it as inf
    sent = demo_client.post("/fem-runs", data=text, content_type="application/json")
    body = problem(sent, 422)
    assert body["type"] == "https://litho.example/problems/validation-error"
    by_pointer = {e["pointer"]: e for e in body["errors"]}
    assert set(by_pointer) == {"#/wafer_id", "#/operator", "#/measurements/3/cd",
                               "#/measurements/4/dose", "#/measurements/5/focus"}
    assert by_pointer["#/operator"]["detail"] == "unknown field"
    assert len(by_pointer["#/operator"]["rejected"]) == 41
    assert "rejected" not in by_pointer["#/measurements/5/focus"]
    assert stored_rows(demo_app) == (0, 0)


def test_domain_errors_after_the_schema(demo_client, demo_app, problem, payload, stored_rows):
    run = payload(focus_grid=[-0.1, 0.0, 0.0])
    body = problem(demo_client.post("/fem-runs", json=run), 422)
    pointers = [e["pointer"] for e in body["errors"]]
    assert pointers[0] == "#/focus_grid/2"
    assert "#/measurements/2/focus" in pointers
    assert stored_rows(demo_app) == (0, 0)


def test_units_other_than_canonical_are_refused(demo_client, problem, payload):
    body = problem(demo_client.post("/fem-runs", json=payload(units={"cd": "um"})), 422)
    assert body["errors"][0]["pointer"] == "#/units/cd"


def test_note_and_file_name_are_escaped_in_html(demo_client, payload, problem):
    note = '<script>alert("x")</script>\nline 2'
    assert demo_client.post("/fem-runs", json=payload(note=note)).status_code == 201
    page = demo_client.get("/fem-runs/1/report")
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    bidi = problem(demo_client.post("/fem-runs", json=payload(note="ok\u202egnp.exe")), 422)
    assert bidi["errors"][0]["pointer"] == "#/note"


def test_a_bug_is_a_500_without_internals(demo_client, monkeypatch, problem, payload, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("dsn=postgresql://admin:hunter2@db/litho")

    monkeypatch.setattr(fem, "create_run", broken)
    with caplog.at_level(logging.ERROR):
        response = demo_client.post("/fem-runs", json=payload(),
                                    headers={"X-Request-ID": "trace-42"})
    body = problem(response, 500)
    text = response.get_data(as_text=True)
    assert "hunter2" not in text
    assert "Traceback" not in text
    assert "RuntimeError" not in text
    assert body["request_id"] == "trace-42"
    assert "trace-42" in caplog.text
    assert "hunter2" in caplog.text


def test_routing_errors_share_the_shape(demo_client, problem):
    problem(demo_client.get("/fem-runs/999"), 404)
    problem(demo_client.get("/no-such-url"), 404)
    problem(demo_client.delete("/fem-runs"), 405)
    assert "POST" in demo_client.delete("/fem-runs").headers["Allow"]
