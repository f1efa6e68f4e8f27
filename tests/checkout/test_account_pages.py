"""The member's subscriptions and downloads pages, paying a renewal, and the billing CLI."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.services import add_plan, add_variant, set_market_price
from app.entitlements.models import OrgMemberSubscription
from app.extensions import db
from app.markets.services import create_market
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberUsageRecord
from app.orgs.services import ensure_member
from tests.factories import PASSWORD, make_org, make_plan, make_product, make_user, org_admin

PREFIX = "/club/eu/en"


@pytest.fixture
def club(app):
    """An org selling a monthly subscription, a usage-based API plan and a downloadable e-book,
    with a member who bought all three."""
    from app.pricing import pipeline as pricing

    with app.app_context():
        org = make_org("club", name="Club", locale_keys=("en",))
        eu = create_market(org, slug="eu", name="Europe", type="multi_region", currency_code="EUR",
                           default_locale_key="en", locale_keys=("en",), country_codes=("DE",), tax_inclusive=True, by=org_admin(org))
        course = make_product(org, name="Club Course", slug="club-course")
        monthly = make_plan(course, type="subscription", name="Monthly", interval="month")
        set_market_price(monthly, eu, price=Decimal("19.00"), by=org_admin(monthly))
        api = make_product(org, name="Data API", slug="data-api")
        metered = make_plan(api, type="usage_based", name="Pay as you go", usage_unit="request", included_units=10)
        set_market_price(metered, eu, price=Decimal("5.00"), price_per_unit=Decimal("0.50"), by=org_admin(metered))
        book = make_product(org, type="digital_download", name="Handbook", slug="handbook")
        variant = add_variant(book, name="PDF", download_url="https://files.example.com/handbook.pdf", by=org_admin(book))
        pdf = add_plan(variant, type="one_time", name="PDF", by=org_admin(variant))
        set_market_price(pdf, eu, price=Decimal("9.00"), by=org_admin(pdf))
        user = make_user("member@example.com", display_name="Mia Member")
        member = ensure_member(org, user)
        member.billing_country_code = "DE"
        numbers = {}
        for key, plan in (("monthly", monthly), ("metered", metered), ("book", pdf)):
            line = pricing.LineInput.for_plan(plan, plan.variant.product, unit_price=plan.price_in(eu.id).price)
            quote = pricing.quote(org, currency="EUR", tax_inclusive=True, lines=[line], billing_country="DE",
                                  market_id=eu.id)
            order = orders.place_order(org, member, eu, quote, billing_name="Mia Member",
                                       billing_email="member@example.com", billing_country="DE")
            orders.mark_paid(order, provider="manual")
            numbers[key] = order.order_number
        make_user("other@example.com")
        db.session.commit()
        return numbers


def subscription_id(app, plan_name: str) -> str:
    with app.app_context():
        return db.session.scalar(
            sa.select(OrgMemberSubscription.id).join(OrgMemberSubscription.plan).where(
                sa.text("org_product_variant_payment_plan.name = :n")).params(n=plan_name))


def test_subscriptions_page_lists_plans_with_period_and_usage(app, client, login, club):
    with app.app_context():
        from app.orders import billing

        metered = db.session.get(OrgMemberSubscription, subscription_id(app, "Pay as you go"))
        billing.record_usage(metered, 12)
        db.session.commit()
    login(client, "member@example.com", PASSWORD)
    html = client.get(f"{PREFIX}/account/subscriptions").get_data(as_text=True)
    assert "Club Course · Monthly" in html and "Data API · Pay as you go" in html
    assert html.count('data-status="active"') == 2
    assert "12 request" in html and "10 included" in html
    assert "Cancel at the end of the period" in html


def test_cancel_at_period_end_and_resume_from_the_account_page(app, client, login, club):
    sub_id = subscription_id(app, "Monthly")
    login(client, "member@example.com", PASSWORD)
    response = client.post(f"{PREFIX}/account/subscriptions/{sub_id}/cancel")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your subscription will end on" in page and "Keep my subscription" in page
    with app.app_context():
        subscription = db.session.get(OrgMemberSubscription, sub_id)
        assert subscription.cancel_at_period_end and subscription.status == "active"
    client.post(f"{PREFIX}/account/subscriptions/{sub_id}/resume")
    with app.app_context():
        assert not db.session.get(OrgMemberSubscription, sub_id).cancel_at_period_end


def test_someone_else_cannot_cancel_a_subscription(app, client, login, club):
    sub_id = subscription_id(app, "Monthly")
    login(client, "other@example.com", PASSWORD)
    assert client.post(f"{PREFIX}/account/subscriptions/{sub_id}/cancel").status_code == 404
    with app.app_context():
        assert not db.session.get(OrgMemberSubscription, sub_id).cancel_at_period_end


def _download_link(html: str) -> str:
    match = re.search(r'href="([^"]*/account/downloads/[^"]+)"', html)
    assert match, "no download link on the page"
    return match.group(1)


def test_order_page_has_a_signed_download_link_that_expires(app, client, login, club):
    login(client, "member@example.com", PASSWORD)
    html = client.get(f"{PREFIX}/account/orders/{club['book']}").get_data(as_text=True)
    link = _download_link(html)
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "https://files.example.com/handbook.pdf"
    assert client.get(link[:-3] + "xyz").status_code == 404  # tampered
    app.config["DOWNLOAD_LINK_SECONDS"] = -1  # every link is now too old
    expired = client.get(link)
    app.config["DOWNLOAD_LINK_SECONDS"] = 3600
    assert expired.status_code == 303 and expired.headers["Location"].endswith("/account/downloads")
    listing = client.get(f"{PREFIX}/account/downloads").get_data(as_text=True)
    assert "Handbook" in listing and _download_link(listing)


def test_a_download_link_is_personal_and_ends_with_a_refund(app, client, login, club):
    login(client, "member@example.com", PASSWORD)
    link = _download_link(client.get(f"{PREFIX}/account/orders/{club['book']}").get_data(as_text=True))
    client.post("/account/logout")
    login(client, "other@example.com", PASSWORD)
    assert client.get(link).status_code == 404
    client.post("/account/logout")
    with app.app_context():
        order = db.session.scalar(sa.select(OrgMemberOrder).where(OrgMemberOrder.order_number == club["book"]))
        orders.refund(order)
        db.session.commit()
    login(client, "member@example.com", PASSWORD)
    assert client.get(link).status_code == 403
    assert "Handbook" not in client.get(f"{PREFIX}/account/downloads").get_data(as_text=True)


def test_a_renewal_order_is_paid_from_the_order_page(app, client, login, club):
    from app.orders import billing

    sub_id = subscription_id(app, "Monthly")
    with app.app_context():
        subscription = db.session.get(OrgMemberSubscription, sub_id)
        renewed = billing.renew_due(at=subscription.current_period_end + timedelta(minutes=1)).renewed
        [number] = [o.order_number for o in renewed if o.items[0].payment_plan_id == subscription.plan_id]
        db.session.commit()
    login(client, "member@example.com", PASSWORD)
    page = client.get(f"{PREFIX}/account/orders/{number}").get_data(as_text=True)
    assert "Pay €19.00 now" in page and "Billing period" in page
    response = client.post(f"{PREFIX}/account/orders/{number}/pay-now")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/orders/{number}/pay")
    client.post(f"{PREFIX}/account/orders/{number}/pay", data={"outcome": "pay"})
    with app.app_context():
        assert db.session.scalar(sa.select(OrgMemberOrder.status).where(OrgMemberOrder.order_number == number)) \
            == "fulfilled"


def test_billing_cli_renews_and_records_usage(app, club):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["billing", "record-usage", "club", "member@example.com", "data-api", "15",
                                 "--note", "import"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["billing", "record-usage", "club", "member@example.com", "data-api", "0"])
    assert bad.exit_code != 0 and "greater than zero" in bad.output
    for quantity in ("Infinity", "NaN", "1e309"):
        bad = runner.invoke(args=["billing", "record-usage", "club", "member@example.com", "data-api", quantity])
        assert bad.exit_code != 0 and "Traceback" not in bad.output
        assert "Enter the quantity as a number" in bad.output or "below 100,000,000" in bad.output
    missing = runner.invoke(args=["billing", "record-usage", "club", "member@example.com", "club-course", "1"])
    assert missing.exit_code != 0 and "No running usage-based subscription" in missing.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.sum(OrgMemberUsageRecord.quantity))) == Decimal("15")

    with app.app_context():  # the month is over
        for subscription in db.session.scalars(sa.select(OrgMemberSubscription)):
            subscription.current_period_start -= timedelta(days=40)
            subscription.current_period_end -= timedelta(days=40)
        for record in db.session.scalars(sa.select(OrgMemberUsageRecord)):
            record.recorded_at -= timedelta(days=40)
        db.session.commit()
    result = runner.invoke(args=["billing", "renew"])
    assert result.exit_code == 0, result.output
    assert "2 renewal orders, 0 ended, 0 lapsed." in result.output
    with app.app_context():
        invoice = db.session.scalar(
            sa.select(OrgMemberOrder).where(OrgMemberOrder.subtotal_amount == Decimal("7.50")))
        assert invoice is not None  # 5.00 base + (15 − 10) × 0.50


def test_the_downloads_of_a_lapsed_subscription_are_refused(app, client, login, club):
    """A download sold on a subscription plan stays available while the subscription runs and is
    refused (not listed, its link 403) once the subscription lapsed after a declined renewal."""
    from app.accounts.services import get_user_by_email
    from app.markets.models import OrgMarket
    from app.orders import billing
    from app.orgs.models import Org
    from app.pricing import pipeline as pricing

    with app.app_context():
        eu = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.slug == "eu"))
        org = db.session.get(Org, eu.org_id)
        zine = make_product(org, type="digital_download", name="Monthly Zine", slug="zine")
        variant = add_variant(zine, name="PDF", download_url="https://files.example.com/zine.pdf", by=org_admin(zine))
        plan = add_plan(variant, type="subscription", name="Zine club", interval="month", by=org_admin(variant))
        set_market_price(plan, eu, price=Decimal("4.00"), by=org_admin(plan))
        member = ensure_member(org, get_user_by_email("member@example.com"))
        line = pricing.LineInput.for_plan(plan, zine, unit_price=Decimal("4.00"))
        quote = pricing.quote(org, currency="EUR", tax_inclusive=True, lines=[line], billing_country="DE",
                              market_id=eu.id)
        order = orders.place_order(org, member, eu, quote, billing_name="Mia Member",
                                   billing_email="member@example.com", billing_country="DE")
        orders.mark_paid(order, provider="manual")
        number = order.order_number
        db.session.commit()

    login(client, "member@example.com", PASSWORD)
    link = _download_link(client.get(f"{PREFIX}/account/orders/{number}").get_data(as_text=True))
    assert client.get(link).status_code == 302  # the subscription runs: the file is there
    assert "Monthly Zine" in client.get(f"{PREFIX}/account/downloads").get_data(as_text=True)

    with app.app_context():  # the period ends and the renewal is declined: the subscription lapses
        subscription = db.session.scalar(
            sa.select(OrgMemberSubscription).join(OrgMemberOrder, OrgMemberOrder.id == OrgMemberSubscription.order_id)
            .where(OrgMemberOrder.order_number == number))
        end = subscription.current_period_end
        renewal = billing.invoice(subscription, period_start=end, period_end=end + timedelta(days=30),
                                  usage_until=end, at=end)
        orders.cancel_order(renewal, at=end)
        assert subscription.status == "lapsed"
        db.session.commit()

    assert "Monthly Zine" not in client.get(f"{PREFIX}/account/downloads").get_data(as_text=True)
    assert client.get(link).status_code == 403
