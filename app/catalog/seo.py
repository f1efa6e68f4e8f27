"""SEO for storefront pages: title, description, canonical, robots, OpenGraph, hreflang, JSON-LD.

Values come from the product's ``seo_metadata`` / ``seo_metadata_open_graph`` when set, with
fallbacks from the product's own (translated) text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, request, url_for
from flask_babel import gettext as _

from app.catalog.services import update_product
from app.checks import check_web_url, clean_text
from app.errors import ValidationError
from app.markets.storefront import Storefront
from app.money import quantize
from app.orgs.services import audit_change, snapshot
from app.web import labels


@dataclass
class Seo:
    title: str
    description: str
    canonical: str
    robots: str = "index,follow"
    keywords: str | None = None
    og: dict = field(default_factory=dict)
    alternates: list[tuple[str, str]] = field(default_factory=list)
    x_default: str | None = None
    json_ld: dict | None = None


def _clip(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _absolute(url: str | None) -> str | None:
    """A path on this site (``/media/...``) as the absolute address crawlers need."""
    if url and url.startswith("/") and not url.startswith("//"):
        return request.url_root.rstrip("/") + url
    return url


def alternates(endpoint: str, storefront: Storefront, **values) -> tuple[list[tuple[str, str]], str]:
    """One URL per market locale (hreflang) and the x-default (the market's default locale)."""
    links = [(loc, url_for(endpoint, locale=loc, _external=True, **values)) for loc in storefront.locales]
    x_default = next((url for loc, url in links if loc == storefront.default_locale), None)  # built once
    if x_default is None:
        x_default = url_for(endpoint, locale=storefront.default_locale, _external=True, **values)
    return links, x_default


def for_catalog(storefront: Storefront, filters) -> Seo:
    links, x_default = alternates("store.catalog.index", storefront)
    filtered = filters.active or filters.page > 1 or filters.sort not in ("newest", "relevance")
    title = storefront.display_name
    # app.web.labels' gettext: Flask-Babel's result without its per-call lookups
    description = labels.gettext("Courses and products from %(name)s.", name=storefront.display_name)
    args = filters.as_args()
    canonical = url_for("store.catalog.index", _external=True, **args)
    return Seo(
        title=title,
        description=description,
        canonical=canonical,
        robots="noindex,follow" if filtered else "index,follow",
        og={"type": "website", "title": title, "description": description,
            "url": url_for("store.catalog.index", _external=True) if args else canonical},
        alternates=links,
        x_default=x_default,
    )


@dataclass(frozen=True)
class Snippet:
    """What search results and shared links show of a product: authored values, else its own text."""

    title: str
    description: str
    og_title: str
    og_description: str
    image: str | None
    og_type: str


def snippet(*, name: str, text: str | None, image_url: str | None, title=None, description=None,
            og_title=None, og_description=None, og_image=None, og_type=None) -> Snippet:
    """The one fallback rule of the storefront's <head> and of the dashboard's previews."""
    title = title or name
    summary = description or _clip(text, 160)
    return Snippet(title=title, description=summary, og_title=og_title or title,
                   og_description=og_description or summary, image=og_image or image_url,
                   og_type=og_type or "product")


def for_product(storefront: Storefront, page) -> Seo:
    """``page`` is a catalog.pages.ProductPage. Authored metadata is in the org's default language,
    so translated pages fall back to their translated text."""
    meta = page.seo
    authored_here = g.get("locale") == (storefront.org_default_locale or storefront.default_locale)

    def authored(value):
        return value if value and authored_here else None

    shown = snippet(name=page.name, text=page.description, image_url=page.image_url,
                    title=authored(meta.title), description=authored(meta.description),
                    og_title=authored(meta.og_title), og_description=authored(meta.og_description),
                    og_image=meta.og_image, og_type=meta.og_type)
    title, summary = shown.title, shown.description
    canonical = url_for("store.catalog.product", slug=page.slug, _external=True)
    links, x_default = alternates("store.catalog.product", storefront, slug=page.slug)
    image = _absolute(shown.image)
    og = {
        "type": shown.og_type,
        "title": shown.og_title,
        "description": shown.og_description,
        "url": meta.canonical_url or canonical,
        "image": image,
        "image:alt": meta.og_image_alt if image else None,
        "locale": (g.get("locale") or "en").replace("-", "_"),
        "site_name": storefront.display_name,
    }
    return Seo(
        title=f"{title} · {storefront.display_name}",
        description=summary,
        canonical=meta.canonical_url or canonical,
        robots=meta.robots or "index,follow",
        keywords=authored(meta.keywords),
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


# ---- editing a product's search and sharing metadata (the dashboard's "seo" tab) ----------------

ROBOTS_CHOICES = ("index,follow", "noindex,follow", "index,nofollow", "noindex,nofollow")
OG_TYPES = ("product", "website", "article", "book", "video.other")
# field -> the column's limit (the counters of the form and the checks of ``set_product_seo``)
LIMITS = {"title": 60, "description": 160, "keywords": 255, "canonical_url": 255, "og_title": 95,
          "og_description": 300, "og_image_url": 255, "og_image_alt": 125}
EDITABLE = ("title", "description", "keywords", "canonical_url", "robots_directive", "og_title",
            "og_description", "og_image_url", "og_image_alt", "og_type")
OG_AUDITED = ("title", "description", "image_url", "image_alt", "type")


class SeoInputError(ValidationError):
    """Some fields of the search and sharing form were refused: ``errors`` maps field -> message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(_("Please correct the errors below."))


@dataclass(frozen=True)
class SeoValues:
    """What the form shows for a product: its stored metadata, empty text where none is set."""

    title: str = ""
    description: str = ""
    keywords: str = ""
    canonical_url: str = ""
    robots_directive: str = "index,follow"
    og_title: str = ""
    og_description: str = ""
    og_image_url: str = ""
    og_image_alt: str = ""
    og_type: str = "product"


def seo_values(product) -> SeoValues:
    meta = product.seo_metadata
    if meta is None:
        return SeoValues()
    og = meta.open_graph
    return SeoValues(
        title=meta.title or "", description=meta.description or "", keywords=meta.keywords or "",
        canonical_url=meta.canonical_url or "", robots_directive=meta.robots_directive or "index,follow",
        og_title=(og.title if og else None) or "", og_description=(og.description if og else None) or "",
        og_image_url=(og.image_url if og else None) or "", og_image_alt=(og.image_alt if og else None) or "",
        og_type=(og.type if og else None) or "product",
    )


def _labels() -> dict[str, str]:
    return {"title": _("Title"), "description": _("Description"), "keywords": _("Keywords"),
            "canonical_url": _("Canonical URL"), "og_title": _("Sharing title"),
            "og_description": _("Sharing description"), "og_image_url": _("Sharing image URL"),
            "og_image_alt": _("Sharing image text")}


def check_seo(values: dict[str, str | None]) -> dict[str, str | None]:
    """The cleaned values, or ``SeoInputError`` naming every field that is refused (too long text
    is refused, never cut: the counters show the limits while typing)."""
    labels, cleaned, errors = _labels(), {}, {}
    for name in EDITABLE:
        raw = values.get(name)
        try:
            if name == "robots_directive":
                cleaned[name] = raw if raw in ROBOTS_CHOICES else _refuse(_("Choose one of the listed directives."))
            elif name == "og_type":
                cleaned[name] = raw if raw in OG_TYPES else _refuse(_("Choose one of the listed types."))
            else:
                text = clean_text(raw, labels[name], max_length=LIMITS[name])
                if text and name in ("canonical_url", "og_image_url"):
                    text = check_web_url(text, allow_path=(name == "og_image_url"))
                cleaned[name] = text
        except ValidationError as exc:
            errors[name] = exc.message
    if errors:
        raise SeoInputError(errors)
    return cleaned


def _refuse(message: str):
    raise ValidationError(message)


def set_product_seo(product, values: dict[str, str | None], *, by):
    """Store the product's search and sharing metadata (``EDITABLE`` fields, all of them) and audit
    the change; the storefront's <head> (``for_product``) reads it."""
    cleaned = check_seo(values)
    og = product.seo_metadata.open_graph if product.seo_metadata is not None else None
    og_before = snapshot(og, OG_AUDITED) if og is not None else None
    update_product(product, seo=cleaned, by=by)
    og = product.seo_metadata.open_graph
    audit_change(og, action="product.og_updated", by=by, fields=OG_AUDITED, before=og_before, entity=product)
    return product.seo_metadata
