"""Learner progress: mark complete, percentages (accessible and all), placements, orgs, My learning."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.courses.models import OrgLesson, OrgProductCourseModuleSectionLesson
from app.extensions import db
from app.learn import progress
from app.learn.authoring import add_module, add_section, create_course, place_lesson
from app.learn.models import OrgMemberLessonProgress
from app.orgs.models import OrgMember
from tests.factories import PASSWORD, make_access, make_member, make_product, make_user, org_admin
from tests.learn.player_fixtures import LEARNER, build_school, grant, html_of  # noqa: F401

HTMX = {"HX-Request": "true", "HX-Target": "lesson-complete"}


def _percents(html: str) -> tuple[int, int]:
    m = re.search(r'id="course-progress" class="course-progress" data-percent-accessible="(\d+)" '
                  r'data-percent-all="(\d+)"', html)
    return int(m.group(1)), int(m.group(2))


def test_mark_complete_updates_the_percentages_in_place(app, client, school, login):
    grant(app, school, 1)
    assert login(client, LEARNER, PASSWORD).status_code == 303
    assert _percents(html_of(client.get(school.url(0)))) == (0, 0)

    response = client.post(school.url(0, "/complete"), headers=HTMX)
    html = html_of(response)
    assert response.status_code == 200 and "<html" not in html
    assert 'id="lesson-complete"' in html and "✓ Completed" in html
    assert 'data-hx-swap-oob="true"' in html
    assert _percents(html) == (50, 16)  # 1 of 2 accessible lessons, 1 of 6 lessons
    assert "1 of 2 lessons you can access" in html and "1 of 6 lessons" in html
    assert re.search(rf'data-placement="{school.placements[0]}" data-tier="1" data-locked="false" '
                     r'data-completed="true"', html)
    assert 'data-percent-accessible="50" data-percent-all="50"' in html  # module 1

    # Without JS: a redirect back to the lesson, which shows the new state.
    plain = client.post(school.url(1, "/complete"))
    assert plain.status_code == 303 and plain.headers["Location"].endswith(school.placements[1])
    assert _percents(html_of(client.get(school.url(1)))) == (100, 33)
    # Idempotent.
    client.post(school.url(1, "/complete"))
    assert _percents(html_of(client.get(school.url(1)))) == (100, 33)


def test_percentages_follow_the_tier(app, client, school, login):
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    client.post(school.url(0, "/complete"))
    grant(app, school, 2)
    assert _percents(html_of(client.get(school.url(0)))) == (25, 16)


def test_mark_complete_is_idempotent_and_keeps_the_first_completion(db_session, app_ctx):
    s = build_school()
    member = db_session.get(OrgMember, s.member_id)
    make_access(member, db_session.get(OrgProduct, s.product_id), tier=1)
    placement = db_session.get(OrgProductCourseModuleSectionLesson, s.placements[0])
    first = progress.mark_complete(member, placement)
    completed_at = first.completed_at
    again = progress.mark_complete(member, placement)
    assert again.id == first.id and again.completed_at == completed_at
    progress.record_visit(progress.visit_of(member, placement), position_seconds=12)
    db_session.refresh(again)
    assert again.status == "completed" and again.position_seconds == 12
    assert progress.course_percent(member, s.product_id) == 50
    assert progress.percentages(member, s.product_id, 3) == (16, 16)


def test_a_lesson_reused_in_two_courses_keeps_separate_progress(app, client, school, login):
    with app.app_context():
        org_id = school.org_id
        from app.orgs.models import Org

        org = db.session.get(Org, org_id)
        lesson = db.session.get(OrgLesson, school.lesson_ids[0])
        other = make_product(org, name="Second Course", slug="second-course")
        course = create_course(other, level="beginner", difficulty=2, by=org_admin(other))
        section = add_section(add_module(course, title="Only module", by=org_admin(course)), title="Only section", by=org_admin(course))
        reused = place_lesson(section, lesson, by=org_admin(section))
        member = db.session.get(OrgMember, school.member_id)
        make_access(member, other, tier=1)
        reused_id = reused.id
        db.session.commit()
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    client.post(school.url(0, "/complete"))

    second = html_of(client.get(f"{school.prefix}/learn/second-course/{reused_id}"))
    assert _percents(second) == (0, 0)
    assert 'data-completed="false"' in second and "mark-complete" in second
    client.post(f"{school.prefix}/learn/second-course/{reused_id}/position", data={"seconds": "7"})
    with app.app_context():
        rows = db.session.execute(
            sa.select(OrgMemberLessonProgress.placement_id, OrgMemberLessonProgress.status)
            .where(OrgMemberLessonProgress.lesson_id == school.lesson_ids[0])
        ).all()
        assert sorted(rows) == sorted([(school.placements[0], "completed"), (reused_id, "started")])


def test_progress_is_isolated_per_org_membership(app, client, school, login):
    with app.app_context():
        from app.accounts.models import User

        user = db.session.scalar(sa.select(User).where(User.email == LEARNER))
        second = build_school("second", learner=user, with_staff=False)
        db.session.commit()
    grant(app, school, 1)
    grant(app, second, 1)
    login(client, LEARNER, PASSWORD)
    client.post(school.url(0, "/complete"))
    client.post(school.url(1, "/complete"))
    assert _percents(html_of(client.get(school.url(0)))) == (100, 33)
    other = html_of(client.get(second.url(0)))
    assert _percents(other) == (0, 0)
    assert 'data-completed="true"' not in other
    # My learning per org.
    mine = html_of(client.get(f"{second.prefix}/learn/"))
    assert 'data-percent-accessible="0" data-percent-all="0"' in mine
    mine = html_of(client.get(f"{school.prefix}/learn/"))
    assert 'data-percent-accessible="100" data-percent-all="33"' in mine


def test_my_learning_lists_courses_with_progress_and_a_resume_link(app, client, school, login):
    grant(app, school, 2)
    login(client, LEARNER, PASSWORD)
    empty = html_of(client.get(f"{school.prefix}/learn/"))
    assert "Data Course" in empty and "Not started yet" in empty
    assert f'href="{school.url(0)}"' in empty and "Start: Lesson 1" in empty
    client.post(school.url(0, "/complete"))
    client.post(school.url(1, "/complete"))
    client.get(school.url(3))
    page = client.get(f"{school.prefix}/learn/")
    html = html_of(page)
    assert page.status_code == 200
    assert 'data-percent-accessible="50" data-percent-all="33"' in html
    assert "Resume: Lesson 3" in html and f'href="{school.url(2)}"' in html
    assert "Last activity:" in html
    assert "Your access: Tier 2" in html
    # The header links to it for signed-in users.
    assert f'class="my-learning-link" href="{school.prefix}/learn/"' in html


def test_my_learning_for_a_user_without_courses(app, client, school, login):
    with app.app_context():
        from app.orgs.models import Org

        make_member(db.session.get(Org, school.org_id), make_user("new@example.com"))
        db.session.commit()
    login(client, "new@example.com", PASSWORD)
    html = html_of(client.get(f"{school.prefix}/learn/"))
    assert "You have no courses in this store yet." in html
    assert "Complete a course to add its skills here." in html


# The sidebar's module loop as learn/_sidebar.html wrote it before app.learn.syllabus_html took it over.
_MODULE_LOOP = """{% set lesson_rows = syllabus_rows(player) %}{% set icon_locked = ic.icon("lock") %}
  {% for module in player.syllabus.modules %}
  {% set m_acc, m_all = player.module_percent(module) %}
  <section class="syllabus-module" data-module="{{ module.id }}">
    <h2>{{ module.title }}
      {% if module.tier > 1 and player.learner.effective_tier is not none and player.learner.effective_tier >= module.tier %}{% elif module.tier > 1 %}<span class="badge lock">{{ icon_locked }} {{ module.tier|tier_label }}</span>{% endif %}
    </h2>
    <p class="module-progress muted" data-percent-accessible="{{ m_acc }}" data-percent-all="{{ m_all }}">
      <progress max="100" value="{{ m_acc }}" aria-hidden="true"></progress>
      {{ _("%(accessible)d%% of your lessons · %(all)d%% of all", accessible=m_acc, all=m_all) }}
    </p>
    {% for section in module.sections %}
      <h3>{{ section.title }}</h3>
      <ol class="syllabus-lessons">
      {{ lesson_rows(section.lessons) }}
      </ol>
    {% endfor %}
  </section>
  {% endfor %}"""


def test_the_sidebar_s_modules_written_in_python_are_the_template_loop_s_html(app, school):
    """``SyllabusRows.modules`` (issue 15) writes what the Jinja loop wrote: titles, lock badges,
    each module's percentages (some lessons completed, some locked), sections and lesson rows."""
    from flask import g

    from app.accounts.models import User
    from app.learn.player import load_player
    from app.learn.syllabus_html import SyllabusRows

    grant(app, school, 2)
    with app.app_context():
        member = db.session.get(OrgMember, school.member_id)
        for placement_id in school.placements[:3]:
            progress.mark_complete(member, db.session.get(OrgProductCourseModuleSectionLesson, placement_id),
                                   issue_certificate=False)
        db.session.commit()
    for prefix in (school.prefix, school.prefix.replace("/en", "/de")):
        with app.test_request_context(f"{prefix}/learn/{school.slug}/{school.placements[0]}"):
            app.preprocess_request()
            user = db.session.scalar(sa.select(User).where(User.email == LEARNER))
            player = load_player(g.storefront, user, school.slug, school.placements[0], chain=g.content_chain)
            expected = app.jinja_env.from_string(_MODULE_LOOP).render(player=player)
            written = "\n  " + SyllabusRows(player).modules()
        assert written == expected
        assert 'data-percent-accessible="100" data-percent-all="100"' in written  # module 1
        assert 'data-percent-accessible="50" data-percent-all="50"' in written  # module 2
        assert 'class="badge lock"' in written  # module 3
