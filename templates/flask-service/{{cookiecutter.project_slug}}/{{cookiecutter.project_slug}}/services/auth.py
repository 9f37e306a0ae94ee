"""Accounts: registration and password checks. Tokens are issued by the API layer."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..models import User
from .exceptions import AuthenticationError, ConflictError

# Compared against when the email is unknown, so a failed login costs the same time
# whether or not the account exists.
_UNKNOWN_USER_HASH = generate_password_hash("unknown-user")


def register_user(session: Session, email: str, password: str) -> User:
    """Create an account; emails are compared case-insensitively. ConflictError if taken."""
    user = User(email=email.strip().lower(), password_hash=generate_password_hash(password))
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise ConflictError(f"An account for {user.email} already exists.") from None
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the account these credentials belong to; AuthenticationError otherwise."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    password_hash = user.password_hash if user else _UNKNOWN_USER_HASH
    if not check_password_hash(password_hash, password) or user is None:
        raise AuthenticationError("The email or password is wrong.")
    return user
