"""The data layer: every model importable from one place (Alembic autogenerate needs all)."""

from litho_platform.models.analysis import Analysis, AnalysisBatch, AnalysisStatus
from litho_platform.models.dataset import Dataset
from litho_platform.models.token import RevokedToken
from litho_platform.models.user import Caller, Role, User

__all__ = [
    "Analysis", "AnalysisBatch", "AnalysisStatus", "Caller", "Dataset", "RevokedToken", "Role",
    "User",
]
