"""Community quality: a learner's own rating of a course's level and difficulty
(``org_product_course_rating``) and their star review (``org_product_review``).

Both are one per member and course, editable, and open only once the member's progress over the
lessons their tier opens reaches ``REVIEW_MIN_PERCENT`` (app.learn.progress.course_percent).
Services flush and raise DomainErrors; the view commits and then drops the cached product pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.models import OrgProduct, OrgProductReview
from app.catalog.services import add_review
from app.checks import clean_text, to_int
from app.courses.models import COURSE_LEVELS, OrgProductCourseRating
from app.errors import PermissionDeniedError, ValidationError
from app.extensions import db
from app.orgs.models import OrgMember
from app.orgs.services import ensure_same_org
from app.web import cache

REVIEW_MIN_PERCENT = 50


@dataclass
class MemberReview:
    """What the member said so far (to prefill the form)."""

    rating: OrgProductCourseRating | None
    review: OrgProductReview | None

    @property
    def exists(self) -> bool:
        return self.rating is not None or self.review is not None


def course_percent(member: OrgMember | None, product: OrgProduct) -> int:
    if member is None:
        return 0
    from app.learn.progress import course_percent as percent

    return percent(member, product.id)


def can_review(member: OrgMember | None, product: OrgProduct) -> tuple[bool, int]:
    """(allowed, the member's accessible progress %)."""
    percent = course_percent(member, product)
    return member is not None and percent >= REVIEW_MIN_PERCENT, percent


def member_review(member: OrgMember | None, product: OrgProduct) -> MemberReview:
    if member is None:
        return MemberReview(None, None)
    rating = db.session.scalar(
        sa.select(OrgProductCourseRating).where(
            OrgProductCourseRating.org_id == member.org_id,
            OrgProductCourseRating.course_product_id == product.id,
            OrgProductCourseRating.member_id == member.id,
        )
    )
    review = db.session.scalar(
        sa.select(OrgProductReview).where(
            OrgProductReview.org_id == member.org_id,
            OrgProductReview.product_id == product.id,
            OrgProductReview.member_id == member.id,
        )
    )
    return MemberReview(rating, review)


def rate_course(member: OrgMember, product: OrgProduct, *, level, difficulty) -> OrgProductCourseRating:
    """The member's level (beginner..expert) and difficulty (1..10) for the course; replaces their earlier one."""
    ensure_same_org(member, product.org_id, _("Member not found."))
    if product.course is None:
        raise ValidationError(_("Only courses can be rated for level and difficulty."))
    if level not in COURSE_LEVELS:
        raise ValidationError(_("Choose a valid course level."))
    try:
        value = to_int(difficulty, _("Difficulty"), minimum=1, maximum=10)
    except ValidationError:
        raise ValidationError(_("Difficulty must be a whole number from 1 to 10.")) from None
    rating = member_review(member, product).rating
    if rating is None:
        rating = OrgProductCourseRating(org_id=product.org_id, course_product_id=product.id, member_id=member.id)
        db.session.add(rating)
    rating.level = level
    rating.difficulty = value
    db.session.flush()
    return rating


def save_course_review(member: OrgMember | None, product: OrgProduct, *, level, difficulty, rating,
                       title: str | None = None, body: str | None = None) -> MemberReview:
    """Rate level and difficulty and write (or edit) the star review, after REVIEW_MIN_PERCENT progress."""
    allowed, percent = can_review(member, product)
    if not allowed:
        raise PermissionDeniedError(_(
            "You can rate and review this course once you have completed %(min)d%% of it (you are at %(now)d%%).",
            min=REVIEW_MIN_PERCENT, now=percent,
        ))
    # Validate everything before writing anything.
    clean_text(title, _("Title"), max_length=120)
    clean_text(body, _("Review"), max_length=10_000)
    course_rating = rate_course(member, product, level=level, difficulty=difficulty)
    review = add_review(product, member, rating=rating, title=title, body=body)
    return MemberReview(course_rating, review)


def forget_product_pages() -> None:
    """Drop the cached product pages so averages and the new review show at once."""
    cache.clear()
