"""The schema: every DESIGN.md table exists, names follow the convention, migrations match the models."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import app.models  # noqa: F401  (register every table)
from app import create_app
from app.catalog.models import is_schema_object
from app.config import TestConfig
from app.extensions import db

# DESIGN.md §4, table by table.
DESIGN_TABLES = """
locale currency country seo_metadata seo_metadata_open_graph skill email_outbox
user user_profile user_job_profile user_job_profile_skill user_locale
org org_locale org_region org_brand org_market org_market_country org_market_locale org_market_domain
org_member org_employee org_member_invitation org_employee_invitation org_audit_log
org_product org_product_translation org_product_variant org_product_variant_payment_plan
org_product_variant_payment_plan_one_time org_product_variant_payment_plan_subscription
org_product_variant_payment_plan_usage_based org_product_variant_payment_plan_market_price
org_product_collection org_product_collection_product org_discount org_product_review
org_product_course org_product_course_module org_product_course_module_section
org_product_course_module_section_lesson org_lesson org_lesson_quiz_question org_product_course_skill
org_product_course_rating
org_member_cart org_member_cart_item org_member_order org_member_order_item org_member_order_payment
org_member_order_refund payment_event org_member_product_access org_member_subscription
org_member_usage_record
org_member_lesson_progress org_member_quiz_attempt org_member_assignment_submission
org_member_course_certificate
org_gift_card org_member_gift_card_usage
org_tax_category org_tax_rate org_tax_rate_snapshot
org_employee_product_attribution org_product_revenue_pool org_employee_product_attribution_revenue
org_employee_payout
account account_journal_entry account_journal_line
""".split()


def _all_named_things():
    for table in db.metadata.sorted_tables:
        for constraint in table.constraints:
            yield table.name, type(constraint).__name__, constraint.name
        for index in table.indexes:
            yield table.name, "Index", index.name


def test_every_design_table_is_modelled():
    missing = sorted(set(DESIGN_TABLES) - set(db.metadata.tables))
    assert missing == []


def test_every_constraint_and_index_is_named_within_63_characters():
    problems = [
        (table, kind, name) for table, kind, name in _all_named_things()
        if name is None or len(str(name)) > 63
    ]
    assert problems == []
    prefixes = {"PrimaryKeyConstraint": "pk_", "ForeignKeyConstraint": "fk_", "UniqueConstraint": "uq_",
                "CheckConstraint": "ck_", "Index": ("ix_", "uq_")}
    wrong = [(t, k, n) for t, k, n in _all_named_things() if not str(n).startswith(prefixes[k])]
    assert wrong == []


def test_constraint_names_are_unique_across_the_schema():
    names = [str(name) for _t, _k, name in _all_named_things()]
    duplicates = {n for n in names if names.count(n) > 1}
    assert duplicates == set()


def test_money_columns_are_numeric_12_4():
    for table_name in ("org_member_order", "org_gift_card", "org_product_variant_payment_plan_market_price"):
        table = db.metadata.tables[table_name]
        money = [c for c in table.columns if isinstance(c.type, sa.types.TypeDecorator)
                 and isinstance(c.type.impl, sa.Numeric)]
        assert money, table_name
        for column in money:
            assert (column.type.impl.precision, column.type.impl.scale) == (12, 4)


def _app_for(url: str):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def _assert_migrations_match_models(app):
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": is_schema_object})
            assert compare_metadata(context, db.metadata) == []
            tables = set(sa.inspect(conn).get_table_names())
        assert set(DESIGN_TABLES) <= tables
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as conn:
            assert set(DESIGN_TABLES) <= set(sa.inspect(conn).get_table_names())
        db.session.remove()
        db.engine.dispose()


@pytest.mark.sqlite_file
def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    _assert_migrations_match_models(_app_for(f"sqlite:///{tmp_path / 'migrate.sqlite3'}"))


@pytest.mark.postgres
def test_migrations_build_the_models_schema_on_postgresql(pg_admin_url):
    name = f"volmify_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.engine.make_url(pg_admin_url).set(database=name)
        _assert_migrations_match_models(_app_for(url.render_as_string(hide_password=False)))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
