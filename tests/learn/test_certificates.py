"""Certificates: issued once when every accessible lesson is complete; public verification page."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.courses.models import OrgProductCourseModuleSectionLesson
from app.extensions import db
from app.learn import certificates, progress
from app.learn.models import OrgMemberCourseCertificate
from app.orgs.models import OrgMember
from app.platform.models import Skill
from tests.factories import PASSWORD, make_access
from tests.learn.player_fixtures import LEARNER, VISITOR_NAME, build_school, grant, html_of  # noqa: F401


def _certificates(app):
    with app.app_context():
        return db.session.scalars(sa.select(OrgMemberCourseCertificate)).all()


def test_completing_every_accessible_lesson_issues_one_certificate(app, client, school, login):
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    client.post(school.url(0, "/complete"))
    assert _certificates(app) == []
    assert "Your certificate" not in html_of(client.get(school.url(0)))

    response = client.post(school.url(1, "/complete"), headers={"HX-Request": "true", "HX-Target": "lesson-complete"})
    html = html_of(response)
    [cert] = _certificates(app)
    assert cert.learner_name == VISITOR_NAME and cert.course_title == "Data Course"
    assert f"/certificates/{cert.verification_code}" in html  # shown in place (htmx)
    assert "You completed this course." in html

    client.post(school.url(1, "/complete"))  # again: still one certificate
    assert len(_certificates(app)) == 1
    mine = html_of(client.get(f"{school.prefix}/learn/"))
    assert f'href="/certificates/{cert.verification_code}"' in mine


def test_public_page_verifies_the_certificate_without_login(app, client, school, login):
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    client.post(school.url(0, "/complete"))
    client.post(school.url(1, "/complete"))
    [cert] = _certificates(app)
    client.post("/account/logout")

    page = client.get(f"/certificates/{cert.verification_code}")
    html = html_of(page)
    assert page.status_code == 200
    assert VISITOR_NAME in html and "Data Course" in html and "School Academy" in html
    assert "Issued on" in html and cert.verification_code in html
    assert "data-print" in html  # a print button
    assert client.get("/certificates/NOPE-NOPE-NOPE-NOPE").status_code == 404
    assert client.get("/certificates/" + "x" * 40).status_code == 404


def test_frozen_names_survive_later_renames(app_ctx, db_session):
    s = build_school()
    member = db_session.get(OrgMember, s.member_id)
    product = db_session.get(OrgProduct, s.product_id)
    make_access(member, product, tier=1)
    for pid in s.placements[:2]:
        progress.mark_complete(member, db_session.get(OrgProductCourseModuleSectionLesson, pid))
    cert = certificates.existing(member, s.product_id)
    product.name = "Renamed"
    member.user_profile.display_name = "Someone Else"
    db_session.flush()
    found, org = certificates.by_code(cert.verification_code)
    assert found.course_title == "Data Course" and found.learner_name == VISITOR_NAME
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", cert.verification_code)


def test_no_certificate_without_access_or_lessons(app_ctx, db_session):
    s = build_school()
    member = db_session.get(OrgMember, s.member_id)
    # Free previews completed without any purchase do not earn a certificate.
    placement = db_session.get(OrgProductCourseModuleSectionLesson, s.placements[0])
    placement.is_free_preview = True
    progress.mark_complete(member, placement)
    assert certificates.issue_if_complete(member, s.product_id) is None
    # A higher tier needs the higher-tier lessons too.
    make_access(member, db_session.get(OrgProduct, s.product_id), tier=2)
    progress.mark_complete(member, db_session.get(OrgProductCourseModuleSectionLesson, s.placements[1]))
    assert certificates.existing(member, s.product_id) is None
    for pid in s.placements[2:4]:
        progress.mark_complete(member, db_session.get(OrgProductCourseModuleSectionLesson, pid))
    assert certificates.existing(member, s.product_id) is not None


def test_skills_of_completed_courses_appear_on_my_learning(app, client, school, login):
    from app.courses.models import OrgProductCourseSkill

    with app.app_context():
        skill = db.session.scalar(sa.select(Skill).limit(1))
        if skill is None:
            skill = Skill(slug="python", name="Python")
            db.session.add(skill)
            db.session.flush()
        db.session.add(OrgProductCourseSkill(org_id=school.org_id, course_product_id=school.product_id,
                                             skill_id=skill.id))
        skill_name = skill.name
        db.session.commit()
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    before = html_of(client.get(f"{school.prefix}/learn/"))
    assert "Complete a course to add its skills here." in before
    client.post(school.url(0, "/complete"))
    client.post(school.url(1, "/complete"))
    after = html_of(client.get(f"{school.prefix}/learn/"))
    assert skill_name in after.split('class="skills-summary"')[1]
