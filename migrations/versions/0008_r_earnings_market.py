"""Earnings at scale: each revenue row carries its order's market; running totals per employee,
attribution, market and currency; an index for the earnings by month and the lines.

- ``org_employee_product_attribution_revenue.market_id``: the order's market (existing rows get it);
- ``org_employee_revenue_total``: the rows summed per employee, attribution, market and currency
  (earned, refunded, sales, lines), kept by app/revenue/posting.py; filled here from the rows;
- ``ix_org_emp_prod_attr_rev_earnings`` (org, employee, time; covering currency, kind and amount
  on PostgreSQL).

Revision ID: 0008_r
Revises: 0008_g2
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_r"
down_revision = "0008_g2"
branch_labels = None
depends_on = None

REVENUE = "org_employee_product_attribution_revenue"
INCLUDE = ["currency_code", "kind", "attributed_revenue"]


def upgrade():
    with op.batch_alter_table(REVENUE, schema=None) as batch_op:
        batch_op.add_column(sa.Column("market_id", sa.String(length=32), nullable=True))
    op.execute(sa.text(
        "UPDATE org_employee_product_attribution_revenue SET market_id = (SELECT o.market_id "
        "FROM org_member_order_item i JOIN org_member_order o ON o.id = i.order_id "
        "WHERE i.id = org_employee_product_attribution_revenue.order_item_id)"))
    with op.batch_alter_table(REVENUE, schema=None) as batch_op:
        batch_op.alter_column("market_id", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index("ix_org_emp_prod_attr_rev_earnings", ["org_id", "employee_id", "calculated_at"],
                              unique=False, postgresql_include=INCLUDE)
        batch_op.create_foreign_key(batch_op.f("fk_org_emp_prod_attr_rev_mkt_id_org_mkt"), "org_market",
                                    ["market_id"], ["id"], ondelete="RESTRICT")

    op.create_table(
        "org_employee_revenue_total",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("employee_id", sa.String(length=32), nullable=False),
        sa.Column("attribution_id", sa.String(length=32), nullable=False),
        sa.Column("market_id", sa.String(length=32), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("earned", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("refunded", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["attribution_id"], ["org_employee_product_attribution.id"],
                                name=op.f("fk_org_emp_rev_total_attr_id_org_emp_prod_attr"), ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["currency_code"], ["currency.code"], name=op.f("fk_org_emp_rev_total_cur_code_cur")),
        sa.ForeignKeyConstraint(["employee_id"], ["org_employee.id"], name=op.f("fk_org_emp_rev_total_emp_id_org_emp"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["market_id"], ["org_market.id"], name=op.f("fk_org_emp_rev_total_mkt_id_org_mkt"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_org_emp_rev_total_org_id_org"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_emp_rev_total")),
        sa.UniqueConstraint("employee_id", "attribution_id", "market_id", "currency_code",
                            name=op.f("uq_org_emp_rev_total_emp_id_attr_id_mkt_id_cur_code")),
    )
    with op.batch_alter_table("org_employee_revenue_total", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_emp_rev_total_attr_id"), ["attribution_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_emp_rev_total_mkt_id"), ["market_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_emp_rev_total_org_id"), ["org_id"], unique=False)
    # The existing rows' totals; a group's id is its smallest row id (unique, 32 characters).
    op.execute(sa.text(
        "INSERT INTO org_employee_revenue_total (id, org_id, employee_id, attribution_id, market_id, currency_code, "
        "earned, refunded, sales, lines) "
        "SELECT min(id), min(org_id), employee_id, attribution_id, market_id, currency_code, sum(attributed_revenue), "
        "sum(CASE WHEN kind = 'refund' THEN attributed_revenue ELSE 0 END), "
        "sum(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END), count(*) "
        "FROM org_employee_product_attribution_revenue GROUP BY employee_id, attribution_id, market_id, currency_code"))


def downgrade():
    with op.batch_alter_table("org_employee_revenue_total", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_emp_rev_total_org_id"))
        batch_op.drop_index(batch_op.f("ix_org_emp_rev_total_mkt_id"))
        batch_op.drop_index(batch_op.f("ix_org_emp_rev_total_attr_id"))
    op.drop_table("org_employee_revenue_total")
    with op.batch_alter_table(REVENUE, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_org_emp_prod_attr_rev_mkt_id_org_mkt"), type_="foreignkey")
        batch_op.drop_index("ix_org_emp_prod_attr_rev_earnings", postgresql_include=INCLUDE)
        batch_op.drop_column("market_id")
