"""A product's variants and payment plans in the dashboard (``/dashboard/<org>/products/<id>/plans``):
adding and editing variants (name, SKU, default, active, order), plans of the three types with
their fields, editing a plan, deactivating and reactivating it (its buyers keep their access), bad
input answered with a message, the audit log, a fixed number of queries, and who may."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProductVariant, OrgProductVariantPaymentPlan
from app.catalog.plans import update_plan
from app.catalog.services import add_plan, add_variant
from app.entitlements.services import member_access_tier
from app.errors import ValidationError
from app.extensions import db
from app.orgs.models import Org, OrgAuditLog, OrgMember
from tests.factories import make_employee, make_org, make_plan, make_product, make_user, org_admin, unique
from tests.learn.assessment_fixtures import text
from tests.staff import price_fixtures

priced = price_fixtures.priced  # the fixtures
as_user = price_fixtures.as_user


def variants(app, product_id: str) -> list[OrgProductVariant]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OrgProductVariant).where(OrgProductVariant.product_id == product_id)
                                  .order_by(OrgProductVariant.sort_order, OrgProductVariant.created_at)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def plan_of(app, plan_id: str) -> dict:
    with app.app_context():
        plan = db.session.get(OrgProductVariantPaymentPlan, plan_id)
        terms = plan.terms
        return {"name": plan.name, "description": plan.description, "tier": plan.access_tier,
                "active": plan.is_active, "type": plan.type,
                **{c.key: getattr(terms, c.key) for c in sa.inspect(type(terms)).columns
                   if c.key not in ("plan_id", "created_at", "updated_at")}}


def actions(app, entity_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OrgAuditLog.action).where(OrgAuditLog.entity_id == entity_id)
                                       .order_by(OrgAuditLog.created_at)))


def test_the_tab_lists_variants_with_their_plans_and_terms(priced, as_user):
    p = priced
    r = as_user(p.academy.admin_email).get(p.plans_url)
    assert r.status_code == 200
    page = text(r)
    assert "Variants and plans" in page and "Standard" in page and "Default" in page
    html = r.get_data(as_text=True)
    monthly = re.search(rf'<tr id="plan-{p.monthly}".*?</tr>', html, re.S).group(0)
    assert "Subscription" in monthly and "Tier 2" in monthly and "Billing period: month" in monthly and "7 trial days" in monthly
    credits = re.search(rf'<tr id="plan-{p.credits}".*?</tr>', html, re.S).group(0)
    assert "Per credit, 100 included" in credits
    basic = re.search(rf'<tr id="plan-{p.basic}".*?</tr>', html, re.S).group(0)
    assert "Gift cards accepted" in basic and "On sale" in basic


def test_variants_are_added_edited_made_default_deactivated_and_reordered(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    standard = variants(app, p.product_id)[0]

    r = admin.post(f"{p.plans_url[:-6]}/variants", data={"new-name": "Team licence", "new-sku": "PY-TEAM"})
    assert r.status_code == 303
    team = variants(app, p.product_id)[1]
    assert (team.name, team.sku, team.is_default, team.is_active) == ("Team licence", "PY-TEAM", False, True)
    assert actions(app, team.id) == ["variant.created"]

    # The same SKU again: a message, nothing added, the typed name kept.
    r = admin.post(f"{p.plans_url[:-6]}/variants", data={"new-name": "Copy", "new-sku": "PY-TEAM"})
    assert r.status_code == 422 and "Another variant already uses the SKU “PY-TEAM”." in text(r)
    assert 'value="Copy"' in r.get_data(as_text=True) and len(variants(app, p.product_id)) == 2
    # No name: the field says so.
    r = admin.post(f"{p.plans_url[:-6]}/variants", data={"new-name": "  "})
    assert r.status_code == 422 and "Variant name is required." in text(r)

    edit = f"{p.plans_url[:-6]}/variants/{team.id}"
    prefix = f"v-{team.id}-"
    r = admin.post(edit, data={prefix + "name": "Team", prefix + "sku": "PY-T", prefix + "is_default": "y",
                               prefix + "is_active": "y"})
    assert r.status_code == 303
    standard_now, team_now = variants(app, p.product_id)
    assert (team_now.name, team_now.sku, team_now.is_default) == ("Team", "PY-T", True)
    assert not standard_now.is_default  # one default at a time
    assert actions(app, team.id)[-1] == "variant.updated" and actions(app, standard.id)[-1] == "variant.updated"

    # The default cannot be deactivated, nor stop being the default without another one.
    r = admin.post(edit, data={prefix + "name": "Team", prefix + "is_default": "y"})
    assert r.status_code == 422 and "The default variant cannot be inactive." in text(r)
    r = admin.post(edit, data={prefix + "name": "Team", prefix + "is_active": "y"})
    assert r.status_code == 422 and "A product always has a default variant" in text(r)
    assert variants(app, p.product_id)[1].is_default
    # Another variant's SKU is refused on edit too.
    other = f"v-{standard.id}-"
    r = admin.post(f"{p.plans_url[:-6]}/variants/{standard.id}", data={other + "name": "Standard", other + "sku": "PY-T"})
    assert r.status_code == 422 and "Another variant already uses the SKU “PY-T”." in text(r)
    # A variant that is not the default can be deactivated.
    r = admin.post(f"{p.plans_url[:-6]}/variants/{standard.id}", data={other + "name": "Standard"})
    assert r.status_code == 303 and not variants(app, p.product_id)[0].is_active

    # Move the team variant up: the tab (and the storefront's order) follows.
    r = admin.post(f"{edit}/move", data={"direction": "up"})
    assert r.status_code == 303
    assert [v.name for v in variants(app, p.product_id)] == ["Team", "Standard"]
    page = admin.get(p.plans_url).get_data(as_text=True)
    assert page.index('id="variant-' + team.id) < page.index('id="variant-' + standard.id)
    assert admin.post(f"{edit}/move", data={"direction": "sideways"}).status_code == 422


def test_plans_of_the_three_types_are_added_with_their_fields(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    standard = variants(app, p.product_id)[0]
    url = f"{p.plans_url[:-6]}/variants/{standard.id}/plans"
    pre = f"p-{standard.id}-"

    r = admin.post(url, data={pre + "type": "one_time", pre + "name": "Lifetime", pre + "access_tier": "3",
                              pre + "description": "Everything, forever."})
    assert r.status_code == 303 and "/prices#plan-" in r.headers["Location"]
    plan_id = r.headers["Location"].rsplit("#plan-", 1)[1]
    assert plan_of(app, plan_id) == {"name": "Lifetime", "description": "Everything, forever.", "tier": 3,
                                     "active": True, "type": "one_time", "allow_gift_cards": False}
    assert actions(app, plan_id) == ["plan.created"]

    r = admin.post(url, data={pre + "type": "subscription", pre + "name": "Yearly", pre + "access_tier": "2",
                              pre + "interval": "year", pre + "interval_count": "1", pre + "trial_period_days": "14",
                              pre + "allow_gift_cards": "y", pre + "usage_unit": "ignored"})
    assert r.status_code == 303
    yearly = plan_of(app, r.headers["Location"].rsplit("#plan-", 1)[1])
    assert (yearly["type"], yearly["interval"], yearly["interval_count"], yearly["trial_period_days"]) == \
        ("subscription", "year", 1, 14)

    r = admin.post(url, data={pre + "type": "usage_based", pre + "name": "API", pre + "access_tier": "1",
                              pre + "usage_unit": "API call", pre + "included_units": "1000",
                              pre + "interval_count": "not used"})
    assert r.status_code == 303
    api = plan_of(app, r.headers["Location"].rsplit("#plan-", 1)[1])
    assert (api["usage_unit"], api["included_units"]) == ("API call", 1000)


@pytest.mark.parametrize(("fields", "message"), [
    ({"type": "one_time", "name": "X", "access_tier": "4"}, "Not a valid choice."),
    ({"type": "one_time", "name": "", "access_tier": "1"}, "Enter a name for the plan."),
    ({"type": "gift", "name": "X", "access_tier": "1"}, "Not a valid choice."),
    ({"type": "subscription", "name": "X", "access_tier": "1", "interval": "month", "interval_count": "0"},
     "Enter a whole number from 1 to 365."),
    ({"type": "subscription", "name": "X", "access_tier": "1", "interval": "month",
      "trial_period_days": "99999999999999999999999"}, "Enter a whole number of days from 0 to 730."),
    ({"type": "subscription", "name": "X", "access_tier": "1", "interval": "fortnight"}, "Not a valid choice."),
    ({"type": "usage_based", "name": "X", "access_tier": "1", "usage_unit": ""},
     "A usage-based plan needs a usage unit"),
    ({"type": "usage_based", "name": "X", "access_tier": "1", "usage_unit": "call", "included_units": "ten"},
     "Enter a whole number of units, 0 or more."),
    ({"type": "usage_based", "name": "X" * 101, "access_tier": "1", "usage_unit": "call"},
     "Field cannot be longer than 100 characters."),
])
def test_a_bad_plan_gets_a_message_and_nothing_is_added(app, priced, as_user, fields, message):
    p = priced
    standard = variants(app, p.product_id)[0]
    pre = f"p-{standard.id}-"
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(OrgProductVariantPaymentPlan))
    r = as_user(p.academy.admin_email).post(f"{p.plans_url[:-6]}/variants/{standard.id}/plans",
                                            data={pre + k: v for k, v in fields.items()})
    assert r.status_code == 422
    assert message in text(r)
    assert "<details class=\"plans-add\" open>" in r.get_data(as_text=True)  # the form stays open
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgProductVariantPaymentPlan)) == count


def test_a_plan_is_edited_and_its_terms_too(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    url = f"{p.plans_url}/{p.monthly}"
    r = admin.get(url)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'value="Monthly"' in html and 'name="type"' not in html  # the type is fixed
    assert 'name="trial_period_days"' in html and 'name="usage_unit"' not in html

    r = admin.post(url, data={"name": "Monthly plus", "description": "Billed monthly.", "access_tier": "3",
                              "interval": "week", "interval_count": "2", "trial_period_days": "0"})
    assert r.status_code == 303
    assert plan_of(app, p.monthly) == {"name": "Monthly plus", "description": "Billed monthly.", "tier": 3,
                                       "active": True, "type": "subscription", "interval": "week",
                                       "interval_count": 2, "trial_period_days": 0}
    assert actions(app, p.monthly)[-2:] == ["plan.updated", "plan.terms_updated"]

    r = admin.post(url, data={"name": "Monthly plus", "access_tier": "2", "interval": "week",
                              "interval_count": "-1", "trial_period_days": "abc"})
    assert r.status_code == 422
    assert "Enter a whole number from 1 to 365." in text(r)
    assert "Enter a whole number of days from 0 to 730." in text(r)
    assert 'value="abc"' in r.get_data(as_text=True)
    assert plan_of(app, p.monthly)["tier"] == 3

    r = admin.post(f"{p.plans_url}/{p.credits}", data={"name": "Credits", "access_tier": "1", "usage_unit": "",
                                                       "included_units": "5"})
    assert r.status_code == 422 and "A usage-based plan needs a usage unit" in text(r)
    r = admin.post(f"{p.plans_url}/{p.credits}", data={"name": "Credits", "access_tier": "1",
                                                       "usage_unit": "token", "included_units": "5"})
    assert r.status_code == 303 and plan_of(app, p.credits)["usage_unit"] == "token"


def test_a_deactivated_plan_is_no_longer_sold_but_its_buyers_keep_access(app, priced, as_user):
    p = priced
    admin = as_user(p.academy.admin_email)
    learner = as_user(p.academy.learner_email)
    assert "Basic" in text(learner.get(p.academy.product_url))
    with app.app_context():
        member = db.session.get(OrgMember, p.academy.member_id)
        assert member_access_tier(member, p.product_id) == 1  # the learner bought tier 1

    r = admin.post(f"{p.plans_url}/{p.basic}/active", data={"active": "0"})
    assert r.status_code == 303
    assert not plan_of(app, p.basic)["active"]
    assert actions(app, p.basic)[-1] == "plan.deactivated"
    page = admin.get(p.plans_url)
    assert "is no longer sold. Its buyers keep their access." in text(page)
    assert re.search(rf'<tr id="plan-{p.basic}"[^>]*data-active="no"', page.get_data(as_text=True))

    # Not offered in the store any more (the other plans still are) ...
    store = text(learner.get(p.academy.product_url))
    assert "Basic" not in store
    # ... and the buyer keeps their tier and their lessons.
    with app.app_context():
        assert member_access_tier(db.session.get(OrgMember, p.academy.member_id), p.product_id) == 1
    lesson = learner.get(p.academy.lesson_url(p.academy.text1))
    assert lesson.status_code == 200 and "Welcome" in text(lesson)

    r = admin.post(f"{p.plans_url}/{p.basic}/active", data={"active": "1"})
    assert r.status_code == 303 and plan_of(app, p.basic)["active"]
    assert actions(app, p.basic)[-1] == "plan.reactivated"
    assert "Basic" in text(learner.get(p.academy.product_url))


def test_the_tab_takes_the_same_number_of_queries_for_few_and_many_plans(app, as_user, count_queries):
    counts = []
    for n in (1, 12):
        with app.app_context():
            org = make_org()
            admin = make_employee(org, make_user(f"{unique('admin')}@example.com"), role="admin")
            product = make_product(org, by=admin)
            for v in range(n):
                variant = add_variant(product, name=f"Variant {v}", by=admin)
                for kind in ("one_time", "subscription", "usage_based"):
                    make_plan(product, type=kind, variant=variant, by=admin)
            email, slug, product_id = admin.member.user_profile.user.email, org.slug, product.id
            db.session.commit()
        client = as_user(email)
        url = f"/dashboard/{slug}/products/{product_id}/plans"
        client.get(url)
        with count_queries() as q:
            r = client.get(url)
        assert r.status_code == 200 and r.get_data(as_text=True).count("data-plan=") == 3 * n
        counts.append(q.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(("role", "status"), [
    ("admin_email", 200), ("creator_email", 200), ("other_creator_email", 403), ("staff_email", 403),
])
def test_who_may_change_plans(app, priced, as_user, role, status):
    p = priced
    client = as_user(getattr(p.academy, role))
    assert client.get(p.plans_url).status_code == status
    assert client.get(f"{p.plans_url}/{p.basic}").status_code == status
    r = client.post(f"{p.plans_url}/{p.basic}/active", data={"active": "0"})
    assert r.status_code == (303 if status == 200 else status)
    assert plan_of(app, p.basic)["active"] is (status != 200)


def test_another_products_or_orgs_variant_and_plan_are_not_found(app, priced, as_user):
    p = priced
    with app.app_context():
        other_org = make_org()
        foreign = make_plan(make_product(other_org))
        sibling = make_plan(make_product(db.session.get(Org, p.academy.org_id)))  # same org, other product
        ids = foreign.id, foreign.variant_id, sibling.id, sibling.variant_id
        db.session.commit()
    admin = as_user(p.academy.admin_email)
    for plan_id in (ids[0], ids[2]):
        assert admin.get(f"{p.plans_url}/{plan_id}").status_code == 404
        assert admin.post(f"{p.plans_url}/{plan_id}/active", data={"active": "0"}).status_code == 404
    for variant_id in (ids[1], ids[3]):
        assert admin.post(f"{p.plans_url[:-6]}/variants/{variant_id}/move", data={"direction": "up"}).status_code == 404
    assert plan_of(app, ids[0])["active"] and plan_of(app, ids[2])["active"]


def test_the_services_refuse_a_tier_above_3_and_out_of_range_terms(app, priced):
    """The rules hold for every caller, not only the dashboard's form (its select offers 1-3)."""
    with app.app_context():
        plan = db.session.get(OrgProductVariantPaymentPlan, priced.monthly)
        admin = org_admin(plan)
        for kwargs, message in (
            ({"access_tier": 4}, "The access tier must be between 1 and 3."),
            ({"access_tier": 2, "trial_period_days": 731}, "Trial period (days) must be at most 730."),
            ({"access_tier": 2, "interval_count": 366}, "Interval count must be at most 365."),
        ):
            with pytest.raises(ValidationError) as refused:
                add_plan(plan.variant, type="subscription", name="Too much", interval="month", by=admin, **kwargs)
            assert refused.value.message == message
            with pytest.raises(ValidationError):
                update_plan(plan, name="Monthly", description=None, interval="month", by=admin, **kwargs)
    assert plan_of(app, priced.monthly)["tier"] == 2
