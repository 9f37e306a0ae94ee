"""Who is calling: the verified claims of the request's access token, if it has a valid one."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError


def request_claims() -> dict[str, Any]:
    """Claims of a valid access token on this request; ``{}`` without one.

    A token that is present but invalid (bad signature, expired, malformed) also gives ``{}``:
    rate limiting and cache keys treat it as no token at all. Endpoints that require a token
    still refuse it, through ``@jwt_required()``. Never decode without verifying: an unsigned
    claim is whatever the client wants it to be.
    """
    try:
        verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):
        return {}
    return dict(get_jwt())
