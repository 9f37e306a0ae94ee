"""Who a request counts against, and how much it may do: the rate-limit key and tier functions.

Authenticated resources verify the token before the limit is checked (the limiter decorator
sits inside ``jwt_required``), so the limit is keyed by the user and tiered by their role;
public resources are keyed by client address and get the anonymous tier.
"""

from __future__ import annotations

from flask import current_app, request
from flask_jwt_extended import current_user, get_jwt


def _authenticated_user():
    """The user whose token this request verified, or None on a public or anonymous request."""
    try:
        get_jwt()
    except RuntimeError:  # no token check ran on this route: it is a public one
        return None
    return current_user


def client_address() -> str:
    """The client's address (the proxy-corrected one behind PROXY_FIX)."""
    return request.remote_addr or "127.0.0.1"


def rate_limit_key() -> str:
    user = _authenticated_user()
    return f"user:{user.id}" if user is not None else f"ip:{client_address()}"


def tier_limit() -> str:
    """The limit string of the caller's tier (RATE_LIMITS[role] or RATE_LIMITS['anonymous'])."""
    user = _authenticated_user()
    tier = user.role.value if user is not None else "anonymous"
    return current_app.config["RATE_LIMITS"][tier]


def login_limit() -> str:
    return current_app.config["RATE_LIMIT_LOGIN"]


def login_key() -> str:
    """Failed logins count per username and client address: guessing one account's password is
    slowed without locking its owner out from elsewhere (the anonymous tier still caps how many
    requests one address makes across usernames)."""
    payload = request.get_json(silent=True)
    username = payload.get("username") if isinstance(payload, dict) else None
    name = username.strip().lower() if isinstance(username, str) else ""
    return f"{client_address()}:{name[:64]}"
