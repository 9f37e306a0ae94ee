"""Flask-JWT-Extended's manager, remembering the tokens it has verified.

Every request with a token used to cost four PyJWT passes over it (two unverified reads, the
verified decode, a header read), and PyJWT checks each base64 character in Python: about a
tenth of a millisecond for the platform's tokens, on every request, for the same few tokens
(docs/performance.md). The claims and header of a token that verified are kept, keyed by the
whole token string, until the token expires: a token that differs in any character, its
signature included, is a different key and is verified in full; an expired one is no longer in
the cache and fails verification as before. Revocation is not affected: it is checked on every
request, after decoding (services/tokens.py). Each app keeps its own cache, so a different
secret never sees another app's verdicts.

The functions below let the API's gate accept a token this app already verified without the
library's per-request parsing, leaving the request as the library would
(``tokens._accept_remembered_token``).
"""

from __future__ import annotations

import time
from typing import Any

import jwt as pyjwt
from flask import current_app, g, request
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config

from litho_platform.local_cache import local_cache

CACHE = "verified_tokens"


class CachingJWTManager(JWTManager):
    # _decode_jwt_from_config is where Flask-JWT-Extended decodes every token (decode_token and
    # the view decorators both come here); its signature is pinned by requirements.txt and the
    # behaviour by tests/api/test_token_cache.py.
    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: str | None = None, allow_expired: bool = False
    ) -> dict[str, Any]:
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        verified = local_cache(current_app, CACHE)
        remembered = verified.get(encoded_token)
        if remembered is None:
            claims = super()._decode_jwt_from_config(encoded_token)
            expires = claims.get("exp")
            if isinstance(expires, int | float):
                header = pyjwt.get_unverified_header(encoded_token)
                verified.put(encoded_token, (header, claims), ttl_s=expires - time.time())
            return dict(claims)
        # A copy: whatever a caller does to its claims stays out of the cache.
        return dict(remembered[1])


def remembered_token(encoded_token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(header, claims) of a token this app has verified and that has not expired since, else
    None. Nothing is verified here: None only means "not known"."""
    remembered = local_cache(current_app, CACHE).get(encoded_token)
    return None if remembered is None else (dict(remembered[0]), dict(remembered[1]))


def request_bearer_token() -> str | None:
    """The token of a plain ``Authorization: Bearer <token>`` header, else None: Flask-JWT-
    Extended parses every other form (and reports what is wrong with it)."""
    if not config.header_type:
        return None
    scheme, _, token = request.headers.get(config.header_name, "").partition(" ")
    if scheme != config.header_type or not token or " " in token or "," in token:
        return None
    return token


def accept_in_request(header: dict[str, Any], claims: dict[str, Any], user: Any) -> None:
    """Leave in ``g`` what ``verify_jwt_in_request()`` leaves for a token read from the
    headers, so ``current_user``, ``get_jwt()``, ``get_jwt_header()`` and
    ``get_jwt_request_location()`` answer as after it. The names are Flask-JWT-Extended 4.7's
    (pinned by requirements.txt); tests/api/test_token_cache.py reads each one back."""
    g._jwt_extended_jwt_user = {"loaded_user": user}
    g._jwt_extended_jwt_header = header
    g._jwt_extended_jwt = claims
    g._jwt_extended_jwt_location = "headers"
