"""Gift cards (``/dashboard/<org>/giftcards``): the list with what the org owes per currency,
issuing one or many cards (app/giftcards/issuing.py), the codes of a batch shown once right after
issuing and downloadable as CSV in that session only, a card's page with its balance and usage
history (the orders it paid, the refunds that gave amounts back), disable and re-enable.

Who: the ``gift_cards`` capability of DESIGN.md §3 (admins, managers and staff); creators get 403.

A code is shown in full only to whoever issued it, right after: the batch id is kept in their
session (``SESSION_KEY``) and the page of codes renders them once; the CSV of the batch can be
downloaded in that session for ``BATCH_DOWNLOAD_WINDOW``. Everywhere else (the list, its CSV, a
card's page) only the last four characters show, and the search matches a full code or its last
four, never a part, so a code cannot be pieced together from the list.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import Response, flash, g, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.validators import ValidationError as FieldError

from app.accounts.models import UserProfile
from app.db import utcnow
from app.errors import DomainError, NotFoundError, ValidationError
from app.extensions import db
from app.giftcards import issuing
from app.giftcards.models import OrgGiftCard, OrgMemberGiftCardUsage
from app.giftcards.services import disable_gift_card
from app.orders.models import OrgMemberOrder
from app.orgs import services as orgs
from app.orgs.models import OrgEmployee, OrgMember
from app.orgs.permissions import can, require
from app.staff.blueprint import bp
from app.web import tables
from app.web.htmx import redirect, render
from app.web.inputs import DecimalNumberField, EmailAddress, Form, WholeNumberField

SESSION_KEY = "giftcard_batch"
BATCH_DOWNLOAD_WINDOW = timedelta(minutes=30)
MAX_EXPIRY_YEARS = 50
USAGES_SHOWN = 200

STATUS_LABELS = {
    "active": _l("Active"),
    "disabled": _l("Disabled"),
    "expired": _l("Expired"),
    "spent": _l("Used up"),
}


def card_status(card: OrgGiftCard, at: datetime | None = None) -> str:
    if not card.is_active:
        return "disabled"
    if card.is_expired(at):
        return "expired"
    if card.current_balance <= 0:
        return "spent"
    return "active"


def status_label(status: str) -> str:
    labels = g.get("_giftcard_status_labels")
    if labels is None:
        labels = g._giftcard_status_labels = {key: str(label) for key, label in STATUS_LABELS.items()}
    return labels.get(status, status)


def masked(code: str) -> str:
    """What the dashboard shows of a code after issuing: its last four characters."""
    return "…" + code.replace("-", "")[-4:]


# ---- the list ------------------------------------------------------------------------------------

def card_rows(employee: OrgEmployee) -> sa.Select:
    """The org's cards with the issuer's name; 403 without ``gift_cards``."""
    require(employee, "gift_cards")
    return (
        sa.select(OrgGiftCard, UserProfile.display_name)
        .join(OrgEmployee, OrgEmployee.id == OrgGiftCard.issued_by_employee_id)
        .join(OrgMember, OrgMember.id == OrgEmployee.member_id)
        .join(UserProfile, UserProfile.id == OrgMember.user_profile_id)
        .where(OrgGiftCard.org_id == employee.org_id)
    )


def _status_where(value: str):
    now = utcnow()
    card = OrgGiftCard
    unexpired = sa.or_(card.expires_at.is_(None), card.expires_at > now)
    return {
        "active": sa.and_(card.is_active.is_(True), unexpired, card.current_balance > 0),
        "disabled": card.is_active.is_(False),
        "expired": sa.and_(card.is_active.is_(True), card.expires_at.is_not(None), card.expires_at <= now),
        "spent": sa.and_(card.is_active.is_(True), unexpired, card.current_balance <= 0),
    }[value]


def _currencies(employee: OrgEmployee) -> list[tuple[str, str]]:
    return [(c, c) for c in db.session.scalars(
        sa.select(OrgGiftCard.currency_code).where(OrgGiftCard.org_id == employee.org_id).distinct()
        .order_by(OrgGiftCard.currency_code))]


GIFT_CARDS = tables.Table(
    id="giftcards",
    title=_l("Gift cards"),
    endpoint="staff.giftcards",
    query=card_rows,
    key=OrgGiftCard.id,
    row_id=lambda row: row[0].id,
    row_label=lambda row: masked(row[0].code),
    row_attrs=lambda row: {"data-card": row[0].id, "data-status": card_status(row[0])},
    columns=[
        tables.Column("code", _l("Code"), csv=lambda row: masked(row[0].code)),
        tables.Column("balance", _l("Balance"), sort=OrgGiftCard.current_balance, numeric=True,
                      csv=lambda row: row[0].current_balance),
        tables.Column("amount", _l("Amount"), sort=OrgGiftCard.initial_amount, numeric=True,
                      csv=lambda row: row[0].initial_amount),
        tables.Column("currency", _l("Currency"), sort=OrgGiftCard.currency_code, csv=lambda row: row[0].currency_code),
        tables.Column("status", _l("Status"), csv=lambda row: status_label(card_status(row[0]))),
        tables.Column("expires", _l("Expires"), sort=OrgGiftCard.expires_at, csv=lambda row: row[0].expires_at),
        tables.Column("recipient", _l("Recipient"), sort=OrgGiftCard.recipient_email,
                      csv=lambda row: row[0].recipient_email),
        tables.Column("issued", _l("Issued"), sort=OrgGiftCard.created_at, csv=lambda row: row[0].created_at),
        tables.Column("issuer", _l("Issued by"), csv=lambda row: row[1]),
        tables.Column("note", _l("Note"), html=False, csv=lambda row: row[0].note),
    ],
    search_where=issuing.code_search,
    search_label=_l("Code or its last four characters"),
    filters=[
        tables.Choice("status", _l("Status"), options=list(STATUS_LABELS.items()), where=_status_where),
        tables.Choice("currency", _l("Currency"), options=_currencies,
                      where=lambda value: OrgGiftCard.currency_code == value),
    ],
    default_sort="-issued",
    empty=_l("No gift cards yet."),
    empty_hint=_l("Issue gift cards to give customers a balance they can spend at checkout."),
)


@bp.get("/giftcards")
def giftcards():
    return GIFT_CARDS.respond(g.employee, "staff/giftcards.html", "staff/_giftcards_table.html",
                              outstanding=lambda: issuing.outstanding_balances(g.staff_org),
                              status_label=status_label, card_status=card_status, masked=masked)


# ---- issuing -------------------------------------------------------------------------------------

class IssueForm(Form):
    count = WholeNumberField(_l("Number of cards"), default=1, minimum=1, maximum=issuing.MAX_BATCH,
                             message=_l("Enter a whole number of cards from 1 to 10,000."),
                             validators=[InputRequired(message=_l("Enter how many cards to issue."))])
    amount = DecimalNumberField(_l("Amount per card"), places=None, message=_l("Enter an amount, e.g. 25.00."),
                                validators=[InputRequired(message=_l("Enter the amount of each card."))])
    currency_code = SelectField(_l("Currency"), validators=[InputRequired(message=_l("Choose a currency."))])
    expires_on = DateField(_l("Valid until (optional)"), validators=[Optional()],
                           render_kw={"type": "date"})
    recipient_email = StringField(_l("Recipient email (optional)"), validators=[Optional(), EmailAddress()])
    note = TextAreaField(_l("Note (optional, for your team)"),
                         validators=[Optional(), Length(max=issuing.NOTE_MAX)], render_kw={"rows": 2})

    def validate_expires_on(self, field) -> None:
        if field.data is not None and field.data > date.today() + timedelta(days=366 * MAX_EXPIRY_YEARS):
            raise FieldError(_("Choose a date within %(years)d years.", years=MAX_EXPIRY_YEARS))

    @property
    def expires_at(self) -> datetime | None:
        """The end of the chosen day in the employee's time zone (the card is valid all that day)."""
        day = self.expires_on.data
        return tables.day_start(day + timedelta(days=1)) if day else None


def _issue_form(formdata=None) -> IssueForm:
    form = IssueForm(formdata=formdata) if formdata is not None else IssueForm()
    currencies = issuing.sold_currencies(g.staff_org)
    form.currency_code.choices = [SelectChoice(c, c) for c in currencies]
    if form.currency_code.data is None and currencies:
        form.currency_code.data = currencies[0]
    return form


FORM_FIELDS = {"expires_at": "expires_on", "starts_at": "starts_on", "ends_at": "ends_on",
               "market": "market_id", "product": "scope", "collection": "scope"}  # service -> form names


def show_field_error(form: Form, exc: DomainError) -> None:
    """A service's message next to the field it names (``ValidationError.field``), else on the form."""
    name = exc.field if isinstance(exc, ValidationError) else None
    name = FORM_FIELDS.get(name, name)
    field = form[name] if name and name in form else None
    if field is not None:
        field.errors = [*(field.errors or []), exc.message]
    else:
        form.form_errors.append(exc.message)


@bp.route("/giftcards/new", methods=["GET", "POST"])
def giftcards_new():
    require(g.employee, "gift_cards")
    form = _issue_form()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                batch = issuing.start_issue(
                    g.staff_org, count=form.count.data, amount=form.amount.data,
                    currency_code=form.currency_code.data, expires_at=form.expires_at,
                    recipient_email=form.recipient_email.data, note=form.note.data, by=g.employee)
            except DomainError as exc:
                db.session.rollback()
                show_field_error(form, exc)
            else:
                db.session.commit()
                session[SESSION_KEY] = {"id": batch.batch_id, "at": utcnow().isoformat(), "shown": False,
                                        "count": batch.count}
                return redirect(url_for(".giftcards_issued"))
        status = 422
    return render("staff/giftcards_new.html", form=form, max_batch=issuing.MAX_BATCH, status=status)


@dataclass(frozen=True)
class SessionBatch:
    batch_id: str
    issued_at: datetime
    shown: bool
    count: int = 0  # cards asked for (a large batch is issued in the background)

    @property
    def downloadable(self) -> bool:
        return utcnow() - self.issued_at < BATCH_DOWNLOAD_WINDOW


def _session_batch() -> SessionBatch | None:
    """The batch this session issued last, while its codes may still be downloaded."""
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict) or not isinstance(stored.get("id"), str):
        return None
    try:
        batch = SessionBatch(stored["id"], datetime.fromisoformat(stored["at"]), bool(stored.get("shown")),
                             int(stored.get("count") or 0))
    except (KeyError, TypeError, ValueError):
        return None
    if not batch.downloadable:
        session.pop(SESSION_KEY, None)
        return None
    return batch


@bp.get("/giftcards/issued")
def giftcards_issued():
    """The codes of the batch just issued, in full, once (a reload shows only the CSV link)."""
    require(g.employee, "gift_cards")
    batch = _session_batch()
    cards = issuing.batch_cards(g.staff_org, batch.batch_id) if batch else []
    if batch is not None and not cards and batch.count >= issuing.BACKGROUND_FROM:
        # A large batch a worker is still issuing: this page shows its codes once it is done.
        return render("staff/giftcards_pending.html", count=batch.count)
    if batch is None or not cards:
        flash(_("The codes of issued gift cards are shown only once, right after issuing."), "info")
        return redirect(url_for(".giftcards"))
    show = not batch.shown
    if show:
        session[SESSION_KEY] = {**session[SESSION_KEY], "shown": True}
    return render("staff/giftcards_issued.html", cards=cards, show_codes=show, first=cards[0],
                  window_minutes=int(BATCH_DOWNLOAD_WINDOW.total_seconds() // 60))


@bp.get("/giftcards/issued.csv")
def giftcards_issued_csv():
    """The batch just issued as CSV, codes in full: only in the session that issued it."""
    require(g.employee, "gift_cards")
    batch = _session_batch()
    cards = issuing.batch_cards(g.staff_org, batch.batch_id) if batch else []
    if not cards:
        raise NotFoundError(_("This download is no longer available: codes are shown only right after issuing."))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Code"), _("Amount"), _("Currency"), _("Expires"), _("Recipient"), _("Note")])
    for card in cards:
        writer.writerow([card.code, card.initial_amount, card.currency_code,
                         card.expires_at.isoformat() if card.expires_at else "",
                         tables.csv_cell(card.recipient_email or ""), tables.csv_cell(card.note or "")])
    stamp = cards[0].created_at.strftime("%Y%m%d-%H%M")
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="giftcards-{stamp}.csv"',
        "Cache-Control": "no-store",
    })


# ---- a card's page -------------------------------------------------------------------------------

@dataclass(frozen=True)
class UsageRow:
    usage: OrgMemberGiftCardUsage
    order_id: str
    order_number: str
    order_status: str


@dataclass(frozen=True)
class CardPage:
    card: OrgGiftCard
    issuer: str
    status: str
    usages: list[UsageRow]
    order_urls: bool  # whether the employee may open the orders


def card_page(employee: OrgEmployee, card_id: str) -> CardPage:
    """The card, its issuer and its usage history (each order it paid; a restored row is an
    amount a cancellation or refund gave back), in a fixed number of queries."""
    found = db.session.execute(card_rows(employee).where(OrgGiftCard.id == card_id)).first() if card_id else None
    if found is None:
        raise NotFoundError(_("Gift card not found."))
    card, issuer = found
    usage = OrgMemberGiftCardUsage
    usages = [UsageRow(u, order_id, number, status) for u, order_id, number, status in db.session.execute(
        sa.select(usage, OrgMemberOrder.id, OrgMemberOrder.order_number, OrgMemberOrder.status)
        .join(OrgMemberOrder, OrgMemberOrder.id == usage.order_id)
        .where(usage.org_id == card.org_id, usage.gift_card_id == card.id)
        .order_by(usage.used_at.desc(), usage.created_at.desc(), usage.id).limit(USAGES_SHOWN))]
    return CardPage(card=card, issuer=issuer, status=card_status(card), usages=usages,
                    order_urls=can(employee, "orders_view"))


def _render_card(card_id: str, *, error: str | None = None, status: int = 200):
    page = card_page(g.employee, card_id)
    return render("staff/giftcards_card.html", page=page, card=page.card, error=error, masked=masked,
                  status_label=status_label, status=status)


@bp.get("/giftcards/<card_id>")
def giftcards_card(card_id: str):
    return _render_card(card_id)


def _set_active(card_id: str, *, active: bool):
    require(g.employee, "gift_cards")
    card = orgs.get_or_404(OrgGiftCard, g.employee.org_id, card_id, _("Gift card not found."))
    form = Form()
    if not form.validate():
        return _render_card(card_id, error=_("The form has expired. Try again."), status=400)
    try:
        if active:
            issuing.enable_gift_card(card, by=g.employee)
        else:
            disable_gift_card(card, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        return _render_card(card_id, error=exc.message, status=exc.status_code)
    db.session.commit()
    flash(_("The gift card can be used again.") if active else
          _("The gift card is disabled: it cannot be used at checkout; its balance is kept."), "success")
    return redirect(url_for(".giftcards_card", card_id=card_id))


@bp.post("/giftcards/<card_id>/disable")
def giftcards_disable(card_id: str):
    return _set_active(card_id, active=False)


@bp.post("/giftcards/<card_id>/enable")
def giftcards_enable(card_id: str):
    return _set_active(card_id, active=True)
