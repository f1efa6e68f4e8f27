"""A course's syllabus as plain values: modules -> sections -> lessons, each with its effective tier.

Built from a course whose modules, sections, placements and lessons (and their translations) are
already loaded; no queries. The product page and the course player both read it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.courses.models import (
    OrgLesson,
    OrgLessonTranslation,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseModuleSectionTranslation,
    OrgProductCourseModuleTranslation,
)
from app.db import plain_rows, tagged_union, with_kept_hash
from app.extensions import db
from app.markets.chain_sql import chain_locales, chain_slots, chain_values, in_chain
from app.markets.locales import BASE, translated
from app.web.labels import gettext as _
from app.web.labels import ngettext


@dataclass
class LessonEntry:
    placement_id: str
    lesson_id: str
    title: str
    type: str
    duration_minutes: int | None
    tier: int
    is_free_preview: bool

    def locked_for(self, tier: int | None) -> bool:
        return not self.is_free_preview and (tier is None or tier < self.tier)


@dataclass
class SectionEntry:
    id: str
    title: str
    tier: int
    lessons: list[LessonEntry] = field(default_factory=list)


@dataclass
class ModuleEntry:
    id: str
    title: str
    description: str | None
    tier: int
    sections: list[SectionEntry] = field(default_factory=list)

    @property
    def lessons(self) -> list[LessonEntry]:
        return [lesson for section in self.sections for lesson in section.lessons]


def number_ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1–3, 5"``."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


@dataclass(frozen=True)
class Unlocks:
    """What an access tier opens of a course: the numbers of its modules with a lesson at or below
    the tier (a free preview alone does not count: everyone gets it), how
    many lessons it opens, and whether finishing them earns the certificate."""

    modules: tuple[int, ...]
    module_count: int
    lessons: int
    total_lessons: int

    @property
    def certificate(self) -> bool:
        # app.learn.certificates: issued once every lesson the tier opens is complete.
        return self.lessons > 0

    def parts(self) -> list[str]:
        """``["Modules 1–3", "12 lessons", "certificate of completion"]`` in the page's language."""
        parts = []
        if self.modules:
            if len(self.modules) == self.module_count and self.module_count > 1:
                parts.append(ngettext("all %(num)d module", "all %(num)d modules", self.module_count))
            else:
                parts.append(ngettext("Module %(numbers)s", "Modules %(numbers)s", len(self.modules),
                                      numbers=number_ranges(list(self.modules))))
        parts.append(ngettext("%(num)d lesson", "%(num)d lessons", self.lessons))
        if self.certificate:
            parts.append(_("certificate of completion"))
        if parts:
            parts[0] = parts[0][:1].upper() + parts[0][1:]
        return parts


@dataclass
class Syllabus:
    modules: list[ModuleEntry]

    @functools.cached_property
    def lessons(self) -> list[LessonEntry]:
        """Every lesson in syllabus order (listed once: a page asks for it many times). A Syllabus is
        complete when built (``load_syllabus``, ``build_syllabus``) and never changed afterwards."""
        return [lesson for module in self.modules for lesson in module.lessons]

    @property
    def total_minutes(self) -> int:
        return sum(lesson.duration_minutes or 0 for lesson in self.lessons)

    @functools.cached_property
    def _locked_tiers(self) -> tuple[int, list[int]]:
        """(how many lessons are free previews, the tiers of the others): what ``lessons_open_at``
        counts, read once (a product page asks for each tier's count, twice: issue 15)."""
        tiers = [lesson.tier for lesson in self.lessons if not lesson.is_free_preview]
        return len(self.lessons) - len(tiers), tiers

    @functools.cached_property
    def _lowest_tiers(self) -> list[int | None]:
        """Each module's lowest lesson tier (None: it has no lesson), in order (for ``unlocks``)."""
        return [min([lesson.tier for section in module.sections for lesson in section.lessons], default=None)
                for module in self.modules]

    def lessons_open_at(self, tier: int | None) -> int:
        """How many lessons a learner with ``tier`` can open (those not ``locked_for`` it)."""
        free, tiers = self._locked_tiers
        if tier is None:  # no access: the free previews
            return free
        return free + len([lesson_tier for lesson_tier in tiers if tier >= lesson_tier])

    def unlocks(self, tier: int) -> Unlocks:
        """What a plan granting ``tier`` opens (plain values; no queries)."""
        numbers = tuple([number for number, lowest in enumerate(self._lowest_tiers, start=1)
                         if lowest is not None and lowest <= tier])
        return Unlocks(modules=numbers, module_count=len(self.modules), lessons=self.lessons_open_at(tier),
                       total_lessons=len(self.lessons))

    def tiers(self) -> list[int]:
        return sorted({lesson.tier for lesson in self.lessons})

    def lesson_types(self) -> list[str]:
        return sorted({lesson.type for lesson in self.lessons})

    def durations(self) -> list[int]:
        """The distinct lesson durations (minutes): a page translates "%(minutes)d min" once each."""
        return sorted({lesson.duration_minutes for lesson in self.lessons if lesson.duration_minutes})


def build_syllabus(course, chain: list[str]) -> Syllabus:
    modules = []
    for module in sorted(course.modules, key=lambda m: (m.sort_order, m.created_at)):
        module_tier = max(1, module.required_access_tier or 1)
        entry = ModuleEntry(
            id=module.id,
            title=translated(module, "title", chain),
            description=translated(module, "description", chain),
            tier=module_tier,
        )
        for section in sorted(module.sections, key=lambda s: (s.sort_order, s.created_at)):
            section_tier = max(module_tier, section.required_access_tier or 1)
            section_entry = SectionEntry(id=section.id, title=translated(section, "title", chain), tier=section_tier)
            for placement in sorted(section.placements, key=lambda p: (p.sort_order, p.created_at)):
                lesson = placement.lesson
                section_entry.lessons.append(
                    LessonEntry(
                        placement_id=placement.id,
                        lesson_id=lesson.id,
                        title=translated(lesson, "title", chain),
                        type=lesson.type,
                        duration_minutes=lesson.duration_minutes,
                        tier=max(section_tier, placement.required_access_tier or 1),
                        is_free_preview=placement.is_free_preview,
                    )
                )
            entry.sections.append(section_entry)
        modules.append(entry)
    return Syllabus(modules=modules)


# ---- the same Syllabus straight from rows (one query, no ORM objects) ------------------------------

Module, Section, Placement = OrgProductCourseModule, OrgProductCourseModuleSection, OrgProductCourseModuleSectionLesson
TREE, TEXTS = "t", "x"  # the parts of ``syllabus_parts``


def _tree(course_id):
    """Every module, section and placed lesson of the course ``course_id`` (SQL), and their order
    (empty modules and sections included: outer joins)."""
    return (
        sa.select(
            Module.id, Module.title, Module.description, Module.required_access_tier,
            Section.id, Section.title, Section.required_access_tier,
            Placement.id, Placement.required_access_tier, Placement.is_free_preview,
            OrgLesson.id, OrgLesson.title, OrgLesson.type, OrgLesson.duration_minutes,
        )
        .select_from(Module)
        .outerjoin(Section, Section.module_id == Module.id)
        .outerjoin(Placement, Placement.section_id == Section.id)
        .outerjoin(OrgLesson, OrgLesson.id == Placement.lesson_id)
        .where(Module.course_product_id == course_id)
    ), (Module.sort_order, Module.created_at, Module.id, Section.sort_order, Section.created_at,
        Section.id, Placement.sort_order, Placement.created_at, Placement.id)


def _tree_translations(slots: int, course_id):
    """(kind, row id, locale, title, description) of the course's (``course_id``, SQL) modules, sections and placed lessons,
    in the content chain's locales before the base row (``in_chain``); a lesson placed twice comes
    twice. Joins down from the course, not ``IN (SELECT ...)`` lists (SQLite built a temporary
    index for each of six such lists: most of the statement's time)."""
    in_course = Module.course_product_id == course_id
    mt, st, lt = OrgProductCourseModuleTranslation, OrgProductCourseModuleSectionTranslation, OrgLessonTranslation
    return sa.union_all(
        sa.select(sa.literal_column("'m'", sa.String).label("kind"), mt.module_id.label("id"), mt.locale_key.label("locale"),
                  mt.title.label("title"), mt.description.label("description"))
        .join(Module, Module.id == mt.module_id)
        .where(in_course, in_chain(mt.locale_key, slots)),
        sa.select(sa.literal_column("'s'"), st.section_id, st.locale_key, st.title, st.description)
        .join(Section, Section.id == st.section_id).join(Module, Module.id == Section.module_id)
        .where(in_course, in_chain(st.locale_key, slots)),
        sa.select(sa.literal_column("'l'"), lt.lesson_id, lt.locale_key, lt.title, lt.description)
        .join(Placement, Placement.lesson_id == lt.lesson_id).join(Section, Section.id == Placement.section_id)
        .join(Module, Module.id == Section.module_id)
        .where(in_course, in_chain(lt.locale_key, slots)),
    )


def syllabus_parts(slots: int, course_id=None) -> list[tuple]:
    """The ``app.db.tagged_union`` parts a syllabus is read from (of ``course_id``, SQL; by default
    ``:course_id``): the tree in syllabus order and, with ``slots`` (``chain_slots``; 0: the chain
    starts at the base row, no translation is read), the translations of the chain's locales."""
    course_id = sa.bindparam("course_id") if course_id is None else course_id
    tree, order = _tree(course_id)
    parts = [(TREE, tree, order)]
    if slots:
        texts = _tree_translations(slots, course_id).subquery("texts")
        parts.append((TEXTS, sa.select(*texts.c), ()))
    return parts


@functools.cache
def _syllabus(slots: int):
    """The syllabus statement for ``slots`` (built once per process) and its rows' ``split``."""
    statement, split = tagged_union(syllabus_parts(slots))
    return with_kept_hash(statement), split


def _text(base, texts: dict, chain) -> str | None:
    """``translated`` over plain values: the first non-empty text along the chain, else ``base``."""
    for key in chain:
        if key is BASE:
            break
        value = texts.get(key)
        if value:
            return value
    return base


def load_syllabus(course_product_id: str, chain) -> Syllabus:
    """The Syllabus ``build_syllabus`` makes from a loaded course tree, read as plain rows in one
    query: what the product page and the course player need on every uncached request."""
    locales = chain_locales(chain)  # the translations ``_text`` reads
    statement, split = _syllabus(chain_slots(locales) if locales else 0)
    params = {"course_id": course_product_id, **(chain_values(locales) if locales else {})}
    rows = split(plain_rows(db.session, statement, params))
    return syllabus_of_rows(rows[TREE], rows.get(TEXTS, ()), chain)


def syllabus_of_rows(tree, texts, chain) -> Syllabus:
    """The Syllabus of ``syllabus_parts``' rows: the tree's (in syllabus order) and the translations'."""
    titles: dict[tuple[str, str], dict] = {}
    descriptions: dict[tuple[str, str], dict] = {}
    for kind, row_id, locale, title, description in texts:
        titles.setdefault((kind, row_id), {})[locale] = title
        descriptions.setdefault((kind, row_id), {})[locale] = description
    empty: dict = {}
    modules: list[ModuleEntry] = []
    sections: dict[str, SectionEntry] = {}
    module = None
    for (m_id, m_title, m_description, m_tier, s_id, s_title, s_tier, p_id, p_tier, preview,
         l_id, l_title, l_type, l_minutes) in tree:
        if module is None or module.id != m_id:
            module = ModuleEntry(
                id=m_id,
                title=_text(m_title, titles.get(("m", m_id), empty), chain),
                description=_text(m_description, descriptions.get(("m", m_id), empty), chain),
                tier=max(1, m_tier or 1),
            )
            modules.append(module)
        if s_id is None:
            continue
        section = sections.get(s_id)
        if section is None:
            section = sections[s_id] = SectionEntry(
                id=s_id, title=_text(s_title, titles.get(("s", s_id), empty), chain),
                tier=max(module.tier, s_tier or 1),
            )
            module.sections.append(section)
        if p_id is None:
            continue
        translations = titles.get(("l", l_id))  # a lesson without any: its own title (as ``_text`` gives)
        section.lessons.append(LessonEntry(
            placement_id=p_id,
            lesson_id=l_id,
            title=l_title if translations is None else _text(l_title, translations, chain),
            type=l_type,
            duration_minutes=l_minutes,
            tier=max(section.tier, p_tier or 1),
            is_free_preview=preview,
        ))
    return Syllabus(modules=modules)
