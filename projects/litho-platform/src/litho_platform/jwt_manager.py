"""Flask-JWT-Extended's manager, remembering the tokens it has verified.

Every request with a token used to cost four PyJWT passes over it (two unverified reads, the
verified decode, a header read), and PyJWT checks each base64 character in Python: about a
tenth of a millisecond for the platform's tokens, on every request, for the same few tokens
(docs/performance.md). The claims of a token that verified are kept, keyed by the whole token
string, until the token expires: a token that differs in any character, its signature included,
is a different key and is verified in full; an expired one is no longer in the cache and fails
verification as before. Revocation is not affected: it is checked on every request, after
decoding (services/tokens.py). Each app keeps its own cache, so a different secret never sees
another app's verdicts.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from flask_jwt_extended import JWTManager

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
        claims = verified.get(encoded_token)
        if claims is None:
            claims = super()._decode_jwt_from_config(encoded_token)
            expires = claims.get("exp")
            if isinstance(expires, int | float):
                verified.put(encoded_token, claims, ttl_s=expires - time.time())
        # A copy: whatever a caller does to its claims stays out of the cache.
        return dict(claims)
