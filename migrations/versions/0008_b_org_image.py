"""org_image: uploaded images (a product's cover, an employee's avatar, a brand's logo).

One row per owner (exactly one of product_id, employee_id, brand_id), with the storage key
prefix of its content-hashed WebP renditions, their widths, the largest size and the alt text
(app/platform/images.py).

Revision ID: 0008_b
Revises: 0008_a
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = '0008_b'
down_revision = "0008_a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('org_image',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('product_id', sa.String(length=32), nullable=True),
    sa.Column('employee_id', sa.String(length=32), nullable=True),
    sa.Column('brand_id', sa.String(length=32), nullable=True),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('widths', sa.String(length=60), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt_text', sa.String(length=250), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('cover', 'avatar', 'logo')", name=op.f('ck_org_image_kind_enum')),
    sa.CheckConstraint('(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN employee_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN brand_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_org_image_one_owner')),
    sa.ForeignKeyConstraint(['brand_id'], ['org_brand.id'], name=op.f('fk_org_image_brnd_id_org_brnd'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['employee_id'], ['org_employee.id'], name=op.f('fk_org_image_emp_id_org_emp'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_image_org_id_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['org_product.id'], name=op.f('fk_org_image_prod_id_org_prod'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_image')),
    sa.UniqueConstraint('brand_id', name=op.f('uq_org_image_brnd_id')),
    sa.UniqueConstraint('employee_id', name=op.f('uq_org_image_emp_id')),
    sa.UniqueConstraint('product_id', name=op.f('uq_org_image_prod_id'))
    )
    with op.batch_alter_table('org_image', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_image_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('org_image', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_image_org_id'))

    op.drop_table('org_image')
