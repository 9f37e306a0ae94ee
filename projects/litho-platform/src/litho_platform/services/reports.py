"""What people look at: plots (the engine's ``litho.render``), the HTML report, comparisons.

Plots and reports of a succeeded analysis are cached (they never change) and identified by a
content hash, which the API serves as the ETag.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from flask import render_template
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from litho import render
from litho_platform.extensions import cache
from litho_platform.models import Analysis, Caller
from litho_platform.services import results_cache
from litho_platform.services.analyses import results_of, succeeded_analysis
from litho_platform.services.datasets import load_fem
from litho_platform.services.results_cache import PLOT_KINDS

MIMETYPES = {"png": "image/png", "svg": "image/svg+xml"}
PLOT_TITLES = {
    "bossung": "Bossung curves",
    "process-window": "Exposure-defocus window",
    "el-dof": "Exposure latitude vs depth of focus",
    "cd-map": "CD map",
}
HEADLINE_KEYS = ("best_focus", "dose_to_size", "max_el_pct", "dof_at_zero_el")


@dataclass(frozen=True)
class Image:
    content: bytes
    mimetype: str

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _plot_bytes(analysis: Analysis, kind: str, fmt: str) -> bytes:
    key = results_cache.plot_key(analysis.id, kind, fmt)
    content = cache.get(key)
    if content is None:
        content = render(kind, load_fem(analysis.dataset), results_of(analysis), fmt)
        cache.set(key, content)
    return content


def plot(user: Caller, analysis_id: int, kind: str, fmt: str) -> Image:
    """Plot ``kind`` (one of PLOT_KINDS) of a succeeded analysis as ``fmt`` (png or svg).

    NotFoundError if the analysis is not the user's; ConflictError until it has succeeded.
    """
    analysis = succeeded_analysis(user, analysis_id)
    return Image(_plot_bytes(analysis, kind, fmt), MIMETYPES[fmt])


def _data_uri(content: bytes, fmt: str) -> str:
    return f"data:{MIMETYPES[fmt]};base64,{base64.b64encode(content).decode('ascii')}"


def report_html(user: Caller, analysis_id: int) -> str:
    """A self-contained HTML page: parameters, headline numbers, process-window, Bossung and
    per-group tables, and every plot as an SVG data URI (an image, so nothing in it can run).
    """
    analysis = succeeded_analysis(user, analysis_id)
    key = results_cache.report_key(analysis.id)
    html = cache.get(key)
    if html is None:
        plots = [
            {
                "kind": kind,
                "title": PLOT_TITLES[kind],
                "uri": _data_uri(_plot_bytes(analysis, kind, "svg"), "svg"),
            }
            for kind in PLOT_KINDS
        ]
        html = render_template(
            "report.html",
            analysis=analysis,
            dataset=analysis.dataset,
            results=results_of(analysis),
            plots=plots,
        )
        cache.set(key, html)
    return html


def _delta(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else b - a


def _side(analysis: Analysis) -> dict[str, Any]:
    results = results_of(analysis)
    return {
        "id": analysis.id,
        "dataset_id": analysis.dataset_id,
        "parameters": analysis.parameters,
        **{key: results.get(key) for key in HEADLINE_KEYS},
        "process_window": results["process_window"],
        "ed_window": results.get("ed_window", []),
    }


def compare(user: Caller, a_id: int, b_id: int) -> dict[str, Any]:
    """Both analyses' headline numbers and windows, and the deltas b − a: best focus,
    dose-to-size, max EL, DOF at zero EL and rectangle DOF at each EL both requested."""
    a = _side(succeeded_analysis(user, a_id))
    b = _side(succeeded_analysis(user, b_id))
    b_dof = {row["el_pct"]: row["dof"] for row in b["process_window"]}
    dof_at_el = [
        {
            "el_pct": row["el_pct"],
            "a": row["dof"],
            "b": b_dof[row["el_pct"]],
            "delta": _delta(row["dof"], b_dof[row["el_pct"]]),
        }
        for row in a["process_window"]
        if row["el_pct"] in b_dof
    ]
    deltas = {key: _delta(a[key], b[key]) for key in HEADLINE_KEYS}
    return {"a": a, "b": b, "deltas": {**deltas, "dof_at_el": dof_at_el}}


def compare_image(user: Caller, a_id: int, b_id: int, fmt: str) -> Image:
    """Both ED windows overlaid (dose band against focus) with each one's DOF rectangles."""
    comparison = compare(user, a_id, b_id)
    figure = Figure(figsize=(8.0, 5.6), layout="constrained")
    axes = figure.add_subplot()
    for side, colour in (("a", "tab:blue"), ("b", "tab:orange")):
        data = comparison[side]
        label = f"{side}: analysis {data['id']}"
        window = data["ed_window"]
        if window:
            axes.fill_between(
                [row["focus"] for row in window],
                [row["dose_min"] for row in window],
                [row["dose_max"] for row in window],
                color=colour,
                alpha=0.25,
                label=f"{label} ED window",
            )
        for row in data["process_window"]:
            if row["center_focus"] is None or row["dose_min"] is None or not row["dof"]:
                continue
            axes.add_patch(
                Rectangle(
                    (row["center_focus"] - row["dof"] / 2, row["dose_min"]),
                    row["dof"],
                    row["dose_max"] - row["dose_min"],
                    fill=False,
                    edgecolor=colour,
                    linewidth=1.5,
                )
            )
            axes.annotate(
                f"{row['el_pct']:g}% EL",
                (row["center_focus"], row["dose_max"]),
                color=colour,
                fontsize=8,
                ha="center",
                va="bottom",
            )
    axes.set_xlabel("Focus (µm)")
    axes.set_ylabel("Dose (mJ/cm²)")
    axes.set_title(f"Process windows: analysis {comparison['a']['id']} vs {comparison['b']['id']}")
    axes.legend(loc="best", fontsize=8)
    axes.grid(alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=110)
    return Image(buffer.getvalue(), MIMETYPES[fmt])
