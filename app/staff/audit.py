"""The audit log (``/dashboard/<org>/audit``): every change employees made in the org, newest
first, built with app/web/tables.py (filters by employee, entity, action and date; search; CSV),
and an entry's page with the before/after values of the changed fields.

Admins only (``org_settings``, DESIGN.md §3). The log is append-only: these pages only read it
(GET), and the model refuses updates and deletes (app/orgs/models.py); entries are written by
``app.orgs.services.audit`` in the services that make the changes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.accounts.models import User, UserProfile
from app.errors import NotFoundError
from app.extensions import db
from app.orgs.models import OrgAuditLog, OrgEmployee, OrgMember
from app.orgs.permissions import require
from app.staff.blueprint import bp
from app.web import tables
from app.web.htmx import render

Entry = OrgAuditLog

# What the log calls the entities (table names), in the reader's language; others show as stored.
ENTITY_LABELS = {
    "org_product": _l("Product"),
    "org_product_translation": _l("Product translation"),
    "org_product_variant": _l("Variant"),
    "org_product_variant_payment_plan": _l("Payment plan"),
    "org_product_variant_payment_plan_market_price": _l("Price"),
    "org_product_collection": _l("Collection"),
    "org_product_collection_product": _l("Collection entry"),
    "org_product_collection_translation": _l("Collection translation"),
    "org_product_variant_translation": _l("Variant translation"),
    "org_skill_translation": _l("Skill name"),
    "org_discount": _l("Discount"),
    "org_employee_product_attribution": _l("Revenue share"),
    "org_product_course": _l("Course"),
    "org_product_course_module": _l("Course module"),
    "org_product_course_module_section": _l("Course section"),
    "org_product_course_module_section_lesson": _l("Lesson placement"),
    "org_lesson": _l("Lesson"),
    "org_lesson_quiz_question": _l("Quiz question"),
    "org_tax_category": _l("Tax category"),
    "org_tax_rate": _l("Tax rate"),
    "org_brand": _l("Brand"),
    "org_region": _l("Tax region"),
    "org_market": _l("Market"),
    "org_gift_card": _l("Gift card"),
    "org_employee": _l("Employee"),
    "org_employee_invitation": _l("Employee invitation"),
    "org_member": _l("Member"),
    "org_member_invitation": _l("Member invitation"),
    "org_member_order": _l("Order"),
    "org_member_assignment_submission": _l("Assignment submission"),
}


def entity_label(entity_type: str) -> str:
    """The entity's name in the request's language (translated once per request: exports call it per row)."""
    labels = g.get("_audit_entity_labels")
    if labels is None:
        labels = g._audit_entity_labels = {key: str(label) for key, label in ENTITY_LABELS.items()}
    return labels.get(entity_type, entity_type)


@dataclass(frozen=True)
class AuditRow:
    """One entry as the list and its page show it."""

    entry: OrgAuditLog
    actor_name: str | None
    actor_email: str | None

    @property
    def before(self) -> dict[str, Any]:
        data = self.entry.data or {}
        return data.get("before") or {} if isinstance(data, dict) else {}

    @property
    def after(self) -> dict[str, Any]:
        data = self.entry.data or {}
        return data.get("after") or {} if isinstance(data, dict) else {}

    @property
    def has_changes(self) -> bool:
        data = self.entry.data
        return isinstance(data, dict) and ("before" in data or "after" in data)

    @property
    def fields(self) -> list[str]:
        """The changed fields, in the order the service recorded them."""
        return list(dict.fromkeys([*self.before, *self.after]))

    @property
    def other_data(self) -> dict[str, Any]:
        """What an entry holds besides before/after (entries written before they were recorded)."""
        data = self.entry.data
        if not isinstance(data, dict):
            return {} if data is None else {"data": data}
        return {k: v for k, v in data.items() if k not in ("before", "after")}


def audit_rows(employee: OrgEmployee) -> sa.Select:
    """The org's audit entries with the acting person's name and email; admins only (403)."""
    require(employee, "org_settings")
    return (
        sa.select(Entry, UserProfile.display_name, User.email)
        .outerjoin(User, User.id == Entry.actor_user_id)
        .outerjoin(UserProfile, sa.and_(UserProfile.user_id == User.id, UserProfile.type == "main"))
        .where(Entry.org_id == employee.org_id)
    )


def audit_row(employee: OrgEmployee, entry_id: str) -> AuditRow:
    """One entry of the org's log (the list's query: admins only; another org's entry is not found)."""
    row = db.session.execute(audit_rows(employee).where(Entry.id == entry_id)).first()
    if row is None:
        raise NotFoundError(_("This audit entry does not exist."))
    return AuditRow(*row)


def _rows(rows: Sequence) -> list[AuditRow]:
    return [AuditRow(entry, name, email) for entry, name, email in rows]


def _employee_choices(employee: OrgEmployee) -> list[tuple[str, str]]:
    """Every employee of the org, active or not (one query)."""
    stmt = (
        sa.select(OrgEmployee.id, UserProfile.display_name)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(OrgEmployee.org_id == employee.org_id)
        .order_by(sa.func.lower(UserProfile.display_name), OrgEmployee.id)
    )
    return [(eid, name) for eid, name in db.session.execute(stmt)]


def _distinct(column) -> Any:
    def options(employee: OrgEmployee) -> list[tuple[str, str]]:
        values = db.session.scalars(
            sa.select(column).where(Entry.org_id == employee.org_id).distinct().order_by(column)
        )
        return [(value, entity_label(value) if column is Entry.entity_type else value) for value in values]
    return options


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False) if value else ""


AUDIT = tables.Table(
    id="audit",
    title=_l("Audit log"),
    endpoint="staff.audit",
    query=audit_rows,
    key=Entry.id,
    prepare=_rows,
    row_id=lambda row: row.entry.id,
    row_label=lambda row: f"{row.entry.action} · {row.entry.entity_id or ''}",
    row_attrs=lambda row: {"data-entry": row.entry.id, "data-action": row.entry.action},
    columns=[
        tables.Column("time", _l("When"), sort=Entry.created_at, csv=lambda row: row.entry.created_at),
        tables.Column("employee", _l("Who"), sort=sa.func.lower(UserProfile.display_name),
                      csv=lambda row: row.actor_name),
        tables.Column("email", _l("Email"), html=False, csv=lambda row: row.actor_email),
        tables.Column("action", _l("Action"), sort=Entry.action, csv=lambda row: row.entry.action),
        tables.Column("entity", _l("Entity"), sort=Entry.entity_type, csv=lambda row: entity_label(row.entry.entity_type)),
        tables.Column("entity_id", _l("Entity ID"), html=False, csv=lambda row: row.entry.entity_id),
        tables.Column("changes", _l("Changed fields"), csv=lambda row: ", ".join(row.fields)),
        tables.Column("before", _l("Before"), html=False, csv=lambda row: _json(row.before)),
        tables.Column("after", _l("After"), html=False, csv=lambda row: _json(row.after)),
        tables.Column("address", _l("Address"), sort=Entry.ip_address, csv=lambda row: row.entry.ip_address),
    ],
    search=[UserProfile.display_name, User.email, Entry.action, Entry.entity_type, Entry.entity_id, Entry.ip_address,
            sa.cast(Entry.data, sa.Text)],
    search_label=_l("Search person, action, entity or value"),
    filters=[
        tables.Choice("employee", _l("Employee"), options=_employee_choices,
                      where=lambda value: Entry.actor_employee_id == value),
        tables.Choice("entity", _l("Entity"), options=_distinct(Entry.entity_type),
                      where=lambda value: Entry.entity_type == value),
        tables.Choice("action", _l("Action"), options=_distinct(Entry.action),
                      where=lambda value: Entry.action == value),
        tables.DateRange("when", _l("Date"), Entry.created_at),
    ],
    default_sort="-time",
    empty=_l("Nothing has been changed yet."),
    empty_hint=_l("Every change employees make (products, courses, prices, markets, tax, gift cards, people) "
                  "appears here with who made it, when, from which address and the values before and after."),
)


@bp.get("/audit")
def audit():
    return AUDIT.respond(g.employee, "staff/audit.html", "staff/_audit_table.html", entity_label=entity_label)


@bp.get("/audit/<entry_id>")
def audit_entry(entry_id: str):
    return render("staff/audit_entry.html", row=audit_row(g.employee, entry_id), entity_label=entity_label)
