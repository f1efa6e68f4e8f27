"""Outbox retries and org; order item fulfilment details.

email_outbox: ``attempts`` and ``next_attempt_at`` (a failed send is retried with back-off, see
app/platform/email.py), ``org_id`` (the org an email is about; its admins see it on the dashboard).
org_member_order_item: ``fulfilled_at`` and ``fulfilment_note`` (shipped with a tracking note, a
service booking done).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("org_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_email_obx_org_id_cr_at"), ["org_id", "created_at"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_email_obx_org_id_org"), "org", ["org_id"], ["id"],
                                    ondelete="SET NULL")
        batch_op.create_check_constraint(batch_op.f("ck_email_obx_attempts_nonneg"), "attempts >= 0")

    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("fulfilment_note", sa.String(length=500), nullable=True))


def downgrade():
    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.drop_column("fulfilment_note")
        batch_op.drop_column("fulfilled_at")

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_email_obx_attempts_nonneg"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_email_obx_org_id_org"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_email_obx_org_id_cr_at"))
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("org_id")
