"""Course certificates: issued once when every lesson the learner's purchased tier opens is complete
(``org_member_course_certificate``), verified publicly by their code."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.db import prebuilt, utcnow
from app.entitlements.services import member_access_tier
from app.extensions import db
from app.learn.models import OrgMemberCourseCertificate
from app.orgs.models import Org, OrgMember

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 16


def new_code() -> str:
    """A random code like ``K7QF-3MZP-9XRA-D2HT`` (19 characters, ~80 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def _unique_code() -> str:
    while True:
        code = new_code()
        taken = db.session.scalar(
            sa.select(OrgMemberCourseCertificate.id).where(OrgMemberCourseCertificate.verification_code == code)
        )
        if taken is None:
            return code


def existing(member: OrgMember, course_product_id: str) -> OrgMemberCourseCertificate | None:
    return db.session.scalar(
        _certificate_of(), {"org_id": member.org_id, "member_id": member.id, "product_id": course_product_id}
    )


@prebuilt
def _certificate_of():
    return certificate_of(sa.bindparam("member_id"), OrgMemberCourseCertificate)


def certificate_of(member_id, *columns) -> sa.Select:
    """SQL: ``columns`` of the certificate of ``member_id`` (a bound value or a column of the outer
    statement) for the course ``:product_id`` in ``:org_id``."""
    return sa.select(*columns).where(
        OrgMemberCourseCertificate.org_id == sa.bindparam("org_id"),
        OrgMemberCourseCertificate.member_id == member_id,
        OrgMemberCourseCertificate.course_product_id == sa.bindparam("product_id"),
    )


def is_complete(member: OrgMember, course_product_id: str, tier: int | None) -> bool:
    """True when the member has a tier, the course has lessons open at it, and all are complete."""
    from app.learn.progress import completed_placement_ids, course_entries

    if tier is None:
        return False
    open_ids = [pid for pid, t, free in course_entries(course_product_id) if free or tier >= t]
    if not open_ids:
        return False
    done = completed_placement_ids(member, course_product_id)
    return all(pid in done for pid in open_ids)


def issue_if_complete(member: OrgMember, course_product_id: str, *, at: datetime | None = None,
                      tier: int | None = None) -> OrgMemberCourseCertificate | None:
    """The member's certificate for the course, issued now if every lesson open at their purchased
    tier is complete (and there is at least one); None while incomplete. Issued once: names and
    date are frozen at issue time."""
    found = existing(member, course_product_id)
    if found is not None:
        return found
    at = at or utcnow()
    if tier is None:
        tier = member_access_tier(member, course_product_id, at)
    if not is_complete(member, course_product_id, tier):
        return None
    product = db.session.get(OrgProduct, course_product_id)
    if product is None or product.org_id != member.org_id:
        return None
    profile = member.user_profile
    certificate = OrgMemberCourseCertificate(
        org_id=member.org_id,
        member_id=member.id,
        course_product_id=course_product_id,
        verification_code=_unique_code(),
        issued_at=at,
        learner_name=(profile.display_name if profile is not None else "")[:100] or "—",
        course_title=product.name[:200],
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def by_code(code: str) -> tuple[OrgMemberCourseCertificate, Org] | None:
    """The certificate with ``code`` and its org (one query), or None."""
    code = (code or "").strip()
    if not code or len(code) > 32:
        return None
    row = db.session.execute(
        sa.select(OrgMemberCourseCertificate, Org)
        .join(Org, Org.id == OrgMemberCourseCertificate.org_id)
        .where(OrgMemberCourseCertificate.verification_code.in_({code, code.upper()}))
    ).first()
    return (row[0], row[1]) if row else None

