"""Performance guard: opening a lesson issues the same number of queries for a 5-lesson and a
300-lesson course (with translations and progress rows for every lesson)."""

from __future__ import annotations

from app.catalog.models import OrgProduct
from app.extensions import db
from app.learn import progress
from app.learn.authoring import add_module, add_section, create_course, place_lesson, set_translation
from app.orgs.models import Org, OrgMember
from tests.factories import PASSWORD, make_access, make_lesson, make_product, org_admin
from tests.learn.player_fixtures import LEARNER  # noqa: F401


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
        big = _course(org, member, "big-course", 10, 5, 6)
        db.session.commit()
    login(client, LEARNER, PASSWORD)
    for prefix in (school.prefix, school.prefix.replace("/en", "/de")):
        small_q = _count(client, count_queries, f"{prefix}/learn/small-course/{small}")
        big_q = _count(client, count_queries, f"{prefix}/learn/big-course/{big}")
        assert small_q.count == big_q.count, f"small:\n{small_q}\n\nbig:\n{big_q}"
        assert big_q.count <= 26, str(big_q)  # 25: the header's "Dashboard" link (issue 11); 26: the cover (issue 12)
        htmx = {"HX-Request": "true", "HX-Target": "lesson-region"}
        small_h = _count(client, count_queries, f"{prefix}/learn/small-course/{small}", htmx)
        big_h = _count(client, count_queries, f"{prefix}/learn/big-course/{big}", htmx)
        assert small_h.count == big_h.count
    print(f"\nlesson page queries: 5 lessons={small_q.count}, 300 lessons={big_q.count}")


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
        _course(org, member, "big-course", 10, 5, 6)
        make_access(member, db.session.get(OrgProduct, school.product_id), tier=1)
        db.session.commit()
    with count_queries() as many:
        assert client.get(f"{school.prefix}/learn/").status_code == 200
    assert one.count == many.count, f"{one}\n\n{many}"
