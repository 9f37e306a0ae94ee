{%- set r = cookiecutter.resource_name -%}
{%- set rs = cookiecutter.resource_plural -%}
"""Background work on {{ rs }}."""

from celery import shared_task

from ..extensions import cache, db
from ..services import {{ rs }} as service


@shared_task(ignore_result=False)
def process_{{ r }}({{ r }}_id: int) -> dict[str, object]:
    """Process one {{ cookiecutter.__resource_title }} and stamp `processed_at`.

    Takes the id, not the object: the row is read again in the worker's own session.
    Returns {"id": int, "processed_at": ISO 8601 str}.
    """
    {{ r }} = service.mark_processed(db.session, {{ r }}_id)
    cache.delete(service.cache_key({{ r }}_id))
    return {"id": {{ r }}.id, "processed_at": {{ r }}.processed_at.isoformat()}
