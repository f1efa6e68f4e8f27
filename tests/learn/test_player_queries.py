"""Performance guard: opening a lesson issues the same number of queries for a 5-lesson and a
300-lesson course (with translations and progress rows for every lesson)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.extensions import db
from app.learn import progress
from app.learn.authoring import add_module, add_section, create_course, place_lesson, set_translation
from app.orgs.models import Org, OrgMember
from tests.factories import PASSWORD, make_access, make_lesson, make_product, org_admin
from tests.learn.player_fixtures import ADMIN, LEARNER, grant


def _course(org, member, slug, modules, sections, lessons_per_section):
    product = make_product(org, name=slug.title(), slug=slug)
    course = create_course(product, level="beginner", difficulty=3, by=org_admin(product))
    placements = []
    for m in range(modules):
        module = add_module(course, title=f"M{m}", required_access_tier=1 + (m % 2), by=org_admin(course))
        set_translation(module, "de", title=f"Modul {m}", by=org_admin(module))
        for s in range(sections):
            section = add_section(module, title=f"S{m}.{s}", by=org_admin(module))
            set_translation(section, "de", title=f"Abschnitt {m}.{s}", by=org_admin(section))
            for n in range(lessons_per_section):
                lesson = make_lesson(org, title=f"L{m}.{s}.{n}")
                set_translation(lesson, "de", title=f"Lektion {m}.{s}.{n}", content="Text", by=org_admin(lesson))
                placements.append(place_lesson(section, lesson, required_access_tier=1 + (n % 3), by=org_admin(section)))
    make_access(member, product, tier=2)
    for i, placement in enumerate(placements):
        if i % 2 == 0:
            progress.mark_complete(member, placement, issue_certificate=False)
        else:
            progress.record_visit(progress.visit_of(member, placement))
    return placements[0].id


def _count(client, count_queries, url, headers=None):
    client.get(url, headers=headers)  # warm up (first view inserts nothing new: rows exist)
    with count_queries() as q:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return q


def test_lesson_page_query_count_does_not_grow_with_the_course(app, client, school, login, count_queries):
    with app.app_context():
        org = db.session.get(Org, school.org_id)
        member = db.session.get(OrgMember, school.member_id)
        small = _course(org, member, "small-course", 1, 1, 5)
        big = _course(org, member, "big-course", 4, 3, 4)  # 48 lessons: a query per row would show
        db.session.commit()
    login(client, LEARNER, PASSWORD)
    for prefix in (school.prefix, school.prefix.replace("/en", "/de")):
        small_q = _count(client, count_queries, f"{prefix}/learn/small-course/{small}")
        big_q = _count(client, count_queries, f"{prefix}/learn/big-course/{big}")
        assert small_q.count == big_q.count, f"small:\n{small_q}\n\nbig:\n{big_q}"
        # 16 before issue 15 read the membership, tier, certificate, preview right and cart count together
        assert big_q.count <= 10, str(big_q)
        htmx = {"HX-Request": "true", "HX-Target": "lesson-region"}
        small_h = _count(client, count_queries, f"{prefix}/learn/small-course/{small}", htmx)
        big_h = _count(client, count_queries, f"{prefix}/learn/big-course/{big}", htmx)
        assert small_h.count == big_h.count
    print(f"\nlesson page queries: 5 lessons={small_q.count}, 48 lessons={big_q.count}")


def test_my_learning_query_count_does_not_grow(app, client, school, login, count_queries):
    with app.app_context():
        org = db.session.get(Org, school.org_id)
        member = db.session.get(OrgMember, school.member_id)
        _course(org, member, "small-course", 1, 1, 5)
        db.session.commit()
    login(client, LEARNER, PASSWORD)
    with count_queries() as one:
        assert client.get(f"{school.prefix}/learn/").status_code == 200
    with app.app_context():
        org = db.session.get(Org, school.org_id)
        member = db.session.get(OrgMember, school.member_id)
        _course(org, member, "big-course", 4, 3, 4)
        make_access(member, db.session.get(OrgProduct, school.product_id), tier=1)
        db.session.commit()
    with count_queries() as many:
        assert client.get(f"{school.prefix}/learn/").status_code == 200
    assert one.count == many.count, f"{one}\n\n{many}"


def _tables(q, table: str) -> list[str]:
    """The statements of ``q`` whose FROM clause reads ``table`` first (the main table of each)."""
    pattern = re.compile(rf"\bFROM\s+\"?{table}\"?(\s|$)", re.IGNORECASE)
    return [s for s in q.statements if pattern.search(_outer(s))]


def _outer(statement: str) -> str:
    """The statement without its parenthesised subqueries (what it reads at the top level)."""
    out, depth = [], 0
    for ch in statement:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def test_a_signed_in_learner_s_lesson_reads_each_per_user_row_once(app, client, school, login, count_queries):
    """The membership (with the cart badge's count, the tier, the certificate and the preview
    right) is one statement; no second membership read for the header, no separate cart count,
    and no employments query for a learner who works for no org (issue 15)."""
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    url = school.url(0)
    client.get(url)  # the first visit records progress; the second writes nothing
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    assert len(_tables(q, "org_member")) == 0, str(q)  # read from user_profile, outer-joined
    assert len([s for s in q.statements if "FROM user_profile" in s]) == 1, str(q)  # with the sign-in
    for table in ("org_member_cart_item", "org_member_product_access", "org_member_course_certificate",
                  "org_employee"):
        assert _tables(q, table) == [], f"{table} read on its own:\n{q}"
    # the storefront (with its locales) and the sign-in (one statement); the course (with its cover)
    # and the lesson, the learner, progress and the syllabus with its translations (one): 2 (16
    # before issue 15's work; 5 on SQLite before the learner's reads became one there too).
    assert q.count == 2, str(q)
    assert _tables(q, "org_image") == [], f"the cover read on its own:\n{q}"
    html = response.get_data(as_text=True)
    assert 'data-count="0"' in html and "dashboard-link" not in html


def test_an_employee_s_lesson_still_links_the_dashboard(app, client, school, login, count_queries):
    login(client, f"{school.org_slug}-{ADMIN}", PASSWORD)
    with count_queries() as q:
        response = client.get(school.url(0))
    assert response.status_code == 200
    assert "dashboard-link" in response.get_data(as_text=True)
    assert len(_tables(q, "org_employee")) == 1, str(q)  # the header's employments, for employees only


def test_a_text_lesson_page_reads_the_lesson_as_plain_columns(app, client, school, login, count_queries):
    """The lesson page of a text lesson reads only the columns it shows (no ORM load of the whole
    placement, lesson and translations: issue 15)."""
    grant(app, school, 1)
    login(client, LEARNER, PASSWORD)
    url = school.url(0)
    client.get(url)
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    lesson_reads = [s for s in q.statements if "org_lesson" in s and "created_by_employee_id" in s]
    assert lesson_reads == [], str(q)


def test_the_learner_state_after_the_membership_was_read_is_one_statement(app, school, count_queries):
    """When the membership was read earlier in the request, the player reads the tier, the
    certificate and the preview right of the course in one statement (three before issue 15), and
    they say what the combined statement says."""
    from app.accounts.models import User
    from app.learn import player as player_module
    from app.orgs.current import request_member

    grant(app, school, 2)
    with app.test_request_context("/"):
        user = db.session.scalar(sa.select(User).where(User.email == LEARNER))
        combined = player_module._learner_state_of(user, school.org_id, school.product_id)
    with app.test_request_context("/"):
        user = db.session.scalar(sa.select(User).where(User.email == LEARNER))
        assert request_member(school.org_id, user) is not None
        with count_queries() as q:
            state = player_module._learner_state_of(user, school.org_id, school.product_id)
    assert q.count == 1, str(q)
    assert (state.member.id, state.tier, state.certificate_id, state.can_preview) == (
        combined.member.id, combined.tier, combined.certificate_id, combined.can_preview) == (
        school.member_id, 2, None, False)


def test_the_player_s_statements_bind_no_expanding_lists(app):
    """A statement with an "expanding" IN list (``column.in_(values)``) has its SQL rendered again by
    SQLAlchemy on every run; the lesson page's own statements bind one value per item (issue 15)."""
    from app.learn import player as player_module

    with app.app_context():
        dialect = db.engine.dialect
        statements = [player_module._course_read(any_status, with_placement)[0]
                      for any_status in (False, True) for with_placement in (False, True)]
        statements += [player_module._page_read(any_status, with_placement, with_member, slots)[0]
                       for any_status in (False, True) for with_placement in (False, True)
                       for with_member in (False, True) for slots in (None, 0, 2)]
        statements += [player_module._learner_state(), player_module._member_course_state(),
                       player_module._member_progress(), player_module._previewer()]
        for statement in statements:
            compiled = statement.compile(dialect=dialect)
            assert not compiled.post_compile_params, str(compiled)
