"""Exercise 05: hashed, scoped, expiring API keys.

A key has two parts: a public id, used to find the record, and a secret. The user sees the
whole key once, at creation; the service stores only HMAC-SHA256(pepper, secret), so a copy of
the table (a backup, a replica, an SQL injection) yields no key, and without the pepper, which
lives in the environment, not even a guess can be checked. The secret's hash is compared with
``hmac.compare_digest``, whose time does not depend on where the first differing byte is.

Key format: ``"lk_" + key_id + "." + secret``, ``key_id`` 16 lower-case hex characters
(``secrets.token_hex(8)``), ``secret`` from ``secrets.token_urlsafe(32)`` (43 characters of
``A-Z a-z 0-9 - _``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KEY_PREFIX = "lk_"
KNOWN_SCOPES = frozenset({"lots:read", "lots:write", "analyses:run"})
MAX_TTL_SECONDS = 365 * 24 * 3600
_KEY = re.compile(r"^lk_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$")


class ApiKeyError(Exception):
    """An API key is refused. ``status``: 401 (no usable key: missing, malformed, unknown,
    wrong secret, expired, revoked) or 403 (a good key without the scope); ``reason``: a
    short text for the client."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class ApiKeyRecord:
    """What is stored: never the key or its secret.

    ``key_hash``: ``hash_secret(secret, pepper)``; ``created_at``, ``expires_at``: epoch
    seconds, ``expires_at = created_at + ttl_seconds``.
    """

    key_id: str
    owner: str
    scopes: frozenset[str]
    key_hash: str
    created_at: float
    expires_at: float
    revoked: bool = False


@dataclass(frozen=True)
class NewApiKey:
    """The result of ``generate_key``: the key to show once, and the record to store."""

    key: str
    record: ApiKeyRecord


def hash_secret(secret: str, pepper: bytes) -> str:
    """HMAC-SHA256 of the secret (UTF-8) keyed with ``pepper``, as 64 hex characters."""
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def parse_key(key: str) -> tuple[str, str] | None:
    """``(key_id, secret)`` of a well-formed key, else None (wrong prefix, id or secret
    length or alphabet, anything around it)."""
    match = _KEY.fullmatch(key) if isinstance(key, str) else None
    return (match.group(1), match.group(2)) if match else None


def generate_key(owner: str, scopes: Iterable[str], ttl_seconds: int, *, pepper: bytes,
                 now: float) -> NewApiKey:
    """A new key for ``owner`` with these scopes, valid for ``ttl_seconds`` from ``now``.

    ``ValueError`` when scopes is empty or names a scope outside KNOWN_SCOPES, or when
    ``ttl_seconds`` is not in 1..MAX_TTL_SECONDS. The record holds the hash of the secret
    only; ``NewApiKey.key`` is the full key, in the format above.
    """
    scopes = frozenset(scopes)
    if not scopes or not scopes <= KNOWN_SCOPES:
        raise ValueError(f"scopes must be a non-empty subset of {sorted(KNOWN_SCOPES)}")
    if not 1 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl_seconds must be between 1 and {MAX_TTL_SECONDS}")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    record = ApiKeyRecord(key_id=key_id, owner=owner, scopes=scopes,
                          key_hash=hash_secret(secret, pepper), created_at=now,
                          expires_at=now + ttl_seconds)
    return NewApiKey(key=f"{KEY_PREFIX}{key_id}.{secret}", record=record)


def authenticate_key(presented: str | None, records: Mapping[str, ApiKeyRecord],
                     required_scope: str, *, pepper: bytes, now: float) -> ApiKeyRecord:
    """The record of a key that may be used for ``required_scope`` at ``now``.

    ``records`` maps key ids to records. In this order:
    - ``presented`` missing or malformed (``parse_key`` is None): ``ApiKeyError(401)``;
    - no record for the key id: ``ApiKeyError(401)``;
    - the secret's hash differs from ``record.key_hash``, compared with
      ``hmac.compare_digest`` (never ``==``): ``ApiKeyError(401)``;
    - revoked, or ``now >= record.expires_at``: ``ApiKeyError(401)``;
    - ``required_scope`` not in ``record.scopes``: ``ApiKeyError(403)``.
    The reason never echoes the presented key.
    """
    parsed = parse_key(presented) if presented else None
    if parsed is None:
        raise ApiKeyError(401, "missing or malformed API key")
    key_id, secret = parsed
    record = records.get(key_id)
    if record is None:
        raise ApiKeyError(401, "unknown API key")
    if not hmac.compare_digest(hash_secret(secret, pepper), record.key_hash):
        raise ApiKeyError(401, "unknown API key")
    if record.revoked:
        raise ApiKeyError(401, "API key revoked")
    if now >= record.expires_at:
        raise ApiKeyError(401, "API key expired")
    if required_scope not in record.scopes:
        raise ApiKeyError(403, f"API key lacks the scope {required_scope}")
    return record
