"""A brand's tagline; an email's sender display name.

org_brand: ``tagline`` (the short line a market's storefront shows under its brand).
email_outbox: ``from_name`` (the sender's display name, e.g. the brand of the market an order was
placed in; None: MAIL_FROM's name).

Revision ID: 0008_i
Revises: 0008_h
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_i"
down_revision = "0008_h"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_brand", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tagline", sa.String(length=120), nullable=True))

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("from_name", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_column("from_name")

    with op.batch_alter_table("org_brand", schema=None) as batch_op:
        batch_op.drop_column("tagline")
