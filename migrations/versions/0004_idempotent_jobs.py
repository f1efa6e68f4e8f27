"""Idempotent jobs: a subscription period is billed once; an outbox email is claimed before it is sent.

- ``org_member_order_item.billing_kind`` ("period": the plan's price for period_start..period_end,
  billed in advance; "usage": the usage recorded in period_start..period_end, billed in arrears)
  and a unique constraint on (subscription_id, period_start, billing_kind): two renewers can
  never bill the same period twice. Existing renewal lines are classified from their order's
  other line, their plan type and their name; a line that would clash with one classified
  already stays NULL (outside the constraint: it bills a past period).
- ``email_outbox.status`` gains "sending": a sender claims a message (queued -> sending) in its
  own committed transaction before it talks to the mail server.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ITEM = "org_member_order_item"

# Usage lines of a two-line renewal order: the plan's next period starts where the usage period ends.
_USAGE_BESIDE_PERIOD = f"""
UPDATE {ITEM} SET billing_kind = 'usage'
WHERE subscription_id IS NOT NULL AND billing_kind IS NULL AND plan_type = 'usage_based'
  AND EXISTS (SELECT 1 FROM {ITEM} AS other
              WHERE other.order_id = {ITEM}.order_id AND other.subscription_id = {ITEM}.subscription_id
                AND other.id <> {ITEM}.id AND other.period_start = {ITEM}.period_end)
"""
_PERIOD_BESIDE_USAGE = f"""
UPDATE {ITEM} SET billing_kind = 'period'
WHERE subscription_id IS NOT NULL AND billing_kind IS NULL
  AND EXISTS (SELECT 1 FROM {ITEM} AS other
              WHERE other.order_id = {ITEM}.order_id AND other.subscription_id = {ITEM}.subscription_id
                AND other.billing_kind = 'usage')
"""
# Subscription plans have no usage lines.
_SUBSCRIPTION_PLAN_PERIODS = f"""
UPDATE {ITEM} SET billing_kind = 'period'
WHERE subscription_id IS NOT NULL AND billing_kind IS NULL AND plan_type = 'subscription'
"""
# A lone usage-based line named exactly like its plan is the plan's price (usage lines are named
# "<plan>: <used> <unit> (...)"), unless that period is already taken.
_LONE_PERIODS = f"""
UPDATE {ITEM} SET billing_kind = 'period'
WHERE subscription_id IS NOT NULL AND billing_kind IS NULL AND plan_type = 'usage_based'
  AND plan_name = (SELECT plan.name FROM org_product_variant_payment_plan AS plan
                   WHERE plan.id = {ITEM}.payment_plan_id)
  AND NOT EXISTS (SELECT 1 FROM {ITEM} AS other
                  WHERE other.subscription_id = {ITEM}.subscription_id
                    AND other.period_start = {ITEM}.period_start AND other.billing_kind = 'period')
"""

# The other lone usage-based lines carry a usage line's name: final usage invoices.
_LONE_USAGE = f"""
UPDATE {ITEM} SET billing_kind = 'usage'
WHERE subscription_id IS NOT NULL AND billing_kind IS NULL AND plan_type = 'usage_based'
  AND NOT EXISTS (SELECT 1 FROM {ITEM} AS other
                  WHERE other.subscription_id = {ITEM}.subscription_id
                    AND other.period_start = {ITEM}.period_start AND other.billing_kind = 'usage')
"""


def upgrade():
    with op.batch_alter_table(ITEM, schema=None) as batch_op:
        batch_op.add_column(sa.Column("billing_kind", sa.String(length=8), nullable=True))
    for statement in (_USAGE_BESIDE_PERIOD, _PERIOD_BESIDE_USAGE, _SUBSCRIPTION_PLAN_PERIODS, _LONE_PERIODS,
                      _LONE_USAGE):
        op.execute(statement)
    with op.batch_alter_table(ITEM, schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_org_mbr_ord_itm_billing_kind_enum"),
                                         "billing_kind IN ('period', 'usage')")
        batch_op.create_unique_constraint(batch_op.f("uq_org_mbr_ord_itm_sub_id_period_start_billing_kind"),
                                          ["subscription_id", "period_start", "billing_kind"])

    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_email_obx_status_enum"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_email_obx_status_enum"),
                                         "status IN ('queued', 'sending', 'sent', 'failed')")


def downgrade():
    # A message claimed by a sender that never finished goes back to the queue.
    op.execute("UPDATE email_outbox SET status = 'queued' WHERE status = 'sending'")
    with op.batch_alter_table("email_outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_email_obx_status_enum"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_email_obx_status_enum"),
                                         "status IN ('queued', 'sent', 'failed')")

    with op.batch_alter_table(ITEM, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_org_mbr_ord_itm_sub_id_period_start_billing_kind"), type_="unique")
        batch_op.drop_constraint(batch_op.f("ck_org_mbr_ord_itm_billing_kind_enum"), type_="check")
        batch_op.drop_column("billing_kind")
