"""One error shape for every route: RFC 9457 problem details, produced here and nowhere else.

Every ``HTTPException`` (a 404 from routing, a 405, an ``abort(406, ...)`` in a resource) and every
unhandled exception (Flask turns it into an ``InternalServerError`` after logging it) ends in
``handle_http_exception``. The API's own error formatting is switched off in ``api.ProblemApi``.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


def problem_response(status: int, detail: str) -> Response:
    """A problem-details response: ``type``, ``title``, ``status``, ``detail``, ``instance``.

    ``type`` is ``about:blank``: the status code says everything a client needs to branch on, so
    the title is the status phrase (RFC 9457, section 4.2.1).
    """
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    return current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)


def handle_http_exception(error: HTTPException) -> Response:
    response = problem_response(error.code or 500, error.description or "")
    # Keep what the exception says besides its HTML body: Allow on a 405, for example.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_exception)
