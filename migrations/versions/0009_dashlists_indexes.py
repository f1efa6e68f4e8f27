"""Dashboard lists at scale (issue 15): indexes for the orders list and the members list.

- ``ix_org_mbr_ord_org_id_cr_at`` (org, created_at): the orders list is newest first, so its
  first page reads 25 entries of the org's orders instead of sorting them all;
- ``ix_org_mbr_ord_purchases`` (member, currency; covering org, status, totals and created_at on
  PostgreSQL): the members list's purchases and last order per member and currency come from the
  index alone, not from the rows of every order of the page's members;
- ``ix_org_mbr_ord_org_id_paid_at`` (org, paid_at) now covers status, currency and totals on
  PostgreSQL: the overview's sales per day of the last 30 days read the index alone.

Revision ID: 0009_dashlists
Revises: 0008_t
Create Date: 2026-12-02

"""
from alembic import op

revision = "0009_dashlists"
down_revision = "0008_t"
branch_labels = None
depends_on = None

PURCHASES_INCLUDE = ["org_id", "status", "total_amount", "refunded_amount", "created_at"]
SALES_INCLUDE = ["status", "currency_code", "total_amount", "refunded_amount"]


def upgrade():
    with op.batch_alter_table("org_member_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_mbr_ord_org_id_cr_at"), ["org_id", "created_at"], unique=False)
        batch_op.create_index("ix_org_mbr_ord_purchases", ["member_id", "currency_code"], unique=False,
                              postgresql_include=PURCHASES_INCLUDE)
        batch_op.drop_index(batch_op.f("ix_org_mbr_ord_org_id_paid_at"))
        batch_op.create_index(batch_op.f("ix_org_mbr_ord_org_id_paid_at"), ["org_id", "paid_at"], unique=False,
                              postgresql_include=SALES_INCLUDE)


def downgrade():
    with op.batch_alter_table("org_member_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_mbr_ord_org_id_paid_at"), postgresql_include=SALES_INCLUDE)
        batch_op.create_index(batch_op.f("ix_org_mbr_ord_org_id_paid_at"), ["org_id", "paid_at"], unique=False)
        batch_op.drop_index("ix_org_mbr_ord_purchases", postgresql_include=PURCHASES_INCLUDE)
        batch_op.drop_index(batch_op.f("ix_org_mbr_ord_org_id_cr_at"))
