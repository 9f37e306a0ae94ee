"""API versions: in the URL (``/api/v1/...``) or, on an unversioned path, in a request header.

Header versioning reads ``API-Version: 2`` or a vendor media type in ``Accept``
(``application/vnd.litho.v2+json``). A request that names no version gets the configured default;
one that names an unsupported version gets 406; one whose two headers disagree gets 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Response, current_app, request
from flask_restx.representations import output_json
from werkzeug.exceptions import BadRequest, NotAcceptable
from werkzeug.http import http_date

SUPPORTED_VERSIONS = (1, 2)
VERSION_HEADER = "API-Version"
_BY_HEADER_VALUE = {str(version): version for version in SUPPORTED_VERSIONS}
JSON = "application/json"
VENDOR_TYPE = re.compile(r"application/vnd\.litho\.v([0-9]+)\+json")
# version -> (deprecated since, removed at): announced on every response of that version.
DEPRECATED = {1: (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 6, 30, 23, 59, 59, tzinfo=UTC))}


@dataclass(frozen=True)
class Negotiated:
    version: int
    media_type: str  # the vendor type when Accept chose the version, else application/json


def vendor_type(version: int) -> str:
    return f"application/vnd.litho.v{version}+json"


def _unsupported(version: object) -> NotAcceptable:
    supported = ", ".join(map(str, SUPPORTED_VERSIONS))
    return NotAcceptable(f"API version {version} is not supported; supported: {supported}")


def negotiate() -> Negotiated:
    """The version the current request asks for on an unversioned path.

    Raises ``NotAcceptable`` for a version that is not supported (in ``API-Version``, or when
    ``Accept`` names only unsupported vendor types) and ``BadRequest`` when ``API-Version`` names a
    version that ``Accept``'s vendor types do not include.
    """
    # Versions of the vendor types the client accepts, best first (q=0 means "not acceptable").
    offered = [
        int(match.group(1))
        for value, quality in sorted(request.accept_mimetypes, key=lambda item: -item[1])
        if quality > 0 and (match := VENDOR_TYPE.fullmatch(value))
    ]
    header = request.headers.get(VERSION_HEADER)
    if header is not None:
        version = _BY_HEADER_VALUE.get(header.strip())
        if version is None:
            raise _unsupported(repr(header.strip()))
        if offered and version not in offered:
            raise BadRequest(f"{VERSION_HEADER}: {version} contradicts the Accept header")
        return Negotiated(version, vendor_type(version) if offered else JSON)
    if offered:
        acceptable = [version for version in offered if version in SUPPORTED_VERSIONS]
        if not acceptable:
            raise _unsupported(offered[0])
        return Negotiated(acceptable[0], vendor_type(acceptable[0]))
    return Negotiated(current_app.config["API_DEFAULT_VERSION"], JSON)


def deprecation_headers(version: int, successor: str | None = None) -> dict[str, str]:
    """``Deprecation`` (RFC 9745) and ``Sunset`` (RFC 8594) for a deprecated version, else {}.

    ``successor``, the same resource in the current version, is announced as a ``Link``.
    """
    if version not in DEPRECATED:
        return {}
    since, sunset = DEPRECATED[version]
    headers = {"Deprecation": f"@{int(since.timestamp())}", "Sunset": http_date(sunset)}
    if successor:
        headers["Link"] = f'<{successor}>; rel="successor-version"'
    return headers


def versioned_response(payload: object, negotiated: Negotiated) -> Response:
    """A JSON response for a header-negotiated request, labelled with the version it carries."""
    # The same serializer as the URL-versioned routes, so both styles return identical bodies.
    response = output_json(payload, 200)
    response.mimetype = negotiated.media_type
    response.headers.update(deprecation_headers(negotiated.version))
    # Shared caches must key this URL's responses on the headers that chose the version.
    response.vary.update(("Accept", VERSION_HEADER))
    return response
