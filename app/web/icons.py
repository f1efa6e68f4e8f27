"""Inline SVG icons: drawn for Volmify on a 24 × 24 grid, stroked with the text colour, 1em high.
They replace emoji, which render as empty boxes where no emoji font is installed.

Every template can call them as ``ic.icon(...)`` (a Jinja global; ``macros/icons.html`` offers the
same as a macro for templates that import it)::

    ic.icon("lock")                      decorative, next to text that says the same: aria-hidden
    ic.icon("lock", label=_("Locked"))   stands alone: role="img" with the label as its text alternative

Add a shape to PATHS (elements inside the <svg>) rather than drawing one in a template. A Python
function rather than a macro: a storefront page draws several, and a Jinja import and macro call
cost more than the SVG itself (each distinct icon is built once per process).
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

from markupsafe import Markup, escape

PATHS = {
    "lock": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "globe": '<circle cx="12" cy="12" r="9"/><path d="M3 12h18"/><path d="M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z"/>',
    "paperclip": '<path d="M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.2-8.2a3.4 3.4 0 0 1 4.8 4.8l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4"/>',
    "graduation": '<path d="M2 9.5 12 5l10 4.5-10 4.5z"/><path d="M6 11.3V16c0 1.7 2.7 3 6 3s6-1.3 6-3v-4.7"/><path d="M22 9.5V15"/>',
    "download": '<path d="M12 4v11"/><path d="m7 10 5 5 5-5"/><path d="M5 20h14"/>',
    "check": '<path d="m5 12.5 4.5 4.5L19 7.5"/>',
    "check-badge": '<circle cx="12" cy="12" r="9"/><path d="m8 12.5 3 3 5-6"/>',
    "cross": '<path d="m6 6 12 12"/><path d="M18 6 6 18"/>',
    "circle": '<circle cx="12" cy="12" r="7"/>',
    "menu": '<path d="M4 7h16"/><path d="M4 12h16"/><path d="M4 17h16"/>',
    "filter": '<path d="M4 5h16l-6 7.5V19l-4-2v-4.5z"/>',
    "list": '<path d="M9 6h11"/><path d="M9 12h11"/><path d="M9 18h11"/><circle cx="4.5" cy="6" r="1"/><circle cx="4.5" cy="12" r="1"/><circle cx="4.5" cy="18" r="1"/>',
    "cart": '<path d="M3 4h2.5l2.2 11h10.6L20.5 8H7"/><circle cx="9" cy="19.5" r="1.3"/><circle cx="17" cy="19.5" r="1.3"/>',
}

@functools.lru_cache(maxsize=256)
def icon(name: str, label: str | None = None, cls: str = "") -> Markup:
    """The icon ``name`` (a key of PATHS) as an inline ``<svg>``."""
    extra = f" {escape(cls)}" if cls else ""
    a11y = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true"'
    return Markup(
        f'<svg class="icon icon-{escape(name)}{extra}" viewBox="0 0 24 24" width="24" height="24" fill="none"'
        ' stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false"'
        f' {a11y}>{PATHS[name]}</svg>'
    )


# The Jinja global ``ic``: ``ic.icon(...)`` reads the same with or without the macro import.
namespace = SimpleNamespace(icon=icon)
