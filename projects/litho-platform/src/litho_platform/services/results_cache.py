"""Cache keys for an analysis's derived artefacts, and their invalidation.

Results, plots, reports and the whole JSON document of a succeeded analysis never change, so
they are cached without expiry pressure; deleting the analysis (or its dataset) is the one
event that must drop them. Keys sit under the app's CACHE_KEY_PREFIX, so clearing is scoped to
this service.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app

from litho_platform.extensions import cache
from litho_platform.local_cache import local_cache

PLOT_KINDS = ("bossung", "process-window", "el-dof", "cd-map")
PLOT_FORMATS = ("png", "svg")


def results_key(analysis_id: int) -> str:
    return f"analysis:{analysis_id}:results"


def view_key(analysis_id: int) -> str:
    return f"analysis:{analysis_id}:view"


def plot_key(analysis_id: int, kind: str, fmt: str) -> str:
    return f"analysis:{analysis_id}:plot:{kind}.{fmt}"


def report_key(analysis_id: int) -> str:
    return f"analysis:{analysis_id}:report"


def forget(analysis_ids: Iterable[int]) -> None:
    """Drop every cached artefact of these analyses (here and in the shared cache; other
    processes' memory lets go of documents within app.LOCAL_VIEW_SECONDS)."""
    keys = []
    views = local_cache(current_app, "views")
    for analysis_id in analysis_ids:
        views.discard(analysis_id)
        keys.append(results_key(analysis_id))
        keys.append(view_key(analysis_id))
        keys.append(report_key(analysis_id))
        keys.extend(plot_key(analysis_id, k, f) for k in PLOT_KINDS for f in PLOT_FORMATS)
    if keys:
        cache.delete_many(*keys)
