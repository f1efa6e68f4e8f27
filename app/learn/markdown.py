"""Lesson Markdown -> safe HTML: markdown-it-py (CommonMark + tables + strikethrough), then nh3
removes anything outside an allow-list (no scripts, styles, event handlers or javascript: URLs)."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
    "code": {"class"},
    "span": {"class"},
}
_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # html=False: raw HTML in lessons is shown as text, not interpreted (nh3 cleans the rest).
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


@lru_cache(maxsize=512)
def _render_cached(text: str) -> str:
    return sanitize(_parser().render(text))


def render_markdown(text: str | None) -> Markup:
    """Sanitized HTML for ``text`` (safe to output unescaped)."""
    if not text:
        return Markup("")
    if len(text) <= 20_000:
        return Markup(_render_cached(text))
    return Markup(sanitize(_parser().render(text)))


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def without_title(text: str | None, title: str | None) -> str | None:
    """``text`` without a first heading that only repeats ``title`` (any level, ATX or setext, its
    emphasis ignored): the player shows the lesson's title as the page's heading already.
    Memoized like ``render_markdown`` (a pure function of its arguments; parsing a lesson is a
    large part of the player's CPU when it is done on every request)."""
    if not text or not title:
        return text
    if len(text) <= 20_000:
        return _without_title_cached(text, title)
    return _without_title(text, title)


@lru_cache(maxsize=512)
def _without_title_cached(text: str, title: str) -> str:
    return _without_title(text, title)


def _without_title(text: str, title: str) -> str:
    tokens = _parser().parse(text)
    if len(tokens) < 2 or tokens[0].type != "heading_open" or tokens[0].map is None:
        return text
    inline = tokens[1].children or []
    heading = "".join(child.content for child in inline if child.type in ("text", "code_inline"))
    if _plain(heading) != _plain(title):
        return text
    lines = text.splitlines(keepends=True)
    return "".join(lines[tokens[0].map[1]:]).lstrip("\n")
