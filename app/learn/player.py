"""The course player's read side: a course, its syllabus, the learner's tier and progress, and the
requested lesson, loaded in a FIXED number of queries whatever the size of the course.

Queries (``load_player``): the product with its course row and translations and the requested
plain (text, video, file) lesson with its translations (one statement: ``_read_course``), the
member's progress rows for the course (one), the syllabus as plain rows (one:
app.courses.syllabus.load_syllabus), the membership with the access tier, the certificate's id and
the staff check (one), the certificate itself (only when there is one), and for other lessons the
placement with its lesson (one) and a quiz's questions. None of them grows with the number of modules,
sections, lessons or progress rows; the statements are built once per process (app.db.prebuilt).

The tier gate: ``require_open(player)`` raises 403 when the current lesson is locked for the
learner (their purchased tier, or the tier an entitled employee previews as).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.catalog.models import OrgEmployeeProductAttribution as Attribution
from app.catalog.models import (
    OrgProduct,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
    OrgProductVariantPaymentPlanSubscription,
)
from app.checks import whole_or_none
from app.courses.models import (
    OrgLesson,
    OrgLessonQuizQuestion,
    OrgLessonTranslation,
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.courses.syllabus import (
    TEXTS,
    TREE,
    LessonEntry,
    ModuleEntry,
    Syllabus,
    load_syllabus,
    syllabus_of_rows,
    syllabus_parts,
)
from app.db import plain_rows, prebuilt, tagged_union, utcnow, with_kept_hash
from app.entitlements.services import access_tier_of
from app.errors import NotFoundError, PermissionDeniedError
from app.extensions import db
from app.learn import certificates
from app.learn.markdown import without_title
from app.learn.models import OrgMemberCourseCertificate, OrgMemberLessonProgress
from app.markets.chain_sql import chain_locales, chain_slots, chain_values
from app.markets.locales import translated
from app.markets.storefront import Storefront
from app.orgs.current import UNKNOWN, load_member, member_select, member_value, request_member
from app.orgs.models import OrgEmployee, OrgMember
from app.platform.images import ImageView, OrgImage
from app.web import cache

PLAYABLE_STATUSES = ("published", "archived")
PREVIEW_ROLES = ("admin", "manager")
MAX_PREVIEW_TIER = 99
_PLACEHOLDER = "__PLACEMENT__"


@dataclass
class Learner:
    member: OrgMember | None  # None for a visitor / non-member
    tier: int | None  # purchased tier (member_access_tier); None = no access
    preview_tier: int | None = None  # set when an attributed employee or admin previews
    can_preview: bool = False  # an admin/manager or an employee attributed to the course

    @property
    def effective_tier(self) -> int | None:
        return self.preview_tier if self.preview_tier is not None else self.tier

    @property
    def previewing(self) -> bool:
        return self.preview_tier is not None


def _percent(done: int, total: int) -> int:
    if total <= 0:
        return 0
    return (done * 100) // total


class CourseProgress(NamedTuple):
    """A learner's progress on the whole course (``Player.course_progress``)."""

    open_count: int  # lessons open at the learner's (effective) tier
    completed_open_count: int
    completed_count: int
    lesson_count: int
    percent_accessible: int
    percent_all: int


@dataclass
class Player:
    storefront: Storefront
    product: CourseProduct | OrgProduct
    course: CourseFacts | OrgProductCourse
    syllabus: Syllabus
    learner: Learner
    progress: dict[str, ProgressRow | OrgMemberLessonProgress]  # placement_id -> row (this member, this course)
    current: LessonEntry | None
    placement: OrgProductCourseModuleSectionLesson | PlacementView | None
    lesson: OrgLesson | LessonView | None
    certificate: OrgMemberCourseCertificate | None = None
    chain: list[str | None] = field(default_factory=list)
    cover: ImageView | None = None  # the course product's uploaded cover (the header)

    # ---- gate and completion ----------------------------------------------------------------
    # A page asks these for every lesson several times (the syllabus, the progress bars, each
    # module's bar): the locks are worked out once per player (its syllabus and learner never change),
    # the completed lessons once per question from the progress rows (a view may add a row).

    @functools.cached_property
    def _locked(self) -> dict[str, bool]:
        tier = self.learner.effective_tier
        return {entry.placement_id: entry.locked_for(tier) for entry in self.syllabus.lessons}

    def is_locked(self, entry: LessonEntry) -> bool:
        locked = self._locked.get(entry.placement_id)
        return entry.locked_for(self.learner.effective_tier) if locked is None else locked

    def is_completed(self, entry: LessonEntry) -> bool:
        row = self.progress.get(entry.placement_id)
        return row is not None and row.is_completed

    def is_started(self, entry: LessonEntry) -> bool:
        return entry.placement_id in self.progress

    @property
    def current_locked(self) -> bool:
        return self.current is None or self.is_locked(self.current)

    def _completed_ids(self) -> set[str]:
        return {placement_id for placement_id, row in self.progress.items() if row.is_completed}

    @property
    def locked_ids(self) -> frozenset[str]:
        """The placement ids of the syllabus's lessons locked for the learner (a template tests
        ``entry.placement_id in ...`` instead of calling ``is_locked`` per lesson)."""
        return frozenset(pid for pid, locked in self._locked.items() if locked)

    @property
    def completed_ids(self) -> set[str]:
        """The placement ids of the completed lessons (now: a view may add a progress row)."""
        return self._completed_ids()

    def _counts(self, lessons: list[LessonEntry]) -> tuple[int, int, int, int]:
        """(open, completed open, completed, all) among ``lessons``."""
        done = self._completed_ids()
        locked = self._locked
        open_count = done_open = done_all = 0
        for entry in lessons:
            is_locked = locked.get(entry.placement_id)
            if is_locked is None:
                is_locked = entry.locked_for(self.learner.effective_tier)
            is_done = entry.placement_id in done
            if not is_locked:
                open_count += 1
                done_open += is_done
            done_all += is_done
        return open_count, done_open, done_all, len(lessons)

    def _percents(self, lessons: list[LessonEntry]) -> tuple[int, int]:
        open_count, done_open, done_all, total = self._counts(lessons)
        return _percent(done_open, open_count), _percent(done_all, total)

    def course_progress(self) -> CourseProgress:
        """The course's progress numbers all at once (the progress bars show six of them: one pass
        over the lessons instead of one per number)."""
        open_count, done_open, done_all, total = self._counts(self.syllabus.lessons)
        return CourseProgress(open_count, done_open, done_all, total, _percent(done_open, open_count),
                              _percent(done_all, total))

    @property
    def percent_accessible(self) -> int:
        """Completed share of the lessons open at the learner's (effective) tier."""
        return self._percents(self.syllabus.lessons)[0]

    @property
    def percent_all(self) -> int:
        """Completed share of all lessons of the course."""
        return self._percents(self.syllabus.lessons)[1]

    def module_percent(self, module: ModuleEntry) -> tuple[int, int]:
        """(accessible %, all %) for one module."""
        return self._percents(module.lessons)

    @property
    def open_count(self) -> int:
        return self._counts(self.syllabus.lessons)[0]

    @property
    def completed_open_count(self) -> int:
        return self._counts(self.syllabus.lessons)[1]

    @property
    def completed_count(self) -> int:
        return self._counts(self.syllabus.lessons)[2]

    @functools.cached_property
    def lesson_url_parts(self) -> tuple[str, str]:
        """The URL of this player's lessons around the placement id, (head, tail): one ``url_for``
        for every lesson link of a page (``lesson_url``, the syllabus)."""
        extra = {"preview": self.learner.preview_tier} if self.learner.previewing else {}
        url = url_for("store.learn.lesson", course_slug=self.product.slug, placement_id=_PLACEHOLDER, **extra)
        head, tail = url.split(_PLACEHOLDER)
        return head, tail

    def lesson_url(self, entry: LessonEntry) -> str:
        """``url_for("store.learn.lesson", ...)`` of ``entry`` (with ``preview`` while previewing)."""
        if not entry.placement_id.isalnum():  # ids are hex; anything else is quoted by url_for
            extra = {"preview": self.learner.preview_tier} if self.learner.previewing else {}
            return url_for("store.learn.lesson", course_slug=self.product.slug,
                           placement_id=entry.placement_id, **extra)
        head, tail = self.lesson_url_parts
        return head + entry.placement_id + tail

    # ---- navigation ---------------------------------------------------------------------------

    def _index(self) -> int | None:
        if self.current is None:
            return None
        for i, entry in enumerate(self.syllabus.lessons):
            if entry.placement_id == self.current.placement_id:
                return i
        return None

    def next_entry(self) -> LessonEntry | None:
        lessons, i = self.syllabus.lessons, self._index()
        if i is None or i + 1 >= len(lessons):
            return None
        return lessons[i + 1]

    def prev_entry(self) -> LessonEntry | None:
        lessons, i = self.syllabus.lessons, self._index()
        if i is None or i == 0:
            return None
        return lessons[i - 1]

    def resume_entry(self) -> LessonEntry | None:
        """The first open lesson not completed yet; else the last viewed; else the first lesson."""
        lessons = self.syllabus.lessons
        for entry in lessons:
            if not self.is_locked(entry) and not self.is_completed(entry):
                return entry
        viewed = [row for row in self.progress.values() if row.last_viewed_at is not None]
        if viewed:
            last = max(viewed, key=lambda row: row.last_viewed_at)
            for entry in lessons:
                if entry.placement_id == last.placement_id:
                    return entry
        return lessons[0] if lessons else None

    @property
    def last_activity(self) -> datetime | None:
        stamps = [row.last_viewed_at or row.updated_at for row in self.progress.values()]
        stamps = [s for s in stamps if s is not None]
        return max(stamps) if stamps else None

    def location(self, entry: LessonEntry | None):
        """(module, section) entries holding ``entry``, or (None, None)."""
        if entry is not None:
            for module in self.syllabus.modules:
                for section in module.sections:
                    if any(e.placement_id == entry.placement_id for e in section.lessons):
                        return module, section
        return None, None

    @property
    def position_number(self) -> int:
        i = self._index()
        return 0 if i is None else i + 1

    # ---- lesson content -------------------------------------------------------------------------

    @property
    def course_name(self) -> str:
        return translated(self.product, "name", self.chain)

    def lesson_text(self, field_name: str) -> str | None:
        """The current lesson's ``field_name`` through the content-translation fallback chain."""
        if self.lesson is None:
            return None
        return translated(self.lesson, field_name, self.chain)

    def lesson_body(self) -> str | None:
        """The current lesson's Markdown content without a first heading that repeats its title
        (the lesson region shows the title as its heading)."""
        return without_title(self.lesson_text("content"), self.current.title if self.current else None)

    @property
    def position_seconds(self) -> int:
        if self.current is None:
            return 0
        row = self.progress.get(self.current.placement_id)
        return row.position_seconds if row is not None else 0

    def unlocks_at(self, tier: int) -> list[LessonEntry]:
        """Lessons locked for the learner now that ``tier`` would open."""
        return [e for e in self.syllabus.lessons if self.is_locked(e) and not e.locked_for(tier)]


# ---- loading ------------------------------------------------------------------------------------

def course_tree_options():
    """Eager-load options for OrgProduct -> course -> modules -> sections -> placements -> lesson."""
    course = joinedload(OrgProduct.course)
    modules = course.selectinload(OrgProductCourse.modules)
    sections = modules.selectinload(OrgProductCourseModule.sections)
    placements = sections.selectinload(OrgProductCourseModuleSection.placements)
    return (
        selectinload(OrgProduct.translations),
        modules.selectinload(OrgProductCourseModule.translations),
        sections.selectinload(OrgProductCourseModuleSection.translations),
        placements.joinedload(OrgProductCourseModuleSectionLesson.lesson).selectinload(OrgLesson.translations),
    )


@dataclass(frozen=True)
class ProductName:
    """One translation of a course product's name (what ``translated`` reads)."""

    locale_key: str
    name: str


@dataclass(frozen=True)
class CourseFacts:
    """The course row's facts the player shows (the review form)."""

    level: str
    difficulty: int


@dataclass(frozen=True)
class CourseProduct:
    """A course product as the player reads it, as plain values: no ORM object (a write that needs
    the ``OrgProduct`` loads it: ``orm_product``)."""

    id: str
    org_id: str
    slug: str
    type: str
    status: str
    name: str
    translations: tuple[ProductName, ...]
    course: CourseFacts
    cover: ImageView | None  # the uploaded cover (the player's header)


def _course_product_query():
    product, course, tr = OrgProduct, OrgProductCourse, OrgProductTranslation
    return (
        sa.select(product.id, product.org_id, product.slug, product.type, product.status, product.name,
                  course.level, course.difficulty, tr.locale_key, tr.name,
                  OrgImage.key, OrgImage.widths, OrgImage.width, OrgImage.height, OrgImage.alt_text)
        .join(course, course.product_id == product.id)
        .outerjoin(tr, tr.product_id == product.id)
        .outerjoin(OrgImage, OrgImage.product_id == product.id)
        .where(product.org_id == sa.bindparam("org_id"), product.slug == sa.bindparam("slug"),
               product.type == "course")
    )


def _product_of(rows) -> CourseProduct | None:
    """The ``CourseProduct`` of ``_course_product_query``'s rows (a row per translation)."""
    if not rows:
        return None
    first = rows[0]
    names = tuple(ProductName(row[8], row[9]) for row in rows if row[8] is not None)
    cover = ImageView.of(*first[10:15]) if first[10] is not None else None
    return CourseProduct(id=first[0], org_id=first[1], slug=first[2], type=first[3], status=first[4],
                         name=first[5], translations=names, course=CourseFacts(first[6], first[7]),
                         cover=cover)


# ---- the course and the lesson in one statement ---------------------------------------------------
# A lesson page read the course product, then the requested placement with its lesson, each a
# statement of its own (~0.1-0.2 ms of Python each on every uncached lesson view). ``_read_course``
# reads both as one UNION ALL of tagged rows (app.db.tagged_union). The placement is found through
# the course's slug, not its id (not known yet): the same rows as before. (The learner's progress rows stay a statement of their own: through the
# membership, in the same UNION, they cost SQLite more than the statement they saved.)

_PRODUCT, _PLACEMENT = "p", "l"


def _course_id_of_slug():
    """SQL: the id of the org's course product ``:slug`` (any status: the product's own rows decide)."""
    return (
        sa.select(OrgProduct.id)
        .where(OrgProduct.org_id == sa.bindparam("org_id"), OrgProduct.slug == sa.bindparam("slug"),
               OrgProduct.type == "course")
        .scalar_subquery()
    )


def _placement_select():
    placement, lesson, tr = OrgProductCourseModuleSectionLesson, OrgLesson, OrgLessonTranslation
    return (
        sa.select(placement.id, placement.org_id, placement.lesson_id,
                  lesson.id, lesson.org_id, lesson.type, lesson.title, lesson.description, lesson.content,
                  lesson.video_url, lesson.captions_url, lesson.captions_key, lesson.file_url, lesson.file_name,
                  lesson.file_key, lesson.duration_minutes,
                  tr.locale_key, tr.title, tr.description, tr.content)
        .join(lesson, lesson.id == placement.lesson_id)
        .outerjoin(tr, tr.lesson_id == lesson.id)
        .where(
            placement.org_id == sa.bindparam("org_id"),
            placement.id == sa.bindparam("placement_id"),
            placement.id.in_(course_placement_ids(_course_id_of_slug())),
        )
    )


@functools.cache
def _course_read(any_status: bool, with_placement: bool):
    """The statement of ``_read_course`` (built once per process) and its rows' ``split``."""
    product = _course_product_query()
    if not any_status:
        product = product.where(one_of(OrgProduct.status, PLAYABLE_STATUSES))
    parts = [(_PRODUCT, product, ())]
    if with_placement:
        parts.append((_PLACEMENT, _placement_select(), ()))
    statement, split = tagged_union(parts)
    return with_kept_hash(statement), split


class _CourseRead(NamedTuple):
    product: CourseProduct
    placement: PlacementView | None  # of ``placement_id`` when asked for (any lesson type), if in the course


def _read_course(org_id: str, course_slug: str, *, any_status: bool, placement_id: str | None) -> _CourseRead:
    """The playable course product (``any_status``: also a draft, a preview asked for it;
    ``load_player`` decides) with its course facts, name translations and cover, and the plain lesson
    of ``placement_id`` in the course (when asked for): one statement. NotFoundError when there is
    no such course product (or no course row)."""
    stmt, split = _course_read(any_status, placement_id is not None)
    params = {"org_id": org_id, "slug": course_slug}
    if placement_id is not None:
        params["placement_id"] = placement_id
    rows = split(plain_rows(db.session, stmt, params))
    product = _product_of(rows[_PRODUCT])
    if product is None:  # no such course product, or no course row
        raise NotFoundError(_("This course does not exist."))
    return _CourseRead(product, _placement_of(rows.get(_PLACEMENT)))



# ---- PostgreSQL: the whole page's reads in one statement -------------------------------------------
# On PostgreSQL each statement is a round trip (~0.3 ms of CPU between the app and the server): a
# signed-in learner's lesson read the course, the tier and certificate, the progress and the syllabus
# in four. ``_read_page`` reads them as one UNION ALL, each part finding the course by its slug.
# SQLite has no round trip to save: a visitor's page keeps one statement each there (the UNION cost
# about as much as the two it saved); a member's (course, state, progress, syllabus: four) is one
# there too, as cheap in CPU as the four and fewer Python calls.
_STATE, _PROGRESS = "s", "g"


def _by_course(statement, course_id):
    """``statement`` with its ``:product_id`` parameter replaced by ``course_id`` (SQL)."""
    def replace(element):
        if isinstance(element, sa.sql.elements.BindParameter) and element.key == "product_id":
            return course_id
        return None

    return sa.sql.visitors.replacement_traverse(statement, {}, replace)


@functools.cache
def _page_read(any_status: bool, with_placement: bool, with_member: bool, syllabus_slots: int | None):
    """The statement of ``_read_page`` (built once per process for each shape) and its ``split``."""
    product = _course_product_query()
    if not any_status:
        product = product.where(one_of(OrgProduct.status, PLAYABLE_STATUSES))
    course_id = _course_id_of_slug()
    parts = [(_PRODUCT, product, ())]
    if with_placement:
        parts.append((_PLACEMENT, _placement_select(), ()))
    if with_member:
        parts.append((_STATE, _by_course(_member_course_state(), course_id), ()))
        parts.append((_PROGRESS, _by_course(_member_progress(), course_id), ()))
    if syllabus_slots is not None:
        parts.extend(syllabus_parts(syllabus_slots, course_id))
    statement, split = tagged_union(parts)
    return with_kept_hash(statement), split


class _PageRead(NamedTuple):
    course: _CourseRead
    state: tuple | None  # (tier, certificate id, previewer) of the member asked for
    progress: dict[str, ProgressRow] | None  # of the member asked for
    syllabus: Syllabus | None  # when asked for


def _read_page(org_id: str, course_slug: str, *, any_status: bool, placement_id: str | None,
               member: OrgMember | None, chain, syllabus: bool) -> _PageRead:
    """``_read_course`` and, of the same course, ``member``'s state (``_member_course_state``) and
    progress (``member_progress``) and the syllabus (``syllabus``: when not cached): one statement."""
    locales = chain_locales(chain)
    slots = (chain_slots(locales) if locales else 0) if syllabus else None
    stmt, split = _page_read(any_status, placement_id is not None, member is not None, slots)
    params = {"org_id": org_id, "slug": course_slug}
    if placement_id is not None:
        params["placement_id"] = placement_id
    if member is not None:
        params.update(member_id=member.id, at=utcnow())
    if slots:
        params.update(chain_values(locales))
    rows = split(plain_rows(db.session, stmt, params))
    product = _product_of(rows[_PRODUCT])
    if product is None:
        raise NotFoundError(_("This course does not exist."))
    state = progress = None
    if member is not None:
        state = rows[_STATE][0] if rows.get(_STATE) else (None, None, False)
        progress = {row[0]: ProgressRow(*row) for row in rows.get(_PROGRESS, ())}
    tree = syllabus_of_rows(rows.get(TREE, ()), rows.get(TEXTS, ()), chain) if syllabus else None
    return _PageRead(_CourseRead(product, _placement_of(rows.get(_PLACEMENT))), state, progress, tree)

def orm_product(product) -> OrgProduct:
    """The ``OrgProduct`` of a player's product (for a write: a review links it)."""
    if isinstance(product, OrgProduct):
        return product
    return db.session.get(OrgProduct, product.id)


def _load_syllabus(product: OrgProduct, chain: list[str | None]) -> Syllabus:
    """The course tree (modules, sections, placements, lessons and their translations) as a
    plain Syllabus, from rows (one query)."""
    return load_syllabus(product.id, chain)


def course_syllabus(product: OrgProduct, chain: list[str | None], read: Syllabus | None = None) -> Syllabus:
    """The syllabus from the read cache (plain data, per course and content chain; entries live
    STOREFRONT_CACHE_SECONDS) or loaded (``read``: already read from the database, kept as the
    loaded one). Progress and tiers are never cached."""
    return cache.cached(("learn-syllabus", product.id, tuple(chain)),
                        (lambda: read) if read is not None else (lambda: _load_syllabus(product, chain)))


def course_only_tree_options():
    modules = selectinload(OrgProductCourse.modules)
    sections = modules.selectinload(OrgProductCourseModule.sections)
    placements = sections.selectinload(OrgProductCourseModuleSection.placements)
    return (
        modules.selectinload(OrgProductCourseModule.translations),
        sections.selectinload(OrgProductCourseModuleSection.translations),
        placements.joinedload(OrgProductCourseModuleSectionLesson.lesson).selectinload(OrgLesson.translations),
    )


def _current_placement(product: OrgProduct, placement_id: str) -> OrgProductCourseModuleSectionLesson | None:
    """The placement of this course with its lesson and the lesson's translations (one query)."""
    return db.session.execute(
        _course_placement(), {"org_id": product.org_id, "placement_id": placement_id, "product_id": product.id}
    ).unique().scalar_one_or_none()


# Lessons whose page needs nothing of the lesson but its columns and translations (no questions, no
# submission rules): the lesson page reads them as plain rows (``load_player(plain=True)``).
PLAIN_LESSON_TYPES = ("text", "video", "file")


@dataclass(frozen=True)
class LessonText:
    """One translation of a lesson (what ``translated`` reads)."""

    locale_key: str
    title: str
    description: str | None
    content: str | None


@dataclass(frozen=True)
class LessonView:
    """A text, video or file lesson as plain values: what its page reads of an ``OrgLesson``."""

    id: str
    org_id: str
    type: str
    title: str
    description: str | None
    content: str | None
    video_url: str | None
    captions_url: str | None
    captions_key: str | None
    file_url: str | None
    file_name: str | None
    file_key: str | None
    duration_minutes: int | None
    translations: tuple[LessonText, ...]


@dataclass(frozen=True)
class PlacementView:
    """A placement with its lesson as plain values (what the lesson page and ``progress.visit_of`` read)."""

    id: str
    org_id: str
    lesson_id: str
    lesson: LessonView


def _placement_of(rows) -> PlacementView | None:
    """The ``PlacementView`` of ``_placement_select``'s rows (a row per translation of the lesson)."""
    if not rows:
        return None
    first = rows[0]
    texts = tuple(LessonText(*row[16:20]) for row in rows if row[16] is not None)
    lesson = LessonView(*first[3:16], translations=texts)
    return PlacementView(id=first[0], org_id=first[1], lesson_id=first[2], lesson=lesson)


@prebuilt
def _course_placement():
    placement = OrgProductCourseModuleSectionLesson
    return (
        sa.select(placement)
        .where(
            placement.org_id == sa.bindparam("org_id"),
            placement.id == sa.bindparam("placement_id"),
            placement.id.in_(course_placement_ids(sa.bindparam("product_id"))),
        )
        .options(joinedload(placement.lesson).joinedload(OrgLesson.translations))
    )


def one_of(column, values) -> sa.ColumnElement[bool]:
    """``column IN (values)`` with one bound parameter per value: ``column.in_(values)`` binds an
    "expanding" list, and SQLAlchemy then renders the whole statement's SQL again on every run."""
    return column.in_([sa.literal(value) for value in values])


def member_of(user, org_id: str) -> OrgMember | None:
    """The user's active membership in the org (read once per request: ``request_member``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    member = request_member(org_id, user)
    return member if member is not None and member.is_active else None


def can_preview(member: OrgMember | None, product_id: str, at: datetime | None = None) -> bool:
    """Admins and managers of the org, and employees attributed to the course right now (one query)."""
    if member is None:
        return False

    found = db.session.scalar(_previewer(), {"org_id": member.org_id, "member_id": member.id,
                                             "product_id": product_id, "at": at or utcnow()})
    return found is not None


@prebuilt
def _previewer():
    return previewer_of(sa.bindparam("member_id"))


def previewer_of(member_id) -> sa.Select:
    """SQL: the employee record of ``member_id`` (a bound value or a column of the outer statement)
    that may preview ``:product_id`` in ``:org_id`` at ``:at``: ``can_preview``'s rule."""
    at, org_id = sa.bindparam("at"), sa.bindparam("org_id")
    attributed = (
        sa.select(Attribution.id)
        .where(
            Attribution.employee_id == OrgEmployee.id,
            Attribution.org_id == org_id,
            Attribution.product_id == sa.bindparam("product_id"),
            Attribution.effective_from <= at,
            sa.or_(Attribution.effective_to.is_(None), Attribution.effective_to > at),
        )
        .exists()
    )
    return sa.select(OrgEmployee.id).where(
        OrgEmployee.org_id == org_id,
        OrgEmployee.member_id == member_id,
        OrgEmployee.status == "active",
        sa.or_(one_of(OrgEmployee.role, PREVIEW_ROLES), attributed),
    )


@dataclass(frozen=True)
class _LearnerState:
    member: OrgMember | None  # active memberships only
    tier: int | None
    certificate_id: str | None
    can_preview: bool


@prebuilt
def _learner_state():
    """The membership (app/orgs/current.py) with the tier (``member_access_tier``), the certificate's
    id (``certificates.existing``) and the preview right (``can_preview``) of the course: one
    statement instead of four."""
    return member_select(
        lambda member_id: access_tier_of(member_id).scalar_subquery().label("tier"),
        lambda member_id: certificates.certificate_of(member_id, OrgMemberCourseCertificate.id)
        .scalar_subquery().label("certificate_id"),
        lambda member_id: previewer_of(member_id).exists().label("previewer"),
    )


@prebuilt
def _member_course_state():
    """``_learner_state`` for a membership already read this request (``:member_id``): the tier, the
    certificate's id and the preview right of the course in one statement instead of three."""
    member_id = sa.bindparam("member_id")
    return sa.select(
        access_tier_of(member_id).scalar_subquery().label("tier"),
        certificates.certificate_of(member_id, OrgMemberCourseCertificate.id).scalar_subquery().label("certificate_id"),
        previewer_of(member_id).exists().label("previewer"),
    )


def _learner_state_of(user, org_id: str, product_id: str) -> _LearnerState:
    """What ``member_of``, ``member_access_tier``, ``certificates.existing`` and ``can_preview``
    say of the user and the course, in one statement (when the membership was not read yet this
    request; else the same rules one by one)."""
    none = _LearnerState(member=None, tier=None, certificate_id=None, can_preview=False)
    if user is None or not getattr(user, "is_authenticated", False):
        return none
    if _member_read(org_id, user.id):
        member = member_of(user, org_id)
        if member is None:
            return none
        tier, certificate_id, previewer = plain_rows(db.session, _member_course_state(), {
            "org_id": member.org_id, "member_id": member.id, "product_id": product_id, "at": utcnow(),
        }).one()
        return _LearnerState(member=member, tier=tier, certificate_id=certificate_id, can_preview=bool(previewer))
    row = load_member(_learner_state(), org_id, user, {"product_id": product_id, "at": utcnow()})
    member = row[0] if row is not None else None
    if member is None or not member.is_active:
        return none
    return _LearnerState(member=member, tier=row.tier, certificate_id=row.certificate_id,
                         can_preview=bool(row.previewer))


def _known_member(user, org_id: str) -> OrgMember | None:
    """The user's active membership in the org when it was read with the user this request
    (app/orgs/current.py), else None (then ``_learner_state_of`` reads it, and the state with it)."""
    if user is None or not getattr(user, "is_authenticated", False) or not _member_read(org_id, user.id):
        return None
    return member_of(user, org_id)


def _member_read(org_id: str, user_id: str) -> bool:
    return member_value(org_id, user_id, "member", UNKNOWN) is not UNKNOWN


def course_placement_ids(product_id: str):
    """Subquery: the ids of every placement of the course."""
    placement, section, module = (
        OrgProductCourseModuleSectionLesson,
        OrgProductCourseModuleSection,
        OrgProductCourseModule,
    )
    return (
        sa.select(placement.id)
        .join(section, section.id == placement.section_id)
        .join(module, module.id == section.module_id)
        .where(module.course_product_id == product_id)
    )


@dataclass(frozen=True)
class ProgressRow:
    """A member's progress on one placement, as plain values (what the player and its templates read
    of an ``OrgMemberLessonProgress``; a view may also put such a row in ``Player.progress``)."""

    placement_id: str
    status: str
    position_seconds: int
    completed_at: datetime | None
    last_viewed_at: datetime | None
    updated_at: datetime | None

    @property
    def is_completed(self) -> bool:
        return self.status == "completed"


def member_progress(member: OrgMember, product_id: str) -> dict[str, ProgressRow]:
    """placement_id -> progress row of the member for every placement of the course (one query,
    plain rows: no ORM objects)."""
    rows = plain_rows(
        db.session, _member_progress(), {"org_id": member.org_id, "member_id": member.id, "product_id": product_id}
    )
    return {row[0]: ProgressRow(*row) for row in rows}


@prebuilt
def _member_progress():
    progress = OrgMemberLessonProgress
    return sa.select(
        progress.placement_id, progress.status, progress.position_seconds, progress.completed_at,
        progress.last_viewed_at, progress.updated_at,
    ).where(
        progress.org_id == sa.bindparam("org_id"),
        progress.member_id == sa.bindparam("member_id"),
        progress.placement_id.in_(course_placement_ids(sa.bindparam("product_id"))),
    )


@prebuilt
def _quiz_questions():
    question = OrgLessonQuizQuestion
    return (
        sa.select(question)
        .where(question.lesson_id == sa.bindparam("lesson_id"), question.org_id == sa.bindparam("org_id"))
        .order_by(question.sort_order, question.created_at)
        .options(selectinload(question.translations))
    )


def load_player(
    storefront: Storefront,
    user,
    course_slug: str,
    placement_id: str | None = None,
    *,
    preview_tier: int | None = None,
    chain: list[str | None] | None = None,
    plain: bool = False,
) -> Player:
    """Everything a lesson page needs. Unknown course/placement, or another org's → NotFoundError.

    ``preview_tier`` is honoured only for employees allowed to preview the course; for anyone
    else it is ignored (they see exactly what their purchase gives them). A preview shows the
    course as a new learner of that tier sees it: the previewer's own progress and certificate
    are left out (and nothing is recorded: the views check ``learner.previewing``), and a draft
    course can be previewed before it is published.

    ``plain``: a text, video or file lesson is read as plain values (``PlacementView``; its page only
    reads them); else, and for the views that write, the ``OrgProductCourseModuleSectionLesson``.
    """
    if chain is None:
        chain = storefront.content_chain(storefront.default_locale)
    # The product and the plain lesson (a guess: the syllabus says below whether the lesson is a
    # plain one): one statement.
    page = None
    known = _known_member(user, storefront.org_id)
    if known is not None or db.engine.dialect.name == "postgresql":  # one statement (``_read_page``)
        page = _read_page(storefront.org_id, course_slug, any_status=preview_tier is not None,
                          placement_id=placement_id if plain else None, member=known, chain=chain,
                          syllabus=not cache.enabled())  # else read (once) into the cache below
        read = page.course
    else:
        read = _read_course(storefront.org_id, course_slug, any_status=preview_tier is not None,
                            placement_id=placement_id if plain else None)
    product = read.product
    course = product.course

    if page is not None and page.state is not None:
        tier, certificate_id, previewer = page.state
        state = _LearnerState(member=known, tier=tier,
                              certificate_id=certificate_id, can_preview=bool(previewer))
    else:
        state = _learner_state_of(user, storefront.org_id, product.id)
    member, tier, allowed_preview = state.member, state.tier, state.can_preview
    progress: dict[str, ProgressRow] = {}
    certificate = None
    if member is not None:
        progress = page.progress if page is not None and page.progress is not None else member_progress(member, product.id)
        if state.certificate_id is not None:  # most learners have none: no query
            certificate = db.session.get(OrgMemberCourseCertificate, state.certificate_id)
    preview = None
    if allowed_preview and preview_tier is not None:
        preview = max(1, min(MAX_PREVIEW_TIER, int(preview_tier)))
    if product.status not in PLAYABLE_STATUSES and preview is None:
        raise NotFoundError(_("This course does not exist."))
    if preview is not None:
        progress, certificate = {}, None
    learner = Learner(member=member, tier=tier, preview_tier=preview, can_preview=allowed_preview)
    syllabus = course_syllabus(product, chain, page.syllabus if page is not None else None)

    current = placement = lesson = None
    if placement_id is not None:
        current = next((e for e in syllabus.lessons if e.placement_id == placement_id), None)
        placement = None
        if current is not None and plain and current.type in PLAIN_LESSON_TYPES:
            placement = read.placement
            if placement is not None and placement.lesson.type not in PLAIN_LESSON_TYPES:
                placement = None  # a cached syllabus older than the lesson's type: load it whole
        if current is not None and placement is None:
            placement = _current_placement(product, placement_id)
        if current is None or placement is None:
            raise NotFoundError(_("This lesson does not exist."))
        lesson = placement.lesson
        if lesson.type == "quiz" and not current.locked_for(learner.effective_tier):
            questions = db.session.scalars(
                _quiz_questions(), {"lesson_id": lesson.id, "org_id": lesson.org_id}
            ).all()
            set_committed_value(lesson, "questions", list(questions))

    return Player(
        storefront=storefront,
        product=product,
        course=course,
        syllabus=syllabus,
        learner=learner,
        progress=progress,
        current=current,
        placement=placement,
        lesson=lesson,
        certificate=certificate,
        chain=list(chain),
        cover=product.cover,
    )


def preview_tier_arg(raw: str | None) -> int | None:
    """The ``?preview=<tier>`` argument: a whole number of 1 or more, else None (no preview).
    ``load_player`` caps it at MAX_PREVIEW_TIER and honours it only for employees who may preview."""
    return whole_or_none(raw, minimum=1) if raw else None


def require_open(player: Player) -> None:
    """PermissionDeniedError (403) unless the current lesson is open to the learner."""
    if player.current is None or player.is_locked(player.current):
        raise PermissionDeniedError(_("This lesson is locked for your access tier."))


# ---- upgrade panel -------------------------------------------------------------------------------

@dataclass(frozen=True)
class UpgradeOffer:
    plan_id: str
    plan_name: str
    type: str
    tier: int
    price: object
    interval: str | None = None
    interval_count: int = 1


def upgrade_offers(player: Player, tier: int) -> list[UpgradeOffer]:
    """Active plans of the course product priced in this market that grant ``tier`` or more
    (one query), cheapest first."""
    plan, variant, price = (
        OrgProductVariantPaymentPlan,
        OrgProductVariant,
        OrgProductVariantPaymentPlanMarketPrice,
    )
    sub = OrgProductVariantPaymentPlanSubscription
    rows = db.session.execute(
        sa.select(plan.id, plan.name, plan.type, plan.access_tier, price.price, sub.interval, sub.interval_count)
        .join(variant, variant.id == plan.variant_id)
        .join(price, price.plan_id == plan.id)
        .outerjoin(sub, sub.plan_id == plan.id)
        .where(
            variant.product_id == player.product.id,
            variant.is_active.is_(True),
            plan.is_active.is_(True),
            plan.access_tier >= tier,
            price.market_id == player.storefront.market_id,
            price.is_active.is_(True),
        )
        .order_by(plan.access_tier, price.price, plan.sort_order)
    ).all()
    return [
        UpgradeOffer(plan_id=pid, plan_name=name, type=ptype, tier=ptier, price=amount, interval=interval,
                     interval_count=count or 1)
        for pid, name, ptype, ptier, amount, interval, count in rows
    ]
