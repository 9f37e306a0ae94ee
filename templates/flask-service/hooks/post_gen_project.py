"""Remove the files of options that were not chosen, then print the next steps.

Cookiecutter renders every file of the template; a feature that was not chosen must
leave nothing behind, not even an empty module.
"""

import shutil
from pathlib import Path

SLUG = "{{ cookiecutter.project_slug }}"

# (option not chosen, the paths only that option needs)
UNUSED_BY_OPTION = [
    (
        "{{ cookiecutter.auth }}" == "none",
        [
            f"{SLUG}/api/auth.py",
            f"{SLUG}/services/auth.py",
            f"{SLUG}/models/user.py",
            "tests/test_auth.py",
        ],
    ),
    (
        "{{ cookiecutter.use_celery }}" == "no",
        [
            f"{SLUG}/tasks",
            f"{SLUG}/worker.py",
            "tests/test_tasks.py",
            "k8s/worker-deployment.yaml",
        ],
    ),
    ("{{ cookiecutter.use_redis }}" == "no", ["tests/test_redis.py"]),
    ("{{ cookiecutter.include_kubernetes }}" == "no", ["k8s"]),
    ("{{ cookiecutter.ci }}" == "none", [".github"]),
]


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def main() -> None:
    project = Path.cwd()
    for unused, paths in UNUSED_BY_OPTION:
        if unused:
            for relative in paths:
                remove(project / relative)
    print(
        f"\nCreated {project}.\nNext:\n  cd {project.name}\n  make test\n  make run\n"
        "Then open http://127.0.0.1:{{ cookiecutter.port }}/swagger"
    )


if __name__ == "__main__":
    main()
