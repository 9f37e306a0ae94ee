"""Analyses: queueing (202 + Location), results against the generator's known truth, failures,
history, deletion with cache invalidation, plots with ETags, the report and comparisons."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from litho import Spec, analyze, generate
from litho_platform.extensions import cache, db
from litho_platform.models import Analysis
from litho_platform.services import analyses as analysis_service
from litho_platform.services import results_cache
from litho_platform.services.datasets import load_fem

LITHO_KEYS = {
    "spec",
    "model",
    "best_focus",
    "dose_to_size",
    "isofocal_dose",
    "isofocal_cd",
    "max_el_pct",
    "dof_at_zero_el",
    "process_window",
    "el_vs_dof",
    "bossung",
    "data_summary",
}
# Generator defaults (LITHO.md's truth model): T = c0 = 45 nm, e0 = 24, beta = 45, alpha = 120.
TARGET, BETA, ALPHA = 45.0, 45.0, 120.0


def truth_dof(el_pct: float, tolerance_pct: float = 10.0) -> float:
    """Rectangle DOF at EL of the truth model: 2·sqrt((2δ − β·ε)/α), ε = 2·atanh(EL/200)."""
    delta = TARGET * tolerance_pct / 100
    epsilon = 2 * math.atanh(el_pct / 200)
    return 2 * math.sqrt((2 * delta - BETA * epsilon) / ALPHA)


def start(client, user, dataset_id, **parameters):
    body = {"dataset_id": dataset_id, "target_cd": 45, "tolerance_pct": 10, **parameters}
    return client.post("/api/v1/analyses", json=body, headers=user.headers)


@pytest.fixture
def clean_dataset(upload, engineer, fem_bytes) -> int:
    """Noise-free truth-model data: the results must match the closed-form answers."""
    return upload(engineer, fem_bytes(), "truth.csv").json["id"]


@pytest.fixture
def finished(client, engineer, clean_dataset) -> dict:
    response = start(client, engineer, clean_dataset)
    assert response.json["status"] == "succeeded", response.json
    return response.json


def test_post_is_202_with_location_and_runs_in_process(client, engineer, clean_dataset):
    response = start(client, engineer, clean_dataset)
    assert response.status_code == 202
    assert response.headers["Location"] == f"/api/v1/analyses/{response.json['id']}"
    polled = client.get(response.headers["Location"], headers=engineer.headers).json
    assert polled["status"] == "succeeded"
    assert polled["progress"] == 1.0
    assert polled["stage"] == "done"
    assert polled["error"] is None
    assert polled["started_at"] <= polled["finished_at"]


def test_results_match_the_known_truth(finished):
    results = finished["results"]
    assert set(results) >= LITHO_KEYS
    assert results["best_focus"] == pytest.approx(0.0, abs=0.005)
    assert results["dose_to_size"] == pytest.approx(24.0, rel=1e-3)
    assert results["isofocal_dose"] is None
    assert results["isofocal_cd"] is None
    assert results["spec"] == {
        "target_cd": 45.0,
        "tolerance_pct": 10.0,
        "cd_min": 40.5,
        "cd_max": 49.5,
    }
    rows = {row["el_pct"]: row for row in results["process_window"]}
    assert set(rows) == {5.0, 10.0}
    for el in (5.0, 10.0):
        assert rows[el]["dof"] == pytest.approx(truth_dof(el), rel=0.02)
        assert rows[el]["clipped"] is False
    assert results["dof_at_zero_el"] == pytest.approx(truth_dof(0.0), rel=0.02)
    assert results["max_el_pct"] == pytest.approx(200 * math.tanh(0.1), rel=0.02)
    assert results["model"]["rms_residual"] == pytest.approx(0.0, abs=1e-6)
    assert results["data_summary"]["points"] == 17 * 9
    assert len(results["bossung"]) == 17


def _key_paths(value, prefix=""):
    """Every key path in nested dicts and lists of dicts ("process_window[].dof", ...)."""
    if isinstance(value, dict):
        paths = set()
        for key, item in value.items():
            paths |= {f"{prefix}{key}"} | _key_paths(item, f"{prefix}{key}.")
        return paths
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return _key_paths(value[0], prefix.rstrip(".") + "[].")
    return set()


def test_results_carry_every_key_the_engine_returns(app, finished):
    with app.app_context():
        analysis = db.session.get(Analysis, finished["id"])
        data = load_fem(analysis.dataset)
    engine_results = analyze(data, Spec(45, 10))
    assert _key_paths(engine_results) <= _key_paths(finished["results"])


def test_parameters_are_stored_normalised(client, engineer, clean_dataset):
    response = start(
        client,
        engineer,
        clean_dataset,
        el_pct=[2, 8],
        model="bossung",
        focus_degree=4,
        el_ref="log",
    )
    assert response.json["parameters"] == {
        "target_cd": 45.0,
        "tolerance_pct": 10.0,
        "el_pct": [2.0, 8.0],
        "model": "bossung",
        "focus_degree": 4,
        "el_ref": "log",
        "by": None,
    }
    assert response.json["status"] == "succeeded"
    assert [row["el_pct"] for row in response.json["results"]["process_window"]] == [2.0, 8.0]


def test_grouped_analysis_reports_groups_and_their_overlap(client, engineer):
    created = client.post(
        "/api/v1/datasets/mock",
        json={"fields": 2, "field_focus_offsets": [0.0, 0.06], "seed": 5},
        headers=engineer.headers,
    ).json
    response = start(client, engineer, created["id"], by="Field")
    assert response.json["status"] == "succeeded", response.json
    results = response.json["results"]
    assert response.json["parameters"]["by"] == "field"
    assert set(results["groups"]) == {"1", "2"}
    assert results["groups"]["1"]["best_focus"] == pytest.approx(0.0, abs=0.005)
    assert results["groups"]["2"]["best_focus"] == pytest.approx(0.06, abs=0.005)
    assert results["model"]["kind"] == "overlap"
    overlap_dof = results["process_window"][0]["dof"]
    assert overlap_dof < results["groups"]["1"]["process_window"][0]["dof"]


@pytest.mark.parametrize(
    ("parameters", "status", "field"),
    [
        ({"tolerance_pct": 0}, 422, "tolerance_pct"),
        ({"tolerance_pct": 150}, 422, "tolerance_pct"),
        ({"target_cd": -5}, 422, "target_cd"),
        ({"target_cd": 1e300}, 400, "target_cd"),
        ({"el_pct": [250]}, 400, "el_pct.0"),
        ({"el_pct": [200]}, 422, "el_pct"),
        ({"el_ref": "sideways"}, 422, "el_ref"),
        ({"by": "Feature"}, 422, "by"),
        ({"model": "neural"}, 400, "model"),
        ({"focus_degree": 3}, 422, "focus_degree"),
        ({"target_cd": "45"}, 400, "target_cd"),
    ],
)
def test_invalid_parameters_are_refused_and_nothing_is_stored(
    app, client, engineer, clean_dataset, problem, parameters, status, field
):
    body = problem(start(client, engineer, clean_dataset, **parameters), status)
    assert field in {item["field"] for item in body["errors"]}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Analysis.id))) == 0


def test_missing_dataset_id_is_400(client, engineer, problem):
    response = client.post(
        "/api/v1/analyses", json={"target_cd": 45, "tolerance_pct": 10}, headers=engineer.headers
    )
    problem(response, 400, "validation_failed")


def test_another_users_dataset_cannot_be_analysed(client, other_engineer, clean_dataset, problem):
    problem(start(client, other_engineer, clean_dataset), 404, "not_found")


def test_engine_failure_marks_the_analysis_failed(client, engineer, upload):
    frame = generate(fields=2, seed=6)
    # Field 2 keeps only two focus values: the data set is valid, field 2 alone cannot be fitted.
    frame = frame[(frame["Field"] == 1) | frame["Focus"].isin([0.0, 0.1])]
    dataset = upload(engineer, frame.to_csv(index=False).encode(), "uneven.csv").json
    response = start(client, engineer, dataset["id"], by="Field")
    assert response.status_code == 202
    assert response.json["status"] == "failed"
    assert "focus" in response.json["error"]
    assert response.json["results"] is None


def test_unexpected_engine_error_fails_with_a_generic_message(
    client, engineer, clean_dataset, monkeypatch
):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("internal detail")

    monkeypatch.setattr(analysis_service, "analyze", broken)
    response = start(client, engineer, clean_dataset)
    assert response.json["status"] == "failed"
    assert response.json["error"] == "The analysis failed unexpectedly."


def test_progress_is_written_while_running(app, client, engineer, clean_dataset, monkeypatch):
    seen = {}
    real_analyze = analysis_service.analyze

    def observed(data, spec, options, progress):
        progress(0.3, "fit")
        with db.engine.connect() as connection:  # another connection sees only committed state
            seen["row"] = connection.execute(
                text("SELECT status, progress, stage FROM analyses")
            ).one()
        return real_analyze(data, spec, options, progress)

    monkeypatch.setattr(analysis_service, "analyze", observed)
    assert start(client, engineer, clean_dataset).json["status"] == "succeeded"
    assert tuple(seen["row"]) == ("running", 0.3, "fit")


def test_history_is_paginated_and_filtered(
    client, engineer, other_engineer, admin, upload, fem_bytes
):
    first = upload(engineer, fem_bytes()).json["id"]
    second = upload(engineer, fem_bytes(seed=2)).json["id"]
    ids = [start(client, engineer, first).json["id"] for _ in range(3)]
    ids.append(start(client, engineer, second).json["id"])
    other_dataset = upload(other_engineer, fem_bytes()).json["id"]
    start(client, other_engineer, other_dataset)

    page = client.get("/api/v1/analyses?per_page=2", headers=engineer.headers).json
    assert page["total"] == 4
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert page["items"][0]["headline"]["dose_to_size"] == pytest.approx(24.0, rel=1e-3)
    by_dataset = client.get(f"/api/v1/analyses?dataset_id={second}", headers=engineer.headers)
    assert [item["id"] for item in by_dataset.json["items"]] == [ids[3]]
    oldest_first = client.get("/api/v1/analyses?sort=created_at", headers=engineer.headers).json
    assert [item["id"] for item in oldest_first["items"]] == ids
    assert (
        client.get("/api/v1/analyses?created_after=2999-01-01", headers=engineer.headers).json[
            "total"
        ]
        == 0
    )
    assert (
        client.get(
            "/api/v1/analyses?created_before=2999-01-01T00:00:00Z&status=succeeded",
            headers=engineer.headers,
        ).json["total"]
        == 4
    )
    everyone = client.get("/api/v1/analyses", headers=admin.headers).json
    assert everyone["total"] == 5
    theirs = client.get(f"/api/v1/analyses?owner_id={other_engineer.id}", headers=admin.headers)
    assert theirs.json["total"] == 1


@pytest.mark.parametrize(
    "query", ["created_after=yesterday", "page=0", "per_page=101", "status=done", "dataset_id=x"]
)
def test_bad_history_queries_are_400(client, engineer, problem, query):
    problem(client.get(f"/api/v1/analyses?{query}", headers=engineer.headers), 400)


def test_owner_filter_is_for_admins_only(client, engineer, problem):
    problem(client.get("/api/v1/analyses?owner_id=1", headers=engineer.headers), 403, "forbidden")


PLOTS = [(kind, fmt) for kind in results_cache.PLOT_KINDS for fmt in results_cache.PLOT_FORMATS]


@pytest.mark.parametrize(("kind", "fmt"), PLOTS)
def test_plots(client, engineer, finished, kind, fmt):
    response = client.get(
        f"/api/v1/analyses/{finished['id']}/plots/{kind}.{fmt}", headers=engineer.headers
    )
    assert response.status_code == 200
    if fmt == "png":
        assert response.mimetype == "image/png"
        assert response.data.startswith(b"\x89PNG")
    else:
        assert response.mimetype == "image/svg+xml"
        assert b"<svg" in response.data[:500]


def test_plot_etag_gives_304(client, engineer, finished):
    url = f"/api/v1/analyses/{finished['id']}/plots/el-dof.svg"
    first = client.get(url, headers=engineer.headers)
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = client.get(url, headers={**engineer.headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize("path", ["plots/rainbow.png", "plots/bossung.gif", "plots/bossung"])
def test_unknown_plot_is_404(client, engineer, finished, problem, path):
    problem(client.get(f"/api/v1/analyses/{finished['id']}/{path}", headers=engineer.headers), 404)


def test_report_is_self_contained_html(client, engineer, finished):
    response = client.get(f"/api/v1/analyses/{finished['id']}/report", headers=engineer.headers)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<script" not in html.lower()
    assert "javascript:" not in html.lower()
    assert html.count("data:image/svg+xml;base64,") == 4
    assert "Process window" in html
    assert "Bossung fits" in html
    assert "@media print" in html
    assert "24" in html  # dose to size
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_report_escapes_user_text(client, engineer, upload, fem_bytes):
    dataset = upload(engineer, fem_bytes(), "fem.csv", name="<img src=x onerror=alert(1)>").json
    analysis = start(client, engineer, dataset["id"]).json
    html = client.get(
        f"/api/v1/analyses/{analysis['id']}/report", headers=engineer.headers
    ).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html


def test_failed_analysis_has_no_plots_or_report(
    client, engineer, clean_dataset, problem, monkeypatch
):
    monkeypatch.setattr(analysis_service, "analyze", lambda *a, **k: 1 / 0)
    failed = start(client, engineer, clean_dataset).json
    problem(
        client.get(f"/api/v1/analyses/{failed['id']}/plots/bossung.png", headers=engineer.headers),
        409,
        "analysis_not_succeeded",
    )
    problem(client.get(f"/api/v1/analyses/{failed['id']}/report", headers=engineer.headers), 409)


def test_delete_drops_the_cached_results_and_plots(app, client, engineer, finished, problem):
    analysis_id = finished["id"]
    client.get(f"/api/v1/analyses/{analysis_id}/plots/bossung.png", headers=engineer.headers)
    client.get(f"/api/v1/analyses/{analysis_id}/report", headers=engineer.headers)
    with app.app_context():
        assert cache.get(results_cache.plot_key(analysis_id, "bossung", "png")) is not None
        assert cache.get(results_cache.results_key(analysis_id)) is not None
        assert cache.get(results_cache.report_key(analysis_id)) is not None
    assert (
        client.delete(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers).status_code
        == 204
    )
    with app.app_context():
        assert cache.get(results_cache.plot_key(analysis_id, "bossung", "png")) is None
        assert cache.get(results_cache.results_key(analysis_id)) is None
        assert cache.get(results_cache.report_key(analysis_id)) is None
    problem(client.get(f"/api/v1/analyses/{analysis_id}", headers=engineer.headers), 404)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("delete", ""), ("get", "/report"), ("get", "/plots/bossung.svg")],
)
def test_another_users_analysis_is_404(client, other_engineer, finished, problem, method, suffix):
    response = getattr(client, method)(
        f"/api/v1/analyses/{finished['id']}{suffix}", headers=other_engineer.headers
    )
    problem(response, 404)


def test_admin_reads_any_analysis(client, admin, finished):
    response = client.get(f"/api/v1/analyses/{finished['id']}", headers=admin.headers)
    assert response.status_code == 200


def test_viewer_cannot_start_or_delete(client, viewer, problem):
    problem(
        client.post(
            "/api/v1/analyses",
            json={"dataset_id": 1, "target_cd": 45, "tolerance_pct": 10},
            headers=viewer.headers,
        ),
        403,
    )
    problem(client.delete("/api/v1/analyses/1", headers=viewer.headers), 403)
    assert client.get("/api/v1/analyses", headers=viewer.headers).json["total"] == 0


def test_compare_gives_both_sides_and_deltas(client, engineer, clean_dataset):
    a = start(client, engineer, clean_dataset).json
    b = start(client, engineer, clean_dataset, tolerance_pct=8).json
    response = client.get(
        f"/api/v1/analyses/compare?a={a['id']}&b={b['id']}", headers=engineer.headers
    )
    assert response.status_code == 200
    body = response.json
    assert body["a"]["id"] == a["id"]
    assert body["b"]["id"] == b["id"]
    deltas = body["deltas"]
    for row, a_row, b_row in zip(
        deltas["dof_at_el"],
        a["results"]["process_window"],
        b["results"]["process_window"],
        strict=True,
    ):
        assert row["delta"] == pytest.approx(b_row["dof"] - a_row["dof"])
        assert row["delta"] < 0  # a tighter spec leaves less depth of focus
    assert deltas["dose_to_size"] == pytest.approx(0.0, abs=1e-6)
    assert deltas["max_el_pct"] == pytest.approx(
        b["results"]["max_el_pct"] - a["results"]["max_el_pct"]
    )
    assert body["a"]["ed_window"]
    assert body["b"]["ed_window"]


@pytest.mark.parametrize(("fmt", "mimetype"), [("svg", "image/svg+xml"), ("png", "image/png")])
def test_compare_overlay_image(client, engineer, clean_dataset, fmt, mimetype):
    a = start(client, engineer, clean_dataset).json["id"]
    b = start(client, engineer, clean_dataset, tolerance_pct=8).json["id"]
    response = client.get(
        f"/api/v1/analyses/compare?a={a}&b={b}&format={fmt}", headers=engineer.headers
    )
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["ETag"]


def test_compare_errors(
    client, engineer, other_engineer, finished, clean_dataset, problem, monkeypatch
):
    problem(
        client.get(f"/api/v1/analyses/compare?a={finished['id']}", headers=engineer.headers), 400
    )
    problem(
        client.get(
            f"/api/v1/analyses/compare?a={finished['id']}&b={finished['id']}",
            headers=other_engineer.headers,
        ),
        404,
    )
    monkeypatch.setattr(analysis_service, "analyze", lambda *a, **k: 1 / 0)
    failed = start(client, engineer, clean_dataset).json["id"]
    problem(
        client.get(
            f"/api/v1/analyses/compare?a={finished['id']}&b={failed}", headers=engineer.headers
        ),
        409,
    )
