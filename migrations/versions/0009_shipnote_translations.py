"""A physical product's shipping note in each language; an org's names for platform skills.

org_product_translation: ``shipping_note`` (the translation of ``org_product.shipping_note``;
empty: the storefront shows the base note).
org_skill_translation: an org's name for a platform skill in one locale (the storefront shows it
before the platform-wide skill_translation; the taxonomy is shared, the org's names are its own).

Revision ID: 0009_shipnote
Revises: 0009_dashlists
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0009_shipnote"
down_revision = "0009_dashlists"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_product_translation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shipping_note", sa.Text(), nullable=True))
    op.create_table(
        "org_skill_translation",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("skill_id", sa.String(length=32), nullable=False),
        sa.Column("locale_key", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("org_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["locale_key"], ["locale.key"], name=op.f("fk_org_skl_tr_loc_key_loc")),
        sa.ForeignKeyConstraint(["org_id"], ["org.id"], name=op.f("fk_org_skl_tr_org_id_org"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["skill_id"], ["skill.id"], name=op.f("fk_org_skl_tr_skl_id_skl"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_skl_tr")),
        sa.UniqueConstraint("org_id", "skill_id", "locale_key", name=op.f("uq_org_skl_tr_org_id_skl_id_loc_key")),
    )
    with op.batch_alter_table("org_skill_translation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_skl_tr_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_org_skl_tr_skl_id"), ["skill_id"], unique=False)


def downgrade():
    with op.batch_alter_table("org_skill_translation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_skl_tr_skl_id"))
        batch_op.drop_index(batch_op.f("ix_org_skl_tr_org_id"))
    op.drop_table("org_skill_translation")
    with op.batch_alter_table("org_product_translation", schema=None) as batch_op:
        batch_op.drop_column("shipping_note")
