"""Product search: the org in the search documents' GIN index (issue 15).

``org_product_search_document``'s GIN index over ``document`` becomes one over (``org_id``,
``document``), through PostgreSQL's ``btree_gin`` extension (contrib, shipped with PostgreSQL and
trusted since PostgreSQL 13: the database's owner may create it). A storefront search then reads
only its org's postings of its words, instead of every org's matches AND-ed with a bitmap of the
org's documents read from a second index. On SQLite the index is a plain one (FTS5 does the
searching there) and is renamed with it.

Revision ID: 0013_searchgin
Revises: 0012_listsum
Create Date: 2026-12-03

"""
from alembic import op

revision = "0013_searchgin"
down_revision = "0012_listsum"
branch_labels = None
depends_on = None

TABLE = "org_product_search_document"
OLD = "ix_org_prod_search_document_document"
NEW = "ix_org_prod_search_document_org_id_document"


def upgrade():
    if op.get_context().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    # (plain index operations: no batch, which would rebuild the table on SQLite and lose the FTS5
    # triggers that keep org_product_search_fts in step)
    op.create_index(NEW, TABLE, ["org_id", "document"], unique=False, postgresql_using="gin")
    op.drop_index(OLD, table_name=TABLE, postgresql_using="gin")


def downgrade():
    # btree_gin stays installed: something else in the database may use it
    op.create_index(OLD, TABLE, ["document"], unique=False, postgresql_using="gin")
    op.drop_index(NEW, table_name=TABLE, postgresql_using="gin")
