"""The dashboard's products (app/staff/products.py, app/catalog/products.py): the list with its
filters, search, CSV and a fixed query count; creating the four types with their own fields;
editing; bad input on the field; who may do what (a creator their own products, and the ones they
create); the status workflow with the publishing checklist; duplicating."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.catalog import products as product_rules
from app.catalog import services as catalog
from app.catalog.models import (
    OrgEmployeeProductAttribution,
    OrgProduct,
    OrgProductTranslation,
    OrgProductVariant,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanMarketPrice,
)
from app.courses.models import (
    OrgProductCourse,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseSkill,
)
from app.db import new_id, utcnow
from app.errors import InvalidTransitionError, PermissionDeniedError
from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgAuditLog, OrgEmployee
from app.platform.models import Skill
from tests.factories import (
    PASSWORD,
    make_lesson,
    make_market,
    make_priced_plan,
    make_product,
    make_tax_category,
    org_admin,
    unique,
)
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

ROW = re.compile(r'<tr data-product="([a-z0-9-]+)" data-status="(\w+)">')


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def slugs(html: str) -> list[str]:
    return [m.group(1) for m in ROW.finditer(html)]


def _employee(org_id: str, email: str) -> OrgEmployee:
    from app.accounts.models import User
    from app.orgs.services import get_employee

    user = db.session.scalar(sa.select(User).where(User.email == email))
    return get_employee(db.session.get(Org, org_id), user)


def _product(slug: str) -> OrgProduct:
    return db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == slug))


def _skill(name: str) -> Skill:
    skill = Skill(slug=unique(name.lower()), name=name)
    db.session.add(skill)
    db.session.flush()
    return skill


# ---- the list -------------------------------------------------------------------------------------

@pytest.fixture
def shelf(app, academy):
    """Besides the academy's course (attributed to its creator): a draft download and an archived
    service, both not attributed to anyone."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        make_product(org, type="digital_download", name="Zebra Patterns", slug="zebra-patterns", status="draft")
        make_product(org, type="service", name="Coaching Hour", slug="coaching-hour", status="archived")
        course = db.session.get(OrgProduct, academy.product_id)
        collection = catalog.create_collection(org, slug="featured", name="Featured", by=org_admin(org))
        catalog.add_to_collection(collection, course, by=org_admin(org))
        db.session.commit()
        return {"course": course.slug, "collection": collection.id,
                "creator": _employee(academy.org_id, academy.creator_email).id}


def test_admins_see_every_product_creators_only_their_own_staff_none(app, login, academy, shelf):
    url = f"{academy.dashboard}/products?sort=name"
    admin = _as(app, login, academy.admin_email)
    assert slugs(text(admin.get(url))) == ["coaching-hour", shelf["course"], "zebra-patterns"]
    creator = _as(app, login, academy.creator_email)
    html = text(creator.get(url))
    assert slugs(html) == [shelf["course"]]
    assert 'data-nav="products"' in html
    other = _as(app, login, academy.other_creator_email)
    assert slugs(text(other.get(url))) == []
    staff = _as(app, login, academy.staff_email)
    assert staff.get(url).status_code == 403
    assert 'data-nav="products"' not in text(staff.get(academy.dashboard + "/"))


def test_filters_and_search_narrow_the_list(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    base = f"{academy.dashboard}/products?sort=name"
    assert slugs(text(admin.get(f"{base}&type=service"))) == ["coaching-hour"]
    assert slugs(text(admin.get(f"{base}&status=draft"))) == ["zebra-patterns"]
    assert slugs(text(admin.get(f"{base}&collection={shelf['collection']}"))) == [shelf["course"]]
    assert slugs(text(admin.get(f"{base}&creator={shelf['creator']}"))) == [shelf["course"]]
    assert slugs(text(admin.get(f"{base}&q=zebra"))) == ["zebra-patterns"]
    assert slugs(text(admin.get(f"{base}&q=ZEBRA-pat"))) == ["zebra-patterns"]
    # an unknown filter value is no filter, never a 500
    assert len(slugs(text(admin.get(f"{base}&type=ebook&collection=nope")))) == 3


def test_the_csv_holds_the_filtered_rows_with_creators(app, login, academy, shelf):
    admin = _as(app, login, academy.admin_email)
    r = admin.get(f"{academy.dashboard}/products?sort=name&format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Name", "Slug", "Type", "Status", "Creators"]
    assert [row[1] for row in rows[1:]] == ["coaching-hour", shelf["course"], "zebra-patterns"]
    course = next(row for row in rows if row[1] == shelf["course"])
    assert course[2] == "Course" and course[3] == "Published" and course[4]  # the creator's name
    creator = _as(app, login, academy.creator_email)
    rows = list(csv.reader(io.StringIO(creator.get(f"{academy.dashboard}/products?format=csv").get_data(as_text=True))))
    assert [row[1] for row in rows[1:]] == [shelf["course"]]


def _add_products(org_id: str, count: int, creator_id: str) -> None:
    now = utcnow()
    rows, links = [], []
    for i in range(count):
        pid = new_id()
        rows.append({"id": pid, "org_id": org_id, "slug": f"bulk-{pid[:12]}", "name": f"Bulk {i}", "type": "course",
                     "status": "draft", "created_at": now, "updated_at": now})
        links.append({"id": new_id(), "org_id": org_id, "employee_id": creator_id, "product_id": pid,
                      "revenue_share_percentage": Decimal("0"), "attribution_type": "creator",
                      "effective_from": now, "created_at": now, "updated_at": now})
    db.session.execute(sa.insert(OrgProduct), rows)
    db.session.execute(sa.insert(OrgEmployeeProductAttribution), links)


@pytest.mark.parametrize("role", ["admin", "creator"])
def test_the_query_count_does_not_grow_with_the_products(app, login, academy, shelf, count_queries, role):
    with app.app_context():
        _add_products(academy.org_id, 5, shelf["creator"])
        db.session.commit()
    client = _as(app, login, getattr(academy, f"{role}_email"))
    url = f"{academy.dashboard}/products?per_page=100"
    client.get(url)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    with app.app_context():
        _add_products(academy.org_id, 300, shelf["creator"])
        db.session.commit()
    with count_queries() as many:
        html = text(client.get(url))
    assert len(slugs(html)) == 100
    assert many.count == few.count, str(many)


# ---- creating -------------------------------------------------------------------------------------

def _new(client, academy, **data):
    return client.post(f"{academy.dashboard}/products/new", data=data)


def test_creating_each_type_with_its_own_fields(app, login, academy):
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        category = make_tax_category(org, unique("std"))
        python, data = _skill("Python"), _skill("Data analysis")
        ids = {"category": category.id, "python": python.id, "data": data.id}
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    page = text(admin.get(f"{academy.dashboard}/products/new"))
    for kind in ("course", "digital_download", "service", "physical"):
        assert f'data-type="{kind}"' in page
    form = text(admin.get(f"{academy.dashboard}/products/new?type=course"))
    assert "Difficulty (1-10)" in form and "Python" in form and "Booking note" not in form

    r = _new(admin, academy, type="course", name="Data Science", slug="data-science", description="Learn it.",
             tax_category_id=ids["category"], level="advanced", difficulty="7", duration_minutes="90",
             prerequisites="Basic Python", skill_ids=[ids["python"], ids["data"]])
    assert r.status_code == 303, text(r)
    r = _new(admin, academy, type="service", name="Code review", slug="code-review", booking_note="Book a slot.")
    assert r.status_code == 303
    r = _new(admin, academy, type="physical", name="Mug", slug="mug", weight_grams="350", shipping_note="2 days",
             booking_note="ignored: not a service")
    assert r.status_code == 303
    r = _new(admin, academy, type="digital_download", name="Cheat sheet", slug="cheat-sheet")
    assert r.status_code == 303
    with app.app_context():
        course = _product("data-science")
        assert course.status == "draft" and course.tax_category_id == ids["category"]
        details = db.session.get(OrgProductCourse, course.id)
        assert (details.level, details.difficulty, details.duration_minutes, details.prerequisites) == (
            "advanced", 7, 90, "Basic Python")
        assert {s.skill_id for s in db.session.scalars(sa.select(OrgProductCourseSkill).where(
            OrgProductCourseSkill.course_product_id == course.id))} == {ids["python"], ids["data"]}
        assert _product("code-review").booking_note == "Book a slot."
        mug = _product("mug")
        assert (mug.weight_grams, mug.shipping_note, mug.booking_note) == (350, "2 days", None)
        assert _product("cheat-sheet").type == "digital_download"
        actions = set(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == course.id)))
        assert "product.created" in actions
        assert db.session.scalar(sa.select(OrgAuditLog.id).where(OrgAuditLog.action == "course.created")) is not None
        # admins are not attributed: they may edit every product anyway
        assert db.session.scalar(sa.select(OrgEmployeeProductAttribution.id).where(
            OrgEmployeeProductAttribution.product_id == course.id)) is None
    page = text(admin.get(f"{academy.dashboard}/products/{_id('data-science', app)}"))
    assert 'value="data-science"' in page and "Basic Python" in page


def _id(slug: str, app) -> str:
    with app.app_context():
        return _product(slug).id


@pytest.mark.parametrize("field,data,message", [
    ("slug", {"slug": "taken-slug"}, "Another product already uses the slug"),
    ("name", {"name": "N" * 10_000}, "at most 200 characters"),
    ("name", {"name": "Bad\x00name"}, "characters that are not allowed"),
    ("name", {"name": "   "}, "Name is required"),
    ("slug", {"slug": "Not a slug!"}, "slug"),
    ("difficulty", {"difficulty": "11"}, "from 1 to 10"),
    ("difficulty", {"difficulty": "\x00"}, "characters that are not allowed"),
    ("duration_minutes", {"duration_minutes": "-5"}, "whole minutes"),
    ("skill_ids", {"skill_ids": "no-such-skill"}, "Choose skills from the list"),
    ("tax_category_id", {"tax_category_id": "f" * 32}, "Choose a tax category from the list"),
])
def test_bad_input_gets_a_message_on_its_field_and_keeps_the_rest(app, login, academy, field, data, message):
    with app.app_context():
        make_product(db.session.get(Org, academy.org_id), slug="taken-slug")
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    posted = {"type": "course", "name": "Kept name", "slug": "kept-slug", "description": "Kept description",
              "level": "beginner", "difficulty": "3", **data}
    r = _new(admin, academy, **posted)
    assert r.status_code in (400, 422)
    html = text(r)
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and message in error.group(1).replace("&#34;", '"'), html[html.find("has-error") - 200:][:1500]
    assert "Kept description" in html  # nothing typed is lost
    with app.app_context():
        assert _product("kept-slug") is None


def test_bad_input_on_edit_changes_nothing(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    with app.app_context():
        make_product(db.session.get(Org, academy.org_id), slug="taken-slug", type="physical")
        product = make_product(db.session.get(Org, academy.org_id), slug="mine", type="physical", name="Mine")
        db.session.commit()
        url = f"{academy.dashboard}/products/{product.id}"
    r = admin.post(url, data={"name": "Renamed", "slug": "taken-slug", "weight_grams": "heavy"})
    assert r.status_code == 422
    html = text(r)
    assert "Another product already uses the slug" in html and "whole grams" in html
    assert 'value="Renamed"' in html
    with app.app_context():
        assert _product("mine").name == "Mine"
    r = admin.post(url, data={"name": "Renamed", "slug": "mine", "weight_grams": "1200", "shipping_note": "Fragile"})
    assert r.status_code == 303
    with app.app_context():
        mine = _product("mine")
        assert (mine.name, mine.weight_grams, mine.shipping_note) == ("Renamed", 1200, "Fragile")
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == mine.id,
                                                                OrgAuditLog.action == "product.updated"))
        assert entry.data["after"]["weight_grams"] == 1200 and entry.data["before"]["name"] == "Mine"


# ---- who may edit ---------------------------------------------------------------------------------

def test_a_creator_edits_their_products_only_and_staff_nothing(app, login, academy):
    with app.app_context():
        other = make_product(db.session.get(Org, academy.org_id), slug="not-theirs")
        db.session.commit()
        other_id = other.id
    creator = _as(app, login, academy.creator_email)
    own = f"{academy.dashboard}/products/{academy.product_id}"
    assert creator.get(own).status_code == 200
    assert creator.get(f"{academy.dashboard}/products/{other_id}").status_code == 403
    assert creator.post(f"{academy.dashboard}/products/{other_id}", data={"name": "X", "slug": "x"}).status_code == 403
    assert creator.post(f"{academy.dashboard}/products/{other_id}/status", data={"to": "archived"}).status_code == 403
    assert creator.post(f"{academy.dashboard}/products/{other_id}/duplicate").status_code == 403
    staff = _as(app, login, academy.staff_email)
    assert staff.get(own).status_code == 403
    assert staff.get(f"{academy.dashboard}/products/new").status_code == 403
    assert _new(staff, academy, type="service", name="S", slug="s").status_code == 403
    with app.app_context():
        assert _product("not-theirs").name != "X" and _product("s") is None


def test_a_creator_who_creates_a_product_is_its_creator_at_0_percent_and_goes_on_editing(app, login, academy):
    creator = _as(app, login, academy.creator_email)
    r = _new(creator, academy, type="service", name="Mentoring", slug="mentoring", booking_note="Weekly")
    assert r.status_code == 303
    with app.app_context():
        product = _product("mentoring")
        me = _employee(academy.org_id, academy.creator_email)
        rows = list(db.session.scalars(sa.select(OrgEmployeeProductAttribution).where(
            OrgEmployeeProductAttribution.product_id == product.id)))
        assert [(a.employee_id, a.attribution_type, a.revenue_share_percentage) for a in rows] == [
            (me.id, "creator", Decimal("0"))]
        assert db.session.scalar(sa.select(OrgAuditLog.id).where(
            OrgAuditLog.action == "attribution.set", OrgAuditLog.entity_id == rows[0].id)) is not None
        pid = product.id
    assert r.headers["Location"].endswith(f"/products/{pid}")
    assert creator.get(f"{academy.dashboard}/products/{pid}").status_code == 200
    assert "mentoring" in slugs(text(creator.get(f"{academy.dashboard}/products")))
    r = creator.post(f"{academy.dashboard}/products/{pid}", data={"name": "Mentoring+", "slug": "mentoring",
                                                                   "booking_note": "Bi-weekly"})
    assert r.status_code == 303
    other = _as(app, login, academy.other_creator_email)
    assert other.get(f"{academy.dashboard}/products/{pid}").status_code == 403


def test_the_0_percent_self_attribution_needs_no_all_earnings_but_set_attribution_still_does(app_ctx, academy):
    creator = _employee(academy.org_id, academy.creator_email)
    org = db.session.get(Org, academy.org_id)
    product = catalog.create_product(org, type="course", name="Own", slug=unique("own"), by=creator)
    from app.catalog.attributions import may_edit_product, set_attribution
    assert may_edit_product(creator, product)
    with pytest.raises(PermissionDeniedError):
        set_attribution(product, creator, percent=10, by=creator)


# ---- the status workflow and the checklist ---------------------------------------------------------

def _status(client, academy, pid, to):
    return client.post(f"{academy.dashboard}/products/{pid}/status", data={"to": to})


def test_publishing_a_course_without_a_price_is_refused_with_everything_missing(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    assert _new(admin, academy, type="course", name="Unpriced", slug="unpriced", level="beginner",
                difficulty="2").status_code == 303
    pid = _id("unpriced", app)
    page = text(admin.get(f"{academy.dashboard}/products/{pid}"))
    assert 'data-check="price" data-done="no"' in page
    r = _status(admin, academy, pid, "published")
    assert r.status_code == 422
    html = text(r)
    refused = html[html.index("publish-refused"):]
    refused = refused[: refused.index("</div>")]
    for missing in ("At least one active variant.", "An active payment plan of an active variant.",
                    "A price in at least one active market.", "A tax category.",
                    "At least one lesson in the course."):
        assert missing in refused
    with app.app_context():
        assert _product("unpriced").status == "draft"
        # now a plan without a price: only the price (and the other gaps) remain
        product = _product("unpriced")
        org = db.session.get(Org, academy.org_id)
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        plan = make_priced_plan(market, product=product)
        db.session.execute(sa.update(OrgProductVariantPaymentPlanMarketPrice).where(
            OrgProductVariantPaymentPlanMarketPrice.plan_id == plan.id).values(is_active=False))
        db.session.commit()
    refused = text(_status(admin, academy, pid, "published"))
    assert "A price in at least one active market." in refused
    assert "At least one active variant." not in refused.split("publish-refused")[1].split("</div>")[0]


def _sellable_course(org: Org, by=None) -> OrgProduct:
    market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
    product = make_product(org, slug=unique("sellable"), status="draft", tax_category=make_tax_category(org, unique("t")),
                           **({"by": by} if by else {}))
    make_priced_plan(market, product=product)
    from app.learn.authoring import add_module, add_section, create_course, place_lesson
    admin = org_admin(org)
    course = create_course(product, level="beginner", difficulty=2, by=admin)
    section = add_section(add_module(course, title="M", by=admin), title="S", by=admin)
    place_lesson(section, make_lesson(org), by=admin)
    return product


def test_draft_published_archived_and_back_to_draft(app, login, academy):
    with app.app_context():
        product = _sellable_course(db.session.get(Org, academy.org_id))
        db.session.commit()
        pid = product.id
    admin = _as(app, login, academy.admin_email)
    assert 'data-done="no"' not in text(admin.get(f"{academy.dashboard}/products/{pid}"))
    assert _status(admin, academy, pid, "published").status_code == 303
    with app.app_context():
        assert _product_by_id(pid).status == "published" and _product_by_id(pid).published_at is not None
    assert _status(admin, academy, pid, "archived").status_code == 303
    r = _status(admin, academy, pid, "published")
    assert r.status_code == 409 and "goes back to draft" in text(r)
    assert _status(admin, academy, pid, "draft").status_code == 303
    assert _status(admin, academy, pid, "bogus").status_code == 422
    with app.app_context():
        assert _product_by_id(pid).status == "draft"
        actions = list(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == pid)
                                          .order_by(OrgAuditLog.created_at, OrgAuditLog.id)))
        assert actions[-3:] == ["product.published", "product.archived", "product.returned_to_draft"]


def _product_by_id(pid: str) -> OrgProduct:
    db.session.expire_all()
    return db.session.get(OrgProduct, pid)


def test_the_checklist_of_a_download_asks_for_its_file(app_ctx, academy):
    org = db.session.get(Org, academy.org_id)
    market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
    product = make_product(org, type="digital_download", status="draft", tax_category=make_tax_category(org, unique("t")))
    make_priced_plan(market, product=product)
    checks = {key: done for key, _m, done in catalog.publish_checklist(product)}
    assert checks == {"variant": True, "plan": True, "price": True, "tax_category": True, "file": False}
    with pytest.raises(catalog.PublishRefusedError) as refused:
        catalog.publish_product(product, by=org_admin(org))
    assert refused.value.missing == ["A file for buyers to download."]
    product.variants[0].download_url = "https://files.example.com/sheet.pdf"
    catalog.publish_product(product, by=org_admin(org))
    assert product.status == "published"


def test_a_price_in_an_inactive_market_does_not_count(app_ctx, academy):
    org = db.session.get(Org, academy.org_id)
    closed = make_market(org, unique("closed"))
    closed.is_active = False
    product = make_product(org, type="service", status="draft", tax_category=make_tax_category(org, unique("t")))
    make_priced_plan(closed, product=product)
    assert [key for key, _m, done in catalog.publish_checklist(product) if not done] == ["price"]
    with pytest.raises(InvalidTransitionError):
        catalog.return_to_draft(make_product(org, status="published"), by=org_admin(org))


# ---- duplicating ----------------------------------------------------------------------------------

def test_duplicating_copies_plans_prices_translations_and_the_course_as_a_new_draft(app, login, academy):
    with app.app_context():
        source = db.session.get(OrgProduct, academy.product_id)
        catalog.set_product_translation(source, "de", name="Python-Kurs", by=org_admin(source))
        db.session.commit()
    creator = _as(app, login, academy.creator_email)
    page = text(creator.get(f"{academy.dashboard}/products/{academy.product_id}"))
    assert "not copied" in page
    r = creator.post(f"{academy.dashboard}/products/{academy.product_id}/duplicate")
    assert r.status_code == 303
    r2 = creator.post(f"{academy.dashboard}/products/{academy.product_id}/duplicate")
    assert r2.status_code == 303
    with app.app_context():
        source = db.session.get(OrgProduct, academy.product_id)
        copy = _product(f"{source.slug}-copy")
        second = _product(f"{source.slug}-copy-2")
        assert copy is not None and second is not None
        assert r.headers["Location"].endswith(f"/products/{copy.id}")
        assert copy.status == "draft" and copy.name == "Python Course (copy)" and copy.published_at is None

        def shape(product_id):
            plans = db.session.execute(
                sa.select(OrgProductVariant.name, OrgProductVariantPaymentPlan.name,
                          OrgProductVariantPaymentPlan.access_tier, OrgProductVariantPaymentPlanMarketPrice.price,
                          OrgProductVariantPaymentPlanMarketPrice.market_id)
                .join(OrgProductVariantPaymentPlan, OrgProductVariantPaymentPlan.variant_id == OrgProductVariant.id)
                .join(OrgProductVariantPaymentPlanMarketPrice,
                      OrgProductVariantPaymentPlanMarketPrice.plan_id == OrgProductVariantPaymentPlan.id)
                .where(OrgProductVariant.product_id == product_id)).all()
            lessons = db.session.execute(
                sa.select(OrgProductCourseModule.title, OrgProductCourseModule.required_access_tier,
                          OrgProductCourseModuleSection.title, OrgProductCourseModuleSectionLesson.lesson_id,
                          OrgProductCourseModuleSectionLesson.sort_order)
                .join(OrgProductCourseModuleSection, OrgProductCourseModuleSection.module_id == OrgProductCourseModule.id)
                .join(OrgProductCourseModuleSectionLesson,
                      OrgProductCourseModuleSectionLesson.section_id == OrgProductCourseModuleSection.id)
                .where(OrgProductCourseModule.course_product_id == product_id)).all()
            names = set(db.session.scalars(sa.select(OrgProductTranslation.name)
                                           .where(OrgProductTranslation.product_id == product_id)))
            return sorted(plans), sorted(lessons), names

        assert shape(copy.id) == shape(source.id)
        assert len(shape(copy.id)[1]) == 6 and shape(copy.id)[2] == {"Python-Kurs"}
        assert db.session.get(OrgProductCourse, copy.id).difficulty == 3
        # the creator who copied it is the copy's creator (0 %) and may edit it
        me = _employee(academy.org_id, academy.creator_email)
        assert db.session.scalar(sa.select(OrgEmployeeProductAttribution.revenue_share_percentage).where(
            OrgEmployeeProductAttribution.product_id == copy.id,
            OrgEmployeeProductAttribution.employee_id == me.id)) == Decimal("0")
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.action == "product.duplicated",
                                                                OrgAuditLog.entity_id == copy.id))
        assert entry.data["after"]["from_product_id"] == source.id
        copy_id = copy.id
    assert creator.get(f"{academy.dashboard}/products/{copy_id}").status_code == 200


def test_free_slug_stays_within_the_column(app_ctx, academy):
    org = db.session.get(Org, academy.org_id)
    long_slug = "a" * 120
    make_product(org, slug=long_slug)
    found = product_rules.free_slug(org.id, long_slug)
    assert len(found) <= 120 and found.endswith("-copy")
