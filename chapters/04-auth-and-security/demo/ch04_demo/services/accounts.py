"""Registration, authentication and the user list."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ch04_demo.models import Role, User
from ch04_demo.services import passwords
from ch04_demo.services.exceptions import Conflict, InvalidCredentials, Unprocessable

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")


def register(session: Session, username: str, password: str,
             role: Role = Role.ENGINEER) -> User:
    """A new account; Unprocessable (nothing stored) when the username or password is refused,
    Conflict when the username is taken in any letter case."""
    problems: dict[str, list[str]] = {}
    if not USERNAME.match(username):
        problems["username"] = ["3 to 32 letters, digits, '.', '_' or '-', starting with a "
                                "letter or digit"]
    password_problems = passwords.policy_problems(password, username)
    if password_problems:
        problems["password"] = [f"password {p}" for p in password_problems]
    if problems:
        raise Unprocessable("the account was not created", problems)
    user = User(username=username, username_key=username.lower(),
                password_hash=passwords.hasher().hash(password), role=role.value)
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(f"the username {username} is taken") from None
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """The user whose password this is; InvalidCredentials otherwise, whatever the reason."""
    user = session.scalar(select(User).where(User.username_key == username.lower()))
    if not passwords.verify(passwords.hasher(), user.password_hash if user else None, password):
        raise InvalidCredentials()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))
