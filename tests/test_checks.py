"""The shared input checks (app/checks.py): one email rule, applied by every form and service that
takes an address (registration, login, password reset, checkout, orders, invitations, gift cards)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from app.accounts.forms import ForgotPasswordForm, LoginForm, RegisterForm
from app.checkout.forms import CheckoutForm
from app.checks import check_email, normalize_email
from app.errors import ValidationError
from app.giftcards.services import issue_gift_card
from app.orders.services import place_order
from app.orgs.services import invite_member
from app.pricing import pipeline as pricing
from tests.factories import make_employee, make_market, make_member, make_org, make_priced_plan, org_admin

# ---- the rule ----------------------------------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("customer@acme.test", "customer@acme.test"),  # the demo accounts
    ("  Ada.Lovelace+Shop@Example.COM ", "ada.lovelace+shop@example.com"),
    ("x@sub.domain.co.uk", "x@sub.domain.co.uk"),
    ("josé@Bücher.example", "josé@bücher.example"),
    ("jose@xn--bcher-kva.example", "jose@bücher.example"),  # the same domain spelled in ASCII
])
def test_valid_addresses_come_back_normalized(app_ctx, typed, stored):
    assert check_email(typed) == stored
    assert normalize_email(typed) == stored


@pytest.mark.parametrize("typed, message", [
    ("", "Enter an email address"),
    ("ada", "valid email address"),
    ("ada@", "valid email address"),
    ("ada@example", "valid email address"),  # no dot: never a public domain
    ("ada@@example.com", "valid email address"),
    ("ada@example..com", "valid email address"),
    ("ada lovelace@example.com", "valid email address"),
    ("ada@-example.com", "valid email address"),
    ("a" * 250 + "@example.com", "at most 254"),
    ("ada@printer.local", ".local cannot receive email"),
    ("ada@shop.localhost", ".localhost cannot receive email"),
    ("ada@nowhere.invalid", ".invalid cannot receive email"),
])
def test_invalid_addresses_are_refused_with_a_reason(app_ctx, typed, message):
    with pytest.raises(ValidationError, match=message):
        check_email(typed)


def test_the_reserved_test_domain_is_refused_where_test_domains_are_off(app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "EMAIL_TEST_DOMAINS", False)
    with pytest.raises(ValidationError, match=r"\.test cannot receive email"):
        check_email("customer@acme.test")
    assert check_email("customer@acme.example") == "customer@acme.example"
    assert normalize_email("Customer@Acme.TEST") == "customer@acme.test"  # lookups still find such a user


def test_test_domains_are_off_in_production_by_default(monkeypatch):
    import importlib

    from app import config as config_module

    monkeypatch.setenv("VOLMIFY_ENV", "production")
    monkeypatch.delenv("EMAIL_TEST_DOMAINS", raising=False)
    try:
        assert importlib.reload(config_module).Config.EMAIL_TEST_DOMAINS is False
        monkeypatch.setenv("EMAIL_TEST_DOMAINS", "1")
        assert importlib.reload(config_module).Config.EMAIL_TEST_DOMAINS is True
        monkeypatch.setenv("VOLMIFY_ENV", "development")
        monkeypatch.delenv("EMAIL_TEST_DOMAINS")
        assert importlib.reload(config_module).Config.EMAIL_TEST_DOMAINS is True
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)


# ---- every place that takes an address applies it -----------------------------------------------

def _form_error(form_class, field: str, address: str, **data) -> str | None:
    form = form_class(formdata=MultiDict({field: address, **data}), meta={"csrf": False})
    if "billing_country" in form:
        form.billing_country.choices = [("DE", "Germany")]
    form.validate()
    errors = form.errors.get(field)
    return str(errors[0]) if errors else None


def _register(address):
    return _form_error(RegisterForm, "email", address, display_name="Ada", password="a long passphrase",
                       confirm="a long passphrase")


def _login(address):
    return _form_error(LoginForm, "email", address, password="x")


def _forgot(address):
    return _form_error(ForgotPasswordForm, "email", address)


def _checkout(address):
    return _form_error(CheckoutForm, "billing_email", address, billing_name="Ada", billing_country="DE")


def _refused(call) -> str | None:
    try:
        call()
    except ValidationError as exc:
        return exc.message
    return None


def _order(address):
    org = make_org()
    market = make_market(org, currency_code="EUR", country_codes=("DE",))
    plan = make_priced_plan(market, price=Decimal("10.00"))
    product = plan.variant.product
    line = pricing.LineInput(plan_id=plan.id, product_id=product.id, variant_id=plan.variant_id,
                             product_name=product.name, plan_name=plan.name, plan_type=plan.type,
                             access_tier=plan.access_tier, tax_category_id=None, collection_ids=frozenset(),
                             quantity=1, unit_price=Decimal("10.00"))
    quote = pricing.quote(org, currency="EUR", tax_inclusive=False, lines=[line], billing_country="DE",
                          market_id=market.id)
    return _refused(lambda: place_order(org, make_member(org), market, quote, billing_name="Ada",
                                        billing_email=address, billing_country="DE"))


def _invitation(address):
    return _refused(lambda: invite_member(make_org(), email=address, invited_by=None))


def _gift_card(address):
    org = make_org()
    return _refused(lambda: issue_gift_card(org, amount=Decimal("10"), currency_code="EUR",
                                            by=make_employee(org, role="admin"), recipient_email=address))


SURFACES = {"register": _register, "login": _login, "forgot password": _forgot, "checkout": _checkout,
            "order": _order, "invitation": _invitation, "gift card": _gift_card}


@pytest.mark.parametrize("surface", SURFACES)
def test_every_form_and_service_applies_the_one_email_rule(app_ctx, db_session, monkeypatch, surface):
    check = SURFACES[surface]
    with app_ctx.test_request_context():
        assert check("customer@acme.test") is None  # the demo accounts can sign up, log in and buy
        assert check("Ada@Example.com") is None
        for address in ("x@shop.localhost", "ada@example", "ada@@example.com"):
            with pytest.raises(ValidationError) as refused:
                check_email(address)
            assert check(address) == refused.value.message  # the same words everywhere
        monkeypatch.setitem(app_ctx.config, "EMAIL_TEST_DOMAINS", False)
        assert ".test cannot receive email" in check("customer@acme.test")


# ---- slugs: one rule for orgs, markets, brands, products, collections and creator pages ----------

@pytest.mark.parametrize("typed, stored", [("acme", "acme"), (" ACME-Shop ", "acme-shop"), ("eu2", "eu2")])
def test_slugs_come_back_trimmed_and_lowercased(typed, stored):
    from app.checks import check_slug

    assert check_slug(typed, min_length=2, max_length=50) == stored


@pytest.mark.parametrize("typed", ["", "a", "x" * 51, None])
def test_slugs_have_the_columns_length(typed):
    from app.checks import check_slug

    with pytest.raises(ValidationError, match="2 to 50"):
        check_slug(typed, min_length=2, max_length=50)


@pytest.mark.parametrize("typed", ["-acme", "acme-", "ac--me", "ac me", "ac_me", "ümlaut", "ac/me"])
def test_one_slug_rule_refuses_the_same_slugs_everywhere(app_ctx, typed):
    from app.accounts.jobs import create_job_profile
    from app.catalog.services import create_product
    from app.checks import check_slug
    from app.markets.services import create_brand
    from app.orgs.services import create_org
    from tests.factories import make_user

    with pytest.raises(ValidationError):
        check_slug(typed, min_length=2, max_length=50)
    org = make_org()
    for create in (lambda: create_org(name="Acme", slug=typed),
                   lambda: create_brand(org, name="Brand", slug=typed, by=org_admin(org)),
                   lambda: create_product(org, type="course", name="Course", slug=typed, by=org_admin(org)),
                   lambda: create_job_profile(make_user(), slug=typed, title="Teacher")):
        with pytest.raises(ValidationError):
            create()
