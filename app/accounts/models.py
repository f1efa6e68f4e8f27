"""Platform identity: users, main and job profiles, job-profile skills, locale preferences."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.checks import normalize_email
from app.db import Timestamped, UTCDateTime, enum_check, enum_col, fk, id_pk, new_id, utcnow
from app.extensions import db

if TYPE_CHECKING:
    from app.platform.models import Locale, Skill

PROFILE_TYPES = ("main", "job")
PROFICIENCIES = ("native", "fluent", "conversational", "basic")
SKILL_PROFICIENCIES = ("beginner", "intermediate", "advanced", "expert")


class User(UserMixin, Timestamped, db.Model):
    """A person's platform-wide login identity; the email is stored normalized (``app.checks``)."""

    __tablename__ = "user"
    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower"),)

    id: Mapped[str] = id_pk()
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    profiles: Mapped[list[UserProfile]] = relationship(
        back_populates="user",
        order_by="UserProfile.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    locales: Mapped[list[UserLocale]] = relationship(
        back_populates="user",
        order_by="(UserLocale.is_default.desc(), UserLocale.locale_key)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    # The sign-in (``user_session`` row) this object was loaded for, set by accounts.sessions.
    # Its id is Flask-Login's "alternative id": the session and remember cookies carry it instead
    # of the user id, so revoking the row signs that browser out (not a mapped column).
    current_session_id = None

    def __init__(self, **kwargs):
        # Users compare by id, so give pending users a distinct one right away.
        kwargs.setdefault("id", new_id())
        super().__init__(**kwargs)

    def get_id(self) -> str:
        """What Flask-Login stores in the session and remember cookies: the sign-in's id."""
        if not self.current_session_id:
            raise RuntimeError("Sign users in through accounts.sessions.start_session().")
        return self.current_session_id

    def __eq__(self, other):  # UserMixin compares get_id(), which is per sign-in
        if isinstance(other, User):
            return self.id == other.id
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = UserMixin.__hash__

    @validates("email")
    def _normalize_email(self, _key: str, value: str) -> str:
        return normalize_email(value) if value is not None else value

    @property
    def main_profile(self) -> UserProfile | None:
        """The user's single ``main`` (customer) profile, if created yet."""
        return next((p for p in self.profiles if p.type == "main"), None)

    @property
    def job_profiles(self) -> list[UserProfile]:
        return [p for p in self.profiles if p.type == "job"]

    @property
    def default_locale_key(self) -> str | None:
        """The locale the user marked as default, else None."""
        return next((ul.locale_key for ul in self.locales if ul.is_default), None)

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserProfile(Timestamped, db.Model):
    """A user's identity shown to others: one ``main`` (customer) profile and any number of ``job`` ones."""

    __tablename__ = "user_profile"
    __table_args__ = (
        enum_check("type", PROFILE_TYPES),
        sa.Index(
            None,
            "user_id",
            "type",
            unique=True,
            sqlite_where=sa.text("type = 'main'"),
            postgresql_where=sa.text("type = 'main'"),
        ),
    )

    id: Mapped[str] = id_pk()
    user_id: Mapped[str] = fk("user.id")
    type: Mapped[str] = enum_col(PROFILE_TYPES, default="main")
    display_name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    bio: Mapped[str | None] = mapped_column(sa.Text)
    avatar_url: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship(back_populates="profiles")
    job_profile: Mapped[UserJobProfile | None] = relationship(
        back_populates="profile", uselist=False, cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<UserProfile {self.type} {self.display_name!r}>"


# A user's main profile, with "main" as SQL text, not a bound parameter: ``user_profile (user_id,
# type)`` is a partial index (``WHERE type = 'main'``), and SQLite compiles a statement that compares
# the indexed column with a parameter again on every run to see whether the partial index applies
# (the membership statement was prepared anew on every signed-in request: about 0.3 ms on the demo
# data). PostgreSQL's generic plans can then use the partial index too.
MAIN_PROFILE = UserProfile.type == sa.literal_column("'main'", UserProfile.type.type)


class UserJobProfile(Timestamped, db.Model):
    """The professional (creator) side of a ``job`` profile, public at ``/creators/<slug>``."""

    __tablename__ = "user_job_profile"
    __table_args__ = (
        sa.CheckConstraint(
            "years_of_experience IS NULL OR years_of_experience >= 0", name="years_of_experience_min"
        ),
        sa.CheckConstraint("hourly_rate IS NULL OR hourly_rate >= 0", name="hourly_rate_min"),
    )

    id: Mapped[str] = id_pk()
    user_profile_id: Mapped[str] = fk("user_profile.id", unique=True, index=False)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    bio: Mapped[str | None] = mapped_column(sa.Text)
    years_of_experience: Mapped[int | None] = mapped_column(sa.Integer)
    hourly_rate: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    is_public: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)

    profile: Mapped[UserProfile] = relationship(back_populates="job_profile")
    skills: Mapped[list[UserJobProfileSkill]] = relationship(
        back_populates="job_profile",
        order_by="UserJobProfileSkill.created_at",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"<UserJobProfile {self.slug}>"


class UserJobProfileSkill(Timestamped, db.Model):
    """A skill claimed on a job profile, with an optional self-assessed proficiency."""

    __tablename__ = "user_job_profile_skill"
    __table_args__ = (
        sa.UniqueConstraint("job_profile_id", "skill_id"),
        enum_check("proficiency", SKILL_PROFICIENCIES),
    )

    id: Mapped[str] = id_pk()
    job_profile_id: Mapped[str] = fk("user_job_profile.id", index=False)
    skill_id: Mapped[str] = fk("skill.id")
    proficiency: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)

    job_profile: Mapped[UserJobProfile] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship("Skill")


class UserLocale(Timestamped, db.Model):
    """A language the user reads, with proficiency; ``is_default`` marks the preferred storefront locale."""

    __tablename__ = "user_locale"
    __table_args__ = (enum_check("proficiency", PROFICIENCIES),)

    user_id: Mapped[str] = mapped_column(
        sa.String(32), sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    locale_key: Mapped[str] = mapped_column(sa.String(10), sa.ForeignKey("locale.key"), primary_key=True)
    proficiency: Mapped[str] = enum_col(PROFICIENCIES, default="fluent")
    is_default: Mapped[bool] = mapped_column(sa.Boolean, default=False, nullable=False)

    user: Mapped[User] = relationship(back_populates="locales")
    locale: Mapped[Locale] = relationship("Locale")


class UserSession(Timestamped, db.Model):
    """One sign-in of a user on one browser: the session and remember cookies carry its id.

    Signing out revokes it (a copy of the old cookie no longer signs anyone in); a password change
    revokes the user's other sign-ins, a password reset all of them. ``last_seen_at`` is refreshed
    at most every ``SESSION_SEEN_INTERVAL_SECONDS``.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = id_pk()
    user_id: Mapped[str] = fk("user.id")
    device: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<UserSession {self.id} {self.device!r}>"
