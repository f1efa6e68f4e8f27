"""Lesson editors: attempts allowed per quiz, uploaded lesson files and captions.

org_lesson: ``max_attempts`` (quiz attempts a learner may submit; NULL: unlimited), ``file_key``
and ``captions_key`` (app.platform.storage keys under ``private/`` of an uploaded file of a file
lesson and a video's WebVTT captions; served to learners with access through the player).

Revision ID: 0008_e
Revises: 0008_b
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op

revision = "0008_e"
down_revision = "0008_b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_lesson", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_attempts", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("file_key", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("captions_key", sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_org_lsn_max_attempts_min"), "max_attempts >= 1")


def downgrade():
    with op.batch_alter_table("org_lesson", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_org_lsn_max_attempts_min"), type_="check")
        batch_op.drop_column("captions_key")
        batch_op.drop_column("file_key")
        batch_op.drop_column("max_attempts")
