"""The litho platform web service: FEM process-window analysis behind a REST API.

``flask --app litho_platform ...`` finds ``create_app`` here.
"""

from litho_platform.app import create_app

__all__ = ["create_app"]
