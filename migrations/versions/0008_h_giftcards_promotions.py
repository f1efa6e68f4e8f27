"""Gift card batches; a per-member limit on discount codes.

org_gift_card: ``batch_id`` (the cards issued together in one request: their codes are downloaded
once, right after issuing). org_discount: ``per_member_limit`` (how many orders one member may place
with the code).

Revision ID: 0008_h
Revises: 0008_f
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_h"
down_revision = "0008_f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_gift_card", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_org_gift_card_batch_id"), ["batch_id"], unique=False)

    with op.batch_alter_table("org_discount", schema=None) as batch_op:
        batch_op.add_column(sa.Column("per_member_limit", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_org_disc_per_member_limit_min"), "per_member_limit >= 1")


def downgrade():
    with op.batch_alter_table("org_discount", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_org_disc_per_member_limit_min"), type_="check")
        batch_op.drop_column("per_member_limit")

    with op.batch_alter_table("org_gift_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_gift_card_batch_id"))
        batch_op.drop_column("batch_id")
