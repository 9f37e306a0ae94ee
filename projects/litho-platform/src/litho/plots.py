"""Figures of an analysis: Bossung curves, the ED window, EL vs DOF and a CD map.

Rendering uses matplotlib's object API with the Agg canvas only (no pyplot state), so it is
headless and safe to call from worker threads.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from litho import columns as col
from litho.io import FemData
from litho.window import ElConvention

KINDS = ("bossung", "process-window", "el-dof", "cd-map")
FORMATS = ("png", "svg")
FOCUS_LABEL = "Focus (µm)"
DOSE_LABEL = "Dose (mJ/cm²)"
CD_LABEL = "CD (nm)"
EL_COLOURS = ("tab:red", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive")


def render(kind: str, data: FemData, result: dict, fmt: str = "png") -> bytes:
    """Draw one figure of ``result`` (from ``analyze``) over ``data`` and return PNG or SVG bytes.

    ``kind`` is one of "bossung", "process-window", "el-dof", "cd-map". A CD map needs X/Y or
    Field columns; without them the figure says so instead of failing. Raises ValueError for an
    unknown kind or format.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown plot kind {kind!r}; choose one of {', '.join(KINDS)}")
    if fmt not in FORMATS:
        raise ValueError(f"unknown plot format {fmt!r}; choose png or svg")
    figure = Figure(figsize=(8.0, 5.6), layout="constrained")
    {"bossung": _bossung, "process-window": _process_window, "el-dof": _el_dof,
     "cd-map": _cd_map}[kind](figure, data, result)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=110)
    return buffer.getvalue()


def _fixed(value: float, digits: int) -> str:
    """Fixed-point text without a minus sign on values that round to zero."""
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def _spec_text(result: dict) -> str:
    spec = result["spec"]
    return f"target {spec['target_cd']:g} nm ± {spec['tolerance_pct']:g} %"


def _bossung(figure: Figure, data: FemData, result: dict) -> None:
    axes = figure.add_subplot()
    frame = data.frame
    spec = result["spec"]
    norm = Normalize(frame[col.DOSE].min(), frame[col.DOSE].max())
    cmap = colormaps["viridis"]
    axes.axhspan(spec["cd_min"], spec["cd_max"], color="tab:green", alpha=0.12,
                 label=f"spec {spec['cd_min']:g}–{spec['cd_max']:g} nm")
    axes.axhline(spec["target_cd"], color="tab:green", linestyle="--", linewidth=1)
    axes.scatter(frame[col.FOCUS], frame[col.CD], c=cmap(norm(frame[col.DOSE])), s=14,
                 edgecolors="none", alpha=0.8)
    focus = np.linspace(frame[col.FOCUS].min(), frame[col.FOCUS].max(), 200)
    for row in result.get("bossung", []):
        curve = np.polynomial.polynomial.polyval(focus, row["coefficients"])
        axes.plot(focus, curve, color=cmap(norm(row["dose"])), linewidth=1.2)
    if result.get("best_focus") is not None:
        axes.axvline(result["best_focus"], color="0.3", linestyle=":", linewidth=1,
                     label=f"best focus {_fixed(result['best_focus'], 3)} µm")
    low, high = frame[col.CD].quantile([0.01, 0.99])
    margin = 0.08 * (high - low + 1e-9)
    axes.set_ylim(min(low, spec["cd_min"]) - margin, max(high, spec["cd_max"]) + margin)
    axes.set_xlabel(FOCUS_LABEL)
    axes.set_ylabel(CD_LABEL)
    degree = result.get("model", {}).get("focus_degree")
    axes.set_title(f"Bossung curves with per-dose fits (focus degree {degree})")
    axes.legend(loc="upper center", fontsize="small")
    axes.grid(alpha=0.3)
    figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes).set_label(DOSE_LABEL)


def _process_window(figure: Figure, data: FemData, result: dict) -> None:
    axes = figure.add_subplot()
    frame = data.frame
    in_spec = frame[col.CD].between(result["spec"]["cd_min"], result["spec"]["cd_max"])
    axes.scatter(frame.loc[~in_spec, col.FOCUS], frame.loc[~in_spec, col.DOSE], s=10,
                 color="0.75", label="measured, out of spec")
    axes.scatter(frame.loc[in_spec, col.FOCUS], frame.loc[in_spec, col.DOSE], s=12,
                 color="tab:green", label="measured, in spec")
    window = pd.DataFrame(result.get("ed_window", []))
    if not window.empty:
        axes.fill_between(window["focus"], window["dose_min"], window["dose_max"],
                          color="tab:blue", alpha=0.15, label="ED window (model)")
        clip_label = "clipped by the sampled dose range"
        for edge in ("dose_min", "dose_max"):
            axes.plot(window["focus"], window[edge], color="tab:blue", linewidth=1.2)
            clipped = window[f"{edge}_clipped"]
            if clipped.any():
                axes.plot(window.loc[clipped, "focus"], window.loc[clipped, edge], "|",
                          color="black", markersize=8, label=clip_label)
                clip_label = None  # one legend entry for both edges
    convention = ElConvention.parse(result.get("el_ref", "center"))
    for index, row in enumerate(result.get("process_window", [])):
        colour = EL_COLOURS[index % len(EL_COLOURS)]
        if row["center_focus"] is not None and row["dof"] > 0:
            axes.add_patch(Rectangle((row["center_focus"] - row["dof"] / 2, row["dose_min"]),
                                     row["dof"], row["dose_max"] - row["dose_min"], fill=False,
                                     edgecolor=colour, linewidth=2,
                                     label=f"EL {row['el_pct']:g} %: rectangle DOF "
                                           f"{row['dof']:.3f} µm"))
        if row.get("ellipse_center_focus") is not None and row["ellipse_dof"] > 0:
            lo, hi = convention.interval(row["ellipse_center_dose"], row["el_pct"])
            x_lo, x_hi = convention.to_x(lo), convention.to_x(hi)
            angle = np.linspace(0, 2 * np.pi, 200)
            focus = row["ellipse_center_focus"] + 0.5 * row["ellipse_dof"] * np.cos(angle)
            dose = convention.to_dose(0.5 * (x_lo + x_hi) + 0.5 * (x_hi - x_lo) * np.sin(angle))
            axes.plot(focus, dose, color=colour, linestyle="--", linewidth=1.5,
                      label=f"EL {row['el_pct']:g} %: ellipse DOF {row['ellipse_dof']:.3f} µm")
    if result.get("best_focus") is not None and result.get("dose_to_size") is not None:
        axes.plot(result["best_focus"], result["dose_to_size"], marker="*", markersize=13,
                  color="black", linestyle="none",
                  label=f"best focus {_fixed(result['best_focus'], 3)} µm, "
                        f"dose-to-size {result['dose_to_size']:.2f} mJ/cm²")
    axes.set_xlabel(FOCUS_LABEL)
    axes.set_ylabel(DOSE_LABEL)
    axes.set_title(f"ED window ({_spec_text(result)})")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    figure.set_size_inches(11.0, 5.6)


def _el_dof(figure: Figure, data: FemData, result: dict) -> None:
    axes = figure.add_subplot()
    curve = result.get("el_vs_dof", [])
    if curve:
        axes.plot([p["dof"] for p in curve], [p["el_pct"] for p in curve], color="tab:blue",
                  linewidth=2, label="rectangle (worst-case errors)")
    for index, row in enumerate(result.get("process_window", [])):
        colour = EL_COLOURS[index % len(EL_COLOURS)]
        axes.plot(row["dof"], row["el_pct"], "o", color=colour,
                  label=f"EL {row['el_pct']:g} %: DOF {row['dof']:.3f} µm")
        if row["ellipse_dof"] > 0:
            axes.plot(row["ellipse_dof"], row["el_pct"], "D", color=colour, fillstyle="none",
                      label=f"EL {row['el_pct']:g} %: ellipse DOF {row['ellipse_dof']:.3f} µm")
    reference = result.get("el_ref", "center")
    convention = {"center": "relative to the interval's centre dose",
                  "log": "100·ln(hi/lo)"}.get(reference, f"relative to {reference} mJ/cm²")
    axes.set_xlabel("DOF (µm)")
    axes.set_ylabel("EL (%)")
    axes.set_title(f"Exposure latitude vs depth of focus (EL {convention})")
    axes.set_xlim(left=0)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")
    if not curve:
        axes.text(0.5, 0.5, "no process window in the sampled range", ha="center",
                  transform=axes.transAxes)


def _cd_map(figure: Figure, data: FemData, result: dict) -> None:
    frame = data.frame
    spec = result["spec"]
    target = spec["target_cd"]
    # Colours span three spec half-widths so in-spec variation stays visible; beyond is capped.
    spread = min(float(np.nanmax(np.abs(frame[col.CD] - target))),
                 3.0 * (spec["cd_max"] - target))
    spread = max(spread, 1e-6)
    norm = TwoSlopeNorm(vcenter=target, vmin=target - spread, vmax=target + spread)
    if col.X in frame.columns and col.Y in frame.columns:
        sites = frame.groupby([col.X, col.Y], as_index=False)[col.CD].mean()
        axes = figure.add_subplot()
        image = axes.scatter(sites[col.X], sites[col.Y], c=sites[col.CD], cmap="RdBu_r",
                             norm=norm, marker="s", s=120, edgecolors="0.4", linewidths=0.4)
        axes.set_xlabel("X (mm)")
        axes.set_ylabel("Y (mm)")
        axes.set_aspect("equal", adjustable="datalim")
        axes.set_title(f"CD over the wafer ({_spec_text(result)})")
        figure.colorbar(image, ax=axes, extend="both").set_label(CD_LABEL)
        return
    if col.FIELD in frame.columns:
        fields = sorted(pd.unique(frame[col.FIELD]), key=lambda k: (isinstance(k, str), k))
        shown = fields[:12]
        columns = min(len(shown), 4)
        rows = -(-len(shown) // columns)
        grid = figure.subplots(rows, columns, squeeze=False, sharex=True, sharey=True)
        image = None
        for axes, field in zip(grid.flat, shown, strict=False):
            block = frame.loc[frame[col.FIELD] == field]
            table = block.pivot_table(index=col.DOSE, columns=col.FOCUS, values=col.CD)
            image = axes.pcolormesh(_edges(table.columns.to_numpy()),
                                    _edges(table.index.to_numpy()), table.to_numpy(),
                                    cmap="RdBu_r", norm=norm)
            axes.set_title(f"Field {field}", fontsize="small")
        for axes in grid.flat[len(shown):]:
            axes.set_visible(False)
        for axes in grid[-1]:
            axes.set_xlabel(FOCUS_LABEL)
        for axes in grid[:, 0]:
            axes.set_ylabel(DOSE_LABEL)
        more = f" (first 12 of {len(fields)})" if len(fields) > 12 else ""
        figure.suptitle(f"CD per field over the focus-exposure matrix{more}")
        figure.colorbar(image, ax=grid, shrink=0.9, extend="both").set_label(CD_LABEL)
        return
    axes = figure.add_subplot()
    axes.set_axis_off()
    axes.text(0.5, 0.5, "No field coordinates: the data have no X/Y or Field column,\n"
              "so there is no CD map to draw.", ha="center", va="center", fontsize=13)


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell boundaries around sorted cell centres (uneven spacing allowed)."""
    if centres.size == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = 0.5 * (centres[1:] + centres[:-1])
    return np.concatenate([[2 * centres[0] - middle[0]], middle,
                           [2 * centres[-1] - middle[-1]]])
