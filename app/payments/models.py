"""Payment models: the idempotency record of every provider webhook event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Created, UTCDateTime, fk, id_pk
from app.extensions import db


class PaymentEvent(Created, db.Model):
    """A provider event received (e.g. a Stripe webhook), unique per provider and event id, so a
    replayed event is recognised and never processed twice."""

    __tablename__ = "payment_event"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id"),)

    id: Mapped[str] = id_pk()
    provider: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    event_id: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    org_id: Mapped[str | None] = fk("org.id", nullable=True, ondelete="SET NULL")
    order_id: Mapped[str | None] = fk("org_member_order.id", nullable=True, ondelete="SET NULL")
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, nullable=False)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Indexed so the events waiting for their order (result "waiting_for_order") are found quickly.
    result: Mapped[str | None] = mapped_column(sa.String(40), index=True)

    @property
    def is_processed(self) -> bool:
        return self.processed_at is not None
