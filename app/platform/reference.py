"""Platform reference data (locales, currencies, countries) and an idempotent loader.

Names follow CLDR (as shipped with Babel), shortened where CLDR is verbose; decimal places are ISO 4217 minor units,
which Babel's ``get_currency_precision`` agrees with for every currency listed.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from app.extensions import db
from app.platform.models import Country, Currency, Locale


class LocaleData(NamedTuple):
    key: str
    name: str
    native_name: str
    direction: str = "ltr"

    @property
    def language_code(self) -> str:
        return self.key.split("-")[0]

    @property
    def country_code(self) -> str | None:
        parts = self.key.split("-")
        return parts[1] if len(parts) > 1 else None


class CurrencyData(NamedTuple):
    code: str
    name: str
    symbol: str
    decimal_places: int


class CountryData(NamedTuple):
    code: str
    name: str
    currency_code: str
    default_locale_key: str


LOCALES: tuple[LocaleData, ...] = (
    LocaleData("en", "English", "English"),
    LocaleData("en-US", "English (United States)", "English (United States)"),
    LocaleData("en-GB", "English (United Kingdom)", "English (United Kingdom)"),
    LocaleData("en-IE", "English (Ireland)", "English (Ireland)"),
    LocaleData("en-CA", "English (Canada)", "English (Canada)"),
    LocaleData("en-AU", "English (Australia)", "English (Australia)"),
    LocaleData("en-NZ", "English (New Zealand)", "English (New Zealand)"),
    LocaleData("en-IN", "English (India)", "English (India)"),
    LocaleData("en-SG", "English (Singapore)", "English (Singapore)"),
    LocaleData("en-ZA", "English (South Africa)", "English (South Africa)"),
    LocaleData("de", "German", "Deutsch"),
    LocaleData("de-DE", "German (Germany)", "Deutsch (Deutschland)"),
    LocaleData("de-AT", "German (Austria)", "Deutsch (Österreich)"),
    LocaleData("de-CH", "German (Switzerland)", "Deutsch (Schweiz)"),
    LocaleData("fr", "French", "Français"),
    LocaleData("fr-FR", "French (France)", "Français (France)"),
    LocaleData("fr-BE", "French (Belgium)", "Français (Belgique)"),
    LocaleData("fr-CA", "French (Canada)", "Français (Canada)"),
    LocaleData("fr-CH", "French (Switzerland)", "Français (Suisse)"),
    LocaleData("es", "Spanish", "Español"),
    LocaleData("es-ES", "Spanish (Spain)", "Español (España)"),
    LocaleData("es-MX", "Spanish (Mexico)", "Español (México)"),
    LocaleData("es-AR", "Spanish (Argentina)", "Español (Argentina)"),
    LocaleData("es-CO", "Spanish (Colombia)", "Español (Colombia)"),
    LocaleData("es-CL", "Spanish (Chile)", "Español (Chile)"),
    LocaleData("it", "Italian", "Italiano"),
    LocaleData("it-IT", "Italian (Italy)", "Italiano (Italia)"),
    LocaleData("it-CH", "Italian (Switzerland)", "Italiano (Svizzera)"),
    LocaleData("pt", "Portuguese", "Português"),
    LocaleData("pt-PT", "Portuguese (Portugal)", "Português (Portugal)"),
    LocaleData("pt-BR", "Portuguese (Brazil)", "Português (Brasil)"),
    LocaleData("nl", "Dutch", "Nederlands"),
    LocaleData("nl-NL", "Dutch (Netherlands)", "Nederlands (Nederland)"),
    LocaleData("nl-BE", "Dutch (Belgium)", "Nederlands (België)"),
    LocaleData("pl", "Polish", "Polski"),
    LocaleData("sv", "Swedish", "Svenska"),
    LocaleData("da", "Danish", "Dansk"),
    LocaleData("nb", "Norwegian Bokmål", "Norsk bokmål"),
    LocaleData("fi", "Finnish", "Suomi"),
    LocaleData("cs", "Czech", "Čeština"),
    LocaleData("hu", "Hungarian", "Magyar"),
    LocaleData("tr", "Turkish", "Türkçe"),
    LocaleData("ja", "Japanese", "日本語"),
    LocaleData("zh", "Chinese", "中文"),
    LocaleData("zh-CN", "Chinese (China)", "中文 (中国)"),
    LocaleData("zh-TW", "Chinese (Taiwan)", "中文 (台灣)"),
    LocaleData("zh-HK", "Chinese (Hong Kong)", "中文 (香港)"),
    LocaleData("ko", "Korean", "한국어"),
    LocaleData("hi", "Hindi", "हिन्दी"),
    LocaleData("th", "Thai", "ไทย"),
    LocaleData("ar", "Arabic", "العربية", "rtl"),
    LocaleData("ar-AE", "Arabic (United Arab Emirates)", "العربية (الإمارات العربية المتحدة)", "rtl"),
    LocaleData("ar-SA", "Arabic (Saudi Arabia)", "العربية (المملكة العربية السعودية)", "rtl"),
    LocaleData("he", "Hebrew", "עברית", "rtl"),
)

CURRENCIES: tuple[CurrencyData, ...] = (
    CurrencyData("USD", "US Dollar", "$", 2),
    CurrencyData("EUR", "Euro", "€", 2),
    CurrencyData("GBP", "British Pound", "£", 2),
    CurrencyData("JPY", "Japanese Yen", "¥", 0),
    CurrencyData("KRW", "South Korean Won", "₩", 0),
    CurrencyData("CHF", "Swiss Franc", "CHF", 2),
    CurrencyData("CAD", "Canadian Dollar", "CA$", 2),
    CurrencyData("AUD", "Australian Dollar", "A$", 2),
    CurrencyData("NZD", "New Zealand Dollar", "NZ$", 2),
    CurrencyData("MXN", "Mexican Peso", "MX$", 2),
    CurrencyData("ARS", "Argentine Peso", "ARS", 2),
    CurrencyData("COP", "Colombian Peso", "COP", 2),
    CurrencyData("CLP", "Chilean Peso", "CLP", 0),
    CurrencyData("BRL", "Brazilian Real", "R$", 2),
    CurrencyData("SEK", "Swedish Krona", "kr", 2),
    CurrencyData("DKK", "Danish Krone", "kr.", 2),
    CurrencyData("NOK", "Norwegian Krone", "kr", 2),
    CurrencyData("PLN", "Polish Zloty", "zł", 2),
    CurrencyData("CZK", "Czech Koruna", "Kč", 2),
    CurrencyData("HUF", "Hungarian Forint", "Ft", 2),
    CurrencyData("TRY", "Turkish Lira", "₺", 2),
    CurrencyData("INR", "Indian Rupee", "₹", 2),
    CurrencyData("CNY", "Chinese Yuan", "CN¥", 2),
    CurrencyData("TWD", "New Taiwan Dollar", "NT$", 2),
    CurrencyData("HKD", "Hong Kong Dollar", "HK$", 2),
    CurrencyData("SGD", "Singapore Dollar", "S$", 2),
    CurrencyData("THB", "Thai Baht", "฿", 2),
    CurrencyData("ZAR", "South African Rand", "R", 2),
    CurrencyData("AED", "United Arab Emirates Dirham", "AED", 2),
    CurrencyData("SAR", "Saudi Riyal", "SAR", 2),
    CurrencyData("ILS", "Israeli New Shekel", "₪", 2),
    CurrencyData("KWD", "Kuwaiti Dinar", "KWD", 3),
    CurrencyData("BHD", "Bahraini Dinar", "BHD", 3),
)

COUNTRIES: tuple[CountryData, ...] = (
    CountryData("US", "United States", "USD", "en-US"),
    CountryData("CA", "Canada", "CAD", "en-CA"),
    CountryData("MX", "Mexico", "MXN", "es-MX"),
    CountryData("AR", "Argentina", "ARS", "es-AR"),
    CountryData("CO", "Colombia", "COP", "es-CO"),
    CountryData("CL", "Chile", "CLP", "es-CL"),
    CountryData("BR", "Brazil", "BRL", "pt-BR"),
    CountryData("DE", "Germany", "EUR", "de-DE"),
    CountryData("FR", "France", "EUR", "fr-FR"),
    CountryData("AT", "Austria", "EUR", "de-AT"),
    CountryData("BE", "Belgium", "EUR", "nl-BE"),
    CountryData("NL", "Netherlands", "EUR", "nl-NL"),
    CountryData("ES", "Spain", "EUR", "es-ES"),
    CountryData("IT", "Italy", "EUR", "it-IT"),
    CountryData("IE", "Ireland", "EUR", "en-IE"),
    CountryData("PT", "Portugal", "EUR", "pt-PT"),
    CountryData("FI", "Finland", "EUR", "fi"),
    CountryData("GB", "United Kingdom", "GBP", "en-GB"),
    CountryData("CH", "Switzerland", "CHF", "de-CH"),
    CountryData("SE", "Sweden", "SEK", "sv"),
    CountryData("DK", "Denmark", "DKK", "da"),
    CountryData("NO", "Norway", "NOK", "nb"),
    CountryData("PL", "Poland", "PLN", "pl"),
    CountryData("CZ", "Czechia", "CZK", "cs"),
    CountryData("HU", "Hungary", "HUF", "hu"),
    CountryData("TR", "Türkiye", "TRY", "tr"),
    CountryData("JP", "Japan", "JPY", "ja"),
    CountryData("KR", "South Korea", "KRW", "ko"),
    CountryData("CN", "China", "CNY", "zh-CN"),
    CountryData("TW", "Taiwan", "TWD", "zh-TW"),
    CountryData("HK", "Hong Kong", "HKD", "zh-HK"),
    CountryData("IN", "India", "INR", "en-IN"),
    CountryData("SG", "Singapore", "SGD", "en-SG"),
    CountryData("TH", "Thailand", "THB", "th"),
    CountryData("AU", "Australia", "AUD", "en-AU"),
    CountryData("NZ", "New Zealand", "NZD", "en-NZ"),
    CountryData("ZA", "South Africa", "ZAR", "en-ZA"),
    CountryData("AE", "United Arab Emirates", "AED", "ar-AE"),
    CountryData("SA", "Saudi Arabia", "SAR", "ar-SA"),
    CountryData("KW", "Kuwait", "KWD", "ar"),
    CountryData("BH", "Bahrain", "BHD", "ar"),
    CountryData("IL", "Israel", "ILS", "he"),
)


def load_reference_data() -> dict[str, dict[str, int]]:
    """Insert missing locales, currencies and countries and refresh the names of existing ones.

    Safe to run repeatedly. Other attributes of existing rows (``is_active``, decimal places,
    links) are left as they are, since admins or existing money data may depend on them.
    Flushes after each table so foreign keys are satisfied; never commits.
    Returns ``{"locale": {"added": n, "updated": n}, ...}``.
    """
    stats: dict[str, dict[str, int]] = {}

    existing_locales = {row.key: row for row in db.session.scalars(sa.select(Locale))}
    stats["locale"] = _sync(
        existing_locales,
        LOCALES,
        lambda d: Locale(
            key=d.key,
            name=d.name,
            native_name=d.native_name,
            language_code=d.language_code,
            country_code=d.country_code,
            direction=d.direction,
            is_active=True,
        ),
        ("name", "native_name"),
    )
    db.session.flush()

    existing_currencies = {row.code: row for row in db.session.scalars(sa.select(Currency))}
    stats["currency"] = _sync(
        existing_currencies,
        CURRENCIES,
        lambda d: Currency(
            code=d.code, name=d.name, symbol=d.symbol, decimal_places=d.decimal_places, is_active=True
        ),
        ("name",),
    )
    db.session.flush()

    existing_countries = {row.code: row for row in db.session.scalars(sa.select(Country))}
    stats["country"] = _sync(
        existing_countries,
        COUNTRIES,
        lambda d: Country(
            code=d.code,
            name=d.name,
            currency_code=d.currency_code,
            default_locale_key=d.default_locale_key,
            is_active=True,
        ),
        ("name",),
    )
    db.session.flush()
    return stats


def _sync(existing: dict, data, build, name_fields: tuple[str, ...]) -> dict[str, int]:
    added = updated = 0
    for item in data:
        row = existing.get(item[0])
        if row is None:
            db.session.add(build(item))
            added += 1
            continue
        changed = False
        for field in name_fields:
            value = getattr(item, field)
            if getattr(row, field) != value:
                setattr(row, field, value)
                changed = True
        updated += changed
    return {"added": added, "updated": updated}
