"""Time an analysis from ``POST /api/v1/analyses`` to ``succeeded`` on the embedded default.

Runs the service in-process (SQLite, in-process cache, eager Celery) on a temporary instance
folder, uploads the shipped example ``fem_clean.csv`` and a 1,000,000-row file made by the
engine's mock generator (25 doses x 16 foci on 50 fields of 50 wafers), and reports the upload
time and the POST-to-succeeded time of one default analysis of each.

    python projects/litho-platform/scripts/time_analysis.py
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from flask_migrate import upgrade

from litho import generate
from litho_platform import create_app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fem_clean.csv"
PASSWORD = "Timing-Run-Password-7"


def large_fem_csv() -> bytes:
    frame = generate(
        doses=np.linspace(20, 28, 25),
        foci=np.round(np.linspace(-0.4, 0.4, 16), 6),
        fields=50,
        wafers=50,
        noise_sigma=0.3,
        seed=1,
    )
    assert len(frame) == 1_000_000
    return frame.to_csv(index=False).encode()


def measure(client, headers, name: str, content: bytes) -> dict[str, float]:
    started = time.perf_counter()
    upload = client.post(
        "/api/v1/datasets",
        data={"file": (io.BytesIO(content), name)},
        headers=headers,
        content_type="multipart/form-data",
    )
    uploaded = time.perf_counter()
    assert upload.status_code == 201, upload.get_json()
    post = client.post(
        "/api/v1/analyses",
        json={"dataset_id": upload.json["id"], "target_cd": 45, "tolerance_pct": 10},
        headers=headers,
    )
    status = post.json["status"]
    while status not in ("succeeded", "failed"):
        time.sleep(0.05)
        status = client.get(post.headers["Location"], headers=headers).json["status"]
    finished = time.perf_counter()
    assert status == "succeeded", client.get(post.headers["Location"], headers=headers).json
    return {
        "rows": upload.json["summary"]["source_rows"],
        "megabytes": len(content) / 1e6,
        "upload_s": uploaded - started,
        "analysis_s": finished - uploaded,
    }


def main() -> None:
    # The 1,000,000-row CSV is about 47 MB, over the default upload limit.
    os.environ.setdefault("MAX_UPLOAD_MB", "200")
    with tempfile.TemporaryDirectory() as instance:
        app = create_app({"INSTANCE_PATH": instance})
        with app.app_context():
            upgrade()
        client = app.test_client()
        client.post(
            "/api/v1/auth/register",
            json={"username": "timer", "email": "timer@fab.example", "password": PASSWORD},
        )
        token = client.post(
            "/api/v1/auth/login", json={"username": "timer", "password": PASSWORD}
        ).json["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        cases = [("fem_clean.csv", EXAMPLE.read_bytes()), ("fem_1m.csv", large_fem_csv())]
        print(f"{'file':<14}{'rows':>10}{'MB':>8}{'upload s':>10}{'POST->succeeded s':>19}")
        for name, content in cases:
            result = measure(client, headers, name, content)
            print(
                f"{name:<14}{result['rows']:>10,}{result['megabytes']:>8.1f}"
                f"{result['upload_s']:>10.2f}{result['analysis_s']:>19.2f}"
            )


if __name__ == "__main__":
    main()
