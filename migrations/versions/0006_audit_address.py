"""org_audit_log.ip_address: the client address of the request that made the change.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ip_address", sa.String(length=45), nullable=True))


def downgrade():
    with op.batch_alter_table("org_audit_log", schema=None) as batch_op:
        batch_op.drop_column("ip_address")
