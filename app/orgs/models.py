"""Organizations: org, its locales, members, employees, invitations and audit log."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Created, OrgScoped, Timestamped, UTCDateTime, enum_check, enum_col, fk, id_pk, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.accounts.models import User, UserJobProfile, UserProfile
    from app.platform.models import Country, Locale

MEMBERSHIP_TYPES = ("learner", "customer", "community_member")
MEMBER_STATUSES = ("active", "suspended")
EMPLOYEE_ROLES = ("admin", "manager", "creator", "staff")
EMPLOYEE_STATUSES = ("active", "inactive")
INVITATION_STATUSES = ("pending", "accepted", "declined", "expired", "cancelled")
EMPLOYEE_INVITATION_STATUSES = ("pending", "approved", "accepted", "declined", "expired", "cancelled")


def new_token() -> str:
    """An unguessable URL-safe invitation token (43 characters)."""
    return secrets.token_urlsafe(32)


class Org(Timestamped, db.Model):
    """A tenant: a school, company or creator brand selling on the platform."""

    __tablename__ = "org"
    __table_args__ = (
        sa.CheckConstraint(
            "platform_fee_percent >= 0 AND platform_fee_percent <= 100", name="platform_fee_percent_range"
        ),
    )

    id: Mapped[str] = id_pk()
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    slug: Mapped[str] = mapped_column(sa.String(50), unique=True, nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    settings: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    default_locale_key: Mapped[str | None] = mapped_column(
        sa.String(10), sa.ForeignKey("locale.key"), nullable=True
    )
    platform_fee_percent: Mapped[Decimal] = mapped_column(
        sa.Numeric(5, 2), default=Decimal("5.00"), nullable=False
    )
    logo_url: Mapped[str | None] = mapped_column(sa.String(255))

    default_locale: Mapped[Locale | None] = relationship("Locale")
    locales: Mapped[list[OrgLocale]] = relationship(
        back_populates="org",
        order_by="(OrgLocale.is_default.desc(), OrgLocale.locale_key)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def active_locale_keys(self) -> list[str]:
        return [ol.locale_key for ol in self.locales if ol.is_active]

    def __repr__(self) -> str:
        return f"<Org {self.slug}>"


class OrgLocale(Timestamped, db.Model):
    """A locale the org can author content in (its locale capabilities)."""

    __tablename__ = "org_locale"

    org_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("org.id", ondelete="CASCADE"), primary_key=True
    )
    locale_key: Mapped[str] = mapped_column(sa.String(10), sa.ForeignKey("locale.key"), primary_key=True)
    is_default: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    can_author: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    org: Mapped[Org] = relationship(back_populates="locales")
    locale: Mapped[Locale] = relationship("Locale")


class OrgMember(OrgScoped, Timestamped, db.Model):
    """A main user profile's membership in an org (learner, customer or community member)."""

    __tablename__ = "org_member"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "user_profile_id"),
        enum_check("membership_type", MEMBERSHIP_TYPES),
        enum_check("status", MEMBER_STATUSES),
    )

    id: Mapped[str] = id_pk()
    user_profile_id: Mapped[str] = fk("user_profile.id")
    membership_type: Mapped[str] = enum_col(MEMBERSHIP_TYPES, default="learner")
    status: Mapped[str] = enum_col(MEMBER_STATUSES, default="active")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    billing_country_code: Mapped[str | None] = mapped_column(
        sa.String(2), sa.ForeignKey("country.code", ondelete="SET NULL"), nullable=True
    )

    org: Mapped[Org] = relationship()
    user_profile: Mapped[UserProfile] = relationship("UserProfile")
    billing_country: Mapped[Country | None] = relationship("Country")
    employee: Mapped[OrgEmployee | None] = relationship(back_populates="member", uselist=False)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class OrgEmployee(OrgScoped, Timestamped, db.Model):
    """A member who works for the org (admin, manager, creator or staff), optionally as a job profile."""

    __tablename__ = "org_employee"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "member_id"),
        enum_check("role", EMPLOYEE_ROLES),
        enum_check("status", EMPLOYEE_STATUSES),
        sa.Index(None, "org_id", "role"),
    )

    id: Mapped[str] = id_pk()
    member_id: Mapped[str] = fk("org_member.id")
    job_profile_id: Mapped[str | None] = fk("user_job_profile.id", nullable=True, ondelete="SET NULL")
    # Whether this employment appears on the job profile's public page (/creators/<slug>).
    show_on_profile: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.true(),
                                                  nullable=False)
    role: Mapped[str] = enum_col(EMPLOYEE_ROLES)
    status: Mapped[str] = enum_col(EMPLOYEE_STATUSES, default="active")
    hired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    org: Mapped[Org] = relationship()
    member: Mapped[OrgMember] = relationship(back_populates="employee")
    job_profile: Mapped[UserJobProfile | None] = relationship("UserJobProfile")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


class OrgMemberInvitation(OrgScoped, Timestamped, db.Model):
    """An emailed invitation to join the org as a member; accepted directly by the recipient."""

    __tablename__ = "org_member_invitation"
    __table_args__ = (
        enum_check("type", MEMBERSHIP_TYPES),
        enum_check("status", INVITATION_STATUSES),
        sa.Index(None, "org_id", "status"),
        sa.Index(None, "org_id", "email"),
    )

    id: Mapped[str] = id_pk()
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    type: Mapped[str] = enum_col(MEMBERSHIP_TYPES, default="learner")
    status: Mapped[str] = enum_col(INVITATION_STATUSES, default="pending")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False, default=new_token)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")
    member_id: Mapped[str | None] = fk("org_member.id", nullable=True, ondelete="SET NULL")

    invited_by: Mapped[OrgEmployee | None] = relationship(foreign_keys=[invited_by_employee_id])
    member: Mapped[OrgMember | None] = relationship(foreign_keys=[member_id])


class OrgEmployeeInvitation(OrgScoped, Timestamped, db.Model):
    """An invitation to join as an employee; an admin approves it before it can be accepted."""

    __tablename__ = "org_employee_invitation"
    __table_args__ = (
        enum_check("role", EMPLOYEE_ROLES),
        enum_check("status", EMPLOYEE_INVITATION_STATUSES),
        sa.Index(None, "org_id", "status"),
        sa.Index(None, "org_id", "email"),
    )

    id: Mapped[str] = id_pk()
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    role: Mapped[str] = enum_col(EMPLOYEE_ROLES)
    status: Mapped[str] = enum_col(EMPLOYEE_INVITATION_STATUSES, default="pending")
    invited_by_employee_id: Mapped[str] = fk("org_employee.id", ondelete="RESTRICT")
    approved_by_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False, default=new_token)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")

    invited_by: Mapped[OrgEmployee] = relationship(foreign_keys=[invited_by_employee_id])
    approved_by: Mapped[OrgEmployee | None] = relationship(foreign_keys=[approved_by_employee_id])
    employee: Mapped[OrgEmployee | None] = relationship(foreign_keys=[employee_id])


class OrgAuditLog(OrgScoped, Created, db.Model):
    """An append-only record of who did what to which entity in the org."""

    __tablename__ = "org_audit_log"
    __table_args__ = (
        sa.Index(None, "org_id", "created_at"),
        sa.Index(None, "entity_type", "entity_id"),
    )

    id: Mapped[str] = id_pk()
    actor_user_id: Mapped[str | None] = fk("user.id", nullable=True, ondelete="SET NULL")
    actor_employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, ondelete="SET NULL")
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    entity_type: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    entity_id: Mapped[str | None] = mapped_column(sa.String(32))
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # the client address of the request that made the change (None outside a request)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    actor_user: Mapped[User | None] = relationship("User")
    actor_employee: Mapped[OrgEmployee | None] = relationship(foreign_keys=[actor_employee_id])


@sa.event.listens_for(OrgAuditLog, "before_update")
@sa.event.listens_for(OrgAuditLog, "before_delete")
def _audit_log_is_append_only(_mapper, _connection, entry: OrgAuditLog) -> None:
    """Entries are written once (``app.orgs.services.audit``) and never changed or removed."""
    raise RuntimeError(f"org_audit_log is append-only: entry {entry.id} cannot be changed or deleted")
