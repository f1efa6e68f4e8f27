"""The course builder (app/staff/course_builder.py, app/learn/builder.py) and the preview as a
learner of tier N: the tree with effective tiers, adding, inline renaming, reordering (the order
the learner's player shows), moving a lesson to another section, tiers and free previews, deleting
with the learner-progress rule, the lesson library, the audit log, permissions, bad input, a fixed
query count, and previews that record nothing and unlock only what the tier opens."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.courses.models import (
    OrgLesson,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
)
from app.db import utcnow
from app.extensions import db
from app.learn.authoring import add_module, add_section, place_lesson
from app.learn.models import OrgMemberLessonProgress
from app.orgs.models import Org, OrgAuditLog, OrgMember
from app.orgs.services import get_employee
from tests.factories import (
    PASSWORD,
    make_access,
    make_employee,
    make_lesson,
    make_org,
    make_product,
    make_user,
    org_admin,
    unique,
)
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture

HTMX = {"HX-Request": "true", "HX-Target": "builder-tree"}
PLACEMENT = re.compile(r'data-placement="([0-9a-f]{32})"')


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def builder_url(a, suffix: str = "") -> str:
    return f"{a.dashboard}/products/{a.product_id}/content{suffix}"


def item_url(a, kind: str, item_id: str, action: str) -> str:
    return builder_url(a, f"/{kind}/{item_id}/{action}")


def learner_order(app, login, a) -> list[str]:
    """The placement ids in the order the learner's player lists them."""
    learner = _as(app, login, a.learner_email)
    r = learner.get(a.lesson_url(a.text1))
    assert r.status_code == 200
    sidebar = text(r).split('id="learn-sidebar"', 1)[1].split("</nav>", 1)[0]
    return PLACEMENT.findall(sidebar)


def builder_order(html: str) -> list[str]:
    return re.findall(r'<li class="builder-lesson" id="placement-([0-9a-f]{32})"', html)


def section_of(app, placement_id: str) -> str:
    with app.app_context():
        return db.session.get(OrgProductCourseModuleSectionLesson, placement_id).section_id


def sections(app, a) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(
            sa.select(OrgProductCourseModuleSection.id).join(OrgProductCourseModule)
            .where(OrgProductCourseModule.course_product_id == a.product_id)
            .order_by(OrgProductCourseModule.sort_order, OrgProductCourseModuleSection.sort_order)))


# ---- the tree -----------------------------------------------------------------------------------

def test_the_builder_shows_the_tree_in_the_learners_order_with_the_effective_tiers(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    r = admin.get(builder_url(academy))
    assert r.status_code == 200
    html = text(r)
    assert 'aria-current="page">Course content</a>' in html
    assert builder_order(html) == learner_order(app, login, academy)
    assert "Basics" in html and "Advanced" in html and "Clean the data" in html
    # the tier-2 module's lessons require tier 1 themselves, but the learner needs tier 2
    locked = html.split(f'id="placement-{academy.locked_quiz}"', 1)[1].split("</li>", 1)[0]
    assert 'data-effective-tier="2"' in locked and 'value="1" selected' in locked
    open_lesson = html.split(f'id="placement-{academy.text1}"', 1)[1].split("</li>", 1)[0]
    assert 'data-effective-tier="1"' in open_lesson


def test_a_product_that_is_no_course_has_no_builder(app, login, academy):
    with app.app_context():
        mug = make_product(db.session.get(Org, academy.org_id), type="physical")
        db.session.commit()
        mug_id = mug.id
    admin = _as(app, login, academy.admin_email)
    assert admin.get(f"{academy.dashboard}/products/{mug_id}/content").status_code == 404


def test_a_new_course_gets_its_first_module_section_and_lesson_in_the_builder(app, login, academy):
    with app.app_context():
        product = make_product(db.session.get(Org, academy.org_id), name="Fresh course")
        db.session.commit()
        pid = product.id
    admin = _as(app, login, academy.admin_email)
    base = f"{academy.dashboard}/products/{pid}/content"
    assert "no content yet" in text(admin.get(base))
    r = admin.post(f"{base}/modules", data={"title": "Intro", "tier": "1"})
    assert r.status_code == 303
    with app.app_context():
        module = db.session.scalar(sa.select(OrgProductCourseModule)
                                   .where(OrgProductCourseModule.course_product_id == pid))
        module_id = module.id
    r = admin.post(f"{base}/modules/{module_id}/sections", data={"title": "Getting started", "tier": "1"},
                   headers=HTMX)
    assert r.status_code == 200 and 'id="builder-tree"' in text(r) and "Getting started" in text(r)
    with app.app_context():
        section_id = db.session.scalar(sa.select(OrgProductCourseModuleSection.id)
                                       .where(OrgProductCourseModuleSection.module_id == module_id))
    r = admin.post(f"{base}/sections/{section_id}/lessons", data={"title": "Hello", "type": "text"})
    assert r.status_code == 303
    # a video needs its URL: a message, nothing saved
    r = admin.post(f"{base}/sections/{section_id}/lessons", data={"title": "Clip", "type": "video"})
    assert r.status_code == 422 and "video URL" in text(r)
    r = admin.post(f"{base}/sections/{section_id}/lessons",
                   data={"title": "Clip", "type": "video", "url": "https://video.example.com/clip.mp4"})
    assert r.status_code == 303
    html = text(admin.get(base))
    assert re.findall(r'data-lesson-title="(\w+)"', html) == ["Hello", "Clip"]
    with app.app_context():
        titles = db.session.scalars(sa.select(OrgLesson.title).where(OrgLesson.org_id == academy.org_id,
                                                                     OrgLesson.title.in_(["Hello", "Clip"])))
        assert sorted(titles) == ["Clip", "Hello"]


def test_the_library_search_attaches_a_lesson_and_a_shared_lesson_says_where_it_is_used(app, login, academy):
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        other = make_product(org, name="Data Science Course")
        from app.learn.authoring import create_course

        admin_emp = org_admin(org)
        course = create_course(other, level="beginner", difficulty=2, by=admin_emp)
        section = add_section(add_module(course, title="M", by=admin_emp), title="S", by=admin_emp)
        db.session.commit()
        section_id = section.id
        other_id = other.id
        welcome_id = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1).lesson_id
    admin = _as(app, login, academy.admin_email)
    other_base = f"{academy.dashboard}/products/{other_id}/content"
    library = f"{other_base}/sections/{section_id}/library"
    r = admin.get(library, query_string={"q": "welc"}, headers={"HX-Request": "true", "HX-Target": "x"})
    assert r.status_code == 200 and "Welcome" in text(r) and "Wrap-up" not in text(r)
    assert "<html" not in text(r)  # the fragment
    r = admin.get(library, query_string={"q": "100%_"})  # LIKE wildcards are plain text
    assert r.status_code == 200 and "No lesson in the library matches." in text(r)
    r = admin.post(f"{other_base}/sections/{section_id}/lessons", data={"lesson_id": welcome_id})
    assert r.status_code == 303
    # attached twice to the same section: refused with a message
    r = admin.post(f"{other_base}/sections/{section_id}/lessons", data={"lesson_id": welcome_id})
    assert r.status_code == 409 and "already in this section" in text(r)
    # both builders say where else the lesson is used
    html = text(admin.get(builder_url(academy)))
    welcome = html.split(f'id="placement-{academy.text1}"', 1)[1].split("</li>", 1)[0]
    assert "Also used in 1 other course" in welcome and "Data Science Course" in welcome
    assert "Python Course" in text(admin.get(other_base))


# ---- titles ------------------------------------------------------------------------------------------

def test_inline_title_editing_with_htmx_and_the_plain_form_without(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    with app.app_context():
        module_id = db.session.scalar(sa.select(OrgProductCourseModule.id).where(
            OrgProductCourseModule.course_product_id == academy.product_id, OrgProductCourseModule.title == "Basics"))
    url = item_url(academy, "module", module_id, "title")
    hx = {"HX-Request": "true", "HX-Target": f"title-module-{module_id}"}
    r = admin.get(url, headers=hx)
    assert r.status_code == 200 and "data-inline-edit" in text(r) and 'value="Basics"' in text(r)
    assert "<html" not in text(r)
    r = admin.get(url, query_string={"cancel": "1"}, headers=hx)
    assert r.status_code == 200 and ">Basics</a>" in text(r)
    r = admin.post(url, data={"title": "First steps"}, headers=hx)
    assert r.status_code == 200 and ">First steps</a>" in text(r)
    # empty: a message, the old title kept
    r = admin.post(url, data={"title": "   "}, headers=hx)
    assert r.status_code == 422 and "Title is required." in text(r)
    # without JavaScript: a page with the form, a redirect after saving
    r = admin.get(url)
    assert r.status_code == 200 and "<html" in text(r) and 'value="First steps"' in text(r)
    r = admin.post(url, data={"title": "Foundations"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"#module-{module_id}")
    learner = _as(app, login, academy.learner_email)
    assert "Foundations" in text(learner.get(academy.lesson_url(academy.text1)))
    with app.app_context():
        entries = db.session.scalars(sa.select(OrgAuditLog).where(
            OrgAuditLog.entity_id == module_id, OrgAuditLog.action == "course_module.renamed")
            .order_by(OrgAuditLog.created_at)).all()  # (unordered, PostgreSQL may return any order)
        assert [e.data["after"]["title"] for e in entries] == ["First steps", "Foundations"]


def test_renaming_a_placement_renames_its_lesson(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    r = admin.post(item_url(academy, "placement", academy.text2, "title"), data={"title": "Summary"})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(OrgProductCourseModuleSectionLesson, academy.text2).lesson.title == "Summary"


# ---- order ---------------------------------------------------------------------------------------------

def test_move_up_and_down_changes_the_order_the_learner_sees(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    before = learner_order(app, login, academy)
    assert before[:4] == [academy.text1, academy.quiz, academy.assignment, academy.text2]
    r = admin.post(item_url(academy, "placement", academy.text2, "move"), data={"direction": "up"})
    assert r.status_code == 303
    r = admin.post(item_url(academy, "placement", academy.text1, "move"), data={"direction": "down"},
                   headers=HTMX)
    assert r.status_code == 200
    assert builder_order(text(r))[:4] == [academy.quiz, academy.text1, academy.text2, academy.assignment]
    assert learner_order(app, login, academy)[:4] == [academy.quiz, academy.text1, academy.text2,
                                                      academy.assignment]
    # the first cannot go further up: nothing changes
    r = admin.post(item_url(academy, "placement", academy.quiz, "move"), data={"direction": "up"})
    assert r.status_code == 303
    assert learner_order(app, login, academy)[0] == academy.quiz


def test_modules_and_sections_move_too(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    with app.app_context():
        advanced = db.session.scalar(sa.select(OrgProductCourseModule.id).where(
            OrgProductCourseModule.course_product_id == academy.product_id, OrgProductCourseModule.title == "Advanced"))
    assert admin.post(item_url(academy, "module", advanced, "move"), data={"direction": "up"}).status_code == 303
    order = learner_order(app, login, academy)
    assert order[:2] == [academy.locked_quiz, academy.locked_assignment]


def test_a_section_moves_to_another_module_with_the_select_in_the_page(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    start, deeper = sections(app, academy)
    html = text(admin.get(builder_url(academy)))
    section_block = html.split(f'id="section-{start}"', 1)[1].split('class="builder-lessons', 1)[0]
    assert 'class="row builder-move-module"' in section_block  # the no-JS form is in the page
    with app.app_context():
        advanced = db.session.scalar(sa.select(OrgProductCourseModuleSection.module_id).where(
            OrgProductCourseModuleSection.id == deeper))
    assert admin.post(item_url(academy, "section", start, "move"), data={"parent_id": advanced}).status_code == 303
    # the first section now follows the tier-2 module's own section: its lessons come last
    order = learner_order(app, login, academy)
    assert order[:2] == [academy.locked_quiz, academy.locked_assignment]
    assert sections(app, academy) == [deeper, start]


def test_a_lesson_moves_to_another_section_at_a_position(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    start, deeper = sections(app, academy)
    r = admin.post(item_url(academy, "placement", academy.text2, "move"),
                   data={"parent_id": deeper, "position": "2"}, headers=HTMX)
    assert r.status_code == 200
    assert section_of(app, academy.text2) == deeper
    assert learner_order(app, login, academy) == [academy.text1, academy.quiz, academy.assignment,
                                                  academy.locked_quiz, academy.text2, academy.locked_assignment]
    # now inside the tier-2 module: the effective tier follows
    html = text(admin.get(builder_url(academy)))
    moved = html.split(f'id="placement-{academy.text2}"', 1)[1].split("</li>", 1)[0]
    assert 'data-effective-tier="2"' in moved
    # the select without JavaScript: back to the end of the first section
    assert admin.post(item_url(academy, "placement", academy.text2, "move"),
                      data={"parent_id": start}).status_code == 303
    assert learner_order(app, login, academy)[3] == academy.text2


def test_a_lesson_cannot_go_twice_into_one_section_or_into_another_course(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    start, deeper = sections(app, academy)
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        welcome = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1).lesson
        deeper_section = db.session.get(OrgProductCourseModuleSection, deeper)
        again = place_lesson(deeper_section, welcome, by=org_admin(org))
        foreign_section = make_foreign_section(org)
        db.session.commit()
        again_id = again.id
    r = admin.post(item_url(academy, "placement", again_id, "move"), data={"parent_id": start})
    assert r.status_code == 409 and "already in that section" in text(r)
    assert section_of(app, again_id) == deeper
    r = admin.post(item_url(academy, "placement", again_id, "move"), data={"parent_id": foreign_section})
    assert r.status_code == 404
    assert section_of(app, again_id) == deeper


def make_foreign_section(org) -> str:
    """A section of another course of the same org."""
    from app.learn.authoring import create_course

    admin = org_admin(org)
    course = create_course(make_product(org), level="beginner", difficulty=1, by=admin)
    return add_section(add_module(course, title="Elsewhere", by=admin), title="There", by=admin).id


# ---- tiers and free previews -----------------------------------------------------------------------------

def test_tiers_and_free_preview_change_what_the_learner_may_open(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    learner = _as(app, login, academy.learner_email)
    assert learner.get(academy.lesson_url(academy.text2)).status_code == 200
    r = admin.post(item_url(academy, "placement", academy.text2, "access"), data={"tier": "3"}, headers=HTMX)
    assert r.status_code == 200
    row = text(r).split(f'id="placement-{academy.text2}"', 1)[1].split("</li>", 1)[0]
    assert 'data-effective-tier="3"' in row
    html = text(learner.get(academy.lesson_url(academy.text1)))
    assert f'data-placement="{academy.text2}" data-tier="3" data-locked="true"' in html
    # a free preview opens it to everyone, whatever its tier
    assert admin.post(item_url(academy, "placement", academy.locked_quiz, "access"),
                      data={"tier": "1", "free_preview": "y"}).status_code == 303
    html = text(learner.get(academy.lesson_url(academy.text1)))
    assert f'data-placement="{academy.locked_quiz}" data-tier="2" data-locked="false"' in html
    with app.app_context():
        entry = db.session.scalar(sa.select(OrgAuditLog).where(
            OrgAuditLog.entity_id == academy.locked_quiz, OrgAuditLog.action == "lesson_placement.access_changed"))
        assert entry.data["after"] == {"is_free_preview": True}


@pytest.mark.parametrize("tier", ["0", "4", "abc", "99999999999999999999", "1.5", ""])
def test_a_bad_tier_is_a_message(app, login, academy, tier):
    admin = _as(app, login, academy.admin_email)
    r = admin.post(item_url(academy, "placement", academy.text1, "access"), data={"tier": tier})
    assert r.status_code == 422 and 'class="error"' in text(r)
    with app.app_context():
        assert db.session.get(OrgProductCourseModuleSectionLesson, academy.text1).required_access_tier == 1


@pytest.mark.parametrize(("kind", "data"), [
    ("placement", {"position": "abc"}),
    ("placement", {"position": "-3"}),
    ("placement", {"position": "99999999999999999999999"}),
    ("placement", {"direction": "sideways"}),
    ("placement", {}),
    ("placement", {"parent_id": "x" * 40}),
    ("module", {"title": "x" * 201}),
])
def test_bad_moves_are_messages_not_500s(app, login, academy, kind, data):
    admin = _as(app, login, academy.admin_email)
    item_id = academy.text1
    action = "move"
    if kind == "module":
        with app.app_context():
            item_id = db.session.scalar(sa.select(OrgProductCourseModule.id).where(
                OrgProductCourseModule.course_product_id == academy.product_id))
        action = "title"
    r = admin.post(item_url(academy, kind, item_id, action), data=data)
    assert r.status_code in (404, 409, 422), text(r)[:500]
    if r.status_code != 404:
        assert 'class="error"' in text(r)
    # a huge position is "last": never a 500
    assert learner_order(app, login, academy)


def test_unknown_kinds_and_ids_are_404(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    assert admin.post(item_url(academy, "lesson", academy.text1, "move"), data={"direction": "up"}).status_code == 404
    assert admin.post(item_url(academy, "placement", "nope", "move"), data={"direction": "up"}).status_code == 404
    assert admin.get(item_url(academy, "section", "x" * 33, "title")).status_code == 404


# ---- deleting ----------------------------------------------------------------------------------------

def _progress(app, a, placement_id):
    with app.app_context():
        p = db.session.get(OrgProductCourseModuleSectionLesson, placement_id)
        db.session.add(OrgMemberLessonProgress(org_id=a.org_id, member_id=a.member_id, placement_id=p.id,
                                               lesson_id=p.lesson_id, status="started", position_seconds=0))
        db.session.commit()


def test_delete_asks_first_and_keeps_the_library_lesson(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    url = item_url(academy, "placement", academy.text2, "delete")
    r = admin.post(url)
    assert r.status_code == 200 and "Delete “Wrap-up”?" in text(r)
    assert section_of(app, academy.text2)  # still there
    r = admin.post(url, data={"confirmed": "1"})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(OrgProductCourseModuleSectionLesson, academy.text2) is None
        assert db.session.scalar(sa.select(OrgLesson.id).where(OrgLesson.title == "Wrap-up",
                                                               OrgLesson.org_id == academy.org_id))
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.entity_id == academy.text2,
                                                               OrgAuditLog.action == "lesson_placement.deleted"))
        assert entry.data["before"]["section_id"]
    assert academy.text2 not in learner_order(app, login, academy)


def test_a_lesson_with_learner_progress_is_kept_until_the_course_is_archived(app, login, academy):
    _progress(app, academy, academy.text1)
    admin = _as(app, login, academy.admin_email)
    url = item_url(academy, "placement", academy.text1, "delete")
    r = admin.post(url)
    assert r.status_code == 200 and "cannot be deleted while the course is on sale" in text(r)
    assert 'value="1">' in text(r) and "button danger" not in text(r)
    r = admin.post(url, data={"confirmed": "1"})
    assert r.status_code == 409 and "Archive the course first" in text(r)
    # the module holding it is refused too
    with app.app_context():
        module_id = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1).section.module_id
    r = admin.post(item_url(academy, "module", module_id, "delete"), data={"confirmed": "1"})
    assert r.status_code == 409
    assert section_of(app, academy.text1)
    with app.app_context():
        db.session.get(OrgProduct, academy.product_id).status = "archived"
        db.session.commit()
    r = admin.post(url, data={"confirmed": "1"})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(OrgProductCourseModuleSectionLesson, academy.text1) is None


def test_deleting_a_module_removes_its_sections_and_renumbers(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        course = db.session.get(OrgProduct, academy.product_id).course
        extra = add_module(course, title="Bonus", by=org_admin(org))
        db.session.commit()
        advanced = db.session.scalar(sa.select(OrgProductCourseModule.id).where(
            OrgProductCourseModule.course_product_id == academy.product_id, OrgProductCourseModule.title == "Advanced"))
        extra_id = extra.id
    assert admin.post(item_url(academy, "module", advanced, "delete"), data={"confirmed": "1"}).status_code == 303
    with app.app_context():
        assert db.session.get(OrgProductCourseModule, advanced) is None
        assert db.session.get(OrgProductCourseModuleSectionLesson, academy.locked_quiz) is None
        assert db.session.get(OrgProductCourseModule, extra_id).sort_order == 2


# ---- who may -------------------------------------------------------------------------------------------

def test_who_may_use_the_builder(app, login, academy):
    creator = _as(app, login, academy.creator_email)  # attributed to the course
    assert creator.get(builder_url(academy)).status_code == 200
    assert creator.post(item_url(academy, "placement", academy.text2, "move"),
                        data={"direction": "up"}).status_code == 303
    for email in (academy.other_creator_email, academy.staff_email):
        client = _as(app, login, email)
        assert client.get(builder_url(academy)).status_code == 403
        r = client.post(item_url(academy, "placement", academy.text1, "move"), data={"direction": "down"})
        assert r.status_code == 403
        assert client.post(item_url(academy, "placement", academy.text1, "delete"),
                           data={"confirmed": "1"}).status_code == 403
    learner = _as(app, login, academy.learner_email)  # a member, no employee
    assert learner.get(builder_url(academy)).status_code == 403
    assert learner_order(app, login, academy)[0] == academy.text1
    with app.app_context():
        outsider_org = make_org()
        outsider = make_employee(outsider_org, make_user(f"{unique('out')}@example.com"), role="admin")
        email = outsider.member.user_profile.user.email
        slug = outsider_org.slug
        db.session.commit()
    client = _as(app, login, email)
    assert client.get(f"/dashboard/{slug}/products/{academy.product_id}/content").status_code == 404


# ---- query count ---------------------------------------------------------------------------------------

def _add_lessons(app, a, count: int) -> None:
    with app.app_context():
        org = db.session.get(Org, a.org_id)
        admin = org_admin(org)
        section = db.session.get(OrgProductCourseModuleSection, sections(app, a)[1])
        for i in range(count):
            place_lesson(section, make_lesson(org, title=f"Extra {i}"), required_access_tier=1 + i % 3, by=admin)
        db.session.commit()


def test_the_builder_query_count_does_not_grow_with_the_lessons(app, login, academy, count_queries):
    _add_lessons(app, academy, 5)
    _progress(app, academy, academy.text1)
    admin = _as(app, login, academy.admin_email)
    admin.get(builder_url(academy))
    with count_queries() as few:
        assert len(builder_order(text(admin.get(builder_url(academy))))) == 11
    _add_lessons(app, academy, 295)
    with count_queries() as many:
        html = text(admin.get(builder_url(academy)))
    assert len(builder_order(html)) == 306
    assert many.count == few.count, str(many)


# ---- preview as learner ----------------------------------------------------------------------------------

def test_preview_opens_the_player_at_the_chosen_tier_market_and_locale(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(builder_url(academy)))
    assert 'name="storefront"' in html and 'value="eu/de"' in html
    r = admin.get(builder_url(academy, "/preview"), query_string={"tier": "1", "storefront": "eu/de"})
    assert r.status_code == 303
    location = r.headers["Location"]
    assert location.endswith(f"/{academy.org_slug}/eu/de/learn/{academy.course_slug}/?preview=1")
    r = admin.get(location)
    assert r.status_code == 302 and "preview=1" in r.headers["Location"]
    for bad in ({"tier": "4", "storefront": "eu/de"}, {"tier": "1", "storefront": "eu/xx"},
                {"tier": "1", "storefront": "nowhere/en"}, {}):
        r = admin.get(builder_url(academy, "/preview"), query_string=bad)
        assert r.status_code == 422 and "Choose a tier and a storefront" in text(r)


def test_a_preview_records_nothing_and_shows_locks_as_that_tier(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(OrgMemberLessonProgress.id)))
    r = admin.get(academy.lesson_url(academy.text1, "?preview=1"))
    assert r.status_code == 200
    html = text(r)
    assert f'data-placement="{academy.locked_quiz}" data-tier="2" data-locked="true"' in html
    assert "Preview: your progress is not recorded." in html
    assert admin.get(academy.lesson_url(academy.locked_quiz, "?preview=1")).status_code == 200  # the upgrade panel
    assert "Quiz: advanced" in text(admin.get(academy.lesson_url(academy.locked_quiz, "?preview=1")))
    assert "Secret question?" not in text(admin.get(academy.lesson_url(academy.locked_quiz, "?preview=1")))
    assert "Secret question?" in text(admin.get(academy.lesson_url(academy.locked_quiz, "?preview=2")))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OrgMemberLessonProgress.id))) == before


def test_a_preview_shows_a_new_learner_not_the_previewers_own_progress(app, login, academy):
    """The admin is also a learner who completed a lesson: their preview shows it not completed."""
    with app.app_context():
        admin_member_id = _admin_member_id(academy)
        make_access(db.session.get(OrgMember, admin_member_id), db.session.get(OrgProduct, academy.product_id), tier=1)
        p = db.session.get(OrgProductCourseModuleSectionLesson, academy.text1)
        db.session.add(OrgMemberLessonProgress(org_id=academy.org_id, member_id=admin_member_id, placement_id=p.id,
                                               lesson_id=p.lesson_id, status="completed", position_seconds=0,
                                               completed_at=utcnow()))
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    own = text(admin.get(academy.lesson_url(academy.text2)))
    assert f'data-placement="{academy.text1}" data-tier="1" data-locked="false" data-completed="true"' in own
    preview = text(admin.get(academy.lesson_url(academy.text2, "?preview=1")))
    assert f'data-placement="{academy.text1}" data-tier="1" data-locked="false" data-completed="false"' in preview


def _admin_member_id(a) -> str:
    from app.accounts.models import User

    org = db.session.get(Org, a.org_id)
    user = db.session.scalar(sa.select(User).where(User.email == a.admin_email))
    return get_employee(org, user).member_id


def test_a_draft_course_can_be_previewed_by_its_editors_only(app, login, academy):
    with app.app_context():
        db.session.get(OrgProduct, academy.product_id).status = "draft"
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    learner = _as(app, login, academy.learner_email)
    assert admin.get(academy.lesson_url(academy.text1)).status_code == 404
    assert admin.get(academy.lesson_url(academy.text1, "?preview=2")).status_code == 200
    assert learner.get(academy.lesson_url(academy.text1, "?preview=2")).status_code == 404
    assert app.test_client().get(academy.lesson_url(academy.text1, "?preview=2")).status_code == 404
