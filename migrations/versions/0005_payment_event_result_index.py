"""Index payment_event.result: the events waiting for their order are looked up at every payment.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payment_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pay_evt_result"), ["result"], unique=False)


def downgrade():
    with op.batch_alter_table("payment_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pay_evt_result"))
