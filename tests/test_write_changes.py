"""``app.db.write_changes``: a session's changed column values written through Core (paying an
order writes the order and its items so), leaving the session as the ORM's flush would."""

from __future__ import annotations

import sqlalchemy as sa

from app.db import write_changes
from app.markets.models import OrgBrand
from app.web.cache import _FLAG
from tests.factories import make_brand, make_org


def _stored_name(db_session, brand_id: str) -> str:
    return db_session.connection().execute(
        sa.select(OrgBrand.__table__.c.name).where(OrgBrand.__table__.c.id == brand_id)).scalar_one()


def test_changed_columns_are_written_and_left_unchanged_as_a_flush_leaves_them(db_session, count_queries):
    org = make_org()
    brand, other = make_brand(org), make_brand(org)
    db_session.commit()
    db_session.info.pop(_FLAG, None)
    before = brand.updated_at
    brand.name, other.name = "Renamed", "Also renamed"
    with count_queries() as queries:
        assert write_changes(db_session, [brand, other])
    # one UPDATE for both (the same columns changed), updated_at stamped as the flush stamps it
    assert len(queries.statements) == 1 and queries.statements[0].lstrip().startswith("UPDATE org_brand"), str(queries)
    assert brand.updated_at > before and other.updated_at > before
    assert brand not in db_session.dirty and other not in db_session.dirty and not sa.inspect(brand).modified
    assert _stored_name(db_session, brand.id) == "Renamed" and _stored_name(db_session, other.id) == "Also renamed"
    assert db_session.info.get(_FLAG)  # the session's flush events ran (a storefront table changed)
    with count_queries() as queries:
        db_session.flush()  # nothing left to write
    assert queries.statements == []


def test_anything_else_to_flush_leaves_it_to_the_flush(db_session, count_queries):
    org = make_org()
    brand, other = make_brand(org), make_brand(org)
    db_session.commit()
    brand.name, other.name = "Renamed", "Other"
    with count_queries() as queries:
        assert not write_changes(db_session, [brand])  # another object changed too
    assert queries.statements == [] and brand in db_session.dirty and other in db_session.dirty
    db_session.flush()
    org_id = org.id
    brand.name = "Again"
    db_session.add(OrgBrand(org_id=org_id, name="New", slug="new-brand"))
    assert not write_changes(db_session, [brand])  # a new object
    assert brand in db_session.dirty
    db_session.rollback()


def test_values_written_are_expired_when_the_transaction_rolls_back(db_session):
    org = make_org()
    brand = make_brand(org, name="Original")
    db_session.commit()
    with db_session.begin_nested():
        pass
    savepoint = db_session.begin_nested()
    brand.name = "Renamed"
    assert write_changes(db_session, [brand])
    savepoint.rollback()
    assert brand.name == "Original"  # expired and loaded again, as after a flush


def test_an_unchanged_value_writes_nothing(db_session, count_queries):
    brand = make_brand(make_org(), name="Same")
    db_session.commit()
    assert brand.name == "Same"  # loaded (an expired value set again is written, as by the flush)
    brand.name = "Same"
    with count_queries() as queries:
        assert write_changes(db_session, [brand])
    assert queries.statements == [] and brand not in db_session.dirty
