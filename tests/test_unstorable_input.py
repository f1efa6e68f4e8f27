"""NUL bytes (text PostgreSQL cannot store) never answer 500: paths and query strings get a 400 page,
form fields a form error, and nothing containing them is ever stored.

The sweep enumerates ``app.url_map``, so a new route is covered without touching this file: every
argument of every rule gets a NUL byte in turn, and so does the query string; every POST rule is
sent its form fields with a NUL byte, one field at a time (the fields a view reads are found by
recording which names it looks up, so new form fields are covered too) and all at once. It runs
anonymously and signed in as an org admin who also holds the course, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import ImmutableMultiDict

from app.catalog.models import OrgProduct
from app.checkout.cart import add_item, member_cart
from app.extensions import db, limiter
from app.markets.models import OrgMarket
from app.markets.services import create_market
from app.orders.services import place_order
from app.orgs.models import Org
from app.pricing import pipeline as pricing
from tests.factories import (
    PASSWORD,
    make_access,
    make_employee,
    make_plan,
    make_priced_plan,
    make_subscription,
    make_user,
    org_admin,
)
from tests.learn.assessment_fixtures import build_academy

NUL = "a\x00b"
DOMAIN = "shop.sweep.example"
# What a NUL byte may get instead of a success: a 400 page, a form error (422, or the form shown
# again), a redirect that changed nothing (no NUL ever reaches the database: the statement check
# never fired, and none is stored), or a refusal that has nothing to do with the byte (login
# required, not found, ...). Never a 5xx.
# 308: a moved address (the store's old order links) sends the request on unchanged.
ALLOWED = {200, 204, 302, 303, 308, 400, 401, 403, 404, 405, 409, 413, 422}


@dataclass
class World:
    values: dict[str, str]  # a valid value for each URL argument name (others get "x")
    base_form: dict[str, str | list[str]]  # valid values for the form fields of the app
    admin_email: str
    quiz: str
    assignment: str


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        academy = build_academy()
        org = db.session.get(Org, academy.org_id)
        create_market(org, slug="shop", name="Shop", type="multi_region", currency_code="EUR",
                      default_locale_key="en", locale_keys=("en",), country_codes=("CH",), domains=(DOMAIN,), by=org_admin(org))
        product = db.session.get(OrgProduct, academy.product_id)
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id, OrgMarket.slug == "eu"))
        user = make_user(f"sweep-{academy.org_slug}@example.com")
        admin = make_employee(org, user, role="admin")
        make_access(admin.member, product, tier=2)
        plan_id = product.default_variant.plans[0].id
        # Something else in the admin's cart (the sweep removes plan_id's line before checking out),
        # a pending order and a subscription, so those routes get past their lookups.
        extra = make_priced_plan(market, name="Extra")
        add_item(member_cart(admin.member, market.id), extra.id)
        order = place_order(org, admin.member, market, pricing.quote(
            org, currency="EUR", tax_inclusive=False, lines=[_line(extra, market.id)], billing_country="DE",
            market_id=market.id), billing_name="Sweep Admin", billing_email=user.email, billing_country="DE")
        subscription = make_subscription(admin.member, make_plan(product, type="subscription"), market)
        db.session.commit()
        values = {
            "org_slug": academy.org_slug, "market_slug": "eu", "locale": "en",
            "course_slug": academy.course_slug, "placement_id": academy.text1, "slug": academy.course_slug,
            "plan_id": plan_id, "filename": "css/app.css", "number": order.order_number,
            "subscription_id": subscription.id,
        }
        base_form = {
            "email": user.email, "password": PASSWORD, "confirm": PASSWORD,
            "current_password": PASSWORD, "display_name": "Sweep Admin", "remember": "y", "next": "/",
            "locale_key": "de", "proficiency": "fluent", "is_default": "y",
            "plan_id": plan_id, "quantity": "1",
            "billing_name": "Sweep Admin", "billing_email": "sweep@example.com", "billing_country": "DE",
            "address_line1": "Street 1", "postal_code": "10115", "city": "Berlin", "discount_code": "",
            "gift_card_codes": "", "action": "place",
            "seconds": "5", "body": "My answer", "feedback": "Well done", "level": "beginner",
            "difficulty": "3", "rating": "5", "title": "Nice", "to": "de", "outcome": "pay",
            f"q-{academy.q_single}": "b", f"q-{academy.q_multi}": ["a", "b"],
        }
        return World(values=values, base_form=base_form, admin_email=user.email, quiz=academy.quiz,
                     assignment=academy.assignment)


def _line(plan, market_id: str) -> pricing.LineInput:
    product = plan.variant.product
    return pricing.LineInput(
        plan_id=plan.id, product_id=product.id, variant_id=plan.variant_id, product_name=product.name,
        plan_name=plan.name, plan_type=plan.type, access_tier=plan.access_tier,
        tax_category_id=product.tax_category_id, collection_ids=frozenset(), quantity=1,
        unit_price=plan.price_in(market_id).price,
    )


# ---- building requests from the url map ---------------------------------------------------------

_ARG = re.compile(r"<(?:([^:<>]+):)?([^<>]+)>")


def _url(rule, values: dict[str, str], nul_arg: str | None = None) -> str:
    def fill(match):
        converter, name = match.group(1), match.group(2)
        value = NUL if name == nul_arg else values.get(name, "x")
        return quote(value, safe="/" if converter == "path" else "")

    return _ARG.sub(fill, rule.rule)


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def _host(rule) -> str:
    """Market-domain routes (``/<locale>/...``, the domain sitemap) are asked on the market's domain."""
    domain = rule.endpoint.startswith("domain_store.") or rule.endpoint in ("sitemaps.domain_sitemap",
                                                                            "sitemaps.robots")
    return f"http://{DOMAIN}" if domain else "http://localhost"


# ---- recording which form fields a view reads ---------------------------------------------------

class _Reads:
    names: set[str] = set()


class _RecordingDict(ImmutableMultiDict):
    """request.form (and args) that remembers every name a view or form looks up."""

    def __getitem__(self, key):
        _Reads.names.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        _Reads.names.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        _Reads.names.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        _Reads.names.add(key)
        return super().__contains__(key)

    def __iter__(self):
        for key in super().__iter__():
            _Reads.names.add(key)
            yield key


@pytest.fixture
def recording(app, monkeypatch):
    class RecordingRequest(app.request_class):
        parameter_storage_class = _RecordingDict

    monkeypatch.setattr(app, "request_class", RecordingRequest)
    monkeypatch.setattr(limiter, "enabled", False)  # the sweep logs in far more often than people do


# ---- the sweep ----------------------------------------------------------------------------------

def _check(send, what: str, problems: list[str], *, expect: int | None = None) -> None:
    """Send the request (``send()``) and note what is wrong with the answer. The test app propagates
    exceptions (TESTING), so an exception is a 500."""
    try:
        status = send().status_code
    except Exception as exc:  # noqa: BLE001  (each one is reported)
        problems.append(f"500 {what}: {type(exc).__name__}: {str(exc).splitlines()[0][:160]}")
        return
    if status not in ALLOWED or (expect is not None and status != expect):
        problems.append(f"{status} {what}")


def _values(rule, world: World) -> dict[str, str]:
    """The quiz and assignment endpoints only answer for their own lesson type."""
    values = dict(world.values)
    if rule.endpoint.endswith(".quiz"):
        values["placement_id"] = world.quiz
    elif rule.endpoint.endswith((".assignment", ".submission_file")):
        values["placement_id"] = world.assignment
    return values


SIGNING_OUT = ("accounts.logout", "accounts.change_password", "accounts.reset_password")


class _Clients:
    """A fresh anonymous client per request, or one signed-in client that logs in again after a
    request that may have signed it out."""

    def __init__(self, app, login, email: str | None):
        self.app, self.login, self.email = app, login, email
        self.client = None

    def __call__(self, rule):
        if self.email is None:
            return self.app.test_client()
        if self.client is None:
            self.client = self.app.test_client()
            assert self.login(self.client, self.email, PASSWORD).status_code == 303
        client = self.client
        if rule.endpoint in SIGNING_OUT:
            self.client = None
        return client


def _sweep_paths(app, clients: _Clients, world: World, problems: list[str]) -> None:
    """NUL in each path argument and in the query string: a 400 page, whatever the method."""
    for rule in _rules(app):
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        values = _values(rule, world)
        host = _host(rule)
        # a path argument (one a rule fills with its default is not in its path)
        urls = [_url(rule, values, nul_arg=arg) for arg in sorted(set(rule.arguments) - set(rule.defaults or {}))]
        urls.append(_url(rule, values) + "?page=2&q=" + quote(NUL))
        for url in urls:
            client = clients(rule)
            _check(partial(client.open, url, method=method, base_url=host), f"{method} {url} ({rule.endpoint})",
                   problems, expect=400)


def _post_rules(app):
    return [rule for rule in _rules(app) if "POST" in rule.methods and not rule.endpoint.startswith("domain_store.")]


def _sweep_forms(app, clients: _Clients, world: World, problems: list[str], *, per_field: bool) -> None:
    """Form fields with a NUL byte: all at once, then one at a time (each field the view reads,
    the others valid), then the valid form (which may change state: an order placed, a line removed)."""
    for rule in _post_rules(app):
        url = _url(rule, _values(rule, world))
        host = _host(rule)
        _Reads.names = set()
        everything = {name: NUL for name in world.base_form}
        client = clients(rule)
        _check(partial(client.post, url, data=everything, base_url=host),
               f"POST {url} every field NUL ({rule.endpoint})", problems)
        if per_field:
            for name in sorted(_Reads.names):
                client = clients(rule)
                _check(partial(client.post, url, data={**world.base_form, name: NUL}, base_url=host),
                       f"POST {url} {name}=NUL ({rule.endpoint})", problems)
        client = clients(rule)
        _check(partial(client.post, url, data=world.base_form, base_url=host),
               f"POST {url} (valid form, {rule.endpoint})", problems)


def _nul_rows() -> list[str]:
    """Every stored text value containing a NUL byte (SQLite stores them; PostgreSQL cannot). Read
    into Python: SQLite's string functions stop at the first NUL."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text))]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            found += [f"{table.name}.{c.name}" for c, value in zip(columns, row, strict=True)
                      if isinstance(value, str) and "\x00" in value]
    return sorted(set(found))


def _safety_net_warnings(caplog) -> list[str]:
    """Statements the last line of defence refused (app.web.inputs.refuse_unstorable_parameters): each
    one is a NUL byte that got past the edge checks."""
    return [record.getMessage() for record in caplog.records if record.name == "app.web.inputs"]


def test_nul_bytes_in_paths_and_queries_are_a_400_on_every_route(app, world, recording, login, caplog):
    problems: list[str] = []
    for email in (None, world.admin_email):
        _sweep_paths(app, _Clients(app, login, email), world, problems)
    assert problems == [], "\n".join(problems)
    assert _safety_net_warnings(caplog) == []


def test_nul_bytes_in_form_fields_never_answer_500_nor_get_stored(app, world, recording, login, caplog):
    problems: list[str] = []
    _sweep_forms(app, _Clients(app, login, None), world, problems, per_field=False)
    _sweep_forms(app, _Clients(app, login, world.admin_email), world, problems, per_field=True)
    assert problems == [], "\n".join(problems)
    assert _safety_net_warnings(caplog) == []
    with app.app_context():
        assert _nul_rows() == []


# ---- what the issue reported, one by one ----------------------------------------------------------

def test_a_nul_byte_in_a_path_or_query_is_a_400_page_or_fragment(app, world, client):
    page = client.get("/certificates/AB%00CD")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "The address contains characters that are not allowed." in html and "<html" in html
    fragment = client.get("/certificates/AB%00CD", headers={"HX-Request": "true", "HX-Target": "main"})
    assert fragment.status_code == 400 and "<html" not in fragment.get_data(as_text=True)
    storefront = f"/{world.values['org_slug']}/eu/en/"
    assert client.get(storefront + "?q=a%00b").status_code == 400
    assert client.get(storefront + "?q=ab").status_code == 200


def test_login_register_and_checkout_answer_nul_bytes_with_a_form_error(app, world, client, login):
    message = "This field contains characters that are not allowed."
    response = client.post("/account/login", data={"email": "a\x00@example.com", "password": PASSWORD})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    response = client.post("/account/register", data={
        "display_name": "Ada\x00", "email": "ada@example.com", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 422 and message in response.get_data(as_text=True)

    assert login(client, world.admin_email, PASSWORD).status_code == 303
    checkout = f"/{world.values['org_slug']}/eu/en/checkout"
    response = client.post(checkout, data={**world.base_form, "billing_name": "Sweep\x00Admin"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert 'value="SweepAdmin"' in response.get_data(as_text=True)  # the rest of what was typed stays


def test_json_bodies_never_answer_500(app, world, client):
    for body in ([1, 2], "x", {"email": "a\u0000b", "password": PASSWORD}, {"email": ["a", "b"]}):
        assert client.post("/account/login", json=body).status_code == 422


def test_the_statement_safety_net_finds_a_nul_in_every_shape_of_parameters():
    """``_holds_unstorable`` skips the values that hold no text by their type: text in a str
    subclass, a nested mapping or sequence, or an executemany's rows is still found."""
    from collections import UserDict
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from markupsafe import Markup

    from app.web.inputs import _holds_unstorable

    plain = {"a": None, "b": 1, "c": Decimal("1.5"), "d": datetime.now(UTC), "e": date.today(), "f": True,
             "g": b"\x00", "h": "text"}
    assert not _holds_unstorable(plain)
    assert not _holds_unstorable([plain, plain])
    for bad in ("a\x00", Markup("a\x00"), ["x", "a\x00"], ("a\x00",), {"k": "a\x00"}, UserDict(k="a\x00"),
                [{"k": ["a\x00"]}], "\ud800"):
        assert _holds_unstorable({**plain, "bad": bad}), bad
        assert _holds_unstorable([plain, {"bad": bad}]), bad
        assert _holds_unstorable(UserDict(bad=bad)), bad
    assert _holds_unstorable("a\x00") and not _holds_unstorable(3)
