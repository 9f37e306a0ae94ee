"""Chapter 03 demo: SQLAlchemy 2 models, eager loading, units of work, migrations, events."""

from ch03_demo.app import create_app

__all__ = ["create_app"]
