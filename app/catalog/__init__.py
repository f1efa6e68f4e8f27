"""Catalog: products, translations, variants, payment plans, market prices, collections, discounts, reviews."""
