"""Platform-wide tables: locale, currency and country registries, SEO metadata, skills, email outbox."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Timestamped, UTCDateTime, enum_check, enum_col, fk, id_pk
from app.extensions import db

TEXT_DIRECTIONS = ("ltr", "rtl")
# queued -> sending (claimed by one sender, see app/platform/email.py) -> sent | failed
EMAIL_STATUSES = ("queued", "sending", "sent", "failed")


class Locale(Timestamped, db.Model):
    """A locale the platform knows (BCP 47 key such as ``en``, ``fr-BE``, ``pt-BR``)."""

    __tablename__ = "locale"
    __table_args__ = (enum_check("direction", TEXT_DIRECTIONS),)

    key: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    native_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    language_code: Mapped[str] = mapped_column(sa.String(3), nullable=False, index=True)
    country_code: Mapped[str | None] = mapped_column(sa.String(2), nullable=True)
    direction: Mapped[str] = enum_col(TEXT_DIRECTIONS, default="ltr")
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    @property
    def babel_key(self) -> str:
        """The key in Babel's underscore form (``fr-BE`` -> ``fr_BE``)."""
        return self.key.replace("-", "_")

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"

    def __repr__(self) -> str:
        return f"<Locale {self.key}>"


class Currency(Timestamped, db.Model):
    """An ISO 4217 currency with the number of minor-unit digits amounts are quantized to."""

    __tablename__ = "currency"
    __table_args__ = (
        sa.CheckConstraint("decimal_places >= 0 AND decimal_places <= 4", name="decimal_places_range"),
    )

    code: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    symbol: Mapped[str] = mapped_column(sa.String(5), nullable=False)
    decimal_places: Mapped[int] = mapped_column(sa.Integer, default=2, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    def __repr__(self) -> str:
        return f"<Currency {self.code}>"


class Country(Timestamped, db.Model):
    """An ISO 3166-1 country with its usual currency and default locale."""

    __tablename__ = "country"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    currency_code: Mapped[str | None] = mapped_column(
        sa.String(3), sa.ForeignKey("currency.code"), nullable=True
    )
    default_locale_key: Mapped[str | None] = mapped_column(
        sa.String(10), sa.ForeignKey("locale.key"), nullable=True
    )
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    currency: Mapped[Currency | None] = relationship()
    default_locale: Mapped[Locale | None] = relationship()

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class SeoMetadata(Timestamped, db.Model):
    """Search-engine metadata attached to a product, market or page."""

    __tablename__ = "seo_metadata"

    id: Mapped[str] = id_pk()
    title: Mapped[str | None] = mapped_column(sa.String(60))
    description: Mapped[str | None] = mapped_column(sa.String(160))
    keywords: Mapped[str | None] = mapped_column(sa.String(255))
    canonical_url: Mapped[str | None] = mapped_column(sa.String(255))
    robots_directive: Mapped[str] = mapped_column(sa.String(50), default="index,follow", nullable=False)

    open_graph: Mapped[SeoMetadataOpenGraph | None] = relationship(
        back_populates="seo_metadata", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )


class SeoMetadataOpenGraph(Timestamped, db.Model):
    """Open Graph fields for one SEO metadata row (shares its id)."""

    __tablename__ = "seo_metadata_open_graph"

    seo_metadata_id: Mapped[str] = fk("seo_metadata.id", primary_key=True, index=False)
    title: Mapped[str | None] = mapped_column(sa.String(95))
    description: Mapped[str | None] = mapped_column(sa.String(300))
    image_url: Mapped[str | None] = mapped_column(sa.String(255))
    image_alt: Mapped[str | None] = mapped_column(sa.String(125))
    type: Mapped[str] = mapped_column(sa.String(20), default="website", nullable=False)

    seo_metadata: Mapped[SeoMetadata] = relationship(back_populates="open_graph")


class Skill(Timestamped, db.Model):
    """A node of the platform-wide skill taxonomy (a tree through ``parent_id``)."""

    __tablename__ = "skill"

    id: Mapped[str] = id_pk()
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    parent_id: Mapped[str | None] = fk("skill.id", nullable=True, ondelete="SET NULL")

    parent: Mapped[Skill | None] = relationship(back_populates="children", remote_side=[id])
    children: Mapped[list[Skill]] = relationship(
        back_populates="parent", order_by="Skill.name", passive_deletes=True
    )
    translations: Mapped[list[SkillTranslation]] = relationship(
        back_populates="skill", cascade="all, delete-orphan", passive_deletes=True
    )


class SkillTranslation(Timestamped, db.Model):
    """A skill's name and description in one locale (the taxonomy is platform-wide, so are these)."""

    __tablename__ = "skill_translation"
    __table_args__ = (sa.UniqueConstraint("skill_id", "locale_key"),)

    id: Mapped[str] = id_pk()
    skill_id: Mapped[str] = fk("skill.id", index=False)
    locale_key: Mapped[str] = mapped_column(sa.String(10), sa.ForeignKey("locale.key"), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)

    skill: Mapped[Skill] = relationship(back_populates="translations")

    def __repr__(self) -> str:
        return f"<Skill {self.slug}>"


class EmailOutbox(Timestamped, db.Model):
    """An email queued in the same transaction as the change that caused it; a worker sends it."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        enum_check("status", EMAIL_STATUSES),
        sa.Index(None, "status", "created_at"),
        sa.Index(None, "org_id", "created_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_nonneg"),
    )

    id: Mapped[str] = id_pk()
    to_email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    # The sender's display name (e.g. the brand of the market an order was placed in); None: the
    # name of MAIL_FROM. The address is always MAIL_FROM's.
    from_name: Mapped[str | None] = mapped_column(sa.String(100))
    subject: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    body_text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    status: Mapped[str] = enum_col(EMAIL_STATUSES, default="queued")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(sa.Text)  # the last attempt's error
    # The org an email is about (invitations, receipts); None for platform emails (verification,
    # password reset), which org admins never see.
    org_id: Mapped[str | None] = fk("org.id", nullable=True, ondelete="SET NULL", index=False)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0", nullable=False)
    # A failed attempt is retried from then on (app.platform.email.RETRY_DELAYS); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
