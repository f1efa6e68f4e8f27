"""The catalog listing from indexes alone at scale (issue 15).

``ix_org_prod_org_id_st_type`` (org, status, type; on PostgreSQL INCLUDE id, published_at,
created_at, name): the listing's matches, an org's published products (of a type) with their sort
keys, come from an index-only scan instead of the heap (acme's 506 products at scale sat on 360
heap pages). ``ix_org_prod_mkt_prc_summary_org_id_mkt_id_fr_prc`` gains INCLUDE (product_id) on
PostgreSQL so a market's "from" prices are an index-only scan too, and the summary's own
``org_id`` index goes: that index serves every lookup by org, and PostgreSQL preferred the small
deduplicated one and the heap (filtering out the org's other markets). Together the listing's
statement at scale runs in about half the time.

Revision ID: 0011_catlist
Revises: 0010_catsql
Create Date: 2026-12-03

"""
from alembic import op

revision = "0011_catlist"
down_revision = "0010_catsql"
branch_labels = None
depends_on = None

SUMMARY_INDEX = "ix_org_prod_mkt_prc_summary_org_id_mkt_id_fr_prc"


def upgrade():
    with op.batch_alter_table("org_product", schema=None) as batch_op:
        batch_op.create_index("ix_org_prod_org_id_st_type", ["org_id", "status", "type"], unique=False,
                              postgresql_include=["id", "published_at", "created_at", "name"])
    with op.batch_alter_table("org_product_market_price_summary", schema=None) as batch_op:
        batch_op.drop_index(SUMMARY_INDEX)
        batch_op.create_index(SUMMARY_INDEX, ["org_id", "market_id", "from_price"], unique=False,
                              postgresql_include=["product_id"])
        batch_op.drop_index("ix_org_prod_mkt_prc_summary_org_id")


def downgrade():
    with op.batch_alter_table("org_product_market_price_summary", schema=None) as batch_op:
        batch_op.create_index("ix_org_prod_mkt_prc_summary_org_id", ["org_id"], unique=False)
        batch_op.drop_index(SUMMARY_INDEX)
        batch_op.create_index(SUMMARY_INDEX, ["org_id", "market_id", "from_price"], unique=False)
    with op.batch_alter_table("org_product", schema=None) as batch_op:
        batch_op.drop_index("ix_org_prod_org_id_st_type")
