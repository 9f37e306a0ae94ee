"""{{ cookiecutter.project_name }}.

{{ cookiecutter.description|wordwrap(88) }}
"""

from .app import create_app

__all__ = ["create_app"]
