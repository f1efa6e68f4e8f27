"""The catalog's SQL at scale (issue 15): PostgreSQL learns that a market belongs to one org.

``st_org_prod_mkt_prc_summary_org_id_mkt_id`` (functional dependencies of ``org_id`` and
``market_id`` in the price summary): without it the planner multiplies the two filters'
selectivities and expects 36 of a market's 508 rows, and joins the org's products to them one
index probe at a time instead of hashing them. Nothing on SQLite.

Revision ID: 0010_catsql
Revises: 0009_shipnote
Create Date: 2026-12-02

"""
from alembic import op

revision = "0010_catsql"
down_revision = "0010_dashsql"
branch_labels = None
depends_on = None

STATISTICS = "st_org_prod_mkt_prc_summary_org_id_mkt_id"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"CREATE STATISTICS {STATISTICS} (dependencies) ON org_id, market_id "
                   "FROM org_product_market_price_summary")
        op.execute("ANALYZE org_product_market_price_summary")


def downgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
