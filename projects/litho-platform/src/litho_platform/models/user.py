"""Users and their roles."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from litho_platform.extensions import db
from litho_platform.models.base import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """admin: everything, every user's data; engineer: own data, read and write; viewer: own data,
    read only."""

    ADMIN = "admin"
    ENGINEER = "engineer"
    VIEWER = "viewer"


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored as given for display; uniqueness is enforced on the lower-cased copy.
    username: Mapped[str] = mapped_column(String(32))
    username_key: Mapped[str] = mapped_column(String(32), unique=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.ENGINEER,
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username} {self.role.value}>"


@dataclass(frozen=True, slots=True)
class Caller:
    """The user a request acts for, as its token check found them: a read-only snapshot, not a
    row, so nothing a request does with it can reach the database or another request (the
    token check remembers one and hands the same one to each request it accepts)."""

    id: int
    username: str
    email: str
    role: Role
    is_active: bool
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> Caller:
        return cls(user.id, user.username, user.email, user.role, user.is_active, user.created_at)
