"""Order items record what their payment cost: ``platform_fee`` and ``processing_fee`` (set when
the order is paid, see app/revenue/posting.py). Payouts record their ``method``, who recorded them
and when they were reversed (app/revenue/payouts.py). An employment may be hidden from its job
profile's public page (``org_employee.show_on_profile``).

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

    with op.batch_alter_table("org_employee_payout", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_employee_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_org_emp_pout_recorded_by_emp_id_org_emp"), "org_employee",
                                    ["recorded_by_employee_id"], ["id"], ondelete="SET NULL")

    with op.batch_alter_table("org_employee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("show_on_profile", sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table("org_employee", schema=None) as batch_op:
        batch_op.drop_column("show_on_profile")

    with op.batch_alter_table("org_employee_payout", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_org_emp_pout_recorded_by_emp_id_org_emp"), type_="foreignkey")
        batch_op.drop_column("reversed_at")
        batch_op.drop_column("recorded_by_employee_id")
        batch_op.drop_column("method")

    with op.batch_alter_table("org_member_order_item", schema=None) as batch_op:
        batch_op.drop_column("processing_fee")
        batch_op.drop_column("platform_fee")
