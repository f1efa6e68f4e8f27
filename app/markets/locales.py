"""The locale hierarchy (DESIGN.md §5), as pure functions over already-loaded rows.

Platform ``locale`` registry -> ``org_locale`` (what the org can author) -> ``org_market_locale``
(what a market offers) -> ``org_market_country`` override. A locale the market does not offer
is never chosen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

FALLBACK = "en"


def language_of(key: str) -> str:
    return key.replace("_", "-").split("-")[0].lower()


def normalize(key: str) -> str:
    """``fr_be`` / ``FR-be`` -> ``fr-BE``; ``DE`` -> ``de``."""
    parts = key.replace("_", "-").split("-")
    head = parts[0].lower()
    if len(parts) == 1:
        return head
    return f"{head}-{parts[1].upper()}"


def best_match(offered: Sequence[str], wanted: Iterable[str]) -> str | None:
    """First wanted locale the market offers: exact, then same language (fr-BE -> fr, fr -> fr-CA)."""
    offered_norm = {normalize(o): o for o in offered}
    for want in wanted:
        if not want or want == "*":
            continue
        want = normalize(want)
        if want in offered_norm:
            return offered_norm[want]
        lang = language_of(want)
        if lang in offered_norm:
            return offered_norm[lang]
        for norm, original in offered_norm.items():
            if language_of(norm) == lang:
                return original
    return None


@dataclass(frozen=True)
class LocaleContext:
    """What is known about the visitor when a market URL has no locale yet."""

    saved_preferences: Sequence[str] = ()  # the user's user_locale keys, default first
    country_code: str | None = None  # member's billing country, else the trusted CDN header
    accept_languages: Sequence[str] = ()  # Accept-Language values, best first


def choose_locale(
    *,
    offered: Sequence[str],
    country_overrides: dict[str, str],
    market_default: str | None,
    org_default: str | None,
    context: LocaleContext,
) -> str:
    """The first rung that yields a locale the market offers.

    1. the user's saved preference, if the market offers it;
    2. the country override for the visitor's country;
    3. the best Accept-Language match among the market's locales;
    4. the market default; 5. the org default; 6. ``en``;
    and, if the market offers none of those, its first locale.
    """
    for pref in context.saved_preferences:
        if pref in offered:
            return pref
    # A saved preference may be a regional variant of an offered language (de-AT -> de).
    match = best_match(offered, context.saved_preferences)
    if match:
        return match
    if context.country_code:
        override = country_overrides.get(context.country_code.upper())
        if override in offered:
            return override
    match = best_match(offered, context.accept_languages)
    if match:
        return match
    for candidate in (market_default, org_default, FALLBACK):
        if candidate in offered:
            return candidate
    return offered[0] if offered else FALLBACK


BASE = None  # in a content chain: "use the base row" (it is written in the org's default locale)


def content_chain(locale: str, *, market_default: str | None, org_default: str | None) -> list[str | None]:
    """Where content text is looked up: exact locale -> its language -> market default -> org default,
    then the base row (``BASE``). The base row is authored in the org default locale, so the chain
    reaches it as soon as it reaches that locale: an English page of a German-default market shows
    the English base text, not the German translation."""
    org_languages = {org_default, language_of(org_default)} if org_default else set()
    chain: list[str | None] = []
    for key in (locale, language_of(locale), market_default, org_default):
        if not key or key in chain:
            continue
        chain.append(key)
        if key in org_languages:
            break
    chain.append(BASE)
    return chain


def translated(obj, field: str, chain: Sequence[str | None], translations: Iterable | None = None):
    """``obj.<field>`` in the first locale of ``chain`` with a non-empty value, else the base value."""
    rows = obj.translations if translations is None else translations
    by_key = {t.locale_key: t for t in rows}
    for key in chain:
        if key is BASE:
            break
        row = by_key.get(key)
        if row is not None:
            value = getattr(row, field, None)
            if value:
                return value
    return getattr(obj, field)
