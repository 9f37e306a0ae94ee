"""API keys for scripts and instruments: shown once, stored as a keyed hash, revocable.

A key is 32 random bytes (``secrets.token_urlsafe``) behind a recognisable prefix. What the
database keeps is HMAC-SHA256(pepper, key): a stolen table reveals no key, and without the
pepper (in the environment) not even a guess can be checked against it. Looking a key up by its
hash is safe here because the key has 256 bits of entropy: the index lookup's timing can at
most reveal something about a hash nobody can invert. Exercise 05 adds scopes, expiry and a
key id, and compares the secret part with ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from ch04_demo.models import ApiKey, User
from ch04_demo.services.exceptions import InvalidApiKey, NotFound

PREFIX = "ch04_"


def key_hash(key: str) -> str:
    pepper = current_app.config["API_KEY_PEPPER"].encode()
    return hmac.new(pepper, key.encode(), hashlib.sha256).hexdigest()


def create_key(session: Session, user: User, name: str) -> tuple[ApiKey, str]:
    """A new key for ``user``: the stored record, and the key itself (never stored)."""
    key = PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(user=user, name=name, prefix=key[:12], key_hash=key_hash(key))
    session.add(record)
    session.commit()
    return record, key


def list_keys(session: Session, user: User) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).where(ApiKey.user_id == user.id)
                                .order_by(ApiKey.id)))


def revoke_key(session: Session, user: User, key_id: int) -> None:
    """Revoke one of ``user``'s keys; NotFound for another user's key, as for a missing one."""
    record = session.scalar(select(ApiKey).where(ApiKey.id == key_id,
                                                 ApiKey.user_id == user.id))
    if record is None:
        raise NotFound(f"no API key {key_id}")
    record.revoked_at = record.revoked_at or datetime.now(UTC)
    session.commit()


def user_for_key(session: Session, key: str) -> User:
    """The owner of a live key; InvalidApiKey for anything else."""
    if not key.startswith(PREFIX) or len(key) > 128:
        raise InvalidApiKey()
    record = session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash(key)))
    if record is None or record.revoked_at is not None:
        raise InvalidApiKey()
    return record.user
