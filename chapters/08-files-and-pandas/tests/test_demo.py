"""Tests of the chapter 08 demo (not graded): uploads, reports, exports, summaries, retention,
and bad input answered with a 4xx problem document and nothing stored."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select, update

from ch08_demo.config import ConfigError, Settings
from ch08_demo.extensions import db
from ch08_demo.models import STORED_NAME, Dataset

PROBLEM = "application/problem+json"

FEM = "Exposure,Defocus,CD,Wafer_ID,Field\n" + "".join(
    f"{dose},{focus},{45 - (dose - 24) * 1.8 - 150 * focus ** 2:.3f},W01,{n}\n"
    for n, (dose, focus) in enumerate(
        ((d, f) for d in (22.0, 24.0, 26.0) for f in (-0.1, 0.0, 0.1)), start=1)
)


def upload(client, text, name="fem.csv", raw=False):
    data = text.encode() if isinstance(text, str) else text
    if raw:
        return client.post(f"/datasets/?filename={name}", data=data, content_type="text/csv")
    return client.post("/datasets/", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def stored(app, upload_dir):
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Dataset))
    return rows, sorted(p.name for p in upload_dir.iterdir())


def test_swagger_ui_and_spec_are_served(client):
    assert client.get("/swagger").status_code == 200
    paths = set(client.get("/swagger.json").get_json()["paths"])
    assert {"/datasets/", "/datasets/validate", "/datasets/{dataset_id}/export",
            "/datasets/{dataset_id}/conditions", "/retention/cleanup"} <= paths


@pytest.mark.parametrize("raw", [False, True])
def test_a_valid_upload_is_stored_under_a_server_name(client, app, upload_dir, raw):
    response = upload(client, FEM, name="../lot 7/fem.csv", raw=raw)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert STORED_NAME.fullmatch(body["stored_name"])
    assert body["original_name"] == "lot_7_fem.csv"
    assert body["rows"] == 9
    assert body["warnings"] == []
    assert response.headers["Location"].endswith(f"/datasets/{body['id']}")
    assert stored(app, upload_dir) == (1, [body["stored_name"]])
    assert (upload_dir / body["stored_name"]).read_text() == FEM


def test_row_problems_are_a_422_with_every_row_and_nothing_stored(client, app, upload_dir):
    text = FEM.replace("22.0,-0.1,", "abc,-0.1,").replace("26.0,0.1,", "0,0.1,")
    text += "\n24.0,,45.0,W01,10\n"  # a blank line 11, then line 12 with no focus
    response = upload(client, text)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    errors = response.get_json()["errors"]
    assert [(e["row"], e["column"], e["problem"]) for e in errors] == [
        (2, "Dose", "not_a_number"), (10, "Dose", "out_of_range"), (12, "Focus", "missing"),
    ]
    assert stored(app, upload_dir) == (0, [])


@pytest.mark.parametrize(("body", "status"), [
    (b"PK\x03\x04" + b"\x00" * 64, 415),              # a workbook named fem.csv
    (b"", 400),
    (FEM.encode() * 400, 413),                         # over the test's 64 KiB limit
    ("Dose,Focus,CD\n24,0,45\n".encode("utf-16"), 415),  # NUL bytes
    (b"Dose,Focus,CD\n1,2,3,4\n", 422),                 # more fields than the header
    (b"Focus,CD\n0,45\n", 422),                         # no dose column
])
def test_bad_files_are_a_4xx_problem_and_nothing_is_stored(client, app, upload_dir, body, status):
    response = upload(client, body)
    assert response.status_code == status, response.get_json()
    assert response.mimetype == PROBLEM
    assert response.get_json()["detail"]
    assert stored(app, upload_dir) == (0, [])


def test_a_form_without_a_file_part_is_a_400(client, app, upload_dir):
    response = client.post("/datasets/", data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM
    assert stored(app, upload_dir) == (0, [])


def test_validate_reports_without_storing(client, app, upload_dir):
    text = FEM + "24.0,0.0,45.0,W01,5\n"  # same wafer, field, dose, focus as row 6
    response = client.post("/datasets/validate", data={"file": (io.BytesIO(text.encode()), "f")},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    report = response.get_json()
    assert report["valid"] is True
    assert report["rows"] == 10
    assert [(w["row"], w["problem"]) for w in report["warnings"]] == [(11, "duplicate")]
    assert stored(app, upload_dir) == (0, [])


def test_exports_stream_csv_and_send_parquet(client):
    dataset_id = upload(client, FEM).get_json()["id"]
    response = client.get(f"/datasets/{dataset_id}/export?format=csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Disposition"] == "attachment; filename=fem.csv"
    frame = pd.read_csv(io.BytesIO(response.data))
    assert list(frame.columns) == ["Dose", "Focus", "CD", "Wafer_ID", "Field", "Feature", "X", "Y"]
    assert frame["Dose"].tolist() == [22.0] * 3 + [24.0] * 3 + [26.0] * 3
    response = client.get(f"/datasets/{dataset_id}/export?format=parquet")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.apache.parquet"
    parquet = pq.ParquetFile(io.BytesIO(response.data))
    assert parquet.metadata.num_rows == 9
    assert parquet.metadata.num_row_groups == 2, "READ_CHUNK_ROWS=7: two chunks, two row groups"
    bad = client.get(f"/datasets/{dataset_id}/export?format=xlsx")
    assert bad.status_code == 400
    assert bad.mimetype == PROBLEM


def test_conditions_are_summarised_over_chunks(client):
    text = FEM + "".join(f"24.0,0.0,{cd},W02,5\n" for cd in (46.0, 47.0))
    dataset_id = upload(client, text).get_json()["id"]
    table = client.get(f"/datasets/{dataset_id}/conditions").get_json()
    assert len(table) == 9
    centre = next(row for row in table if row["dose"] == 24.0 and row["focus"] == 0.0)
    assert centre == {"dose": 24.0, "focus": 0.0, "points": 3, "mean_cd": 46.0,
                      "min_cd": 45.0, "max_cd": 47.0}


def test_unknown_datasets_are_404_problems(client):
    for method, path in [("get", "/datasets/99"), ("delete", "/datasets/99"),
                         ("get", "/datasets/99/export"), ("get", "/datasets/99/conditions")]:
        response = getattr(client, method)(path)
        assert response.status_code == 404, path
        assert response.mimetype == PROBLEM, path


def test_delete_removes_row_and_file(client, app, upload_dir):
    dataset_id = upload(client, FEM).get_json()["id"]
    assert client.delete(f"/datasets/{dataset_id}").status_code == 204
    assert stored(app, upload_dir) == (0, [])


def test_retention_dry_run_then_cleanup(client, app, upload_dir):
    old = upload(client, FEM).get_json()
    new = upload(client, FEM).get_json()
    with app.app_context():
        db.session.execute(update(Dataset).where(Dataset.id == old["id"])
                           .values(created_at=datetime.now(UTC) - timedelta(days=31)))
        db.session.commit()
    dry = client.post("/retention/cleanup", json={})
    assert dry.status_code == 200
    assert (dry.get_json()["dry_run"], dry.get_json()["datasets"]) == (True, [old["id"]])
    assert stored(app, upload_dir)[0] == 2
    real = client.post("/retention/cleanup", json={"dry_run": False, "max_age_days": 30})
    assert real.get_json()["files"] == [old["stored_name"]]
    assert stored(app, upload_dir) == (1, [new["stored_name"]])
    bad = client.post("/retention/cleanup", json={"max_age_days": 0})
    assert bad.status_code == 400
    assert bad.mimetype == PROBLEM


def test_settings_from_the_environment():
    settings = Settings.from_env({"MAX_UPLOAD_BYTES": "1024", "RETENTION_DAYS": "7"})
    assert (settings.max_upload_bytes, settings.retention_days) == (1024, 7)
    with pytest.raises(ConfigError):
        Settings.from_env({"MAX_UPLOAD_BYTES": "lots"})
    with pytest.raises(ConfigError):
        Settings.from_env({"READ_CHUNK_ROWS": "0"})
