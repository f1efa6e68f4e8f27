"""The buyer's account inside a store (issue 16, point 8): ``/<org>/<market>/<locale>/account/``
(profile, languages, password, devices) and ``.../account/orders/`` in the store's brand, navigation
and language; another user's or another org's order is a 404; a password reset asked for in a store
emails a link to the store's own reset page, which signs the user in and returns to the store."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from app.accounts.models import User, UserLocale, UserProfile
from app.db import utcnow
from app.extensions import db
from app.markets.services import create_market
from app.orders.models import OrgMemberOrder
from app.orgs.models import OrgMember
from app.platform.models import EmailOutbox
from tests import test_translations
from tests.factories import PASSWORD, make_member, make_org, make_user, org_admin
from tests.learn import player_fixtures
from tests.learn.player_fixtures import LEARNER

school = player_fixtures.school  # the fixtures
compiled_catalogs = test_translations.compiled_catalogs
NEW_PASSWORD = "a brand new passphrase"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _sign_in(client, school, email: str = LEARNER):
    done = client.post(f"{school.prefix}/sign-in", data={"email": email, "password": PASSWORD})
    assert done.status_code == 303


def _order(member_id: str, org_id: str, market_id: str, number: str, *, days_ago: int = 1) -> None:
    db.session.add(OrgMemberOrder(
        org_id=org_id, member_id=member_id, market_id=market_id, order_number=number, status="paid",
        currency_code="EUR", subtotal_amount=Decimal("49"), total_amount=Decimal("49"), amount_due=Decimal("0"),
        billing_country_code="DE", billing_name="Lena", billing_email=LEARNER,
        created_at=utcnow() - timedelta(days=days_ago)))


@pytest.fixture
def orders(app, school):
    """The learner's own order in the school, someone else's there, and the learner's order in
    another org (the learner is a member of both)."""
    with app.app_context():
        _order(school.member_id, school.org_id, school.market_id, "SCH-000001")
        other = make_member(db.session.get(OrgMember, school.member_id).org, make_user("other@example.com"))
        _order(other.id, school.org_id, school.market_id, "SCH-000002")
        org = make_org("elsewhere", locale_keys=("en",))
        market = create_market(org, slug="eu", name="EU", type="multi_region", currency_code="EUR",
                               default_locale_key="en", locale_keys=("en",), country_codes=("DE",),
                               by=org_admin(org))
        learner = db.session.scalar(db.select(User).where(User.email == LEARNER))
        _order(make_member(org, learner).id, org.id, market.id, "ELS-000001")
        db.session.commit()


# ---- the account page ----------------------------------------------------------------------------

def test_the_store_header_leads_to_the_stores_account_page_in_its_language(client, school, compiled_catalogs):
    _sign_in(client, school)
    de = school.prefix.replace("/en", "/de")
    catalog = _html(client.get(f"{de}/"))
    account = compiled_catalogs["de"]["My account"].string
    assert f'<a href="{de}/account/">{account}</a>' in catalog  # not the platform's /account/
    page = client.get(f"{de}/account/")
    html = _html(page)
    assert page.status_code == 200 and '<html lang="de"' in html and "layout-store" in html
    assert "School Academy" in html and f"<title>{account} · School Academy</title>" in html
    assert 'aria-current="page"' in html and f'href="{de}/account/orders/"' in html  # the store's account menu
    for action in ("account/profile", "account/password", "account/locales"):
        assert f'action="{de}/{action}"' in html
    assert 'action="/account/' not in html and "/account/professional" not in html


def test_the_platforms_account_page_stays_the_platforms(client, school, login):
    login(client, LEARNER, PASSWORD)
    html = _html(client.get("/account/"))
    assert "layout-store" not in html and 'action="/account/profile"' in html and "/account/professional" in html


def test_profile_language_and_password_changes_in_the_store_stay_in_the_store(app, client, school):
    _sign_in(client, school)
    account = f"{school.prefix}/account/"
    r = client.post(f"{school.prefix}/account/profile", data={"display_name": "Lena Lovelace"})
    assert r.status_code == 303 and r.headers["Location"] == account
    assert "Lena Lovelace" in _html(client.get(account))
    r = client.post(f"{school.prefix}/account/locales", data={"locale_key": "de", "proficiency": "fluent",
                                                              "is_default": "y"})
    assert r.status_code == 303 and r.headers["Location"] == account  # without JavaScript
    r = client.post(f"{school.prefix}/account/locales", data={"locale_key": "fr", "proficiency": "basic"},
                    headers={"HX-Request": "true", "HX-Target": "locales"})
    assert r.status_code == 200 and "<html" not in _html(r) and f'data-hx-post="{school.prefix}/account/locales"' in _html(r)
    wrong = client.post(f"{school.prefix}/account/password", data={
        "current_password": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "layout-store" in _html(wrong)
    r = client.post(f"{school.prefix}/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == account
    assert client.get(account).status_code == 200  # this device stays signed in
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == LEARNER))
        assert db.session.scalar(db.select(UserProfile.display_name).where(UserProfile.user_id == user.id)) == "Lena Lovelace"
        assert set(db.session.scalars(db.select(UserLocale.locale_key).where(UserLocale.user_id == user.id))) == {"de", "fr"}


def test_the_stores_account_page_needs_a_sign_in_in_the_store(client, school):
    r = client.get(f"{school.prefix}/account/")
    assert r.status_code == 302 and r.headers["Location"] == f"{school.prefix}/sign-in?next={school.prefix}/account/"


# ---- orders --------------------------------------------------------------------------------------

def test_the_store_lists_only_this_members_orders_of_this_org(client, school, orders, count_queries):
    _sign_in(client, school)
    with count_queries() as q:
        r = client.get(f"{school.prefix}/account/orders/")
    html = _html(r)
    assert r.status_code == 200 and "layout-store" in html
    assert re.findall(r'data-order="([^"]+)"', html) == ["SCH-000001"]
    assert f'href="{school.prefix}/account/orders/SCH-000001"' in html
    assert q.count <= 10, str(q)  # bounded, whatever the number of orders (paginated)
    receipt = client.get(f"{school.prefix}/account/orders/SCH-000001")
    assert receipt.status_code == 200 and "layout-store" in _html(receipt)
    assert f'href="{school.prefix}/account/orders/"' in _html(receipt)  # "my orders" stays in the store


def test_another_users_or_another_orgs_order_is_not_found_in_the_store(client, school, orders):
    _sign_in(client, school)
    assert client.get(f"{school.prefix}/account/orders/SCH-000002").status_code == 404  # another member's
    assert client.get(f"{school.prefix}/account/orders/ELS-000001").status_code == 404  # the learner's, elsewhere
    assert client.get(f"{school.prefix}/account/orders/SCH-000002/status").status_code == 404
    assert client.get("/elsewhere/eu/en/account/orders/SCH-000001").status_code == 404
    assert client.get("/elsewhere/eu/en/account/orders/ELS-000001").status_code == 200


def test_old_order_links_are_sent_to_the_account_pages(client, school, orders):
    _sign_in(client, school)
    r = client.get(f"{school.prefix}/orders/SCH-000001")
    assert r.status_code == 308 and r.headers["Location"] == f"{school.prefix}/account/orders/SCH-000001"
    r = client.get(f"{school.prefix}/orders/?page=2")
    assert r.status_code == 308 and r.headers["Location"] == f"{school.prefix}/account/orders/?page=2"


# ---- password reset from a store -----------------------------------------------------------------

def _reset_email(app) -> EmailOutbox:
    with app.app_context():
        message = db.session.scalars(db.select(EmailOutbox).where(EmailOutbox.kind == "reset_password")
                                     .order_by(EmailOutbox.created_at.desc())).first()
        assert message is not None
        db.session.expunge(message)
        return message


def test_a_reset_asked_for_in_the_store_is_done_in_the_store_and_returns_to_it(app, client, school,
                                                                               compiled_catalogs):
    de = school.prefix.replace("/en", "/de")
    assert client.post(f"{de}/forgot-password", data={"email": LEARNER}).status_code == 303
    email = _reset_email(app)
    assert email.subject == compiled_catalogs["de"]["Reset your password"].string  # in the store's language
    link = re.search(r"https?://\S+", email.body_text).group(0)
    assert re.fullmatch(rf"http://localhost{de}/reset-password/\S+", link), link
    path = link.removeprefix("http://localhost")
    form = client.get(path)
    html = _html(form)
    assert form.status_code == 200 and '<html lang="de"' in html and "layout-store" in html
    assert f'action="{path}"' in html
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == f"{de}/"  # back in the store
    assert client.get(f"{de}/account/").status_code == 200  # signed in
    used = client.get(path)
    assert used.status_code == 400 and "layout-store" in _html(used)
    assert f'href="{de}/forgot-password"' in _html(used)
    client.post(f"{de}/sign-out")
    assert client.post(f"{de}/sign-in", data={"email": LEARNER, "password": NEW_PASSWORD}).status_code == 303


def test_a_reset_asked_for_on_the_platform_stays_on_the_platform(app, client, school):
    assert client.post("/account/forgot", data={"email": LEARNER}).status_code == 303
    link = re.search(r"https?://\S+", _reset_email(app).body_text).group(0)
    assert link.startswith("http://localhost/account/reset/")
    path = link.removeprefix("http://localhost")
    assert "layout-store" not in _html(client.get(path))
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/account/login"


def test_a_reset_asked_for_on_a_market_domain_links_to_that_domain(app, client, school):
    with app.app_context():
        org = db.session.get(OrgMember, school.member_id).org
        create_market(org, slug="shop", name="Shop", type="multi_region", currency_code="EUR",
                      default_locale_key="en", locale_keys=("en",), country_codes=("FR",),
                      domains=("shop.school.localhost",), by=org_admin(org))
        db.session.commit()
    host = {"Host": "shop.school.localhost"}
    assert client.post("/en/forgot-password", data={"email": LEARNER}, headers=host).status_code == 303
    link = re.search(r"https?://\S+", _reset_email(app).body_text).group(0)
    assert link.startswith("http://shop.school.localhost/en/reset-password/"), link
    path = link.removeprefix("http://shop.school.localhost")
    assert "layout-store" in _html(client.get(path, headers=host))


def _last_email(app, kind: str) -> EmailOutbox:
    with app.app_context():
        message = db.session.scalars(db.select(EmailOutbox).where(EmailOutbox.kind == kind)
                                     .order_by(EmailOutbox.created_at.desc())).first()
        assert message is not None, kind
        db.session.expunge(message)
        return message


def test_signing_up_in_the_store_emails_links_to_the_store(app, client, school):
    de = school.prefix.replace("/en", "/de")
    client.post(f"{de}/sign-up", data={"display_name": "Nora New", "email": "nora@example.com",
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    link = re.search(r"https?://\S+", _last_email(app, "verify_email").body_text).group(0)
    assert re.fullmatch(rf"http://localhost{de}/verify-email/\S+", link), link
    confirmed = client.get(link.removeprefix("http://localhost"))
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == f"{de}/sign-in"
    with app.app_context():
        assert db.session.scalar(db.select(User.email_verified_at).where(User.email == "nora@example.com"))
    # an address that has an account: its owner's email offers the store's sign-in and reset pages
    client.post(f"{de}/sign-up", data={"display_name": "Lena", "email": LEARNER,
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    body = _last_email(app, "existing_account").body_text
    assert f"http://localhost{de}/sign-in" in body and f"http://localhost{de}/forgot-password" in body
