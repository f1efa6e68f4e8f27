"""Order numbers from a counter per prefix (issue 15: placing an order no longer searches the order
numbers for the highest one, about 48 ms at 100,000 orders on PostgreSQL).

order_number_counter: the last number given out per order-number prefix (``ACME`` for
``ACME-000124``), filled from the existing orders.

Revision ID: 0010_ordercounter
Revises: 0009_shipnote
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0010_ordercounter"
down_revision = "0009_shipnote"
branch_labels = None
depends_on = None


def _highest_numbers(conn) -> dict[str, int]:
    """``{prefix: highest number}`` of the existing orders ("PREFIX-000123": the digits after the
    last hyphen; numbers of another shape have no sequence to continue)."""
    highest: dict[str, int] = {}
    result = conn.execute(sa.text("SELECT order_number FROM org_member_order")
                          .execution_options(stream_results=True, yield_per=10_000))
    for (number,) in result:
        prefix, _sep, digits = number.rpartition("-")
        if prefix and digits.isdigit():
            highest[prefix] = max(highest.get(prefix, 0), int(digits))
    return highest


def upgrade():
    counter = op.create_table(
        "order_number_counter",
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", name=op.f("pk_ord_num_counter")),
    )
    rows = [{"prefix": prefix, "last_number": number}
            for prefix, number in sorted(_highest_numbers(op.get_bind()).items())]
    if rows:
        op.bulk_insert(counter, rows)


def downgrade():
    op.drop_table("order_number_counter")
