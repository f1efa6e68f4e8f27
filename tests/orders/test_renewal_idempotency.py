"""`flask billing renew` on several hosts: a subscription period is billed once.

The unique invoice-line key (subscription, period start, billing kind) refuses a second bill for a
period; each renewer locks the subscription it handles (SKIP LOCKED on PostgreSQL); the command
commits subscription by subscription and goes on after one fails. The PostgreSQL test runs two
renewers at the same moment, each with its own session and connection, on a database of its own.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask.cli import ScriptInfo

from app.cli import billing_renew
from app.entitlements.models import OrgMemberSubscription
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.orders import billing
from app.orders import services as orders
from app.orders.models import OrgMemberOrder, OrgMemberOrderItem
from tests.orders.test_billing import renewal_orders, subscribe
from tests.orders.test_concurrency import pg_app  # noqa: F401  (a fresh PostgreSQL database per test)
from tests.orders.test_services import build_shop, plan


def _move_into_the_past(days: int = 40) -> None:
    """Every running subscription's period ended ``days`` ago (the scheduler was off)."""
    for subscription in db.session.scalars(sa.select(OrgMemberSubscription)):
        subscription.current_period_start -= timedelta(days=days)
        subscription.current_period_end -= timedelta(days=days)


def test_a_period_billed_meanwhile_is_a_conflict_and_nothing_is_written(app_ctx):
    shop = build_shop()
    subscription = subscribe(shop, plan(shop, type="subscription", price="11.90"))
    end = subscription.current_period_end
    [renewal] = billing.renew_due(at=end + timedelta(minutes=1)).renewed

    # A renewer that read the subscription before the first one committed (no lock) bills again.
    with pytest.raises(ConflictError, match="already been billed"):
        billing.invoice(subscription, period_start=end, period_end=subscription.current_period_end,
                        usage_until=end, at=end + timedelta(minutes=2))

    assert renewal_orders(subscription) == [renewal]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberOrder)
                             .where(OrgMemberOrder.org_id == shop.org.id)) == 2  # the first order + one renewal


def test_usage_based_periods_are_billed_once_each_while_catching_up(app_ctx):
    """The plan's price for a period and the usage of that same period share their dates, not their
    kind: catching up two periods bills both, once each."""
    shop = build_shop()
    metered = plan(shop, type="usage_based", price="10.00", price_per_unit=Decimal("1.00"), included_units=1)
    subscription = subscribe(shop, metered)
    start, first_end = subscription.current_period_start, subscription.current_period_end
    second_end = billing.next_period_end(subscription, first_end)
    billing.record_usage(subscription, 3, at=first_end - timedelta(days=1))
    billing.record_usage(subscription, 5, at=second_end - timedelta(days=1))

    first, second = billing.renew_due(at=second_end + timedelta(minutes=1)).renewed

    def lines(order):
        return [(i.billing_kind, i.period_start, i.period_end, i.subtotal_amount) for i in order.items]

    assert lines(first) == [("period", first_end, second_end, Decimal("10.00")),
                            ("usage", start, first_end, Decimal("2.00"))]
    assert lines(second) == [("period", second_end, subscription.current_period_end, Decimal("10.00")),
                             ("usage", first_end, second_end, Decimal("4.00"))]  # the dates of first's period line


def test_billing_renew_goes_on_after_a_subscription_fails_and_says_which(app, monkeypatch):
    with app.app_context():
        shop = build_shop()
        broken = subscribe(shop, plan(shop, type="subscription"))
        fine = subscribe(shop, plan(shop, type="subscription"))
        _move_into_the_past()
        broken_id, fine_id, broken_end = broken.id, fine.id, broken.current_period_end
        db.session.commit()
    real_invoice = billing.invoice

    def invoice(subscription, **kwargs):
        if subscription.id == broken_id:
            raise ValidationError("The member has no billing country.")
        return real_invoice(subscription, **kwargs)

    monkeypatch.setattr(billing, "invoice", invoice)
    result = app.test_cli_runner().invoke(args=["billing", "renew"])

    assert result.exit_code == 1
    assert f"subscription {broken_id} not renewed: The member has no billing country." in result.output
    assert "1 renewal orders, 0 ended, 0 lapsed." in result.output
    assert "1 subscriptions could not be renewed" in result.output
    with app.app_context():
        assert db.session.get(OrgMemberSubscription, broken_id).current_period_end == broken_end  # untouched
        assert len(renewal_orders(db.session.get(OrgMemberSubscription, fine_id))) == 1  # committed


# ---- two renewers at the same moment (PostgreSQL) ---------------------------------------------

SUBSCRIPTIONS = 4


@pytest.mark.postgres
def test_two_renewers_at_once_bill_each_period_exactly_once(pg_app, monkeypatch):  # noqa: F811
    with pg_app.app_context():
        shop = build_shop()
        monthly = plan(shop, type="subscription", price="19.00")
        for _n in range(SUBSCRIPTIONS):
            subscribe(shop, monthly)
        _move_into_the_past(days=40)  # one period due each (ended 9-11 days ago)
        org_id = shop.org.id
        db.session.commit()
        db.session.remove()

    # Both renewers must have picked their subscriptions before either bills one: each waits for
    # the other at its first invoice (or until the other finishes, having had nothing to bill).
    gate = threading.Barrier(2, timeout=20)
    waited = threading.local()
    real_invoice = billing.invoice

    def invoice_in_step(subscription, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass
        return real_invoice(subscription, **kwargs)

    monkeypatch.setattr(billing, "invoice", invoice_in_step)
    errors: list[BaseException] = []

    def renewer() -> None:
        try:
            # What `flask --app wsgi billing renew` runs on each host.
            billing_renew.main(args=[], prog_name="billing renew", standalone_mode=False,
                               obj=ScriptInfo(create_app=lambda: pg_app))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            gate.abort()  # never leave the other renewer waiting

    threads = [threading.Thread(target=renewer) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a renewer hung (deadlock?)"
    assert errors == []

    with pg_app.app_context():
        billed = db.session.execute(
            sa.select(OrgMemberOrderItem.subscription_id, OrgMemberOrderItem.period_start, sa.func.count())
            .join(OrgMemberOrder, OrgMemberOrder.id == OrgMemberOrderItem.order_id)
            .where(OrgMemberOrder.org_id == org_id, OrgMemberOrderItem.subscription_id.is_not(None))
            .group_by(OrgMemberOrderItem.subscription_id, OrgMemberOrderItem.period_start)
        ).all()
        periods_moved = db.session.scalar(
            sa.select(sa.func.count()).select_from(OrgMemberSubscription)
            .where(OrgMemberSubscription.org_id == org_id,
                   OrgMemberSubscription.current_period_end > sa.func.now()))
        db.session.remove()
    assert len(billed) == SUBSCRIPTIONS and {count for _s, _p, count in billed} == {1}
    assert periods_moved == SUBSCRIPTIONS


# ---- the migration classifies the renewal lines billed before it -----------------------------

def _renewal_lines() -> dict[str, str | None]:
    return dict(db.session.execute(
        sa.select(OrgMemberOrderItem.id, OrgMemberOrderItem.billing_kind)
        .where(OrgMemberOrderItem.subscription_id.is_not(None))
    ).tuples().all())


def _bill_every_kind_of_line() -> None:
    """Renewals of a subscription plan, of a usage-based plan (with and without usage above the
    included units) and a final usage invoice after a cancellation, all paid and taxed."""
    shop = build_shop()
    monthly = subscribe(shop, plan(shop, type="subscription"))
    metered_plan = plan(shop, type="usage_based", price="10.00", price_per_unit=Decimal("1.00"), included_units=1)
    metered = subscribe(shop, metered_plan)
    ending = subscribe(shop, metered_plan)
    first_end = metered.current_period_end
    second_end = billing.next_period_end(metered, first_end)
    billing.record_usage(metered, 3, at=first_end - timedelta(days=1))  # second period: none above
    billing.record_usage(ending, 4, at=first_end - timedelta(days=1))
    billing.cancel_at_period_end(ending)
    report = billing.renew_due(at=second_end + timedelta(minutes=1))
    assert len(report.renewed) == 2 + 2 + 1 and report.ended == [ending]
    for order in report.renewed:
        if order.status == "pending":
            orders.mark_paid(order, provider="manual")
    assert monthly.current_period_end > second_end


def _assert_upgrade_classifies_existing_lines(app) -> None:
    from alembic.script import ScriptDirectory
    from flask import current_app
    from flask_migrate import downgrade, upgrade

    from tests.conftest import load_reference_data

    with app.app_context():
        upgrade()
        load_reference_data()
        _bill_every_kind_of_line()
        db.session.commit()
        expected = _renewal_lines()
        rows = {table: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
                for table in ("org_member_order_item", "org_tax_rate_snapshot", "org_member_product_access")}
        access_links = db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("org_member_product_access"))
                                         .where(sa.column("order_item_id").is_not(None)))
        db.session.remove()
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        downgrade(revision=script.get_revision("0004").down_revision)
        upgrade()
        assert _renewal_lines() == expected
        assert sorted(set(expected.values())) == ["period", "usage"]
        # Rebuilding the table (SQLite) lost nothing that points at its rows.
        assert {table: db.session.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
                for table in rows} == rows
        assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("org_member_product_access"))
                                 .where(sa.column("order_item_id").is_not(None))) == access_links
        db.session.remove()
        db.engine.dispose()


@pytest.mark.sqlite_file
def test_the_migration_classifies_existing_renewal_lines_on_sqlite(tmp_path):
    from tests.test_schema import _app_for

    _assert_upgrade_classifies_existing_lines(_app_for(f"sqlite:///{tmp_path / 'backfill.sqlite3'}"))


@pytest.mark.postgres
def test_the_migration_classifies_existing_renewal_lines_on_postgresql(pg_admin_url):
    import uuid

    from tests.test_schema import _app_for

    name = f"volmify_backfill_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = sa.engine.make_url(pg_admin_url).set(database=name)
        _assert_upgrade_classifies_existing_lines(_app_for(url.render_as_string(hide_password=False)))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
