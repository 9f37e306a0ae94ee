{%- set r = cookiecutter.resource_name -%}
{%- set rs = cookiecutter.resource_plural -%}
{%- set R = cookiecutter.__resource_class -%}
"""{{ R }} use cases: create, read, list a page, update, delete."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import {{ R }}
{%- if cookiecutter.use_celery == "yes" %}
from ..models.base import utcnow
{%- endif %}
from .exceptions import ConflictError, NotFoundError, ValidationError

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


def cache_key({{ r }}_id: int) -> str:
    """Cache key of one {{ cookiecutter.__resource_title }}'s JSON; every writer deletes it."""
    return f"{{ r }}:{{ '{' }}{{ r }}_id{{ '}' }}"


@dataclass(frozen=True)
class Page:
    """One page of {{ rs }}, ordered by id; `page` counts from 1."""

    items: list[{{ R }}]
    total: int
    page: int
    per_page: int


def list_{{ rs }}(
    session: Session,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Page:
    """Return page `page` (>= 1) holding up to `per_page` (1..MAX_PER_PAGE) {{ rs }}.

    A page past the end is empty; `total` still counts every {{ cookiecutter.__resource_title }}.
    Raises ValidationError for a page or page size out of range.
    """
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"page must be >= 1 and per_page between 1 and {MAX_PER_PAGE}.")
    total = session.scalar(select(func.count()).select_from({{ R }})) or 0
    rows = session.scalars(
        select({{ R }}).order_by({{ R }}.id).limit(per_page).offset((page - 1) * per_page)
    )
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


def get_{{ r }}(session: Session, {{ r }}_id: int) -> {{ R }}:
    """Return the {{ cookiecutter.__resource_title }} with this id; NotFoundError if there is none."""
    {{ r }} = session.get({{ R }}, {{ r }}_id)
    if {{ r }} is None:
        raise NotFoundError(f"{{ R }} {{ '{' }}{{ r }}_id{{ '}' }} does not exist.")
    return {{ r }}


def create_{{ r }}(session: Session, name: str, description: str = "") -> {{ R }}:
    """Store a new {{ cookiecutter.__resource_title }}; the name is stripped and must be unique.

    Raises ValidationError for a blank name, ConflictError for a name in use.
    """
    {{ r }} = {{ R }}(name=_clean_name(name), description=description)
    session.add({{ r }})
    _commit(session, {{ r }}.name)
    return {{ r }}


def update_{{ r }}(
    session: Session,
    {{ r }}_id: int,
    name: str,
    description: str = "",
) -> {{ R }}:
    """Replace the {{ cookiecutter.__resource_title }}'s fields, with the rules of `create_{{ r }}`."""
    {{ r }} = get_{{ r }}(session, {{ r }}_id)
    {{ r }}.name = _clean_name(name)
    {{ r }}.description = description
    _commit(session, {{ r }}.name)
    return {{ r }}


def delete_{{ r }}(session: Session, {{ r }}_id: int) -> None:
    """Delete the {{ cookiecutter.__resource_title }}; NotFoundError if there is none with this id."""
    session.delete(get_{{ r }}(session, {{ r }}_id))
    session.commit()
{%- if cookiecutter.use_celery == "yes" %}


def mark_processed(session: Session, {{ r }}_id: int) -> {{ R }}:
    """Record that background processing of the {{ cookiecutter.__resource_title }} finished now."""
    {{ r }} = get_{{ r }}(session, {{ r }}_id)
    {{ r }}.processed_at = utcnow()
    session.commit()
    return {{ r }}
{%- endif %}


def _clean_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationError("name must contain more than whitespace.")
    return cleaned


def _commit(session: Session, name: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"The name {name!r} is already taken.") from None
