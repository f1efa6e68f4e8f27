"""Input plumbing of the web layer: the edge hooks, the base form and the form fields, applying the
rules of ``app.checks``.

Text. PostgreSQL text cannot hold NUL (U+0000) and psycopg cannot send lone surrogates (only a
JSON body can produce them); SQLite stores both without a word (``app.checks.is_storable``). Such
text is refused where it enters, never answered with a 500:

- paths and query strings: a 400 page (``refuse_unstorable_url``, an app-level URL value
  preprocessor, so it runs before any blueprint's URL processor looks anything up);
- form fields: every form derives from ``Form``, whose fields refuse such text with a field error
  (and which never reads JSON bodies: a form is posted form-encoded);
- the safety net: a statement whose parameters hold such text is refused before it reaches the
  database (a 400 page) and logged as a warning, since it means a check above is missing.

Numbers. ``DecimalNumberField`` and ``WholeNumberField`` are the WTForms fields built on
``app.checks.to_decimal_number`` and ``to_whole_number``; ``EmailAddress`` is the validator that
applies ``app.checks.check_email`` to a field.
"""

from __future__ import annotations

import copy
import functools
import logging
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from babel import support
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.i18n import translations as flask_wtf_translations
from markupsafe import Markup, escape
from wtforms import DecimalField, IntegerField
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import Input, Select
from wtforms.widgets.core import clean_key, html_params

from app.checks import (
    EMAIL_MAX_LENGTH,
    UNSTORABLE,
    check_email,
    is_storable,
    to_decimal_number,
    to_whole_number,
)
from app.errors import ValidationError
from app.extensions import db
from app.web.errors import render_error
from app.web.jinja import printed
from app.web.session_cookie import csrf_token

log = logging.getLogger(__name__)

UNSTORABLE_FIELD_MESSAGE = _l("This field contains characters that are not allowed.")


class UnstorableInputError(ValidationError):
    """Text no database column can hold: a 400 page."""

    status_code = 400
    default_message = _l("The request contains characters that are not allowed.")


# ---- the edge: paths and query strings ------------------------------------------------------------

def refuse_unstorable_url(endpoint, values) -> None:
    """400 for a path or query string holding NUL (also for URLs that match no route)."""
    args = request.args
    if not is_storable(request.path) or any(
        not is_storable(key) or not all(is_storable(v) for v in args.getlist(key)) for key in args
    ):
        raise UnstorableInputError(_("The address contains characters that are not allowed."))


# ---- forms ------------------------------------------------------------------------------------------

@functools.cache
def _wtforms_catalog(locale: str | None) -> support.NullTranslations:
    """WTForms' own messages in ``locale``: read from its .mo file once per process (Flask-WTF reads
    the file again on every request that translates one of them)."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """Flask-WTF's ``translations`` (the request's locale, nothing outside a request or without
    Flask-Babel), with the catalog read once per locale."""

    @staticmethod
    def _catalog():
        if not has_request_context() or "babel" not in current_app.extensions:
            return None
        locale = get_locale()
        return _wtforms_catalog(str(locale) if locale is not None else None)

    def gettext(self, string):
        catalog = self._catalog()
        return string if catalog is None else catalog.ugettext(string)

    def ngettext(self, singular, plural, n):
        catalog = self._catalog()
        if catalog is None:
            return singular if n == 1 else plural
        return catalog.ungettext(singular, plural, n)


WTFORMS_TRANSLATIONS = _WTFormsTranslations()


def _attribute_value(value) -> str:
    """``escape(value).replace('"', "&quot;")``, as WTForms writes an attribute's value; plain text
    (the usual value) is escaped at once (``app.web.jinja.printed``: no quote is left to replace)."""
    if type(value) is str:
        return printed(value)
    return escape(value).replace(_QUOTE, _QUOTE_ENTITY)


_keys: dict[str, str] = {}


def _attribute_key(key: str) -> str:
    """``escape(clean_key(key))``, kept per name (the widgets' few attribute names)."""
    found = _keys.get(key)
    if found is None:
        found = str(escape(clean_key(key)))
        if len(_keys) < 1000:
            _keys[key] = found
    return found


def _html_params(**kwargs) -> Markup:
    """WTForms' ``html_params`` (the same attributes, sorted and escaped alike), written without
    ``Markup.format`` per attribute: the input widgets' attributes on every form page."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(_attribute_key(key))
        elif value is not False:
            params.append(f'{_attribute_key(key)}="{_attribute_value(value)}"')
    return Markup(" ".join(params))


_QUOTE, _QUOTE_ENTITY = Markup('"'), Markup("&quot;")
_inputs: dict[int, tuple[Input, Input]] = {}


def _fast_input(widget: Input) -> Input:
    """A copy of an input widget (shared by every form of its field) that writes its attributes
    with ``_html_params`` (WTForms' ``Input.html_params`` hook)."""
    found = _inputs.get(id(widget))
    if found is None or found[0] is not widget:
        if len(_inputs) >= 1000:  # widgets are made with the form classes: never this many
            return widget
        fast = copy.copy(widget)
        fast.html_params = _html_params
        found = _inputs[id(widget)] = (widget, fast)
    return found[1]


class _Select(Select):
    """WTForms' ``Select`` widget, the same HTML, its options written directly: ``html_params``
    (sorting, escaping and formatting each attribute) for every option was a fifth of the account
    page, and the widget inspected its own ``render_option``'s signature on every render."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = choice.value
        if isinstance(value, bool):
            value = str(value)
        value = _attribute_value(value)
        label = escape(choice.label or choice.value)
        if choice.selected:
            return Markup(f'<option selected value="{value}">{label}</option>')
        return Markup(f'<option value="{value}">{label}</option>')

    @classmethod
    def _dispatch_render_option(cls):
        return cls.render_option


_SELECTS = {False: _Select(), True: _Select(multiple=True)}


class _CSRF(FlaskForm.Meta.csrf_class):
    """Flask-WTF's CSRF field, its token made by ``session_cookie.csrf_token`` (the same token,
    with the serializer and its signing key built once per secret instead of per request)."""

    def generate_csrf_token(self, csrf_token_field):
        config, meta = current_app.config, self.meta
        if (meta.csrf_secret == config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
                and meta.csrf_field_name == config.get("WTF_CSRF_FIELD_NAME", "csrf_token")):
            return csrf_token()
        return super().generate_csrf_token(csrf_token_field)

def refuse_unstorable_text(form, field) -> None:
    """WTForms validator (put first on every field of ``Form``): no NUL in what was posted."""
    if any(isinstance(value, str) and not is_storable(value) for value in field.raw_data or ()):
        raise StopValidation(str(UNSTORABLE_FIELD_MESSAGE))


def drop_unstorable(data):
    """WTForms filter (put first on every field of ``Form``): ``field.data`` never holds NUL, so a
    view that uses a field of a form that did not validate (to re-price a page, say) never sends it
    to the database; ``raw_data`` keeps what was posted for ``refuse_unstorable_text``."""
    if isinstance(data, str):
        return UNSTORABLE.sub("", data)
    if isinstance(data, list):
        return [drop_unstorable(value) for value in data]
    return data


class Form(FlaskForm):
    """The base of every form of the app (tests/test_inputs.py checks that each form derives from it).

    Each field refuses text with NUL bytes before its own validators run (so no ``validate_<field>``
    ever looks a NUL up) and never hands it on as data; the form reads form-encoded bodies only
    (Flask-WTF would otherwise wrap a JSON body into the fields, lists and numbers included)."""

    class Meta:
        csrf_class = _CSRF

        def get_translations(self, form):
            found = super().get_translations(form)
            return WTFORMS_TRANSLATIONS if found is flask_wtf_translations else found

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [refuse_unstorable_text, *field.validators]
            field.filters = (drop_unstorable, *field.filters)
            widget = field.widget
            if type(widget) is Select:
                field.widget = _SELECTS[bool(widget.multiple)]
            elif isinstance(widget, Input) and widget.html_params is html_params:
                field.widget = _fast_input(widget)
            return field

        def wrap_formdata(self, form, formdata):
            automatic = formdata is not None and not hasattr(formdata, "getlist")  # Flask-WTF's _Auto
            if automatic and has_request_context() and request.is_json and not request.form and not request.files:
                return None
            return super().wrap_formdata(form, formdata)

    def show_refusal(self, exc: ValidationError | Exception, names: Mapping[str, str] | None = None) -> None:
        """A service's refusal next to the field it names (``ValidationError.field``, renamed by
        ``names`` where the form calls it otherwise), else above the form. What was typed stays."""
        name = getattr(exc, "field", None)
        name = (names or {}).get(name, name)
        message = getattr(exc, "message", str(exc))
        if name and name in self:
            self[name].errors = [*(self[name].errors or []), message]
        else:
            self.form_errors.append(message)


# ---- the safety net: statements -------------------------------------------------------------------

# Parameter values that hold no text, skipped by their exact type (most of a statement's values):
# every other value is looked at as before (a str subclass is text, a mapping or sequence is searched).
_NO_TEXT = frozenset({type(None), bool, int, float, Decimal, datetime, date, time, timedelta, uuid.UUID, bytes})
_COLLECTIONS = frozenset({dict, list, tuple})


def _holds_unstorable(parameters) -> bool:
    if type(parameters) is dict:
        parameters = parameters.values()
    elif isinstance(parameters, str):
        return not is_storable(parameters)
    elif isinstance(parameters, Mapping):
        parameters = parameters.values()
    elif not isinstance(parameters, (list, tuple)):
        return False
    # Every statement passes here: the texts are searched at once (what is refused is a single
    # character, so joining cannot make or hide one), nested collections one by one.
    texts = []
    for value in parameters:
        kind = type(value)
        if kind is str:
            texts.append(value)
        elif kind in _NO_TEXT:
            continue
        elif kind in _COLLECTIONS:
            if _holds_unstorable(value):
                return True
        elif isinstance(value, str):
            texts.append(value)
        elif isinstance(value, (Mapping, list, tuple)) and _holds_unstorable(value):
            return True
    return bool(texts) and not is_storable("".join(texts))


def refuse_unstorable_parameters(conn, cursor, statement, parameters, context, executemany):
    """``before_cursor_execute``: never send text a column cannot hold (PostgreSQL would fail with
    DataError, SQLite would store it). Reaching this means an edge check is missing: logged."""
    if _holds_unstorable(parameters):
        log.warning("Refused a statement with a NUL byte in its parameters (a missing input check?): %s",
                    statement.split("\n", 1)[0][:200])
        raise UnstorableInputError()
    return statement, parameters


def _unstorable_page(exc: UnstorableInputError):
    db.session.rollback()  # a refused flush leaves the session waiting for a rollback
    return render_error(exc.status_code, exc.message)


def register(app: Flask) -> None:
    """The edge check (before every URL processor), its error page and the statement check."""
    app.url_value_preprocessor(refuse_unstorable_url)
    app.register_error_handler(UnstorableInputError, _unstorable_page)
    with app.app_context():
        for engine in db.engines.values():
            if not sa.event.contains(engine, "before_cursor_execute", refuse_unstorable_parameters):
                sa.event.listen(engine, "before_cursor_execute", refuse_unstorable_parameters, retval=True)


# ---- fields -------------------------------------------------------------------------------------

class _TypedNumber:
    """What the two number fields share: empty input is None, anything else goes through
    ``parse`` (an app.checks number rule) and its ValidationError becomes the field's error."""

    def __init__(self, label=None, validators=None, *, message, minimum=None, maximum=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message, self.minimum, self.maximum = message, minimum, maximum

    def parse(self, raw: str):
        raise NotImplementedError

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        raw = valuelist[0] if isinstance(valuelist[0], str) else ""
        if raw.strip():
            try:
                self.data = self.parse(raw)
            except ValidationError as exc:
                raise ValueError(exc.message) from None


class DecimalNumberField(_TypedNumber, DecimalField):
    """A decimal typed by a person (``to_decimal_number``): empty is None (add ``InputRequired`` to
    require it); anything else that is not a finite number within the bounds is a field error."""

    def __init__(self, label=None, validators=None, *, places=2, **kwargs):
        super().__init__(label, validators, places=places, **kwargs)

    def parse(self, raw: str):
        return to_decimal_number(raw, str(self.message), minimum=self.minimum, maximum=self.maximum,
                                 places=self.places)


class WholeNumberField(_TypedNumber, IntegerField):
    """A whole number typed by a person (``to_whole_number``): ``"2"`` and ``" 2 "``, never ``"2.5"``,
    ``"1e3"`` or ``"²"``; empty is None (add ``InputRequired`` to require it)."""

    def parse(self, raw: str):
        return to_whole_number(raw, str(self.message), minimum=self.minimum, maximum=self.maximum)


class EmailAddress:
    """WTForms validator: the field holds an address ``app.checks.check_email`` accepts.

    Put it after ``DataRequired()`` (or ``Optional()``), which decide about empty input."""

    field_flags = {"maxlength": EMAIL_MAX_LENGTH}  # rendered as the input's maxlength

    def __init__(self, message: str | None = None):
        self.message = message

    def __call__(self, form, field) -> None:
        try:
            check_email(field.data)
        except ValidationError as exc:
            raise FieldError(self.message or exc.message) from None
