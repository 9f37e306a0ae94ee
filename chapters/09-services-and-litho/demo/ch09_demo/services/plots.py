"""The Bossung plot: measured CD against focus, one colour per dose, the model's curves and the
spec band. Drawn on a bare ``Figure`` (no pyplot state shared between requests) with Agg."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from ch09_demo.services.analysis import Spec, Surface

MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


def bossung_plot(fem: pd.DataFrame, surface: Surface, spec: Spec, fmt: str = "png") -> bytes:
    """The plot as PNG or SVG bytes (``fmt`` one of MEDIA_TYPES)."""
    figure = Figure(figsize=(8.0, 4.5), layout="constrained")
    axes = figure.add_subplot()
    focus = np.linspace(*surface.focus_range, 101)
    doses = np.sort(fem["dose"].unique())
    cmap = colormaps["viridis"]
    for i, dose in enumerate(doses):
        colour = cmap(i / max(len(doses) - 1, 1))
        points = fem[fem["dose"] == dose]
        axes.plot(points["focus"], points["cd"], "o", color=colour, markersize=4)
        a0, a1, a2 = surface.focus_polynomial(dose)[0]
        axes.plot(focus, a0 + a1 * focus + a2 * focus**2, "-", color=colour,
                  label=f"{dose:g} mJ/cm²")
    axes.axhspan(spec.cd_min, spec.cd_max, color="0.85", zorder=0, label="spec")
    axes.axhline(spec.target_cd, color="0.5", linewidth=0.8)
    axes.set(xlabel="focus (µm)", ylabel="CD (nm)", title="Bossung curves")
    axes.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=100)
    return buffer.getvalue()
