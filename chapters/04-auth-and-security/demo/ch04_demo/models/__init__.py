"""The demo's tables: users, their lots, their API keys, and revoked tokens."""

from ch04_demo.models.accounts import ApiKey, RevokedToken, Role, User
from ch04_demo.models.lots import Lot

__all__ = ["ApiKey", "Lot", "RevokedToken", "Role", "User"]
