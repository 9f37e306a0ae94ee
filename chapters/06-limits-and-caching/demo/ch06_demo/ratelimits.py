"""Rate-limit policy: tiers by role, keys by caller, failed-login counting.

Everything here runs inside a request (Flask-Limiter calls key functions and limit callables
while it checks a request); the rules themselves (``limit_for_claims``) are plain functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, request

from ch06_demo.identity import request_claims

# Reads are cheap: per minute. The process-window report is computed on demand: per hour.
READ_TIERS = {"viewer": "60 per minute", "engineer": "120 per minute", "admin": "600 per minute"}
ANONYMOUS_READS = "20 per minute"
REPORT_TIERS = {"viewer": "10 per hour", "engineer": "30 per hour", "admin": "100 per hour"}
ANONYMOUS_REPORTS = "3 per hour"
# Failed logins per (username, client address); successful logins cost nothing.
LOGIN_LIMIT = "5 per 15 minutes"


def limit_for_claims(
    claims: Mapping[str, Any] | None, tiers: Mapping[str, str], anonymous: str
) -> str:
    """The limit of the caller's tier; anything that is not a known role string is anonymous."""
    role = claims.get("role") if claims else None
    if isinstance(role, str) and role in tiers:
        return tiers[role]
    return anonymous


def read_limit() -> str:
    """Flask-Limiter calls this on every request it checks: the caller's read tier."""
    return limit_for_claims(request_claims(), READ_TIERS, ANONYMOUS_READS)


def report_limit() -> str:
    return limit_for_claims(request_claims(), REPORT_TIERS, ANONYMOUS_REPORTS)


def rate_limit_key() -> str:
    """One bucket per user when the token is valid, else per client address.

    The prefixes keep the two namespaces apart: a user called ``203.0.113.7`` does not share
    a bucket with that address. ``request.remote_addr`` is the client's address only if
    ProxyFix was told how many proxies to trust (``TRUSTED_PROXY_HOPS``).
    """
    subject = request_claims().get("sub")
    if isinstance(subject, str) and subject:
        return f"user:{subject}"
    return f"ip:{request.remote_addr or '127.0.0.1'}"


def login_key() -> str:
    """Failed logins are counted per (username, address): guessing one account from one
    place is throttled, while someone else typing that username cannot lock its owner out."""
    body = request.get_json(silent=True)
    username = body.get("username") if isinstance(body, dict) else None
    name = username.strip().lower() if isinstance(username, str) else ""
    return f"login:{name}:{request.remote_addr or '127.0.0.1'}"


def failed_login(response: Response) -> bool:
    """``deduct_when``: only a refused login (401) costs a hit."""
    return response.status_code == 401
