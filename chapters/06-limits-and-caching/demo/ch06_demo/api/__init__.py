"""The HTTP layer: one restx Namespace per resource, thin resources calling the services."""
