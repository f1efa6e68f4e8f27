"""The audit log: who (employee and user), what (entity type and id), the action, the before and
after values of the changed fields, when and from which address, written in the same transaction
as the change; entries are never changed or deleted."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from app.catalog import services as catalog
from app.extensions import db
from app.giftcards import services as giftcards
from app.orgs import origin
from app.orgs.models import Org, OrgAuditLog, OrgEmployee
from app.tax import services as tax
from tests.factories import (
    make_employee,
    make_org,
    make_product,
    make_region,
    make_tax_category,
    org_admin,
    unique,
)

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def _entries(org_id: str, action: str | None = None) -> list[OrgAuditLog]:
    stmt = sa.select(OrgAuditLog).where(OrgAuditLog.org_id == org_id)
    if action:
        stmt = stmt.where(OrgAuditLog.action == action)
    return list(db.session.scalars(stmt.order_by(OrgAuditLog.created_at, OrgAuditLog.id)))


def test_an_update_records_who_what_and_only_the_changed_fields_before_and_after(db_session):
    org = make_org()
    admin = org_admin(org)
    product = make_product(org, name="Python Basics", description="Learn Python.")
    with origin.acting_from("203.0.113.7"):
        catalog.update_product(product, name="Python Fundamentals", description="Learn Python.", by=admin)
    [entry] = _entries(org.id, "product.updated")
    assert entry.entity_type == "org_product" and entry.entity_id == product.id
    assert entry.actor_employee_id == admin.id
    assert entry.actor_user_id == admin.member.user_profile.user_id
    assert entry.data == {"before": {"name": "Python Basics"}, "after": {"name": "Python Fundamentals"}}
    assert entry.ip_address == "203.0.113.7"
    assert entry.created_at is not None
    # Saving the same values again changes nothing and writes nothing.
    catalog.update_product(product, name="Python Fundamentals", by=admin)
    assert len(_entries(org.id, "product.updated")) == 1


def test_a_new_row_records_its_values_as_after_with_amounts_and_dates_as_text(db_session):
    org = make_org()
    admin = org_admin(org)
    category, region = make_tax_category(org, unique("cat")), make_region(org, "FR")
    rate = tax.create_rate(org, category=category, region=region, name="TVA", type="percent", rate=Decimal("0.2"),
                           effective_from=datetime(2026, 1, 1), by=admin)
    [entry] = _entries(org.id, "tax_rate.created")
    assert entry.entity_id == rate.id and entry.data["before"] == {}
    after = entry.data["after"]
    assert after["name"] == "TVA" and after["rate"] == "0.200000" and after["type"] == "percent"
    assert after["effective_from"].startswith("2026-01-01")
    assert "effective_to" not in after  # empty values of a new row are left out

    # Changing a rate in effect ends it and starts a successor: both are in the log.
    successor = tax.update_rate(rate, new_rate=Decimal("0.21"), by=admin)
    ended = _entries(org.id, "tax_rate.ended")[-1]
    assert ended.entity_id == rate.id and ended.data["before"] == {"effective_to": None}
    assert ended.data["after"]["effective_to"] == successor.effective_from.isoformat()
    assert _entries(org.id, "tax_rate.created")[-1].data["after"]["rate"] == "0.210000"


def test_gift_card_entries_never_hold_the_code(db_session):
    org = make_org()
    staff = make_employee(org, role="staff")
    card = giftcards.issue_gift_card(org, amount="50", currency_code="EUR", by=staff)
    giftcards.disable_gift_card(card, by=staff)
    issued, disabled = _entries(org.id, "gift_card.issued")[0], _entries(org.id, "gift_card.disabled")[0]
    assert issued.actor_employee_id == staff.id and issued.data["after"]["initial_amount"] == "50.00"
    assert disabled.data == {"before": {"is_active": True}, "after": {"is_active": False}}
    assert card.code not in str(issued.data) and card.code.replace("-", "") not in str(issued.data)


def test_the_entry_is_part_of_the_change_s_transaction(app):
    """Rolled back together: a refused change leaves no entry, a committed one keeps both."""
    with app.app_context():
        org = make_org()
        admin = org_admin(org)
        db.session.commit()
        org_id, admin_id = org.id, admin.id
        tax.create_category(org, code="books", name="Books", by=admin)
        db.session.rollback()
        assert _entries(org_id) == []
        assert tax.get_category_by_code(org_id, "books") is None
        tax.create_category(db.session.get(Org, org_id), code="books", name="Books",
                            by=db.session.get(OrgEmployee, admin_id))
        db.session.commit()
        assert [e.action for e in _entries(org_id)] == ["tax_category.created"]


def test_the_address_is_the_requests_client_address_and_only_during_the_request(app):
    with app.app_context():
        org = make_org()
        admin = org_admin(org)
        db.session.commit()
        org_id, admin_id = org.id, admin.id
    assert origin.current_address() is None
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "198.51.100.23"}):
        app.preprocess_request()  # the before_request hooks, as for a real request
        assert origin.current_address() == "198.51.100.23"
        tax.create_category(db.session.get(Org, org_id), code="books", name="Books",
                            by=db.session.get(OrgEmployee, admin_id))
        entry = _entries(org_id, "tax_category.created")[0]
        assert entry.ip_address == "198.51.100.23"
        db.session.rollback()
    assert origin.current_address() is None  # gone with the request (teardown)


def test_the_address_is_registered_before_every_other_hook():
    app = Flask(__name__)

    @app.before_request
    def other():  # registered first, runs after the address is known
        return None

    origin.register(app)
    assert app.before_request_funcs[None][0] is origin._remember_address
    assert origin._forget_address in app.teardown_request_funcs[None]


@pytest.mark.parametrize("how", ["change", "delete"])
def test_an_entry_cannot_be_changed_or_deleted(db_session, how):
    org = make_org()
    tax.create_category(org, code="books", name="Books", by=org_admin(org))
    [entry] = _entries(org.id)
    if how == "change":
        entry.data = {"before": {}, "after": {"name": "Forged"}}
    else:
        db_session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        db_session.flush()


def test_no_code_of_the_app_updates_or_deletes_audit_entries():
    """Besides the model (which refuses it) no module of the app names the table in an UPDATE or
    DELETE, or changes an OrgAuditLog row."""
    pattern = re.compile(
        r"(update|delete)\(\s*OrgAuditLog|OrgAuditLog\)\.(update|delete)|"
        r"(UPDATE|DELETE\s+FROM)\s+\"?org_audit_log",
        re.IGNORECASE,
    )
    offenders = [str(path.relative_to(APP_DIR)) for path in APP_DIR.rglob("*.py") if pattern.search(path.read_text())]
    assert offenders == []
