"""Shared input checks: the rules every feature applies to the same kind of input.

A bottom layer, beside ``app.errors``: it imports Flask, Flask-Babel, WTForms and maintained
libraries, never a feature package, so services of every layer and every form can use it.

Email addresses
    ``normalize_email`` is the one form an address is stored and compared in (lookups, uniqueness,
    invitations); ``check_email`` says whether an address may be used and returns it normalized;
    ``EmailAddress`` is the WTForms validator that applies ``check_email`` to a form field.

    Validity is email-validator's syntax check (RFC 5321/5322 addresses with a dot in a real-looking
    domain, internationalized names allowed, at most 254 characters). No DNS lookup is made: the
    verification or receipt email is what proves an address can receive mail.

    Reserved domains (RFC 2606/6761: ``.test``, ``.localhost``, ``.invalid``, ``.local``, ...) can
    never receive mail. They are refused, except ``.test``, the name reserved for test and
    demonstration systems, while ``EMAIL_TEST_DOMAINS`` is on: by default everywhere but in
    production, so the demo accounts (``customer@acme.test``) sign up, log in and buy in
    development, and a real store never takes an address its emails cannot reach.
"""

from __future__ import annotations

import unicodedata

import email_validator
from flask import current_app, has_app_context
from flask_babel import gettext as _
from wtforms.validators import ValidationError as FieldError

from app.errors import ValidationError

EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit; the columns holding addresses are this long


def _test_domains_allowed() -> bool:
    return bool(has_app_context() and current_app.config.get("EMAIL_TEST_DOMAINS"))


def _reserved_domain(domain: str) -> str | None:
    """The special-use name ``domain`` falls under (``"test"`` for ``shop.acme.test``), if any."""
    domain = domain.strip().rstrip(".").lower()
    for name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        if domain == name or domain.endswith("." + name):
            return name
    return None


def normalize_email(value: str | None) -> str:
    """The stored and compared form of an address: trimmed, Unicode NFC, lowercase, with the domain
    in its canonical (IDNA) spelling. Input that is not an address is only trimmed and lowercased,
    so a lookup with it finds nothing rather than failing."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    try:
        text = email_validator.validate_email(
            text, check_deliverability=False, globally_deliverable=False, test_environment=True,
        ).normalized
    except email_validator.EmailNotValidError:
        pass
    return text.lower()


def check_email(value: str | None) -> str:
    """``value`` normalized if it is an address the app accepts, else ``ValidationError`` with a
    message for the person who typed it."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        raise ValidationError(_("Enter an email address."))
    if len(text) > EMAIL_MAX_LENGTH:
        raise ValidationError(_("An email address has at most %(max)d characters.", max=EMAIL_MAX_LENGTH))
    try:
        result = email_validator.validate_email(
            text, check_deliverability=False, test_environment=_test_domains_allowed(),
        )
    except email_validator.EmailNotValidError:
        reserved = _reserved_domain(text.rpartition("@")[2]) if "@" in text else None
        if reserved is not None:
            raise ValidationError(_(
                "Addresses ending in .%(domain)s cannot receive email. Enter another address.",
                domain=reserved)) from None
        raise ValidationError(_("Enter a valid email address, such as name@example.com.")) from None
    return result.normalized.lower()


class EmailAddress:
    """WTForms validator: the field holds an address ``check_email`` accepts.

    Put it after ``DataRequired()`` (or ``Optional()``), which decide about empty input."""

    field_flags = {"maxlength": EMAIL_MAX_LENGTH}  # rendered as the input's maxlength

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        try:
            check_email(field.data)
        except ValidationError as exc:
            raise FieldError(self.message or exc.message) from None

