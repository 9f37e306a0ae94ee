"""The demo's one table: the datasets whose files sit in the upload folder."""

from ch08_demo.models.datasets import STORED_NAME, Dataset, UTCDateTime

__all__ = ["STORED_NAME", "Dataset", "UTCDateTime"]
