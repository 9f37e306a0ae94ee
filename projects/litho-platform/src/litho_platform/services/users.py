"""Users: registration, authentication, administration and the first admin."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from litho_platform.errors import ConflictError, NotFoundError, UnprocessableError
from litho_platform.extensions import db
from litho_platform.models import Caller, Role, User
from litho_platform.services import tokens
from litho_platform.services.pagination import Page, paginate
from litho_platform.services.passwords import (
    hash_password,
    hasher_for,
    policy_violations,
    verify_password,
)

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$"
USER_SORTS = {
    "id": User.id,
    "username": User.username_key,
    "created_at": User.created_at,
}


def _hasher() -> PasswordHasher:
    return hasher_for(current_app.config["ARGON2_PROFILE"])


@cache
def _dummy_hash(profile_name: str) -> str:
    # Verified against when the username is unknown, so a miss costs as long as a wrong password.
    return hasher_for(profile_name).hash("not-a-real-password-for-timing")


def _normalised_email(email: str, *, validate: bool = True) -> str:
    if not validate:
        return email.strip().lower()
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise UnprocessableError(
            "The email address is not valid.",
            code="invalid_email",
            errors=[{"field": "email", "message": str(exc)}],
        ) from None


def _checked_new_user(username: str, email: str, password: str, *, validate_email_address: bool):
    username = username.strip()
    if not re.match(USERNAME_PATTERN, username):
        raise UnprocessableError(
            "The username is not valid.",
            code="invalid_username",
            errors=[
                {
                    "field": "username",
                    "message": "3 to 32 letters, digits, '.', '_' or '-', starting with a "
                    "letter or digit",
                }
            ],
        )
    email = _normalised_email(email, validate=validate_email_address)
    violations = policy_violations(password, username)
    if violations:
        raise UnprocessableError(
            "The password does not meet the policy.",
            code="password_policy",
            errors=[{"field": "password", "message": f"password {v}"} for v in violations],
        )
    taken = db.session.scalar(
        select(User).where(or_(User.username_key == username.lower(), User.email == email))
    )
    if taken is not None:
        field = "username" if taken.username_key == username.lower() else "email"
        raise ConflictError(f"That {field} is already registered.", code=f"{field}_taken")
    return username, email


def register(
    username: str,
    email: str,
    password: str,
    *,
    role: Role = Role.ENGINEER,
    validate_email_address: bool = True,
) -> User:
    """Create a user (an engineer unless told otherwise).

    Raises UnprocessableError (invalid username or email, password policy: every violated rule
    in ``errors``) and ConflictError (username or email already registered, case-insensitive).
    """
    username, email = _checked_new_user(
        username, email, password, validate_email_address=validate_email_address
    )
    user = User(
        username=username,
        username_key=username.lower(),
        email=email,
        password_hash=hash_password(_hasher(), password),
        role=role,
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (unknown, wrong password, deactivated)."""
    hasher = _hasher()
    user = db.session.scalar(select(User).where(User.username_key == username.strip().lower()))
    if user is None:
        verify_password(hasher, _dummy_hash(current_app.config["ARGON2_PROFILE"]), password)
        return None
    if not verify_password(hasher, user.password_hash, password) or not user.is_active:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(hasher, password)
        db.session.commit()
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"User {user_id} does not exist.")
    return user


def list_users(
    page: int,
    per_page: int,
    *,
    role: str | None = None,
    active: bool | None = None,
    q: str | None = None,
    sort: str = "id",
) -> Page:
    """Users filtered by role, activity and a case-insensitive username/email substring."""
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == Role(role))
    if active is not None:
        stmt = stmt.where(User.is_active.is_(active))
    if q:
        pattern = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(User.username_key.like(pattern), func.lower(User.email).like(pattern))
        )
    column = USER_SORTS[sort.lstrip("-")]
    stmt = stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), User.id.asc())
    return paginate(stmt, page, per_page)


def update_user(
    actor: Caller, user_id: int, *, role: str | None = None, is_active: bool | None = None
) -> User:
    """Change a user's role and/or active flag (admin only; checked by the caller).

    An admin cannot demote or deactivate themself (ConflictError), so the service always keeps
    the admin who is acting. Deactivating a user makes their tokens fail at once, in every
    process (see ``tokens``).
    """
    user = get_user(user_id)
    if user.id == actor.id and (
        (role is not None and Role(role) != Role.ADMIN) or is_active is False
    ):
        raise ConflictError(
            "An admin cannot demote or deactivate themself.", code="self_modification"
        )
    if role is not None:
        user.role = Role(role)
    if is_active is not None:
        user.is_active = is_active
    db.session.commit()
    tokens.forget_token_checks()
    return user


def create_admin(username: str, email: str, password: str) -> User:
    """Create an admin account (the CLI's create-admin); same checks as registration."""
    return register(username, email, password, role=Role.ADMIN)


def ensure_admin(username: str, password: str, email: str | None = None) -> bool:
    """Create the first admin from the environment unless that username exists; True if created.

    Idempotent: an existing user of that name is left as it is (its password is not reset),
    also when another process creates it between this one's look and its insert (gunicorn's
    workers start together, each running this). The default email is
    ``<username>@localhost``, which ordinary registration would refuse.
    """
    exists = db.session.scalar(select(User.id).where(User.username_key == username.lower()))
    if exists is not None:
        return False
    try:
        register(
            username,
            email or f"{username.lower()}@localhost",
            password,
            role=Role.ADMIN,
            validate_email_address=email is not None,
        )
    except ConflictError as exc:
        # Another process inserted it after this one looked, before this one's own check...
        if exc.code != "username_taken":
            raise
        return False
    except IntegrityError:
        # ...or between this one's check and its insert.
        db.session.rollback()
        return False
    return True


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == username.strip().lower()))
