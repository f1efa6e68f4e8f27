"""Revenue rules: ending a product attribution (an attribution that already has revenue rows keeps
them, so it can be ended but not removed). The attribution timeline itself is the catalog's
(``app.catalog.attributions``).

Services flush and raise DomainErrors; the view commits.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalog.attributions import ATTRIBUTION_FIELDS, lock_pool, sync_revenue_pool
from app.catalog.models import OrgEmployeeProductAttribution, OrgProduct
from app.checks import aware
from app.db import utcnow
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.orgs import events as org_events
from app.orgs.models import OrgEmployee
from app.orgs.services import audit, audit_change, authorize, snapshot
from app.revenue.models import OrgEmployeeProductAttributionRevenue


def end_attribution(
    attribution: OrgEmployeeProductAttribution, *, by: OrgEmployee, at: datetime | None = None
) -> OrgEmployeeProductAttribution | None:
    """Stop an attribution at ``at`` (default: now); its share goes back to the org from then.
    A scheduled attribution ended before it starts is removed (returns None). ``by`` needs
    ``catalog_all`` (admins and managers); the change is in the audit log."""
    authorize(by, attribution.org_id, "catalog_all", _("Only admins and managers change who earns from a product."))
    moment = aware(at) or utcnow()
    product = db.session.get(OrgProduct, attribution.product_id)
    if product is None:
        raise NotFoundError(_("Product not found."))
    before = snapshot(attribution, ATTRIBUTION_FIELDS)
    pool = lock_pool(product)
    result: OrgEmployeeProductAttribution | None = attribution
    if moment <= attribution.effective_from:
        has_revenue = db.session.scalar(
            sa.select(OrgEmployeeProductAttributionRevenue.id)
            .where(OrgEmployeeProductAttributionRevenue.attribution_id == attribution.id)
            .limit(1)
        )
        if has_revenue is not None:
            raise ValidationError(_("This attribution already has revenue; end it after it started."))
        db.session.delete(attribution)
        result = None
        audit(attribution.org_id, action="attribution.removed", entity_type=attribution.__tablename__,
              entity_id=attribution.id, actor_employee=by, data={"before": before, "after": {}})
    elif attribution.effective_to is None or attribution.effective_to > moment:
        attribution.effective_to = moment
        db.session.flush()
        audit_change(attribution, action="attribution.ended", by=by, fields=ATTRIBUTION_FIELDS, before=before)
    db.session.flush()
    sync_revenue_pool(product, by=by, pool=pool)
    return result


@org_events.employee_removed.connect
def _end_attributions_of_removed_employee(employee: OrgEmployee, *, by: OrgEmployee, at: datetime, **_) -> None:
    """A removed employee earns nothing from later sales: each attribution of theirs that is still
    running (or scheduled) ends at the removal, and its share goes back to the org. What they
    earned before stays theirs (revenue rows, payable)."""
    running = db.session.scalars(
        sa.select(OrgEmployeeProductAttribution)
        .where(OrgEmployeeProductAttribution.org_id == employee.org_id,
               OrgEmployeeProductAttribution.employee_id == employee.id,
               sa.or_(OrgEmployeeProductAttribution.effective_to.is_(None),
                      OrgEmployeeProductAttribution.effective_to > at))
        .order_by(OrgEmployeeProductAttribution.effective_from, OrgEmployeeProductAttribution.id)
    ).all()
    for attribution in running:
        end_attribution(attribution, by=by, at=at)
