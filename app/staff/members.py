"""Members (``/dashboard/<org>/members``): the list (app/web/tables.py), a member's page with
their orders, access, course progress and submissions, and the actions on a member: change the
member type, deactivate and reactivate (services in app.orgs.services).

Who: admins and managers, the roles of DESIGN.md §3's "invite members / employees" row (the
capability ``invite``), the only row of the matrix about members; the overview shows them the
"new members" figure that opens this list. Creators and staff get 403: nothing in the matrix gives
them the org's member records (staff see a member's name on the orders they may view).

"Purchases" are the member's paid orders (paid, fulfilled or refunded: ``PAID_STATUSES`` of the
overview) and what they paid less refunds, per currency. "Last activity" is the latest of their
last order and their last lesson view in this org.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, flash, g, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from app.accounts.models import User, UserProfile
from app.catalog.models import OrgProduct
from app.courses.models import OrgLesson
from app.db import utcnow
from app.entitlements.models import OrgMemberProductAccess
from app.entitlements.services import access_is_active, with_subscription
from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.learn.models import OrgMemberAssignmentSubmission, OrgMemberLessonProgress
from app.learn.progress import CourseSummary, course_summaries
from app.money import ZERO, quantize
from app.orders.models import OrgMemberOrder
from app.orgs import services as orgs
from app.orgs.models import MEMBER_STATUSES, MEMBERSHIP_TYPES, OrgEmployee, OrgMember
from app.orgs.permissions import can, require
from app.staff.blueprint import bp
from app.staff.forms import ConfirmForm, MemberTypeForm
from app.staff.overview import PAID_STATUSES
from app.web import labels, tables
from app.web.htmx import redirect, render

ORDERS_SHOWN = 50
SUBMISSIONS_SHOWN = 50
ACCESS_SHOWN = 200


# ---- the list --------------------------------------------------------------------------------

@dataclass
class MemberRow:
    member: OrgMember
    name: str
    email: str
    role: str | None  # the role of an active employee
    orders: int = 0  # paid orders
    spent: list[tuple[str, Decimal]] = field(default_factory=list)  # (currency, paid less refunds)
    last_activity: datetime | None = None

    @property
    def purchases_text(self) -> str:
        return "; ".join(f"{currency} {amount}" for currency, amount in self.spent)


def member_rows(employee: OrgEmployee) -> sa.Select:
    """The org's members with their name, email and (active) employee role; 403 unless ``invite``."""
    require(employee, "invite")
    return (
        sa.select(OrgMember, UserProfile.display_name, User.email, OrgEmployee.role)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .join(User, User.id == UserProfile.user_id)
        .outerjoin(OrgEmployee, sa.and_(OrgEmployee.member_id == OrgMember.id, OrgEmployee.status == "active"))
        .where(OrgMember.org_id == employee.org_id)
    )


def member_keys(employee: OrgEmployee) -> sa.Select:
    """The rows of ``member_rows`` without its joins (a profile and a user per member: required
    foreign keys; at most one employment per member and org), to count them."""
    require(employee, "invite")
    return sa.select(OrgMember.id).where(OrgMember.org_id == employee.org_id)


def _paid(member_id):
    return sa.select(OrgMemberOrder.id).where(
        OrgMemberOrder.member_id == member_id, OrgMemberOrder.status.in_(PAID_STATUSES)).exists()


def _member_rows(rows: Sequence) -> list[MemberRow]:
    """A page (or an export batch) of members with their purchases and last activity (two queries)."""
    result = [MemberRow(member=m, name=name, email=email, role=role) for m, name, email, role in rows]
    if not result:
        return result
    by_id = {row.member.id: row for row in result}
    org_id = result[0].member.org_id
    order = OrgMemberOrder
    paid = order.status.in_(PAID_STATUSES)
    for member_id, currency, count, net, last in db.session.execute(
        sa.select(order.member_id, order.currency_code,
                  sa.func.count(sa.case((paid, 1))),  # no column outside ix_org_mbr_ord_purchases
                  sa.func.sum(sa.case((paid, order.total_amount - order.refunded_amount), else_=0)),
                  sa.func.max(order.created_at))
        .where(order.org_id == org_id, order.member_id.in_(by_id))
        .group_by(order.member_id, order.currency_code)
        .order_by(order.member_id, order.currency_code)
    ):
        row = by_id[member_id]
        if count:
            row.orders += int(count)
            row.spent.append((currency, quantize(Decimal(net or ZERO), currency)))
        row.last_activity = _latest(row.last_activity, last)
    progress = OrgMemberLessonProgress
    for member_id, last in db.session.execute(
        sa.select(progress.member_id, sa.func.max(sa.func.coalesce(progress.last_viewed_at, progress.updated_at)))
        .where(progress.org_id == org_id, progress.member_id.in_(by_id))
        .group_by(progress.member_id)
    ):
        by_id[member_id].last_activity = _latest(by_id[member_id].last_activity, last)
    return result


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((d for d in (a, b) if d is not None), default=None, key=lambda d: d.timestamp())


def cached_label(mapping: dict, value: str, cache_key: str) -> str:
    """A label in the request's language, translated once per request (exports call it per row)."""
    cached = g.get(cache_key)
    if cached is None:
        cached = {key: str(text) for key, text in mapping.items()}
        setattr(g, cache_key, cached)
    return cached.get(value, value)


def type_label(value: str) -> str:
    return cached_label(labels.MEMBERSHIP_TYPES, value, "_member_type_labels")


def status_label(value: str) -> str:
    return cached_label(labels.MEMBER_STATUSES, value, "_member_status_labels")


def access_source_label(value: str) -> str:
    return cached_label(labels.ACCESS_SOURCES, value, "_access_source_labels")


MEMBERS = tables.Table(
    id="members",
    title=_l("Members"),
    endpoint="staff.members",
    query=member_rows,
    count_query=member_keys,
    key=OrgMember.id,
    prepare=_member_rows,
    row_id=lambda row: row.member.id,
    row_label=lambda row: f"{row.name} <{row.email}>",
    row_attrs=lambda row: {"data-member": row.member.id, "data-status": row.member.status},
    columns=[
        tables.Column("name", _l("Name"), sort=sa.func.lower(UserProfile.display_name), csv=lambda row: row.name),
        tables.Column("email", _l("Email"), sort=User.email, csv=lambda row: row.email),
        tables.Column("type", _l("Type"), sort=OrgMember.membership_type,
                      csv=lambda row: type_label(row.member.membership_type)),
        tables.Column("status", _l("Status"), sort=OrgMember.status, csv=lambda row: status_label(row.member.status)),
        tables.Column("joined", _l("Joined"), sort=OrgMember.joined_at, csv=lambda row: row.member.joined_at),
        tables.Column("orders", _l("Paid orders"), html=False, csv=lambda row: row.orders),
        tables.Column("purchases", _l("Purchases"), csv=lambda row: row.purchases_text),
        tables.Column("activity", _l("Last activity"), csv=lambda row: row.last_activity),
    ],
    search=[UserProfile.display_name, User.email],
    search_label=_l("Search name or email"),
    filters=[
        tables.Choice("type", _l("Type"), options=list(labels.MEMBERSHIP_TYPES.items()),
                      where=lambda value: OrgMember.membership_type == value),
        tables.Choice("status", _l("Status"), options=list(labels.MEMBER_STATUSES.items()),
                      where=lambda value: OrgMember.status == value),
        tables.DateRange("joined", _l("Joined"), OrgMember.joined_at),
        tables.Choice("purchases", _l("Purchases"),
                      options=[("yes", _l("With purchases")), ("no", _l("Without purchases"))],
                      where=lambda value: _paid(OrgMember.id) if value == "yes" else ~_paid(OrgMember.id)),
    ],
    default_sort="-joined",
    empty=_l("Nobody has joined yet."),
    empty_hint=_l("People become members when they buy in one of your stores or accept an invitation."),
)
assert set(labels.MEMBERSHIP_TYPES) == set(MEMBERSHIP_TYPES) and set(labels.MEMBER_STATUSES) == set(MEMBER_STATUSES)


@bp.get("/members")
def members():
    return MEMBERS.respond(g.employee, "staff/members.html", "staff/_members_table.html",
                           type_label=type_label, status_label=status_label)


# ---- a member's page ---------------------------------------------------------------------------

@dataclass(frozen=True)
class AccessRow:
    product_id: str
    product_name: str
    access: OrgMemberProductAccess
    active: bool


@dataclass(frozen=True)
class CourseRow:
    product_id: str
    name: str
    summary: CourseSummary


@dataclass
class MemberPage:
    row: MemberRow
    orders: list[OrgMemberOrder]
    access: list[AccessRow]
    courses: list[CourseRow]
    submissions: list[tuple[OrgMemberAssignmentSubmission, str]]  # (submission, lesson title)
    order_urls: dict[str, str]  # order id -> its dashboard page (once it exists)


ORDER_ENDPOINT = "staff.order"  # the order's dashboard page (app/staff/orders.py), when it exists


def _order_urls(employee: OrgEmployee, orders: Sequence[OrgMemberOrder]) -> dict[str, str]:
    """Links to the orders' dashboard pages if that page exists and the employee may open it."""
    if ORDER_ENDPOINT not in current_app.view_functions or not can(employee, "orders_view"):
        return {}
    try:
        return {o.id: url_for(ORDER_ENDPOINT, order_id=o.id) for o in orders}
    except BuildError:  # a page with other URL parameters: plain order numbers
        return {}


def member_page(employee: OrgEmployee, member_id: str) -> MemberPage:
    """Everything the member's page shows, in a fixed number of queries (another org's member or
    an unknown id: 404; no ``invite``: 403)."""
    stmt = member_rows(employee).where(OrgMember.id == member_id)
    found = db.session.execute(stmt).first() if member_id else None
    if found is None:
        raise NotFoundError(_("Member not found."))
    row = _member_rows([found])[0]
    member = row.member
    orders = list(db.session.scalars(
        sa.select(OrgMemberOrder).where(OrgMemberOrder.org_id == member.org_id, OrgMemberOrder.member_id == member.id)
        .order_by(OrgMemberOrder.created_at.desc(), OrgMemberOrder.id).limit(ORDERS_SHOWN)))
    access = OrgMemberProductAccess
    access_rows = [
        AccessRow(product_id, name, grant, bool(active))
        for grant, product_id, name, active in db.session.execute(
            with_subscription(sa.select(access, OrgProduct.id, OrgProduct.name, access_is_active(utcnow())))
            .join(OrgProduct, OrgProduct.id == access.product_id)
            .where(access.org_id == member.org_id, access.member_id == member.id)
            .order_by(sa.func.lower(OrgProduct.name), access.starts_at.desc(), access.id)
            .limit(ACCESS_SHOWN))
    ]
    summaries = course_summaries(member)
    names = dict(db.session.execute(
        sa.select(OrgProduct.id, OrgProduct.name).where(OrgProduct.org_id == member.org_id,
                                                         OrgProduct.id.in_(summaries)))
        .all()) if summaries else {}
    courses = sorted((CourseRow(pid, names.get(pid, ""), s) for pid, s in summaries.items()),
                     key=lambda c: c.name.lower())
    sub = OrgMemberAssignmentSubmission
    submissions = [(s, title) for s, title in db.session.execute(
        sa.select(sub, OrgLesson.title).join(OrgLesson, OrgLesson.id == sub.lesson_id)
        .where(sub.org_id == member.org_id, sub.member_id == member.id)
        .order_by(sub.created_at.desc(), sub.id).limit(SUBMISSIONS_SHOWN))]
    return MemberPage(row=row, orders=orders, access=access_rows, courses=courses, submissions=submissions,
                      order_urls=_order_urls(employee, orders))


def _render_member(member_id: str, *, type_form: MemberTypeForm | None = None, error: str | None = None,
                   status: int = 200):
    page = member_page(g.employee, member_id)
    type_form = type_form or MemberTypeForm(formdata=None, data={"membership_type": page.row.member.membership_type})
    return render("staff/member.html", page=page, type_form=type_form, status_form=ConfirmForm(formdata=None),
                  error=error, type_label=type_label, status_label=status_label,
                  access_source_label=access_source_label, status=status)


@bp.get("/members/<member_id>")
def members_view(member_id: str):
    return _render_member(member_id)


def _member(member_id: str) -> OrgMember:
    require(g.employee, "invite")
    return orgs.get_or_404(OrgMember, g.employee.org_id, member_id, _("Member not found."))


@bp.post("/members/<member_id>/type")
def members_type(member_id: str):
    target = _member(member_id)
    form = MemberTypeForm()
    if form.validate():
        try:
            orgs.change_member_type(target, membership_type=form.membership_type.data, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("The member type is now “%(type)s”.", type=type_label(target.membership_type)), "success")
            return redirect(url_for(".members_view", member_id=member_id))
    return _render_member(member_id, type_form=form, status=422)


def _change_status(member_id: str, *, active: bool):
    target = _member(member_id)
    form = ConfirmForm()
    if not form.validate():
        return _render_member(member_id, error=_("The form has expired. Try again."), status=400)
    if not active and not form.is_confirmed:
        return render("staff/member_confirm.html", page=member_page(g.employee, member_id), form=form)
    try:
        if active:
            orgs.reactivate_member(target, by=g.employee)
        else:
            orgs.deactivate_member(target, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        return _render_member(member_id, error=exc.message, status=exc.status_code)
    db.session.commit()
    flash(_("The member is active again: their access is back.") if active else
          _("The member is deactivated: their access has ended; their orders and progress are kept."), "success")
    return redirect(url_for(".members_view", member_id=member_id))


@bp.post("/members/<member_id>/deactivate")
def members_deactivate(member_id: str):
    return _change_status(member_id, active=False)


@bp.post("/members/<member_id>/reactivate")
def members_reactivate(member_id: str):
    return _change_status(member_id, active=True)

