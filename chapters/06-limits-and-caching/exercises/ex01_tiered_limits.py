"""Exercise 01: tiered, dynamic rate limits by role, with the rate-limit headers.

``GET /wafers/<wafer_id>/report`` computes a process-window summary (the demo's
``ch06_demo.services.wafers.window_report``): expensive, so it is limited per hour, by the
caller's tier. The tier comes from the ``role`` claim of a *verified* access token:

=============  =================
role           limit
=============  =================
``viewer``     ``10 per hour``
``engineer``   ``30 per hour``
``admin``      ``100 per hour``
anything else  ``3 per hour`` (``ANONYMOUS_LIMIT``)
=============  =================

"Anything else" is: no token; a token that does not verify (bad signature, expired,
malformed); a token without a ``role`` claim; a role that is not a string or not exactly one
of the keys above (``"Admin"``, ``["admin"]``, ``None``). A role check that lets any of those
through hands out a higher tier to whoever asks.

The limits are fixed windows counted per client address (``get_remote_address``). Every
response of the endpoint, allowed or refused, carries ``X-RateLimit-Limit`` (the tier's
number of requests), ``X-RateLimit-Remaining`` (left in this window, after this request) and
``X-RateLimit-Reset`` (epoch seconds when the window ends); a refused request is a 429
problem with ``Retry-After`` (seconds until the window ends). Flask-Limiter writes all of
them when the limiter is built to: configure ``limiter`` below.

The app the tests build calls ``limiter.init_app(app)`` with the storage in
``RATELIMIT_STORAGE_URI`` (``memory://`` or Redis): do not hard-code a storage in the
constructor, constructor arguments win over the app's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Imports marked F401 are unused until the bodies are written.
from flask_jwt_extended import get_jwt, verify_jwt_in_request  # noqa: F401
from flask_jwt_extended.exceptions import JWTExtendedException  # noqa: F401
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_restx import Namespace, Resource
from jwt import PyJWTError  # noqa: F401

from ch06_demo.extensions import db  # noqa: F401
from ch06_demo.services.wafers import get_wafer, window_report  # noqa: F401

TIER_LIMITS = {"viewer": "10 per hour", "engineer": "30 per hour", "admin": "100 per hour"}
ANONYMOUS_LIMIT = "3 per hour"


def limit_for_claims(claims: Mapping[str, Any] | None) -> str:
    """The limit string of the tier ``claims`` (verified token claims, or None) belong to."""
    raise NotImplementedError(
        "a str role found in TIER_LIMITS gets its tier; everything else ANONYMOUS_LIMIT"
    )


def tiered_limit() -> str:
    """The limit callable Flask-Limiter calls for each request: the caller's tier.

    Verify the request's token (``verify_jwt_in_request(optional=True)``); a missing or invalid
    token is the anonymous tier, not an error (it never raises).
    """
    raise NotImplementedError(
        "verify_jwt_in_request(optional=True) in a try; limit_for_claims(get_jwt())"
    )


# TODO: fixed windows and the X-RateLimit-*/Retry-After headers; the storage comes from the
# app's configuration, so do not pass one here.
limiter = Limiter(key_func=get_remote_address)

ns = Namespace("reports", description="Process-window reports, limited by tier", path="/wafers")


@ns.route("/<string:wafer_id>/report")
class WindowReport(Resource):
    decorators = [limiter.limit(tiered_limit)]

    def get(self, wafer_id: str):
        """The wafer's ``window_report`` (200), or a 404 problem for an unknown wafer.

        ``get_wafer(db.session, wafer_id)`` raises the demo's NotFound (rendered as 404).
        """
        raise NotImplementedError(
            "return window_report(get_wafer(db.session, wafer_id))"
        )
