"""Password hashing with argon2id (argon2-cffi), and the demo's password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
# argon2 hashes any length in the same time, but a 1 MB "password" is still a 1 MB request
# body to parse and hash: an upper bound costs nothing and closes that door.
MAX_LENGTH = 128
COMMON = frozenset({"password1234", "qwertyuiop12", "123456789012", "litho-password"})


def policy_problems(password: str, username: str) -> list[str]:
    """What is wrong with a new password (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    if password.lower() in COMMON:
        problems.append("is too common")
    if len(username) >= 3 and username.lower() in password.lower():
        problems.append("must not contain the username")
    return problems


def hasher() -> PasswordHasher:
    """The app's argon2id hasher, its cost read from the config (low in tests)."""
    config = current_app.config
    return _hasher(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"],
                   config["ARGON2_PARALLELISM"])


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


@cache
def _dummy_hash(ph: PasswordHasher) -> str:
    return ph.hash("no account has this password")


def verify(ph: PasswordHasher, stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored_hash``; False for a mismatch or a broken hash.

    ``stored_hash=None`` (no such user) still costs one full verification, against a dummy
    hash made with the same parameters: an unknown username and a wrong password take the
    same time, so response times do not tell an attacker which usernames exist.
    """
    try:
        return ph.verify(stored_hash or _dummy_hash(ph), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
