"""Exercise 01: password policy, argon2id hashing, and rehash on login.

argon2id is slow and memory-hard on purpose: each guess costs an attacker who stole the hashes
``time_cost`` passes over ``memory_cost`` KiB. Those parameters should grow with hardware, but
a hash can only be recomputed when the password is known, that is at a successful login: the
stored PHC string says which parameters made it, ``PasswordHasher.check_needs_rehash`` compares
them with the current ones, and the login stores a new hash when they differ.

The user table is the demo's ``ch04_demo.models.User`` (``username_key`` is the lower-cased
username, ``password_hash`` the PHC string).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ch04_demo.models import User

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_DISTINCT = 5
# A few entries of the breach-frequency lists; a real service checks a larger list (or the
# k-anonymity API of a breach corpus). Compared lower-cased.
COMMON_PASSWORDS = frozenset({
    "123456789012", "password1234", "password12345", "qwertyuiop12", "qwerty123456",
    "iloveyou1234", "letmein12345", "welcome12345", "administrator", "1q2w3e4r5t6y",
})

# Violation codes, in the order policy_violations reports them.
TOO_SHORT = "too_short"
TOO_LONG = "too_long"
TOO_FEW_DISTINCT = "too_few_distinct"
CONTAINS_USERNAME = "contains_username"
TOO_COMMON = "too_common"


class WeakPassword(ValueError):
    """A new password breaks the policy; ``violations`` lists the codes."""

    def __init__(self, violations: list[str]) -> None:
        super().__init__("password refused: " + ", ".join(violations))
        self.violations = violations


@dataclass(frozen=True)
class Verification:
    """The outcome of checking a password against a stored hash.

    ``ok``: the password matches. ``new_hash``: a hash of the password with the hasher's
    current parameters when ``ok`` and the stored hash was made with other ones, else None.
    """

    ok: bool
    new_hash: str | None = None


def policy_violations(password: str, username: str = "") -> list[str]:
    """Every rule ``password`` breaks, as codes in this order (empty list: acceptable).

    - ``too_short``: fewer than MIN_LENGTH (12) characters;
    - ``too_long``: more than MAX_LENGTH (128) characters;
    - ``too_few_distinct``: fewer than MIN_DISTINCT (5) different characters;
    - ``contains_username``: ``username`` has at least 3 characters and occurs in the password,
      ignoring letter case;
    - ``too_common``: the password, lower-cased, is in COMMON_PASSWORDS.

    Lengths count characters (``len``), so 12 is acceptable and 11 is not, 128 is acceptable
    and 129 is not.
    """
    violations = []
    if len(password) < MIN_LENGTH:
        violations.append(TOO_SHORT)
    if len(password) > MAX_LENGTH:
        violations.append(TOO_LONG)
    if len(set(password)) < MIN_DISTINCT:
        violations.append(TOO_FEW_DISTINCT)
    if len(username) >= 3 and username.lower() in password.lower():
        violations.append(CONTAINS_USERNAME)
    if password.lower() in COMMON_PASSWORDS:
        violations.append(TOO_COMMON)
    return violations


def make_hasher(time_cost: int, memory_cost_kib: int, parallelism: int) -> PasswordHasher:
    """An argon2id ``PasswordHasher`` with these parameters (and argon2-cffi's default hash and
    salt lengths)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib,
                          parallelism=parallelism, type=Type.ID)


def hash_new_password(hasher: PasswordHasher, password: str, username: str = "") -> str:
    """The PHC string for a new password; ``WeakPassword`` (with every violation) if the policy
    refuses it, in which case nothing is hashed."""
    violations = policy_violations(password, username)
    if violations:
        raise WeakPassword(violations)
    return hasher.hash(password)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("this is nobody's password")


def verify_password(hasher: PasswordHasher, stored_hash: str | None, password: str
                    ) -> Verification:
    """Check ``password`` against ``stored_hash`` with ``hasher.verify``.

    - A match: ``Verification(True, new_hash)``, where ``new_hash`` is ``hasher.hash(password)``
      if ``hasher.check_needs_rehash(stored_hash)`` says the parameters changed, else None.
    - A mismatch, or a stored hash that is not an argon2 hash at all: ``Verification(False)``,
      never an exception, and never a new hash.
    - ``stored_hash is None`` (no such user): still exactly one call of ``hasher.verify``,
      against a hash made by the same hasher, so that an unknown username costs what a wrong
      password costs; the result is ``Verification(False)``.
    """
    try:
        matched = hasher.verify(stored_hash or _dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        return Verification(False)
    if not matched or stored_hash is None:
        return Verification(False)
    if hasher.check_needs_rehash(stored_hash):
        return Verification(True, hasher.hash(password))
    return Verification(True)


def authenticate(session: Session, hasher: PasswordHasher, username: str, password: str
                 ) -> User | None:
    """The user with this username (compared lower-cased, via ``User.username_key``) whose
    password this is, else None: unknown user and wrong password look the same.

    On a match whose stored hash was made with other parameters, store the new hash and
    commit, so the next login verifies with the current parameters. A failed login changes
    nothing in the database.
    """
    user = session.scalar(select(User).where(User.username_key == username.lower()))
    result = verify_password(hasher, user.password_hash if user else None, password)
    if not result.ok:
        return None
    if result.new_hash is not None:
        user.password_hash = result.new_hash
        session.commit()
    return user
