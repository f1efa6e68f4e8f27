"""Job profiles: a user's professional identities (``user_profile`` type ``job`` + ``user_job_profile``),
public at ``/creators/<slug>``. Services flush and raise DomainErrors; the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.accounts.models import User, UserJobProfile, UserJobProfileSkill, UserProfile
from app.accounts.services import main_profile
from app.checks import check_slug, to_decimal_number
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.platform.models import Skill

HOURLY_RATE_MAX = Decimal("99999999.99")  # Numeric(10, 2)


def _hourly_rate(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError("hourly_rate must be a Decimal, not a float")
    message = _("Enter the hourly rate as an amount of 0 or more with at most 2 decimals.")
    rate = to_decimal_number(value, message, minimum=0, maximum=HOURLY_RATE_MAX, places=2)
    return rate.quantize(Decimal("0.01"))


def create_job_profile(user: User, *, slug: str, title: str, bio: str | None = None,
                       years_of_experience: int | None = None, hourly_rate: Decimal | None = None,
                       skill_slugs: Iterable[str] = ()) -> UserJobProfile:
    """Add a professional identity to ``user``, shown under the user's display name at /creators/<slug>."""
    slug = check_slug(slug, max_length=80)
    if db.session.scalar(sa.select(UserJobProfile.id).where(UserJobProfile.slug == slug)) is not None:
        raise ValidationError(_("This address is already taken. Choose another one."))
    title = _check_fields(title, years_of_experience)
    rate = _hourly_rate(hourly_rate)
    skills = _skills(skill_slugs)

    profile = UserProfile(user_id=user.id, type="job", display_name=main_profile(user).display_name)
    db.session.add(profile)
    db.session.flush()
    job = UserJobProfile(user_profile_id=profile.id, slug=slug, title=title, bio=bio,
                         years_of_experience=years_of_experience, hourly_rate=rate, is_public=True)
    for skill in skills:
        job.skills.append(UserJobProfileSkill(skill_id=skill.id))
    db.session.add(job)
    db.session.flush()
    return job


def get_public_job_profile(slug: str) -> UserJobProfile | None:
    """The public job profile at ``slug`` (of an active user), with its profile and skills loaded."""
    return db.session.scalar(
        sa.select(UserJobProfile)
        .join(UserProfile, UserProfile.id == UserJobProfile.user_profile_id)
        .join(User, User.id == UserProfile.user_id)
        .where(UserJobProfile.slug == (slug or "").strip().lower(), UserJobProfile.is_public.is_(True),
               User.is_active.is_(True))
        .options(
            selectinload(UserJobProfile.profile),
            selectinload(UserJobProfile.skills).selectinload(UserJobProfileSkill.skill),
        )
    )


def list_job_profiles(user: User) -> list[UserJobProfile]:
    """The user's job profiles (one query), by title."""
    return list(db.session.scalars(
        sa.select(UserJobProfile)
        .join(UserProfile, UserProfile.id == UserJobProfile.user_profile_id)
        .where(UserProfile.user_id == user.id, UserProfile.type == "job")
        .order_by(UserJobProfile.title, UserJobProfile.slug)
    ))


def _check_fields(title: str, years_of_experience) -> str:
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise ValidationError(_("Enter a title of at most 100 characters."))
    if years_of_experience is not None and (
        isinstance(years_of_experience, bool) or not isinstance(years_of_experience, int)
        or not 0 <= years_of_experience <= 80
    ):
        raise ValidationError(_("Enter the years of experience as a whole number from 0 to 80."))
    return title


def _skills(skill_slugs: Iterable[str]) -> list[Skill]:
    wanted = list(dict.fromkeys((s or "").strip().lower() for s in skill_slugs if s and s.strip()))
    skills = {s.slug: s for s in db.session.scalars(sa.select(Skill).where(Skill.slug.in_(wanted)))} if wanted else {}
    unknown = [s for s in wanted if s not in skills]
    if unknown:
        raise ValidationError(_("Unknown skill: %(slugs)s.", slugs=", ".join(unknown)))
    return [skills[s] for s in wanted]


def get_own_job_profile(user: User, job_profile_id: str) -> UserJobProfile:
    """One of ``user``'s job profiles (NotFoundError for anyone else's)."""
    job = db.session.scalar(
        sa.select(UserJobProfile).join(UserProfile, UserProfile.id == UserJobProfile.user_profile_id)
        .where(UserJobProfile.id == job_profile_id, UserProfile.user_id == user.id))
    if job is None:
        raise NotFoundError(_("Not found."))
    return job


def update_job_profile(job: UserJobProfile, user: User, *, title: str, bio: str | None = None,
                       years_of_experience: int | None = None, hourly_rate: Decimal | None = None,
                       skill_slugs: Iterable[str] = (), is_public: bool = True) -> UserJobProfile:
    """Change one of ``user``'s job profiles (its public address stays: links to it keep working)."""
    job = get_own_job_profile(user, job.id)
    job.title = _check_fields(title, years_of_experience)
    job.bio = (bio or "").strip() or None
    job.years_of_experience = years_of_experience
    job.hourly_rate = _hourly_rate(hourly_rate)
    job.is_public = bool(is_public)
    skills = _skills(skill_slugs)
    keep = {s.id for s in skills}
    for link in list(job.skills):
        if link.skill_id not in keep:
            job.skills.remove(link)
    have = {link.skill_id for link in job.skills}
    for skill in skills:
        if skill.id not in have:
            job.skills.append(UserJobProfileSkill(skill_id=skill.id))
    db.session.flush()
    return job
