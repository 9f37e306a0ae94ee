"""/system: where the limits and the cache live, and the caller's current limit."""

from __future__ import annotations

from flask import current_app
from flask_restx import Namespace, Resource

from ch06_demo.extensions import cache, limiter
from ch06_demo.identity import request_claims
from ch06_demo.ratelimits import rate_limit_key, read_limit

ns = Namespace("system", description="Rate-limit and cache backends", path="/system")


@ns.route("")
class System(Resource):
    def get(self):
        """Storage of the rate limits (and whether the in-memory fallback is active), cache."""
        storage = limiter.storage
        return {
            "ratelimit_storage": type(storage).__name__,
            "ratelimit_storage_reachable": storage.check(),
            # Flask-Limiter switches to its in-memory fallback when the storage fails.
            "ratelimit_fallback_active": limiter.limiter.storage is not storage,
            "cache": type(cache.cache).__name__,
            "cache_key_prefix": current_app.config["CACHE_KEY_PREFIX"],
            "caller": {"key": rate_limit_key(), "role": request_claims().get("role"),
                       "read_limit": read_limit()},
        }
