"""Graded: ex01_crud_namespace, a restx CRUD namespace for measurements."""

import pytest

from ch02_demo.models import Measurement

HINT = (
    "Start with the two models, then POST: @ns.expect(measurement_input, validate=True), "
    "@ns.marshal_with(measurement_model, code=201), and return (obj, 201, {'Location': ...}) "
    "with the URL from self.api.url_for(MeasurementItem, measurement_id=...)."
)

VALID = {"wafer_id": "W01", "field": 12, "dose": 24.0, "focus": -0.1, "cd": 45.2}


@pytest.fixture
def app(ex, exercise_app, seed):
    app = exercise_app(ex.ns)
    seed(app, wafers=[{"id": "W01", "slot": 1}, {"id": "W02", "slot": 2}])
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.mark.points(3)
def test_create_answers_201_with_location_and_marshalled_body(client, row_count, app):
    response = client.post("/measurements", json={**VALID, "feature": "iso"})

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json() == {"id": 1, "feature": "iso", **VALID}
    assert response.headers["Location"].endswith("/measurements/1")
    assert client.get(response.headers["Location"]).get_json() == response.get_json()
    # the default applies to what is stored, not only to what Swagger shows
    second = client.post("/measurements", json=VALID)
    assert second.status_code == 201
    assert second.get_json() == {"id": 2, "feature": "dense", **VALID}
    assert row_count(app, Measurement) == 2


@pytest.mark.points(2)
def test_invalid_payload_is_a_400_problem_naming_each_field(client, problem, row_count, app):
    body = {"wafer_id": "W01", "field": 0, "focus": "near", "cd": 45.0, "operator": "kim"}
    response = client.post("/measurements", json=body)

    errors = problem(response, 400)["errors"]
    assert {"field", "focus", "dose"} <= errors.keys()  # too small, not a number, missing
    assert any("operator" in message for message in errors.values())  # unknown field
    out_of_range = client.post("/measurements", json={**VALID, "dose": 100.5, "feature": "x"})
    assert {"dose", "feature"} <= problem(out_of_range, 400)["errors"].keys()
    assert row_count(app, Measurement) == 0


@pytest.mark.points(2)
def test_unknown_wafer_is_a_422_problem_and_stores_nothing(client, problem, row_count, app):
    response = client.post("/measurements", json={**VALID, "wafer_id": "W99"})

    body = problem(response, 422)
    assert list(body["errors"]) == ["wafer_id"]
    assert "W99" in body["detail"]
    assert row_count(app, Measurement) == 0


@pytest.mark.points(2)
def test_read_replace_delete_lifecycle(client, problem, seed, app):
    (measurement_id,) = seed(app, measurements=[{**VALID, "feature": "iso"}])
    url = f"/measurements/{measurement_id}"

    assert client.get(url).get_json() == {"id": measurement_id, "feature": "iso", **VALID}
    replaced = client.put(url, json={**VALID, "wafer_id": "W02", "cd": 47.5})
    assert replaced.status_code == 200
    assert replaced.get_json() == {
        "id": measurement_id, **VALID, "wafer_id": "W02", "cd": 47.5, "feature": "dense",
    }
    problem(client.put(url, json={**VALID, "wafer_id": "W99"}), 422)
    problem(client.put(url, json={**VALID, "cd": -1}), 400)

    deleted = client.delete(url)
    assert deleted.status_code == 204
    assert deleted.get_data() == b""
    assert str(measurement_id) in problem(client.get(url), 404)["detail"]
    problem(client.delete(url), 404)
    problem(client.put(url, json=VALID), 404)


@pytest.mark.points(2)
def test_swagger_documents_models_and_error_responses(client):
    spec = client.get("/swagger.json").get_json()
    problem_ref = {"$ref": "#/definitions/Problem"}
    collection = spec["paths"]["/measurements"]["post"]
    item = spec["paths"]["/measurements/{measurement_id}"]

    assert collection["responses"]["201"]["schema"] == {"$ref": "#/definitions/Measurement"}
    assert collection["responses"]["400"]["schema"] == problem_ref
    assert collection["responses"]["422"]["schema"] == problem_ref
    body = next(p for p in collection["parameters"] if p["in"] == "body")
    assert body["schema"] == {"$ref": "#/definitions/MeasurementInput"}
    for method in ("get", "put", "delete"):
        assert item[method]["responses"]["404"]["schema"] == problem_ref, method
    assert "204" in item["delete"]["responses"]
    definition = spec["definitions"]["MeasurementInput"]
    assert definition["additionalProperties"] is False
    assert set(definition["required"]) == {"wafer_id", "field", "dose", "focus", "cd"}
    assert set(spec["definitions"]["Measurement"]["properties"]) == {
        "id", "wafer_id", "field", "feature", "dose", "focus", "cd",
    }
