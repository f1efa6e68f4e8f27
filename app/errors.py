"""Domain errors raised by services: a business rule said no, with a message safe to show.

Nothing here knows about the web: ``app.web.errors`` turns them (and HTTP errors) into pages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A business rule said no. ``message`` is safe to show to the user."""

    status_code = 400

    def __init__(self, message: str | None = None):
        self.message = message or str(self.default_message)
        super().__init__(self.message)

    default_message = _l("The request could not be completed.")


class NotFoundError(DomainError):
    status_code = 404
    default_message = _l("Not found.")


class PermissionDeniedError(DomainError):
    status_code = 403
    default_message = _l("You do not have permission to do that.")


class ConflictError(DomainError):
    status_code = 409
    default_message = _l("That conflicts with the current state.")


class InvalidTransitionError(ConflictError):
    default_message = _l("That status change is not allowed.")


class ValidationError(DomainError):
    """Bad input. ``field`` names the form field the message belongs to, when there is one (the
    view shows the message next to it)."""

    status_code = 422
    default_message = _l("Please correct the errors below.")

    def __init__(self, message: str | None = None, *, field: str | None = None):
        super().__init__(message)
        self.field = field
