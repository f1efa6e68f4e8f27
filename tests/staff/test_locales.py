"""The org's locales (issue 13 point 1; /dashboard/<org>/settings/locales, app/markets/org_locales.py):
the list with the markets using each, adding a locale of the platform registry, removing one
(refused with a message while a market uses it, and for the default; nothing changes), choosing
the default (one default row, the org's default key with it), the audit entries, and the query
count of the page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from app.extensions import db
from app.markets import org_locales
from app.orgs.models import Org, OrgAuditLog, OrgEmployee, OrgLocale
from tests.factories import PASSWORD, make_employee, make_market, make_org, make_user, org_admin, unique

LOCALE_ROW = re.compile(r'<tr data-locale="([A-Za-z-]+)"( data-default="1")?>')


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@dataclass
class LocaleOrg:
    org_id: str
    slug: str
    admin_email: str
    manager_email: str

    @property
    def page(self) -> str:
        return f"/dashboard/{self.slug}/settings/locales"


@pytest.fixture
def langorg(app) -> LocaleOrg:
    """An org authoring en (default), de, fr and es; its market "Europe" offers en and de, and
    its inactive market "Austria" defaults Austria's visitors to es. fr is used by no market."""
    with app.app_context():
        org = make_org(unique("lang"), locale_keys=("en", "de", "fr", "es"))
        admin = make_user(f"{unique('admin')}@example.com")
        make_employee(org, admin, role="admin")
        manager = make_employee(org, make_user(f"{unique('manager')}@example.com"), role="manager")
        make_market(org, "eu", name="Europe", locale_keys=("en", "de"), country_codes=("DE",))
        austria = make_market(org, "at", name="Austria", locale_keys=("de", "es"), country_codes=("AT",),
                              country_locale_overrides={"AT": "es"})
        austria.is_active = False
        db.session.commit()
        return LocaleOrg(org.id, org.slug, admin.email, manager.member.user_profile.user.email)


def _as(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code in (302, 303)
    return client


def _keys(org_id: str) -> dict[str, bool]:
    return {row.locale_key: row.is_default for row in db.session.scalars(
        sa.select(OrgLocale).where(OrgLocale.org_id == org_id))}


def test_the_page_lists_the_locales_with_the_markets_using_them(app, login, langorg):
    r = _as(app, login, langorg.admin_email).get(langorg.page)
    assert r.status_code == 200
    page = text(r)
    assert LOCALE_ROW.findall(page) == [("en", ' data-default="1"'), ("de", ""), ("es", ""), ("fr", "")]
    de_row = page[page.index('data-locale="de"'):page.index('data-locale="es"')]
    assert "Austria, Europe" in de_row and "remove it from its markets first" in de_row
    fr_row = page[page.index('data-locale="fr"'):page.index("</tbody>")]
    assert "/settings/locales/fr/remove" in fr_row
    add_form = page[page.index('id="add-locale-title"'):]
    assert '<option value="it">' in add_form and '<option value="fr">' not in add_form  # only what it lacks


def test_adding_a_locale_from_the_registry(app, login, langorg):
    admin = _as(app, login, langorg.admin_email)
    r = admin.post(f"{langorg.page}", data={"locale_key": "it"})
    assert r.status_code == 303
    assert "was added." in text(admin.get(r.headers["Location"]))
    unknown = admin.post(f"{langorg.page}", data={"locale_key": "xx-YY"})
    assert unknown.status_code == 422 and "Choose a locale from the list." in text(unknown)
    again = admin.post(f"{langorg.page}", data={"locale_key": "it"})
    assert again.status_code == 422 and "already has Italian" in text(again)
    with app.app_context():
        assert _keys(langorg.org_id) == {"en": True, "de": False, "fr": False, "es": False, "it": False}
        assert db.session.scalar(sa.select(OrgAuditLog.data).where(
            OrgAuditLog.org_id == langorg.org_id, OrgAuditLog.action == "locale.added")) == {
            "before": {}, "after": {"locale_key": "it"}}


def test_removing_a_locale_a_market_uses_is_refused_with_a_message(app, login, langorg):
    admin = _as(app, login, langorg.admin_email)
    r = admin.post(f"{langorg.page}/de/remove")
    assert r.status_code == 409
    assert "German cannot be removed: it is used by the market(s) Austria, Europe." in text(r)
    # a country's default-locale override of an inactive market counts too
    override = admin.post(f"{langorg.page}/es/remove")
    assert override.status_code == 409 and "market(s) Austria." in text(override)
    default = admin.post(f"{langorg.page}/en/remove")
    assert default.status_code == 409 and "is the organization's default locale" in text(default)
    with app.app_context():
        assert set(_keys(langorg.org_id)) == {"en", "de", "fr", "es"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog).where(
            OrgAuditLog.org_id == langorg.org_id, OrgAuditLog.action == "locale.removed")) == 0


def test_removing_an_unused_locale(app, login, langorg):
    admin = _as(app, login, langorg.admin_email)
    r = admin.post(f"{langorg.page}/fr/remove")
    assert r.status_code == 303
    assert "The locale fr was removed." in text(admin.get(r.headers["Location"]))
    assert admin.post(f"{langorg.page}/fr/remove").status_code == 404  # gone
    with app.app_context():
        assert set(_keys(langorg.org_id)) == {"en", "de", "es"}


def test_choosing_the_default_locale(app, login, langorg):
    admin = _as(app, login, langorg.admin_email)
    r = admin.post(f"{langorg.page}/default", data={"default_locale_key": "de"})
    assert r.status_code == 303
    page = text(admin.get(r.headers["Location"]))
    assert "is now the default locale." in page
    assert LOCALE_ROW.findall(page)[0] == ("de", ' data-default="1"')
    assert admin.post(f"{langorg.page}/default", data={"default_locale_key": "it"}).status_code == 404
    with app.app_context():
        assert _keys(langorg.org_id) == {"en": False, "de": True, "fr": False, "es": False}
        assert db.session.get(Org, langorg.org_id).default_locale_key == "de"
        assert db.session.scalar(sa.select(OrgAuditLog.data).where(
            OrgAuditLog.org_id == langorg.org_id, OrgAuditLog.action == "locale.default_set")) == {
            "before": {"default_locale_key": "en"}, "after": {"default_locale_key": "de"}}
    # the former default is now an ordinary locale: a market uses it, so it stays
    assert admin.post(f"{langorg.page}/en/remove").status_code == 409


def test_only_admins_change_locales_and_another_orgs_admin_finds_nothing(app, login, langorg):
    manager = _as(app, login, langorg.manager_email)
    assert manager.get(langorg.page).status_code == 403
    assert manager.post(f"{langorg.page}/fr/remove").status_code == 403
    with app.app_context():
        org = db.session.get(Org, langorg.org_id)
        other = make_org()
        with pytest.raises(PermissionDeniedError):
            org_locales.add_org_locale(org, "it", by=_manager(org))
        with pytest.raises(NotFoundError):
            org_locales.remove_org_locale(org, "fr", by=org_admin(other))
        db.session.rollback()
    with app.app_context():
        assert "fr" in _keys(langorg.org_id)


def _manager(org: Org) -> OrgEmployee:
    return db.session.scalar(sa.select(OrgEmployee).where(OrgEmployee.org_id == org.id, OrgEmployee.role == "manager"))


def test_services_refuse_without_the_view(db_session):
    org = make_org(locale_keys=("en", "de"))
    admin = org_admin(org)
    make_market(org, locale_keys=("de",))
    with pytest.raises(ValidationError):
        org_locales.add_org_locale(org, "", by=admin)
    with pytest.raises(ConflictError):
        org_locales.remove_org_locale(org, "de", by=admin)
    org_locales.set_default_org_locale(org, "de", by=admin)
    assert org.default_locale_key == "de"
    org_locales.remove_org_locale(org, "en", by=admin)  # no market uses it, and it is no longer the default
    assert [row.locale.key for row in org_locales.org_locales(org)] == ["de"]


def test_the_page_issues_a_fixed_number_of_queries(app, login, langorg, count_queries):
    admin = _as(app, login, langorg.admin_email)
    admin.get(langorg.page)
    with count_queries() as few:
        assert admin.get(langorg.page).status_code == 200
    with app.app_context():
        org = db.session.get(Org, langorg.org_id)
        for key in ("it", "pt", "nl", "pl", "sv"):
            org_locales.add_org_locale(org, key, by=org_admin(org))
        for n in range(3):
            make_market(org, f"m{n}", locale_keys=("it", "pt"), country_codes=(("FR", "BE", "NL")[n],))
        db.session.commit()
    with count_queries() as many:
        assert admin.get(langorg.page).status_code == 200
    assert many.count == few.count, str(many)
