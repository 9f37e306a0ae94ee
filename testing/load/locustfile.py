"""Load scenario for the litho platform: engineers who upload FEM data and run analyses now
and then, and mostly read results, plots and their history.

    make load                                                  # headless, prints a summary
    locust -f testing/load/locustfile.py --host http://127.0.0.1:8000   # web UI on :8089

Each simulated user registers its own account once, logs in, uploads a FEM file and runs one
analysis to completion; its weighted tasks then run, reads far more often than writes.
testing/load/README.md explains the options and how to read the summary.
"""

from __future__ import annotations

import random
import secrets
import time
import uuid
from functools import cache
from pathlib import Path

from locust import HttpUser, between, task

API = "/api/v1"
# A clean single-field FEM file (projects/litho-platform/examples/README.md): the analysis
# parameters below are its spec.
EXAMPLE = Path(__file__).resolve().parents[2] / "projects/litho-platform/examples/fem_clean.csv"
ANALYSIS_PARAMETERS = {"target_cd": 45.0, "tolerance_pct": 10.0, "el_pct": [5, 10]}
# The cd-map plot needs die coordinates, which a dataset need not have.
PLOT_KINDS = ("bossung", "process-window", "el-dof")

# Every wait is bounded: an analysis still unfinished after POLL_TIMEOUT_S is a failure, and a
# rate-limited registration or login is retried at most RATE_LIMIT_RETRIES times.
POLL_INTERVAL_S = 0.5
POLL_TIMEOUT_S = 120.0
RATE_LIMIT_RETRIES = 3
MAX_RETRY_AFTER_S = 60.0
# Refresh the access token this long before it expires.
TOKEN_MARGIN_S = 60.0


class AnalysisNotSucceeded(Exception):
    """An analysis ended failed, or did not end within POLL_TIMEOUT_S."""


@cache
def fem_file() -> tuple[str, bytes]:
    """The FEM file the users upload: the platform's clean example, else one generated with the
    same model, noise and spec."""
    if EXAMPLE.is_file():
        return EXAMPLE.name, EXAMPLE.read_bytes()
    # Imported only when the example is absent, so the scenario runs where only locust is.
    from litho import generate

    table = generate(noise_sigma=0.3, seed=1)
    return "generated-fem.csv", table.to_csv(index=False).encode()


def _problem(response) -> str:
    """A short, stable description of a refusal: locust groups failures by this text."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no body"
    return str(body.get("code") or body.get("title")) if isinstance(body, dict) else "no body"


class PlatformUser(HttpUser):
    """One engineer with an account, a few datasets and analyses, and many reads."""

    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.username = f"load-{uuid.uuid4().hex[:12]}"
        self.password = f"Fem-{secrets.token_urlsafe(12)}"
        self.registered = False
        self.refresh_token = ""
        self.access_expires_at = 0.0
        self.analysis_ids: list[int] = []
        self.etags: dict[str, str] = {}
        self._ready()

    def _ready(self) -> bool:
        """Register, log in and see one analysis succeed, resuming where an earlier attempt
        stopped (each task calls this first, so a user recovers from a platform that was down
        when it started); then keep the access token fresh. True once the user can read."""
        account = {"username": self.username, "password": self.password}
        if not self.registered:
            email = f"{self.username}@load.example"
            registered = self._public_post("/auth/register", {**account, "email": email}, 201)
            self.registered = registered is not None
            if not self.registered:
                return False
        if not self.refresh_token:
            tokens = self._public_post("/auth/login", account, 200)
            if tokens is None:
                return False
            self._authorize(tokens.json())
        self._fresh_token()
        if not self.analysis_ids:
            dataset_id = self._upload()
            return dataset_id is not None and self._analyse(dataset_id) is not None
        return True

    # -- tasks: reads dominate, about twenty to one ------------------------------------------

    @task(10)
    def read_results(self) -> None:
        if not self._ready():
            return
        analysis_id = random.choice(self.analysis_ids)
        self._call("GET", f"{API}/analyses/{analysis_id}", name=f"{API}/analyses/[id]")

    @task(4)
    def history(self) -> None:
        if not self._ready():
            return
        self._call(
            "GET", f"{API}/analyses", name=f"{API}/analyses [history]",
            params={"page": 1, "per_page": 20},
        )

    @task(3)
    def plot_png(self) -> None:
        self._plot("png")

    @task(2)
    def plot_svg(self) -> None:
        self._plot("svg")

    @task(2)
    def list_datasets(self) -> None:
        if not self._ready():
            return
        self._call(
            "GET", f"{API}/datasets", name=f"{API}/datasets [list]",
            params={"page": 1, "per_page": 20},
        )

    @task(1)
    def upload_and_analyse(self) -> None:
        if not self._ready():
            return
        dataset_id = self._upload()
        if dataset_id is not None:
            self._analyse(dataset_id)

    # -- steps --------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, name: str, expected=(200,), **kwargs):
        """One request, counted under ``name``; any status outside ``expected`` is a failure.

        Returns the response, or None when it failed.
        """
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as resp:
            if resp.status_code in expected:
                resp.success()
                return resp
            resp.failure(f"HTTP {resp.status_code} {_problem(resp)}")
            return None

    def _public_post(self, path: str, payload: dict, expected: int):
        """POST to a public endpoint, waiting out the anonymous rate limit a bounded number of
        times: every simulated user shares this machine's address, hence one anonymous budget.
        A refusal that was waited out is counted on its own row, not as a failure."""
        name = f"{API}{path}"
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            with self.client.post(name, json=payload, name=name, catch_response=True) as resp:
                if resp.status_code == expected:
                    resp.success()
                    return resp
                if resp.status_code == 429 and attempt < RATE_LIMIT_RETRIES:
                    resp.request_meta["name"] = f"{name} [429, waited]"
                    resp.success()
                    retry_after = float(resp.headers.get("Retry-After") or 1)
                else:
                    resp.failure(f"HTTP {resp.status_code} {_problem(resp)}")
                    return None
            time.sleep(min(retry_after, MAX_RETRY_AFTER_S))
        return None

    def _authorize(self, tokens: dict) -> None:
        self.client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        # A refresh answers with a new access token only; the refresh token stays valid.
        self.refresh_token = tokens.get("refresh_token") or self.refresh_token
        self.access_expires_at = time.monotonic() + float(tokens["expires_in"])

    def _fresh_token(self) -> None:
        """Refresh the access token shortly before it expires, as a client application would."""
        if time.monotonic() < self.access_expires_at - TOKEN_MARGIN_S:
            return
        resp = self._call(
            "POST", f"{API}/auth/refresh", name=f"{API}/auth/refresh",
            headers={"Authorization": f"Bearer {self.refresh_token}"},
        )
        if resp is not None:
            self._authorize(resp.json())

    def _upload(self) -> int | None:
        filename, content = fem_file()
        resp = self._call(
            "POST", f"{API}/datasets", name=f"{API}/datasets [upload]", expected=(201,),
            files={"file": (filename, content, "text/csv")},
            data={"name": f"load test {filename}"},
        )
        return None if resp is None else resp.json()["id"]

    def _analyse(self, dataset_id: int) -> int | None:
        """Start an analysis and poll it to the end; its whole duration is reported as one
        request of type ANALYSIS. Returns the analysis id once it succeeded."""
        started = time.perf_counter()
        resp = self._call(
            "POST", f"{API}/analyses", name=f"{API}/analyses [start]", expected=(202,),
            json={"dataset_id": dataset_id, **ANALYSIS_PARAMETERS},
        )
        if resp is None:
            return None
        analysis_id = resp.json()["id"]
        location = resp.headers.get("Location") or f"{API}/analyses/{analysis_id}"
        outcome = self._poll(location)
        self.environment.events.request.fire(
            request_type="ANALYSIS",
            name="submit -> succeeded",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=None if outcome == "succeeded" else AnalysisNotSucceeded(outcome),
            context={},
        )
        if outcome != "succeeded":
            return None
        self.analysis_ids.append(analysis_id)
        return analysis_id

    def _poll(self, location: str) -> str:
        """Poll until the analysis ends or POLL_TIMEOUT_S passes; says how it ended."""
        deadline = time.monotonic() + POLL_TIMEOUT_S
        while time.monotonic() < deadline:
            resp = self._call("GET", location, name=f"{API}/analyses/[id] [poll]")
            if resp is None:
                return "unreadable while polling"
            body = resp.json()
            if body["status"] == "succeeded":
                return "succeeded"
            if body["status"] == "failed":
                return "failed"
            time.sleep(POLL_INTERVAL_S)
        return f"not finished after {POLL_TIMEOUT_S:g} s"

    def _plot(self, fmt: str) -> None:
        if not self._ready():
            return
        analysis_id = random.choice(self.analysis_ids)
        path = f"{API}/analyses/{analysis_id}/plots/{random.choice(PLOT_KINDS)}.{fmt}"
        # Like a browser, revalidate an image already fetched: 304 is then the expected answer.
        headers = {"If-None-Match": self.etags[path]} if path in self.etags else {}
        resp = self._call(
            "GET", path, name=f"{API}/analyses/[id]/plots/[kind].{fmt}", expected=(200, 304),
            headers=headers,
        )
        if resp is not None and resp.status_code == 200 and resp.headers.get("ETag"):
            self.etags[path] = resp.headers["ETag"]
