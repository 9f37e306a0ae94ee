"""The demo's logic, free of Flask: storage, validation, summaries, exports, retention."""
