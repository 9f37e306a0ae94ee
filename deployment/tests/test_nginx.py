"""deployment/nginx: the template rendered the way the nginx image renders it, parsed with
crossplane (and checked by `nginx -t` where nginx is installed), and its key directives."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "nginx" / "templates" / "default.conf.template"
COMPOSE_DIR = Path(__file__).resolve().parents[1] / "compose"

# What the nginx image's http block provides around conf.d, as far as parsing needs it.
MAIN_CONFIG = """
error_log {root}/error.log;
pid {root}/nginx.pid;
events {{}}
http {{
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    access_log {root}/access.log;
    include {root}/conf.d/*.conf;
}}
"""


def render(template: str, env: dict[str, str], name_filter: str) -> str:
    """envsubst as the nginx image's entrypoint runs it: only variables that are set and whose
    names match NGINX_ENVSUBST_FILTER are replaced, in both $NAME and ${NAME} forms."""
    names = [name for name in env if re.search(name_filter, name)]

    def substitute(match: re.Match) -> str:
        name = match[1] or match[2]
        return env[name] if name in names else match[0]

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", substitute,
                  template)


@pytest.fixture(scope="module")
def nginx_env(checks) -> dict[str, str]:
    compose = checks.interpolate_compose(
        yaml.safe_load((COMPOSE_DIR / "docker-compose.yml").read_text()),
        checks.read_env_file(COMPOSE_DIR / ".env.example"),
    )
    return checks.compose_environment(compose["services"]["nginx"])


@pytest.fixture(scope="module")
def rendered(nginx_env) -> str:
    return render(TEMPLATE.read_text(), nginx_env, nginx_env["NGINX_ENVSUBST_FILTER"])


def write_config(root: Path, conf: str) -> Path:
    (root / "conf.d").mkdir(parents=True)
    (root / "conf.d" / "default.conf").write_text(conf)
    main = root / "nginx.conf"
    main.write_text(MAIN_CONFIG.format(root=root))
    return main


def parse(root: Path, conf: str) -> dict:
    crossplane = pytest.importorskip("crossplane", reason="crossplane parses nginx configs")
    return crossplane.parse(str(write_config(root, conf)), combine=True)


def directives(block: list[dict], name: str) -> list[dict]:
    return [item for item in block if item["directive"] == name]


@pytest.fixture(scope="module")
def http_block(rendered, tmp_path_factory) -> list[dict]:
    payload = parse(tmp_path_factory.mktemp("nginx"), rendered)
    assert payload["status"] == "ok", payload["errors"]
    (main,) = payload["config"]
    (http,) = directives(main["parsed"], "http")
    return http["block"]


@pytest.fixture(scope="module")
def server(http_block) -> list[dict]:
    (server,) = directives(http_block, "server")
    return server["block"]


def location(server: list[dict], *args: str) -> list[dict]:
    (found,) = [item for item in directives(server, "location") if item["args"] == list(args)]
    return found["block"]


def test_every_template_variable_comes_from_compose(nginx_env, rendered):
    used = set(re.findall(r"\$\{?(NGINX_[A-Z0-9_]+)", TEMPLATE.read_text()))
    assert used
    assert used - set(nginx_env) == set()
    assert re.findall(r"\$\{?NGINX_", rendered) == []


def test_crossplane_parses_the_rendered_config(http_block):
    assert directives(http_block, "upstream")
    assert directives(http_block, "server")


def test_crossplane_rejects_a_broken_copy(rendered, tmp_path):
    broken = rendered.replace("proxy_pass http://litho_web;", "proxy_pass http://litho_web", 1)
    payload = parse(tmp_path, broken)
    assert payload["status"] == "failed"
    assert payload["errors"]


def test_values_come_from_the_environment(http_block, server, nginx_env):
    (upstream,) = directives(http_block, "upstream")
    assert directives(upstream["block"], "server")[0]["args"] == [nginx_env["NGINX_UPSTREAM"]]
    assert directives(server, "listen")[0]["args"] == [nginx_env["NGINX_PORT"]]
    assert directives(server, "client_max_body_size")[0]["args"] == [
        nginx_env["NGINX_CLIENT_MAX_BODY_SIZE"]
    ]
    assert directives(server, "proxy_read_timeout")[0]["args"] == [
        nginx_env["NGINX_PROXY_READ_TIMEOUT"]
    ]


def test_proxy_headers(server):
    headers = {
        item["args"][0]: item["args"][1]
        for item in directives(location(server, "/"), "proxy_set_header")
    }
    assert headers["Host"] == "$host"
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Forwarded-Proto"] == "$litho_forwarded_proto"
    assert headers["X-Forwarded-Host"] == "$host"
    assert headers["X-Request-ID"] == "$litho_request_id"
    assert directives(location(server, "/"), "proxy_pass")[0]["args"] == ["http://litho_web"]


def test_request_id_is_kept_when_the_app_would_keep_it(http_block):
    from litho_platform import observability

    (request_id_map,) = [
        item for item in directives(http_block, "map") if item["args"][1] == "$litho_request_id"
    ]
    entries = {item["directive"]: item["args"] for item in request_id_map["block"]}
    assert entries["default"] == ["$request_id"], "generated when the client sent none"
    patterns = [key for key in entries if key.startswith("~")]
    assert patterns == ["~" + observability._VALID_REQUEST_ID.pattern], (
        "nginx must keep exactly the ids the app keeps, or the two would log different ids"
    )


def test_gzip_covers_json_and_svg(server):
    assert directives(server, "gzip")[0]["args"] == ["on"]
    types = directives(server, "gzip_types")[0]["args"]
    assert {"application/json", "application/problem+json", "image/svg+xml"} <= set(types)


def test_security_headers_are_sent_on_every_answer(server):
    headers = {item["args"][0]: item["args"][1:] for item in directives(server, "add_header")}
    for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                 "Strict-Transport-Security", "X-Request-ID"):
        assert headers[name][-1] == "always", f"{name} also on error answers"
    hidden = {item["args"][0] for item in directives(server, "proxy_hide_header")}
    assert set(headers) <= hidden, "the app's copies are hidden, so none is sent twice"


def test_no_location_drops_the_security_headers(server):
    # nginx inherits add_header into a location only if that location declares none.
    for item in directives(server, "location"):
        assert directives(item["block"], "add_header") == [], item["args"]


def test_nginx_errors_are_problem_documents(server):
    pages = {item["args"][0]: item["args"][-1] for item in directives(server, "error_page")}
    assert set(pages) == {"413", "502"}
    for name in ("@body_too_large", "@upstream_unavailable"):
        block = location(server, name)
        assert directives(block, "default_type")[0]["args"] == ["application/problem+json"]
        # An empty types block: a .png or .svg request path must not set the content type.
        assert [item["block"] for item in directives(block, "types")] == [[]]


def test_metrics_are_not_proxied(server):
    metrics = location(server, "=", "/metrics")
    assert directives(metrics, "proxy_pass") == []
    assert directives(metrics, "return")[0]["args"][0] == "404"


def test_uploads_are_buffered_before_gunicorn_sees_them(server):
    assert directives(server, "proxy_request_buffering")[0]["args"] == ["on"]


def test_nginx_accepts_the_rendered_config(nginx_env, tmp_path):
    binary = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if binary is None:
        pytest.skip("nginx is not installed; crossplane has parsed the config above")
    # nginx -t resolves upstream names, and compose's "web" exists only on its own network.
    env = {**nginx_env, "NGINX_UPSTREAM": "127.0.0.1:8000"}
    conf = render(TEMPLATE.read_text(), env, env["NGINX_ENVSUBST_FILTER"])
    config = write_config(tmp_path, conf.replace("/var/log/nginx", str(tmp_path)))
    result = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode == 0, result.stderr
