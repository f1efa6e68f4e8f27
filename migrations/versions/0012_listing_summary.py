"""The catalog listing from the price summary alone (issue 15).

``org_product_market_price_summary`` gains copies of the product's ``status`` and ``type`` and
``listed_at`` (the "newest" sort's key: published_at, else created_at), kept by
app.catalog.listing with the price, and an index on (org, market, status, listed_at, product) with,
on PostgreSQL, the price and type included (and the copies included in the price index, for a
price range or sort): a catalog page and its count are index-only scans of
the market's published rows instead of a hash join of all the org's products with the market's
prices, a sort of all of them and a second pass for the count. Existing rows are filled from
their products here.

Revision ID: 0012_listsum
Revises: 0011_catlist
Create Date: 2026-12-03

"""
import sqlalchemy as sa
from alembic import op

revision = "0012_listsum"
down_revision = "0011_catlist"
branch_labels = None
depends_on = None

TABLE = "org_product_market_price_summary"
INDEX = "ix_org_prod_mkt_prc_summary_org_id_mkt_id_st_listed_at_prod_id"
PRICE_INDEX = "ix_org_prod_mkt_prc_summary_org_id_mkt_id_fr_prc"
COLUMNS = ("status", "type", "listed_at")


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=9), nullable=True))
        batch_op.add_column(sa.Column("type", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("listed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        f"UPDATE {TABLE} SET status = (SELECT p.status FROM org_product p WHERE p.id = {TABLE}.product_id), "  # noqa: S608
        f"type = (SELECT p.type FROM org_product p WHERE p.id = {TABLE}.product_id), "
        f"listed_at = (SELECT coalesce(p.published_at, p.created_at) FROM org_product p "
        f"WHERE p.id = {TABLE}.product_id)")
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.alter_column(name, nullable=False)
        batch_op.create_index(INDEX, ["org_id", "market_id", "status", "listed_at", "product_id"], unique=False,
                              postgresql_include=["from_price", "type"])
        # a price range or sort: the copies from the price index too
        batch_op.drop_index(PRICE_INDEX)
        batch_op.create_index(PRICE_INDEX, ["org_id", "market_id", "from_price"], unique=False,
                              postgresql_include=["product_id", *COLUMNS])
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"ANALYZE {TABLE}")


def downgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_index(PRICE_INDEX)
        batch_op.create_index(PRICE_INDEX, ["org_id", "market_id", "from_price"], unique=False,
                              postgresql_include=["product_id"])
        batch_op.drop_index(INDEX)
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
