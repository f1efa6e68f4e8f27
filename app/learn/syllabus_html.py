"""The player's syllabus lesson rows (``learn/_sidebar.html``), rendered in Python.

A course page lists every lesson of the course, and each row was a dozen Jinja attribute lookups,
tests and escapes: the syllabus was the costliest part of the lesson page (issue 15). This writes
exactly what the template's loop wrote (the same escaping: every value the template printed with
``{{ }}`` is escaped here, except the labels the template translated or built as Markup), from the
values the template works out once per page (``labels``).
"""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup, escape

from app.courses.syllabus import LessonEntry
from app.web.labels import tier_label

_CURRENT = 'aria-current="page"'


def _e(value) -> str:
    """``{{ value }}`` of the template: escaped (ids are hex and need no escaping: not looked at)."""
    if isinstance(value, str) and value.isalnum():
        return value
    return str(escape(value))


def syllabus_lessons(lessons: Iterable[LessonEntry], current_id: str | None, url_head: str, url_tail: str,
                     locked_ids, completed_ids, labels: dict) -> Markup:
    """The ``<li>`` rows of ``lessons`` as the sidebar shows them. ``labels``: the page's icons
    (``done``, ``locked``, ``open``), ``types`` (type -> label), ``minutes`` (duration -> label),
    ``tiers`` (tier -> label), ``completed`` and ``free`` (translated once per page)."""
    icon_done, icon_locked, icon_open = str(labels["done"]), str(labels["locked"]), str(labels["open"])
    types, minutes, tiers = labels["types"], labels["minutes"], labels["tiers"]
    completed_span = f'<span class="visually-hidden">{_e(labels["completed"])}</span>'
    free_span = f'<span class="badge">{_e(labels["free"])}</span>'
    out = []
    for entry in lessons:
        pid = entry.placement_id
        locked = pid in locked_ids
        done = pid in completed_ids
        current = pid == current_id
        e_pid = _e(pid)
        href = _e(url_head + pid + url_tail)
        duration = entry.duration_minutes
        out.append(
            '\n        \n        <li class="syllabus-lesson'
            f'{" locked" if locked else ""}{" completed" if done else ""}{" current" if current else ""}"\n'
            f'            data-placement="{e_pid}" data-tier="{_e(entry.tier)}" '
            f'data-locked="{"true" if locked else "false"}" data-completed="{"true" if done else "false"}">\n'
            f'          \n          <a href="{href}" data-hx-get="{href}" data-hx-target="#lesson-region" '
            'data-hx-swap="outerHTML" data-hx-push-url="true"\n'
            f'             {_CURRENT if current else ""}>\n'
            '            <span class="state" aria-hidden="true">'
            f'{icon_done if done else icon_locked if locked else icon_open}</span>\n'
            f'            <span class="lesson-title">{_e(entry.title)}</span>\n'
            '          </a>\n'
            f'          <small class="muted lesson-meta">{_e(types[entry.type])}'
            f'{" · " + _e(minutes[duration]) if duration else ""}\n'
            f'            {completed_span if done else ""}\n'
            f'            {free_span if entry.is_free_preview else ""}\n'
            f'            {_locked_badge(entry.tier, tiers) if locked else ""}\n'
            '          </small>\n'
            '        </li>\n'
            '      '
        )
    return Markup("".join(out))


def _locked_badge(tier: int, tiers: dict) -> str:
    return f'<span class="badge lock">{_e(tiers.get(tier) or tier_label(tier))}</span>'
