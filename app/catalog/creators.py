"""Public creator pages: ``/creators/<slug>``, one professional identity across every org, with the
published products it is attributed to."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, url_for

from app.accounts.jobs import get_public_job_profile
from app.accounts.models import UserJobProfile
from app.catalog.models import OrgEmployeeProductAttribution as Attribution
from app.catalog.models import OrgProduct, OrgProductVariant, OrgProductVariantPaymentPlan
from app.catalog.models import OrgProductVariantPaymentPlanMarketPrice as Price
from app.db import utcnow
from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgEmployee
from app.platform.images import ImageView, OrgImage

bp = Blueprint("creators", __name__, url_prefix="/creators")


@bp.get("/<slug>")
def profile(slug: str):
    job_profile = get_public_job_profile(slug)
    if job_profile is None:
        abort(404)
    products = [
        (product, org_name,
         url_for("store.catalog.product", org_slug=org_slug, market_slug=market_slug, locale=locale,
                 slug=product.slug) if market_slug else None)
        for product, org_name, org_slug, market_slug, locale in creator_products(job_profile)
    ]
    return render_template("accounts/creator.html", job_profile=job_profile, products=products,
                           avatar=creator_avatar(job_profile))


def creator_avatar(job_profile: UserJobProfile) -> ImageView | None:
    """The photo this professional uploaded as an employee of an org that shows them on their
    profile (the most recent one when they work for several): one query."""
    image = db.session.scalars(
        sa.select(OrgImage)
        .join(OrgEmployee, OrgEmployee.id == OrgImage.employee_id)
        .join(Org, Org.id == OrgEmployee.org_id)
        .where(OrgEmployee.job_profile_id == job_profile.id, OrgEmployee.status == "active",
               OrgEmployee.show_on_profile.is_(True), Org.is_active.is_(True))
        .order_by(OrgImage.updated_at.desc())
        .limit(1)
    ).first()
    return image.view() if image is not None else None


def creator_products(job_profile: UserJobProfile) -> list[tuple]:
    """Published products this professional is attributed to, in every org, each with a market
    that sells it: rows of (product, org name, org slug, market slug, market default locale).
    Two queries whatever the number of orgs and products."""
    now = utcnow()
    rows = db.session.execute(
        sa.select(OrgProduct, Org.name, Org.slug)
        .join(Attribution, Attribution.product_id == OrgProduct.id)
        .join(OrgEmployee, OrgEmployee.id == Attribution.employee_id)
        .join(Org, Org.id == OrgProduct.org_id)
        .where(
            OrgEmployee.job_profile_id == job_profile.id,
            OrgEmployee.status == "active",
            OrgEmployee.show_on_profile.is_(True),
            Org.is_active.is_(True),
            OrgProduct.status == "published",
            Attribution.effective_from <= now,
            sa.or_(Attribution.effective_to.is_(None), Attribution.effective_to > now),
        )
        .distinct()
        .order_by(Org.name, OrgProduct.name)
    ).all()
    if not rows:
        return []
    ids = [row[0].id for row in rows]
    markets = db.session.execute(
        sa.select(OrgProductVariant.product_id, OrgMarket.slug, OrgMarket.default_locale_key)
        .join(OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlan.variant_id == OrgProductVariant.id)
        .join(Price, Price.plan_id == OrgProductVariantPaymentPlan.id)
        .join(OrgMarket, OrgMarket.id == Price.market_id)
        .where(OrgProductVariant.product_id.in_(ids), OrgMarket.is_active.is_(True), Price.is_active.is_(True))
        .order_by(OrgProductVariant.product_id, OrgMarket.slug)
    ).all()
    first_market: dict[str, tuple[str, str]] = {}
    for product_id, market_slug, locale in markets:
        first_market.setdefault(product_id, (market_slug, locale))
    return [
        (product, org_name, org_slug, *first_market.get(product.id, (None, None)))
        for product, org_name, org_slug in rows
    ]
