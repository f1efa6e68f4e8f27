"""The pages of one product in the dashboard share a tab bar and one way to load the product.

Each tab is a page of its own module (products, plans and prices, media, course builder, search
and sharing, translations); a tab shows once its endpoint exists, so a module adds its page
without touching the others. ``editable_product`` is how every such page loads its product: a
product of the current org (404 otherwise) that the signed-in employee may change (403 otherwise,
``app.catalog.attributions.require_product_editor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, g, url_for
from flask_babel import lazy_gettext as _l

from app.catalog.attributions import require_product_editor
from app.catalog.models import OrgProduct
from app.orgs.services import get_or_404


@dataclass(frozen=True)
class ProductTab:
    key: str
    endpoint: str
    label: Any
    types: tuple[str, ...] = ()  # product types the tab applies to (empty: all)

    def applies_to(self, product: OrgProduct) -> bool:
        return (not self.types or product.type in self.types) and self.endpoint in current_app.view_functions


TABS: tuple[ProductTab, ...] = (
    ProductTab("details", "staff.product", _l("Details")),
    ProductTab("plans", "staff.product_plans", _l("Variants and plans")),
    ProductTab("prices", "staff.product_prices", _l("Prices")),
    ProductTab("content", "staff.course_builder", _l("Course content"), types=("course",)),
    ProductTab("media", "staff.product_media", _l("Images and files")),
    ProductTab("seo", "staff.product_seo", _l("Search and sharing")),
    ProductTab("translations", "staff.product_translations", _l("Translations")),
    ProductTab("attributions", "staff.product_attributions", _l("Creators and shares")),
)


STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}


def products_url() -> str:
    """The product list (the overview until the list exists)."""
    return url_for("staff.products" if "staff.products" in current_app.view_functions else "staff.index")


def tabs_for(product: OrgProduct) -> list[ProductTab]:
    return [tab for tab in TABS if tab.applies_to(product)]


def editable_product(product_id: str) -> OrgProduct:
    """The current org's product ``product_id`` if the signed-in employee may change it."""
    product = get_or_404(OrgProduct, g.staff_org, product_id, None)
    require_product_editor(g.employee, product)
    return product
