"""The tax report reads one table: each item's tax snapshot carries what the report groups and sums.

- ``org_tax_rate_snapshot``: ``paid_at`` (its order's, once paid), ``billing_country_code`` and
  ``currency_code`` (its order's), ``tax_rate_percent``, ``taxable_amount`` (line total − tax) and
  ``tax_amount`` (its item's); existing rows get them from their item and order;
- ``ix_org_tax_rate_snap_report`` (org, paid_at; covering those columns on PostgreSQL);
- ``ix_org_mbr_ord_item_refunded``: an org's refunded items (partial; covering what the report
  reads of them on PostgreSQL);
- on PostgreSQL, statistics on the UTC month of an order's payment time
  (``st_org_mbr_ord_paid_month``), the revenue report's grouping: without them the planner takes
  every order for a group of its own and sorts them all on disk instead of hashing a few dozen.

Revision ID: 0008_t
Revises: 0008_r
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_t"
down_revision = "0008_r"
branch_labels = None
depends_on = None

SNAPSHOT = "org_tax_rate_snapshot"
REFUND_INCLUDE = ["id", "line_total", "tax_amount", "refunded_amount"]
MONTH_STATISTICS = "st_org_mbr_ord_paid_month"
INCLUDE = ["order_item_id", "original_tax_rate_id", "billing_country_code", "tax_rate_percent",
           "currency_code", "taxable_amount", "tax_amount"]


def upgrade():
    with op.batch_alter_table(SNAPSHOT, schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("billing_country_code", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("currency_code", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("tax_rate_percent", sa.Numeric(precision=7, scale=4), nullable=True))
        batch_op.add_column(sa.Column("taxable_amount", sa.Numeric(12, 4), nullable=True))
        batch_op.add_column(sa.Column("tax_amount", sa.Numeric(12, 4), nullable=True))
    # The payment time of a paid order (paid, fulfilled or refunded: what the report counted).
    op.execute(sa.text(
        "UPDATE org_tax_rate_snapshot SET paid_at = o.paid_at FROM org_member_order o "
        "WHERE o.id = org_tax_rate_snapshot.order_id AND o.status IN ('paid', 'fulfilled', 'refunded')"))
    op.execute(sa.text(
        "UPDATE org_tax_rate_snapshot SET billing_country_code = o.billing_country_code, "
        "currency_code = o.currency_code, tax_rate_percent = i.tax_rate_percent, "
        "taxable_amount = i.line_total - i.tax_amount, tax_amount = i.tax_amount "
        "FROM org_member_order_item i JOIN org_member_order o ON o.id = i.order_id "
        "WHERE i.id = org_tax_rate_snapshot.order_item_id"))
    with op.batch_alter_table(SNAPSHOT, schema=None) as batch_op:
        batch_op.create_index("ix_org_tax_rate_snap_report", ["org_id", "paid_at"], unique=False,
                              postgresql_include=INCLUDE)
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.create_index("ix_org_mbr_ord_item_refunded", ["org_id"], unique=False,
                              postgresql_include=REFUND_INCLUDE, postgresql_where=sa.text("refunded_amount > 0"),
                              sqlite_where=sa.text("refunded_amount > 0"))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (14,):
        # The exact expression app/revenue/reports.py groups by (_month_key).
        op.execute(sa.text(f"CREATE STATISTICS {MONTH_STATISTICS} "
                           "ON (date_trunc('month', timezone('UTC', paid_at))) FROM org_member_order"))
        op.execute(sa.text("ANALYZE org_member_order"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP STATISTICS IF EXISTS {MONTH_STATISTICS}"))
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.drop_index("ix_org_mbr_ord_item_refunded", postgresql_include=REFUND_INCLUDE,
                            postgresql_where=sa.text("refunded_amount > 0"), sqlite_where=sa.text("refunded_amount > 0"))
    with op.batch_alter_table(SNAPSHOT, schema=None) as batch_op:
        batch_op.drop_index("ix_org_tax_rate_snap_report", postgresql_include=INCLUDE)
        batch_op.drop_column("tax_amount")
        batch_op.drop_column("taxable_amount")
        batch_op.drop_column("tax_rate_percent")
        batch_op.drop_column("currency_code")
        batch_op.drop_column("billing_country_code")
        batch_op.drop_column("paid_at")
