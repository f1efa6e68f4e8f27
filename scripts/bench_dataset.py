#!/usr/bin/env python3
"""A realistic dataset at scale for the PostgreSQL stage of `make bench` (issue 15 point 1, issue 14).

    python scripts/bench_dataset.py     (DATABASE_URL: a migrated, demo-seeded PostgreSQL)

Every table family is one function below, and each writes its rows with a handful of
``INSERT ... SELECT ... FROM generate_series(...)`` statements run by PostgreSQL: no ORM objects,
no Python loop over rows. At scale 1 it adds, on top of the demo:

- 20 orgs ``bench-01`` .. ``bench-20`` (locales en + de, markets ``us`` (USD, en) and ``eu``
  (EUR, de) with their countries and locales);
- 500 published products in each of them and in the demo's Acme (10,500), half of them courses,
  with translations (en + de, German names differ), a default variant (a second one for every
  fourth product), a one-time plan per variant and a monthly subscription per course, their
  translations, and a price in every market of the org;
- 300 members per org, three published reviews per product;
- a course tree (1 module, 1 section, 5 lessons) for ten courses per org, and 100,000 lesson
  progress rows;
- 100,000 paid orders (60,000 in Acme with two items each, 2,000 per bench org with one), a
  payment and a tax snapshot per item (Acme's real rates by billing country); 2% refunded;
  500 of Acme's orders belong to the demo customer (customer@acme.test), so their order list is long;
- Acme's products credited 70% to creator@acme.test and 30% to creator2@acme.test (every other
  product), one revenue row per attribution and item (refund rows for refunded orders), and the
  journal entry of each Acme sale with the account balances following their lines: creator@acme.test
  ends up with ~120,000 revenue rows, and the tables Acme's reports read hold over 1,000,000 rows.

The generator reads the real schema: each insert lists only the columns it means to fill, and
``insert_select`` fills the rest from the model's own defaults (``Model.__table__``), leaves
nullable ones empty, and stops with the table and column named when a new required column
appears that it does not know. Ids are ``md5`` of a stable text key, so rows of one family find
those of another without a lookup. Run it once per database (it refuses a second run).
"""

# ruff: noqa: S608  (the SQL is assembled from this file's constants and the models, never from input)
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCH_ORGS = 20
PRODUCTS_PER_ORG = 500
MEMBERS_PER_ORG = 300
REVIEWS_PER_PRODUCT = 3
COURSES_WITH_LESSONS = 10  # per org
LESSONS_PER_COURSE = 5
PROGRESS_ROWS = 100_000
ACME_ORDERS = 60_000  # two items each
BENCH_ORG_ORDERS = 2_000  # per bench org, one item each
CUSTOMER_ORDERS = 500  # of Acme's orders, the demo customer's
REFUNDED_EVERY = 50  # one order in 50 is refunded in full
PLATFORM_FEE = "0.05"

DEMO_ORG = "acme"
CREATOR = "creator@acme.test"
COLLABORATOR = "creator2@acme.test"
CUSTOMER = "customer@acme.test"

# Product names are built from these words, so text search finds some products and not others;
# the German names use the German words (a German page finds "Datenanalyse", an English one "analysis").
WORDS_EN = ["Python", "Data", "Design", "Marketing", "Photography", "Cooking", "Guitar", "Finance", "Writing",
            "Leadership", "Yoga", "Spanish", "Drawing", "Statistics", "Excel", "Gardening", "Chess", "Coding",
            "Music", "History"]
WORDS_DE = ["Python", "Daten", "Gestaltung", "Vermarktung", "Fotografie", "Kochen", "Gitarre", "Finanzen",
            "Schreiben", "Führung", "Yoga", "Spanisch", "Zeichnen", "Statistik", "Tabellen", "Gartenbau", "Schach",
            "Programmieren", "Musik", "Geschichte"]
KINDS_EN = ["for beginners", "masterclass", "analysis", "workshop", "handbook", "bootcamp", "toolkit", "essentials"]
KINDS_DE = ["für Anfänger", "Meisterkurs", "Analyse", "Werkstatt", "Handbuch", "Intensivkurs", "Werkzeugkasten",
            "Grundlagen"]


ORG_KEY, PRODUCT_KEY = "'org'", "'product'"  # the text keys of their ids (see bench_id)


class SchemaChanged(RuntimeError):
    """A required column the generator does not fill: teach the family function about it."""


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


# ---- the one insert helper -------------------------------------------------------------------------

def insert_select(conn, model, values: dict[str, str], source: str) -> int:
    """``INSERT INTO <model's table> (...) SELECT ... <source>``: ``values`` maps column names to SQL
    expressions over ``source`` (a FROM clause and more). The other columns come from the model:
    a scalar default as a literal, the id as an md5, timestamps as now(); nullable ones stay NULL.
    Returns the number of rows inserted."""
    table = model.__table__
    columns, exprs = [], []
    unknown = set(values) - {c.name for c in table.columns}
    if unknown:
        raise SchemaChanged(f"{table.name} has no column(s) {', '.join(sorted(unknown))}")
    for column in table.columns:
        if column.name in values:
            expr = values[column.name]
        elif column.default is not None and column.default.is_scalar:
            expr = str(sa.literal(column.default.arg, column.type).compile(
                dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        elif column.default is not None and column.primary_key:
            expr = "md5(random()::text || clock_timestamp()::text)"
        elif column.default is not None and column.name in ("created_at", "updated_at", "joined_at"):
            expr = "now()"
        elif column.nullable or column.server_default is not None:
            continue
        else:
            raise SchemaChanged(f"{table.name}.{column.name} is required and scripts/bench_dataset.py does not fill it")
        columns.append(f'"{column.name}"')
        exprs.append(expr)
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) SELECT {", ".join(exprs)} {source}'
    started = time.perf_counter()
    rows = conn.execute(sa.text(sql)).rowcount
    TIMINGS.append((table.name, rows, time.perf_counter() - started))
    return rows


TIMINGS: list[tuple[str, int, float]] = []  # (table, rows, seconds) of each insert, for the summary


def bench_id(*parts: str) -> str:
    """SQL for a stable id: md5 of the text key (``bench_id("'p'", "o.n", "g.i")``)."""
    return "md5(" + " || '-' || ".join(f"({p})::text" for p in parts) + ")"


# ---- families ---------------------------------------------------------------------------------------

def orgs(conn) -> None:
    """The bench orgs with their locales (en default, de), markets us/eu, market locales and
    countries; and ``bench_org``, a temporary list of every org the dataset fills (n = 0 is Acme)."""
    from app.markets.models import OrgMarket, OrgMarketCountry, OrgMarketLocale
    from app.orgs.models import Org, OrgLocale

    conn.execute(sa.text("CREATE TEMP TABLE bench_org (n int PRIMARY KEY, id varchar(32), slug text)"))
    conn.execute(sa.text("INSERT INTO bench_org SELECT 0, id, slug FROM org WHERE slug = :slug"), {"slug": DEMO_ORG})
    insert_select(conn, Org, {
        "id": bench_id(ORG_KEY, "g"), "name": "'Bench Academy ' || lpad(g::text, 2, '0')",
        "slug": "'bench-' || lpad(g::text, 2, '0')", "default_locale_key": "'en'",
        "description": "'A generated org for the benchmark.'",
    }, f"FROM generate_series(1, {BENCH_ORGS}) g")
    conn.execute(sa.text(f"INSERT INTO bench_org SELECT g, {bench_id(ORG_KEY, 'g')}, "
                         f"'bench-' || lpad(g::text, 2, '0') FROM generate_series(1, {BENCH_ORGS}) g"))
    insert_select(conn, OrgLocale, {"org_id": "o.id", "locale_key": "l.key", "is_default": "l.key = 'en'"},
                  "FROM bench_org o CROSS JOIN (VALUES ('en'), ('de')) l(key) WHERE o.n > 0")
    markets = "(VALUES ('us', 'United States', 'USD', 'en'), ('eu', 'Europe', 'EUR', 'de')) m(slug, name, cur, loc)"
    insert_select(conn, OrgMarket, {
        "id": bench_id("'market'", "o.n", "m.slug"), "slug": "m.slug", "name": "m.name",
        "type": "'multi_region'", "currency_code": "m.cur", "default_locale_key": "m.loc", "org_id": "o.id",
    }, f"FROM bench_org o CROSS JOIN {markets} WHERE o.n > 0")
    insert_select(conn, OrgMarketLocale, {
        "market_id": bench_id("'market'", "o.n", "m.slug"), "locale_key": "l.key", "org_id": "o.id",
        "sort_order": "CASE WHEN l.key = m.loc THEN 0 ELSE 1 END",
    }, f"FROM bench_org o CROSS JOIN {markets} CROSS JOIN (VALUES ('en'), ('de')) l(key) WHERE o.n > 0")
    insert_select(conn, OrgMarketCountry, {
        "market_id": bench_id("'market'", "o.n", "c.market"), "country_code": "c.code", "org_id": "o.id",
    }, "FROM bench_org o CROSS JOIN (VALUES ('us', 'US'), ('us', 'CA'), ('eu', 'DE'), ('eu', 'AT'), ('eu', 'FR')) "
       "c(market, code) WHERE o.n > 0")
    # Every market of every filled org, numbered per org, with a country to bill and its tax rate.
    conn.execute(sa.text("""
        CREATE TEMP TABLE bench_market AS
        SELECT o.n, m.id, m.currency_code AS currency, m.default_locale_key AS locale,
               row_number() OVER (PARTITION BY o.n ORDER BY m.slug) - 1 AS k,
               count(*) OVER (PARTITION BY o.n) AS markets,
               (SELECT min(c.country_code) FROM org_market_country c WHERE c.market_id = m.id) AS country
        FROM bench_org o JOIN org_market m ON m.org_id = o.id AND m.is_active
    """))
    conn.execute(sa.text("""
        ALTER TABLE bench_market ADD COLUMN rate_id varchar(32), ADD COLUMN rate numeric, ADD COLUMN rate_name text;
        UPDATE bench_market bm SET rate_id = r.id, rate = r.rate, rate_name = r.name
        FROM (SELECT DISTINCT ON (t.org_id, g.country_code) t.org_id, g.country_code, t.id, t.rate, t.name
              FROM org_tax_rate t JOIN org_region g ON g.id = t.region_id
              JOIN org_tax_category c ON c.id = t.tax_category_id
              WHERE t.type = 'percent' AND t.effective_to IS NULL AND g.subdivision_code IS NULL
              ORDER BY t.org_id, g.country_code, c.code = 'digital-services' DESC, t.rate DESC) r
        JOIN bench_org o ON o.id = r.org_id
        WHERE bm.n = o.n AND r.country_code = bm.country;
        ANALYZE bench_org; ANALYZE bench_market
    """))


def products(conn) -> None:
    """Published products with translations (en, de), the course row of courses, variants, plans
    (one-time per variant, monthly subscription per course), plan translations, and a price in
    every market of the org."""
    from app.catalog.models import (
        OrgProduct,
        OrgProductTranslation,
        OrgProductVariant,
        OrgProductVariantPaymentPlan,
        OrgProductVariantPaymentPlanMarketPrice,
        OrgProductVariantPaymentPlanOneTime,
        OrgProductVariantPaymentPlanSubscription,
        OrgProductVariantPaymentPlanTranslation,
    )
    from app.courses.models import OrgProductCourse

    en, de, ken, kde = (_sql_array(w) for w in (WORDS_EN, WORDS_DE, KINDS_EN, KINDS_DE))
    conn.execute(sa.text(f"""
        CREATE TEMP TABLE bench_product AS
        SELECT o.n, o.id AS org_id, i, {bench_id(PRODUCT_KEY, "o.n", "i")} AS id,
               (i % 2 = 0) AS is_course,
               ({en})[1 + i % 20] || ' ' || ({ken})[1 + (i / 20) % 8] || ' ' || i AS name_en,
               ({de})[1 + i % 20] || ' ' || ({kde})[1 + (i / 20) % 8] || ' ' || i AS name_de,
               (19 + i % 80)::numeric + 0.99 AS price
        FROM bench_org o CROSS JOIN generate_series(1, {PRODUCTS_PER_ORG}) i
    """))
    conn.execute(sa.text("ALTER TABLE bench_product ADD PRIMARY KEY (n, i); ANALYZE bench_product"))
    insert_select(conn, OrgProduct, {
        "id": "p.id", "slug": "'bench-product-' || p.i", "name": "p.name_en",
        "description": "'Everything about ' || p.name_en || ', from the first step to real projects.'",
        "type": "CASE WHEN p.is_course THEN 'course' ELSE 'digital_download' END", "status": "'published'",
        "published_at": "now() - make_interval(mins => p.i * 37)", "org_id": "p.org_id",
        "created_at": "now() - make_interval(mins => p.i * 37)",
    }, "FROM bench_product p")
    insert_select(conn, OrgProductCourse, {"product_id": "p.id", "org_id": "p.org_id",
                                           "duration_minutes": "60 + p.i % 600"},
                  "FROM bench_product p WHERE p.is_course")
    insert_select(conn, OrgProductTranslation, {
        "product_id": "p.id", "locale_key": "l.key", "org_id": "p.org_id",
        "name": "CASE l.key WHEN 'de' THEN p.name_de ELSE p.name_en END",
        "description": "CASE l.key WHEN 'de' THEN 'Alles über ' || p.name_de || '.' "
                       "ELSE 'Everything about ' || p.name_en || '.' END",
    }, "FROM bench_product p CROSS JOIN (VALUES ('en'), ('de')) l(key)")
    conn.execute(sa.text("""
        CREATE TEMP TABLE bench_variant AS
        SELECT p.n, p.i, p.org_id, p.id AS product_id, v, md5('variant-' || p.id || '-' || v) AS id, p.price, p.is_course
        FROM bench_product p CROSS JOIN generate_series(1, 2) v WHERE v = 1 OR p.i % 4 = 0
    """))
    insert_select(conn, OrgProductVariant, {
        "id": "v.id", "product_id": "v.product_id", "org_id": "v.org_id", "sort_order": "v.v",
        "name": "CASE v.v WHEN 1 THEN 'Standard' ELSE 'Premium' END", "is_default": "v.v = 1",
    }, "FROM bench_variant v")
    conn.execute(sa.text("""
        CREATE TEMP TABLE bench_plan AS
        SELECT v.n, v.i, v.org_id, v.product_id, v.id AS variant_id, v.v, k.kind,
               md5('plan-' || v.id || '-' || k.kind) AS id,
               CASE k.kind WHEN 'one_time' THEN v.price + (v.v - 1) * 20 ELSE 9.99 END AS price
        FROM bench_variant v CROSS JOIN (VALUES ('one_time'), ('subscription')) k(kind)
        WHERE k.kind = 'one_time' OR (v.is_course AND v.v = 1)
    """))
    conn.execute(sa.text("CREATE INDEX ON bench_plan (n, i, v, kind); ANALYZE bench_variant; ANALYZE bench_plan"))
    insert_select(conn, OrgProductVariantPaymentPlan, {
        "id": "p.id", "variant_id": "p.variant_id", "type": "p.kind", "org_id": "p.org_id",
        "name": "CASE p.kind WHEN 'one_time' THEN 'Lifetime access' ELSE 'Monthly' END",
        "sort_order": "CASE p.kind WHEN 'one_time' THEN 0 ELSE 1 END",
    }, "FROM bench_plan p")
    insert_select(conn, OrgProductVariantPaymentPlanOneTime, {"plan_id": "p.id"},
                  "FROM bench_plan p WHERE p.kind = 'one_time'")
    insert_select(conn, OrgProductVariantPaymentPlanSubscription, {"plan_id": "p.id", "interval": "'month'"},
                  "FROM bench_plan p WHERE p.kind = 'subscription'")
    insert_select(conn, OrgProductVariantPaymentPlanTranslation, {
        "plan_id": "p.id", "locale_key": "'de'", "org_id": "p.org_id",
        "name": "CASE p.kind WHEN 'one_time' THEN 'Lebenslanger Zugang' ELSE 'Monatlich' END",
    }, "FROM bench_plan p")
    insert_select(conn, OrgProductVariantPaymentPlanMarketPrice, {
        "plan_id": "p.id", "market_id": "m.id", "currency_code": "m.currency", "org_id": "p.org_id",
        "price": "p.price",
    }, "FROM bench_plan p JOIN bench_market m ON m.n = p.n")


def members(conn) -> None:
    """Users (password: the demo customer's, so the demo password signs them in), their profiles
    and memberships, and three published reviews per product."""
    from app.accounts.models import User, UserProfile
    from app.catalog.models import OrgProductReview
    from app.orgs.models import OrgMember

    customer = CUSTOMER.replace("'", "''")
    source = (f"FROM bench_org o CROSS JOIN generate_series(1, {MEMBERS_PER_ORG}) j "
              f"CROSS JOIN (SELECT password_hash FROM \"user\" WHERE email = '{customer}') c")
    insert_select(conn, User, {
        "id": bench_id("'user'", "o.n", "j"), "email": "'learner-' || o.n || '-' || j || '@bench.test'",
        "password_hash": "c.password_hash", "email_verified_at": "now()"}, source)
    insert_select(conn, UserProfile, {
        "id": bench_id("'profile'", "o.n", "j"), "user_id": bench_id("'user'", "o.n", "j"),
        "display_name": "'Learner ' || o.n || '-' || j"}, source)
    insert_select(conn, OrgMember, {
        "id": bench_id("'member'", "o.n", "j"), "user_profile_id": bench_id("'profile'", "o.n", "j"),
        "org_id": "o.id", "billing_country_code": "'US'"}, source)
    insert_select(conn, OrgProductReview, {
        "product_id": "p.id", "member_id": bench_id("'member'", "p.n", f"1 + (p.i * 7 + r) % {MEMBERS_PER_ORG}"),
        "rating": "3 + (p.i + r) % 3", "title": "'Review ' || r", "body": "'Clear, practical and well paced.'",
        "is_published": "true", "org_id": "p.org_id",
    }, f"FROM bench_product p CROSS JOIN generate_series(1, {REVIEWS_PER_PRODUCT}) r")


def courses(conn) -> None:
    """A course tree for the first courses of each org (1 module, 1 section, lessons placed in it),
    and lesson progress rows of the org's members over those placements."""
    from app.courses.models import (
        OrgLesson,
        OrgProductCourseModule,
        OrgProductCourseModuleSection,
        OrgProductCourseModuleSectionLesson,
    )
    from app.learn.models import OrgMemberLessonProgress

    first = f"FROM bench_product p WHERE p.is_course AND p.i <= {2 * COURSES_WITH_LESSONS}"
    insert_select(conn, OrgProductCourseModule, {
        "id": "md5('module-' || p.id)", "course_product_id": "p.id", "title": "'Getting started'",
        "org_id": "p.org_id", "sort_order": "0",
    }, first)
    insert_select(conn, OrgProductCourseModuleSection, {
        "id": "md5('section-' || p.id)", "module_id": "md5('module-' || p.id)", "title": "'The basics'",
        "org_id": "p.org_id", "sort_order": "0",
    }, first)
    lessons = first.replace("FROM bench_product p", f"FROM bench_product p CROSS JOIN generate_series(1, "
                                                     f"{LESSONS_PER_COURSE}) l")
    insert_select(conn, OrgLesson, {
        "id": "md5('lesson-' || p.id || '-' || l)", "title": "'Lesson ' || l || ' of ' || p.name_en",
        "content": "'A page of text for lesson ' || l || '.'", "org_id": "p.org_id", "duration_minutes": "10",
    }, lessons)
    insert_select(conn, OrgProductCourseModuleSectionLesson, {
        "id": "md5('placement-' || p.id || '-' || l)", "section_id": "md5('section-' || p.id)",
        "lesson_id": "md5('lesson-' || p.id || '-' || l)", "sort_order": "l", "is_free_preview": "l = 1",
        "org_id": "p.org_id",
    }, lessons)
    placements = COURSES_WITH_LESSONS * LESSONS_PER_COURSE
    product = bench_id(PRODUCT_KEY, "o.n", f"2 + 2 * ((k % {placements}) / {LESSONS_PER_COURSE})")
    lesson = f"{product} || '-' || (1 + k % {LESSONS_PER_COURSE})"
    orgs_total = conn.execute(sa.text("SELECT count(*) FROM bench_org")).scalar()
    per_org = -(-PROGRESS_ROWS // orgs_total)
    insert_select(conn, OrgMemberLessonProgress, {
        "member_id": bench_id("'member'", "o.n", f"1 + k / {placements}"),
        "placement_id": f"md5('placement-' || {lesson})", "lesson_id": f"md5('lesson-' || {lesson})",
        "status": "CASE WHEN k % 3 = 0 THEN 'started' ELSE 'completed' END",
        "completed_at": "CASE WHEN k % 3 = 0 THEN NULL ELSE now() - make_interval(hours => k % 5000) END",
        "last_viewed_at": "now() - make_interval(hours => k % 5000)", "position_seconds": "k % 600",
        "org_id": "o.id",
    }, f"FROM bench_org o CROSS JOIN generate_series(0, {per_org - 1}) k "
       f"WHERE k < {placements * MEMBERS_PER_ORG} AND (o.n * {per_org} + k) < {PROGRESS_ROWS}")


def orders(conn) -> None:
    """Paid orders (60,000 in Acme with two items, 2,000 per bench org with one) over the last
    year, in every market of the org, billed to the market's first country with its tax rate;
    their items, payments and tax snapshots. One in 50 is refunded in full. 500 of Acme's orders
    are the demo customer's."""
    from app.orders.models import OrgMemberOrder, OrgMemberOrderItem, OrgMemberOrderPayment
    from app.tax.models import OrgTaxRateSnapshot

    customer = conn.execute(sa.text(
        "SELECT m.id FROM org_member m JOIN user_profile p ON p.id = m.user_profile_id "
        "JOIN \"user\" u ON u.id = p.user_id JOIN bench_org o ON o.id = m.org_id AND o.n = 0 WHERE u.email = :e"),
        {"e": CUSTOMER}).scalar()
    every = ACME_ORDERS // CUSTOMER_ORDERS
    # One row per order line: which order, product, plan and market; its amounts.
    conn.execute(sa.text(f"""
        CREATE TEMP TABLE bench_line AS
        WITH o AS (
            SELECT b.n, b.id AS org_id, k, CASE WHEN b.n = 0 THEN 2 ELSE 1 END AS lines
            FROM bench_org b CROSS JOIN LATERAL generate_series(1, CASE WHEN b.n = 0 THEN {ACME_ORDERS}
                                                                        ELSE {BENCH_ORG_ORDERS} END) k
        ), l AS (
            SELECT o.n, o.org_id, o.k, l, {bench_id("'order'", "o.n", "o.k")} AS order_id,
                   1 + (o.k * 7 + l * 13) % {PRODUCTS_PER_ORG} AS i,
                   now() - make_interval(mins => (o.k * 5) % 525600) AS paid_at,
                   (o.k % {REFUNDED_EVERY} = 0) AS refunded,
                   CASE WHEN o.n = 0 AND o.k % {every} = 0 THEN :customer
                        ELSE {bench_id("'member'", "o.n", f"1 + o.k % {MEMBERS_PER_ORG}")} END AS member_id,
                   o.k % (SELECT max(markets) FROM bench_market m WHERE m.n = o.n) AS market_k
            FROM o CROSS JOIN LATERAL generate_series(1, o.lines) l
        )
        SELECT l.*, md5('item-' || l.order_id || '-' || l.l) AS id,
               m.id AS market_id, m.currency, m.country, m.locale, m.rate_id, coalesce(m.rate, 0) AS rate,
               m.rate_name, p.id AS product_id, p.name_en AS name, pl.variant_id, pl.id AS plan_id, pl.price,
               round(pl.price * coalesce(m.rate, 0), 2) AS tax,
               round((pl.price + round(pl.price * coalesce(m.rate, 0), 2)) * {PLATFORM_FEE}, 2) AS platform
        FROM l
        JOIN bench_market m ON m.n = l.n AND m.k = l.market_k
        JOIN bench_product p ON p.n = l.n AND p.i = l.i
        JOIN bench_plan pl ON pl.n = l.n AND pl.i = l.i AND pl.v = 1 AND pl.kind = 'one_time'
    """), {"customer": customer})
    conn.execute(sa.text("CREATE INDEX ON bench_line (order_id); CREATE INDEX ON bench_line (n, i); ANALYZE bench_line"))
    insert_select(conn, OrgMemberOrder, {
        "id": "b.order_id", "member_id": "min(b.member_id)", "market_id": "min(b.market_id)",
        "order_number": "'B' || b.n || '-' || b.k", "currency_code": "min(b.currency)",
        "status": "CASE WHEN bool_or(b.refunded) THEN 'refunded' ELSE 'paid' END",
        "subtotal_amount": "sum(b.price)", "tax_amount": "sum(b.tax)", "total_amount": "sum(b.price + b.tax)",
        "amount_due": "0", "refunded_amount": "CASE WHEN bool_or(b.refunded) THEN sum(b.price + b.tax) ELSE 0 END",
        "billing_country_code": "min(b.country)", "billing_name": "'Learner ' || b.n || '-' || b.k",
        "billing_email": "'buyer-' || b.n || '-' || b.k || '@bench.test'", "locale_key": "min(b.locale)",
        "payment_provider": "'manual'", "paid_at": "min(b.paid_at)",
        "refunded_at": "CASE WHEN bool_or(b.refunded) THEN min(b.paid_at) + interval '1 day' END",
        "org_id": "b.org_id", "created_at": "min(b.paid_at)", "updated_at": "min(b.paid_at)",
    }, "FROM bench_line b GROUP BY b.order_id, b.n, b.k, b.org_id")
    insert_select(conn, OrgMemberOrderItem, {
        "id": "b.id", "order_id": "b.order_id", "product_id": "b.product_id", "variant_id": "b.variant_id",
        "payment_plan_id": "b.plan_id", "product_name": "b.name", "plan_name": "'Lifetime access'",
        "plan_type": "'one_time'", "unit_price": "b.price", "subtotal_amount": "b.price", "tax_amount": "b.tax",
        "line_total": "b.price + b.tax", "platform_fee": "b.platform", "tax_rate_percent": "b.rate * 100",
        "refunded_amount": "CASE WHEN b.refunded THEN b.price + b.tax ELSE 0 END",
        "status": "CASE WHEN b.refunded THEN 'refunded' ELSE 'active' END", "fulfilment_status": "'fulfilled'",
        "org_id": "b.org_id", "created_at": "b.paid_at", "updated_at": "b.paid_at",
    }, "FROM bench_line b")
    insert_select(conn, OrgMemberOrderPayment, {
        "order_id": "b.order_id", "provider": "'manual'", "provider_reference": "'bench-' || b.order_id",
        "amount": "sum(b.price + b.tax)", "currency_code": "min(b.currency)", "status": "'succeeded'",
        "org_id": "b.org_id", "created_at": "min(b.paid_at)", "updated_at": "min(b.paid_at)",
    }, "FROM bench_line b GROUP BY b.order_id, b.org_id")
    insert_select(conn, OrgTaxRateSnapshot, {
        "original_tax_rate_id": "b.rate_id", "order_id": "b.order_id", "order_item_id": "b.id", "org_id": "b.org_id",
        "snapshot_data": "json_build_object('name', coalesce(b.rate_name, 'No tax'), 'type', 'percent', "
                         "'rate', b.rate::text, 'country', b.country, 'category', 'digital-services')",
        "created_at": "b.paid_at",
        # What the org tax report reads of a snapshot (app/tax/models.py), as place_order and mark_paid write it.
        "paid_at": "b.paid_at", "billing_country_code": "b.country", "currency_code": "b.currency",
        "tax_rate_percent": "b.rate * 100", "taxable_amount": "b.price", "tax_amount": "b.tax",
    }, "FROM bench_line b")


def revenue(conn) -> None:
    """Acme's products credited to the demo creators (creator@acme.test 70% of every product,
    creator2@acme.test 30% of every other one), their pools, and one revenue row per attribution
    and Acme item: gross − tax − 5% platform fee = net, split by share; refunded orders add a
    negative refund row per sale row; the employees' running totals of those rows."""
    from app.catalog.models import OrgEmployeeProductAttribution, OrgProductRevenuePool
    from app.revenue.models import OrgEmployeeProductAttributionRevenue, OrgEmployeeRevenueTotal

    employees = dict(conn.execute(sa.text(
        "SELECT u.email, e.id FROM org_employee e JOIN org_member m ON m.id = e.member_id "
        "JOIN user_profile p ON p.id = m.user_profile_id JOIN \"user\" u ON u.id = p.user_id "
        "JOIN bench_org o ON o.id = e.org_id AND o.n = 0 WHERE u.email IN (:a, :b)"),
        {"a": CREATOR, "b": COLLABORATOR}).tuples().all())
    conn.execute(sa.text("""
        CREATE TEMP TABLE bench_share AS
        SELECT p.n, p.i, p.id AS product_id, p.org_id, s.employee_id, s.kind, s.pct,
               md5('attribution-' || p.id || '-' || s.employee_id) AS id
        FROM bench_product p CROSS JOIN (VALUES (:creator, 'creator', 70), (:collaborator, 'collaborator', 30)) s(employee_id, kind, pct)
        WHERE p.n = 0 AND (s.kind = 'creator' OR p.i % 2 = 0)
    """), {"creator": employees[CREATOR], "collaborator": employees[COLLABORATOR]})
    conn.execute(sa.text("ANALYZE bench_share"))
    insert_select(conn, OrgEmployeeProductAttribution, {
        "id": "s.id", "employee_id": "s.employee_id", "product_id": "s.product_id", "org_id": "s.org_id",
        "revenue_share_percentage": "s.pct", "attribution_type": "s.kind",
        "effective_from": "now() - interval '400 days'",
    }, "FROM bench_share s")
    insert_select(conn, OrgProductRevenuePool, {
        "product_id": "s.product_id", "org_id": "s.org_id", "total_allocation_percentage": "sum(s.pct)",
        "last_allocation_at": "now() - interval '400 days'",
    }, "FROM bench_share s GROUP BY s.product_id, s.org_id")
    sale = {
        "attribution_id": "s.id", "employee_id": "s.employee_id", "order_item_id": "b.id", "market_id": "b.market_id",
        "currency_code": "b.currency", "gross_revenue": "b.price + b.tax", "platform_fee": "b.platform",
        "processing_fee": "0", "tax_amount": "b.tax", "net_revenue": "b.price - b.platform",
        "attributed_revenue": "round((b.price - b.platform) * s.pct / 100, 2)", "kind": "'sale'",
        "calculated_at": "b.paid_at", "org_id": "b.org_id", "created_at": "b.paid_at", "updated_at": "b.paid_at",
    }
    source = "FROM bench_line b JOIN bench_share s ON s.n = b.n AND s.i = b.i"
    insert_select(conn, OrgEmployeeProductAttributionRevenue, sale, source)
    refund = {key: (f"-({value})" if key in ("gross_revenue", "platform_fee", "tax_amount", "net_revenue",
                                                 "attributed_revenue") else value) for key, value in sale.items()}
    refund.update(kind="'refund'", calculated_at="b.paid_at + interval '1 day'",
                  created_at="b.paid_at + interval '1 day'", updated_at="b.paid_at + interval '1 day'")
    insert_select(conn, OrgEmployeeProductAttributionRevenue, refund, source + " WHERE b.refunded")
    # the running totals app/revenue/posting.py keeps with the rows
    insert_select(conn, OrgEmployeeRevenueTotal, {
        "id": "min(r.id)", "org_id": "min(r.org_id)", "employee_id": "r.employee_id",
        "attribution_id": "r.attribution_id", "market_id": "r.market_id", "currency_code": "r.currency_code",
        "earned": "sum(r.attributed_revenue)",
        "refunded": "sum(CASE WHEN r.kind = 'refund' THEN r.attributed_revenue ELSE 0 END)",
        "sales": "count(*) FILTER (WHERE r.kind = 'sale')", "lines": "count(*)",
    }, "FROM org_employee_product_attribution_revenue r JOIN bench_share s ON s.id = r.attribution_id "
       "GROUP BY r.employee_id, r.attribution_id, r.market_id, r.currency_code")


def ledger(conn) -> None:
    """The journal entry of each Acme sale (and refund) as app/revenue/posting.py books it — cash,
    tax payable, sales, platform fee, creator compensation and each creator's payable — with the
    accounts of the chart created when missing and every balance moved by its lines."""
    from app.accounting.ledger import CHART
    from app.accounting.models import Account, AccountJournalEntry, AccountJournalLine

    chart = ", ".join(f"('{key}', '{k.code}', '{k.name}', '{k.type}', '{k.normal_balance}', {str(k.per_employee).lower()})"
                      for key, k in CHART.items())
    conn.execute(sa.text(f"CREATE TEMP TABLE bench_chart (kind text, code text, name text, type text, "
                         f"normal text, per_employee bool); INSERT INTO bench_chart VALUES {chart}"))
    insert_select(conn, Account, {
        "code": "c.code", "name": "c.name", "type": "c.type", "normal_balance": "c.normal",
        "currency_code": "cur.currency", "org_id": "o.id", "is_system": "true", "employee_id": "e.employee_id",
    }, "FROM bench_org o JOIN (SELECT DISTINCT n, currency FROM bench_line) cur ON cur.n = o.n "
       "JOIN bench_chart c ON true "
       "LEFT JOIN (SELECT DISTINCT employee_id FROM bench_share) e ON c.per_employee "
       "WHERE o.n = 0 AND (NOT c.per_employee OR e.employee_id IS NOT NULL) AND NOT EXISTS ("
       "  SELECT 1 FROM account a WHERE a.org_id = o.id AND a.code = c.code AND a.currency_code = cur.currency"
       "  AND a.employee_id IS NOT DISTINCT FROM e.employee_id)")
    # Per order (sale) and per refunded order (refund): the signed amount of each account (+ debit).
    conn.execute(sa.text("""
        CREATE TEMP TABLE bench_move AS
        WITH ord AS (
            SELECT b.order_id, b.org_id, b.currency, min(b.paid_at) AS at, bool_or(b.refunded) AS refunded,
                   sum(b.price + b.tax) AS total, sum(b.tax) AS tax, sum(b.platform) AS platform
            FROM bench_line b WHERE b.n = 0 GROUP BY b.order_id, b.org_id, b.currency
        ), cre AS (
            SELECT b.order_id, r.employee_id, sum(r.attributed_revenue) AS amount
            FROM bench_line b JOIN org_employee_product_attribution_revenue r ON r.order_item_id = b.id AND r.kind = 'sale'
            WHERE b.n = 0 GROUP BY b.order_id, r.employee_id
        ), paid AS (
            SELECT order_id, sum(amount) AS amount FROM cre GROUP BY order_id
        ), sale AS (
            SELECT ord.order_id, 'sale' AS source, ord.at, ord.org_id, ord.currency, x.kind, x.employee_id, x.amount
            FROM ord LEFT JOIN paid ON paid.order_id = ord.order_id CROSS JOIN LATERAL (VALUES
                ('cash', NULL, ord.total), ('tax_payable', NULL, -ord.tax), ('sales', NULL, -(ord.total - ord.tax)),
                ('platform_fees', NULL, ord.platform), ('cash', NULL, -ord.platform),
                ('creator_compensation', NULL, coalesce(paid.amount, 0))
            ) x(kind, employee_id, amount)
            UNION ALL
            SELECT cre.order_id, 'sale', ord.at, ord.org_id, ord.currency, 'creator_payable', cre.employee_id, -cre.amount
            FROM cre JOIN ord ON ord.order_id = cre.order_id
        )
        SELECT * FROM sale
        UNION ALL
        SELECT s.order_id, 'refund', s.at + interval '1 day', s.org_id, s.currency,
               CASE s.kind WHEN 'sales' THEN 'refunds' ELSE s.kind END, s.employee_id, -s.amount
        FROM sale s JOIN ord ON ord.order_id = s.order_id WHERE ord.refunded;
        ANALYZE bench_move
    """))
    insert_select(conn, AccountJournalEntry, {
        "id": "md5('entry-' || m.source || '-' || m.order_id)", "currency_code": "min(m.currency)",
        "occurred_at": "min(m.at)", "memo": "initcap(m.source) || ' B0-' || m.order_id",
        "source_type": "CASE m.source WHEN 'sale' THEN 'order' ELSE 'order_refund' END", "source_id": "m.order_id",
        "org_id": "min(m.org_id)", "created_at": "min(m.at)",
    }, "FROM bench_move m GROUP BY m.source, m.order_id")
    insert_select(conn, AccountJournalLine, {
        "entry_id": "md5('entry-' || m.source || '-' || m.order_id)", "account_id": "a.id",
        "debit": "greatest(m.amount, 0)", "credit": "greatest(-m.amount, 0)", "org_id": "m.org_id",
        "created_at": "m.at",
    }, "FROM bench_move m JOIN bench_chart c ON c.kind = m.kind JOIN account a ON a.org_id = m.org_id "
       "AND a.code = c.code AND a.currency_code = m.currency AND a.employee_id IS NOT DISTINCT FROM m.employee_id "
       "WHERE m.amount <> 0")
    conn.execute(sa.text("""
        UPDATE account a SET current_balance = a.current_balance
            + CASE a.normal_balance WHEN 'debit' THEN d.moved ELSE -d.moved END
        FROM (SELECT l.account_id, sum(l.debit - l.credit) AS moved FROM account_journal_line l
              JOIN account_journal_entry e ON e.id = l.entry_id WHERE e.source_id IN (SELECT order_id FROM bench_line)
              GROUP BY l.account_id) d
        WHERE a.id = d.account_id
    """))


FAMILIES = [orgs, products, members, courses, orders, revenue, ledger]

# The tables Acme's reports and the creator's earnings read, counted at the end.
REPORT_TABLES = ["org_member_order", "org_member_order_item", "org_tax_rate_snapshot",
                 "org_employee_product_attribution_revenue", "account_journal_entry", "account_journal_line",
                 "org_member_order_payment"]


def generate(url: str) -> int:
    from app import models  # noqa: F401  (every table registered)

    engine = sa.create_engine(url)
    if engine.dialect.name != "postgresql":
        print("bench_dataset: PostgreSQL only (DATABASE_URL)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with engine.connect() as conn:
        if conn.execute(sa.text("SELECT 1 FROM org WHERE slug = 'bench-01'")).first():
            print("bench_dataset: this database already holds the dataset", file=sys.stderr)
            return 1
        if not conn.execute(sa.text("SELECT 1 FROM org WHERE slug = :s"), {"s": DEMO_ORG}).first():
            print("bench_dataset: the demo is missing (run `flask seed demo` first)", file=sys.stderr)
            return 1
        # Foreign keys are not checked row by row during the load (as pg_restore --disable-triggers
        # does): the ids come from the same formulas; the pages the bench renders read them back.
        conn.execute(sa.text("SET session_replication_role = replica"))
        for family in FAMILIES:
            at = time.perf_counter()
            family(conn)
            conn.commit()
            inserts = ", ".join(f"{name} {rows} in {seconds:.1f}s" for name, rows, seconds in TIMINGS)
            TIMINGS.clear()
            print(f"bench_dataset: {family.__name__:<9} {time.perf_counter() - at:6.1f}s ({inserts})", file=sys.stderr)
        conn.execute(sa.text("SET session_replication_role = DEFAULT"))
        conn.commit()
        # What autovacuum does after a bulk load: statistics for the planner, and the visibility
        # map that lets index-only scans skip the table (VACUUM runs outside a transaction).
        at = time.perf_counter()
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM ANALYZE"))
        print(f"bench_dataset: vacuum    {time.perf_counter() - at:6.1f}s", file=sys.stderr)
        counts = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar() for t in
                  ["org", "org_product", "org_member_order", "org_member_lesson_progress"]}
        acme_rows = sum(conn.execute(sa.text(f'SELECT count(*) FROM "{t}" WHERE org_id = '
                                             "(SELECT id FROM org WHERE slug = :s)"), {"s": DEMO_ORG}).scalar()
                        for t in REPORT_TABLES)
        creator_rows = conn.execute(sa.text(
            "SELECT count(*) FROM org_employee_product_attribution_revenue r JOIN org_employee e ON e.id = r.employee_id "
            "JOIN org_member m ON m.id = e.member_id JOIN user_profile p ON p.id = m.user_profile_id "
            "JOIN \"user\" u ON u.id = p.user_id WHERE u.email = :e"), {"e": CREATOR}).scalar()
    print(f"bench_dataset: {time.perf_counter() - started:.1f}s: {counts['org']} orgs, {counts['org_product']} "
          f"products, {counts['org_member_order']} orders, {counts['org_member_lesson_progress']} lesson progress "
          f"rows; {CREATOR}: {creator_rows} revenue rows; {DEMO_ORG}'s report tables: {acme_rows} rows",
          file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("DATABASE_URL is not set")
    from app.config import _database_url

    os.environ["DATABASE_URL"] = args.database_url
    return generate(_database_url())


if __name__ == "__main__":
    sys.exit(main())
