"""Graded: ex05_service_layer, a Flask-free service behind a thin restx route.

The data are the demo's noiseless mock FEM: CD = 45 − 45·ln(E/24) + 120·(F − 0.03)² on 15 doses
(18-32 mJ/cm²) × 13 foci (±0.3 µm). The response surface represents it exactly, so with target
45 nm the dose-to-size is 24 mJ/cm², the best focus 0.03 µm, and the rectangle DOF at EL is
2·√((2δ − β·ε)/α), ε = 2·atanh(EL/200), δ = 4.5 nm (tolerance 10 %).
"""

import numpy as np
import pytest

from ch09_demo.services.mock import mock_fem

HINT = (
    "Write DatasetService first and test it without Flask: validate every measurement (JSON "
    "pointers count from 0), store only when all is well, raise the domain errors. Then the "
    "routes: parse, call one service method, return its dict; map errors in STATUS_OF."
)

MEASUREMENTS = mock_fem().to_dict(orient="records")
WINDOW_STEP = 0.6 / 400  # the demo's analysis uses 401 foci over the sampled range


def closed_form_dof(el):
    return 2 * np.sqrt((2 * 4.5 - 45 * 2 * np.arctanh(el / 200)) / 120)


def check_window(window, dataset_id):
    assert window["dataset_id"] == dataset_id
    assert window["dose_to_size"] == pytest.approx(24.0, rel=1e-6)
    assert window["best_focus"] == pytest.approx(0.03, abs=1e-6)
    # widest band at best focus: 2δ/β in ln dose, EL = 200·tanh(δ/β)
    assert window["max_el_pct"] == pytest.approx(200 * np.tanh(0.1), rel=1e-3)
    by_el = {row["el_pct"]: row for row in window["process_window"]}
    for el in (5.0, 10.0):
        dof = closed_form_dof(el)
        assert dof - 2 * WINDOW_STEP - 1e-9 <= by_el[el]["dof"] <= dof + 1e-9, by_el[el]


@pytest.mark.points(3)
def test_the_service_works_without_flask(ex):
    repository = {}
    service = ex.DatasetService(repository)

    summary = service.create_dataset("FEM W07", MEASUREMENTS)

    assert summary == {"id": 1, "name": "FEM W07", "points": 195, "doses": 15, "foci": 13}
    assert list(repository) == [1], "the injected repository holds the dataset"
    assert service.create_dataset("again", MEASUREMENTS[:60])["id"] == 2
    assert service.get_dataset(1) == summary
    check_window(service.window(1, 45.0, 10.0), dataset_id=1)


@pytest.mark.points(3)
def test_the_service_raises_domain_errors_and_stores_nothing(ex):
    repository = {}
    service = ex.DatasetService(repository)
    bad = [dict(m) for m in MEASUREMENTS[:8]]
    del bad[1]["cd"]
    bad[3]["dose"] = 0
    bad[4]["cd"] = True
    bad[5]["focus"] = "0.1"
    bad[6] = ["not", "an", "object"]

    with pytest.raises(ex.InvalidMeasurements) as raised:
        service.create_dataset("bad", bad)

    assert raised.value.problems == [
        {"pointer": "/measurements/1/cd", "message": "missing"},
        {"pointer": "/measurements/3/dose", "message": "must be positive"},
        {"pointer": "/measurements/4/cd", "message": "not a finite number"},
        {"pointer": "/measurements/5/focus", "message": "not a finite number"},
        {"pointer": "/measurements/6", "message": "not an object"},
    ]
    nan = [dict(m) for m in MEASUREMENTS]
    nan[-1]["cd"] = float("nan")
    with pytest.raises(ex.InvalidMeasurements, match="1 problem"):
        service.create_dataset("nan", nan)
    one_dose = [m for m in MEASUREMENTS if m["dose"] == 24.0]
    with pytest.raises(ex.InvalidMeasurements) as raised:
        service.create_dataset("one dose", one_dose)
    assert raised.value.problems[0]["pointer"] == "/measurements"
    assert repository == {}, "a refused dataset must not be stored"

    with pytest.raises(ex.DatasetNotFound):
        service.get_dataset(1)
    service.create_dataset("ok", MEASUREMENTS)
    with pytest.raises(ex.DatasetNotFound):
        service.window(2, 45.0, 10.0)
    with pytest.raises(ex.InvalidSpec) as raised:
        service.window(1, -45.0, 100.0)
    assert set(raised.value.errors) == {"target_cd", "tolerance_pct"}
    for target in (float("nan"), float("inf")):
        with pytest.raises(ex.InvalidSpec) as raised:
            service.window(1, target, 10.0)
        assert set(raised.value.errors) == {"target_cd"}, target
    # 80 nm is printed at best focus only below 18 mJ/cm² (45·ln(24/E) = 35): no extrapolation
    with pytest.raises(ex.NotAnalysable):
        service.window(1, 80.0, 10.0)


@pytest.fixture
def client(ex):
    return ex.create_app(ex.DatasetService()).test_client()


@pytest.mark.points(2)
def test_routes_create_read_and_analyse(client):
    created = client.post("/datasets", json={"name": "FEM W07", "measurements": MEASUREMENTS})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["Location"].endswith("/datasets/1")
    assert created.get_json() == {"id": 1, "name": "FEM W07", "points": 195, "doses": 15,
                                  "foci": 13}

    assert client.get("/datasets/1").get_json() == created.get_json()
    response = client.get("/datasets/1/window?target_cd=45&tolerance_pct=10")
    assert response.status_code == 200, response.get_data(as_text=True)
    check_window(response.get_json(), dataset_id=1)


@pytest.mark.points(3)
def test_routes_answer_bad_requests_with_problems(ex, client, problem):
    bad = [dict(m) for m in MEASUREMENTS]
    bad[2]["dose"] = -24.0
    refused = problem(client.post("/datasets", json={"name": "x", "measurements": bad}), 422)
    assert refused["problems"] == [{"pointer": "/measurements/2/dose",
                                    "message": "must be positive"}]
    problem(client.post("/datasets", json={"measurements": {"dose": 1}}), 400)
    problem(client.post("/datasets", data="dose,focus,cd", content_type="text/csv"), 400)
    problem(client.get("/datasets/1"), 404)  # nothing was stored

    assert client.post("/datasets", json={"measurements": MEASUREMENTS}).status_code == 201
    missing = problem(client.get("/datasets/1/window?tolerance_pct=10"), 400)
    assert "target_cd" in missing["errors"], missing
    wrong = problem(client.get("/datasets/1/window?target_cd=45&tolerance_pct=ten"), 400)
    assert "tolerance_pct" in wrong["errors"], wrong
    spec = problem(client.get("/datasets/1/window?target_cd=45&tolerance_pct=150"), 422)
    assert list(spec["errors"]) == ["tolerance_pct"]
    problem(client.get("/datasets/1/window?target_cd=80&tolerance_pct=10"), 422)
    problem(client.get("/datasets/7/window?target_cd=45&tolerance_pct=10"), 404)


class FakeService:
    """Stands in for DatasetService: records calls, returns canned answers or raises."""

    def __init__(self, ex, raise_error=None):
        self.ex, self.error, self.calls = ex, raise_error, []

    def create_dataset(self, name, measurements):
        self.calls.append(("create_dataset", name, measurements))
        if self.error:
            raise self.error
        return {"id": 41, "canned": True}

    def get_dataset(self, dataset_id):
        self.calls.append(("get_dataset", dataset_id))
        if self.error:
            raise self.error
        return {"id": dataset_id, "canned": True}

    def window(self, dataset_id, target_cd, tolerance_pct):
        self.calls.append(("window", dataset_id, target_cd, tolerance_pct))
        if self.error:
            raise self.error
        return {"anything": "the service says", "dataset_id": dataset_id}


@pytest.mark.points(2)
def test_routes_are_thin(ex, problem):
    fake = FakeService(ex)
    client = ex.create_app(fake).test_client()

    created = client.post("/datasets", json={"name": "n", "measurements": [{"dose": 1}]})
    assert (created.status_code, created.get_json()) == (201, {"id": 41, "canned": True})
    assert created.headers["Location"].endswith("/datasets/41")
    window = client.get("/datasets/3/window?target_cd=44.5&tolerance_pct=8")
    assert window.get_json() == {"anything": "the service says", "dataset_id": 3}
    assert fake.calls == [("create_dataset", "n", [{"dose": 1}]), ("window", 3, 44.5, 8.0)]

    class TooNarrow(ex.InvalidSpec):
        """A subclass the route has never heard of: mapped through its base class."""

    for error, status in ((ex.DatasetNotFound("dataset 3 not found"), 404),
                          (TooNarrow({"tolerance_pct": "too narrow"}), 422),
                          (ex.NotAnalysable("no window"), 422)):
        client = ex.create_app(FakeService(ex, error)).test_client()
        body = problem(client.get("/datasets/3/window?target_cd=45&tolerance_pct=10"), status)
        assert body["detail"] == error.detail
