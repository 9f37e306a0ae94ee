"""The demo's logic: plain functions and classes that know nothing of HTTP or Celery."""
