"""The locale hierarchy, rung by rung (DESIGN.md §5), and the content fallback chain."""

from __future__ import annotations

from types import SimpleNamespace

from app.markets.locales import LocaleContext, best_match, choose_locale, content_chain, translated

EU = dict(offered=("de", "fr", "en"), country_overrides={"DE": "de", "AT": "de", "FR": "fr", "BE": "fr"},
          market_default="de", org_default="en")


def choose(**context):
    return choose_locale(**EU, context=LocaleContext(**context))


def test_saved_preference_wins_when_the_market_offers_it():
    assert choose(saved_preferences=["fr"], country_code="DE", accept_languages=["en"]) == "fr"


def test_saved_preference_in_a_regional_form_matches_the_language():
    assert choose(saved_preferences=["fr-CA"], country_code="DE") == "fr"


def test_saved_preference_not_offered_falls_through_to_the_country_override():
    assert choose(saved_preferences=["ja"], country_code="BE", accept_languages=["en"]) == "fr"


def test_country_override_beats_accept_language():
    assert choose(country_code="AT", accept_languages=["fr", "en"]) == "de"


def test_country_without_override_falls_through_to_accept_language():
    assert choose(country_code="US", accept_languages=["fr-BE", "en;q=0.5"]) == "fr"


def test_accept_language_region_matches_offered_language():
    assert choose(accept_languages=["fr-BE"]) == "fr"
    assert best_match(("en-GB", "de"), ["en-US"]) == "en-GB"


def test_market_default_when_nothing_matches():
    assert choose(accept_languages=["ja", "ko"]) == "de"


def test_org_default_when_market_default_is_not_offered():
    assert choose_locale(offered=("es", "en"), country_overrides={}, market_default="pt", org_default="en",
                         context=LocaleContext(accept_languages=["ja"])) == "en"


def test_english_when_neither_default_is_offered():
    assert choose_locale(offered=("es", "en"), country_overrides={}, market_default=None, org_default="pt",
                         context=LocaleContext()) == "en"


def test_never_a_locale_the_market_does_not_offer():
    assert choose_locale(offered=("es",), country_overrides={"MX": "en"}, market_default="en", org_default="en",
                         context=LocaleContext(saved_preferences=["de"], country_code="MX",
                                               accept_languages=["en"])) == "es"


def test_content_chain_goes_exact_then_language_then_defaults_then_base():
    assert content_chain("fr-BE", market_default="de", org_default="en") == ["fr-BE", "fr", "de", "en", None]
    assert content_chain("de", market_default="de", org_default="en") == ["de", "en", None]


def test_content_chain_reaches_the_base_row_at_the_org_default_locale():
    # The base row is written in the org default (en): an English page never shows the German text.
    assert content_chain("en", market_default="de", org_default="en") == ["en", None]
    assert content_chain("en-GB", market_default="de", org_default="en") == ["en-GB", "en", None]


def test_translated_text_falls_back_along_the_chain_to_the_base_row():
    product = SimpleNamespace(name="Base", description="Base text", translations=[
        SimpleNamespace(locale_key="fr", name="Nom", description=""),
        SimpleNamespace(locale_key="de", name="Name", description="Deutsch"),
    ])
    chain = content_chain("fr-BE", market_default="de", org_default="en")
    assert translated(product, "name", chain) == "Nom"
    assert translated(product, "description", chain) == "Deutsch"  # empty fr text is skipped
    assert translated(product, "name", ["es", "en"]) == "Base"
    assert translated(product, "name", content_chain("en", market_default="de", org_default="en")) == "Base"
