"""The example resource's table."""

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

NAME_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 2000


class {{ cookiecutter.__resource_class }}(Base):
    __tablename__ = "{{ cookiecutter.resource_plural }}"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
{%- if cookiecutter.use_celery == "yes" %}
    # Set by the background task `tasks.{{ cookiecutter.resource_plural }}.process_{{ cookiecutter.resource_name }}`.
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
{%- endif %}
