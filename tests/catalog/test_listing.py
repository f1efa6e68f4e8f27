"""The storefront at scale (issue 15 point 3): the per-market "from" price summary follows every
price, plan and variant change; text search (PostgreSQL full-text search, SQLite FTS5) finds
products by their translated names, ranks them and stays inside the org; a page's SQL reads only
the storefront's org; page counts are bounded; a member's order list is paginated."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.catalog import queries
from app.catalog.listing import config_for, rebuild
from app.catalog.models import (
    OrgProductMarketPriceSummary,
    OrgProductSearchDocument,
    OrgProductVariant,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.catalog.plans import clear_market_price, set_plan_active, update_variant
from app.catalog.services import (
    add_review,
    add_variant,
    set_market_price,
    set_product_translation,
    update_product,
)
from app.db import utcnow
from app.extensions import db
from app.markets.services import create_market
from app.orders.models import OrgMemberOrder
from tests.factories import (
    PASSWORD,
    make_member,
    make_org,
    make_priced_plan,
    make_product,
    make_user,
    org_admin,
)

Summary = OrgProductMarketPriceSummary


def from_price(product, market) -> Decimal | None:
    return db.session.scalar(sa.select(Summary.from_price).where(Summary.product_id == product.id,
                                                                 Summary.market_id == market.id))


def _market(org, slug, currency, locales, countries, default):
    return create_market(org, slug=slug, name=slug.upper(), type="multi_region", currency_code=currency,
                         default_locale_key=default, locale_keys=locales, country_codes=countries,
                         by=org_admin(org))


# ---- the price summary ---------------------------------------------------------------------

def test_the_from_price_follows_price_changes_plans_and_variants(db_session):
    org = make_org(locale_keys=("en",))
    eu = _market(org, "eu", "EUR", ("en",), ("DE",), "en")
    us = _market(org, "us", "USD", ("en",), ("US",), "en")
    product = make_product(org)
    assert from_price(product, eu) is None  # no price: not sold

    basic = make_priced_plan(eu, product=product, price="30.00")
    assert from_price(product, eu) == Decimal("30.00") and from_price(product, us) is None
    premium = make_priced_plan(eu, product=product, price="20.00", name="Premium", access_tier=2)
    assert from_price(product, eu) == Decimal("20.00")
    set_market_price(premium, eu, price="45.00", by=org_admin(org))  # edited: the lowest is basic again
    assert from_price(product, eu) == Decimal("30.00")
    set_market_price(basic, us, price="12.00", by=org_admin(org))
    assert from_price(product, us) == Decimal("12.00") and from_price(product, eu) == Decimal("30.00")

    clear_market_price(basic, eu, by=org_admin(org))  # the matrix's "clear": inactive, not deleted
    assert from_price(product, eu) == Decimal("45.00")
    set_plan_active(premium, False, by=org_admin(org))
    assert from_price(product, eu) is None
    set_plan_active(premium, True, by=org_admin(org))
    assert from_price(product, eu) == Decimal("45.00")

    gift = add_variant(product, name="Gift edition", by=org_admin(org))
    make_priced_plan(eu, product=product, variant=gift, price="5.00")
    assert from_price(product, eu) == Decimal("5.00")
    update_variant(gift, name=gift.name, sku=gift.sku, is_default=False, is_active=False, by=org_admin(org))
    assert from_price(product, eu) == Decimal("45.00")

    other = make_product(org)  # a deleted price row
    plan = make_priced_plan(eu, product=other, price="9.00")
    row = db.session.scalar(sa.select(OrgProductVariantPaymentPlanMarketPrice)
                            .where(OrgProductVariantPaymentPlanMarketPrice.plan_id == plan.id))
    db.session.delete(row)
    db.session.flush()
    assert from_price(other, eu) is None


def test_a_deleted_variant_takes_its_prices_out_of_the_summary(db_session):
    org = make_org(locale_keys=("en",))
    eu = _market(org, "eu", "EUR", ("en",), ("DE",), "en")
    product = make_product(org)
    make_priced_plan(eu, product=product, price="30.00")
    db.session.delete(db.session.scalar(sa.select(OrgProductVariant).where(OrgProductVariant.product_id == product.id)))
    db.session.flush()
    assert from_price(product, eu) is None


def test_the_dashboard_price_matrix_keeps_the_from_price(app, login):
    from tests.staff.price_fixtures import build_priced_academy

    with app.app_context():
        p = build_priced_academy()
        email = p.academy.admin_email
        db.session.commit()
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code in (302, 303)
    cell = f"{p.basic}.{p.jp}"
    assert client.post(p.cell_url(p.basic, p.jp), data={f"price-{cell}": "5000"},
                       headers={"HX-Request": "true", "HX-Target": "cell"}).status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Summary.from_price).where(
            Summary.product_id == p.product_id, Summary.market_id == p.jp)) == Decimal("5000")
    client.post(p.cell_url(p.basic, p.jp), data={f"price-{cell}": ""},
                headers={"HX-Request": "true", "HX-Target": "cell"})  # cleared
    with app.app_context():
        assert db.session.scalar(sa.select(Summary.from_price).where(
            Summary.product_id == p.product_id, Summary.market_id == p.jp)) is None


def listed(product, market) -> tuple | None:
    row = db.session.execute(sa.select(Summary.status, Summary.type, Summary.listed_at)
                             .where(Summary.product_id == product.id, Summary.market_id == market.id)).first()
    return None if row is None else tuple(row)


def test_the_summary_follows_the_products_status_type_and_publication(db_session):
    """The listing reads a product's status, type and "newest" key from the price summary: an
    archived product leaves the storefront, a republished one comes back under its first
    publication date, a change of type moves it between type filters."""
    org = make_org(locale_keys=("en",))
    eu = _market(org, "eu", "EUR", ("en",), ("DE",), "en")
    product = make_product(org, status="draft")
    make_priced_plan(eu, product=product, price="30.00")
    db.session.flush()
    assert listed(product, eu) == ("draft", "course", product.created_at)
    # (as app.catalog.services publishes and archives: any ORM write of these columns)
    product.status, product.published_at = "published", utcnow()
    db.session.flush()
    published_at = product.published_at
    assert listed(product, eu) == ("published", "course", published_at)

    def shown(**args) -> list[str]:
        storefront = SimpleNamespace(org_id=org.id, market_id=eu.id)
        page = queries.catalog_page(storefront, queries.CatalogFilters.from_args(args), ["en"])
        return [card.slug for card in page.cards]

    assert shown() == [product.slug] and shown(type="course") == [product.slug]
    product.status = "archived"
    db.session.flush()
    assert listed(product, eu) == ("archived", "course", published_at) and shown() == []
    product.status, product.type = "published", "digital_download"
    db.session.flush()
    assert listed(product, eu) == ("published", "digital_download", published_at)
    assert shown(type="course") == [] and shown(type="digital_download") == [product.slug]


def test_rebuild_writes_the_same_rows_as_the_hook(db_session):
    org = make_org(locale_keys=("en", "de"))
    eu = _market(org, "eu", "EUR", ("de", "en"), ("DE",), "de")
    product = make_product(org, name="Photo book", description="Pictures.")
    set_product_translation(product, "de", name="Fotobuch", description="Bilder.", by=org_admin(org))
    make_priced_plan(eu, product=product, price="15.00")

    def rows():
        summary = db.session.execute(sa.select(Summary.product_id, Summary.market_id, Summary.from_price,
                                               Summary.status, Summary.type, Summary.listed_at)
                                     .where(Summary.org_id == org.id)).all()
        docs = db.session.execute(sa.select(OrgProductSearchDocument.locale_key, OrgProductSearchDocument.name,
                                            OrgProductSearchDocument.body)
                                  .where(OrgProductSearchDocument.org_id == org.id)
                                  .order_by(OrgProductSearchDocument.locale_key)).all()
        return sorted(summary), sorted(docs, key=repr)

    kept = rows()
    assert kept[0] == [(product.id, eu.id, Decimal("15.00"), "published", "course",
                        product.published_at or product.created_at)]
    assert {(key, name) for key, name, _body in kept[1]} == {(None, "Photo book"), ("de", "Fotobuch")}
    rebuild(db.session.connection())
    assert rows() == kept


# ---- search ------------------------------------------------------------------------------------

@pytest.fixture
def bookshop(app):
    """Org "buecher" (default locale en; market eu with de and en) with a German-named book, a
    product that only mentions books in its description, and org "rival" selling a book too."""
    with app.app_context():
        org = make_org("buecher", name="Bücherei", locale_keys=("en", "de"))
        eu = _market(org, "eu", "EUR", ("de", "en"), ("DE",), "de")
        book = make_product(org, slug="photo-book", name="Photography handbook", description="Learn to take pictures.")
        set_product_translation(book, "de", name="Das große Buch der Fotografie", description="Fotografieren lernen.",
                                by=org_admin(org))
        make_priced_plan(eu, product=book, price="20.00")
        mention = make_product(org, slug="camera-course", name="Camera course", description="Cameras.")
        set_product_translation(mention, "de", name="Kamerakurs", description="Mit einem Buch zum Mitnehmen.",
                                by=org_admin(org))
        make_priced_plan(eu, product=mention, price="10.00")
        rival = make_org("rival", locale_keys=("en", "de"))
        rival_eu = _market(rival, "eu", "EUR", ("de", "en"), ("AT",), "de")
        rival_book = make_product(rival, slug="rival-book", name="Buch", description="Buch Buch Buch.")
        set_product_translation(rival_book, "de", name="Buch", by=org_admin(rival))
        make_priced_plan(rival_eu, product=rival_book, price="1.00")
        db.session.commit()



def slugs(html: str) -> list[str]:
    return re.findall(r'data-slug="([^"]+)"', html)


def test_a_german_page_finds_a_product_by_its_german_name(bookshop, client):
    assert slugs(client.get("/buecher/eu/de/?q=Fotografie").get_data(as_text=True)) == ["photo-book"]
    assert slugs(client.get("/buecher/eu/de/?q=fotog").get_data(as_text=True)) == ["photo-book"]  # a prefix
    # the English page searches the English (base) text
    assert slugs(client.get("/buecher/eu/en/?q=photography").get_data(as_text=True)) == ["photo-book"]
    assert slugs(client.get("/buecher/eu/en/?q=Fotografie").get_data(as_text=True)) == []


def test_search_ranks_a_name_match_above_a_description_match_and_stays_in_the_org(bookshop, client):
    html = client.get("/buecher/eu/de/?q=Buch").get_data(as_text=True)
    assert slugs(html) == ["photo-book", "camera-course"]  # "rival-book" is another org's
    assert "rival-book" not in html


def test_a_search_without_a_hit_says_so(bookshop, client):
    html = client.get("/buecher/eu/de/?q=Schachbrett").get_data(as_text=True)
    assert slugs(html) == [] and "Nichts entspricht diesen Filtern." in html
    assert slugs(client.get("/buecher/eu/de/?q=%21%21%21").get_data(as_text=True)) == []  # no word at all


def test_search_follows_renames_and_new_translations(bookshop, app, client):
    from app.catalog.models import OrgProduct

    with app.app_context():
        book = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == "photo-book"))
        update_product(book, name="Darkroom handbook", by=org_admin(book))
        set_product_translation(book, "de", name="Dunkelkammer-Handbuch", description=None, by=org_admin(book))
        db.session.commit()
    assert slugs(client.get("/buecher/eu/de/?q=Fotografie").get_data(as_text=True)) == []
    assert slugs(client.get("/buecher/eu/de/?q=dunkelkammer").get_data(as_text=True)) == ["photo-book"]
    assert slugs(client.get("/buecher/eu/en/?q=darkroom").get_data(as_text=True)) == ["photo-book"]


@pytest.mark.postgres
def test_postgresql_matches_german_words_by_their_stem(bookshop, client, app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL full-text search")
    # "Bücher" (plural) finds "Buch" through the German dictionary
    assert slugs(client.get("/buecher/eu/de/?q=B%C3%BCcher").get_data(as_text=True)) == ["photo-book", "camera-course"]


@pytest.mark.postgres
def test_postgresql_search_index_holds_the_org(bookshop, app):
    """Issue 15: the search documents' GIN index holds the org beside the words (btree_gin,
    migration 0013_searchgin), so a search reads its org's postings of its words alone, instead of
    every org's matches AND-ed with the org's documents from a second index (at scale: 1,591 of
    another 21 orgs' postings for "python", and the bitmap of the org's 1,564 documents)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL full-text search")
        definitions = db.session.scalars(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'org_product_search_document' "
            "AND indexdef LIKE '%USING gin%'")).all()
    assert [re.sub(r".* USING ", "", d) for d in definitions] == ["gin (org_id, document)"]


@pytest.mark.postgres
def test_a_rebuild_leaves_no_search_entries_pending(bookshop, app):
    """``flask catalog reindex`` writes every search document again; GIN keeps new entries in a
    pending list that each search scans entry by entry until autovacuum merges it (9,493 entries
    at scale). The rebuild merges it itself: nothing is left to clean afterwards."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL's GIN pending list")
        clean = sa.text("SELECT gin_clean_pending_list('ix_org_prod_search_document_org_id_document'::regclass)")
        rebuild(db.session.connection())
        left = db.session.scalar(clean)
        db.session.rollback()
    assert left == 0


def test_text_search_configuration_by_language():
    assert [config_for(key) for key in ("de", "de-AT", "fr_BE", "es", "en-GB", "ja", None)] == [
        "german", "german", "french", "spanish", "english", "simple", "simple"]


# ---- one org's rows only, bounded pages ------------------------------------------------------

def _read_as(table: str, statement: str) -> set[str]:
    """The names under which ``statement`` reads ``table`` (itself, or its aliases)."""
    aliases = set(re.findall(rf"\b{table} AS (\w+)", statement))
    plain = re.search(rf"\b{table}\b(?! AS)", statement.replace(f"{table}.", ""))
    return aliases | ({table} if plain else set())


def test_the_catalog_sql_reads_only_the_storefronts_org(bookshop, app, client, count_queries):
    from app.catalog.models import OrgProduct
    from app.orgs.models import Org

    with app.app_context():  # the rival's book gets 5-star reviews, ours one of 2 stars
        books = {p.slug: p for p in db.session.scalars(sa.select(OrgProduct))}
        rival = db.session.get(Org, books["rival-book"].org_id)
        for n in range(3):
            add_review(books["rival-book"], make_member(rival, make_user(f"fan{n}@example.com")), rating=5)
        ours = db.session.get(Org, books["photo-book"].org_id)
        add_review(books["photo-book"], make_member(ours, make_user("critic@example.com")), rating=2)
        db.session.commit()
    for url in ("/buecher/eu/de/?sort=rating", "/buecher/eu/de/?q=Buch", "/buecher/eu/de/?min_price=1&sort=price_asc",
                "/buecher/eu/de/products/photo-book"):
        with count_queries() as log:
            html = client.get(url).get_data(as_text=True)
        assert "rival-book" not in html and "★ 5" not in html and "★ 2" in html
        for statement in log.statements:
            if "GROUP BY" in statement.upper():  # reviews aggregated: the org's only
                for name in _read_as("org_product_review", statement):
                    assert f"{name}.org_id =" in statement, statement
            if "org_product_market_price_summary" in statement:
                assert "from_prices.org_id =" in statement, statement
            if "org_product_search_document" in statement:
                assert "org_product_search_document AS docs" in statement and "docs.org_id =" in statement, statement
            assert "org_product_variant_payment_plan_market_price AS" not in statement  # no aggregate over prices


def test_a_catalog_page_is_three_statements_with_its_translated_cards(bookshop, client, count_queries):
    """The storefront (with its locales, countries and domains), the filter choices and the listing
    (its count, its page, the covers, the translations and the creators in one statement): it was
    eight statements, each a round trip."""
    with count_queries() as log:
        html = client.get("/buecher/eu/de/").get_data(as_text=True)
    assert slugs(html) == ["camera-course", "photo-book"]  # newest first
    assert "Das große Buch der Fotografie" in html and "Kamerakurs" in html  # the German names
    assert "Photography handbook" not in html
    assert log.count == 3, str(log)
    english = client.get("/buecher/eu/en/").get_data(as_text=True)
    assert "Photography handbook" in english and "Camera course" in english
    with count_queries() as past:  # past the last page: the last page, with one statement more
        html = client.get("/buecher/eu/de/?page=9").get_data(as_text=True)
    assert slugs(html) == ["camera-course", "photo-book"] and past.count == 4, str(past)


def _two_creators_and_two_translations(app) -> None:
    """The photo book gets an English translation besides its German one and two creators."""
    from app.catalog.attributions import set_attribution
    from app.catalog.models import OrgProduct
    from app.orgs.models import Org
    from tests.factories import make_employee

    with app.app_context():
        book = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == "photo-book"))
        org = db.session.get(Org, book.org_id)
        set_product_translation(book, "en", name="Photography handbook (en)", by=org_admin(org))
        for email, name, percent in (("ada@example.com", "Ada Minor", "30"), ("bob@example.com", "Bob Major", "60")):
            employee = make_employee(org, make_user(email, display_name=name), role="creator")
            set_attribution(book, employee, percent=Decimal(percent), by=org_admin(org))
        db.session.commit()


def test_a_card_names_each_creator_once_by_share_beside_its_translations(bookshop, app, client):
    _two_creators_and_two_translations(app)
    html = client.get("/buecher/eu/de/").get_data(as_text=True)
    card = html[html.index('data-slug="photo-book"'):]
    card = card[:card.index("</article>")] if "</article>" in card else card
    assert card.count("Bob Major") == 1 and card.count("Ada Minor") == 1
    assert card.index("Bob Major") < card.index("Ada Minor")  # the larger share first
    assert "Das große Buch der Fotografie" in card


def test_the_listing_reads_a_products_translations_and_creators_side_by_side(bookshop, app, monkeypatch):
    """One row for the product, one per translation in the chain, one per creator: not one per
    translation and creator (the creators looked up again for each translation, the product's
    columns sent four times)."""

    from app.catalog.models import OrgProduct

    _two_creators_and_two_translations(app)
    read = []
    plain_rows = queries.plain_rows

    def recording(session, statement, values):
        rows = plain_rows(session, statement, values).all()
        read.extend(rows)
        return SimpleNamespace(all=lambda: rows)

    monkeypatch.setattr(queries, "plain_rows", recording)
    with app.app_context():
        book = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == "photo-book"))
        org_id, market_id = db.session.execute(sa.text(
            "SELECT m.org_id, m.id FROM org_market m JOIN org o ON o.id = m.org_id WHERE o.slug = 'buecher'")).one()
        page = queries.catalog_page(SimpleNamespace(org_id=org_id, market_id=market_id), queries.CatalogFilters(),
                                    ["de", "en"])
        card = next(card for card in page.cards if card.slug == "photo-book")
        assert [creator.name for creator in card.creators] == ["Bob Major", "Ada Minor"]
        assert card.name == "Das große Buch der Fotografie" and page.total == 2
        assert sum(1 for row in read if book.id in row) == 1 + 2 + 2


def test_the_count_stops_at_a_bound(bookshop, client, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_LIMIT", 1)
    html = client.get("/buecher/eu/de/").get_data(as_text=True)
    assert "Mehr als 1 Produkte" in html  # 2 products, counted up to 1
    assert len(slugs(html)) == 2
    assert client.get("/buecher/eu/de/?page=500").status_code == 200


# ---- the member's orders, paginated --------------------------------------------------------------

def test_the_members_order_list_is_paginated(app, client, login, count_queries):
    from app.orders.services import MEMBER_ORDERS_PER_PAGE

    with app.app_context():
        org = make_org("orderly", locale_keys=("en",))
        us = _market(org, "us", "USD", ("en",), ("US",), "en")
        user = make_user("buyer@example.com")
        member = make_member(org, user)
        start = utcnow() - timedelta(days=100)
        for n in range(MEMBER_ORDERS_PER_PAGE + 3):
            db.session.add(OrgMemberOrder(
                org_id=org.id, member_id=member.id, market_id=us.id, order_number=f"ORD-{n:06d}", status="paid",
                currency_code="USD", subtotal_amount=Decimal("1"), total_amount=Decimal("1"), amount_due=Decimal("0"),
                billing_country_code="US", billing_name="Buyer", billing_email="buyer@example.com",
                created_at=start + timedelta(days=n)))
        db.session.commit()
    assert login(client, "buyer@example.com", PASSWORD).status_code in (302, 303)
    with count_queries() as first_log:
        first = client.get("/orderly/us/en/account/orders/").get_data(as_text=True)
    numbers = re.findall(r'data-order="([^"]+)"', first)
    assert len(numbers) == MEMBER_ORDERS_PER_PAGE
    assert numbers[0] == f"ORD-{MEMBER_ORDERS_PER_PAGE + 2:06d}"  # newest first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    with count_queries() as second_log:
        second = client.get("/orderly/us/en/account/orders/?page=2").get_data(as_text=True)
    assert re.findall(r'data-order="([^"]+)"', second) == ["ORD-000002", "ORD-000001", "ORD-000000"]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert second_log.count == first_log.count
    assert client.get("/orderly/us/en/account/orders/?page=abc").status_code == 200


def test_the_base_row_follows_the_orgs_default_language(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the tsvector's dictionary is PostgreSQL's")
    org = make_org(locale_keys=("en", "de"))
    org.default_locale_key = "en"
    product = make_product(org, name="Bücher", description=None)
    db_session.flush()

    def base_document() -> str:
        return db_session.scalar(sa.select(sa.cast(OrgProductSearchDocument.document, sa.Text)).where(
            OrgProductSearchDocument.product_id == product.id, OrgProductSearchDocument.locale_key.is_(None)))

    assert "'buch'" not in base_document()  # English dictionary: "bücher" unchanged
    org.default_locale_key = "de"
    db_session.flush()
    assert "'buch'" in base_document()  # German dictionary: stemmed to "buch"


@pytest.mark.postgres
def test_postgresql_knows_a_market_belongs_to_one_org(db_session):
    """Extended statistics on the price summary (models and migration 0010_catsql): the planner
    estimates a market's rows from the market alone instead of multiplying the org's and the
    market's shares (36 expected rows for 508 at scale: the catalog then joined the org's products
    one index probe at a time)."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL statistics")
    from app.catalog.models import PRICE_SUMMARY_STATISTICS

    kinds = db.session.scalar(sa.text("SELECT stxkind FROM pg_statistic_ext WHERE stxname = :name"),
                              {"name": PRICE_SUMMARY_STATISTICS})
    assert kinds is not None and "f" in kinds  # functional dependencies


def test_reviews_written_at_the_same_moment_keep_one_order(bookshop, app, client):
    """The product page lists the newest reviews first; reviews with the same time (an import, the
    bench's data) come newest id first, whatever plan the database picks."""
    from app.catalog.models import OrgProduct, OrgProductReview
    from app.orgs.models import Org

    with app.app_context():
        book = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == "photo-book"))
        org = db.session.get(Org, book.org_id)
        for n in range(4):
            add_review(book, make_member(org, make_user(f"same{n}@example.com")), rating=4, title=f"Same moment {n}")
        db.session.flush()
        moment = utcnow()
        reviews = db.session.scalars(sa.select(OrgProductReview).where(OrgProductReview.product_id == book.id)).all()
        for review in reviews:
            review.created_at = moment
        expected = [r.title for r in sorted(reviews, key=lambda r: r.id, reverse=True)]
        db.session.commit()
    html = client.get("/buecher/eu/de/products/photo-book").get_data(as_text=True)
    assert sorted(expected, key=html.index) == expected
