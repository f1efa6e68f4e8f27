"""Issuing gift cards from the dashboard: one or many at once (up to ``MAX_BATCH``), in bulk SQL.

``issue_gift_cards`` checks the input once, draws the codes with ``services.generate_code`` (the
one generator), drops those already taken (a few ``IN`` queries) and inserts the cards a chunk at
a time with one multi-row INSERT each, not one ORM object per card: 10,000 cards take seconds on
SQLite and PostgreSQL. A chunk that still collides with a code inserted meanwhile (the unique index
on ``org_gift_card.code`` is the judge) is retried in a SAVEPOINT with fresh codes.

The cards of one request share a ``batch_id``: the dashboard shows their codes in full once, right
after issuing, and offers them as a CSV download for that session only (app/staff/giftcards.py);
afterwards only the last four characters are shown. A recipient gets one email per card through
the outbox. The audit log records the batch (amount, currency, count), never a code.

Services flush and raise DomainErrors (``ValidationError.field`` names the form field); the view
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from celery import shared_task
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.routing import BuildError

from app.checks import aware, check_email, clean_text, to_amount, to_int
from app.db import new_id, utcnow
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.giftcards import events
from app.giftcards.models import OrgGiftCard
from app.giftcards.services import generate_code, normalize_code
from app.markets.models import OrgMarket
from app.money import format_money, quantize
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit, audit_change, authorize, snapshot
from app.platform.email import QueuedEmail, queue_emails, send_soon
from app.platform.links import public_url
from app.platform.tasks import enqueue

MAX_BATCH = 10_000
# From this many cards a batch is issued by a Celery worker (``issue_batch``), not in the request.
BACKGROUND_FROM = 2_000
INSERT_CHUNK = 500  # rows per INSERT (14 parameters each: well under SQLite's and psycopg's limits)
LOOKUP_CHUNK = 1000  # codes per "already taken?" query
_ATTEMPTS = 5
NOTE_MAX = 255


@dataclass(frozen=True)
class IssuedBatch:
    batch_id: str
    count: int
    amount: Decimal
    currency_code: str
    emails: int  # emails queued to the recipient
    pending: bool = False  # issued in the background: the cards do not exist yet


def sold_currencies(org: Org | str) -> list[str]:
    """The currencies of the org's active markets (what a gift card may be issued in), sorted."""
    org_id = org if isinstance(org, str) else org.id
    return sorted(db.session.scalars(
        sa.select(OrgMarket.currency_code).where(OrgMarket.org_id == org_id, OrgMarket.is_active.is_(True))
        .distinct()
    ))


def _count(value) -> int:
    try:
        return to_int(value, _("Number of cards"), minimum=1, maximum=MAX_BATCH)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="count") from None


def _currency(org: Org, code: str | None) -> str:
    code = (code or "").strip().upper()
    if code not in sold_currencies(org):
        raise ValidationError(_("Choose the currency of one of your markets."), field="currency_code")
    return code


def _amount(value, currency: str) -> Decimal:
    try:
        amount = to_amount(value, _("Amount"))
    except ValidationError as exc:
        raise ValidationError(exc.message, field="amount") from None
    amount = quantize(amount, currency)
    if amount <= 0:
        raise ValidationError(_("The gift card amount must be greater than zero."), field="amount")
    return amount


def _expiry(value: datetime | None) -> datetime | None:
    value = aware(value)
    if value is not None and value <= utcnow():
        raise ValidationError(_("The expiry date must be in the future."), field="expires_at")
    return value


def _email(value: str | None) -> str | None:
    if not (value or "").strip():
        return None
    try:
        return check_email(value)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="recipient_email") from None


def _note(value: str | None) -> str | None:
    try:
        return clean_text(value, _("Note"), max_length=NOTE_MAX)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="note") from None


def _taken(codes: list[str]) -> set[str]:
    """Which of ``codes`` exist already (codes are unique across the platform)."""
    taken: set[str] = set()
    for start in range(0, len(codes), LOOKUP_CHUNK):
        part = codes[start:start + LOOKUP_CHUNK]
        taken.update(db.session.scalars(sa.select(OrgGiftCard.code).where(OrgGiftCard.code.in_(part))))
    return taken


def unique_codes(count: int) -> list[str]:
    """``count`` distinct fresh codes none of which is in use, drawn in bulk (collisions redrawn)."""
    codes: dict[str, None] = {}
    for _attempt in range(_ATTEMPTS):
        missing = count - len(codes)
        if missing <= 0:
            break
        fresh = list(dict.fromkeys(c for c in (generate_code() for _i in range(missing)) if c not in codes))
        taken = _taken(fresh)
        codes.update((c, None) for c in fresh if c not in taken)
    if len(codes) < count:
        raise ConflictError(_("Could not generate unique gift card codes. Please try again."))
    return list(codes)[:count]


def _insert(rows: list[dict]) -> None:
    """Insert the cards a chunk at a time; a chunk that hits a code taken meanwhile gets new codes."""
    table = OrgGiftCard.__table__
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start:start + INSERT_CHUNK]
        for attempt in range(_ATTEMPTS):
            try:
                with db.session.begin_nested():
                    db.session.execute(table.insert(), chunk)
                break
            except IntegrityError:
                if attempt == _ATTEMPTS - 1:
                    raise ConflictError(_("Could not generate unique gift card codes. Please try again.")) from None
                for row, code in zip(chunk, unique_codes(len(chunk)), strict=True):
                    row["code"] = code


def _store_link(org: Org, currency: str) -> str | None:
    market = db.session.scalar(
        sa.select(OrgMarket).where(OrgMarket.org_id == org.id, OrgMarket.is_active.is_(True),
                                   OrgMarket.currency_code == currency).order_by(OrgMarket.created_at, OrgMarket.id)
        .limit(1))
    if market is None:
        return None
    try:
        return public_url("store.catalog.index", org_slug=org.slug, market_slug=market.slug,
                          locale=market.default_locale_key)
    except BuildError:
        return None


def _emails(org: Org, rows: list[dict], email: str, amount: Decimal, currency: str,
            expires_at: datetime | None) -> int:
    """One email per card to the recipient, queued in bulk."""
    value = format_money(amount, currency)
    subject = _("Your gift card from %(org)s", org=org.name)
    link = _store_link(org, currency)
    until = (_("It is valid until %(date)s.", date=format_date(expires_at, format="long"))
             if expires_at else _("It does not expire."))
    where = _("Use it at checkout: %(link)s", link=link) if link else _("Enter the code at checkout.")
    messages = [
        QueuedEmail(
            to=email, subject=subject, kind="gift_card", org_id=org.id,
            body_text=_("You have received a gift card worth %(amount)s from %(org)s.\n\n"
                        "Your code: %(code)s\n\n%(until)s %(where)s",
                        amount=value, org=org.name, code=row["code"], until=until, where=where),
        )
        for row in rows
    ]
    return queue_emails(messages)


def issue_gift_cards(org: Org, *, count, amount, currency_code: str | None, by: OrgEmployee,
                     expires_at: datetime | None = None, recipient_email: str | None = None,
                     note: str | None = None, batch_id: str | None = None) -> IssuedBatch:
    """Issue ``count`` (1 to ``MAX_BATCH``) active cards worth ``amount`` in ``currency_code`` (a
    currency one of the org's active markets sells in), each with its own code, in bulk. ``by``
    needs ``gift_cards``. A recipient address gets one email per card."""
    authorize(by, org, "gift_cards", _("You do not have permission to issue gift cards."))
    number = _count(count)
    currency = _currency(org, currency_code)
    value = _amount(amount, currency)
    expires = _expiry(expires_at)
    email = _email(recipient_email)
    text = _note(note)

    batch_id, now = batch_id or new_id(), utcnow()
    rows = [
        {"id": new_id(), "org_id": org.id, "code": code, "currency_code": currency, "initial_amount": value,
         "current_balance": value, "issued_by_employee_id": by.id, "expires_at": expires, "is_active": True,
         "recipient_email": email, "note": text, "batch_id": batch_id, "created_at": now, "updated_at": now}
        for code in unique_codes(number)
    ]
    _insert(rows)
    events.cards_issued.send(org.id, currency=currency, total=value * number, count=number, source_id=batch_id)
    emails = _emails(org, rows, email, value, currency, expires) if email else 0
    audit(org, action="gift_card.batch_issued", entity_type="org_gift_card_batch", entity_id=batch_id,
          actor_employee=by,
          data={"after": {"count": number, "initial_amount": str(value), "currency_code": currency,
                          "expires_at": expires.isoformat() if expires else None, "recipient_email": email,
                          "note": text}})
    return IssuedBatch(batch_id=batch_id, count=number, amount=value, currency_code=currency, emails=emails)


def start_issue(org: Org, *, count, amount, currency_code: str | None, by: OrgEmployee,
                expires_at: datetime | None = None, recipient_email: str | None = None,
                note: str | None = None) -> IssuedBatch:
    """``issue_gift_cards``, or for ``BACKGROUND_FROM`` cards and more, the same checks now and the
    issue itself by a Celery worker (``issue_batch``; in this process when no broker is
    configured): the batch comes back ``pending`` with its id, and its cards appear once the
    worker has committed them."""
    authorize(by, org, "gift_cards", _("You do not have permission to issue gift cards."))
    number = _count(count)
    if number < BACKGROUND_FROM:
        return issue_gift_cards(org, count=number, amount=amount, currency_code=currency_code, by=by,
                                expires_at=expires_at, recipient_email=recipient_email, note=note)
    currency = _currency(org, currency_code)
    value = _amount(amount, currency)
    expires = _expiry(expires_at)
    email, text = _email(recipient_email), _note(note)
    batch_id = new_id()
    enqueue(issue_batch, org.id, by.id, batch_id, number, str(value), currency,
                      expires.isoformat() if expires else None, email, text)
    return IssuedBatch(batch_id=batch_id, count=number, amount=value, currency_code=currency,
                       emails=number if email else 0, pending=True)


@shared_task(name="giftcards.issue_batch", autoretry_for=(sa.exc.OperationalError,), retry_backoff=5,
             retry_backoff_max=300, max_retries=5)
def issue_batch(org_id: str, employee_id: str, batch_id: str, count: int, amount: str, currency_code: str,
                expires_at: str | None, recipient_email: str | None, note: str | None) -> int:
    """The background half of ``start_issue`` (a job: commits). Idempotent: a batch whose cards
    exist already (a message delivered twice) is not issued again. Returns the cards issued."""
    if db.session.scalar(sa.select(OrgGiftCard.id).where(OrgGiftCard.org_id == org_id,
                                                         OrgGiftCard.batch_id == batch_id).limit(1)):
        return 0
    org, employee = db.session.get(Org, org_id), db.session.get(OrgEmployee, employee_id)
    if org is None or employee is None:
        return 0
    batch = issue_gift_cards(org, count=count, amount=amount, currency_code=currency_code, by=employee,
                             expires_at=datetime.fromisoformat(expires_at) if expires_at else None,
                             recipient_email=recipient_email, note=note, batch_id=batch_id)
    db.session.commit()
    send_soon()
    return batch.count


def batch_cards(org: Org | str, batch_id: str) -> list[OrgGiftCard]:
    """The cards of one batch of the org, in the order they were issued (codes sorted within)."""
    org_id = org if isinstance(org, str) else org.id
    if not batch_id:
        return []
    return list(db.session.scalars(
        sa.select(OrgGiftCard).where(OrgGiftCard.org_id == org_id, OrgGiftCard.batch_id == batch_id)
        .order_by(OrgGiftCard.code)
    ))


def enable_gift_card(card: OrgGiftCard, *, by: OrgEmployee) -> OrgGiftCard:
    """Let a disabled card be used at checkout again (idempotent). ``by`` needs ``gift_cards``."""
    authorize(by, card.org_id, "gift_cards", _("You do not have permission to enable gift cards."))
    before = snapshot(card, ("is_active",))
    card.is_active = True
    db.session.flush()
    audit_change(card, action="gift_card.enabled", by=by, fields=("is_active",), before=before)
    return card


def code_search(text: str) -> sa.ColumnElement[bool] | None:
    """The condition of a dashboard search for a card: its full code (however typed) or its last
    four characters. Anything else matches nothing, so a code cannot be guessed piece by piece."""
    normalized = normalize_code(text)
    compact = normalized.replace("-", "")
    if not compact:
        return None
    if len(compact) == 4:
        return sa.func.replace(OrgGiftCard.code, "-", "").like(f"%{compact}")
    return OrgGiftCard.code == normalized


def outstanding_balances(org: Org | str, at: datetime | None = None) -> list[tuple[str, Decimal, int]]:
    """What the org owes on its cards, per currency: ``(currency, balance, cards)`` of the active,
    unexpired cards with a balance left."""
    org_id = org if isinstance(org, str) else org.id
    at = at or utcnow()
    card = OrgGiftCard
    rows = db.session.execute(
        sa.select(card.currency_code, sa.func.sum(card.current_balance), sa.func.count(card.id))
        .where(card.org_id == org_id, card.is_active.is_(True), card.current_balance > 0,
               sa.or_(card.expires_at.is_(None), card.expires_at > at))
        .group_by(card.currency_code).order_by(card.currency_code)
    )
    return [(currency, quantize(Decimal(total or 0), currency), int(n)) for currency, total, n in rows]
