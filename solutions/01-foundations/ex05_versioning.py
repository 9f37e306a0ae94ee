"""Exercise 05: the lot resource of the litho platform in two API versions.

URL versioning: ``GET /api/v1/lots/<lot_id>`` and ``GET /api/v2/lots/<lot_id>``. Header versioning
on the unversioned ``GET /api/lots/<lot_id>``: ``API-Version: 1`` or a vendor media type in
``Accept`` (``application/vnd.litho.v1+json``). Version 1 is deprecated and says so in every
response. Errors are raised as werkzeug ``HTTPException``s (``abort(406, description=...)``); the
app renders them as problem details (``ch01_demo.errors``), as the tests' app does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Response, abort, request
from flask_restx import Api, Namespace, Resource
from flask_restx.representations import output_json
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import http_date

SUPPORTED_VERSIONS = (1, 2)
DEFAULT_VERSION = 2
VERSION_HEADER = "API-Version"
VENDOR_TYPE = re.compile(r"application/vnd\.litho\.v([0-9]+)\+json")
V1_DEPRECATED_AT = datetime(2026, 1, 1, tzinfo=UTC)
V1_SUNSET_AT = datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC)

LOTS = {
    "L24-017": {"product": "N5-logic", "layer": "M1", "wafers": ["FEM-01", "FEM-02"]},
    "L24-018": {"product": "N5-logic", "layer": "V0", "wafers": ["PW-07"]},
}

v1 = Namespace("lots-v1", description="Lots, API v1 (deprecated)")
v2 = Namespace("lots-v2", description="Lots, API v2")
negotiated = Namespace("lots", description="Lots; version from API-Version or Accept")


def register_lot_api(api: Api) -> None:
    """Add the three namespaces to ``api`` at /api/v1/lots, /api/v2/lots and /api/lots."""
    api.add_namespace(v1, path="/api/v1/lots")
    api.add_namespace(v2, path="/api/v2/lots")
    api.add_namespace(negotiated, path="/api/lots")


def lot_v1(lot_id: str) -> dict:
    """Version 1: ``{"lot_id", "product", "layer", "wafer_count"}``."""
    lot = LOTS[lot_id]
    return {
        "lot_id": lot_id,
        "product": lot["product"],
        "layer": lot["layer"],
        "wafer_count": len(lot["wafers"]),
    }


def lot_v2(lot_id: str) -> dict:
    """Version 2: ``{"id", "product", "layer", "wafers": [{"id"}, ...]}``."""
    lot = LOTS[lot_id]
    return {
        "id": lot_id,
        "product": lot["product"],
        "layer": lot["layer"],
        "wafers": [{"id": wafer_id} for wafer_id in lot["wafers"]],
    }


def vendor_type(version: int) -> str:
    """The vendor media type of ``version``: ``application/vnd.litho.v<N>+json``."""
    return f"application/vnd.litho.v{version}+json"


def negotiate_version(accept: MIMEAccept, api_version: str | None) -> tuple[int, str]:
    """The (version, response media type) a request to ``/api/lots/...`` asks for.

    ``accept`` is the request's parsed Accept header (``request.accept_mimetypes``);
    ``api_version`` the raw ``API-Version`` header or None. Vendor types are
    ``application/vnd.litho.v<N>+json``; those with quality 0 do not count.

    - ``api_version`` given: stripped, it must be exactly "1" or "2", else 406. If Accept also
      names vendor types, one must be of that version, else 400 (the headers contradict).
      Media type: the vendor type of the version if Accept named vendor types, else
      "application/json".
    - else, Accept names vendor types: the one of highest quality whose version is supported
      wins (ties: the one listed first), with its vendor type as media type; if none is
      supported, 406.
    - else: ``(DEFAULT_VERSION, "application/json")``.

    The 406 and 400 are raised with ``abort(status, description=...)``; a 406 description names
    the supported versions ("supported: 1, 2").
    """
    offered = [
        int(match.group(1))
        for value, quality in sorted(accept, key=lambda item: -item[1])
        if quality > 0 and (match := VENDOR_TYPE.fullmatch(value))
    ]
    supported = ", ".join(map(str, SUPPORTED_VERSIONS))
    if api_version is not None:
        text = api_version.strip()
        if text not in {str(version) for version in SUPPORTED_VERSIONS}:
            abort(406, description=f"API version {text!r} is not supported; supported: {supported}")
        version = int(text)
        if offered and version not in offered:
            abort(400, description=f"{VERSION_HEADER}: {version} contradicts the Accept header")
        return version, vendor_type(version) if offered else "application/json"
    if offered:
        acceptable = [version for version in offered if version in SUPPORTED_VERSIONS]
        if not acceptable:
            abort(
                406,
                description=f"API version {offered[0]} is not supported; supported: {supported}",
            )
        return acceptable[0], vendor_type(acceptable[0])
    return DEFAULT_VERSION, "application/json"


def deprecation_headers(successor: str | None = None) -> dict[str, str]:
    """The headers of every version 1 response.

    ``Deprecation: @<unix seconds of V1_DEPRECATED_AT>`` (RFC 9745: a structured-field date),
    ``Sunset: <V1_SUNSET_AT as an HTTP-date>`` (RFC 8594, e.g. "Wed, 30 Jun 2027 23:59:59 GMT")
    and, when ``successor`` (a path) is given, ``Link: <successor>; rel="successor-version"``.
    """
    headers = {
        "Deprecation": f"@{int(V1_DEPRECATED_AT.timestamp())}",
        "Sunset": http_date(V1_SUNSET_AT),
    }
    if successor:
        headers["Link"] = f'<{successor}>; rel="successor-version"'
    return headers


def _lot_or_404(lot_id: str) -> None:
    if lot_id not in LOTS:
        abort(404, description=f"no lot {lot_id!r}")


@v1.route("/<string:lot_id>")
class LotV1(Resource):
    @v1.deprecated
    def get(self, lot_id: str):
        """200 ``lot_v1`` with ``deprecation_headers("/api/v2/lots/<lot_id>")``; 404 for an
        unknown lot."""
        _lot_or_404(lot_id)
        return lot_v1(lot_id), 200, deprecation_headers(f"/api/v2/lots/{lot_id}")


@v2.route("/<string:lot_id>")
class LotV2(Resource):
    def get(self, lot_id: str):
        """200 ``lot_v2``; 404 for an unknown lot."""
        _lot_or_404(lot_id)
        return lot_v2(lot_id)


@negotiated.route("/<string:lot_id>")
class Lot(Resource):
    def get(self, lot_id: str):
        """The lot in the version ``negotiate_version`` picks (400/406 from it come first).

        404 for an unknown lot. 200: the body of that version, ``Content-Type`` the negotiated
        media type, ``Vary: Accept, API-Version`` (caches must tell the versions apart) and, for
        version 1, ``deprecation_headers()`` without a successor link (the URL stays the same).
        """
        version, media_type = negotiate_version(
            request.accept_mimetypes, request.headers.get(VERSION_HEADER)
        )
        _lot_or_404(lot_id)
        response: Response = output_json(lot_v1(lot_id) if version == 1 else lot_v2(lot_id), 200)
        response.mimetype = media_type
        response.vary.update(("Accept", VERSION_HEADER))
        if version == 1:
            response.headers.update(deprecation_headers())
        return response
