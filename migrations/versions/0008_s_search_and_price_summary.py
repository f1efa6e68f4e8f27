"""Storefront read models: a per-market "from" price summary and product search documents.

org_product_review: an index for the storefront's ratings of one org (index-only scans).
org_product_market_price_summary: each product's lowest active price per market (maintained by
app.catalog.listing on every flush). org_product_search_document: a product's name and description
per locale (NULL: the base row) with, on PostgreSQL, its tsvector in the language's text-search
configuration (GIN-indexed); on SQLite the FTS5 table org_product_search_fts (external content,
kept by triggers) indexes them. Both are filled from the existing catalog here.

Revision ID: 0008_s
Revises: 0008_k
Create Date: 2026-12-02

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_s"
down_revision = "0008_k"
branch_labels = None
depends_on = None

FTS_DDL = (
    "CREATE VIRTUAL TABLE org_product_search_fts USING fts5(name, body, "
    "content='org_product_search_document', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER org_product_search_fts_ai AFTER INSERT ON org_product_search_document BEGIN "
    "INSERT INTO org_product_search_fts(rowid, name, body) VALUES (new.id, new.name, new.body); END",
    "CREATE TRIGGER org_product_search_fts_ad AFTER DELETE ON org_product_search_document BEGIN "
    "INSERT INTO org_product_search_fts(org_product_search_fts, rowid, name, body) "
    "VALUES ('delete', old.id, old.name, old.body); END",
    "CREATE TRIGGER org_product_search_fts_au AFTER UPDATE ON org_product_search_document BEGIN "
    "INSERT INTO org_product_search_fts(org_product_search_fts, rowid, name, body) "
    "VALUES ('delete', old.id, old.name, old.body); "
    "INSERT INTO org_product_search_fts(rowid, name, body) VALUES (new.id, new.name, new.body); END",
)

FILL_SUMMARY = """
INSERT INTO org_product_market_price_summary (org_id, product_id, market_id, from_price)
SELECT v.org_id, v.product_id, p.market_id, MIN(p.price)
FROM org_product_variant v
JOIN org_product_variant_payment_plan pl ON pl.variant_id = v.id
JOIN org_product_variant_payment_plan_market_price p ON p.plan_id = pl.id
WHERE p.is_active AND pl.is_active AND v.is_active
GROUP BY v.org_id, v.product_id, p.market_id
"""

CONFIGS = {
    "da": "danish", "de": "german", "en": "english", "es": "spanish", "fi": "finnish", "fr": "french",
    "hu": "hungarian", "it": "italian", "nl": "dutch", "no": "norwegian", "nb": "norwegian",
    "pt": "portuguese", "ro": "romanian", "ru": "russian", "sv": "swedish", "tr": "turkish",
}


def _config(column):
    cases = " ".join(
        f"WHEN lower(substr({column}, 1, 2)) = '{code}' AND coalesce(substr({column}, 3, 1), '') IN ('', '-', '_') "
        f"THEN '{config}'" for code, config in CONFIGS.items())
    return f"(CASE {cases} ELSE 'simple' END)"


def _document(config, name, body):
    return (f"setweight(to_tsvector(CAST({config} AS regconfig), coalesce({name}, '')), 'A') || "
            f"setweight(to_tsvector(CAST({config} AS regconfig), coalesce({body}, '')), 'B')")


def _fill_documents(dialect):
    pg = dialect == "postgresql"
    base_doc = _document(_config("o.default_locale_key"), "p.name", "p.description") if pg else "NULL"
    tr_doc = _document(_config("t.locale_key"), "t.name", "t.description") if pg else "NULL"
    op.execute(
        "INSERT INTO org_product_search_document (org_id, product_id, locale_key, name, body, document) "  # noqa: S608
        f"SELECT p.org_id, p.id, NULL, p.name, p.description, {base_doc} "
        "FROM org_product p JOIN org o ON o.id = p.org_id")
    op.execute(
        "INSERT INTO org_product_search_document (org_id, product_id, locale_key, name, body, document) "  # noqa: S608
        f"SELECT t.org_id, t.product_id, t.locale_key, t.name, t.description, {tr_doc} "
        "FROM org_product_translation t")

def upgrade():
    op.create_table('org_product_market_price_summary',
    sa.Column('product_id', sa.String(length=32), nullable=False),
    sa.Column('market_id', sa.String(length=32), nullable=False),
    sa.Column('from_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['market_id'], ['org_market.id'], name=op.f('fk_org_prod_mkt_prc_summary_mkt_id_org_mkt'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_prod_mkt_prc_summary_org_id_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['org_product.id'], name=op.f('fk_org_prod_mkt_prc_summary_prod_id_org_prod'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'market_id', name=op.f('pk_org_prod_mkt_prc_summary'))
    )
    with op.batch_alter_table('org_product_market_price_summary', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_prod_mkt_prc_summary_mkt_id'), ['market_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_prod_mkt_prc_summary_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_prod_mkt_prc_summary_org_id_mkt_id_fr_prc'), ['org_id', 'market_id', 'from_price'], unique=False)

    op.create_table('org_product_search_document',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('product_id', sa.String(length=32), nullable=False),
    sa.Column('locale_key', sa.String(length=10), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('document', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.Column('org_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_org_prod_search_document_org_id_org'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['org_product.id'], name=op.f('fk_org_prod_search_document_prod_id_org_prod'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_prod_search_document'))
    )
    with op.batch_alter_table('org_product_search_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_prod_search_document_document'), ['document'], unique=False, postgresql_using='gin')
        batch_op.create_index(batch_op.f('ix_org_prod_search_document_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_prod_search_document_org_id_loc_key'), ['org_id', 'locale_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_prod_search_document_prod_id'), ['product_id'], unique=False)

    with op.batch_alter_table('org_product_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_prod_rvw_org_id_prod_id_is_published_rate'),
                              ['org_id', 'product_id', 'is_published', 'rating'], unique=False)

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in FTS_DDL:
            op.execute(statement)
    op.execute(FILL_SUMMARY)
    _fill_documents(dialect)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS org_product_search_fts")  # its triggers go with the table below
    with op.batch_alter_table('org_product_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_prod_rvw_org_id_prod_id_is_published_rate'))
    with op.batch_alter_table('org_product_search_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_prod_search_document_prod_id'))
        batch_op.drop_index(batch_op.f('ix_org_prod_search_document_org_id_loc_key'))
        batch_op.drop_index(batch_op.f('ix_org_prod_search_document_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_prod_search_document_document'), postgresql_using='gin')

    op.drop_table('org_product_search_document')
    with op.batch_alter_table('org_product_market_price_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_prod_mkt_prc_summary_org_id_mkt_id_fr_prc'))
        batch_op.drop_index(batch_op.f('ix_org_prod_mkt_prc_summary_org_id'))
        batch_op.drop_index(batch_op.f('ix_org_prod_mkt_prc_summary_mkt_id'))

    op.drop_table('org_product_market_price_summary')
