"""Column values staged on persistent objects (``app.db.stage``) and written through Core
(``app.db.write_staged``): what paying an order uses instead of the ORM's flush of the order and its
items. The rows end up as the flush would leave them, the objects show the values at once and have
nothing to flush, and a later ORM change or a rollback is not lost or undone by them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.db import stage, utcnow, write_staged
from app.extensions import db
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from tests.orders.test_services import build_shop, place, plan


def _stored(model, obj_id: str, *columns) -> tuple:
    table = model.__table__
    return db.session.connection().execute(
        sa.select(*(table.c[name] for name in columns)).where(table.c.id == obj_id)).one()


def test_staged_values_are_shown_at_once_and_written_in_one_update(app_ctx, count_queries):
    shop = build_shop()
    order = place(shop, [plan(shop)])
    db.session.flush()
    before = order.updated_at
    at = utcnow()
    with count_queries() as q:
        stage(db.session, order, {"status": "paid", "paid_at": at})
        stage(db.session, order, {"payment_provider": order.payment_provider})  # unchanged
        assert order.status == "paid" and order.paid_at == at
        assert order not in db.session.dirty and not db.session.is_modified(order)
        write_staged(db.session)
    updates = [s for s in q.statements if s.startswith("UPDATE")]
    assert len(updates) == 1, str(q)
    assert "status" in updates[0] and "paid_at" in updates[0] and "updated_at" in updates[0]
    assert "payment_provider" not in updates[0]
    status, paid_at, updated_at = _stored(OrgMemberOrder, order.id, "status", "paid_at", "updated_at")
    assert (status, paid_at) == ("paid", at)
    assert updated_at == order.updated_at and updated_at >= before  # the onupdate value, shown too
    with count_queries() as q:
        write_staged(db.session)  # written once
        db.session.flush()
    assert q.statements == []


def test_a_value_equal_to_the_present_one_is_not_written(app_ctx, count_queries):
    shop = build_shop()
    order = place(shop, [plan(shop)])
    db.session.flush()
    with count_queries() as q:
        stage(db.session, order, {"currency_code": order.currency_code, "total_amount": Decimal(order.total_amount)})
        write_staged(db.session)
    assert q.statements == []


def test_many_rows_of_one_table_are_one_executemany(app_ctx, count_queries):
    shop = build_shop()
    order = place(shop, [plan(shop, price=f"{n}.00") for n in range(10, 30)])
    db.session.flush()
    assert len(order.items) == 20
    with count_queries() as q:
        stage(db.session, order, {"status": "paid", "paid_at": utcnow()})
        for n, item in enumerate(order.items):
            stage(db.session, item, {"fulfilment_status": "fulfilled", "platform_fee": Decimal(n + 1)})
        write_staged(db.session)
    assert len(q.statements) == 2, str(q)  # the order, then its items
    assert q.statements[0].startswith("UPDATE org_member_order ")
    for n, item in enumerate(order.items):
        assert _stored(OrgMemberOrderItem, item.id, "fulfilment_status", "platform_fee") == ("fulfilled", Decimal(n + 1))


def test_an_orm_change_after_staging_is_written_after_it(app_ctx):
    """The flush writes what was staged first (``stage_on_flush``): the later value wins."""
    shop = build_shop()
    order = place(shop, [plan(shop)])
    db.session.flush()
    stage(db.session, order, {"billing_name": "Staged"})
    order.billing_name = "Changed later"
    db.session.flush()
    assert _stored(OrgMemberOrder, order.id, "billing_name") == ("Changed later",)


def test_a_commit_writes_what_is_staged(app, app_ctx):
    shop = build_shop()
    order = place(shop, [plan(shop)])
    db.session.commit()
    stage(db.session, order, {"billing_name": "Committed"})
    db.session.commit()
    db.session.expire_all()
    assert _stored(OrgMemberOrder, order.id, "billing_name") == ("Committed",)


def test_a_rollback_drops_what_is_staged(app_ctx):
    shop = build_shop()
    order = place(shop, [plan(shop)])
    db.session.commit()
    stage(db.session, order, {"billing_name": "Dropped", "paid_at": utcnow() - timedelta(days=1)})
    db.session.rollback()
    assert order.billing_name == "Ada Lovelace"  # expired by the rollback, read again
    write_staged(db.session)
    db.session.commit()
    assert _stored(OrgMemberOrder, order.id, "billing_name") == ("Ada Lovelace",)
