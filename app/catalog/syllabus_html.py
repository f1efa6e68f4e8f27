"""The product page's syllabus (modules, sections and lesson rows the template
``catalog/_product_body.html`` wrote), rendered in Python.

Each lesson row was a dozen Jinja attribute lookups, tests, dictionary reads and escapes: the
syllabus was the costliest part of an uncached product page's body (issue 15). ``syllabus_html``
writes exactly what the template's loop wrote: every value the template printed with ``{{ }}`` is
escaped as Jinja's autoescape does (``markupsafe.escape``: Markup stays as it is), translations are
Markup as the templates' ``_()`` makes them, and each label, badge and duration is made once per
page. The lesson player's rows are app.learn.syllabus_html (other markup).
"""

from __future__ import annotations

from markupsafe import Markup

from app.courses.syllabus import Syllabus
from app.web import labels
from app.web.icons import icon
from app.web.jinja import printed, template_text

_t = template_text  # ``{{ _(string, **variables) }}`` of the template


class _Labels:
    """The syllabus's labels and badges in the active language, each made when first needed: pure
    functions of the language, kept for the process per locale (``_labels``)."""

    def __init__(self):
        self.lock = str(icon("lock"))
        free_preview = _t("Free preview")  # outside the f-string, where `make translations` finds it
        self.free_preview = f'<span class="badge">{free_preview}</span>\n            '
        self.tiers: dict[int, str] = {}  # tier -> its label, escaped
        self.locked: dict[int, str] = {}  # tier -> a lesson row's lock badge (with a title)
        self.badges: dict[int, str] = {}  # tier -> a module's or section's lock badge
        self.types: dict[str, str] = {}  # lesson type -> its label, escaped
        self.minutes: dict[int, str] = {}  # duration -> its "· 12 min"

    def tier(self, tier: int) -> str:
        label = self.tiers.get(tier)
        if label is None:
            label = self.tiers[tier] = printed(labels.tier_label(tier))
        return label

    def locked_badge(self, tier: int) -> str:
        badge = self.locked.get(tier)
        if badge is None:
            title = _t("Needs %(tier)s", tier=labels.tier_label(tier))
            badge = self.locked[tier] = f'<span class="badge lock" title="{title}">{self.lock} {self.tier(tier)}</span>'
        return badge

    def badge(self, tier: int) -> str:
        badge = self.badges.get(tier)
        if badge is None:
            badge = self.badges[tier] = f' <span class="badge lock">{self.lock} {self.tier(tier)}</span>'
        return badge

    def type(self, kind: str) -> str:
        label = self.types.get(kind)
        if label is None:
            label = self.types[kind] = printed(labels.label(labels.LESSON_TYPES, kind))
        return label

    def duration(self, minutes: int) -> str:
        text = self.minutes.get(minutes)
        if text is None:  # an int: nothing to escape
            per = labels.translations().ugettext("%(minutes)d min") % {"minutes": minutes}
            text = self.minutes[minutes] = f'<small class="muted">· {per}</small>'
        return text


_labels = syllabus_labels = labels.per_locale(_Labels)  # (the product body's tier summary reads its tiers)


def syllabus_html(syllabus: Syllabus) -> Markup:
    """The template's ``{% for module in syllabus.modules %}`` loop, as it rendered it."""
    lab = _labels()
    free_preview, types, locked, minutes = lab.free_preview, lab.types, lab.locked, lab.minutes
    out: list[str] = []
    add = out.append
    first = True
    for module in syllabus.modules:
        module_tier = module.tier
        add(f'\n    <details class="card module" {"open" if first else ""}>\n'
            f'      <summary><strong>{printed(module.title)}</strong>{lab.badge(module_tier) if module_tier > 1 else ""}'
            '</summary>\n      ')
        first = False
        for section in module.sections:
            add(f'\n        <h3 class="section-title">{printed(section.title)}'
                f'{lab.badge(section.tier) if section.tier > module_tier else ""}</h3>\n'
                '        <ol class="lessons">\n        ')
            for lesson in section.lessons:
                tier = lesson.tier
                duration = lesson.duration_minutes
                add(f'\n          <li data-tier="{tier}" class="lesson">\n'
                    f'            <span class="muted">{types.get(lesson.type) or lab.type(lesson.type)}</span> '
                    f'{printed(lesson.title)}\n'
                    f'            {(minutes.get(duration) or lab.duration(duration)) if duration else ""}\n'
                    '            '
                    f'{free_preview if lesson.is_free_preview else (locked.get(tier) or lab.locked_badge(tier)) if tier > 1 else ""}\n'
                    '          </li>\n        ')
            add('\n        </ol>\n      ')
        add('\n    </details>\n    ')
    return Markup("".join(out))
