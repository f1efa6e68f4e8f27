"""Renewal and usage invoice lines link to the subscription and period they bill.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscription_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("period_start", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_org_mbr_ord_itm_sub_id"), ["subscription_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_org_mbr_ord_itm_sub_id_org_mbr_sub"), "org_member_subscription",
                                    ["subscription_id"], ["id"], ondelete="SET NULL")
        batch_op.create_check_constraint(batch_op.f("ck_org_mbr_ord_itm_period_order"),
                                         "period_end IS NULL OR period_end > period_start")


def downgrade():
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_org_mbr_ord_itm_period_order"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_org_mbr_ord_itm_sub_id_org_mbr_sub"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_org_mbr_ord_itm_sub_id"))
        batch_op.drop_column("period_end")
        batch_op.drop_column("period_start")
        batch_op.drop_column("subscription_id")
