"""The demo's logic: functions that take a SQLAlchemy session and know nothing of HTTP."""
