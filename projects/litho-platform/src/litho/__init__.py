"""Focus-exposure matrix analysis: validated loading, CD models, process windows, plots.

The public API is re-exported here; see LITHO.md for the definitions and result contract.
"""

from litho.analysis import AnalysisOptions, analyze, analyze_groups
from litho.io import FemData, read_fem
from litho.mock import MockTruth, generate, generate_with_truth
from litho.plots import render
from litho.spec import Spec
from litho.validation import FemValidationError, Problem, validate

__all__ = [
    "AnalysisOptions",
    "FemData",
    "FemValidationError",
    "MockTruth",
    "Problem",
    "Spec",
    "analyze",
    "analyze_groups",
    "generate",
    "generate_with_truth",
    "read_fem",
    "render",
    "validate",
]
