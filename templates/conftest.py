"""Keep pytest out of the template itself: its files are Jinja, not importable Python."""

collect_ignore = ["flask-service"]
