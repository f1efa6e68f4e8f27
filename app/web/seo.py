"""SEO for storefront pages: title, description, canonical, robots, OpenGraph, hreflang, JSON-LD.

Values come from the product's ``seo_metadata`` / ``seo_metadata_open_graph`` when set, with
fallbacks from the product's own (translated) text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request, url_for
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


def for_product(storefront: Storefront, product, name: str, description: str | None, offers,
                avg_rating: float | None, review_count: int) -> Seo:
    meta = product.seo_metadata
    og_meta = meta.open_graph if meta else None
    # Metadata is authored in the org's default language; translated pages use translated text.
    authored_here = g.get("locale") == (storefront.org_default_locale or storefront.default_locale)
    title = (meta.title if meta and meta.title and authored_here else None) or name
    summary = (meta.description if meta and meta.description and authored_here else None) or _clip(description, 160)
    canonical = url_for("store.catalog.product", slug=product.slug, _external=True)
    links, x_default = alternates("store.catalog.product", storefront, slug=product.slug)
    image = (og_meta.image_url if og_meta else None) or product.image_url
    og = {
        "type": (og_meta.type if og_meta and og_meta.type else "product"),
        "title": (og_meta.title if og_meta and og_meta.title and authored_here else None) or title,
        "description": (og_meta.description if og_meta and og_meta.description and authored_here else None)
        or summary,
        "url": canonical,
        "image": image,
        "image_alt": og_meta.image_alt if og_meta else None,
        "locale": (g.get("locale") or "en").replace("-", "_"),
        "site_name": storefront.display_name,
    }
    return Seo(
        title=f"{title} · {storefront.display_name}",
        description=summary,
        canonical=(meta.canonical_url if meta and meta.canonical_url else canonical),
        robots=(meta.robots_directive if meta and meta.robots_directive else "index,follow"),
        og=og,
        alternates=links,
        x_default=x_default,
        json_ld=product_json_ld(storefront, product, name, summary, canonical, image, offers, avg_rating,
                                review_count),
    )


def product_json_ld(storefront: Storefront, product, name, description, url, image, offers,
                    avg_rating, review_count) -> dict:
    currency = storefront.currency_code
    offer_items = [
        {
            "@type": "Offer",
            "name": offer.plan.name,
            "price": str(quantize(offer.price, currency)),
            "priceCurrency": currency,
            "url": url,
            "availability": "https://schema.org/InStock",
            "category": offer.type,
        }
        for offer in offers
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "Course" if product.type == "course" else "Product",
        "name": name,
        "description": description,
        "url": url,
        "offers": offer_items,
    }
    if image:
        data["image"] = image
    if product.type == "course":
        data["provider"] = {"@type": "Organization", "name": storefront.display_name}
        data["inLanguage"] = g.get("locale")
    else:
        data["brand"] = {"@type": "Brand", "name": product.brand.name if product.brand else storefront.display_name}
    if review_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": f"{avg_rating:.1f}",
            "reviewCount": review_count,
        }
    return data


def current_path_for(locale: str) -> str:
    """The current storefront page in another locale (language switcher, hreflang)."""
    args = {**request.args.to_dict(flat=False), **(request.view_args or {})}
    return url_for(request.endpoint, locale=locale, **args)
