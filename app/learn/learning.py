"""The "My learning" page: a member's courses in an org with progress, last activity, the lesson
to resume, certificates, and the skills of the courses they completed. A fixed number of queries
whatever the number of courses, lessons and progress rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.courses.models import (
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseSkill,
)
from app.courses.syllabus import build_syllabus
from app.entitlements.services import member_tiers
from app.extensions import db
from app.learn.models import OrgMemberCourseCertificate, OrgMemberLessonProgress
from app.learn.player import PLAYABLE_STATUSES, Learner, Player, course_tree_options
from app.markets.locales import translated
from app.markets.storefront import Storefront
from app.orgs.models import OrgMember
from app.platform.models import Skill


@dataclass
class CourseCard:
    player: Player
    name: str
    has_access: bool

    @property
    def product(self):
        return self.player.product

    @property
    def last_activity(self) -> datetime | None:
        return self.player.last_activity


def my_courses(storefront: Storefront, member: OrgMember, chain: list) -> list[CourseCard]:
    """The member's courses (bought, or with progress), most recently active first."""
    tiers = member_tiers(member)
    rows = db.session.execute(
        sa.select(OrgMemberLessonProgress, OrgProductCourseModule.course_product_id)
        .join(OrgProductCourseModuleSectionLesson,
              OrgProductCourseModuleSectionLesson.id == OrgMemberLessonProgress.placement_id)
        .join(OrgProductCourseModuleSection,
              OrgProductCourseModuleSection.id == OrgProductCourseModuleSectionLesson.section_id)
        .join(OrgProductCourseModule, OrgProductCourseModule.id == OrgProductCourseModuleSection.module_id)
        .where(OrgMemberLessonProgress.org_id == member.org_id, OrgMemberLessonProgress.member_id == member.id)
    ).all()
    progress: dict[str, dict] = {}
    for row, product_id in rows:
        progress.setdefault(product_id, {})[row.placement_id] = row
    product_ids = set(tiers) | set(progress)
    if not product_ids:
        return []
    products = db.session.scalars(
        sa.select(OrgProduct)
        .where(
            OrgProduct.org_id == member.org_id,
            OrgProduct.id.in_(product_ids),
            OrgProduct.type == "course",
            OrgProduct.status.in_(PLAYABLE_STATUSES),
        )
        .options(*course_tree_options())
    ).all()
    certificates = {
        c.course_product_id: c
        for c in db.session.scalars(
            sa.select(OrgMemberCourseCertificate).where(
                OrgMemberCourseCertificate.org_id == member.org_id,
                OrgMemberCourseCertificate.member_id == member.id,
            )
        )
    }
    cards = []
    for product in products:
        if product.course is None:
            continue
        tier = tiers.get(product.id)
        player = Player(
            storefront=storefront,
            product=product,
            course=product.course,
            syllabus=build_syllabus(product.course, chain),
            learner=Learner(member=member, tier=tier),
            progress=progress.get(product.id, {}),
            current=None,
            placement=None,
            lesson=None,
            certificate=certificates.get(product.id),
            chain=list(chain),
        )
        cards.append(CourseCard(player=player, name=translated(product, "name", chain), has_access=tier is not None))
    epoch = datetime.min
    cards.sort(key=lambda c: (c.last_activity.replace(tzinfo=None) if c.last_activity else epoch), reverse=True)
    return cards


def completed_skills(member: OrgMember) -> list[tuple[str, str, int]]:
    """(skill slug, name, number of completed courses teaching it) from the member's certificates
    (one query), most frequent first."""
    rows = db.session.execute(
        sa.select(Skill.slug, Skill.name, sa.func.count(OrgMemberCourseCertificate.id))
        .join(OrgProductCourseSkill, OrgProductCourseSkill.skill_id == Skill.id)
        .join(OrgMemberCourseCertificate,
              OrgMemberCourseCertificate.course_product_id == OrgProductCourseSkill.course_product_id)
        .where(
            OrgMemberCourseCertificate.org_id == member.org_id,
            OrgMemberCourseCertificate.member_id == member.id,
            OrgProductCourseSkill.org_id == member.org_id,
        )
        .group_by(Skill.slug, Skill.name)
        .order_by(sa.func.count(OrgMemberCourseCertificate.id).desc(), Skill.name)
    ).all()
    return [(slug, name, count) for slug, name, count in rows]
