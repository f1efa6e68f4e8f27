"""Order items record what their payment cost: ``platform_fee`` and ``processing_fee`` (set when
the order is paid, see app/revenue/posting.py).

Revision ID: 0008_revenue
Revises: 0007
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_revenue"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_fee", sa.Numeric(12, 4), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("processing_fee", sa.Numeric(12, 4), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.drop_column("processing_fee")
        batch_op.drop_column("platform_fee")
