"""A product's "Creators and shares" tab: admins and managers set and end shares (never more than
100 %, the refusal says what is left), a change ends one attribution and starts another, an
attributed creator reads, the page's queries do not grow with the number of shares."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog.attributions import set_attribution
from app.catalog.models import OrgEmployeeProductAttribution as Attribution
from app.catalog.models import OrgProduct
from app.extensions import db
from app.orgs.models import Org
from tests.factories import PASSWORD, make_employee, make_org, make_product, org_admin


def _email(employee) -> str:
    return employee.member.user_profile.user.email


@pytest.fixture
def shop(app):
    with app.app_context():
        org = make_org()
        admin = org_admin(org)
        product = make_product(org, name="Shared Course")
        people = {role: make_employee(org, role=role) for role in ("manager", "creator", "staff")}
        other = make_employee(org, role="creator")
        set_attribution(product, people["creator"], percent=Decimal("60"), by=admin)
        db.session.commit()
        return {"slug": org.slug, "product": product.id, "ids": {k: v.id for k, v in people.items()},
                "other": other.id, "emails": {"admin": _email(admin), **{k: _email(v) for k, v in people.items()}}}


def _as(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 303
    return client


def _url(shop, suffix=""):
    return f"/dashboard/{shop['slug']}/products/{shop['product']}/attributions{suffix}"


def test_more_than_100_percent_is_refused_with_what_is_left(app, login, shop):
    manager = _as(app, login, shop["emails"]["manager"])
    page = manager.get(_url(shop)).get_data(as_text=True)
    assert "Still available from now on: 40" in page
    refused = manager.post(_url(shop), data={"employee_id": shop["other"], "percent": "45",
                                             "attribution_type": "collaborator"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "40% is still available" in html
    saved = manager.post(_url(shop), data={"employee_id": shop["other"], "percent": "40",
                                           "attribution_type": "collaborator"})
    assert saved.status_code == 303
    assert "Still available from now on: 0" in manager.get(_url(shop)).get_data(as_text=True)


def test_a_new_share_ends_the_running_one_and_starts_another(app, login, shop):
    admin = _as(app, login, shop["emails"]["admin"])
    assert admin.post(_url(shop), data={"employee_id": shop["ids"]["creator"], "percent": "50",
                                        "attribution_type": "creator"}).status_code == 303
    with app.app_context():
        rows = db.session.scalars(sa.select(Attribution).where(Attribution.employee_id == shop["ids"]["creator"])
                                  .order_by(Attribution.effective_from)).all()
        assert [(r.revenue_share_percentage, r.effective_to is None) for r in rows] == [
            (Decimal("60.00"), False), (Decimal("50.00"), True)]
        running = rows[1].id
    assert admin.post(_url(shop, f"/{running}/end")).status_code == 303
    page = admin.get(_url(shop)).get_data(as_text=True)
    assert 'data-state="current"' not in page and "Still available from now on: 100" in page


def test_creators_read_staff_and_strangers_do_not(app, login, shop):
    creator = _as(app, login, shop["emails"]["creator"])
    page = creator.get(_url(shop)).get_data(as_text=True)
    assert "60 %" in page and "Set a share" not in page
    assert creator.post(_url(shop), data={"employee_id": shop["ids"]["creator"], "percent": "100",
                                          "attribution_type": "creator"}).status_code == 403
    assert _as(app, login, shop["emails"]["staff"]).get(_url(shop)).status_code == 403
    with app.app_context():
        stranger = make_employee(make_org(), role="admin")
        db.session.commit()
        email = _email(stranger)
    assert _as(app, login, email).get(_url(shop)).status_code == 404


def test_bad_input_gets_a_message_and_nothing_changes(app, login, shop):
    admin = _as(app, login, shop["emails"]["admin"])
    for data, message in (({"employee_id": shop["other"], "percent": "abc", "attribution_type": "creator"},
                           "Enter a percentage such as 30."),
                          ({"employee_id": shop["other"], "percent": "150", "attribution_type": "creator"}, None),
                          ({"employee_id": "nope", "percent": "5", "attribution_type": "creator"}, None),
                          ({"employee_id": shop["other"], "percent": "5", "attribution_type": "boss"}, None)):
        response = admin.post(_url(shop), data=data)
        assert response.status_code == 422, data
        if message:
            assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Attribution)) == 1


def test_the_page_costs_the_same_queries_for_one_and_many_shares(app, login, shop, count_queries):
    admin = _as(app, login, shop["emails"]["admin"])
    with count_queries() as few:
        admin.get(_url(shop))
    with app.app_context():
        product = db.session.get(OrgProduct, shop["product"])
        org, by = db.session.get(Org, product.org_id), org_admin(product)
        for _n in range(8):
            set_attribution(product, make_employee(org, role="creator"), percent=Decimal("1"), by=by)
        db.session.commit()
    with count_queries() as many:
        html = admin.get(_url(shop)).get_data(as_text=True)
    assert len(re.findall(r'data-attribution="', html)) == 9
    assert few.count == many.count
