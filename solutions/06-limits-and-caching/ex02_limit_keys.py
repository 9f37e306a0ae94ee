"""Exercise 02: per-user rate-limit keys, falling back to the client address, behind a proxy.

A limit counts requests per *key*. Keyed by address, every user behind one office NAT shares
one bucket and one user with two laptops gets two; keyed by user, each account has its own.

``rate_limit_key()`` returns:

- ``"user:<sub>"`` when the request carries a valid access token (verified: signature and
  expiry), ``<sub>`` being its subject (the JWT identity, a non-empty string);
- ``"ip:<request.remote_addr>"`` otherwise: no token, or one that does not verify. It never
  raises.

The prefixes keep users and addresses apart: a user named ``203.0.113.7`` is not the address.

``trust_proxy(app, hops)`` makes ``request.remote_addr`` the client's address when the app
runs behind ``hops`` reverse proxies that each append the address they saw to
``X-Forwarded-For``: wrap ``app.wsgi_app`` in werkzeug's ``ProxyFix`` trusting ``hops`` values
of ``X-Forwarded-For`` and nothing else (not ``X-Forwarded-Host``, ``-Proto``, ``-Port`` or
``-Prefix``). With one proxy, ``X-Forwarded-For: 198.51.100.1, 203.0.113.7`` means the
client said ``198.51.100.1`` (anyone can send that) and the proxy saw ``203.0.113.7``: the key
is ``ip:203.0.113.7``. Return the app.

``GET /whoami`` (given) is limited to ``LIMIT`` per key and answers
``{"key": rate_limit_key(), "remote_addr": ..., "scheme": ..., "host": ...}`` as the app sees
them; the limiter sends the ``X-RateLimit-*`` headers. Its storage comes from the app's
configuration.
"""

from __future__ import annotations

from flask import Flask, request
from flask_jwt_extended import get_jwt_identity, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_limiter import Limiter
from flask_restx import Namespace, Resource
from jwt import PyJWTError
from werkzeug.middleware.proxy_fix import ProxyFix

LIMIT = "5 per hour"


def rate_limit_key() -> str:
    """``"user:<sub>"`` for a valid token, else ``"ip:<remote_addr>"`` (see the module doc)."""
    try:
        verify_jwt_in_request(optional=True)
        subject = get_jwt_identity()
    except (JWTExtendedException, PyJWTError):
        subject = None
    if isinstance(subject, str) and subject:
        return f"user:{subject}"
    return f"ip:{request.remote_addr}"


def trust_proxy(app: Flask, hops: int = 1) -> Flask:
    """Trust ``hops`` entries of X-Forwarded-For, and no other forwarded header."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=0, x_host=0, x_port=0,
                            x_prefix=0)
    return app


limiter = Limiter(key_func=rate_limit_key, headers_enabled=True)

ns = Namespace("whoami", description="Which bucket a request counts in", path="/whoami")


@ns.route("")
class WhoAmI(Resource):
    decorators = [limiter.limit(LIMIT)]

    def get(self):
        """The key this request is counted under, and what the app believes about the client."""
        return {"key": rate_limit_key(), "remote_addr": request.remote_addr,
                "scheme": request.scheme, "host": request.host}
