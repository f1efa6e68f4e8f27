"""The content chain in the product page's statements (issue 15): a fixed number of bound
parameters (app.markets.chain_sql), never an "expanding" IN list that SQLAlchemy renders into the
SQL again on every execution."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.catalog import pages, queries
from app.courses import syllabus
from app.markets.chain_sql import CHAIN_SLOTS, chain_locales, chain_slots, chain_values, in_chain


def test_chain_values_fill_the_slots_and_a_longer_chain_gets_more():
    assert chain_locales(["de-AT", "de", None]) == ["de-AT", "de"]
    assert chain_values(["de-AT", "de"]) == {"chain_locale_0": "de-AT", "chain_locale_1": "de",
                                             "chain_locale_2": None, "chain_locale_3": None}
    six = ["a", "b", "c", "d", "e", "f"]
    assert chain_slots(six) == 6 and chain_slots(["de"]) == CHAIN_SLOTS
    assert list(chain_values(six)) == [f"chain_locale_{n}" for n in range(6)]
    column = sa.column("locale_key")
    assert str(in_chain(column, 6).compile()).count(":chain_locale_") == 6


@pytest.mark.parametrize("build", [lambda slots: pages._statements(slots, True)[0][0],
                                   lambda slots: pages._statements(slots, False)[0][0],
                                   lambda slots: syllabus._syllabus(slots)[0]])
def test_the_product_pages_statements_have_no_expanding_parameters(build):
    for slots in (CHAIN_SLOTS, 6):
        statement = build(slots)
        binds = statement._generate_cache_key().bindparams
        assert binds and not [b.key for b in binds if b.expanding]
        names = {b.key for b in binds}
        assert {f"chain_locale_{n}" for n in range(slots)} <= names


@pytest.mark.parametrize("search_shape", [None, ("sqlite", ()), ("postgresql", ("german", "simple"))])
def test_the_listing_and_its_text_search_have_no_expanding_parameters(search_shape):
    """An expanding list (the search once had one for its languages) keeps the whole listing off
    the driver path (app.db.plain_rows) and is rendered into the SQL on every search."""
    shape = queries._shape(queries.CatalogFilters(q="x" if search_shape else ""))
    for slots in (CHAIN_SLOTS, 6):
        statement = queries._prebuilt_listing(shape, search_shape, slots)
        binds = statement._generate_cache_key().bindparams
        assert binds and not [b.key for b in binds if b.expanding]
        assert {f"chain_locale_{n}" for n in range(slots)} <= {b.key for b in binds}
