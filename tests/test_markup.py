"""Fast markup checks of every template (no browser): the part of the quality gates that does not
need a page to be visited (tests/browser/test_quality_gates.py checks visited pages with the W3C
Nu HTML checker and axe-core).

- htmx attributes are written ``data-hx-*`` (valid HTML; htmx reads both spellings), in templates
  and wherever Python or our JavaScript builds markup;
- headings never skip a level: each template's outline is read from its Jinja syntax tree, with
  its layout's blocks and its includes in place, so a partial's headings are checked where the
  page includes it; a full page starts at h1.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, nodes

from app import create_app
from app.config import TestConfig

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "app" / "templates"
# Where markup is written or built: templates, Python, our own scripts and styles (not vendor/).
MARKUP_SOURCES = [
    *sorted(TEMPLATES.rglob("*.html")),
    *sorted((ROOT / "app").rglob("*.py")),
    *sorted((ROOT / "app" / "static" / "js").rglob("*.js")),
    *sorted((ROOT / "app" / "static" / "css").rglob("*.css")),
]

# An htmx attribute not written data-hx-: "hx-get", but not "data-hx-get", "htmx-indicator" or the
# HX-Request header.
HX_ATTRIBUTE = re.compile(r"(?<![\w-])hx-[a-z][a-z-]*")
HEADING = re.compile(r"<h([1-6])\b", re.IGNORECASE)


def hx_attributes(text: str) -> list[tuple[int, str]]:
    """(line, attribute) of every htmx attribute not written data-hx-."""
    return [(text.count("\n", 0, m.start()) + 1, m.group()) for m in HX_ATTRIBUTE.finditer(text)]


class Outline:
    """Heading levels of a template as rendered: layouts' blocks filled, includes inlined."""

    def __init__(self, env: Environment) -> None:
        self.env = env

    def headings(self, name: str, blocks: dict[str, tuple[nodes.Block, str]] | None = None,
                 stack: tuple[str, ...] = ()) -> list[tuple[int, str]]:
        """(level, template) of each heading in source order (branches of an if, one after the other)."""
        if name in stack:
            return []
        source = self.env.loader.get_source(self.env, name)[0]
        tree = self.env.parse(source, name=name)
        own = {block.name: (block, name) for block in tree.find_all(nodes.Block)}
        merged = {**own, **(blocks or {})}  # the most derived template's block wins
        parent = tree.find(nodes.Extends)
        if parent is not None and isinstance(parent.template, nodes.Const):
            return self.headings(parent.template.value, merged, (*stack, name))
        return self._walk(tree.body, merged, name, (*stack, name))

    def _walk(self, body, blocks, name, stack) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for node in body:
            if isinstance(node, nodes.Macro):
                continue  # rendered where it is called
            if isinstance(node, nodes.Block):
                block, source = blocks.get(node.name, (node, name))
                found += self._walk(block.body, blocks, source, stack)
            elif isinstance(node, nodes.Include):
                if isinstance(node.template, nodes.Const):
                    found += self.headings(node.template.value, None, stack)
            elif isinstance(node, nodes.TemplateData):
                found += [(int(m.group(1)), name) for m in HEADING.finditer(node.data)]
            else:
                found += self._walk(list(node.iter_child_nodes()), blocks, name, stack)
        return found


def skipped_levels(headings: list[tuple[int, str]], *, page: bool) -> list[str]:
    """Each heading that goes more than one level deeper than the one before it."""
    problems = []
    if page and headings and headings[0][0] != 1:
        problems.append(f"the page's first heading is h{headings[0][0]} (in {headings[0][1]}), not h1")
    for (previous, previous_where), (level, where) in itertools.pairwise(headings):
        if level > previous + 1:
            problems.append(f"h{level} in {where} follows h{previous} in {previous_where}")
    return problems


def template_names(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.html"))


def is_page(env: Environment, name: str) -> bool:
    """A full page: it extends a layout (layouts themselves and partials are not)."""
    return env.parse(env.loader.get_source(env, name)[0]).find(nodes.Extends) is not None


def outline_problems(env: Environment, root: Path) -> dict[str, list[str]]:
    outline = Outline(env)
    problems = {}
    for name in template_names(root):
        found = skipped_levels(outline.headings(name), page=is_page(env, name))
        if found:
            problems[name] = found
    return problems


@pytest.fixture(scope="module")
def app_env() -> Environment:
    """The app's own Jinja environment (its extensions parse the templates)."""
    return create_app(TestConfig()).jinja_env


def scratch_env(app_env: Environment, root: Path) -> Environment:
    return app_env.overlay(loader=FileSystemLoader(str(root)))


# ---- the app's templates --------------------------------------------------------------------------

def test_htmx_attributes_are_written_data_hx():
    found = {str(path.relative_to(ROOT)): hx_attributes(path.read_text(encoding="utf-8")) for path in MARKUP_SOURCES}
    found = {path: hits for path, hits in found.items() if hits}
    assert not found, "write htmx attributes as data-hx-* (valid HTML): " + "; ".join(
        f"{path}:{line} {attr}" for path, hits in found.items() for line, attr in hits)


def test_no_template_skips_a_heading_level(app_env):
    problems = outline_problems(app_env, TEMPLATES)
    assert not problems, "headings skip a level: " + "; ".join(
        f"{name}: {', '.join(found)}" for name, found in problems.items())


# Pictographs that need an emoji font (without one they show as empty boxes): the emoji planes,
# the emoji variation selector and the symbols with an emoji presentation we once used as icons.
# Icons are inline SVG (app/templates/macros/icons.html).
EMOJI = re.compile("[\U0001F000-\U0001FAFF\uFE0F\u2B07\u2714\u2705\u274C\u2B50]")


def emoji(text: str) -> list[tuple[int, str]]:
    """(line, character) of every emoji in ``text``."""
    return [(text.count("\n", 0, m.start()) + 1, m.group()) for m in EMOJI.finditer(text)]


def test_templates_use_svg_icons_not_emoji():
    found = {str(path.relative_to(ROOT)): emoji(path.read_text(encoding="utf-8"))
             for path in sorted(TEMPLATES.rglob("*.html"))}
    found = {name: hits for name, hits in found.items() if hits}
    assert not found, f"emoji in templates (use macros/icons.html): {found}"


def test_emoji_check_finds_pictographs_but_not_typographic_symbols():
    assert emoji("a \U0001F512 b\n\U0001F393 \u2B07 \u2714") == [(1, "\U0001F512"), (2, "\U0001F393"), (2, "\u2B07"), (2, "\u2714")]
    assert emoji("\u2605 4 \u00b7 \u2713 Completed \u2190 back \u2192") == []


# ---- the checks themselves fail on what they exist for -------------------------------------------

def test_hx_attribute_check_finds_hx_but_not_data_hx_classes_or_headers():
    html = '<a hx-get="/x" data-hx-target="#r" class="htmx-indicator">\n<form hx-post="/y">'
    python = 'request.headers.get("HX-Request"); html.replace("x", \'id="a" hx-swap-oob="true"\')'
    assert hx_attributes(html) == [(1, "hx-get"), (2, "hx-post")]
    assert hx_attributes(python) == [(1, "hx-swap-oob")]


def test_outline_check_follows_layouts_and_includes(app_env, tmp_path):
    (tmp_path / "layout.html").write_text("<header><p>Site</p></header>{% block content %}{% endblock %}")
    (tmp_path / "_part.html").write_text("<h3>Deep part</h3>")
    (tmp_path / "_ok_part.html").write_text("<h2>Part</h2><h3>Its section</h3>")
    (tmp_path / "skips.html").write_text(
        '{% extends "layout.html" %}{% block content %}<h1>Title</h1>{% include "_part.html" %}{% endblock %}')
    (tmp_path / "fine.html").write_text(
        '{% extends "layout.html" %}{% block content %}<h1>Title</h1>'
        '{% if x %}{% include "_ok_part.html" %}{% endif %}<h2>More</h2>{% endblock %}')
    (tmp_path / "no_h1.html").write_text('{% extends "layout.html" %}{% block content %}<h2>Title</h2>{% endblock %}')
    problems = outline_problems(scratch_env(app_env, tmp_path), tmp_path)
    assert set(problems) == {"skips.html", "no_h1.html"}, problems
    assert problems["skips.html"] == ["h3 in _part.html follows h1 in skips.html"]
    assert problems["no_h1.html"] == ["the page's first heading is h2 (in no_h1.html), not h1"]
