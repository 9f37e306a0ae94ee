"""The README's path, through the API only: register, log in, upload an example file, analyse,
read numbers that match the example's known truth (examples/README.md), plots, report. Plus the
failures on that path, each a clear 4xx that stores nothing, and the load-demo command."""

from __future__ import annotations

from pathlib import Path

import pytest

from litho_platform.extensions import db
from litho_platform.models import Analysis, Dataset

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PASSWORD = "Reticle-Bossung-42"


def sign_up(client) -> dict[str, str]:
    registered = client.post(
        "/api/v1/auth/register",
        json={"username": "engineer7", "email": "engineer7@fab.example", "password": PASSWORD},
    )
    assert registered.status_code == 201
    tokens = client.post(
        "/api/v1/auth/login", json={"username": "engineer7", "password": PASSWORD}
    ).json
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def upload_example(client, headers, name: str):
    with (EXAMPLES / name).open("rb") as stream:
        return client.post(
            "/api/v1/datasets",
            data={"file": (stream, name)},
            headers=headers,
            content_type="multipart/form-data",
        )


def test_the_readme_path_gives_the_known_answers(client):
    headers = sign_up(client)
    dataset = upload_example(client, headers, "fem_clean.csv")
    assert dataset.status_code == 201, dataset.json
    started = client.post(
        "/api/v1/analyses",
        json={"dataset_id": dataset.json["id"], "target_cd": 45, "tolerance_pct": 10},
        headers=headers,
    )
    assert started.status_code == 202
    analysis = client.get(started.headers["Location"], headers=headers).json
    assert analysis["status"] == "succeeded"
    results = analysis["results"]
    # examples/README.md: best focus 0, dose-to-size 24, max EL 19.93 %, DOF at EL 0 0.548 µm,
    # DOF 0.474 µm at 5 % (ellipse 0.511) and 0.387 µm at 10 % (ellipse 0.467); noise 0.3 nm.
    assert results["best_focus"] == pytest.approx(0.0, abs=0.01)
    assert results["dose_to_size"] == pytest.approx(24.0, abs=0.1)
    assert results["max_el_pct"] == pytest.approx(19.93, abs=0.5)
    assert results["dof_at_zero_el"] == pytest.approx(0.548, abs=0.02)
    window = {row["el_pct"]: row for row in results["process_window"]}
    assert window[5.0]["dof"] == pytest.approx(0.474, abs=0.02)
    assert window[10.0]["dof"] == pytest.approx(0.387, abs=0.02)
    assert window[5.0]["ellipse_dof"] == pytest.approx(0.511, abs=0.02)
    assert window[10.0]["ellipse_dof"] == pytest.approx(0.467, abs=0.02)
    for kind in ("bossung", "process-window", "el-dof", "cd-map"):
        plot = client.get(f"/api/v1/analyses/{analysis['id']}/plots/{kind}.png", headers=headers)
        assert plot.status_code == 200
        assert plot.data.startswith(b"\x89PNG")
    report = client.get(f"/api/v1/analyses/{analysis['id']}/report", headers=headers)
    assert report.status_code == 200
    assert "fem_clean" in report.get_data(as_text=True)


def test_the_fields_example_gives_the_common_window(client):
    headers = sign_up(client)
    dataset = upload_example(client, headers, "fem_fields.csv").json
    analysis = client.post(
        "/api/v1/analyses",
        json={"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10, "by": "Field"},
        headers=headers,
    ).json
    results = analysis["results"]
    best = {name: group["best_focus"] for name, group in results["groups"].items()}
    assert best == pytest.approx({"1": -0.04, "2": 0.0, "3": 0.05}, abs=0.01)
    window = {row["el_pct"]: row for row in results["process_window"]}
    assert window[5.0]["dof"] == pytest.approx(0.384, abs=0.02)
    assert window[10.0]["dof"] == pytest.approx(0.297, abs=0.02)
    assert window[5.0]["center_focus"] == pytest.approx(0.005, abs=0.01)


def test_the_isofocal_example(client):
    headers = sign_up(client)
    dataset = upload_example(client, headers, "fem_isofocal.csv").json
    results = client.post(
        "/api/v1/analyses",
        json={"dataset_id": dataset["id"], "target_cd": 45, "tolerance_pct": 10},
        headers=headers,
    ).json["results"]
    assert results["isofocal_dose"] == pytest.approx(27.06, abs=0.2)
    assert results["isofocal_cd"] == pytest.approx(39.6, abs=0.3)


def test_the_broken_example_is_refused_with_its_rows_and_stores_nothing(app, client, problem):
    headers = sign_up(client)
    body = problem(upload_example(client, headers, "fem_with_errors.csv"), 422, "fem_validation")
    assert sorted({item["row"] for item in body["errors"] if item["row"]}) == [4, 6, 8, 10, 11]
    assert not (Path(app.instance_path) / "datasets").exists() or not any(
        (Path(app.instance_path) / "datasets").iterdir()
    )
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Dataset.id))) == 0


def test_failures_on_the_path_are_clear_4xx_and_store_nothing(app, client, problem):
    problem(client.post("/api/v1/datasets"), 401)
    headers = sign_up(client)
    problem(client.post("/api/v1/analyses", json={"dataset_id": 1}, headers=headers), 400)
    problem(
        client.post(
            "/api/v1/analyses",
            json={"dataset_id": 1, "target_cd": 45, "tolerance_pct": 10},
            headers=headers,
        ),
        404,
    )
    problem(client.get("/api/v1/analyses/1/report", headers=headers), 404)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Analysis.id))) == 0


def test_load_demo_command(app, client):
    sign_up(client)
    result = app.test_cli_runner().invoke(args=["load-demo", "--username", "engineer7"])
    assert result.exit_code == 0, result.output
    assert "loaded fem_clean.csv" in result.output
    assert "skipped fem_with_errors.csv" in result.output
    with app.app_context():
        names = set(db.session.scalars(db.select(Dataset.name)))
    assert names == {"fem_clean", "fem_fields", "fem_isofocal"}


def test_load_demo_needs_an_existing_user(app):
    result = app.test_cli_runner().invoke(args=["load-demo", "--username", "nobody"])
    assert result.exit_code != 0
    assert "No user named 'nobody'" in result.output
