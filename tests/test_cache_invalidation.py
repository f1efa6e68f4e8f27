"""A committed catalog edit clears this process's storefront cache; other commits leave it alone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.extensions import db
from app.web import cache
from tests.factories import make_org, make_product


@pytest.fixture
def warm(app):
    app.config["STOREFRONT_CACHE_SECONDS"] = 60
    cache.clear()
    yield lambda: cache.cached(("probe",), lambda: object())
    cache.clear()


def test_a_product_edit_clears_the_cache(app_ctx, warm):
    org = make_org()
    product = make_product(org)
    db.session.commit()
    first = warm()
    assert warm() is first  # cached
    product.name = "Renamed"
    db.session.commit()
    assert warm() is not first


def test_a_bulk_update_clears_the_cache(app_ctx, warm):
    org = make_org()
    make_product(org)
    db.session.commit()
    first = warm()
    db.session.execute(sa.update(OrgProduct).values(name="Bulk"))
    db.session.commit()
    assert warm() is not first


def test_a_rolled_back_edit_and_unrelated_commits_keep_it(app_ctx, warm):
    org = make_org()
    product = make_product(org)
    db.session.commit()
    first = warm()
    product.name = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    org.name = "Org renamed"  # `org` is not storefront catalog data by this rule
    db.session.commit()
    assert warm() is first
