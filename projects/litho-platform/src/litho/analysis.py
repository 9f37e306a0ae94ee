"""Process-window analysis of FEM data: the result contract of LITHO.md.

``analyze`` fits a CD(E, F) model, solves best focus and dose-to-size together, finds the
isofocal dose, builds the ED window on a dense focus grid and reads off DOF at each requested
EL (rectangle and ellipse) and the EL-vs-DOF curve. ``analyze_groups`` does this per group
(field, wafer, feature) and intersects the groups' windows. Nothing is extrapolated outside the
sampled dose and focus ranges; a window that does not exist is reported as DOF 0, not raised.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from litho import columns as col
from litho.io import FemData
from litho.models import (
    BossungModel,
    PerDoseFits,
    Ranges,
    SurfaceModel,
    crossings,
    fit_per_dose,
    vertices,
)
from litho.spec import Spec
from litho.validation import FemValidationError, Problem
from litho.window import EdWindow, ElConvention, WindowDof, ed_window, intersect

Progress = Callable[[float, str], None]

OUTLIER_SIGMAS = 6.0
OUTLIER_MAX_SHARE = 0.1
CURVE_POINTS = 41


@dataclass(frozen=True)
class AnalysisOptions:
    """Choices of an analysis; invalid values raise ValueError.

    ``el_pct``: latitudes (percent, >= 0) at which DOF is reported. ``model``: "surface" (one
    response surface in log dose, dose degree 2) or "bossung" (per-dose fits interpolated in
    log dose). ``focus_degree``: 2 or 4. ``el_ref``: "center", "log" or a reference dose
    (mJ/cm²). ``focus_points``/``dose_points``: sizes of the evaluation grids (51..4001).
    ``reject_outliers``: drop points whose residual exceeds six robust standard deviations
    (at most 10 % of points) and refit.
    """

    el_pct: tuple[float, ...] = (5.0, 10.0)
    model: str = "surface"
    focus_degree: int = 2
    el_ref: str | float = "center"
    focus_points: int = 401
    dose_points: int = 201
    reject_outliers: bool = True

    def __post_init__(self) -> None:
        values = (self.el_pct,) if isinstance(self.el_pct, int | float) else self.el_pct
        try:
            levels = tuple(float(v) for v in values)
        except (TypeError, ValueError):
            raise ValueError(f"el_pct must be numbers, got {self.el_pct!r}") from None
        if not levels:
            raise ValueError("el_pct needs at least one EL value")
        convention = ElConvention.parse(self.el_ref)
        for level in levels:
            if not math.isfinite(level) or level < 0 or level >= convention.max_el:
                raise ValueError(f"EL {level} % is outside [0, {convention.max_el:g}) "
                                 f"for the {convention.kind} convention")
        object.__setattr__(self, "el_pct", levels)
        object.__setattr__(self, "el_ref", convention.to_json())
        if self.model not in ("surface", "bossung"):
            raise ValueError(f"model must be 'surface' or 'bossung', got {self.model!r}")
        if self.focus_degree not in (2, 4):
            raise ValueError(f"focus_degree must be 2 or 4, got {self.focus_degree!r}")
        for name in ("focus_points", "dose_points"):
            points = getattr(self, name)
            if isinstance(points, bool) or not isinstance(points, int) or not 51 <= points <= 4001:
                raise ValueError(f"{name} must be an integer from 51 to 4001, got {points!r}")

    @property
    def convention(self) -> ElConvention:
        return ElConvention.parse(self.el_ref)


@dataclass
class _Fitted:
    """A group's points with its fitted model, per-dose curves and fit notes."""

    frame: pd.DataFrame
    model: SurfaceModel | BossungModel
    per_dose: PerDoseFits
    outliers: int
    warnings: list[str]


def _as_fem(data: FemData | pd.DataFrame) -> FemData:
    if isinstance(data, FemData):
        return data
    if isinstance(data, pd.DataFrame):
        return FemData.from_frame(data)
    raise TypeError(f"data must be FemData or a pandas DataFrame, not {type(data).__name__}")


def _report(progress: Progress | None, fraction: float, stage: str) -> None:
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)), stage)


def _fit(frame: pd.DataFrame, spec: Spec, options: AnalysisOptions, label: str = "") -> _Fitted:
    """Fit the chosen model (with one pass of outlier rejection) and the per-dose curves."""
    where = f" in {label}" if label else ""
    dose = frame[col.DOSE].to_numpy()
    focus = frame[col.FOCUS].to_numpy()
    cd = frame[col.CD].to_numpy()
    doses, foci = np.unique(dose), np.unique(focus)
    needed_foci = options.focus_degree + 1
    problems = []
    if doses.size < 2:
        problems.append(f"a fit needs at least 2 different doses{where}; found {doses.size}")
    if foci.size < needed_foci:
        problems.append(f"focus degree {options.focus_degree} needs at least {needed_foci} "
                        f"different focus values{where}; found {foci.size}")
    if problems:
        raise FemValidationError([Problem(None, None, p) for p in problems])

    notes: list[str] = []
    ranges = Ranges.of(dose, focus)
    dose_degree = 2 if doses.size >= 3 else 1
    if options.model == "surface" and dose_degree == 1:
        notes.append(f"only 2 doses{where}: the surface is linear in log dose")

    def fit_model(keep: np.ndarray):
        per_dose, per_dose_residuals = fit_per_dose(dose[keep], focus[keep], cd[keep],
                                                    options.focus_degree, ranges)
        if options.model == "surface":
            model, residuals = SurfaceModel.fit(dose[keep], focus[keep], cd[keep], dose_degree,
                                                options.focus_degree, ranges)
        else:
            model, residuals = BossungModel(per_dose), per_dose_residuals
        return model, per_dose, residuals

    keep = np.ones(len(cd), dtype=bool)
    model, per_dose, residuals = fit_model(keep)
    outliers = np.zeros(len(cd), dtype=bool)
    if options.reject_outliers:
        outliers = _outliers(residuals, spec.target_cd)
    if outliers.any():
        keep[np.flatnonzero(keep)[outliers]] = False
        model, per_dose, _ = fit_model(keep)
        notes.append(f"{int(outliers.sum())} outlying points{where} (residual above "
                     f"{OUTLIER_SIGMAS:g} robust standard deviations) were left out of the fit")
    if per_dose.skipped_doses:
        listed = ", ".join(f"{d:g}" for d in per_dose.skipped_doses)
        notes.append(f"doses with fewer than {needed_foci} focus values{where} have no Bossung "
                     f"fit: {listed} mJ/cm²")
    return _Fitted(frame, model, per_dose, int(outliers.sum()), notes)


def _outliers(residuals: np.ndarray, target_cd: float) -> np.ndarray:
    """Points whose residual is far outside the robust spread of all residuals.

    The floor (1e-6 of target) keeps float noise of an exact fit from counting as outliers;
    when more than ``OUTLIER_MAX_SHARE`` of points would go, the model rather than the data is
    at fault and nothing is removed.
    """
    finite = np.isfinite(residuals)
    if finite.sum() < 10:
        return np.zeros(len(residuals), dtype=bool)
    centre = np.median(residuals[finite])
    spread = 1.4826 * np.median(np.abs(residuals[finite] - centre))
    limit = max(OUTLIER_SIGMAS * spread, 1e-6 * target_cd)
    with np.errstate(invalid="ignore"):
        flagged = np.abs(residuals - centre) > limit
    if flagged.sum() > OUTLIER_MAX_SHARE * finite.sum():
        return np.zeros(len(residuals), dtype=bool)
    return flagged


def _best_focus_and_dose(model, focus: np.ndarray, dose: np.ndarray, cd: np.ndarray,
                         target: float) -> tuple[float | None, float | None]:
    """Dose-to-size and best focus solved together.

    For every grid dose the Bossung vertex is found; dose-to-size is the dose where CD at the
    vertex equals the target, best focus the vertex there. Of several solutions the one nearest
    the middle of the dose range is taken; None when the target is not reached at any vertex.
    """
    curvature = model.mean_curvature(dose)
    vertex_focus, vertex_cd = vertices(cd.T, focus, curvature)
    log_dose = np.log(dose)
    roots = crossings(log_dose, vertex_cd - target)
    if roots.size == 0:
        return None, None
    middle = 0.5 * (log_dose[0] + log_dose[-1])
    root = float(roots[np.argmin(np.abs(roots - middle))])
    best_focus = float(np.interp(root, log_dose, vertex_focus))
    if not math.isfinite(best_focus):
        return None, None
    return best_focus, float(np.exp(root))


def _isofocal(model, dose: np.ndarray, cd: np.ndarray,
              dose_to_size: float | None) -> tuple[float | None, float | None]:
    """Dose where the mean Bossung curvature changes sign, and the focus-averaged CD there."""
    log_dose = np.log(dose)
    roots = crossings(log_dose, model.mean_curvature(dose))
    if roots.size == 0:
        return None, None
    anchor = math.log(dose_to_size) if dose_to_size else 0.5 * (log_dose[0] + log_dose[-1])
    root = float(roots[np.argmin(np.abs(roots - anchor))])
    return float(np.exp(root)), float(np.interp(root, log_dose, cd.mean(axis=0)))


def _bossung_rows(per_dose: PerDoseFits, focus: np.ndarray) -> list[dict[str, object]]:
    """Per-dose fit rows: coefficients in ascending powers of focus (µm), vertex, curvature.

    ``curvature`` is d²CD/dF² (nm/µm²) at the vertex, or its mean over the sampled focus range
    when the curve has no vertex inside it.
    """
    if len(per_dose.doses) == 0:
        return []
    mean_curvature = per_dose.mean_curvature()
    vertex_focus, vertex_cd = vertices(per_dose.curves(focus), focus, mean_curvature)
    at_vertex = per_dose.second_derivative(np.nan_to_num(vertex_focus, nan=focus[0]))
    curvature = np.where(np.isfinite(vertex_focus), at_vertex, mean_curvature)
    physical = per_dose.physical_coefficients()
    return [{"dose": float(d), "coefficients": [float(c) for c in physical[i]],
             "vertex_focus": _number(vertex_focus[i]), "cd_at_vertex": _number(vertex_cd[i]),
             "curvature": _number(curvature[i])} for i, d in enumerate(per_dose.doses)]


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _window_results(window: EdWindow, options: AnalysisOptions) -> dict[str, object]:
    dof = WindowDof(window, options.convention)
    zero = dof.rectangle(0.0)
    rows = []
    for level in options.el_pct:
        rectangle, ellipse = dof.rectangle(level), dof.ellipse(level)
        rows.append({
            "el_pct": level, "dof": rectangle.dof, "center_focus": rectangle.center_focus,
            "center_dose": rectangle.center_dose, "clipped": rectangle.clipped,
            "ellipse_dof": ellipse.dof, "ellipse_clipped": ellipse.clipped,
            "dose_min": rectangle.dose_min, "dose_max": rectangle.dose_max,
            "ellipse_center_focus": ellipse.center_focus,
            "ellipse_center_dose": ellipse.center_dose,
        })
    return {
        "max_el_pct": dof.max_el,
        "dof_at_zero_el": zero.dof,
        "dof_at_zero_el_clipped": zero.clipped,
        "process_window": rows,
        "el_vs_dof": [{"dof": d, "el_pct": e} for d, e in dof.curve(CURVE_POINTS)],
        "ed_window": window.to_records(),
    }


def _data_summary(data: FemData, frame: pd.DataFrame, spec: Spec,
                  outliers: int) -> dict[str, object]:
    dose, focus = frame[col.DOSE].to_numpy(), frame[col.FOCUS].to_numpy()
    dose_code, doses = pd.factorize(dose)
    focus_code, foci = pd.factorize(focus)
    conditions = np.unique(dose_code.astype(np.int64) * len(foci) + focus_code).size
    return {
        "points": int(len(frame)),
        "conditions": int(conditions),
        "doses": len(doses),
        "foci": len(foci),
        "in_spec_fraction": float(np.mean(spec.in_spec(frame[col.CD].to_numpy()))),
        "dose_range": [float(dose.min()), float(dose.max())],
        "focus_range": [float(focus.min()), float(focus.max())],
        "duplicates": int(data.duplicates_averaged),
        "dropped_missing_cd": int(data.dropped_missing_cd),
        "outliers_excluded": int(outliers),
        "source_rows": int(data.source_rows),
    }


def _model_dict(model) -> dict[str, object]:
    return {"kind": model.kind, "dose_degree": int(model.dose_degree),
            "focus_degree": int(model.focus_degree), "rms_residual": float(model.rms_residual)}


def _analyze_fitted(data: FemData, fitted: _Fitted, spec: Spec, options: AnalysisOptions,
                    progress: Progress | None, start: float, share: float) -> dict[str, object]:
    model = fitted.model
    ranges = model.ranges
    focus = ranges.focus_grid(options.focus_points)
    dose = ranges.dose_grid(options.dose_points)
    cd = model.cd_grid(dose, focus)
    best_focus, dose_to_size = _best_focus_and_dose(model, focus, dose, cd, spec.target_cd)
    isofocal_dose, isofocal_cd = _isofocal(model, dose, cd, dose_to_size)
    _report(progress, start + 0.4 * share, "window")
    window = ed_window(cd, focus, dose, spec)
    notes = list(data.warnings) + fitted.warnings
    if dose_to_size is None:
        notes.append("the target CD is not printed at best focus within the sampled dose range")
    if not window.exists.any():
        notes.append("no dose and focus in the sampled ranges keeps the modelled CD in spec")
    _report(progress, start + 0.6 * share, "dof")
    result: dict[str, object] = {
        "spec": spec.to_dict(),
        "model": _model_dict(model),
        "best_focus": best_focus,
        "dose_to_size": dose_to_size,
        "isofocal_dose": isofocal_dose,
        "isofocal_cd": isofocal_cd,
    }
    result.update(_window_results(window, options))
    result["bossung"] = _bossung_rows(fitted.per_dose, focus)
    result["data_summary"] = _data_summary(data, fitted.frame, spec, fitted.outliers)
    result["el_ref"] = options.el_ref
    result["warnings"] = notes
    return result


def analyze(data: FemData | pd.DataFrame, spec: Spec, options: AnalysisOptions | None = None,
            progress: Progress | None = None) -> dict[str, object]:
    """Analyse one FEM data set; returns the LITHO.md result as JSON-ready Python objects.

    Keys beyond the contract: ``ed_window`` (per-focus dose limits, for plots),
    ``dof_at_zero_el_clipped``, ``el_ref``, ``warnings``; process-window rows also give the
    rectangle's dose limits and the ellipse's centre; ``data_summary`` also counts dropped,
    excluded and source rows. Raises FemValidationError when the data cannot support the chosen
    model, and ValueError for invalid options. ``progress(fraction, stage)`` is called as
    stages finish.
    """
    options = options or AnalysisOptions()
    _report(progress, 0.0, "validate")
    fem = _as_fem(data)
    _report(progress, 0.1, "fit")
    fitted = _fit(fem.frame, spec, options)
    result = _analyze_fitted(fem, fitted, spec, options, progress, 0.1, 0.9)
    _report(progress, 1.0, "done")
    return result


def _group_name(value: object) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def analyze_groups(data: FemData | pd.DataFrame, by: str, spec: Spec,
                   options: AnalysisOptions | None = None,
                   progress: Progress | None = None) -> dict[str, object]:
    """Analyse each group of an identity column and the groups' overlap.

    ``by`` names Wafer_ID, Field or Feature in any accepted spelling (e.g. "field").

    Returns ``{"groups": {name: result}, "overlap": result}``. The overlap is the intersection of
    the groups' ED windows on a focus grid over the focus and dose ranges every group sampled;
    its best focus, dose-to-size and isofocal values are None (they belong to single groups),
    its ``model.rms_residual`` is the worst group's and its ``bossung`` list is empty.
    """
    options = options or AnalysisOptions()
    _report(progress, 0.0, "validate")
    fem = _as_fem(data)
    column = col.canonical_name(by)
    if column not in col.IDENTITY or column not in fem.frame.columns:
        present = [col.DISPLAY[c] for c in col.IDENTITY if c in fem.frame.columns]
        raise FemValidationError([Problem(None, by, (
            "no such column in the data; group by one of: " + (", ".join(present) or "none")))])
    keys = pd.unique(fem.frame[column])
    keys = sorted(keys, key=lambda k: (isinstance(k, str), k))
    groups: dict[str, dict[str, object]] = {}
    fits: list[_Fitted] = []
    problems: list[Problem] = []
    for key in keys:
        name = _group_name(key)
        frame = fem.frame.loc[fem.frame[column] == key].reset_index(drop=True)
        try:
            fits.append(_fit(frame, spec, options, f"{col.DISPLAY[column]} {name}"))
        except FemValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FemValidationError(problems)
    for index, (key, fitted) in enumerate(zip(keys, fits, strict=True)):
        share = 0.9 / (len(fits) + 1)
        subset = FemData(fitted.frame, len(fitted.frame))
        groups[_group_name(key)] = _analyze_fitted(subset, fitted, spec, options, progress,
                                                   share * index, share)
    overlap = _overlap(fem, fits, spec, options)
    _report(progress, 1.0, "done")
    return {"groups": groups, "overlap": overlap}


def _overlap(fem: FemData, fits: list[_Fitted], spec: Spec,
             options: AnalysisOptions) -> dict[str, object]:
    shared: Ranges | None = fits[0].model.ranges
    for fitted in fits[1:]:
        shared = shared.intersection(fitted.model.ranges) if shared else None
    notes = list(fem.warnings)
    window = None
    if shared is None:
        notes.append("the groups share no sampled dose and focus range, so there is no common "
                     "window")
    else:
        focus = shared.focus_grid(options.focus_points)
        dose = shared.dose_grid(options.dose_points)
        window = intersect([ed_window(f.model.cd_grid(dose, focus), focus, dose, spec)
                            for f in fits])
        if not window.exists.any():
            notes.append("the groups' windows have no focus in common")
    first = fits[0].model
    result: dict[str, object] = {
        "spec": spec.to_dict(),
        "model": {"kind": "overlap", "dose_degree": int(first.dose_degree),
                  "focus_degree": int(first.focus_degree),
                  "rms_residual": max(float(f.model.rms_residual) for f in fits),
                  "groups": len(fits)},
        "best_focus": None, "dose_to_size": None, "isofocal_dose": None, "isofocal_cd": None,
    }
    if window is None:
        result.update({"max_el_pct": 0.0, "dof_at_zero_el": 0.0,
                       "dof_at_zero_el_clipped": False,
                       "process_window": [_empty_row(level) for level in options.el_pct],
                       "el_vs_dof": [], "ed_window": []})
    else:
        result.update(_window_results(window, options))
    result["bossung"] = []
    result["data_summary"] = _data_summary(fem, fem.frame, spec, sum(f.outliers for f in fits))
    result["el_ref"] = options.el_ref
    result["warnings"] = notes
    return result


def _empty_row(level: float) -> dict[str, object]:
    return {"el_pct": level, "dof": 0.0, "center_focus": None, "center_dose": None,
            "clipped": False, "ellipse_dof": 0.0, "ellipse_clipped": False, "dose_min": None,
            "dose_max": None, "ellipse_center_focus": None, "ellipse_center_dose": None}
