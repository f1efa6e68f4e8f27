"""The dashboard navigation: one table of entries, each with the capability its page needs.

The shell shows an entry exactly when ``can(employee, entry.capability)`` (app.orgs.permissions,
DESIGN.md §3), so the navigation offers what the role may use and nothing else. Only pages that
exist are listed: a new dashboard page adds its row here (one line) when it lands, e.g.

    NavEntry("orders", "staff.orders", _l("Orders"), "orders_view", active=("staff.order",)),

``key`` names the area: the overview's figures link to the entry with their key (and show a plain
number while there is none). ``active`` lists endpoint prefixes that mark the entry as the
current page (a list and its detail pages). tests/staff/test_shell.py checks that every entry's
endpoint exists, its capability is known, and each role sees exactly the entries it can open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from app.orgs.models import OrgEmployee
from app.orgs.permissions import CAPABILITIES, can


@dataclass(frozen=True)
class NavEntry:
    key: str
    endpoint: str
    label: Any
    capability: str
    active: tuple[str, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.capability not in CAPABILITIES:
            raise KeyError(f"nav entry {self.key!r}: unknown capability {self.capability!r}")

    def is_current(self, endpoint: str | None) -> bool:
        endpoint = endpoint or ""
        return endpoint == self.endpoint or any(endpoint.startswith(prefix) for prefix in self.active)


NAV: tuple[NavEntry, ...] = (
    NavEntry("overview", "staff.index", _l("Overview"), "own_earnings"),
    NavEntry("orders", "staff.orders", _l("Orders"), "orders_view", active=("staff.order",)),
    NavEntry("products", "staff.products", _l("Products"), "catalog_own", active=("staff.product",)),
    NavEntry("collections", "staff.collections", _l("Collections"), "catalog_all", active=("staff.collection",)),
    NavEntry("lessons", "staff.lessons", _l("Lessons"), "catalog_own", active=("staff.lesson_",)),
    NavEntry("submissions", "staff.submissions", _l("Assignments to review"), "catalog_own",
             active=("staff.submission",)),
    NavEntry("translations", "staff.translations", _l("Translations"), "catalog_own", active=("staff.translations", "staff.skill_translation")),
    NavEntry("giftcards", "staff.giftcards", _l("Gift cards"), "gift_cards", active=("staff.giftcards_",)),
    NavEntry("promotions", "staff.promotions", _l("Promotions"), "catalog_all", active=("staff.promotions_",)),
    NavEntry("members", "staff.members", _l("Members"), "invite", active=("staff.members_",)),
    NavEntry("employees", "staff.employees", _l("Employees"), "invite", active=("staff.employees_",)),
    NavEntry("invitations", "staff.invitations", _l("Invitations"), "invite",
             active=("staff.invit", "staff.employee_invitations", "staff.approve_employee_invitation",
                     "staff.decline_employee_invitation", "staff.resend_member_invitation",
                     "staff.resend_employee_invitation", "staff.cancel_member_invitation",
                     "staff.cancel_employee_invitation")),
    NavEntry("earnings", "staff.earnings", _l("Earnings"), "own_earnings", active=("staff.earnings_",)),
    NavEntry("reports", "staff.reports_page", _l("Reports"), "all_earnings"),
    NavEntry("markets", "staff.markets", _l("Markets"), "org_settings", active=("staff.market",)),
    NavEntry("tax", "staff.tax", _l("Tax"), "org_settings", active=("staff.tax_",)),
    NavEntry("brands", "staff.brands", _l("Brands"), "org_settings", active=("staff.brand",)),
    NavEntry("locales", "staff.locales", _l("Locales"), "org_settings", active=("staff.locales_",)),
    NavEntry("emails", "staff.emails", _l("Emails"), "org_settings", active=("staff.email",)),
    NavEntry("audit", "staff.audit", _l("Audit log"), "org_settings", active=("staff.audit_entry",)),
    NavEntry("profile", "staff.profile_photo", _l("Profile photo"), "own_earnings"),
)


def nav_for(employee: OrgEmployee | None) -> list[NavEntry]:
    """The entries ``employee`` may open, in the table's order."""
    return [entry for entry in NAV if can(employee, entry.capability)]


def entry_for(employee: OrgEmployee | None, key: str) -> NavEntry | None:
    """The entry of area ``key`` if it exists and ``employee`` may open it."""
    return next((entry for entry in nav_for(employee) if entry.key == key), None)
