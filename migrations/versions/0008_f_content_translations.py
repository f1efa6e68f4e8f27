"""Content translations of payment plans and quiz questions.

org_product_variant_payment_plan_translation: a plan's name and description per locale;
org_lesson_quiz_question_translation: a quiz question's prompt, explanation and choice texts per
locale (the translations tab of the product dashboard edits them; the storefront and the player
show them through the content-translation fallback chain).

Revision ID: 0008_f
Revises: 0008_e
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_f"
down_revision = "0008_e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('org_lesson_quiz_question_translation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('question_id', sa.String(length=32), nullable=False),
    sa.Column('locale_key', sa.String(length=10), nullable=False),
    sa.Column('prompt', sa.Text(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=True),
    sa.Column('choices', sa.JSON(), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locale_key'], ['locale.key'], name=op.f('fk_org_lsn_quiz_q_tr_loc_key_loc')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_lsn_quiz_q_tr_org_id_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['org_lesson_quiz_question.id'], name=op.f('fk_org_lsn_quiz_q_tr_q_id_org_lsn_quiz_q'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_lsn_quiz_q_tr')),
    sa.UniqueConstraint('question_id', 'locale_key', name=op.f('uq_org_lsn_quiz_q_tr_q_id_loc_key'))
    )
    with op.batch_alter_table('org_lesson_quiz_question_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_lsn_quiz_q_tr_org_id'), ['org_id'], unique=False)

    op.create_table('org_product_variant_payment_plan_translation',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('plan_id', sa.String(length=32), nullable=False),
    sa.Column('locale_key', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['locale_key'], ['locale.key'], name=op.f('fk_org_prod_var_pay_plan_tr_loc_key_loc')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_prod_var_pay_plan_tr_org_id_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_id'], ['org_product_variant_payment_plan.id'], name=op.f('fk_org_prod_var_pay_plan_tr_plan_id_org_prod_var_pay_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_prod_var_pay_plan_tr')),
    sa.UniqueConstraint('plan_id', 'locale_key', name=op.f('uq_org_prod_var_pay_plan_tr_plan_id_loc_key'))
    )
    with op.batch_alter_table('org_product_variant_payment_plan_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_prod_var_pay_plan_tr_org_id'), ['org_id'], unique=False)



def downgrade():
    with op.batch_alter_table('org_product_variant_payment_plan_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_prod_var_pay_plan_tr_org_id'))

    op.drop_table('org_product_variant_payment_plan_translation')
    with op.batch_alter_table('org_lesson_quiz_question_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_lsn_quiz_q_tr_org_id'))

    op.drop_table('org_lesson_quiz_question_translation')
