"""Every dashboard endpoint x every role: the status each gets (DESIGN.md §3).

``EXPECTED`` has one row per endpoint and method of the ``staff`` blueprint, read from the app's URL
map: a dashboard route without a row fails ``test_every_dashboard_endpoint_has_a_row`` with its
name. A row gives the status for admin, manager, creator (attributed to the academy's course) and
staff; an employee of another org always gets 404 (the org's dashboard does not exist for them,
and on their own dashboard this org's rows do not exist either) and a member who is not an
employee 403. Allowed is 200 (a page) or 303 (a form that worked, redirecting).

To add a page: one ``EXPECTED`` row, with ``args`` building its URL arguments from ``World`` (real
rows made in the ``world`` fixture; add a field there when a page needs a new kind of row) and
``data`` for a POST's form.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from flask import url_for
from PIL import Image

from app.accounts.models import User
from app.catalog.attributions import set_attribution
from app.catalog.models import OrgEmployeeProductAttribution, OrgProduct
from app.catalog.promotions import create_promotion
from app.catalog.services import add_to_collection, create_collection
from app.courses.models import OrgProductCourseModuleSectionLesson
from app.db import utcnow
from app.extensions import db
from app.giftcards.issuing import batch_cards, issue_gift_cards
from app.learn.authoring import place_lesson
from app.learn.models import OrgMemberAssignmentSubmission
from app.markets.models import OrgMarket
from app.markets.org_locales import add_org_locale
from app.orgs.models import Org, OrgAuditLog, OrgMember
from app.orgs.services import approve_employee_invitation, get_employee, invite_employee, invite_member
from app.platform.email import MAX_ATTEMPTS, queue_email
from app.platform.models import Skill
from app.revenue.models import OrgEmployeeProductAttributionRevenue as Revenue
from app.revenue.payouts import record_payout
from app.tax.services import create_category
from tests.factories import (
    PASSWORD,
    make_brand,
    make_course,
    make_employee,
    make_lesson,
    make_member,
    make_org,
    make_priced_plan,
    make_product,
    make_region,
    make_tax_rate,
    make_user,
    org_admin,
    unique,
)
from tests.learn import assessment_fixtures
from tests.staff.order_fixtures import buy

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

EMPLOYEE_ROLES = ("admin", "manager", "creator", "staff")
ROLES = (*EMPLOYEE_ROLES, "other_org", "member")
OK, DONE, NO, MISSING = 200, 303, 403, 404


def expect(admin: int, manager: int, creator: int, staff: int) -> dict[str, int]:
    """The statuses of the four roles; another org's employee 404, a member who is no employee 403."""
    return {"admin": admin, "manager": manager, "creator": creator, "staff": staff, "other_org": MISSING,
            "member": NO}


@dataclass(frozen=True)
class World:
    """Real rows of the academy the URLs are built from."""

    org_slug: str
    other_org_slug: str
    emails: dict[str, str]
    submission_id: str
    audit_entry_id: str
    member_id: str  # a member who is not an employee
    employee_id: str  # a creator the role form sets to the role they have
    order_id: str  # paid: a download (refunded by the row), a mug (shipped), a coaching call (done)
    download_item: str
    mug_item: str
    coaching_item: str
    pending_order_id: str  # awaiting payment (cancelled by the row)
    member_invitations: dict[str, str]  # pending member invitations: resend, cancel
    employee_invitations: dict[str, str]  # sent by the manager: approve, decline (pending), resend, cancel (approved)
    failed_email_id: str
    revenue_line_id: str  # the creator's share of the download in the paid order
    earner_id: str  # that creator (owed money)
    payout_id: str  # a payout to them
    product_id: str  # the academy's course (the creator is attributed to it)
    attribution_id: str  # the creator's running attribution on it
    # A: the academy's course (attributed to the creator) and a collection holding another product
    product_slug: str = ""
    collection_id: str = ""
    collection_slug: str = ""
    collection_link_id: str = ""
    skill_id: str = ""  # a platform skill the course teaches
    media: dict[str, str] = field(default_factory=dict)  # B: the course, a creator's download, a brand
    # C: the academy's course (product_id, above), its default variant, its plan and the market it is priced in
    variant_id: str = ""
    plan_id: str = ""
    market_id: str = ""
    course: dict[str, str] = field(default_factory=dict)  # D: the academy's course parts (course_builder rows)
    lessons: dict[str, str] = field(default_factory=dict)  # E: lesson ids by type, "question": a quiz question
    tax: dict[str, str] = field(default_factory=dict)  # G: tax category, regions and rates (_tax)
    # H: a gift card and a discount code of the academy, the currency it sells in
    gift_card_id: str = ""
    discount_id: str = ""
    currency: str = ""
    # I: org settings: a brand to edit, a locale of the academy that no market uses
    settings: dict[str, str] = field(default_factory=dict)
    market_form: dict[str, Any] = field(default_factory=dict)  # I: the academy's market as its form posts it


@dataclass(frozen=True)
class Row:
    status: dict[str, int]
    args: Callable[[World], dict[str, Any]] = lambda w: {}
    data: Callable[[World], dict[str, Any]] | None = None


def _submission(w: World) -> dict[str, str]:
    return {"submission_id": w.submission_id}


def _member(w: World) -> dict[str, str]:
    return {"member_id": w.member_id}


def _employee(w: World) -> dict[str, str]:
    return {"employee_id": w.employee_id}


def _media(w: World, which: str) -> dict[str, str]:  # B
    return {"product_id": w.media[which]}


def _png() -> bytes:  # B: a small valid image
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(out, "PNG")
    return out.getvalue()


def _media_world(org: Org, course_id: str, creator_email: str) -> dict[str, str]:  # B
    """The academy's course, a download attributed to its creator (with a variant), and a brand."""
    from datetime import timedelta

    from app.catalog.attributions import set_attribution
    from app.db import utcnow

    creator = get_employee(org, db.session.scalar(sa.select(User).where(User.email == creator_email)))
    download = make_product(org, type="digital_download", name="Creator's ebook")
    make_priced_plan(db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id)), product=download)
    set_attribution(download, creator, percent=Decimal("10"), type="creator",
                    effective_from=utcnow() - timedelta(days=1), by=org_admin(org))
    return {"course": course_id, "download": download.id, "brand": make_brand(org, name="Academy Brand").id}


def _member_invitation(which: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"invitation_id": w.member_invitations[which]}


def _employee_invitation(which: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"invitation_id": w.employee_invitations[which]}


def _variant(w: World) -> dict[str, str]:  # C
    return {"product_id": w.product_id, "variant_id": w.variant_id}


def _plan(w: World) -> dict[str, str]:  # C
    return {"product_id": w.product_id, "plan_id": w.plan_id}
def _lesson(kind: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"lesson_id": w.lessons[kind]}


# (endpoint, method) -> what each role gets
EXPECTED: dict[tuple[str, str], Row] = {
    ("staff.index", "GET"): Row(expect(OK, OK, OK, OK)),
    # the review queue (catalog_own: creators see the courses attributed to them)
    ("staff.submissions", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.submissions_bulk", "POST"): Row(expect(OK, OK, OK, NO),
                                            data=lambda w: {"action": "review", "ids": w.submission_id}),
    ("staff.submission", "GET"): Row(expect(OK, OK, OK, NO), args=_submission),
    ("staff.submission", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_submission,
                                      data=lambda w: {"feedback": "Well done."}),
    ("staff.submission_file", "GET"): Row(expect(OK, OK, OK, NO), args=_submission),
    # earnings (own_earnings: everyone their own; a revenue line: its employee's, and admins')
    ("staff.earnings", "GET"): Row(expect(OK, OK, OK, OK)),
    ("staff.earnings_statement", "GET"): Row(expect(OK, OK, OK, OK)),
    ("staff.earnings_line", "GET"): Row(expect(OK, MISSING, OK, MISSING),
                                        args=lambda w: {"row_id": w.revenue_line_id}),
    ("staff.record_payout", "POST"): Row(expect(DONE, MISSING, NO, MISSING), args=lambda w: {"employee_id": w.earner_id},
                                         data=lambda w: {"currency_code": "EUR", "amount": "1.00",
                                                         "method": "bank_transfer"}),
    ("staff.reverse_payout", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"payout_id": w.payout_id}),
    ("staff.reports_page", "GET"): Row(expect(OK, NO, NO, NO)),
    # a product's shares (catalog_all edits; a creator attributed to the product reads)
    ("staff.product_attributions", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product_attribution_set", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                   args=lambda w: {"product_id": w.product_id},
                                                   data=lambda w: {"employee_id": w.employee_id, "percent": "1",
                                                                   "attribution_type": "reviewer"}),
    ("staff.product_attribution_end", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                   args=lambda w: {"product_id": w.product_id,
                                                                   "attribution_id": w.attribution_id}),
    # the audit log (org_settings: admins)
    ("staff.audit", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.audit_entry", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"entry_id": w.audit_entry_id}),
    # orders (orders_view reads, orders changes)
    ("staff.orders", "GET"): Row(expect(OK, OK, NO, OK)),
    ("staff.order", "GET"): Row(expect(OK, OK, NO, OK), args=lambda w: {"order_id": w.order_id}),
    ("staff.order_refund", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"order_id": w.order_id},
                                        data=lambda w: {"kind": "items", "items": w.download_item,
                                                        "reason": "Wrong file"}),
    ("staff.order_cancel", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"order_id": w.pending_order_id}),
    ("staff.order_item_ship", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           args=lambda w: {"order_id": w.order_id, "item_id": w.mug_item},
                                           data=lambda w: {"note": "DHL 123"}),
    ("staff.order_item_done", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           args=lambda w: {"order_id": w.order_id, "item_id": w.coaching_item}),
    # members and employees (invite: admins and managers; roles and removal: admins)
    ("staff.members", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.members_view", "GET"): Row(expect(OK, OK, NO, NO), args=_member),
    ("staff.members_type", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member,
                                        data=lambda w: {"membership_type": "customer"}),
    ("staff.members_deactivate", "POST"): Row(expect(OK, OK, NO, NO), args=_member),  # asks first
    ("staff.members_reactivate", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member),
    ("staff.employees", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.employees_view", "GET"): Row(expect(OK, OK, NO, NO), args=_employee),
    ("staff.employees_role", "POST"): Row(expect(DONE, NO, NO, NO), args=_employee,
                                          data=lambda w: {"role": "creator"}),
    ("staff.employees_remove", "POST"): Row(expect(OK, NO, NO, NO), args=_employee),  # asks first
    # invitations (invite: admins and managers; approving an employee invitation: admins)
    ("staff.invitations", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.employee_invitations", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_member", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_member", "POST"): Row(expect(DONE, DONE, NO, NO),
                                         data=lambda w: {"email": f"{unique('new')}@example.com",
                                                         "membership_type": "learner", "days": "14"}),
    ("staff.invite_members_bulk", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_members_bulk", "POST"): Row(expect(OK, OK, NO, NO),  # answers with the report
                                               data=lambda w: {"emails": f"{unique('bulk')}@example.com",
                                                               "membership_type": "learner", "days": "14"}),
    ("staff.invite_employee", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.invite_employee", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           data=lambda w: {"email": f"{unique('hire')}@example.com",
                                                           "role": "staff", "days": "14"}),
    ("staff.resend_member_invitation", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member_invitation("resend")),
    ("staff.cancel_member_invitation", "POST"): Row(expect(DONE, DONE, NO, NO), args=_member_invitation("cancel")),
    ("staff.approve_employee_invitation", "POST"): Row(expect(DONE, NO, NO, NO),
                                                       args=_employee_invitation("approve")),
    ("staff.decline_employee_invitation", "POST"): Row(expect(DONE, NO, NO, NO),
                                                       args=_employee_invitation("decline")),
    ("staff.resend_employee_invitation", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                      args=_employee_invitation("resend")),
    ("staff.cancel_employee_invitation", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                      args=_employee_invitation("cancel")),
    # the org's emails (org_settings: admins)
    ("staff.emails", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.email_retry", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"email_id": w.failed_email_id}),
    # A: products (catalog_own: creators the products attributed to them) and collections (catalog_all)
    ("staff.products", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.product_new", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.product_new", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                       data=lambda w: {"type": "service", "name": "Coaching", "slug": unique("coach")}),
    ("staff.product", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: {"product_id": w.product_id},
                                   data=lambda w: {"name": "Python Course", "slug": w.product_slug,
                                                   "level": "beginner", "difficulty": "3"}),
    ("staff.product_duplicate", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product_status", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: {"product_id": w.product_id},
                                          data=lambda w: {"to": "archived"}),
    ("staff.collections", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.collection_new", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.collection_new", "POST"): Row(expect(DONE, DONE, NO, NO),
                                          data=lambda w: {"name": "Picks", "slug": unique("picks")}),
    ("staff.collection", "GET"): Row(expect(OK, OK, NO, NO), args=lambda w: {"collection_id": w.collection_id}),
    ("staff.collection", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"collection_id": w.collection_id},
                                      data=lambda w: {"name": "Featured", "slug": w.collection_slug}),
    ("staff.collection_add", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"collection_id": w.collection_id},
                                          data=lambda w: {"product_id": w.product_id}),
    ("staff.collection_move", "POST"): Row(expect(DONE, DONE, NO, NO),
                                           args=lambda w: {"collection_id": w.collection_id,
                                                           "link_id": w.collection_link_id},
                                           data=lambda w: {"direction": "down"}),
    ("staff.collection_remove", "POST"): Row(expect(DONE, DONE, NO, NO),
                                             args=lambda w: {"collection_id": w.collection_id,
                                                             "link_id": w.collection_link_id}),
    # B: images and files (a product's media tab: catalog_own on the creator's products; the
    # signed-in employee's own photo: everyone; brand logos: org_settings)
    ("staff.product_media", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: _media(w, "course")),
    ("staff.product_media_cover", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: _media(w, "course"),
                                               data=lambda w: {"image": (io.BytesIO(_png()), "cover.png"),
                                                               "alt_text": "A cover"}),
    ("staff.product_media_cover_remove", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                      args=lambda w: _media(w, "course")),
    ("staff.product_media_file", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: _media(w, "download"),
                                              data=lambda w: {"file": (io.BytesIO(b"%PDF-1.4"), "book.pdf")}),
    ("staff.product_media_file_remove", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                     args=lambda w: _media(w, "download")),
    ("staff.profile_photo", "GET"): Row(expect(OK, OK, OK, OK)),
    ("staff.profile_photo", "POST"): Row(expect(DONE, DONE, DONE, DONE),
                                         data=lambda w: {"image": (io.BytesIO(_png()), "me.png"), "alt_text": "Me"}),
    ("staff.profile_photo_remove", "POST"): Row(expect(DONE, DONE, DONE, DONE)),
    ("staff.brands", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.brand_logo", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"brand_id": w.media["brand"]},
                                      data=lambda w: {f"brand-{w.media['brand']}-image": (io.BytesIO(_png()), "l.png"),
                                                      f"brand-{w.media['brand']}-alt_text": "Logo"}),
    ("staff.brand_logo_remove", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"brand_id": w.media["brand"]}),
    # C: variants, payment plans and the price matrix (require_product_editor: catalog_all, or
    # catalog_own for the products attributed to the creator)
    ("staff.product_plans", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product_variant_add", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                               args=lambda w: {"product_id": w.product_id},
                                               data=lambda w: {"new-name": unique("Variant")}),
    ("staff.product_variant_edit", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_variant,
                                                data=lambda w: {f"v-{w.variant_id}-name": "Standard",
                                                                f"v-{w.variant_id}-is_default": "y",
                                                                f"v-{w.variant_id}-is_active": "y"}),
    ("staff.product_variant_move", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_variant,
                                                data=lambda w: {"direction": "down"}),
    ("staff.product_plan_add", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_variant,
                                            data=lambda w: {f"p-{w.variant_id}-type": "one_time",
                                                            f"p-{w.variant_id}-name": "Extra",
                                                            f"p-{w.variant_id}-access_tier": "1"}),
    ("staff.product_plan", "GET"): Row(expect(OK, OK, OK, NO), args=_plan),
    ("staff.product_plan", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_plan,
                                        data=lambda w: {"name": "Basic", "access_tier": "1", "allow_gift_cards": "y"}),
    ("staff.product_plan_active", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_plan,
                                               data=lambda w: {"active": "1"}),
    ("staff.product_prices", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product_prices", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: {"product_id": w.product_id},
                                          data=lambda w: {f"price-{w.plan_id}.{w.market_id}": "49.00"}),
    ("staff.product_price_cell", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                              args=lambda w: {"product_id": w.product_id, "plan_id": w.plan_id,
                                                              "market_id": w.market_id},
                                              data=lambda w: {f"price-{w.plan_id}.{w.market_id}": "45.00"}),
    # D: the course builder and its preview (require_product_editor: admins, managers, the attributed creator)
    ("staff.course_builder", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: _course(w)),
    ("staff.course_builder_add_module", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: _course(w),
                                                     data=lambda w: {"title": "Extra", "tier": "1"}),
    ("staff.course_builder_add_section", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                      args=lambda w: _course(w, module_id="module"),
                                                      data=lambda w: {"title": "More", "tier": "2"}),
    ("staff.course_builder_add_lesson", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                     args=lambda w: _course(w, section_id="section"),
                                                     data=lambda w: {"title": "New lesson", "type": "text"}),
    ("staff.course_builder_library", "GET"): Row(expect(OK, OK, OK, NO),
                                                 args=lambda w: _course(w, section_id="section")),
    ("staff.course_builder_title", "GET"): Row(expect(OK, OK, OK, NO),
                                               args=lambda w: _course(w, kind="module", item_id="module")),
    ("staff.course_builder_title", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                args=lambda w: _course(w, kind="module", item_id="module"),
                                                data=lambda w: {"title": "Renamed"}),
    ("staff.course_builder_access", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                 args=lambda w: _course(w, kind="section", item_id="section"),
                                                 data=lambda w: {"tier": "2"}),
    ("staff.course_builder_move", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                               args=lambda w: _course(w, kind="placement", item_id="move"),
                                               data=lambda w: {"direction": "down"}),
    ("staff.course_builder_delete", "POST"): Row(expect(DONE, DONE, DONE, NO),
                                                 args=lambda w: _course(w, kind="placement", item_id="delete"),
                                                 data=lambda w: {"confirmed": "1"}),
    ("staff.course_builder_preview", "GET"): Row(expect(DONE, DONE, DONE, NO),
                                                 args=lambda w: {**_course(w), "tier": "2", "storefront": "eu/de"}),
    # E: the lesson library and editors (catalog_own; the creator may edit the lessons of their course)
    ("staff.lessons", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.lesson_new", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.lesson_new", "POST"): Row(expect(DONE, DONE, DONE, NO), data=lambda w: {"title": "New", "type": "text"}),
    ("staff.lesson_edit", "GET"): Row(expect(OK, OK, OK, NO), args=_lesson("text")),
    ("staff.lesson_edit", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_lesson("text"),
                                       data=lambda w: {"title": "Welcome", "content": "Hello"}),
    ("staff.lesson_preview", "POST"): Row(expect(OK, OK, OK, NO), args=_lesson("text"),
                                          data=lambda w: {"content": "**Hi**"}),
    ("staff.lesson_captions", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_lesson("video"),
                                           data=lambda w: {"captions": (io.BytesIO(b"WEBVTT\n"), "c.vtt")}),
    ("staff.lesson_file", "POST"): Row(expect(DONE, DONE, DONE, NO), args=_lesson("file"),
                                       data=lambda w: {"file": (io.BytesIO(b"%PDF-1.4"), "sheet.pdf")}),
    ("staff.lesson_question_new", "POST"): Row(
        expect(DONE, DONE, DONE, NO), args=_lesson("quiz"),
        data=lambda w: {"prompt": "New?", "kind": "single", "choice-0-text": "Yes", "choice-0-correct": "1",
                        "choice-1-text": "No"}),
    ("staff.lesson_question", "POST"): Row(
        expect(DONE, DONE, DONE, NO), args=lambda w: {"lesson_id": w.lessons["quiz"], "question_id": w.lessons["question"]},
        data=lambda w: {"prompt": "Edited?", "kind": "multiple", "choice-0-text": "Yes", "choice-0-correct": "1",
                        "choice-1-text": "No"}),
    ("staff.lesson_question_move", "POST"): Row(
        expect(DONE, DONE, DONE, NO), args=lambda w: {"lesson_id": w.lessons["quiz"], "question_id": w.lessons["question"]},
        data=lambda w: {"direction": "down"}),
    # F: search and sharing, content translations (require_product_editor: the creator is attributed)
    ("staff.product_seo", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product_seo", "POST"): Row(expect(DONE, DONE, DONE, NO), args=lambda w: {"product_id": w.product_id},
                                       data=lambda w: {"title": "Learn Python", "robots_directive": "index,follow",
                                                       "og_type": "product"}),
    ("staff.product_seo_preview", "POST"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id},
                                               data=lambda w: {"title": "Learn Python"}),
    ("staff.product_translations", "GET"): Row(expect(OK, OK, OK, NO), args=lambda w: {"product_id": w.product_id}),
    ("staff.product_translation_save", "POST"): Row(
        expect(DONE, DONE, DONE, NO),
        args=lambda w: {"product_id": w.product_id, "locale": "de", "kind": "product", "row_id": w.product_id},
        data=lambda w: {f"product-{w.product_id}-name": "Python-Kurs"}),
    ("staff.translations", "GET"): Row(expect(OK, OK, OK, NO)),
    ("staff.collection_translations", "GET"): Row(expect(OK, OK, NO, NO),
                                                  args=lambda w: {"collection_id": w.collection_id}),
    ("staff.collection_translation_save", "POST"): Row(
        expect(DONE, DONE, NO, NO),
        args=lambda w: {"collection_id": w.collection_id, "locale": "de", "kind": "collection",
                        "row_id": w.collection_id},
        data=lambda w: {f"collection-{w.collection_id}-name": "Empfohlen"}),
    ("staff.skill_translations", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.skill_translation_save", "POST"): Row(
        expect(DONE, DONE, NO, NO), args=lambda w: {"locale": "de", "kind": "skill", "row_id": w.skill_id},
        data=lambda w: {f"skill-{w.skill_id}-name": "Testen"}),
    # G: tax (org_settings: admins)
    ("staff.tax", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.tax_category_new", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.tax_category_new", "POST"): Row(expect(DONE, NO, NO, NO),
                                            data=lambda w: {"code": unique("cat"), "name": "Reduced"}),
    ("staff.tax_category", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"category_id": w.tax["category"]}),
    ("staff.tax_category", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"category_id": w.tax["category"]},
                                        data=lambda w: {"code": w.tax["category_code"], "name": "Renamed"}),
    ("staff.tax_region_new", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.tax_region_new", "POST"): Row(expect(DONE, NO, NO, NO),
                                          data=lambda w: {"country_code": "ES", "name": "Spain"}),
    ("staff.tax_region", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"region_id": w.tax["region"]}),
    ("staff.tax_region", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"region_id": w.tax["region"]},
                                      data=lambda w: {"country_code": "DE", "name": "Deutschland"}),
    ("staff.tax_rate_new", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.tax_rate_new", "POST"): Row(expect(DONE, NO, NO, NO),
                                        data=lambda w: {"category": w.tax["category"], "region": w.tax["free_region"],
                                                        "name": "VAT", "type": "percent", "percent": "20"}),
    ("staff.tax_rate", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"rate_id": w.tax["rate"]}),
    ("staff.tax_rate", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"rate_id": w.tax["rate"]},
                                    data=lambda w: {"name": "VAT 21", "type": "percent", "percent": "21"}),
    ("staff.tax_rate_end", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"rate_id": w.tax["ending_rate"]}),
    ("staff.tax_preview_page", "GET"): Row(expect(OK, NO, NO, NO),
                                           args=lambda w: {"price": "10", "category": w.tax["category"]}),
    # H: gift cards (gift_cards: admins, managers, staff) and promotions (catalog_all: admins, managers)
    ("staff.giftcards", "GET"): Row(expect(OK, OK, NO, OK)),
    ("staff.giftcards_new", "GET"): Row(expect(OK, OK, NO, OK)),
    ("staff.giftcards_new", "POST"): Row(expect(DONE, DONE, NO, DONE),
                                         data=lambda w: {"count": "2", "amount": "10", "currency_code": w.currency}),
    # without a batch issued in this session: back to the list (303), and no CSV (404)
    ("staff.giftcards_issued", "GET"): Row(expect(DONE, DONE, NO, DONE)),
    ("staff.giftcards_issued_csv", "GET"): Row(expect(MISSING, MISSING, NO, MISSING)),
    ("staff.giftcards_card", "GET"): Row(expect(OK, OK, NO, OK), args=lambda w: {"card_id": w.gift_card_id}),
    ("staff.giftcards_disable", "POST"): Row(expect(DONE, DONE, NO, DONE), args=lambda w: {"card_id": w.gift_card_id}),
    ("staff.giftcards_enable", "POST"): Row(expect(DONE, DONE, NO, DONE), args=lambda w: {"card_id": w.gift_card_id}),
    ("staff.promotions", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.promotions_new", "GET"): Row(expect(OK, OK, NO, NO)),
    ("staff.promotions_new", "POST"): Row(expect(DONE, DONE, NO, NO),
                                          data=lambda w: {"code": unique("code").upper(), "name": "New",
                                                          "type": "percent", "value": "5"}),
    ("staff.promotions_edit", "GET"): Row(expect(OK, OK, NO, NO), args=lambda w: {"discount_id": w.discount_id}),
    ("staff.promotions_edit", "POST"): Row(expect(DONE, DONE, NO, NO), args=lambda w: {"discount_id": w.discount_id},
                                           data=lambda w: {"code": "ROLES", "name": "Roles", "type": "percent",
                                                           "value": "15", "is_active": "y"}),
    ("staff.promotions_deactivate", "POST"): Row(expect(DONE, DONE, NO, NO),
                                                 args=lambda w: {"discount_id": w.discount_id}),
    ("staff.promotions_activate", "POST"): Row(expect(DONE, DONE, NO, NO),
                                               args=lambda w: {"discount_id": w.discount_id}),
    # I: brands (create, edit) and the org's locales (org_settings: admins)
    ("staff.brand_new", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.brand_new", "POST"): Row(expect(DONE, NO, NO, NO),
                                     data=lambda w: {"name": "New Brand", "slug": unique("new-brand"),
                                                     "primary_color": "#4f46e5", "tagline": "Learn."}),
    ("staff.brand_edit", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"brand_id": w.settings["brand"]}),
    ("staff.brand_edit", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"brand_id": w.settings["brand"]},
                                      data=lambda w: {"name": "Renamed", "slug": w.settings["brand_slug"],
                                                      "primary_color": "#0f766e", "tagline": ""}),
    ("staff.locales", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.locales_add", "POST"): Row(expect(DONE, NO, NO, NO), data=lambda w: {"locale_key": "it"}),
    ("staff.locales_default", "POST"): Row(expect(DONE, NO, NO, NO), data=lambda w: {"default_locale_key": "en"}),
    ("staff.locales_remove", "POST"): Row(expect(DONE, NO, NO, NO),
                                          args=lambda w: {"locale_key": w.settings["unused_locale"]}),
    # I: markets (org_settings: admins)
    ("staff.markets", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.market_new", "GET"): Row(expect(OK, NO, NO, NO)),
    ("staff.market_new", "POST"): Row(expect(DONE, NO, NO, NO),
                                      data=lambda w: {"name": "Japan", "slug": unique("japan"),
                                                      "type": "single_country", "currency_code": "JPY",
                                                      "locales": ["en"], "default_locale_key": "en",
                                                      "countries": ["JP"]}),
    ("staff.market", "GET"): Row(expect(OK, NO, NO, NO), args=lambda w: {"market_id": w.market_id}),
    ("staff.market", "POST"): Row(expect(DONE, NO, NO, NO), args=lambda w: {"market_id": w.market_id},
                                  data=lambda w: w.market_form),
    # T20E: background CSV exports (app/staff/exports.py): only the employee who started one (in
    # their session) sees it; an unknown or someone else's export is 404 for everyone
    ("staff.export", "GET"): Row(expect(MISSING, MISSING, MISSING, MISSING), args=lambda w: {"job_id": "no-such-job"}),
    ("staff.export_file", "GET"): Row(expect(MISSING, MISSING, MISSING, MISSING),
                                      args=lambda w: {"job_id": "no-such-job"}),
}


def _course(w: World, kind: str | None = None, **parts: str) -> dict[str, str]:
    """D: URL arguments of the academy's course: ``product_id``, ``kind`` and the named parts."""
    args = {"product_id": w.course["product"], **{arg: w.course[key] for arg, key in parts.items()}}
    return {**args, "kind": kind} if kind else args

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def dashboard_endpoints(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every route of the ``staff`` blueprint."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")
        for method in rule.methods - IGNORED_METHODS
    }


def test_every_dashboard_endpoint_has_a_row(app):
    routes = dashboard_endpoints(app)
    missing = sorted(routes - set(EXPECTED))
    assert not missing, (
        "Dashboard endpoints without a row in EXPECTED (tests/staff/test_endpoint_roles.py): "
        + ", ".join(f"{endpoint} {method}" for endpoint, method in missing)
        + ". Add what admin, manager, creator and staff get."
    )
    stale = sorted(set(EXPECTED) - routes)
    assert not stale, f"EXPECTED rows for endpoints that no longer exist: {stale}"
    for key, row in EXPECTED.items():
        assert set(row.status) == set(ROLES), key
        assert all(row.status[role] in (OK, DONE, NO, MISSING) for role in ROLES), key


@pytest.fixture
def world(app, academy, tmp_path) -> World:
    """The academy with a manager, a learner's submission with a file, an audit entry, and the
    admin of another org."""
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    app.extensions.pop("volmify_storage", None)  # E: lesson uploads go there too (app.platform.storage)
    learner = app.test_client()
    assert learner.post("/account/login", data={"email": academy.learner_email, "password": PASSWORD}
                        ).status_code in (302, 303)
    r = learner.post(academy.lesson_url(academy.assignment, "/assignment"),
                     data={"body": "My answer", "file": (io.BytesIO(b"%PDF-1.4 notes"), "notes.pdf")},
                     content_type="multipart/form-data")
    assert r.status_code == 303
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        manager = make_employee(org, make_user(f"{unique('manager')}@example.com"), role="manager")
        admin_user = db.session.scalar(sa.select(User).where(User.email == academy.admin_email))
        entry_category = create_category(org, code=unique("cat"), name="Audited", by=get_employee(org, admin_user))
        entry_id = db.session.scalar(sa.select(OrgAuditLog.id).where(OrgAuditLog.entity_id == entry_category.id))
        other = make_org()
        outsider = make_employee(other, make_user(f"{unique('outsider')}@example.com"), role="admin")
        submission_id = db.session.scalar(
            sa.select(OrgMemberAssignmentSubmission.id).where(OrgMemberAssignmentSubmission.member_id == academy.member_id)
        )
        admin = get_employee(org, admin_user)
        plain_member = make_member(org, make_user(f"{unique('member')}@example.com"))
        target = make_employee(org, make_user(f"{unique('creator')}@example.com"), role="creator")
        creator = get_employee(org, db.session.scalar(sa.select(User).where(User.email == academy.creator_email)))
        orders = _orders(org, db.session.get(OrgMember, academy.member_id), creator=creator, by=admin)
        member_invitations = {which: invite_member(org, email=f"{unique(which)}@example.com", invited_by=admin).id
                              for which in ("resend", "cancel")}
        employee_invitations = {}
        for which in ("approve", "decline", "resend", "cancel"):
            invitation = invite_employee(org, email=f"{unique(which)}@example.com", role="staff", invited_by=manager)
            if which in ("resend", "cancel"):
                approve_employee_invitation(invitation, approver=admin)
            employee_invitations[which] = invitation.id
        failed = queue_email("bounced@example.com", "Your receipt", "Body", kind="receipt", org_id=org.id)
        failed.status, failed.attempts, failed.error = "failed", MAX_ATTEMPTS, "550 mailbox unavailable"
        emails = {
            "admin": academy.admin_email, "manager": manager.member.user_profile.user.email,
            "creator": academy.creator_email, "staff": academy.staff_email,
            "other_org": outsider.member.user_profile.user.email, "member": academy.learner_email,
        }
        catalog_rows = _catalog(org, academy.product_id)  # A
        lessons = _lessons(org, academy, admin)  # E
        world = World(org_slug=academy.org_slug, other_org_slug=other.slug, emails=emails, lessons=lessons,
                      submission_id=submission_id, audit_entry_id=entry_id, member_id=plain_member.id,
                      employee_id=target.id, member_invitations=member_invitations,
                      employee_invitations=employee_invitations, failed_email_id=failed.id,
                      revenue_line_id=db.session.scalar(sa.select(Revenue.id).where(
                          Revenue.order_item_id == orders["download_item"])),
                      attribution_id=db.session.scalar(sa.select(OrgEmployeeProductAttribution.id).where(
                          OrgEmployeeProductAttribution.product_id == academy.product_id,
                          OrgEmployeeProductAttribution.employee_id == creator.id)),
                      earner_id=creator.id, payout_id=record_payout(
                          creator, amount=Decimal("0.50"), currency_code="EUR", method="paypal", by=admin).id,
                      **{**orders, **catalog_rows, **_priced_course(academy)},
                      media=_media_world(org, academy.product_id, academy.creator_email),
                      tax=_tax(org, entry_category))
        # H: a gift card and a discount code
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        batch = issue_gift_cards(org, count=1, amount="25", currency_code=market.currency_code, by=admin)
        discount = create_promotion(org, code="ROLES", name="Roles", type="percent", value="10", by=admin)
        world = replace(world, gift_card_id=batch_cards(org, batch.batch_id)[0].id,
                        discount_id=discount.id, currency=market.currency_code)
        world = replace(world, course=_course_parts(academy))  # D
        brand = make_brand(org, name="Settings Brand")  # I
        add_org_locale(org, "pt", by=admin)
        world = replace(world, settings={"brand": brand.id, "brand_slug": brand.slug, "unused_locale": "pt"})
        world = replace(world, market_form=_market_form(db.session.get(OrgMarket, world.market_id)))  # I
        db.session.commit()
    return world


def _catalog(org: Org, product_id: str) -> dict[str, str]:
    """A: the academy's course and a collection "featured" holding another product."""
    product = db.session.get(OrgProduct, product_id)
    admin = org_admin(org)
    collection = create_collection(org, slug=unique("featured"), name="Featured", by=admin)
    link = add_to_collection(collection, make_product(org, slug=unique("listed")), by=admin)
    skill = Skill(slug=unique("skill"), name="Testing")  # taught by a course no other row edits
    db.session.add(skill)
    db.session.flush()
    make_course(org, module_tiers=(), skill_slugs=(skill.slug,))
    return {"product_id": product.id, "product_slug": product.slug, "collection_id": collection.id,
            "collection_slug": collection.slug, "collection_link_id": link.id, "skill_id": skill.id}


def _course_parts(academy) -> dict[str, str]:
    """D: the academy's course, its first module and section, a placement to move (no progress)
    and one to delete (tier 2, no progress)."""
    placement = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1)
    return {"product": academy.product_id, "module": placement.section.module_id, "section": placement.section_id,
            "move": academy.text2, "delete": academy.locked_assignment}


def _lessons(org: Org, academy, admin) -> dict[str, str]:
    """E: lessons of the academy's course (so its creator may edit them), one of each type."""
    first = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1)
    quiz = db.session.get(OrgProductCourseModuleSectionLesson, academy.quiz)
    section = first.section
    video = place_lesson(section, make_lesson(org, type="video"), by=admin).lesson
    file = place_lesson(section, make_lesson(org, type="file"), by=admin).lesson
    return {"text": first.lesson_id, "quiz": quiz.lesson_id, "question": academy.q_single, "video": video.id,
            "file": file.id}


def _orders(org: Org, member: OrgMember, *, creator, by) -> dict[str, str]:
    """A paid order of a download and a mug (half of each the creator's) and a coaching call, and
    an order awaiting payment."""
    market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
    plans = {kind: (make_priced_plan(market, product=product, price=Decimal("10.00")), product)
             for kind, product in (("download", make_product(org, type="digital_download")),
                                   ("mug", make_product(org, type="physical")),
                                   ("coaching", make_product(org, type="service")))}
    for kind in ("download", "mug"):  # the mug's share stays owed after the download's refund row
        set_attribution(plans[kind][1], creator, percent=Decimal("50"), by=by)
    paid = buy(org, member, market, list(plans.values()))
    items = {item.product_id: item.id for item in paid.items}
    pending = buy(org, member, market, [plans["download"]], pay=False)
    return {"order_id": paid.id, "pending_order_id": pending.id,
            **{f"{kind}_item": items[product.id] for kind, (_plan, product) in plans.items()}}


def _priced_course(academy) -> dict[str, str]:  # C
    product = db.session.get(OrgProduct, academy.product_id)
    plan = product.default_variant.plans[0]
    return {"product_id": product.id, "variant_id": plan.variant_id, "plan_id": plan.id,
            "market_id": plan.market_prices[0].market_id}
def _market_form(market: OrgMarket) -> dict[str, Any]:  # I
    """The market's page form as it is (saving it changes nothing)."""
    return {"name": market.name, "slug": market.slug, "type": market.type, "currency_code": market.currency_code,
            "locales": market.locale_keys, "default_locale_key": market.default_locale_key,
            "countries": market.country_codes, "domains": "\n".join(market.hosts),
            "tax_inclusive": "y" if market.tax_inclusive else "", "is_active": "y" if market.is_active else "",
            "brand": market.brand_id or "",
            **{f"country_locale-{c}": key for c, key in market.country_locale_overrides.items()}}


def _tax(org: Org, category) -> dict[str, str]:
    """G: a region with a rate to change, one with a rate to end, one without rates."""
    germany, austria, france = (make_region(org, code) for code in ("DE", "AT", "FR"))
    start = utcnow() - timedelta(days=30)
    rate = make_tax_rate(org, category=category, region=germany, effective_from=start)
    ending = make_tax_rate(org, category=category, region=austria, effective_from=start)
    return {"category": category.id, "category_code": category.code, "region": germany.id, "rate": rate.id,
            "ending_rate": ending.id, "free_region": france.id}


def _client(app, email: str):
    client = app.test_client()
    r = client.post("/account/login", data={"email": email, "password": PASSWORD})
    assert r.status_code in (302, 303), email
    return client


def _url(app, endpoint: str, org_slug: str, args: dict[str, Any]) -> str:
    with app.test_request_context():
        return url_for(endpoint, org_slug=org_slug, **args)


def _call(client, method: str, url: str, row: Row, w: World):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data=row.data(w) if row.data else {})


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_permission_matrix_says(app, world, role):
    """Every row as ``role``, in a world of its own (the rows that change something change a row
    no other row uses, so their order does not matter)."""
    client = _client(app, world.emails[role])
    wrong = []
    for (endpoint, method), row in sorted(EXPECTED.items()):
        url = _url(app, endpoint, world.org_slug, row.args(world))
        status = _call(client, method, url, row, world).status_code
        if status != row.status[role]:
            wrong.append(f"{role} {method} {endpoint}: {status}, expected {row.status[role]}")
    assert not wrong, "\n".join(wrong)


def test_another_orgs_employee_finds_none_of_this_orgs_rows_on_their_own_dashboard(app, world):
    """The other org's admin (allowed everything on their own dashboard) asks it for this org's rows."""
    outsider = _client(app, world.emails["other_org"])
    checked = 0
    for (endpoint, method), row in sorted(EXPECTED.items()):
        args = row.args(world)
        if not args:
            continue
        url = _url(app, endpoint, world.other_org_slug, args)
        status = _call(outsider, method, url, row, world).status_code
        assert status == MISSING, f"{method} {endpoint} with this org's rows: {status}"
        checked += 1
    assert checked >= 4
