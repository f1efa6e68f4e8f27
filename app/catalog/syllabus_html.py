"""The product page's syllabus (modules, sections and lesson rows of ``catalog/_product_body.html``),
rendered in Python.

Each lesson row was a dozen Jinja attribute lookups, tests, dictionary reads and escapes: the
syllabus was the costliest part of an uncached product page's body (issue 15). ``syllabus_html``
writes exactly what the template's loop wrote: every value the template printed with ``{{ }}`` is
escaped as Jinja's autoescape does (``markupsafe.escape``: Markup stays as it is), translations are
Markup as the templates' ``_()`` makes them, and each label, badge and duration is made once per
page. The lesson player's rows are app.learn.syllabus_html (other markup).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from app.courses.syllabus import Syllabus
from app.web import labels
from app.web.icons import icon


def _t(string: str, **variables) -> Markup:
    """``{{ _(string, **variables) }}`` of a template: the translation as Markup, its variables
    escaped (app.web.jinja._template_gettext)."""
    return Markup(labels.translations().ugettext(string)) % variables


def syllabus_html(syllabus: Syllabus) -> Markup:
    """The template's ``{% for module in syllabus.modules %}`` loop, as it rendered it."""
    lock = str(icon("lock"))
    free_preview = f'<span class="badge">{_t("Free preview")}</span>\n            '
    tiers: dict[int, str] = {}  # tier -> its label, escaped
    locked: dict[int, str] = {}  # tier -> the lesson row's lock badge
    for tier in syllabus.tiers():
        name = labels.tier_label(tier)
        label = tiers[tier] = str(escape(name))
        locked[tier] = (f'<span class="badge lock" title="{_t("Needs %(tier)s", tier=name)}">'
                        f'{lock} {label}</span>')
    types = {kind: str(escape(labels.label(labels.LESSON_TYPES, kind))) for kind in syllabus.lesson_types()}
    minutes = {m: f'<small class="muted">· {_t("%(minutes)d min", minutes=m)}</small>' for m in syllabus.durations()}

    def badge(tier: int) -> str:
        label = tiers.get(tier) or str(escape(labels.tier_label(tier)))
        return f' <span class="badge lock">{lock} {label}</span>'

    out: list[str] = []
    add = out.append
    first = True
    for module in syllabus.modules:
        module_tier = module.tier
        add(f'\n    <details class="card module" {"open" if first else ""}>\n'
            f'      <summary><strong>{escape(module.title)}</strong>{badge(module_tier) if module_tier > 1 else ""}'
            '</summary>\n      ')
        first = False
        for section in module.sections:
            add(f'\n        <h3 class="section-title">{escape(section.title)}'
                f'{badge(section.tier) if section.tier > module_tier else ""}</h3>\n'
                '        <ol class="lessons">\n        ')
            for lesson in section.lessons:
                tier = lesson.tier
                duration = lesson.duration_minutes
                add(f'\n          <li data-tier="{tier}" class="lesson">\n'
                    f'            <span class="muted">{types[lesson.type]}</span> {escape(lesson.title)}\n'
                    f'            {minutes[duration] if duration else ""}\n'
                    f'            {free_preview if lesson.is_free_preview else locked[tier] if tier > 1 else ""}\n'
                    '          </li>\n        ')
            add('\n        </ol>\n      ')
        add('\n    </details>\n    ')
    return Markup("".join(out))
