"""The metrology archive: where a wafer's FEM measurements are read from, by wafer id.

The demo's archive is synthetic: every wafer of the known lots is a focus-exposure matrix whose
CDs follow CD = 45 - 45·ln(E/24) - 150·(F - f0)² nm (f0 and ±0.3 nm of noise seeded from the
wafer id), so the answers are known. A real archive is a file store or a CD-SEM database behind
a network: it times out and goes away for maintenance, which is why the errors below come in two
kinds.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from dataclasses import dataclass

DOSES_MJ_CM2 = (21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0)
FOCI_UM = (-0.2, -0.15, -0.1, -0.05, 0.0, 0.05, 0.1, 0.15, 0.2)
LOTS = ("L24-0117", "L24-0118", "L24-0121")
WAFER_ID = re.compile(r"^(L\d{2}-\d{4})-W(\d{2})$")  # e.g. L24-0117-W03


class ArchiveError(Exception):
    """Reading a wafer from the archive failed."""


class ArchiveUnavailable(ArchiveError):
    """The archive answered 503 or refused the connection: try again later."""


class ArchiveTimeout(ArchiveError):
    """The archive did not answer in time: try again later."""


class WaferNotFound(ArchiveError):
    """No wafer has this id: asking again will not help."""


class CorruptWaferFile(ArchiveError):
    """The wafer's file exists but cannot be parsed: asking again will not help."""


# Errors worth a retry: the same request can succeed a moment later. Everything else (a wafer
# that does not exist, a file that does not parse, a bug) fails the same way every time.
TRANSIENT_ARCHIVE_ERRORS: tuple[type[Exception], ...] = (
    ArchiveUnavailable,
    ArchiveTimeout,
    ConnectionError,
    TimeoutError,
)


@dataclass(frozen=True)
class Measurement:
    field: int
    dose_mj_cm2: float
    focus_um: float
    cd_nm: float


def known_wafer(wafer_id: str) -> bool:
    """True for ``<lot>-Wnn`` with a known lot and a slot from 01 to 25."""
    match = WAFER_ID.match(wafer_id)
    return bool(match) and match.group(1) in LOTS and 1 <= int(match.group(2)) <= 25


def fem_measurements(wafer_id: str) -> list[Measurement]:
    """The wafer's 7 × 9 focus-exposure matrix, the same every time for the same id."""
    seed = int.from_bytes(hashlib.sha256(wafer_id.encode()).digest()[:8], "big")
    rng = random.Random(seed)
    best_focus_um = rng.uniform(-0.05, 0.05)
    grid = [(dose, focus) for dose in DOSES_MJ_CM2 for focus in FOCI_UM]
    return [
        Measurement(
            field=field,
            dose_mj_cm2=dose,
            focus_um=focus,
            cd_nm=round(
                45 - 45 * math.log(dose / 24) - 150 * (focus - best_focus_um) ** 2
                + rng.gauss(0, 0.3),
                2,
            ),
        )
        for field, (dose, focus) in enumerate(grid, start=1)
    ]


class MetrologyArchive:
    """The synthetic archive; ``flakiness`` is the share of reads that fail transiently."""

    def __init__(self, flakiness: float = 0.0, rng: random.Random | None = None) -> None:
        self.flakiness = flakiness
        self._rng = rng or random.Random()

    def fetch(self, wafer_id: str) -> list[Measurement]:
        """The wafer's measurements; WaferNotFound, or ArchiveUnavailable now and then."""
        if not known_wafer(wafer_id):
            raise WaferNotFound(f"no wafer {wafer_id} in the archive")
        if self.flakiness and self._rng.random() < self.flakiness:
            raise ArchiveUnavailable("archive answered 503 Service Unavailable")
        return fem_measurements(wafer_id)
