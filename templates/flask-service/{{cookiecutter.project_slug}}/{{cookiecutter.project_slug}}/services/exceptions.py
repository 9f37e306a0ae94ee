"""Errors a service raises on purpose; `errors.py` maps each class to an HTTP status."""


class ServiceError(Exception):
    """Base class; the message is safe to show to the client."""


class NotFoundError(ServiceError):
    """The requested record does not exist."""


class ConflictError(ServiceError):
    """The change would break a uniqueness rule."""


class ValidationError(ServiceError):
    """The input is well-formed but breaks a rule the schema cannot express."""
{%- if cookiecutter.auth == "jwt" %}


class AuthenticationError(ServiceError):
    """The credentials do not match an account."""
{%- endif %}
