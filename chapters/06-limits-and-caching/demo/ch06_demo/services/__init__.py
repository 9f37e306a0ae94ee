"""Logic behind the API, free of Flask: callers pass the session."""
