"""SEO for storefront pages: title, description, canonical, robots, OpenGraph, hreflang, JSON-LD.

Values come from the product's ``seo_metadata`` / ``seo_metadata_open_graph`` when set, with
fallbacks from the product's own (translated) text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, url_for
from flask_babel import gettext as _

from app.markets.storefront import Storefront
from app.money import quantize


@dataclass
class Seo:
    title: str
    description: str
    canonical: str
    robots: str = "index,follow"
    og: dict = field(default_factory=dict)
    alternates: list[tuple[str, str]] = field(default_factory=list)
    x_default: str | None = None
    json_ld: dict | None = None


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def alternates(endpoint: str, storefront: Storefront, **values) -> tuple[list[tuple[str, str]], str]:
    """One URL per market locale (hreflang) and the x-default (the market's default locale)."""
    links = [(loc, url_for(endpoint, locale=loc, _external=True, **values)) for loc in storefront.locales]
    x_default = url_for(endpoint, locale=storefront.default_locale, _external=True, **values)
    return links, x_default


def for_catalog(storefront: Storefront, filters) -> Seo:
    links, x_default = alternates("store.catalog.index", storefront)
    filtered = filters.active or filters.page > 1 or filters.sort not in ("newest", "relevance")
    title = storefront.display_name
    description = _("Courses and products from %(name)s.", name=storefront.display_name)
    return Seo(
        title=title,
        description=description,
        canonical=url_for("store.catalog.index", _external=True, **filters.as_args()),
        robots="noindex,follow" if filtered else "index,follow",
        og={"type": "website", "title": title, "description": description, "url": url_for(
            "store.catalog.index", _external=True)},
        alternates=links,
        x_default=x_default,
    )


def for_product(storefront: Storefront, page) -> Seo:
    """``page`` is a catalog.pages.ProductPage. Authored metadata is in the org's default language,
    so translated pages fall back to their translated text."""
    meta = page.seo
    authored_here = g.get("locale") == (storefront.org_default_locale or storefront.default_locale)

    def authored(value):
        return value if value and authored_here else None

    title = authored(meta.title) or page.name
    summary = authored(meta.description) or _clip(page.description, 160)
    canonical = url_for("store.catalog.product", slug=page.slug, _external=True)
    links, x_default = alternates("store.catalog.product", storefront, slug=page.slug)
    image = meta.og_image or page.image_url
    og = {
        "type": meta.og_type or "product",
        "title": authored(meta.og_title) or title,
        "description": authored(meta.og_description) or summary,
        "url": canonical,
        "image": image,
        "image_alt": meta.og_image_alt,
        "locale": (g.get("locale") or "en").replace("-", "_"),
        "site_name": storefront.display_name,
    }
    return Seo(
        title=f"{title} · {storefront.display_name}",
        description=summary,
        canonical=meta.canonical_url or canonical,
        robots=meta.robots or "index,follow",
        og=og,
        alternates=links,
        x_default=x_default,
        json_ld=product_json_ld(storefront, page, summary, canonical, image),
    )


def product_json_ld(storefront: Storefront, page, description, url, image) -> dict:
    currency = storefront.currency_code
    data = {
        "@context": "https://schema.org",
        "@type": "Course" if page.type == "course" else "Product",
        "name": page.name,
        "description": description,
        "url": url,
        "offers": [
            {
                "@type": "Offer",
                "name": offer.plan_name,
                "price": str(quantize(offer.price, currency)),
                "priceCurrency": currency,
                "url": url,
                "availability": "https://schema.org/InStock",
                "category": offer.type,
            }
            for offer in page.offers
        ],
    }
    if image:
        data["image"] = image
    if page.type == "course":
        data["provider"] = {"@type": "Organization", "name": storefront.display_name}
        data["inLanguage"] = g.get("locale")
    else:
        data["brand"] = {"@type": "Brand", "name": page.brand_name or storefront.display_name}
    if page.review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{page.avg_rating:.1f}",
            "reviewCount": page.review_count,
        }
    return data
