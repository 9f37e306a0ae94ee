"""The demo's tables: lots, wafers, FEM measurements and the audit log."""

from ch03_demo.models.audit import Audited, AuditEntry
from ch03_demo.models.lots import Lot, Measurement, Wafer

__all__ = ["AuditEntry", "Audited", "Lot", "Measurement", "Wafer"]
