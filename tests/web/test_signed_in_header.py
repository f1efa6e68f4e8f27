"""What a signed-in buyer's storefront page reads for its header (issue 15): the membership once,
with the cart badge's count and whether the user works for any org, in the user loader's statement; the
employments (the "Dashboard" link) only for employees."""

from __future__ import annotations

from tests.factories import PASSWORD
from tests.learn.player_fixtures import ADMIN, LEARNER, school  # noqa: F401
from tests.learn.test_player_queries import _tables


def _catalog(client, school, count_queries):  # noqa: F811
    with count_queries() as q:
        response = client.get(f"{school.prefix}/")
    assert response.status_code == 200
    return q, response.get_data(as_text=True)


def test_a_signed_in_buyer_s_catalog_reads_the_membership_and_cart_count_once(client, school, login,  # noqa: F811
                                                                                count_queries):
    login(client, LEARNER, PASSWORD)
    q, html = _catalog(client, school, count_queries)
    assert 'data-count="0"' in html and "dashboard-link" not in html
    assert len([s for s in q.statements if "FROM user_profile" in s]) == 1, str(q)
    for table in ("org_member", "org_member_cart_item", "org_employee"):
        assert _tables(q, table) == [], f"{table} read on its own:\n{q}"
    signed_in = q.count
    client.post("/account/logout")
    visitor, _html = _catalog(client, school, count_queries)
    # The sign-in and the membership ride on the storefront's statement: as many statements as a
    # visitor's (four more before issue 15).
    assert signed_in == visitor.count, f"signed in:\n{q}\n\nvisitor:\n{visitor}"


def test_the_badge_counts_what_the_buyer_put_in_the_cart(client, school, login, count_queries):  # noqa: F811
    login(client, LEARNER, PASSWORD)
    added = client.post(f"{school.prefix}/cart/items", data={"plan_id": school.plan_ids[1], "quantity": "1"})
    assert added.status_code in (302, 303)
    q, html = _catalog(client, school, count_queries)
    assert 'data-count="1"' in html
    assert _tables(q, "org_member_cart_item") == [], str(q)
    badge = client.get(f"{school.prefix}/cart/badge")
    assert 'data-count="1"' in badge.get_data(as_text=True)


def test_an_employee_s_catalog_links_the_dashboard(client, school, login, count_queries):  # noqa: F811
    login(client, f"{school.org_slug}-{ADMIN}", PASSWORD)
    q, html = _catalog(client, school, count_queries)
    assert "dashboard-link" in html and f"/dashboard/{school.org_slug}/" in html
    assert len(_tables(q, "org_employee")) == 1, str(q)


def test_a_market_domain_reads_the_sign_in_with_the_market(app, client, school, login, count_queries):  # noqa: F811
    """On a market's own domain the sign-in and the membership ride on the market's statement too,
    and the market is read once (the trusted-host check's read serves the page)."""
    from app.extensions import db
    from app.markets.services import create_market
    from app.orgs.models import Org
    from tests.factories import org_admin

    with app.app_context():
        org = db.session.get(Org, school.org_id)
        create_market(org, slug="shop", name="Shop", type="multi_region", currency_code="EUR",
                      default_locale_key="en", locale_keys=("en",), country_codes=("FR",),
                      domains=("shop.school.localhost",), by=org_admin(org))
        db.session.commit()
    host = {"Host": "shop.school.localhost"}
    login(client, LEARNER, PASSWORD)
    path, _html = _catalog(client, school, count_queries)
    signed_in = client.post("/en/sign-in", data={"email": LEARNER, "password": PASSWORD}, headers=host)
    assert signed_in.status_code == 303  # the cookie of the domain
    with count_queries() as q:
        response = client.get("/en/", headers=host)
    assert response.status_code == 200 and "layout-store" in response.get_data(as_text=True)
    assert 'data-count="0"' in response.get_data(as_text=True)
    assert len([s for s in q.statements if "FROM user_profile" in s]) == 1, str(q)
    assert len([s for s in q.statements if "org_market_domain.host =" in s]) == 1, str(q)
    assert q.count == path.count, f"domain:\n{q}\n\npath:\n{path}"
