"""Type-specific product details of the catalog dashboard.

org_product: ``booking_note`` (a service: how a booking works), ``weight_grams`` and
``shipping_note`` (a physical item).

Revision ID: 0008_a
Revises: 0008_revenue
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_a"
down_revision = "0008_revenue"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("booking_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("weight_grams", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("shipping_note", sa.Text(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_org_prod_weight_min"), "weight_grams >= 0")


def downgrade():
    with op.batch_alter_table("org_product", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_org_prod_weight_min"), type_="check")
        batch_op.drop_column("shipping_note")
        batch_op.drop_column("weight_grams")
        batch_op.drop_column("booking_note")
