"""Collections in the dashboard (app/staff/collections.py, app/catalog/products.py): create and
edit with errors on their fields, add products, order them with move up/down without JavaScript
and with htmx, remove; admins and managers only; audited."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalog import services as catalog
from app.catalog.models import OrgProduct, OrgProductCollection
from app.extensions import db
from app.orgs.models import Org, OrgAuditLog
from tests.factories import PASSWORD, make_org, make_product, org_admin
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

ITEM = re.compile(r'<li data-product="([a-z0-9-]+)">')
HTMX = {"HX-Request": "true", "HX-Target": "collection-products"}


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def order(html: str) -> list[str]:
    return ITEM.findall(html)


@pytest.fixture
def shelf(app, academy):
    """A collection "featured" holding alpha, beta, gamma in that order."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        collection = catalog.create_collection(org, slug="featured", name="Featured", by=org_admin(org))
        for slug in ("alpha", "beta", "gamma"):
            catalog.add_to_collection(collection, make_product(org, slug=slug, name=slug.title()), by=org_admin(org))
        make_product(org, slug="delta", name="Delta")
        db.session.commit()
        links = {link.product.slug: link.id for link in collection.products}
        return {"id": collection.id, "links": links, "url": f"{academy.dashboard}/collections/{collection.id}"}


def test_creating_a_collection_and_errors_on_its_fields(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/collections/new"
    r = admin.post(url, data={"name": "N" * 10_000, "slug": "featured", "description": "Kept"})
    assert r.status_code == 422
    html = text(r)
    assert re.search(r'id="name-error">[^<]*at most 100 characters', html)
    assert re.search(r'id="slug-error">[^<]*Another collection already uses the slug', html)
    assert "Kept" in html
    r = admin.post(url, data={"name": "Bad\x00", "slug": "new-one"})
    assert r.status_code == 422 and "characters that are not allowed" in text(r)
    r = admin.post(url, data={"name": "Bestsellers", "slug": "bestsellers", "description": "Top"})
    assert r.status_code == 303
    with app.app_context():
        created = db.session.scalar(sa.select(OrgProductCollection).where(OrgProductCollection.slug == "bestsellers"))
        assert created.name == "Bestsellers" and created.org_id == academy.org_id
    listing = text(admin.get(f"{academy.dashboard}/collections"))
    assert 'data-collection="bestsellers"' in listing and 'data-collection="featured"' in listing


def test_editing_a_collection(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    r = admin.post(shelf["url"], data={"name": "", "slug": "featured"})
    assert r.status_code == 422 and "Name is required" in text(r)
    r = admin.post(shelf["url"], data={"name": "Staff picks", "slug": "staff-picks", "description": ""})
    assert r.status_code == 303
    with app.app_context():
        row = db.session.get(OrgProductCollection, shelf["id"])
        assert (row.name, row.slug) == ("Staff picks", "staff-picks")
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.action == "collection.updated"))
        assert entry.data["before"]["slug"] == "featured"


def test_moving_products_up_and_down_without_javascript(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    assert order(text(admin.get(shelf["url"]))) == ["alpha", "beta", "gamma"]
    move = f"{shelf['url']}/products/{shelf['links']['gamma']}/move"
    r = admin.post(move, data={"direction": "up"})
    assert r.status_code == 303 and r.headers["Location"].endswith("#collection-products")
    assert order(text(admin.get(shelf["url"]))) == ["alpha", "gamma", "beta"]
    admin.post(move, data={"direction": "up"})
    admin.post(move, data={"direction": "up"})  # already first: nothing changes
    assert order(text(admin.get(shelf["url"]))) == ["gamma", "alpha", "beta"]
    r = admin.post(f"{shelf['url']}/products/{shelf['links']['alpha']}/move", data={"direction": "down"})
    assert r.status_code == 303
    assert order(text(admin.get(shelf["url"]))) == ["gamma", "beta", "alpha"]
    assert admin.post(move, data={"direction": "sideways"}).status_code == 422
    assert admin.post(f"{shelf['url']}/products/{'0' * 32}/move", data={"direction": "up"}).status_code == 422
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        # the storefront's order is the collection's: the relationship reads sort_order
        collection = db.session.get(OrgProductCollection, shelf["id"])
        assert [link.product.slug for link in collection.products] == ["gamma", "beta", "alpha"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgAuditLog).where(
            OrgAuditLog.org_id == org.id, OrgAuditLog.action == "collection.reordered")) == 3


def test_htmx_swaps_the_list_in_place(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    r = admin.post(f"{shelf['url']}/products/{shelf['links']['beta']}/move", data={"direction": "down"}, headers=HTMX)
    assert r.status_code == 200
    html = text(r)
    assert 'id="collection-products"' in html and "<html" not in html
    assert order(html) == ["alpha", "gamma", "beta"]


def test_adding_and_removing_products(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    page = text(admin.get(shelf["url"]))
    assert ">Delta<" in page  # offered: not in the collection yet
    with app.app_context():
        delta_id = db.session.scalar(sa.select(OrgProduct.id).where(OrgProduct.slug == "delta"))
        foreign = make_product(make_org(), slug="foreign")
        db.session.commit()
        foreign_id = foreign.id
    r = admin.post(f"{shelf['url']}/products", data={"product_id": delta_id})
    assert r.status_code == 303
    assert order(text(admin.get(shelf["url"]))) == ["alpha", "beta", "gamma", "delta"]
    r = admin.post(f"{shelf['url']}/products", data={"product_id": foreign_id})
    assert r.status_code == 422 and "Choose a product from the list" in text(r)
    r = admin.post(f"{shelf['url']}/products", data={"product_id": ""})
    assert r.status_code == 422
    r = admin.post(f"{shelf['url']}/products/{shelf['links']['beta']}/remove")
    assert r.status_code == 303
    assert order(text(admin.get(shelf["url"]))) == ["alpha", "gamma", "delta"]


def test_only_admins_and_managers_manage_collections(app, login, academy, shelf):
    for email in (academy.creator_email, academy.staff_email):
        client = _as(app, login, email)
        assert client.get(f"{academy.dashboard}/collections").status_code == 403
        assert client.get(shelf["url"]).status_code == 403
        assert client.post(f"{shelf['url']}/products/{shelf['links']['gamma']}/move",
                           data={"direction": "up"}).status_code == 403
    admin = _as(app, login, academy.admin_email)
    assert order(text(admin.get(shelf["url"]))) == ["alpha", "beta", "gamma"]


def test_the_collection_page_costs_a_fixed_number_of_queries(app, login, academy, shelf, count_queries):
    admin = _as(app, login, academy.admin_email)
    admin.get(shelf["url"])
    with count_queries() as few:
        assert admin.get(shelf["url"]).status_code == 200
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        collection = db.session.get(OrgProductCollection, shelf["id"])
        for n in range(30):
            catalog.add_to_collection(collection, make_product(org, slug=f"more-{n}"), by=org_admin(org))
        db.session.commit()
    with count_queries() as many:
        assert len(order(text(admin.get(shelf["url"])))) == 33
    assert many.count == few.count, str(many)
