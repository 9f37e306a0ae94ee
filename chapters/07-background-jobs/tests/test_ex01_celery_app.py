"""Graded tests of ex01_celery_app: configuration from the environment, tasks in an app context.

Tasks are declared in the tests with ``celery_app.task`` and with ``@shared_task``, then run
eagerly and on a real worker over the test Redis.
"""

from __future__ import annotations

import pytest
from celery import _state, shared_task
from flask import current_app, has_app_context

HINT = (
    "Follow Flask's 'Background Tasks with Celery' pattern: a Task subclass whose __call__ "
    "wraps self.run(...) in `with app.app_context():`, Celery(app.name, task_cls=...), "
    "config_from_object(app.config['CELERY']), set_default(), app.extensions['celery']."
)


def site_of_current_app() -> dict:
    """A shared task: which Flask app, and which setting, does it see?"""
    return {"app": current_app.name, "site": current_app.config["LITHO_SITE"]}


# Not kept: the proxy @shared_task returns would create Celery's fallback default app when
# pytest inspects this module's attributes.
shared_task(name="ch07.tests.ex01.site")(site_of_current_app)


def build(ex, make_app, celery=None, name="fab_a", site="Fab A"):
    app = make_app(celery=celery or ex.celery_config({}), init=ex.celery_init_app, name=name,
                   LITHO_SITE=site)
    return app, app.extensions.get("celery")


# --- configuration ------------------------------------------------------------------------


@pytest.mark.points(1)
def test_no_broker_means_the_eager_embedded_default(ex):
    expected = {
        "broker_url": "memory://", "result_backend": "cache+memory://",
        "task_always_eager": True, "task_store_eager_result": True,
        "task_eager_propagates": False,
    }
    for environ in ({}, {"CELERY_BROKER_URL": ""}, {"CELERY_RESULT_BACKEND": "redis://r/2"}):
        assert ex.celery_config(environ) == expected, f"celery_config({environ!r})"


@pytest.mark.points(2)
def test_a_broker_means_a_worker_with_late_acks(ex):
    environ = {"CELERY_BROKER_URL": "redis://broker.internal:6379/1",
               "CELERY_VISIBILITY_TIMEOUT": "7200"}
    assert ex.celery_config(environ) == {
        "broker_url": "redis://broker.internal:6379/1",
        "result_backend": "redis://broker.internal:6379/1",
        "task_always_eager": False,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_track_started": True,
        "broker_transport_options": {"visibility_timeout": 7200},
    }, f"celery_config({environ!r})"
    environ = {"CELERY_BROKER_URL": "redis://b/1", "CELERY_RESULT_BACKEND": "redis://r/2"}
    config = ex.celery_config(environ)
    assert config["result_backend"] == "redis://r/2", f"celery_config({environ!r})"
    assert config["broker_transport_options"] == {"visibility_timeout": 3600}, (
        "the default visibility timeout is 3600 s"
    )


@pytest.mark.points(1)
def test_a_bad_visibility_timeout_is_refused(ex):
    for raw in ["10.5", "0", "-3", "soon"]:
        environ = {"CELERY_BROKER_URL": "redis://b/1", "CELERY_VISIBILITY_TIMEOUT": raw}
        with pytest.raises(ValueError, match="CELERY_VISIBILITY_TIMEOUT"):
            ex.celery_config(environ)


# --- binding --------------------------------------------------------------------------------


@pytest.mark.points(2)
def test_the_celery_app_is_built_from_the_flask_app(ex, make_app):
    app, celery_app = build(ex, make_app)
    assert celery_app is not None, "celery_init_app must store the Celery app in app.extensions"
    assert celery_app.main == "fab_a"
    assert celery_app.conf.task_always_eager is True
    assert celery_app.conf.result_backend == "cache+memory://"
    assert _state.default_app is celery_app, (
        "the new Celery app must be the default one (set_default), for @shared_task"
    )
    with pytest.raises(KeyError):
        ex.celery_init_app(type(app)("no_celery_config"))


@pytest.mark.points(2)
def test_tasks_run_inside_an_app_context_that_is_popped_afterwards(ex, make_app):
    app, celery_app = build(ex, make_app)
    teardowns = []
    app.teardown_appcontext(lambda exc: teardowns.append(exc))

    @celery_app.task(name="ch07.tests.ex01.explode")
    def explode():
        raise RuntimeError("reticle not found")

    shared = celery_app.tasks["ch07.tests.ex01.site"]
    assert shared.delay().get(timeout=5) == {"app": "fab_a", "site": "Fab A"}
    assert not has_app_context(), "the task's app context must be popped when it ends"
    assert len(teardowns) == 1, f"one app context per task run, teardowns: {teardowns}"

    result = celery_app.tasks["ch07.tests.ex01.explode"].delay()
    assert result.state == "FAILURE"
    assert not has_app_context(), "a failing task must pop its app context too"
    assert len(teardowns) == 2, teardowns
    assert isinstance(teardowns[1], RuntimeError), teardowns


@pytest.mark.points(2)
def test_each_flask_app_gets_its_own_celery_app(ex, make_app):
    app_a, celery_a = build(ex, make_app, name="fab_a", site="Fab A")
    app_b, celery_b = build(ex, make_app, name="fab_b", site="Fab B")
    assert celery_a is not celery_b
    assert celery_a.tasks["ch07.tests.ex01.site"].delay().get(timeout=5) == {
        "app": "fab_a", "site": "Fab A"
    }, "a task of fab_a's Celery app ran in another app's context"
    assert celery_b.tasks["ch07.tests.ex01.site"].delay().get(timeout=5) == {
        "app": "fab_b", "site": "Fab B"
    }


@pytest.mark.points(3)
@pytest.mark.services
def test_a_real_worker_runs_tasks_inside_the_app_context(ex, make_app, redis_celery,
                                                           worker_for):
    app, celery_app = build(ex, make_app, celery=redis_celery, name="fab_w", site="Fab W")
    assert celery_app.conf.task_always_eager is False
    with worker_for(celery_app):
        result = celery_app.tasks["ch07.tests.ex01.site"].delay()
        assert result.get(timeout=6) == {"app": "fab_w", "site": "Fab W"}
    assert not has_app_context()
