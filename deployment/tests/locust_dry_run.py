"""Run the load scenario's user once through each of its tasks against a canned platform, with
no network, and print what it requested as JSON.

    python locust_dry_run.py LOCUSTFILE [--faults]

--faults makes plots answer 500 and every analysis after the first never finish (with the
scenario's polling shortened to half a second), to show both are reported as failures.
test_locustfile.py runs this in a subprocess: importing locust monkey-patches the standard
library with gevent, which must not happen inside the test session.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from urllib.parse import urlsplit

# locust first: it monkey-patches the standard library (gevent), which must precede requests.
import locust
import requests
from locust.env import Environment
from requests.adapters import BaseAdapter

HOST = "http://platform.test"
ANALYSIS = 11
TOKENS = {"access_token": "access", "refresh_token": "refresh", "token_type": "Bearer",
          "expires_in": 30}
PAGE = {"items": [], "total": 0, "page": 1, "per_page": 20}
PUBLIC = {"/api/v1/auth/register", "/api/v1/auth/login"}


class CannedPlatform(BaseAdapter):
    """Answers the scenario's requests the way the platform's API does."""

    def __init__(self, faults: bool) -> None:
        super().__init__()
        self.faults = faults
        self.registrations = 0
        self.analyses_started = 0
        self.polls = 0

    def send(self, request, **kwargs):
        status, body, headers = self.answer(request.method, urlsplit(request.url).path, request)
        response = requests.Response()
        response.status_code = status
        response._content = body if isinstance(body, bytes) else json.dumps(body).encode()
        response.headers.update(headers)
        response.request, response.url, response.encoding = request, request.url, "utf-8"
        return response

    def close(self) -> None:
        pass

    def answer(self, method: str, path: str, request):
        authorization = request.headers.get("Authorization", "")
        if path not in PUBLIC and not authorization.startswith("Bearer "):
            return 401, {"code": "missing_token"}, {}
        if (method, path) == ("POST", "/api/v1/auth/register"):
            self.registrations += 1
            if self.registrations == 1:
                return 429, {"code": "rate_limited"}, {"Retry-After": "0"}
            return 201, {"id": 1}, {}
        if (method, path) == ("POST", "/api/v1/auth/login"):
            return 200, TOKENS, {}
        if (method, path) == ("POST", "/api/v1/auth/refresh"):
            if authorization != "Bearer refresh":
                return 422, {"code": "not_a_refresh_token"}, {}
            return 200, {"access_token": "access", "token_type": "Bearer", "expires_in": 30}, {}
        if (method, path) == ("POST", "/api/v1/datasets"):
            multipart = request.headers.get("Content-Type", "").startswith("multipart/form-data")
            return (201, {"id": 7}, {}) if multipart else (415, {"code": "multipart"}, {})
        if (method, path) == ("POST", "/api/v1/analyses"):
            self.analyses_started += 1
            return 202, {"id": ANALYSIS}, {"Location": f"/api/v1/analyses/{ANALYSIS}"}
        if (method, path) == ("GET", f"/api/v1/analyses/{ANALYSIS}"):
            self.polls += 1
            stuck = self.faults and self.analyses_started > 1
            status = "running" if stuck or self.polls == 1 else "succeeded"
            return 200, {"id": ANALYSIS, "status": status}, {}
        if method == "GET" and path.startswith(f"/api/v1/analyses/{ANALYSIS}/plots/"):
            if self.faults:
                return 500, {"code": "internal_server_error"}, {}
            if request.headers.get("If-None-Match") == '"v1"':
                return 304, b"", {"ETag": '"v1"'}
            return 200, b"image", {"ETag": '"v1"'}
        if (method, path) in (("GET", "/api/v1/analyses"), ("GET", "/api/v1/datasets")):
            return 200, PAGE, {}
        return 404, {"code": "not_found"}, {}


def main() -> None:
    path, faults = sys.argv[1], "--faults" in sys.argv[2:]
    spec = importlib.util.spec_from_file_location("locustfile", path)
    scenario = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenario)
    if faults:
        scenario.POLL_INTERVAL_S, scenario.POLL_TIMEOUT_S = 0.1, 0.5
    (user_class,) = [
        value for value in vars(scenario).values()
        if isinstance(value, type) and issubclass(value, locust.HttpUser)
        and value.__module__ == "locustfile"
    ]
    user_class.host = HOST
    environment = Environment(user_classes=[user_class], host=HOST)
    environment.create_local_runner()
    user = user_class(environment)
    user.client.mount(HOST, CannedPlatform(faults))
    user.on_start()
    weights = {task.__name__: user_class.tasks.count(task) for task in dict.fromkeys(
        user_class.tasks)}
    for task in dict.fromkeys(user_class.tasks):
        for _ in range(3):
            task(user)
    stats = environment.stats
    print(json.dumps({
        "weights": weights,
        "requests": [
            {"method": method, "name": name, "count": entry.num_requests,
             "failures": entry.num_failures}
            for (name, method), entry in sorted(stats.entries.items())
        ],
        "errors": sorted(f"{error.method} {error.name}: {error.error}"
                         for error in stats.errors.values()),
    }))


if __name__ == "__main__":
    main()
