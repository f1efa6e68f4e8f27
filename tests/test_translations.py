"""Translation catalogs: complete, not fuzzy, in sync with the code, placeholders intact.

The workflow is ``make translations`` (extract -> update -> compile, see the Makefile). These tests
fail when a string was added to the code or templates but not to the catalogs (run
``make translations`` and translate the new entries), when an entry is empty or fuzzy, or when a
translation lost, renamed or added a ``%(name)s`` placeholder.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from markupsafe import escape

from app.config import Config

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
LOCALES = tuple(Config.LANGUAGES)  # en, de, fr, es: every UI language has a catalog

# The same options as the extract step of `make translations`.
# (``_t`` and ``_plural`` are the gettext of the HTML written in Python, app/*/…_html.py.)
EXTRACT_ARGS = ["-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "-k", "_t", "-k", "_plural:1,2", "--no-location",
                "--sort-output"]

# A named placeholder such as %(name)s, %(num)d or %(value).1f.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load_catalog(locale: str) -> Catalog:
    with po_path(locale).open("rb") as fh:
        return read_po(fh, locale=locale)


def messages(catalog: Catalog):
    return [m for m in catalog if m.id]


def forms(value) -> tuple[str, ...]:
    """The msgid or msgstr as a tuple (one item, or one per plural form)."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text)}


def bare_percent(text: str) -> bool:
    """A ``%`` that is neither a named placeholder nor ``%%``: breaks %-formatting."""
    return "%" in PLACEHOLDER.sub("", text).replace("%%", "")


@pytest.fixture(scope="module")
def extracted_ids(tmp_path_factory) -> set:
    """The msgids of a fresh extraction of the code and templates (what `make translations` sees)."""
    pot = tmp_path_factory.mktemp("babel") / "messages.pot"
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", *EXTRACT_ARGS, "-o", str(pot), "."],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"pybabel extract failed:\n{result.stdout}\n{result.stderr}"
    with pot.open("rb") as fh:
        template = read_po(fh)
    ids = {m.id for m in messages(template)}
    assert len(ids) > 50, "the extraction found almost nothing: is babel.cfg right?"
    return ids


def test_every_ui_language_has_a_catalog():
    assert "en" in LOCALES
    for locale in LOCALES:
        assert po_path(locale).is_file(), f"missing catalog {po_path(locale)}: run pybabel init -l {locale}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_covers_every_extracted_msgid(locale, extracted_ids):
    catalog_ids = {m.id for m in messages(load_catalog(locale))}
    missing = sorted(extracted_ids - catalog_ids, key=str)
    assert not missing, (
        f"{len(missing)} msgid(s) are in the code but not in the {locale} catalog; run `make translations` "
        f"and translate them: {missing}"
    )


def test_the_extraction_still_finds_every_msgid_of_the_template(extracted_ids):
    """A text the code shows but the extraction no longer finds (a call inside an f-string, which
    Babel does not read on Python 3.11; a gettext alias not given to ``-k``) would be dropped from
    every catalog by the next `make translations`, and the page would fall back to English."""
    with (TRANSLATIONS / "messages.pot").open("rb") as fh:
        template_ids = {m.id for m in messages(read_po(fh))}
    lost = sorted(template_ids - extracted_ids, key=str)
    assert not lost, f"{len(lost)} msgid(s) of messages.pot are no longer extracted: {lost}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_fully_translated_and_not_fuzzy(locale):
    catalog = load_catalog(locale)
    assert not catalog.fuzzy, f"the {locale} catalog header is marked fuzzy: pybabel compile would skip it"
    untranslated = [m.id for m in messages(catalog) if not all(s.strip() for s in forms(m.string))]
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated message(s) in {locale}: {untranslated}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy message(s) in {locale}: {fuzzy}"


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_match_the_plural_rule(locale):
    catalog = load_catalog(locale)
    wrong = [m.id for m in messages(catalog) if m.pluralizable and len(forms(m.string)) != catalog.num_plurals]
    assert not wrong, f"{locale} needs {catalog.num_plurals} plural forms in: {wrong}"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_kept(locale):
    problems = []
    for m in messages(load_catalog(locale)):
        ids = forms(m.id)
        expected = set().union(*(placeholders(i) for i in ids))
        translations = [s for s in forms(m.string) if s]
        if not translations:
            continue  # reported by test_catalog_is_fully_translated_and_not_fuzzy
        if m.pluralizable:
            # A singular form may leave out %(num)d ("day" / "%(num)d days"), but no form may bring
            # a placeholder of its own, and together the forms use every placeholder of the msgid.
            found = [placeholders(s) for s in translations]
            if any(f - expected for f in found) or set().union(*found) != expected:
                problems.append((m.id, m.string))
        elif placeholders(translations[0]) != expected:
            problems.append((m.id, m.string))
        # Formatted strings (named placeholders, and every template string: Jinja's newstyle
        # gettext always applies %) must not gain a bare "%": write "%%" for a percent sign.
        formatted = not any(bare_percent(i) for i in ids)
        if formatted and any(bare_percent(s) for s in translations):
            problems.append((m.id, m.string))
    assert not problems, f"placeholder mismatch in {locale}: {problems}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_passes_babel_checks(locale):
    """The checks `pybabel compile` runs (python-format compatibility, plural count)."""
    errors = [(m.id, [str(e) for e in errs]) for m, errs in load_catalog(locale).check()]
    assert not errors, f"pybabel compile would report errors in {locale}: {errors}"


# ---- the catalogs in use --------------------------------------------------------------------

@pytest.fixture(scope="module")
def compiled_catalogs():
    """Compile a .po whose .mo is missing or older (what `make translations-compile` does), so the
    web tests see the current catalogs even when pytest runs without `make`."""
    for locale in LOCALES:
        po, mo = po_path(locale), po_path(locale).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = load_catalog(locale)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)
    return {locale: load_catalog(locale) for locale in LOCALES}


@pytest.mark.parametrize("locale", LOCALES)
def test_login_page_follows_accept_language(client, compiled_catalogs, locale):
    expected = compiled_catalogs[locale]["Log in"].string
    response = client.get("/account/login", headers={"Accept-Language": f"{locale},en;q=0.5"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{locale}"' in html
    assert f"<h1>{escape(expected)}</h1>" in html


def test_login_page_in_german(client, compiled_catalogs):
    html = client.get("/account/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"}).get_data(as_text=True)
    assert 'lang="de"' in html
    assert "<h1>Anmelden</h1>" in html
    assert "Passwort vergessen?" in html
    assert "Forgot your password?" not in html


def test_login_required_message_is_translated(client, compiled_catalogs):
    """Flask-Login's flash message is a lazy string, resolved in the visitor's language."""
    headers = {"Accept-Language": "fr"}
    response = client.get("/account/", headers=headers)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    html = client.get(response.headers["Location"], headers=headers).get_data(as_text=True)
    expected = compiled_catalogs["fr"]["Please log in to access this page."].string
    assert str(escape(expected)) in html
