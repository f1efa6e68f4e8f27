"""The player's syllabus (``learn/_sidebar.html``): its modules, sections and lesson rows, rendered in Python.

A course page lists every lesson of the course, and each row was a dozen Jinja attribute lookups,
tests and escapes, plus the labels translated for the page: the syllabus was the costliest part of
the lesson page (issue 15), and the module loop around them came next (~4% of a lesson page).
``SyllabusRows`` writes exactly what the template's loops wrote: the same escaping (every value the template printed with ``{{ }}`` is escaped, except translations, which
templates treat as Markup); the labels are made once per locale, when first needed (``_Labels``).
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from app.courses.syllabus import LessonEntry
from app.web import labels
from app.web.icons import icon
from app.web.jinja import printed, template_text

_CURRENT = 'aria-current="page"'


def N_(string: str) -> str:  # noqa: N802 (Babel's keyword)
    """Marks a text for extraction (``make translations``); ``_t`` translates it."""
    return string


def _t(string: str) -> str:
    """``{{ _(string) }}`` of the template (a translation is Markup there: not escaped)."""
    return str(template_text(string))


class _Labels:
    """The syllabus's icons, labels and badges in the active language, each made when first needed:
    pure functions of the language, kept for the process per locale (``_labels``), as the product
    page's syllabus keeps its own (app.catalog.syllabus_html)."""

    def __init__(self):
        ugettext = labels.translations().ugettext
        self.icons = (str(icon("check")), str(icon("lock")), str(icon("circle")))
        completed, free_preview = _t("Completed"), _t("Free preview")  # outside f-strings: extracted
        self.completed_span = f'<span class="visually-hidden">{completed}</span>'
        self.free_span = f'<span class="badge">{free_preview}</span>'
        self.minutes_text = ugettext("%(minutes)d min")
        self.module_progress = ugettext("%(accessible)d%% of your lessons · %(all)d%% of all")
        # ``progress_lines``' words (every value they format is an int: nothing to escape)
        self.percent = ugettext("%(percent)d%%")
        self.open_line = ugettext("%(done)d of %(total)d lessons you can access")
        self.all_line = ugettext("%(done)d of %(total)d lessons")
        self.yours, self.yours_aria = _t(N_("Your lessons")), _t(N_("Progress over the lessons you can access"))
        self.whole, self.whole_aria = _t(N_("Whole course")), _t(N_("Progress over all lessons"))
        self.types: dict[str, str] = {}  # lesson type -> its label, escaped
        self.minutes: dict[int, str] = {}  # duration -> its "12 min"
        self.tiers: dict[int, str] = {}  # tier -> its label, escaped
        self.lock_badges: dict[int, str] = {}  # tier -> a locked lesson row's badge

    def type(self, kind: str) -> str:
        text = self.types.get(kind)
        if text is None:
            text = self.types[kind] = printed(labels.label(labels.LESSON_TYPES, kind))
        return text

    def duration(self, minutes: int) -> str:
        text = self.minutes.get(minutes)
        if text is None:
            if len(self.minutes) >= 1024:
                self.minutes.clear()
            text = self.minutes[minutes] = self.minutes_text % {"minutes": minutes}  # an int: nothing to escape
        return text

    def tier(self, tier: int) -> str:
        text = self.tiers.get(tier)
        if text is None:
            text = self.tiers[tier] = printed(labels.tier_label(tier))
        return text

    def lock_badge(self, tier: int) -> str:
        text = self.lock_badges.get(tier)
        if text is None:
            text = self.lock_badges[tier] = f'<span class="badge lock">{self.tier(tier)}</span>'
        return text


_labels = labels.per_locale(_Labels)


class SyllabusRows:
    """The sidebar's modules for one page of ``player`` (``modules()``) and the ``<li>`` rows of
    lessons (``rows(lessons)``)."""

    def __init__(self, player):
        self.player = player
        self.current_id = player.current.placement_id if player.current else None
        head, tail = player.lesson_url_parts
        self.url_head, self.url_tail = printed(head), printed(tail)  # escaped once, not per link
        self.locked_ids, self.completed_ids = player.locked_ids, player.completed_ids
        self.labels = _labels()

    def modules(self) -> Markup:
        """The syllabus's modules, each with its progress and its sections' lessons: what the
        sidebar's ``{% for module in player.syllabus.modules %}`` loop wrote (``module_percent``
        for each module in the same pass over its lessons)."""
        player = self.player
        locked_ids, completed_ids = self.locked_ids, self.completed_ids
        effective = player.learner.effective_tier
        lab = self.labels
        icon_locked = lab.icons[1]
        progress_text = lab.module_progress
        out = []
        for module in player.syllabus.modules:
            open_count = done_open = done_all = total = 0
            for section in module.sections:
                for entry in section.lessons:
                    pid = entry.placement_id
                    done = pid in completed_ids
                    if pid not in locked_ids:
                        open_count += 1
                        done_open += done
                    done_all += done
                    total += 1
            m_acc = (done_open * 100) // open_count if open_count > 0 else 0
            m_all = (done_all * 100) // total if total > 0 else 0
            tier = module.tier
            badge = ""
            if tier > 1 and not (effective is not None and effective >= tier):
                badge = f'<span class="badge lock">{icon_locked} {lab.tier(tier)}</span>'
            text = progress_text % {"accessible": m_acc, "all": m_all}  # ints: nothing to escape
            out.append(
                '\n  \n  <section class="syllabus-module" data-module="'
                f'{printed(module.id)}">\n    <h2>{printed(module.title)}\n      {badge}\n    </h2>\n'
                f'    <p class="module-progress muted" data-percent-accessible="{m_acc}" data-percent-all="{m_all}">\n'
                f'      <progress max="100" value="{m_acc}" aria-hidden="true"></progress>\n'
                f'      {text}\n    </p>\n    '
            )
            for section in module.sections:
                out.append(
                    f'\n      <h3>{printed(section.title)}</h3>\n      <ol class="syllabus-lessons">\n      '
                    f'{self(section.lessons)}\n      </ol>\n    '
                )
            out.append('\n  </section>\n  ')
        return Markup("".join(out))

    def __call__(self, lessons: Iterable[LessonEntry]) -> Markup:
        lab = self.labels
        icon_done, icon_locked, icon_open = lab.icons
        locked_ids, completed_ids, current_id = self.locked_ids, self.completed_ids, self.current_id
        # each text made once per locale (``_Labels``), then looked up here
        types, minutes, badges = lab.types, lab.minutes, lab.lock_badges
        completed_span, free_span = lab.completed_span, lab.free_span
        out = []
        for entry in lessons:
            pid = entry.placement_id
            locked = pid in locked_ids
            done = pid in completed_ids
            current = pid == current_id
            e_pid = printed(pid)
            href = self.url_head + e_pid + self.url_tail
            kind, duration = entry.type, entry.duration_minutes
            out.append(
                '\n        \n        <li class="syllabus-lesson'
                f'{" locked" if locked else ""}{" completed" if done else ""}{" current" if current else ""}"\n'
                # the tier is an int (``syllabus_of_rows``): nothing to escape
                f'            data-placement="{e_pid}" data-tier="{entry.tier}" '
                f'data-locked="{"true" if locked else "false"}" data-completed="{"true" if done else "false"}">\n'
                f'          \n          <a href="{href}" data-hx-get="{href}" data-hx-target="#lesson-region" '
                'data-hx-swap="outerHTML" data-hx-push-url="true"\n'
                f'             {_CURRENT if current else ""}>\n'
                '            <span class="state" aria-hidden="true">'
                f'{icon_done if done else icon_locked if locked else icon_open}</span>\n'
                f'            <span class="lesson-title">{printed(entry.title)}</span>\n'
                '          </a>\n'
                f'          <small class="muted lesson-meta">{types[kind] if kind in types else lab.type(kind)}'
                f'{(" · " + (minutes[duration] if duration in minutes else lab.duration(duration))) if duration else ""}\n'
                f'            {completed_span if done else ""}\n'
                f'            {free_span if entry.is_free_preview else ""}\n'
                f'            {(badges[tier] if (tier := entry.tier) in badges else lab.lock_badge(tier)) if locked else ""}\n'
                '          </small>\n'
                '        </li>\n'
                '      '
            )
        return Markup("".join(out))


def progress_lines(counts, oob=False) -> Markup:
    """The opening of ``learn/_progress.html``: the ``#course-progress`` element and its two bars
    (``counts``: ``Player.course_progress()``), as the template wrote them (its eight translations
    and their formatting were most of that part's cost)."""
    lab = _labels()
    acc, all_pct = counts.percent_accessible, counts.percent_all
    percent = lab.percent  # every value an int: nothing to escape
    acc_text, all_text = percent % {"percent": acc}, percent % {"percent": all_pct}
    open_line = lab.open_line % {"done": counts.completed_open_count, "total": counts.open_count}
    all_line = lab.all_line % {"done": counts.completed_count, "total": counts.lesson_count}
    swap = ' data-hx-swap-oob="true"' if oob else ""
    yours, yours_aria, whole, whole_aria = lab.yours, lab.yours_aria, lab.whole, lab.whole_aria
    return Markup(
        f'<div id="course-progress" class="course-progress" data-percent-accessible="{acc}" '
        f'data-percent-all="{all_pct}"{swap}>\n'
        '  <div class="progress-line">\n'
        f'    <span class="progress-label">{yours}</span>\n'
        f'    <progress max="100" value="{acc}" aria-label="{yours_aria}"></progress>\n'
        f'    <strong class="percent-accessible">{acc_text}</strong>\n'
        f'    <small class="muted">{open_line}</small>\n'
        '  </div>\n'
        '  <div class="progress-line">\n'
        f'    <span class="progress-label">{whole}</span>\n'
        f'    <progress max="100" value="{all_pct}" aria-label="{whole_aria}"></progress>\n'
        f'    <strong class="percent-all">{all_text}</strong>\n'
        f'    <small class="muted">{all_line}</small>\n'
        '  </div>'
    )
