"""An index for the org reports' period: orders by org and payment time.

The reports (app/revenue/reports.py) read an org's orders paid in a period; with 100,000 orders
across orgs on PostgreSQL they no longer scan every order of the org's other statuses and years.

Revision ID: 0008_k
Revises: 0008_i
Create Date: 2026-12-02

"""
from alembic import op

revision = "0008_k"
down_revision = "0008_i"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_member_order", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_mbr_ord_org_id_paid_at"), ["org_id", "paid_at"], unique=False)


def downgrade():
    with op.batch_alter_table("org_member_order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_mbr_ord_org_id_paid_at"))
