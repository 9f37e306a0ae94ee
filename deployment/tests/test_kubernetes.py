"""deployment/k8s: kubernetes-validate (strict) on every manifest for the oldest and the newest
Kubernetes these manifests support, and the wiring between them that a schema cannot see."""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

K8S = Path(__file__).resolve().parents[1] / "k8s"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
SECRET_TEMPLATE = K8S / "secret.example.yaml"
# 1.30: the preStop sleep action is on by default from there.
VERSIONS = ("1.30", "1.37")
IMAGE = "litho-platform"


@pytest.fixture(scope="module")
def resources(checks) -> dict[tuple[str, str], dict]:
    """Every resource by (kind, name)."""
    found = {}
    for path in MANIFESTS:
        for document in checks.load_yaml_documents(path):
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


def of_kind(resources: dict, kind: str) -> dict[str, dict]:
    return {name: doc for (k, name), doc in resources.items() if k == kind}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(workload: dict) -> dict:
    (container,) = pod_spec(workload)["containers"]
    return container


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda path: path.name)
def test_manifest_validates(checks, manifest, version):
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for document in checks.load_yaml_documents(manifest):
        kubernetes_validate.validate(document, version, strict=True)


def test_the_command_line_validator_agrees(validators):
    outcome = validators.kubernetes(MANIFESTS, VERSIONS[0])
    assert outcome.ok, outcome.output


def test_the_validator_rejects_a_broken_copy(validators, tmp_path):
    broken = (K8S / "web-deployment.yaml").read_text().replace(
        "failureThreshold: 3", "failureTreshold: 3", 1
    )
    (tmp_path / "web-deployment.yaml").write_text(broken)
    outcome = validators.kubernetes([tmp_path / "web-deployment.yaml"], VERSIONS[0])
    assert not outcome.ok
    assert "failureTreshold" in outcome.output


def test_kustomization_lists_every_manifest_but_the_secret_template(checks):
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(p.name for p in MANIFESTS if p != SECRET_TEMPLATE)
    assert "namespace" not in kustomization
    assert [image["name"] for image in kustomization["images"]] == [IMAGE]


def test_manifests_are_namespace_agnostic_and_labelled(resources):
    for (kind, name), document in resources.items():
        assert "namespace" not in document["metadata"], f"{kind}/{name}"
        assert document["metadata"]["labels"]["app.kubernetes.io/name"] == "litho-platform"


WORKLOADS = ["Deployment/litho-web", "Deployment/litho-worker", "Deployment/litho-beat",
             "Job/litho-migrate"]


@pytest.fixture(scope="module", params=WORKLOADS)
def workload(request, resources) -> dict:
    kind, name = request.param.split("/")
    return resources[(kind, name)]


def test_every_container_has_requests_and_limits(workload):
    for container in containers(workload):
        resources = container["resources"]
        for key in ("cpu", "memory"):
            assert key in resources["requests"], f"{container['name']}: requests.{key}"
            assert key in resources["limits"], f"{container['name']}: limits.{key}"


def test_every_container_is_locked_down(workload):
    pod_security = pod_spec(workload)["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["runAsUser"] >= 1000
    assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod_spec(workload)["automountServiceAccountToken"] is False
    for container in containers(workload):
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, container["name"]
        assert security["allowPrivilegeEscalation"] is False, container["name"]
        assert security["capabilities"] == {"drop": ["ALL"]}, container["name"]


def test_every_container_gets_writable_scratch_space(workload, resources):
    config = resources[("ConfigMap", "litho-config")]["data"]
    volumes = {volume["name"] for volume in pod_spec(workload)["volumes"]}
    for container in containers(workload):
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert set(mounts.values()) <= volumes, container["name"]
        assert "/tmp" in mounts, f"{container['name']}: a read-only root needs /tmp"
        assert config["PROMETHEUS_MULTIPROC_DIR"] in mounts, container["name"]


def test_every_image_is_the_release_image_and_pinned(workload):
    for container in containers(workload):
        name, _, tag = container["image"].partition(":")
        assert name == IMAGE, container["name"]
        assert tag, f"{container['name']}: no tag"
        assert tag != "latest", container["name"]


def test_settings_come_from_the_configmap_and_the_secret(workload):
    for container in containers(workload):
        sources = [next(iter(source.items())) for source in container["envFrom"]]
        assert sources == [("configMapRef", {"name": "litho-config"}),
                           ("secretRef", {"name": "litho-secrets"})], container["name"]


def missing_probes(deployment: dict) -> set[str]:
    return {"livenessProbe", "startupProbe"} - set(main_container(deployment))


def test_every_deployment_has_probes(resources):
    for name, deployment in of_kind(resources, "Deployment").items():
        assert missing_probes(deployment) == set(), name
    web = main_container(resources[("Deployment", "litho-web")])
    ports = {port["name"] for port in web["ports"]}
    assert web["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert web["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert web["startupProbe"]["httpGet"]["port"] in ports


def test_the_probe_check_can_fail(resources):
    deployment = copy.deepcopy(resources[("Deployment", "litho-worker")])
    del main_container(deployment)["livenessProbe"]
    assert missing_probes(deployment) == {"livenessProbe"}


def test_web_runs_the_wsgi_contract_and_shuts_down_gracefully(checks, resources):
    web = resources[("Deployment", "litho-web")]
    container = main_container(web)
    assert container["command"] == checks.WSGI_COMMAND
    config = resources[("ConfigMap", "litho-config")]["data"]
    assert container["ports"] == [{"name": "http", "containerPort": int(config["PORT"])}]
    pre_stop = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pre_stop > 0
    assert pod_spec(web)["terminationGracePeriodSeconds"] > pre_stop + int(
        config["GUNICORN_GRACEFUL_TIMEOUT"]
    ), "SIGKILL would cut in-flight requests short"
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_worker_runs_celery_and_waits_for_running_analyses(checks, resources):
    worker = resources[("Deployment", "litho-worker")]
    container = main_container(worker)
    assert container["command"][:4] == [*checks.CELERY_APP, "worker"]
    assert "--concurrency=$(CELERY_CONCURRENCY)" in container["command"]
    for probe in ("startupProbe", "livenessProbe"):
        assert "inspect ping --destination \"celery@$HOSTNAME\"" in (
            container[probe]["exec"]["command"][-1]
        )
    assert pod_spec(worker)["terminationGracePeriodSeconds"] >= 300
    assert any(mount["mountPath"] == "/var/lib/litho" for mount in container["volumeMounts"])


def test_beat_is_a_single_replica_recreated_never_doubled(checks, resources):
    beat = resources[("Deployment", "litho-beat")]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    container = main_container(beat)
    assert container["command"][:4] == [*checks.CELERY_APP, "beat"]
    assert "--enable-remote-control" in container["command"]
    assert "celerybeat@$HOSTNAME" in container["livenessProbe"]["exec"]["command"][-1]
    schedule = next(a for a in container["command"] if a.startswith("--schedule="))
    assert schedule.removeprefix("--schedule=").startswith("/tmp/"), "a writable path"
    assert not any(hpa["spec"]["scaleTargetRef"]["name"] == "litho-beat"
                   for hpa in of_kind(resources, "HorizontalPodAutoscaler").values())


def test_migration_job_runs_the_migration_and_the_deployments_wait_for_it(checks, resources):
    job = resources[("Job", "litho-migrate")]
    assert main_container(job)["command"] == checks.MIGRATE_COMMAND
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["activeDeadlineSeconds"] > 0
    for name in ("litho-web", "litho-worker"):
        (wait,) = pod_spec(resources[("Deployment", name)])["initContainers"]
        script = wait["command"][-1]
        assert "db current --directory /app/migrations" in script, name
        assert '"(head)"' in script, name
        assert script.startswith("timeout "), f"{name}: the wait is bounded"


def test_autoscaled_deployments_leave_replicas_to_the_hpa(resources):
    deployments = of_kind(resources, "Deployment")
    hpas = of_kind(resources, "HorizontalPodAutoscaler")
    targets = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas.values()}
    assert targets == {"litho-web", "litho-worker"}
    for hpa in hpas.values():
        ref = hpa["spec"]["scaleTargetRef"]
        assert (ref["apiVersion"], ref["kind"]) == ("apps/v1", "Deployment")
        assert ref["name"] in deployments
        assert "replicas" not in deployments[ref["name"]]["spec"], "apply would reset the HPA"
        assert hpa["spec"]["minReplicas"] >= 2, "a disruption budget needs two to drain one"
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert 0 < metric["resource"]["target"]["averageUtilization"] <= 100


def _selects(selector: dict, workload: dict) -> bool:
    labels = workload["spec"]["template"]["metadata"]["labels"]
    return selector.items() <= labels.items()


def test_selectors_match_their_pods(resources):
    deployments = of_kind(resources, "Deployment")
    for name, deployment in deployments.items():
        assert _selects(deployment["spec"]["selector"]["matchLabels"], deployment), name
    for name, budget in of_kind(resources, "PodDisruptionBudget").items():
        matched = [d for d, dep in deployments.items()
                   if _selects(budget["spec"]["selector"]["matchLabels"], dep)]
        assert matched == [name], name
    service = resources[("Service", "litho-web")]
    matched = [d for d, dep in deployments.items() if _selects(service["spec"]["selector"], dep)]
    assert matched == ["litho-web"]
    web_ports = {p["name"] for p in main_container(deployments["litho-web"])["ports"]}
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= web_ports


def test_ingress_routes_the_public_api_only(resources):
    ingress = resources[("Ingress", "litho-web")]
    service = resources[("Service", "litho-web")]
    service_ports = {port["name"] for port in service["spec"]["ports"]}
    paths = []
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "litho-web"
            assert backend["port"]["name"] in service_ports
            paths.append((path["path"], path["pathType"]))
    assert ("/api", "Prefix") in paths
    assert {"/swagger", "/swagger.json", "/swaggerui"} <= {path for path, _ in paths}
    for public, kind in paths:
        for private in ("/metrics", "/health/ready", "/health/live"):
            reached = private == public or (kind == "Prefix" and private.startswith(public + "/"))
            assert not reached, f"{public} ({kind}) exposes {private}"


def test_ingress_limits_agree_with_the_app(checks, resources):
    annotations = resources[("Ingress", "litho-web")]["metadata"]["annotations"]
    config = resources[("ConfigMap", "litho-config")]["data"]
    body = checks.megabytes(annotations["nginx.ingress.kubernetes.io/proxy-body-size"])
    assert body > int(config["MAX_UPLOAD_MB"]), "the app, not the proxy, refuses big uploads"
    read_timeout = int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])
    assert read_timeout > int(config["GUNICORN_TIMEOUT"])


def test_shared_storage_is_read_write_many(resources):
    claim = resources[("PersistentVolumeClaim", "litho-data")]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    config = resources[("ConfigMap", "litho-config")]["data"]
    for name in ("litho-web", "litho-worker"):
        deployment = resources[("Deployment", name)]
        claims = {volume["name"]: volume.get("persistentVolumeClaim", {}).get("claimName")
                  for volume in pod_spec(deployment)["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in main_container(deployment)["volumeMounts"]}
        assert claims[mounts[config["INSTANCE_PATH"]]] == "litho-data", name


def test_configuration_names_are_read_by_something(checks, resources):
    config = resources[("ConfigMap", "litho-config")]["data"]
    secret = resources[("Secret", "litho-secrets")]["stringData"]
    assert set(config) & set(secret) == set(), "one source per variable"
    names = set(config) | set(secret)
    assert names - checks.allowed_env_names() == set(), "nothing reads these"
    assert checks.REQUIRED_SERVICE_ENV - names == set()
    assert set(secret) == checks.REQUIRED_SERVICE_ENV - {"APP_ENV"}
    for workload in of_kind(resources, "Deployment").values():
        for container in containers(workload):
            for reference in re.findall(r"\$\(([A-Z_]+)\)", " ".join(container["command"])):
                assert reference in config, f"{container['name']}: $({reference}) unset"


def _entropy_bits_per_char(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_like_a_real_secret(value: str, placeholder: str) -> bool:
    """A value that holds no placeholder, or a long random-looking run of characters."""
    runs = re.findall(r"[A-Za-z0-9+/_=-]{20,}", value.replace(placeholder, " "))
    return placeholder not in value or any(_entropy_bits_per_char(run) > 3.5 for run in runs)


def test_secret_template_holds_placeholders_only(checks):
    (secret,) = checks.load_yaml_documents(SECRET_TEMPLATE)
    assert "data" not in secret, "stringData only: placeholders stay readable"
    for key, value in secret["stringData"].items():
        assert not looks_like_a_real_secret(value, checks.SECRET_PLACEHOLDER), key


def test_the_real_secret_check_can_fail(checks):
    placeholder = checks.SECRET_PLACEHOLDER
    assert looks_like_a_real_secret("kX9vQ2mL7pR4tW8zB3nF6hJ1cY5dG0sA", placeholder)
    leaked = f"redis://:{placeholder}@h/0?k=Zq8Wn3Rt6Yp1Lm4Vx7Cb"
    assert looks_like_a_real_secret(leaked, placeholder)
    assert not looks_like_a_real_secret(f"postgresql://litho:{placeholder}@db:5432/x", placeholder)


def test_the_app_refuses_the_template_unchanged(checks):
    from litho_platform.config import ConfigError, Settings, check_config

    (secret,) = checks.load_yaml_documents(SECRET_TEMPLATE)
    settings = Settings.from_env({"APP_ENV": "production", **secret["stringData"]})
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY must be at least"):
        check_config(settings.flask_config())
