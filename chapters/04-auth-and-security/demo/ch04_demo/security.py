"""Security headers (flask-talisman) and CORS (flask-cors), one instance of each per app.

Why libraries: the headers are few, but their details are not (HSTS only over HTTPS, a CSP
per view, the https redirect that must not loop behind a proxy, preflight requests, the
``Vary: Origin`` a cache needs). Both extensions keep their options on the extension object,
so each app gets its own rather than sharing a module-level one.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS
from flask_talisman import DENY, Talisman

# The API sends JSON only: nothing in a response may load, run or frame anything.
API_CSP = {"default-src": "'none'", "frame-ancestors": "'none'"}
# Swagger UI is an HTML page that loads restx's bundled scripts and styles from this origin
# and starts with one inline <script> (restx's template carries no nonce): 'unsafe-inline'
# for that page only, never for the API.
SWAGGER_CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
}


def register_security(app: Flask, cors_origins: tuple[str, ...], force_https: bool) -> None:
    """Headers on every response; CORS for the configured origins only. Call after the Api
    exists: the Swagger UI view gets its own policy."""
    talisman = Talisman(
        app,
        force_https=force_https,
        strict_transport_security=True,  # sent on HTTPS requests only, by Talisman itself
        frame_options=DENY,
        content_security_policy=API_CSP,
        referrer_policy="no-referrer",
        # Nothing here uses Flask's session cookie; if something does, it is https-only.
        session_cookie_secure=force_https,
    )
    render_swagger_ui = app.view_functions["doc"]

    def swagger_ui():
        return render_swagger_ui()

    app.view_functions["doc"] = talisman(content_security_policy=SWAGGER_CSP)(swagger_ui)

    # Tokens travel in the Authorization header, not in cookies: no credentials mode, and a
    # page from another origin can call the API only if its origin is listed here.
    CORS(
        app,
        origins=list(cors_origins),
        allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        methods=["GET", "POST", "DELETE"],
        supports_credentials=False,
        max_age=600,
    )
