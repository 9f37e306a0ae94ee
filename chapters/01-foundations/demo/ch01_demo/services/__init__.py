"""Logic behind the routes: plain functions, testable without a request."""
