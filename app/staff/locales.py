"""The org's locales (``/dashboard/<org>/settings/locales``, admins: ``org_settings``, DESIGN.md §3):
list them with the markets using each, add one from the platform registry, remove one (refused
while a market uses it, and for the default), choose the default.

The rules are app.markets.org_locales. Each action is a plain POST that redirects back to the page
(no JavaScript needed); a refusal shows on the page with its form (status 4xx), nothing changed.
"""

from __future__ import annotations

from flask import flash, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from app.errors import DomainError
from app.extensions import db
from app.markets import org_locales
from app.orgs.permissions import require
from app.staff.blueprint import bp
from app.staff.forms import ConfirmForm
from app.web.htmx import redirect, render
from app.web.inputs import Form
from app.web.labels import locale_name


class AddLocaleForm(Form):
    # Any key is accepted here: app.markets.org_locales checks it against the platform registry.
    locale_key = SelectField(_l("Locale"), validators=[InputRequired(message=_l("Choose a locale."))],
                             validate_choice=False)


class DefaultLocaleForm(Form):
    default_locale_key = SelectField(_l("Default locale"),
                                     validators=[InputRequired(message=_l("Choose a locale."))],
                                     validate_choice=False)


def _label(locale) -> str:
    native = locale_name(locale.key)
    return f"{native} · {locale.name} ({locale.key})" if native != locale.name else f"{locale.name} ({locale.key})"


def _admin():
    require(g.employee, "org_settings")
    return g.staff_org


def _page(*, add_form=None, default_form=None, refusal=None, status=200):
    org = _admin()
    rows = org_locales.org_locales(org)
    addable = org_locales.addable_locales(org)
    add_form = add_form or AddLocaleForm(formdata=None)
    add_form.locale_key.choices = [SelectChoice("", _("Choose a locale")),
                                   *(SelectChoice(loc.key, _label(loc)) for loc in addable)]
    default = next((row.locale.key for row in rows if row.is_default), org.default_locale_key)
    default_form = default_form or DefaultLocaleForm(formdata=None, data={"default_locale_key": default})
    default_form.default_locale_key.choices = [SelectChoice(row.locale.key, _label(row.locale)) for row in rows]
    return render("staff/locales.html", rows=rows, label=_label, add_form=add_form, default_form=default_form,
                  remove_form=ConfirmForm(formdata=None), refusal=refusal, status=status)


def _refused(exc: DomainError, field=None) -> int:
    """Undo, and put the refusal on ``field`` (if given); the status to answer with. Access errors
    (another org's row, a missing permission) stay what they are."""
    db.session.rollback()
    if exc.status_code == 403:
        raise exc
    if field is not None:
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    return exc.status_code if exc.status_code >= 400 else 422


@bp.get("/settings/locales")
def locales():
    return _page()


@bp.post("/settings/locales")
def locales_add():
    org = _admin()
    form = AddLocaleForm()
    if form.validate():
        try:
            row = org_locales.add_org_locale(org, form.locale_key.data, by=g.employee)
        except DomainError as exc:
            return _page(add_form=form, status=_refused(exc, form.locale_key))
        db.session.commit()
        flash(_("%(locale)s was added.", locale=_label(row.locale)), "success")
        return redirect(url_for(".locales"))
    return _page(add_form=form, status=422)


@bp.post("/settings/locales/default")
def locales_default():
    org = _admin()
    form = DefaultLocaleForm()
    if form.validate():
        try:
            row = org_locales.set_default_org_locale(org, form.default_locale_key.data, by=g.employee)
        except DomainError as exc:
            return _page(default_form=form, status=_refused(exc, form.default_locale_key))
        db.session.commit()
        flash(_("%(locale)s is now the default locale.", locale=_label(row.locale)), "success")
        return redirect(url_for(".locales"))
    return _page(default_form=form, status=422)


@bp.post("/settings/locales/<locale_key>/remove")
def locales_remove(locale_key: str):
    org = _admin()
    try:
        org_locales.remove_org_locale(org, locale_key, by=g.employee)
    except DomainError as exc:
        return _page(refusal=exc.message, status=_refused(exc))
    db.session.commit()
    flash(_("The locale %(key)s was removed.", key=locale_key), "success")
    return redirect(url_for(".locales"))
