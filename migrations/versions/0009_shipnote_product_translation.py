"""A physical product's shipping note in each language.

org_product_translation: ``shipping_note`` (the translation of ``org_product.shipping_note``;
empty: the storefront shows the base note).

Revision ID: 0009_shipnote
Revises: 0008_t
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0009_shipnote"
down_revision = "0008_t"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_product_translation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("org_product_translation", schema=None) as batch_op:
        batch_op.drop_column("shipping_note")
