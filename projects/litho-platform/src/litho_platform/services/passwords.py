"""Password policy and hashing (argon2id through argon2-cffi).

Policy, each rule reported separately: 12 to 128 characters; at least two character classes
(lower case, upper case, digits, other); at least 5 distinct characters; not containing the
username; not a common password, nor a common word or keyboard walk decorated with digits and
symbols ("Password2024!", "qwerty123456").
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128

# Whole passwords of 12+ characters that top the public breach-frequency lists.
_COMMON_PASSWORD_LIST = """
123456789012 1234567890123 12345678901234 123123123123 111111111111 000000000000
123456123456 147258369147 1q2w3e4r5t6y 1qaz2wsx3edc q1w2e3r4t5y6 qwertyuiop12 qwertyuiop123
qwerty123456 qwertyuiopasdf asdfghjkl123 zxcvbnm12345 password1234 password12345
password123! passw0rd1234 p@ssw0rd1234 p@ssword1234 iloveyou1234 iloveyou12345
administrator letmein12345 welcome12345 welcome123456 changeme1234 sunshine1234
football1234 baseball1234 princess1234 superman1234 starwars1234 trustno11234
monkey123456 dragon123456 master123456 abcdefghijkl abcdef123456 abc123456789
aa1234567890 qazwsxedcrfv qazwsxedc123 1234qwerasdf 1234567890qw 987654321098
letmeinplease passwordpassword mypassword123 thisismypassword correcthorsebatterystaple
"""
# Words that make a password guessable however many digits or symbols surround them.
_COMMON_WORD_LIST = """
password passw0rd p@ssw0rd p@ssword qwerty qwertyuiop asdfgh asdfghjkl zxcvbn zxcvbnm
letmein welcome admin administrator iloveyou sunshine football baseball princess superman
starwars trustno dragon monkey master shadow changeme secret login abc abcdef
"""
_COMMON_PASSWORDS = frozenset(_COMMON_PASSWORD_LIST.split())
_COMMON_WORDS = frozenset(_COMMON_WORD_LIST.split())

_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")


def policy_violations(password: str, username: str | None = None) -> list[str]:
    """Every rule the password breaks, as human-readable messages (empty when acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        problems.append(f"must be at most {MAX_LENGTH} characters long")
    if sum(1 for pattern in _CLASSES if re.search(pattern, password)) < 2:
        problems.append(
            "must mix at least two kinds of characters (lower case, upper case, digits, symbols)"
        )
    if len(set(password)) < 5:
        problems.append("must contain at least 5 different characters")
    if username and len(username) >= 3 and username.lower() in password.lower():
        problems.append("must not contain the username")
    lowered = password.lower()
    core = re.sub(r"^[^a-z]+|[^a-z]+$", "", lowered)
    if lowered in _COMMON_PASSWORDS or core in _COMMON_WORDS:
        problems.append("is too common")
    return problems


def hasher_for(profile_name: str) -> PasswordHasher:
    """An argon2id hasher with one of argon2-cffi's named parameter profiles."""
    return PasswordHasher.from_parameters(getattr(profiles, profile_name))


def hash_password(hasher: PasswordHasher, password: str) -> str:
    return hasher.hash(password)


def verify_password(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    """True when the password matches; a malformed stored hash counts as a mismatch."""
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
