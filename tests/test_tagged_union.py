"""Several reads in one statement (app.db.tagged_union, issue 15): each part's rows come tagged, in
the part's own order, with its columns' values and result types, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from app.db import plain_rows, tagged_union, with_kept_hash
from app.extensions import db
from app.orgs.models import Org
from tests.factories import make_org


def test_each_part_comes_tagged_in_its_order_with_its_columns_and_types(db_session):
    first, second, third = make_org(), make_org(), make_org()
    first.platform_fee_percent = Decimal("12.50")
    db_session.flush()
    slugs = Org.slug.in_([sa.bindparam("a"), sa.bindparam("b"), sa.bindparam("c")])
    # Two parts of the same table, ordered differently; a part of other types (Decimal, datetime, bool).
    statement, split = tagged_union([
        ("up", sa.select(Org.slug, Org.name).where(slugs), (Org.slug,)),
        ("down", sa.select(Org.slug).where(slugs), (Org.slug.desc(),)),
        ("facts", sa.select(Org.platform_fee_percent, Org.created_at, Org.is_active).where(Org.slug == sa.bindparam("a")),
         ()),
    ])
    rows = split(plain_rows(db.session, with_kept_hash(statement), {"a": first.slug, "b": second.slug, "c": third.slug}))
    names = sorted([first.slug, second.slug, third.slug])
    assert [slug for slug, _name in rows["up"]] == names
    assert dict(rows["up"])[first.slug] == first.name
    assert rows["down"] == [(slug,) for slug in reversed(names)]
    [(fee, created, active)] = rows["facts"]
    assert fee == Decimal("12.50") and isinstance(fee, Decimal)
    assert isinstance(created, datetime) and created.tzinfo is not None and active is True
