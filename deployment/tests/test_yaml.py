"""yamllint (deployment/.yamllint, warnings count as errors) on every YAML file in deployment/."""

from __future__ import annotations

from pathlib import Path

DEPLOYMENT = Path(__file__).resolve().parents[1]
YAML_FILES = sorted([*DEPLOYMENT.rglob("*.yaml"), *DEPLOYMENT.rglob("*.yml")])


def test_every_yaml_file_is_found():
    names = {path.relative_to(DEPLOYMENT).as_posix() for path in YAML_FILES}
    assert {"compose/docker-compose.yml", "k8s/kustomization.yaml",
            "k8s/web-deployment.yaml"} <= names


def test_yamllint_passes(validators):
    outcome = validators.yamllint(YAML_FILES)
    assert outcome.ok, outcome.output


def test_yamllint_rejects_a_broken_copy(validators, tmp_path):
    source = (DEPLOYMENT / "k8s" / "service.yaml").read_text()
    # A duplicated key: YAML loaders keep the last one silently.
    broken = source.replace("  type: ClusterIP\n", "  type: ClusterIP\n  type: NodePort\n")
    (tmp_path / "service.yaml").write_text(broken)
    outcome = validators.yamllint([tmp_path / "service.yaml"])
    assert not outcome.ok
    assert "key-duplicates" in outcome.output
