"""Org markets (countries, locales, domains, currency, brand), brands and tax regions."""
