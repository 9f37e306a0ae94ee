"""Use cases, free of HTTP: each function takes the SQLAlchemy session it works in.

The same function then serves a request, a CLI command, a Celery task and a unit test.
Failures are raised as `exceptions.ServiceError` subclasses; `errors.py` turns them
into HTTP responses.
"""
