"""Product text search, one query function over both databases.

PostgreSQL: full-text search over ``org_product_search_document.document`` (a ``tsvector`` per
product and locale, in its language's configuration, GIN-indexed), ranked with ``ts_rank``.
SQLite (the embedded default): the FTS5 index ``org_product_search_fts`` over the same documents,
ranked with ``bm25``. Both match every word of the query as a prefix ("foto buch" finds
"Fotografie-Buch"), in the documents of the page's content chain and the base row (PostgreSQL also
by stem in each language of the chain: "Bücher" finds "Buch" on a German page). The documents are
kept by app.catalog.listing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import sqlalchemy as sa

from app.catalog.listing import FALLBACK_CONFIG, config_for
from app.catalog.models import FTS_TABLE, OrgProductSearchDocument
from app.extensions import db

MAX_TERMS = 8
_WORD = re.compile(r"[^\W_]+")
# SQLite: the FTS5 documents matching :match, best first (bm25 with the name weighing 10 times the
# description; PostgreSQL weighs them with setweight A / B)
# (FTS5's ``rank`` column, not a bm25() call, which SQLite refuses once it flattens the subquery)
_FTS_MATCH = ("SELECT rowid AS doc_id, -rank AS rank FROM org_product_search_fts "
              "WHERE org_product_search_fts MATCH :match AND rank MATCH 'bm25(10.0, 1.0)'")
assert FTS_TABLE in _FTS_MATCH


def terms(text: str) -> list[str]:
    """The words of a query (letters and digits), lower-cased, at most MAX_TERMS."""
    return _WORD.findall(text.lower())[:MAX_TERMS]


def matching_products(org_id: str, text: str, chain: Sequence[str | None]):
    """Subquery (product_id, rank) of the org's products whose name or description in the content
    ``chain``'s locales (or the base row) contains every word of ``text``; higher rank first.
    None when ``text`` has no word to search for."""
    words = terms(text)
    if not words:
        return None
    docs = OrgProductSearchDocument
    locales = [key for key in chain if key]
    in_chain = sa.or_(docs.locale_key.is_(None), docs.locale_key.in_(locales)) if locales else docs.locale_key.is_(None)
    if db.session.get_bind().dialect.name == "postgresql":
        query = _tsquery(words, [config_for(key) for key in locales])
        rank = sa.func.ts_rank(docs.document, query)
        return (
            sa.select(docs.product_id.label("product_id"), sa.func.max(rank).label("rank"))
            .where(docs.org_id == org_id, in_chain, docs.document.op("@@")(query))
            .group_by(docs.product_id)
            .subquery("matches")
        )
    fts = (
        sa.text(_FTS_MATCH)
        .bindparams(match=" AND ".join(f'"{word}"*' for word in words))
        .columns(doc_id=sa.Integer, rank=sa.Float)
        .subquery("fts")
    )
    return (
        sa.select(docs.product_id.label("product_id"), sa.func.max(fts.c.rank).label("rank"))
        .join(fts, fts.c.doc_id == docs.id)
        .where(docs.org_id == org_id, in_chain)
        .group_by(docs.product_id)
        .subquery("matches")
    )


def _tsquery(words: list[str], configs: list[str]):
    """Every word as a prefix, in each language of the chain and unstemmed ("simple"), OR-ed: a
    document in any of those languages matches when it holds every word."""
    source = " & ".join(f"{word}:*" for word in words)
    query = None
    for config in dict.fromkeys([*configs, FALLBACK_CONFIG]):
        part = sa.func.to_tsquery(sa.cast(config, sa.dialects.postgresql.REGCONFIG), source)
        query = part if query is None else query.op("||")(part)
    return query
