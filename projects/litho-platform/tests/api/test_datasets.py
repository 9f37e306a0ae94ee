"""Datasets: upload validation that stores nothing on failure, safe names, ownership, listing,
download with formula neutralisation, mock generation, deletion."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from litho import generate, read_fem
from litho_platform.extensions import db
from litho_platform.models import Analysis, Dataset


def dataset_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Dataset.id)))


def test_upload_csv_stores_the_validated_table(app, upload, engineer, fem_bytes, files_in_store):
    response = upload(engineer, fem_bytes(noise_sigma=0.2, seed=1), "wafer 7 FEM.csv")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["name"] == "wafer 7 FEM"
    assert body["filename"] == "wafer_7_FEM.csv"
    assert body["file_format"] == "csv"
    assert body["source"] == "upload"
    summary = body["summary"]
    assert summary["points"] == 17 * 9
    assert summary["doses"] == 17
    assert summary["foci"] == 9
    assert summary["dose_range"] == [20.0, 28.0]
    assert summary["focus_range"] == [-0.4, 0.4]
    assert summary["columns"] == ["dose", "focus", "cd"]
    [stored] = files_in_store()
    assert stored.name.endswith(".parquet")
    assert "wafer" not in stored.name
    assert dataset_count(app) == 1


def test_upload_parquet(upload, engineer, parquet_bytes):
    frame = generate(fields=3, seed=2)
    response = upload(engineer, parquet_bytes(frame), "fem.parquet")
    assert response.status_code == 201, response.json
    assert response.json["file_format"] == "parquet"
    assert response.json["summary"]["groups"] == {"wafer_id": 1, "field": 3}


def test_duplicates_are_averaged_and_reported(upload, engineer, fem_bytes):
    content = fem_bytes(repeats=2, seed=3)
    body = upload(engineer, content).json
    assert body["summary"]["duplicates_averaged"] == 17 * 9
    assert body["summary"]["source_rows"] == 2 * 17 * 9
    assert any("averaged" in warning for warning in body["summary"]["warnings"])


BAD_CSV = {
    "missing-columns": (b"Dose,Focus\n20,0\n21,0.1\n", "missing column CD"),
    "text-in-numeric": (
        b"Dose,Focus,CD\n20,-0.1,45\n20,0,abc\n20,0.1,46\n21,-0.1,44\n21,0,43\n21,0.1,44\n",
        "'abc' is not a number",
    ),
    "nan-dose": (
        b"Dose,Focus,CD\n20,-0.1,45\nNaN,0,44\n20,0.1,46\n21,-0.1,44\n21,0,43\n21,0.1,44\n",
        "missing value",
    ),
    "header-only": (b"Dose,Focus,CD\n", "no data rows"),
    "too-few-foci": (b"Dose,Focus,CD\n20,0,45\n21,0,44\n20,0.1,46\n21,0.1,45\n", "at least 3"),
    "negative-dose": (
        b"Dose,Focus,CD\n-20,-0.1,45\n20,0,44\n20,0.1,46\n21,-0.1,44\n21,0,43\n21,0.1,44\n",
        "dose must be positive",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CSV))
def test_invalid_data_is_422_with_row_numbers_and_nothing_stored(
    app, upload, engineer, problem, files_in_store, case
):
    content, message = BAD_CSV[case]
    body = problem(upload(engineer, content), 422, "fem_validation")
    assert any(message in item["message"] for item in body["errors"]), body["errors"]
    assert dataset_count(app) == 0
    assert files_in_store() == []


def test_problems_carry_spreadsheet_rows_and_columns(upload, engineer, problem):
    body = problem(upload(engineer, BAD_CSV["text-in-numeric"][0]), 422)
    [item] = body["errors"]
    assert (item["row"], item["column"]) == (3, "CD")


def test_zero_bytes_is_422_and_nothing_stored(app, upload, engineer, problem, files_in_store):
    problem(upload(engineer, b""), 422, "empty_file")
    assert dataset_count(app) == 0
    assert files_in_store() == []


@pytest.mark.parametrize("filename", ["fem.xlsx", "fem.csv.exe", "fem", "fem.txt"])
def test_wrong_extension_is_415(
    app, upload, engineer, fem_bytes, problem, files_in_store, filename
):
    problem(upload(engineer, fem_bytes(), filename), 415, "unsupported_file_type")
    assert dataset_count(app) == 0
    assert files_in_store() == []


def test_content_that_contradicts_the_extension_is_415(
    app, upload, engineer, fem_bytes, parquet_bytes, problem, files_in_store
):
    problem(upload(engineer, fem_bytes(), "fem.parquet"), 415, "content_mismatch")
    problem(upload(engineer, parquet_bytes(generate()), "fem.csv"), 415, "content_mismatch")
    problem(upload(engineer, b"\x00\x01binary\x00", "fem.csv"), 415, "content_mismatch")
    assert dataset_count(app) == 0
    assert files_in_store() == []


@pytest.mark.parametrize("testing", [True, False], ids=["testing-on", "testing-off"])
def test_over_the_size_limit_is_413_and_nothing_stored(
    make_app, sign_in, fem_bytes, problem, testing
):
    app = make_app(TESTING=testing, MAX_CONTENT_LENGTH=4096)
    response = app.test_client().post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(fem_bytes(repeats=3)), "big.csv")},
        headers=sign_in(app),
        content_type="multipart/form-data",
    )
    body = problem(response, 413)
    assert "upload limit" in body["detail"]
    assert dataset_count(app) == 0
    assert not (Path(app.instance_path) / "datasets").exists()


def test_row_limit_is_422(make_app, sign_in, fem_bytes, problem):
    app = make_app(MAX_DATASET_ROWS=100)
    response = app.test_client().post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(fem_bytes()), "fem.csv")},
        headers=sign_in(app),
        content_type="multipart/form-data",
    )
    problem(response, 422, "fem_validation")
    assert dataset_count(app) == 0
    assert not (Path(app.instance_path) / "datasets").exists()


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("../../etc/passwd.csv", "passwd.csv"),
        # werkzeug's multipart parser already drops the backslashes of a quoted file name.
        ("..\\..\\windows\\system32\\fem.csv", "windowssystem32fem.csv"),
        ("/absolute/path/fem.csv", "fem.csv"),
        (".hidden.csv", "hidden.csv"),
        ("....csv", "dataset.csv"),
        ("fem name; rm -rf.csv", "fem_name_rm_-rf.csv"),
        ("x" * 300 + ".csv", "x" * 96 + ".csv"),
    ],
)
def test_path_tricks_in_the_filename_are_neutralised(
    app, upload, engineer, fem_bytes, files_in_store, filename, expected
):
    response = upload(engineer, fem_bytes(), filename)
    assert response.status_code == 201, response.json
    safe = response.json["filename"]
    assert safe == expected
    assert not any(part in safe for part in ("/", "\\", ".."))
    assert not safe.startswith(".")
    [stored] = files_in_store()
    assert stored.parent.name == "datasets"
    assert stored.parent.parent.name.startswith("instance")
    assert len(stored.stem) == 32  # the generated key, never the user's name


def test_display_name_is_kept_separately(upload, engineer, fem_bytes):
    response = upload(engineer, fem_bytes(), "fem.csv", name="Lot 42 — wafer 7\x07")
    assert response.json["name"] == "Lot 42 — wafer 7"
    assert response.json["filename"] == "fem.csv"


def test_missing_file_field_is_400(client, engineer, problem):
    response = client.post(
        "/api/v1/datasets",
        data={"name": "x"},
        headers=engineer.headers,
        content_type="multipart/form-data",
    )
    body = problem(response, 400, "validation_failed")
    assert body["errors"][0]["field"] == "file"


def test_upload_must_be_multipart(client, engineer, problem):
    response = client.post("/api/v1/datasets", json={"file": "x"}, headers=engineer.headers)
    problem(response, 415, "multipart_required")


def test_download_neutralises_formulas_in_text_columns(client, upload, engineer):
    frame = generate(fields=2, seed=4)
    frame["Feature"] = "line"
    frame.loc[0, "Feature"] = '=HYPERLINK("http://evil")'
    frame.loc[1, "Feature"] = "+1+1"
    frame.loc[2, "Feature"] = "@SUM(A1)"
    frame.loc[3, "Feature"] = "-2+3"
    frame.loc[4, "Feature"] = "\tcmd"
    frame["Wafer_ID"] = "=W01"
    dataset = upload(engineer, frame.to_csv(index=False).encode(), "fem.csv").json
    response = client.get(f"/api/v1/datasets/{dataset['id']}/data", headers=engineer.headers)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="fem.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(frame)
    features = {row["feature"] for row in rows}
    assert {'\'=HYPERLINK("http://evil")', "'+1+1", "'@SUM(A1)", "'-2+3", "'\tcmd"} <= features
    assert all(row["wafer_id"] == "'=W01" for row in rows)
    assert not any(value.startswith(("=", "+", "@")) for row in rows for value in row.values())
    # Numbers stay numbers: a negative focus is not a formula.
    assert any(row["focus"].startswith("-") for row in rows)


def test_download_round_trips_through_the_engine(client, upload, engineer, fem_bytes):
    dataset = upload(engineer, fem_bytes(noise_sigma=0.1, seed=5)).json
    response = client.get(f"/api/v1/datasets/{dataset['id']}/data", headers=engineer.headers)
    data = read_fem(response.data, filename="download.csv")
    assert len(data.frame) == dataset["points"]


def test_get_returns_metadata_and_summary(client, engineer, dataset_id):
    response = client.get(f"/api/v1/datasets/{dataset_id}", headers=engineer.headers)
    assert response.status_code == 200
    assert response.json["summary"]["groups"] == {"wafer_id": 1, "field": 2}


@pytest.mark.parametrize(("method", "suffix"), [("get", ""), ("get", "/data"), ("delete", "")])
def test_another_users_dataset_is_404(client, other_engineer, dataset_id, problem, method, suffix):
    response = getattr(client, method)(
        f"/api/v1/datasets/{dataset_id}{suffix}", headers=other_engineer.headers
    )
    problem(response, 404, "not_found")


def test_admin_sees_every_dataset(client, admin, engineer, dataset_id):
    assert client.get(f"/api/v1/datasets/{dataset_id}", headers=admin.headers).status_code == 200
    listing = client.get("/api/v1/datasets", headers=admin.headers).json
    assert [item["id"] for item in listing["items"]] == [dataset_id]
    mine = client.get(f"/api/v1/datasets?owner_id={admin.id}", headers=admin.headers).json
    assert mine["total"] == 0


def test_owner_filter_is_for_admins_only(client, engineer, problem):
    problem(client.get("/api/v1/datasets?owner_id=1", headers=engineer.headers), 403)


def test_viewer_reads_but_cannot_write(client, viewer, fem_bytes, upload, problem):
    problem(upload(viewer, fem_bytes()), 403, "role_forbidden")
    problem(client.post("/api/v1/datasets/mock", json={}, headers=viewer.headers), 403)
    assert client.get("/api/v1/datasets", headers=viewer.headers).status_code == 200


def test_list_is_scoped_filtered_and_sorted(client, upload, engineer, other_engineer, fem_bytes):
    for name in ("beta run", "alpha run", "gamma"):
        upload(engineer, fem_bytes(), "fem.csv", name=name)
    upload(other_engineer, fem_bytes(), "fem.csv", name="alpha of someone else")
    listing = client.get("/api/v1/datasets?sort=name", headers=engineer.headers).json
    assert [item["name"] for item in listing["items"]] == ["alpha run", "beta run", "gamma"]
    assert listing["total"] == 3
    assert listing["page"] == 1
    assert listing["per_page"] == 20
    filtered = client.get("/api/v1/datasets?q=RUN&sort=-name", headers=engineer.headers).json
    assert [item["name"] for item in filtered["items"]] == ["beta run", "alpha run"]
    newest = client.get("/api/v1/datasets", headers=engineer.headers).json["items"][0]
    assert newest["name"] == "gamma"


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-1",
        "per_page=0",
        "per_page=101",
        "page=abc",
        "per_page=1.5",
        "sort=owner",
        "source=ftp",
    ],
)
def test_bad_pagination_and_filters_are_400(client, engineer, problem, query):
    body = problem(client.get(f"/api/v1/datasets?{query}", headers=engineer.headers), 400)
    assert body["errors"][0]["field"] == query.split("=")[0]


def test_pagination_edges(client, upload, engineer, fem_bytes):
    for index in range(3):
        upload(engineer, fem_bytes(), "fem.csv", name=f"set {index}")
    page = client.get("/api/v1/datasets?per_page=2&page=2", headers=engineer.headers).json
    assert (len(page["items"]), page["total"], page["page"], page["per_page"]) == (1, 3, 2, 2)
    past = client.get("/api/v1/datasets?per_page=2&page=9", headers=engineer.headers).json
    assert past["items"] == []
    assert past["total"] == 3
    full = client.get("/api/v1/datasets?per_page=100", headers=engineer.headers).json
    assert len(full["items"]) == 3


def test_mock_dataset_carries_its_truth(client, engineer):
    response = client.post(
        "/api/v1/datasets/mock",
        json={
            "name": "tilted",
            "isofocal_tilt": 60,
            "seed": 11,
            "fields": 2,
            "field_focus_offsets": [0, 0.05],
        },
        headers=engineer.headers,
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["source"] == "mock"
    assert body["name"] == "tilted"
    truth = body["summary"]["mock_truth"]
    assert truth["e0"] == 24.0
    assert truth["isofocal_tilt"] == 60.0
    assert truth["best_focus"] == [0.0, 0.05]
    assert body["points"] == 2 * 17 * 9


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"fields": 2, "field_focus_offsets": [0.1]}, 422),
        (
            {
                "doses": [20, 21],
                "foci": [0, 0.1, 0.2],
                "wafers": 25,
                "fields": 50,
                "repeats": 10,
                "field_focus_offsets": [0] * 50,
            },
            422,
        ),
        ({"fields": 0}, 400),
        ({"noise_sigma": "loud"}, 400),
    ],
    ids=["generator-refuses", "too-many-rows", "schema-minimum", "schema-type"],
)
def test_bad_mock_parameters(app, client, engineer, problem, payload, status):
    app.config["MAX_DATASET_ROWS"] = 10_000
    problem(client.post("/api/v1/datasets/mock", json=payload, headers=engineer.headers), status)
    assert dataset_count(app) == 0


def test_delete_removes_row_file_and_analyses(
    app, client, engineer, dataset_id, files_in_store, problem
):
    analysis = client.post(
        "/api/v1/analyses",
        json={"dataset_id": dataset_id, "target_cd": 45, "tolerance_pct": 10},
        headers=engineer.headers,
    )
    assert analysis.status_code == 202
    assert (
        client.delete(f"/api/v1/datasets/{dataset_id}", headers=engineer.headers).status_code == 204
    )
    assert files_in_store() == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Analysis.id))) == 0
    problem(client.get(f"/api/v1/analyses/{analysis.json['id']}", headers=engineer.headers), 404)
    problem(client.get(f"/api/v1/datasets/{dataset_id}", headers=engineer.headers), 404)


def test_ids_are_not_reused_after_delete(client, upload, engineer, fem_bytes):
    first = upload(engineer, fem_bytes()).json["id"]
    client.delete(f"/api/v1/datasets/{first}", headers=engineer.headers)
    assert upload(engineer, fem_bytes()).json["id"] == first + 1


def test_stored_table_matches_the_upload(app, upload, engineer, fem_bytes, files_in_store):
    content = fem_bytes(noise_sigma=0.3, seed=9)
    upload(engineer, content)
    [stored] = files_in_store()
    original = pd.read_csv(io.BytesIO(content))
    table = pd.read_parquet(stored)
    assert len(table) == len(original)
    assert table["cd"].sum() == pytest.approx(original["CD"].sum())
