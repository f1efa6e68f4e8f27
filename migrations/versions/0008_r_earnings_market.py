"""Earnings at scale: each revenue row carries its order's market, and one index holds what the
earnings page aggregates.

The earnings by market (app/revenue/earnings.py) no longer join 100,000 revenue rows to their
items and orders; the page's sums (totals, by month, product and market) read the index
``ix_org_emp_prod_attr_rev_earnings`` only on PostgreSQL. Existing rows get their order's market.

Revision ID: 0008_r
Revises: 0008_k
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_r"
down_revision = "0008_k"
branch_labels = None
depends_on = None

TABLE = "org_employee_product_attribution_revenue"


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("market_id", sa.String(length=32), nullable=True))
    op.execute(sa.text(
        "UPDATE org_employee_product_attribution_revenue SET market_id = (SELECT o.market_id "
        "FROM org_member_order_item i JOIN org_member_order o ON o.id = i.order_id "
        "WHERE i.id = org_employee_product_attribution_revenue.order_item_id)"))
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.alter_column("market_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index("ix_org_emp_prod_attr_rev_earnings",
                              ["org_id", "employee_id", "currency_code", "market_id", "attribution_id",
                               "calculated_at"], unique=False, postgresql_include=["kind", "attributed_revenue"])
        batch_op.create_foreign_key(batch_op.f("fk_org_emp_prod_attr_rev_mkt_id_org_mkt"), "org_market",
                                    ["market_id"], ["id"], ondelete="RESTRICT")


def downgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_org_emp_prod_attr_rev_mkt_id_org_mkt"), type_="foreignkey")
        batch_op.drop_index("ix_org_emp_prod_attr_rev_earnings", postgresql_include=["kind", "attributed_revenue"])
        batch_op.drop_column("market_id")
