"""The demo's user directory: who may log in, with which role and fab.

Passwords are stored as werkzeug hashes (scrypt by default). An unknown username is checked
against a dummy hash, so a login takes as long whether or not the account exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

# username -> (password, role, fab). Demo credentials, printed in the README; fab None: all fabs.
DEMO_ACCOUNTS = {
    "alice": ("alice-pw", "engineer", "fab1"),
    "bob": ("bob-pw", "viewer", "fab2"),
    "carol": ("carol-pw", "admin", None),
    "dan": ("dan-pw", "viewer", "fab1"),
}


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    fab: str | None

    def claims(self) -> dict[str, str | None]:
        """What goes into the access token next to ``sub``."""
        return {"role": self.role, "fab": self.fab}


class AccountDirectory:
    """Accounts with hashed passwords; ``method`` is werkzeug's (``scrypt``, ``pbkdf2:...``)."""

    def __init__(self, accounts: dict[str, tuple[str, str, str | None]], method: str) -> None:
        self._hashes = {name: generate_password_hash(pw, method=method)
                        for name, (pw, _, _) in accounts.items()}
        self._accounts = {name: Account(name, role, fab)
                          for name, (_, role, fab) in accounts.items()}
        self._dummy = generate_password_hash("not-a-password", method=method)

    def authenticate(self, username: str, password: str) -> Account | None:
        """The account when the password is right; None for a wrong password or unknown user."""
        stored = self._hashes.get(username)
        if stored is None:
            check_password_hash(self._dummy, password)
            return None
        return self._accounts[username] if check_password_hash(stored, password) else None
