"""The demo's logic, free of Flask: analysis numbers, validation, storage, plots."""
