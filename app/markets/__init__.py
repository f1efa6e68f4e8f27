"""Org markets (countries, locales, domains, currency, brand), brands and tax regions; the storefront
URL prefix and trusted hosts; the public home page listing storefronts."""
