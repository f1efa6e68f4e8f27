"""Content translations of variants, collections and skills.

org_product_variant_translation: a variant's name per locale ("Paperback");
org_product_collection_translation: a collection's name and description per locale;
skill_translation: a (platform-wide) skill's name and description per locale. The storefront shows
them through the content-translation fallback chain, like the other content translations.

Revision ID: 0008_g2
Revises: 0008_s
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = '0008_g2'
down_revision = "0008_s"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skill_translation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('skill_id', sa.String(length=32), nullable=False),
    sa.Column('locale_key', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locale_key'], ['locale.key'], name=op.f('fk_skl_tr_loc_key_loc')),
    sa.ForeignKeyConstraint(['skill_id'], ['skill.id'], name=op.f('fk_skl_tr_skl_id_skl'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skl_tr')),
    sa.UniqueConstraint('skill_id', 'locale_key', name=op.f('uq_skl_tr_skl_id_loc_key'))
    )
    op.create_table('org_product_collection_translation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('collection_id', sa.String(length=32), nullable=False),
    sa.Column('locale_key', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['org_product_collection.id'], name=op.f('fk_org_prod_coll_tr_coll_id_org_prod_coll'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['locale_key'], ['locale.key'], name=op.f('fk_org_prod_coll_tr_loc_key_loc')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_prod_coll_tr_org_id_org'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_prod_coll_tr')),
    sa.UniqueConstraint('collection_id', 'locale_key', name=op.f('uq_org_prod_coll_tr_coll_id_loc_key'))
    )
    with op.batch_alter_table('org_product_collection_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_prod_coll_tr_org_id'), ['org_id'], unique=False)

    op.create_table('org_product_variant_translation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('variant_id', sa.String(length=32), nullable=False),
    sa.Column('locale_key', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locale_key'], ['locale.key'], name=op.f('fk_org_prod_var_tr_loc_key_loc')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_prod_var_tr_org_id_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['variant_id'], ['org_product_variant.id'], name=op.f('fk_org_prod_var_tr_var_id_org_prod_var'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_prod_var_tr')),
    sa.UniqueConstraint('variant_id', 'locale_key', name=op.f('uq_org_prod_var_tr_var_id_loc_key'))
    )
    with op.batch_alter_table('org_product_variant_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_prod_var_tr_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('org_product_variant_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_prod_var_tr_org_id'))

    op.drop_table('org_product_variant_translation')
    with op.batch_alter_table('org_product_collection_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_prod_coll_tr_org_id'))

    op.drop_table('org_product_collection_translation')
    op.drop_table('skill_translation')
