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

import functools
import re
from collections.abc import Sequence

import sqlalchemy as sa

from app.catalog.listing import FALLBACK_CONFIG, config_for
from app.catalog.models import FTS_TABLE, OrgProductSearchDocument
from app.extensions import db
from app.markets.chain_sql import in_chain

MAX_TERMS = 8
_WORD = re.compile(r"[^\W_]+")
_CONFIG_NAME = re.compile(r"[a-z_]+")
# SQLite: the FTS5 documents matching :match, best first (bm25 with the name weighing 10 times the
# description; PostgreSQL weighs them with setweight A / B)
# (FTS5's ``rank`` column, not a bm25() call, which SQLite refuses once it flattens the subquery)
_FTS_MATCH = ("SELECT rowid AS doc_id, -rank AS rank FROM org_product_search_fts "
              "WHERE org_product_search_fts MATCH :match AND rank MATCH 'bm25(10.0, 1.0)'")
assert FTS_TABLE in _FTS_MATCH


def terms(text: str) -> list[str]:
    """The words of a query (letters and digits), lower-cased, at most MAX_TERMS."""
    return _WORD.findall(text.lower())[:MAX_TERMS]


def prepared(text: str, chain: Sequence[str | None]) -> tuple[tuple, dict] | None:
    """(shape, values) of a search for ``text`` on a page in the content ``chain``: the shape (the
    database and, on PostgreSQL, the chain's text-search configurations) picks a statement built
    once (``matching_subquery``), the values go in as its bound parameters (``org_id`` aside).
    None when ``text`` has no word to search for."""
    words = terms(text)
    if not words:
        return None
    locales = [key for key in chain if key]
    values = {}
    if db.session.get_bind().dialect.name == "postgresql":
        configs = tuple(dict.fromkeys([*(config_for(key) for key in locales), FALLBACK_CONFIG]))
        values["search_query"] = " & ".join(f"{word}:*" for word in words)
        return ("postgresql", configs), values
    values["search_match"] = " AND ".join(f'"{word}"*' for word in words)
    return ("sqlite", ()), values


@functools.lru_cache(maxsize=64)
def matching_subquery(dialect: str, configs: tuple[str, ...], slots: int):
    """The search subquery for one shape, with bound parameters ``org_id``, the content chain's
    ``chain_locale_<n>`` (``app.markets.chain_sql``: ``slots`` of them, bound by the statement
    that holds this subquery) and ``search_query`` (PostgreSQL) or ``search_match`` (SQLite)."""
    # A short alias and the query written once: the catalog's statement stays under the 4,096
    # characters up to which psycopg converts its SQL once (app.catalog.queries._creators).
    docs = sa.orm.aliased(OrgProductSearchDocument, name="docs")
    # (the chain's languages as fixed parameters, not an "expanding" list, which SQLAlchemy would
    # render into the SQL again on every run and which keeps the statement off the driver path)
    in_chain_ = sa.or_(docs.locale_key.is_(None), in_chain(docs.locale_key, slots))
    org = sa.bindparam("org_id")
    if dialect == "postgresql":
        query = sa.select(_tsquery(sa.bindparam("search_query", type_=sa.Text), configs).label("q")).subquery("tsq")
        rank = sa.func.ts_rank(docs.document, query.c.q)
        return (
            sa.select(docs.product_id.label("product_id"), sa.func.max(rank).label("rank"))
            .select_from(docs).join(query, sa.true())
            .where(docs.org_id == org, in_chain_, docs.document.op("@@")(query.c.q))
            .group_by(docs.product_id)
            .subquery("matches")
        )
    fts = (
        sa.text(_FTS_MATCH.replace(":match", ":search_match"))
        .bindparams(sa.bindparam("search_match", type_=sa.Text))
        .columns(doc_id=sa.Integer, rank=sa.Float)
        .subquery("fts")
    )
    return (
        sa.select(docs.product_id.label("product_id"), sa.func.max(fts.c.rank).label("rank"))
        .join(fts, fts.c.doc_id == docs.id)
        .where(docs.org_id == org, in_chain_)
        .group_by(docs.product_id)
        .subquery("matches")
    )


def _tsquery(source, configs: Sequence[str]):
    """Every word as a prefix (``source``: "word:* & word:*"), in each language of the chain and
    unstemmed ("simple"), OR-ed: a document in any of those languages matches when it holds every word."""
    query = None
    for config in configs:
        if not _CONFIG_NAME.fullmatch(config):
            raise ValueError(f"not a text-search configuration: {config!r}")
        # the configuration's name in the SQL (one of app.catalog.listing's): a shorter statement
        part = sa.func.to_tsquery(sa.literal_column(f"'{config}'::regconfig"), source)
        query = part if query is None else query.op("||")(part)
    return query
