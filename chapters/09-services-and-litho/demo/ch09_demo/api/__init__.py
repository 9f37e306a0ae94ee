"""Thin restx Namespaces: parse the request, call a service, serialise what it returns."""
