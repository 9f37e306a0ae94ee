"""The HTTP API: one flask-restx Namespace per module, mounted by `app.register_api`.

Resources stay thin: parse and validate the request, call a service, marshal the result.
"""
