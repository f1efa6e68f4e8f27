"""Catalog: products, translations, variants, payment plans, market prices, collections, discounts, reviews;
product attributions and revenue pools; storefront catalog pages, SEO, sitemaps, creator pages."""
