"""The exposure-defocus (ED) window and the depth of focus it allows at a given latitude.

Definitions (LITHO.md): the ED window holds, for each focus of a dense grid, the dose interval
over which modelled CD is in spec, restricted to the sampled dose range. The exposure latitude
(EL) of a dose interval [lo, hi] is measured in one of three conventions (``ElConvention``).
DOF at an EL is the focus extent of the largest axis-aligned rectangle of that EL inside the
window; the ellipse variant is the largest axis-aligned ellipse whose dose extent has that EL.

Both shapes are computed in the convention's dose coordinate x, where an EL is a fixed width:
x = ln(dose) for the centre and log conventions, x = dose for a fixed reference dose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from litho.spec import Spec


@dataclass(frozen=True)
class ElConvention:
    """How exposure latitude is measured (all EL values in percent).

    ``center``: 100·(hi − lo)/((hi + lo)/2); ``log``: 100·ln(hi/lo);
    a reference dose E_ref (mJ/cm²): 100·(hi − lo)/E_ref.
    """

    kind: str
    reference_dose: float | None = None

    @classmethod
    def parse(cls, value: str | float) -> ElConvention:
        """Accept "center" (or "centre"), "log", or a positive reference dose; else ValueError."""
        if isinstance(value, str):
            text = value.strip().lower()
            if text in ("center", "centre"):
                return cls("center")
            if text == "log":
                return cls("log")
            try:
                value = float(text)
            except ValueError:
                raise ValueError(
                    f"EL reference must be 'center', 'log' or a dose in mJ/cm², got {value!r}"
                ) from None
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise ValueError(f"EL reference must be 'center', 'log' or a dose, got {value!r}")
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"EL reference dose must be positive, got {value}")
        return cls("reference", float(value))

    def to_json(self) -> str | float:
        return self.reference_dose if self.kind == "reference" else self.kind

    @property
    def max_el(self) -> float:
        """Upper bound of the convention's EL scale (the centre convention cannot reach 200)."""
        return 200.0 if self.kind == "center" else np.inf

    def to_x(self, dose):
        dose = np.asarray(dose, dtype=float)
        return dose if self.kind == "reference" else np.log(dose)

    def to_dose(self, x):
        x = np.asarray(x, dtype=float)
        return x if self.kind == "reference" else np.exp(x)

    def width(self, el_pct):
        """Width in x of a dose interval with this EL."""
        el = np.asarray(el_pct, dtype=float) / 100.0
        if self.kind == "center":
            return 2.0 * np.arctanh(el / 2.0)
        if self.kind == "log":
            return el
        return el * self.reference_dose

    def el(self, width):
        """EL (%) of a dose interval of width ``width`` in x."""
        width = np.asarray(width, dtype=float)
        if self.kind == "center":
            return 200.0 * np.tanh(width / 2.0)
        if self.kind == "log":
            return 100.0 * width
        return 100.0 * width / self.reference_dose

    def interval(self, nominal_dose: float, el_pct: float) -> tuple[float, float]:
        """The dose interval of EL ``el_pct`` centred (see ``nominal_dose``) on a dose."""
        if self.kind == "center":
            return nominal_dose * (1 - el_pct / 200.0), nominal_dose * (1 + el_pct / 200.0)
        if self.kind == "log":
            factor = float(np.exp(el_pct / 200.0))
            return nominal_dose / factor, nominal_dose * factor
        half = el_pct * self.reference_dose / 200.0
        return nominal_dose - half, nominal_dose + half

    def nominal_dose(self, lo: float, hi: float) -> float:
        """The dose an interval is centred on: geometric mean for ``log``, else arithmetic."""
        return float(np.sqrt(lo * hi)) if self.kind == "log" else 0.5 * (lo + hi)


@dataclass(frozen=True)
class EdWindow:
    """Per-focus in-spec dose intervals on a uniform focus grid (NaN where there is none).

    ``min_clipped``/``max_clipped`` flag edges that sit on the sampled dose limits
    ``dose_range``: there the true window extends further than the data show.
    """

    focus: np.ndarray
    dose_min: np.ndarray
    dose_max: np.ndarray
    min_clipped: np.ndarray
    max_clipped: np.ndarray
    dose_range: tuple[float, float]

    @property
    def exists(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return self.dose_min <= self.dose_max

    def to_records(self, max_rows: int = 101) -> list[dict[str, object]]:
        """The window as JSON rows, thinned to at most ``max_rows`` evenly spaced foci."""
        count = len(self.focus)
        picks = np.unique(np.round(np.linspace(0, count - 1, min(max_rows, count))).astype(int))
        picks = picks[self.exists[picks]]
        return [{"focus": float(self.focus[i]), "dose_min": float(self.dose_min[i]),
                 "dose_max": float(self.dose_max[i]),
                 "dose_min_clipped": bool(self.min_clipped[i]),
                 "dose_max_clipped": bool(self.max_clipped[i])} for i in picks]


def _longest_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last column of the longest run of True in each row (-1 where none)."""
    rows, cols = mask.shape
    padded = np.zeros((rows, cols + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    start_row, start_col = np.nonzero(step == 1)
    _, stop_col = np.nonzero(step == -1)  # row-major order pairs each start with its stop
    first = np.full(rows, -1)
    last = np.full(rows, -1)
    if start_row.size:
        order = np.lexsort((start_col - stop_col, start_row))  # longest first within a row
        keep = order[np.r_[True, np.diff(start_row[order]) != 0]]
        first[start_row[keep]] = start_col[keep]
        last[start_row[keep]] = stop_col[keep] - 1
    return first, last


def ed_window(cd: np.ndarray, focus: np.ndarray, dose: np.ndarray, spec: Spec) -> EdWindow:
    """ED window from modelled CD on a grid: ``cd[i, j]`` at ``focus[i]``, ``dose[j]``.

    ``dose`` must be evenly spaced in log dose (see ``Ranges.dose_grid``): edges are located by
    linear interpolation in log dose between grid doses, which is exact where CD is linear in
    log dose. Where several separate dose intervals are in spec at one focus, the widest is kept.
    """
    inside = (cd >= spec.cd_min) & (cd <= spec.cd_max)
    first, last = _longest_runs(inside)
    log_dose = np.log(dose)
    dose_min = np.full(len(focus), np.nan)
    dose_max = np.full(len(focus), np.nan)
    min_clipped = np.zeros(len(focus), dtype=bool)
    max_clipped = np.zeros(len(focus), dtype=bool)
    rows = np.flatnonzero(first >= 0)
    for edge, outer_step, result, clipped, limit in (
            (first[rows], -1, dose_min, min_clipped, 0),
            (last[rows], 1, dose_max, max_clipped, len(dose) - 1)):
        on_limit = edge == limit
        clipped[rows[on_limit]] = True
        result[rows[on_limit]] = dose[limit]
        r, inner = rows[~on_limit], edge[~on_limit]
        outer = inner + outer_step
        cd_in, cd_out = cd[r, inner], cd[r, outer]
        level = np.where(cd_out > spec.cd_max, spec.cd_max, spec.cd_min)
        fraction = (level - cd_out) / (cd_in - cd_out)
        result[r] = np.exp(log_dose[outer] + fraction * (log_dose[inner] - log_dose[outer]))
    return EdWindow(focus, dose_min, dose_max, min_clipped, max_clipped,
                    (float(dose[0]), float(dose[-1])))


def intersect(windows: list[EdWindow]) -> EdWindow:
    """The common window of several windows computed on the same focus grid and dose range."""
    first = windows[0]
    dose_min = np.maximum.reduce([w.dose_min for w in windows])  # NaN anywhere stays NaN
    dose_max = np.minimum.reduce([w.dose_max for w in windows])
    low, high = first.dose_range
    return EdWindow(first.focus, dose_min, dose_max, dose_min <= low, dose_max >= high,
                    first.dose_range)


@dataclass(frozen=True)
class Rectangle:
    """Largest rectangle of one EL; ``dof`` 0 and None centres when the EL does not fit."""

    el_pct: float
    dof: float
    center_focus: float | None
    center_dose: float | None
    dose_min: float | None
    dose_max: float | None
    clipped: bool


@dataclass(frozen=True)
class Ellipse:
    """Largest axis-aligned ellipse of one EL; ``dof`` is twice its focus semi-axis."""

    el_pct: float
    dof: float
    center_focus: float | None
    center_dose: float | None
    clipped: bool


class WindowDof:
    """Rectangles, ellipses and the EL-vs-DOF curve of one ED window in one EL convention."""

    def __init__(self, window: EdWindow, convention: ElConvention):
        self.window = window
        self.convention = convention
        self.focus = window.focus
        self.step = float(self.focus[1] - self.focus[0])
        exists = window.exists
        self.x_low = np.where(exists, convention.to_x(window.dose_min), np.inf)
        self.x_high = np.where(exists, convention.to_x(window.dose_max), -np.inf)
        self.x_floor = float(convention.to_x(window.dose_range[0]))
        self.x_ceiling = float(convention.to_x(window.dose_range[1]))
        self._sweep()

    def _sweep(self) -> None:
        """Widest common dose band of every run of k+1 consecutive grid foci, for every k.

        Only foci from the first to the last one with a window take part. ``band_low[i, k]``
        is the highest lower edge over foci offset+i..offset+i+k (a running maximum along the
        second axis of a sliding view), ``band_high`` the lowest upper edge; runs that leave the
        span get an empty band. ``widest[k]`` is the best band width over all starts, so it
        never grows with k.
        """
        inside = np.flatnonzero(np.isfinite(self.x_low))
        self.offset = int(inside[0]) if inside.size else 0
        count = int(inside[-1]) - self.offset + 1 if inside.size else 1
        low = self.x_low[self.offset:self.offset + count]
        high = self.x_high[self.offset:self.offset + count]
        pad_low = np.concatenate([low, np.full(count - 1, np.inf)])
        pad_high = np.concatenate([high, np.full(count - 1, -np.inf)])
        self.band_low = np.maximum.accumulate(sliding_window_view(pad_low, count), axis=1)
        self.band_high = np.minimum.accumulate(sliding_window_view(pad_high, count), axis=1)
        width = self.band_high - self.band_low
        self.best_start = np.argmax(width, axis=0)
        self.widest = width[self.best_start, np.arange(count)]

    @property
    def max_el(self) -> float:
        """EL of the widest single-focus interval (0 when there is no window)."""
        return float(self.convention.el(self.widest[0])) if self.widest[0] >= 0 else 0.0

    def _spans(self, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each band width, the longest run holding it: grid steps k (−1 where none) and a
        fraction of a step to add.

        Runs of even and odd length centre on grid points and on midpoints respectively, so each
        parity is interpolated along its own sequence (k, k + 2) and the longer result is kept;
        this recovers the sub-step length a single interleaved sequence would lose.
        """
        widths = np.atleast_1d(np.asarray(widths, dtype=float))
        wanted = widths - 1e-12 * np.maximum(np.abs(widths), 1.0)
        best_k = np.full(widths.shape, -1)
        best_fraction = np.zeros(widths.shape)
        for parity in (0, 1):
            sequence = self.widest[parity::2]
            if sequence.size == 0:
                continue
            count = np.searchsorted(-sequence, -wanted, side="right")
            current = sequence[np.maximum(count - 1, 0)]
            following = sequence[np.minimum(count, sequence.size - 1)]
            with np.errstate(invalid="ignore"):  # both -inf where there is no window at all
                drop = current - following
                usable = ((count > 0) & (count < sequence.size) & np.isfinite(following)
                          & (drop > 0))
                ratio = (current - widths) / np.where(usable, drop, 1.0)
            fraction = np.where(usable, 2.0 * np.clip(ratio, 0.0, 1.0), 0.0)
            k = np.where(count > 0, 2 * (count - 1) + parity, -1)
            longer = (k >= 0) & (k + fraction > best_k + best_fraction)
            best_k = np.where(longer, k, best_k)
            best_fraction = np.where(longer, fraction, best_fraction)
        return best_k, best_fraction

    def rectangle(self, el_pct: float) -> Rectangle:
        """Largest-DOF rectangle of EL ``el_pct``, centred in dose within the band it fits in.

        Length, centre and band are refined between grid lengths k and k + 2 by linear
        interpolation (see ``_spans``). Clipped when the rectangle reaches the sampled focus
        range or its band is bounded by the sampled dose range.
        """
        width = float(self.convention.width(el_pct))
        spans, fractions = self._spans(np.array([width]))
        k, fraction = int(spans[0]), float(fractions[0])
        if k < 0:
            return Rectangle(el_pct, 0.0, None, None, None, None, False)
        start = int(self.best_start[k])
        low, high = float(self.band_low[start, k]), float(self.band_high[start, k])
        first = self.offset + start
        centre_focus = float(self.focus[first]) + 0.5 * k * self.step
        clipped = (first == 0 or first + k >= len(self.focus) - 1
                   or low <= self.x_floor or high >= self.x_ceiling)
        if fraction > 0:
            longer = int(self.best_start[k + 2])
            weight = fraction / 2.0
            low += weight * (float(self.band_low[longer, k + 2]) - low)
            high += weight * (float(self.band_high[longer, k + 2]) - high)
            longer_centre = float(self.focus[self.offset + longer]) + 0.5 * (k + 2) * self.step
            centre_focus += weight * (longer_centre - centre_focus)
        centre = 0.5 * (low + high)
        dose_lo = float(self.convention.to_dose(centre - width / 2))
        dose_hi = float(self.convention.to_dose(centre + width / 2))
        return Rectangle(el_pct, (k + fraction) * self.step, centre_focus,
                         self.convention.nominal_dose(dose_lo, dose_hi), dose_lo, dose_hi,
                         bool(clipped))

    def curve(self, points: int = 41) -> list[tuple[float, float]]:
        """(DOF, EL) pairs from the maximum EL down to EL 0, in increasing DOF.

        Levels crowd towards the maximum EL, where DOF grows like the square root of the EL
        margin, so the points are roughly even along the curve.
        """
        if self.widest[0] < 0:
            return []
        levels = self.max_el * (1.0 - np.linspace(0.0, 1.0, points) ** 2)
        spans, fractions = self._spans(self.convention.width(levels))
        dofs = np.where(spans >= 0, (spans + fractions) * self.step, 0.0)
        return [(float(d), float(el)) for d, el in zip(dofs, levels, strict=True)]

    def ellipse(self, el_pct: float) -> Ellipse:
        """Largest ellipse of EL ``el_pct`` (see ``_EllipseSearch``). Clipped when it reaches
        the sampled focus range or would grow if the dose edges clipped by the sampled dose
        range were open.
        """
        half_width = 0.5 * float(self.convention.width(el_pct))
        search = _EllipseSearch(self.focus, self.x_low, self.x_high, half_width)
        found = search.largest()
        if found is None:
            return Ellipse(el_pct, 0.0, None, None, False)
        semi_axis, centre, centre_x = found
        centre_focus = float(self.focus[centre])
        dose_lo = float(self.convention.to_dose(centre_x - half_width))
        dose_hi = float(self.convention.to_dose(centre_x + half_width))
        clipped = (centre_focus - semi_axis <= self.focus[0] + 0.5 * self.step
                   or centre_focus + semi_axis >= self.focus[-1] - 0.5 * self.step)
        if not clipped and (self.window.min_clipped.any() or self.window.max_clipped.any()):
            opened = _EllipseSearch(self.focus,
                                    np.where(self.window.min_clipped, -np.inf, self.x_low),
                                    np.where(self.window.max_clipped, np.inf, self.x_high),
                                    half_width)
            clipped = opened.fits_near(semi_axis + max(0.02 * semi_axis, self.step), centre)
        return Ellipse(el_pct, 2.0 * semi_axis, centre_focus,
                       self.convention.nominal_dose(dose_lo, dose_hi), bool(clipped))


class _EllipseSearch:
    """Largest axis-aligned ellipse of fixed dose semi-axis inside a window (in x units).

    An ellipse of focus semi-axis a centred on a grid focus fits when, at every grid focus it
    spans, its dose extent lies inside that focus's interval, and it stays inside the sampled
    focus range. Feasibility only shrinks as a grows, so a is found by bisection with every
    centre tried at once; a coarse pass on every ``COARSE``-th focus brackets the answer and a
    fine pass near the coarse centres refines it, which keeps the work small on dense grids.
    """

    COARSE = 4

    def __init__(self, focus: np.ndarray, low: np.ndarray, high: np.ndarray, half_width: float):
        self.focus, self.low, self.high = focus, low, high
        self.half_width = half_width
        self.step = float(focus[1] - focus[0])
        self.all_centres = np.flatnonzero(high - low >= 2.0 * half_width - 1e-12)

    def _fit(self, semi_axis: float, centres: np.ndarray, stride: int = 1):
        """(fits, lowest, highest) per centre: whether the ellipse fits and the range of
        centre x it allows. Constraints are checked at every ``stride``-th grid focus."""
        reach = int(semi_axis // (self.step * stride))
        offsets = np.arange(-reach, reach + 1) * stride
        index = centres[:, None] + offsets[None, :]
        on_grid = (index >= 0) & (index < len(self.focus))
        index = np.clip(index, 0, len(self.focus) - 1)
        if semi_axis > 0:
            ratio = np.clip(1.0 - (offsets * self.step / semi_axis) ** 2, 0.0, None)
            height = self.half_width * np.sqrt(ratio)
        else:
            height = np.full(offsets.shape, self.half_width)
        lowest = np.where(on_grid, self.low[index] + height, np.inf).max(axis=1)
        highest = np.where(on_grid, self.high[index] - height, -np.inf).min(axis=1)
        room = np.minimum(self.focus[centres] - self.focus[0],
                          self.focus[-1] - self.focus[centres])
        fits = (lowest <= highest) & (semi_axis <= room + 1e-9 * self.step)
        return fits, lowest, highest

    def fits_near(self, semi_axis: float, centre: int) -> bool:
        """Whether an ellipse of this semi-axis fits with its centre within a few grid foci of
        ``centre``: could the ellipse found there grow in place?"""
        nearby = self.all_centres[np.abs(self.all_centres - centre) <= 2 * self.COARSE]
        return bool(nearby.size and self._fit(semi_axis, nearby)[0].any())

    def _bisect(self, small: float, large: float, centres: np.ndarray, stride: int,
                precision: float) -> float:
        """Largest fitting semi-axis in [small, large], given that ``small`` fits."""
        if self._fit(large, centres, stride)[0].any():
            return large
        while large - small > precision:
            middle = 0.5 * (small + large)
            if self._fit(middle, centres, stride)[0].any():
                small = middle
            else:
                large = middle
        return small

    def largest(self) -> tuple[float, int, float] | None:
        """(semi-axis, centre grid index, centre x) of the largest ellipse, or None."""
        if self.all_centres.size == 0:
            return None
        limit = 0.5 * float(self.focus[-1] - self.focus[0])
        precision = self.step / 8
        coarse_centres = self.all_centres[self.all_centres % self.COARSE == 0]
        semi_axis = None
        if coarse_centres.size:
            rough = self._bisect(0.0, limit, coarse_centres, self.COARSE,
                                 self.COARSE * self.step)
            fits = self._fit(rough, coarse_centres, self.COARSE)[0]
            near = np.abs(self.all_centres[:, None] - coarse_centres[fits][None, :])
            centres = self.all_centres[(near <= 2 * self.COARSE).any(axis=1)]
            bracket = 2 * self.COARSE * self.step
            small, large = max(rough - bracket, 0.0), min(rough + bracket, limit)
            if (self._fit(small, centres)[0].any()
                    and not self._fit(large, self.all_centres)[0].any()):
                semi_axis = self._bisect(small, large, centres, 1, precision)
        if semi_axis is None:  # the coarse pass did not bracket the answer: search everything
            centres = self.all_centres
            semi_axis = self._bisect(0.0, limit, centres, 1, precision)
        fits, lowest, highest = self._fit(semi_axis, centres)
        best = int(np.argmax(np.where(fits, highest - lowest, -np.inf)))
        return semi_axis, int(centres[best]), 0.5 * float(lowest[best] + highest[best])
