"""The employee permission matrix (DESIGN.md §3), enforced server-side from this one table.

Views and services ask ``can(employee, capability)`` or call ``require(employee, capability)``;
nothing else decides what a role may do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from app.errors import PermissionDeniedError

if TYPE_CHECKING:
    from app.orgs.models import OrgEmployee

ALL_ROLES = frozenset({"admin", "manager", "creator", "staff"})

CAPABILITIES: dict[str, frozenset[str]] = {
    # org settings, markets, locales, brands, tax
    "org_settings": frozenset({"admin"}),
    # approve employee invitations, change roles
    "approve_employees": frozenset({"admin"}),
    # invite members / employees
    "invite": frozenset({"admin", "manager"}),
    # catalog: all products, collections, promotions
    "catalog_all": frozenset({"admin", "manager"}),
    # courses/products they are attributed to
    "catalog_own": frozenset({"admin", "manager", "creator"}),
    # issue / disable gift cards
    "gift_cards": frozenset({"admin", "manager", "staff"}),
    # orders, refunds (change)
    "orders": frozenset({"admin", "manager"}),
    # orders (read only)
    "orders_view": frozenset({"admin", "manager", "staff"}),
    # own earnings
    "own_earnings": ALL_ROLES,
    # all earnings, ledger, reports
    "all_earnings": frozenset({"admin"}),
}


def can(employee: OrgEmployee | None, capability: str) -> bool:
    """True if ``employee`` (active, in an active membership) has ``capability``.

    An unknown capability name is a programming error and raises ``KeyError``, so a typo never
    silently denies (or grants) access.
    """
    roles = CAPABILITIES[capability]
    if employee is None or not employee.is_active:
        return False
    member = employee.member
    if member is not None and not member.is_active:
        return False
    return employee.role in roles


def require(employee: OrgEmployee | None, capability: str) -> None:
    """Raise ``PermissionDeniedError`` unless ``can(employee, capability)``."""
    if not can(employee, capability):
        raise PermissionDeniedError(_("You do not have permission to do that."))
