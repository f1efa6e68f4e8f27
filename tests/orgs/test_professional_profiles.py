"""Professional profiles from the account: create and edit a job profile, link it to each
employment and hide an employment from the public page (/creators/<slug>)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.accounts.models import UserJobProfile
from app.catalog.attributions import set_attribution
from app.extensions import db
from app.orgs.models import OrgEmployee
from app.platform.models import Skill
from tests.factories import (
    PASSWORD,
    make_employee,
    make_market,
    make_org,
    make_priced_plan,
    make_product,
    make_user,
    org_admin,
    unique,
)


@pytest.fixture
def pro(app):
    """A user employed as a creator by two orgs, credited on a published course in each."""
    with app.app_context():
        user = make_user(f"{unique('pro')}@example.com", display_name="Pat Pro")
        employees = {}
        for name in ("Alpha School", "Beta School"):
            org = make_org(unique("school"), name=name)
            market = make_market(org)
            product = make_product(org, name=f"{name} Course")
            make_priced_plan(market, product=product)
            employee = make_employee(org, user, role="creator")
            set_attribution(product, employee, percent=Decimal("50"), by=org_admin(org))
            employees[name] = employee.id
        if db.session.scalar(sa.select(Skill.id).limit(1)) is None:
            db.session.add(Skill(slug="python", name="Python"))
        db.session.commit()
        skill = db.session.scalar(sa.select(Skill.slug).order_by(Skill.slug).limit(1))
        return {"email": user.email, "employees": employees, "skill": skill}


def _signed_in(app, login, email):
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 303
    return client


def test_a_profile_linked_to_two_employments_lists_both_and_one_can_be_hidden(app, login, pro):
    client = _signed_in(app, login, pro["email"])
    slug = unique("pat")
    created = client.post("/account/professional/", data={
        "title": "Data teacher", "slug": slug, "bio": "I teach data.", "years_of_experience": "7",
        "hourly_rate": "80.00", "skills": [pro["skill"]], "is_public": "y"})
    assert created.status_code == 303
    with app.app_context():
        job_id = db.session.scalar(sa.select(UserJobProfile.id).where(UserJobProfile.slug == slug))
    for employee_id in pro["employees"].values():
        prefix = f"e{employee_id[:8]}"
        assert client.post(f"/account/professional/employments/{employee_id}", data={
            f"{prefix}-job_profile_id": job_id, f"{prefix}-show_on_profile": "y"}).status_code == 303
    public = client.get(f"/creators/{slug}").get_data(as_text=True)
    assert "Alpha School Course" in public and "Beta School Course" in public and "Data teacher" in public

    beta = pro["employees"]["Beta School"]
    client.post(f"/account/professional/employments/{beta}", data={f"e{beta[:8]}-job_profile_id": job_id})
    public = client.get(f"/creators/{slug}").get_data(as_text=True)
    assert "Alpha School Course" in public and "Beta School Course" not in public
    with app.app_context():
        assert db.session.get(OrgEmployee, beta).show_on_profile is False


def test_editing_keeps_the_address_and_bad_input_gets_messages(app, login, pro):
    client = _signed_in(app, login, pro["email"])
    slug = unique("pat")
    client.post("/account/professional/", data={"title": "Teacher", "slug": slug, "is_public": "y"})
    with app.app_context():
        job_id = db.session.scalar(sa.select(UserJobProfile.id).where(UserJobProfile.slug == slug))
    assert client.post(f"/account/professional/{job_id}", data={"title": "Senior teacher", "hourly_rate": "95",
                                                                "is_public": "y"}).status_code == 303
    assert "Senior teacher" in client.get(f"/creators/{slug}").get_data(as_text=True)
    bad = client.post(f"/account/professional/{job_id}", data={"title": "", "hourly_rate": "lots"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter a title." in html and "Enter an amount such as 80.00." in html
    taken = client.post("/account/professional/", data={"title": "Again", "slug": slug})
    assert taken.status_code == 422 and "already taken" in taken.get_data(as_text=True)
    spaces = client.post("/account/professional/", data={"title": "Again", "slug": "Not A Slug"})
    assert spaces.status_code == 422
    hidden = client.post(f"/account/professional/{job_id}", data={"title": "Senior teacher"})
    assert hidden.status_code == 303 and client.get(f"/creators/{slug}").status_code == 404


def test_other_people_s_profiles_and_employments_are_not_found(app, login, pro):
    client = _signed_in(app, login, pro["email"])
    slug = unique("pat")
    client.post("/account/professional/", data={"title": "Teacher", "slug": slug, "is_public": "y"})
    with app.app_context():
        job_id = db.session.scalar(sa.select(UserJobProfile.id).where(UserJobProfile.slug == slug))
        stranger = make_user(f"{unique('x')}@example.com")
        other = make_employee(make_org(), make_user(), role="creator")
        db.session.commit()
        stranger_email, other_id = stranger.email, other.id
    intruder = _signed_in(app, login, stranger_email)
    assert intruder.get(f"/account/professional/{job_id}").status_code == 404
    assert client.post(f"/account/professional/employments/{other_id}", data={}).status_code == 404
    page = client.get("/account/professional/").get_data(as_text=True)
    assert len(re.findall(r'class="stack employment"', page)) == 2
