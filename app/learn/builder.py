"""Learn rules. The course builder: the module -> section -> lesson tree of one course as the
dashboard shows it, and the changes made there (rename, set the required tier and the free-preview
flag, move and reorder, delete, attach a library lesson or create one).

Adding modules, sections and placements is app.learn.authoring (add_module, add_section,
create_lesson, place_lesson); this module reuses those. Every change checks the acting employee
(``require_product_editor``; a lesson's own title ``require_lesson_editor``), writes the audit log,
flushes and raises DomainErrors; the view commits.

The effective tier shown next to each item is the player's rule (app.courses.syllabus
``build_syllabus``: the strictest tier along module -> section -> placement), computed from the
same loaded tree. ``load_tree`` issues a fixed number of queries whatever the size of the course.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.attributions import require_product_editor
from app.catalog.models import OrgProduct
from app.catalog.services import check_access_tier
from app.checks import clean_text, to_int
from app.courses.models import (
    OrgLesson,
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.courses.syllabus import build_syllabus
from app.errors import ConflictError, NotFoundError, ValidationError
from app.extensions import db
from app.learn.authoring import (
    MODULE_FIELDS,
    PLACEMENT_FIELDS,
    SECTION_FIELDS,
    add_module,
    add_section,
    create_course,
    create_lesson,
    place_lesson,
    require_lesson_editor,
)
from app.learn.models import OrgMemberAssignmentSubmission, OrgMemberLessonProgress, OrgMemberQuizAttempt
from app.learn.player import course_only_tree_options, course_placement_ids
from app.orgs.models import Org, OrgEmployee
from app.orgs.services import audit, audit_change, get_or_404, snapshot

Placement = OrgProductCourseModuleSectionLesson
Section = OrgProductCourseModuleSection
Module = OrgProductCourseModule

KINDS = ("module", "section", "placement")
_MODELS = {"module": Module, "section": Section, "placement": Placement}
_AUDIT = {"module": ("course_module", MODULE_FIELDS), "section": ("course_section", SECTION_FIELDS),
          "placement": ("lesson_placement", PLACEMENT_FIELDS)}
LIBRARY_LIMIT = 20
TITLE_MAX = 200
MAX_TIER = 3  # plans grant tier 1, 2 or 3


# ---- reading the tree ------------------------------------------------------------------------

@dataclass
class Usage:
    """Another course a lesson is placed in."""

    product_id: str
    product_name: str


@dataclass
class PlacementNode:
    placement: Placement
    effective_tier: int
    progress: int  # learners who opened or finished it (progress rows)
    used_elsewhere: list[Usage] = field(default_factory=list)

    @property
    def lesson(self) -> OrgLesson:
        return self.placement.lesson


@dataclass
class SectionNode:
    section: Section
    effective_tier: int
    placements: list[PlacementNode] = field(default_factory=list)


@dataclass
class ModuleNode:
    module: Module
    effective_tier: int
    sections: list[SectionNode] = field(default_factory=list)


@dataclass
class Tree:
    product: OrgProduct
    course: OrgProductCourse | None
    modules: list[ModuleNode] = field(default_factory=list)

    @property
    def sections(self) -> list[SectionNode]:
        return [s for m in self.modules for s in m.sections]

    @property
    def lesson_count(self) -> int:
        return sum(len(s.placements) for s in self.sections)


def load_tree(product: OrgProduct) -> Tree:
    """The course of ``product`` as the builder shows it: every module, section and placement in
    the learner's order with its effective tier, how many learners have progress on each
    placement, and the other courses each lesson is placed in. Nine queries at most."""
    course = db.session.scalar(
        sa.select(OrgProductCourse)
        .where(OrgProductCourse.product_id == product.id, OrgProductCourse.org_id == product.org_id)
        .options(*course_only_tree_options())
    )
    tree = Tree(product=product, course=course)
    if course is None:
        return tree
    syllabus = build_syllabus(course, [])  # base texts; the tiers are the player's
    tiers = {}
    for m in syllabus.modules:
        tiers[m.id] = m.tier
        for s in m.sections:
            tiers[s.id] = s.tier
            for entry in s.lessons:
                tiers[entry.placement_id] = entry.tier
    progress = dict(db.session.execute(
        sa.select(OrgMemberLessonProgress.placement_id, sa.func.count(OrgMemberLessonProgress.id))
        .where(OrgMemberLessonProgress.org_id == product.org_id,
               OrgMemberLessonProgress.placement_id.in_(course_placement_ids(product.id)))
        .group_by(OrgMemberLessonProgress.placement_id)
    ).all())
    lesson_ids = {p.lesson_id for m in course.modules for s in m.sections for p in s.placements}
    elsewhere = _usage(product, lesson_ids)
    for module in course.modules:
        mnode = ModuleNode(module=module, effective_tier=tiers[module.id])
        for section in module.sections:
            snode = SectionNode(section=section, effective_tier=tiers[section.id])
            for placement in section.placements:
                snode.placements.append(PlacementNode(
                    placement=placement, effective_tier=tiers[placement.id],
                    progress=int(progress.get(placement.id, 0)),
                    used_elsewhere=elsewhere.get(placement.lesson_id, []),
                ))
            mnode.sections.append(snode)
        tree.modules.append(mnode)
    return tree


def _usage(product: OrgProduct, lesson_ids) -> dict[str, list[Usage]]:
    """lesson id -> the other courses placing it (one query)."""
    if not lesson_ids:
        return {}
    rows = db.session.execute(
        sa.select(Placement.lesson_id, OrgProduct.id, OrgProduct.name)
        .join(Section, Section.id == Placement.section_id)
        .join(Module, Module.id == Section.module_id)
        .join(OrgProduct, OrgProduct.id == Module.course_product_id)
        .where(Placement.org_id == product.org_id, Placement.lesson_id.in_(lesson_ids),
               OrgProduct.id != product.id)
        .distinct()
        .order_by(OrgProduct.name, OrgProduct.id)
    ).all()
    found: dict[str, list[Usage]] = defaultdict(list)
    for lesson_id, product_id, name in rows:
        found[lesson_id].append(Usage(product_id, name))
    return found


@dataclass
class LibraryLesson:
    lesson: OrgLesson
    courses: int  # how many courses place it


def search_library(product: OrgProduct, query: str | None, *, limit: int = LIBRARY_LIMIT) -> list[LibraryLesson]:
    """The org's reusable lessons whose title contains ``query`` (any case), newest first, with
    the number of courses placing each (one query)."""
    term = (query or "").strip()[:TITLE_MAX]
    courses = (
        sa.select(sa.func.count(sa.distinct(Module.course_product_id)))
        .select_from(Placement)
        .join(Section, Section.id == Placement.section_id)
        .join(Module, Module.id == Section.module_id)
        .where(Placement.lesson_id == OrgLesson.id)
        .scalar_subquery()
    )
    stmt = sa.select(OrgLesson, courses).where(OrgLesson.org_id == product.org_id)
    if term:
        stmt = stmt.where(OrgLesson.title.icontains(term, autoescape=True))
    rows = db.session.execute(stmt.order_by(OrgLesson.created_at.desc(), OrgLesson.id).limit(limit)).all()
    return [LibraryLesson(lesson, int(count or 0)) for lesson, count in rows]


# ---- finding the parts of one course -----------------------------------------------------------

def get_item(product: OrgProduct, kind: str, item_id: str):
    """The module, section or placement ``item_id`` of ``product``'s course; NotFoundError for an
    unknown kind, another course's or another org's row."""
    model = _MODELS.get(kind)
    if model is None:
        raise NotFoundError(_("Not found."))
    item = get_or_404(model, product.org_id, item_id)
    if _product_id_of(item) != product.id:
        raise NotFoundError(_("Not found."))
    return item


def _product_id_of(item) -> str:
    if isinstance(item, Placement):
        item = item.section
    if isinstance(item, Section):
        item = item.module
    return item.course_product_id


def _kind(item) -> str:
    return {Module: "module", Section: "section", Placement: "placement"}[type(item)]


def _siblings(item) -> list:
    if isinstance(item, Module):
        return list(item.course.modules)
    if isinstance(item, Section):
        return list(item.module.sections)
    return list(item.section.placements)


def _product(item) -> OrgProduct:
    return db.session.get(OrgProduct, _product_id_of(item))


# ---- changes -------------------------------------------------------------------------------------

def ensure_course(product: OrgProduct, *, by: OrgEmployee) -> OrgProductCourse:
    """The product's course, created (beginner, difficulty 1) the first time content is added."""
    require_product_editor(by, product)
    course = db.session.get(OrgProductCourse, product.id)
    if course is None:
        course = create_course(product, level="beginner", difficulty=1, by=by)
    return course


def new_module(product: OrgProduct, *, title: str, tier=1, by: OrgEmployee) -> Module:
    return add_module(ensure_course(product, by=by), title=title, required_access_tier=_tier(tier), by=by)


def new_section(module: Module, *, title: str, tier=1, by: OrgEmployee) -> Section:
    return add_section(module, title=title, required_access_tier=_tier(tier), by=by)


def attach_lesson(section: Section, lesson_id: str | None, *, by: OrgEmployee) -> Placement:
    """Place the org's library lesson ``lesson_id`` at the end of ``section``."""
    lesson = get_or_404(OrgLesson, section.org_id, lesson_id, _("Lesson not found."))
    return place_lesson(section, lesson, by=by)


def create_and_place(section: Section, *, title: str, type: str, url: str | None = None,
                     by: OrgEmployee) -> Placement:
    """A new library lesson (``url`` is the video or file URL those types need), placed at the end
    of ``section``."""
    require_product_editor(by, _product(section))
    url = (url or "").strip() or None
    extra = {"video_url": url} if type == "video" else {"file_url": url} if type == "file" else {}
    lesson = create_lesson(db.session.get(Org, section.org_id), type=type, title=title, by=by, **extra)
    return place_lesson(section, lesson, by=by)


def rename(item, title: str, *, by: OrgEmployee):
    """A module's or section's title, or the title of a placement's lesson (the lesson is shared:
    every course placing it shows the new title)."""
    if isinstance(item, Placement):
        lesson = item.lesson
        require_lesson_editor(by, lesson)
        require_product_editor(by, _product(item))
        before = snapshot(lesson, ("title",))
        lesson.title = clean_text(title, _("Title"), max_length=TITLE_MAX, required=True)
        db.session.flush()
        audit_change(lesson, action="lesson.renamed", by=by, fields=("title",), before=before)
        return item
    require_product_editor(by, _product(item))
    name, fields = _AUDIT[_kind(item)]
    before = snapshot(item, fields)
    item.title = clean_text(title, _("Title"), max_length=TITLE_MAX, required=True)
    db.session.flush()
    audit_change(item, action=f"{name}.renamed", by=by, fields=fields, before=before)
    return item


def _tier(value) -> int:
    """A tier of the plans (1-3), by the catalog's rule for tiers."""
    tier = check_access_tier(value)
    if tier > MAX_TIER:
        raise ValidationError(_("Choose an access tier from 1 to %(max)d.", max=MAX_TIER))
    return tier


def set_access(item, *, tier, free_preview: bool | None = None, by: OrgEmployee):
    """The tier a module, section or placement requires; for a placement also the free-preview
    flag (None leaves it)."""
    require_product_editor(by, _product(item))
    name, fields = _AUDIT[_kind(item)]
    before = snapshot(item, fields)
    item.required_access_tier = _tier(tier)
    if free_preview is not None and isinstance(item, Placement):
        item.is_free_preview = bool(free_preview)
    db.session.flush()
    audit_change(item, action=f"{name}.access_changed", by=by, fields=fields, before=before)
    return item


def _renumber(rows: list) -> None:
    """sort_order 1..n in the given order (the audit log records the moved row's change)."""
    for position, row in enumerate(rows, start=1):
        row.sort_order = position


def move(item, direction: str, *, by: OrgEmployee):
    """One step ``up`` or ``down`` among its siblings (the keyboard and no-JS way to reorder)."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose up or down."))
    siblings = _siblings(item)
    index = siblings.index(item)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return item  # already first / last: nothing to do
    return move_to(item, position=target + 1, by=by)


def move_to(item, *, parent_id: str | None = None, position=None, by: OrgEmployee):
    """Move a section to another module, or a placement to another section, of the same course
    (``parent_id``; None keeps the parent), at ``position`` (1 = first; None or beyond the end:
    last). Modules only change position."""
    product = _product(item)
    require_product_editor(by, product)
    name, fields = _AUDIT[_kind(item)]
    before = snapshot(item, fields)
    pos = _position(position)
    old_siblings = _siblings(item)
    if parent_id and isinstance(item, (Section, Placement)):
        parent = get_item(product, "module" if isinstance(item, Section) else "section", parent_id)
        current = item.module if isinstance(item, Section) else item.section
        if parent is not current:
            if isinstance(item, Placement) and any(p.lesson_id == item.lesson_id for p in parent.placements):
                raise ConflictError(_("This lesson is already in that section."))
            old_siblings.remove(item)
            _renumber(old_siblings)
            # re-parent through the many-to-one side: removing it from the old parent's list first
            # would make it an orphan, which the delete-orphan cascade deletes
            if isinstance(item, Section):
                item.module = parent
            else:
                item.section = parent
            db.session.flush()
    siblings = [s for s in _siblings(item) if s is not item]
    index = len(siblings) if pos is None else min(pos - 1, len(siblings))
    siblings.insert(index, item)
    _renumber(siblings)
    db.session.flush()
    _sort_loaded(item)
    audit_change(item, action=f"{name}.moved", by=by, fields=fields, before=before)
    return item


def _sort_loaded(item) -> None:
    """Keep the loaded relationship list in the new order (the page may render it after the move)."""
    _siblings_list(item).sort(key=lambda r: r.sort_order)


def _siblings_list(item) -> list:
    if isinstance(item, Module):
        return item.course.modules
    if isinstance(item, Section):
        return item.module.sections
    return item.section.placements


def _position(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return to_int(value, _("Position"), minimum=1)


def learner_activity(item) -> int:
    """Learners' progress rows, quiz attempts and assignment submissions on the placements under
    ``item`` (one query)."""
    if isinstance(item, Placement):
        ids = sa.select(Placement.id).where(Placement.id == item.id)
    elif isinstance(item, Section):
        ids = sa.select(Placement.id).where(Placement.section_id == item.id)
    else:
        ids = sa.select(Placement.id).join(Section, Section.id == Placement.section_id).where(
            Section.module_id == item.id)
    counts = [
        sa.select(sa.func.count()).select_from(model).where(model.placement_id.in_(ids)).scalar_subquery()
        for model in (OrgMemberLessonProgress, OrgMemberQuizAttempt, OrgMemberAssignmentSubmission)
    ]
    return int(db.session.scalar(sa.select(sum(counts[1:], counts[0]))) or 0)


def delete(item, *, by: OrgEmployee) -> None:
    """Remove a module (with its sections and placements), a section (with its placements) or a
    placement (the library lesson stays). Refused while learners have progress on a lesson in it,
    unless the course is archived (then their progress on it is removed too)."""
    product = _product(item)
    require_product_editor(by, product)
    if product.status != "archived" and learner_activity(item):
        raise ConflictError(_(
            "Learners have already started a lesson in this part of the course, so it cannot be deleted "
            "while the course is on sale: their progress would be lost. Archive the course first, or "
            "change the lesson's tier instead."))
    name, fields = _AUDIT[_kind(item)]
    siblings = [s for s in _siblings(item) if s is not item]
    parent_list = _siblings_list(item)
    audit(item.org_id, action=f"{name}.deleted", entity_type=item.__tablename__, entity_id=item.id,
          actor_employee=by, data={"before": snapshot(item, fields), "after": {}})
    parent_list.remove(item)
    db.session.delete(item)
    db.session.flush()
    _renumber(siblings)
    db.session.flush()

