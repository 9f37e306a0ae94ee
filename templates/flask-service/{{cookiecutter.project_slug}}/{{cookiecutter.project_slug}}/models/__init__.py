{%- set models = [("base", "Base"), (cookiecutter.resource_name, cookiecutter.__resource_class)] -%}
{%- if cookiecutter.auth == "jwt" %}{% set models = models + [("user", "User")] %}{% endif -%}
"""SQLAlchemy 2 models: one module per table, all sharing `Base.metadata` (Alembic reads it)."""

{% for module, name in models|sort %}from .{{ module }} import {{ name }}
{% endfor %}
__all__ = [{% for module, name in models %}"{{ name }}"{% if not loop.last %}, {% endif %}{% endfor %}]
