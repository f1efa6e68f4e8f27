"""Public creator pages: ``/creators/<slug>``, one professional identity across every org."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for

from app.accounts.jobs import get_public_job_profile
from app.accounts.queries import creator_products

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
    return render_template("accounts/creator.html", job_profile=job_profile, products=products)
