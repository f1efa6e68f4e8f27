"""Course player pages: the tier gate, staff previews, htmx fragments, lesson types, isolation."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.courses.models import OrgProductCourseModuleSectionLesson
from app.entitlements.models import OrgMemberSubscription
from app.extensions import db
from app.learn.models import OrgMemberLessonProgress
from app.orgs.models import OrgMember
from tests.factories import PASSWORD, make_subscription, org_admin
from tests.learn.player_fixtures import (  # noqa: F401
    ADMIN,
    CREATOR,
    LEARNER,
    OTHER_CREATOR,
    build_school,
    grant,
    html_of,
    sidebar_state,
)

HTMX = {"HX-Request": "true", "HX-Target": "lesson-region", "HX-Current-URL": "http://localhost/"}


def _login(client, login, email=LEARNER):
    assert login(client, email, PASSWORD).status_code == 303


def _locked(html: str, school) -> list[bool]:
    state = sidebar_state(html)
    return [state[pid]["locked"] == "true" for pid in school.placements]


# ---- the tier gate ---------------------------------------------------------------------------

def test_tier_one_learner_sees_higher_tiers_locked_with_an_upgrade_panel(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)

    page = client.get(school.url(0))
    assert page.status_code == 200
    assert _locked(html_of(page), school) == [False, False, True, True, True, True]
    assert "The <strong>first</strong> lesson." in html_of(page)

    locked = client.get(school.url(2))
    html = html_of(locked)
    assert locked.status_code == 200
    assert 'class="card upgrade-panel" data-needs-tier="2"' in html
    assert "Tier two secret content" not in html
    # What tier 2 unlocks and the plans granting it here, with their prices, linking to the product.
    assert "unlocks 2 more lessons" in html and "Lesson 3" in html and "Lesson 4" in html
    assert "Premium" in html and "€99.00" in html
    assert "VIP" in html and "€29.00" in html
    assert f'data-plan="{school.plan_ids[2]}"' in html and f'data-plan="{school.plan_ids[3]}"' in html
    assert f'data-plan="{school.plan_ids[1]}"' not in html  # tier 1 does not open it
    assert f'href="{school.prefix}/products/{school.slug}#offers"' in html
    # The mark-complete button is not offered on a locked lesson.
    assert "mark-complete" not in html

    # Its file and its completion answer 403.
    assert client.get(school.url(3, "/file")).status_code == 403
    assert client.post(school.url(2, "/complete")).status_code == 403
    assert client.post(school.url(3, "/position"), data={"seconds": "5"}).status_code == 403


def test_buying_tier_two_opens_its_lessons(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    assert "Tier two secret content" not in html_of(client.get(school.url(2)))

    grant(app, school, 2)
    page = client.get(school.url(2))
    assert "Tier two secret content" in html_of(page)
    assert "upgrade-panel" not in html_of(page)
    assert _locked(html_of(page), school) == [False, False, False, False, True, True]
    download = client.get(school.url(3, "/file"))
    assert download.status_code == 302
    assert download.headers["Location"] == "https://files.example.com/handout.pdf"


def test_a_lapsed_subscription_locks_its_lessons_again(app, client, school, login):
    grant(app, school, 1)
    with app.app_context():
        from app.catalog.models import OrgProductVariantPaymentPlan
        from app.markets.models import OrgMarket

        member = db.session.get(OrgMember, school.member_id)
        plan = db.session.get(OrgProductVariantPaymentPlan, school.plan_ids[3])
        sub = make_subscription(member, plan, db.session.get(OrgMarket, school.market_id))
        sub_id = sub.id
        db.session.commit()
    grant(app, school, 3, subscription_id=sub_id)
    _login(client, login)
    assert "Tier three secret content" in html_of(client.get(school.url(4)))

    with app.app_context():
        db.session.get(OrgMemberSubscription, sub_id).set_status("lapsed")
        db.session.commit()
    html = html_of(client.get(school.url(4)))
    assert "Tier three secret content" not in html
    assert 'data-needs-tier="3"' in html
    assert _locked(html, school) == [False, False, True, True, True, True]


def test_without_any_access_everything_but_free_previews_is_locked(app, client, school, login):
    with app.app_context():
        db.session.get(OrgProductCourseModuleSectionLesson, school.placements[2]).is_free_preview = True
        db.session.commit()
    _login(client, login)
    html = html_of(client.get(school.url(0)))
    assert _locked(html, school) == [True, False, False, True, True, True][:1] + [True, False, True, True, True]
    assert "You do not have access to this course yet." in html
    assert "Tier two secret content" in html_of(client.get(school.url(2)))


# ---- visitors ----------------------------------------------------------------------------------

def test_visitor_sees_free_previews_only_and_is_asked_to_log_in(app, client, school):
    with app.app_context():
        db.session.get(OrgProductCourseModuleSectionLesson, school.placements[1]).is_free_preview = True
        db.session.commit()
    locked = html_of(client.get(school.url(0)))
    assert "upgrade-panel" in locked and "The <strong>first</strong> lesson." not in locked
    assert "Already bought it?" in locked and f"/{school.org_slug}/eu/en/sign-in?next=" in locked  # signs in inside the store
    free = client.get(school.url(1))
    assert free.status_code == 200
    assert "<video" in html_of(free)
    assert "data-position-url" not in html_of(free)  # nothing to save for a visitor
    assert client.get(school.url(1, "/file")).status_code == 404  # not a file lesson
    assert client.get(school.url(3, "/file")).status_code == 403
    assert client.post(school.url(1, "/complete")).status_code in (302, 303)  # login required
    my_learning = client.get(f"{school.prefix}/learn/")
    assert my_learning.status_code == 302 and my_learning.headers["Location"] == f"{school.prefix}/sign-in?next={school.prefix}/learn/"


# ---- staff previews ------------------------------------------------------------------------------

def test_admin_and_attributed_creator_preview_any_tier(app, client, school, login):
    for email in (f"school-{ADMIN}", f"school-{CREATOR}"):
        client.post("/account/logout")
        _login(client, login, email)
        own = html_of(client.get(school.url(4)))
        assert "Tier three secret content" not in own
        assert "Preview as tier 3" in own  # the switcher is offered
        preview = client.get(school.url(4) + "?preview=3")
        html = html_of(preview)
        assert "Tier three secret content" in html
        assert 'class="previewing">Preview as tier 3' in html
        assert "Preview: your progress is not recorded." in html
        # Previews keep their tier while navigating and never record progress.
        assert "?preview=3" in html.split('class="lesson-nav"')[1]
        tier1 = html_of(client.get(school.url(4) + "?preview=1"))
        assert "Tier three secret content" not in tier1 and 'data-needs-tier="3"' in tier1
        assert client.get(school.url(3, "/file") + "?preview=2").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgMemberLessonProgress)) == 0


def test_learners_and_unattributed_creators_cannot_preview(app, client, school, login):
    grant(app, school, 1)
    for email in (LEARNER, f"school-{OTHER_CREATOR}"):
        client.post("/account/logout")
        _login(client, login, email)
        html = html_of(client.get(school.url(4) + "?preview=3"))
        assert "Tier three secret content" not in html
        assert 'data-needs-tier="3"' in html
        assert "Preview as tier" not in html
        assert client.get(school.url(3, "/file") + "?preview=3").status_code == 403


# ---- htmx ------------------------------------------------------------------------------------------

def test_htmx_navigation_gets_the_lesson_region_and_out_of_band_sidebar(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    full = client.get(school.url(1))
    assert "<html" in html_of(full) and 'id="lesson-region"' in html_of(full)
    # Links carry the htmx attributes and a real href (works without JS).
    assert f'href="{school.url(1)}" data-hx-get="{school.url(1)}" data-hx-target="#lesson-region"' in html_of(full)
    assert 'data-hx-push-url="true"' in html_of(full)

    fragment = client.get(school.url(1), headers=HTMX)
    html = html_of(fragment)
    assert fragment.status_code == 200
    assert "<html" not in html and "<header" not in html.split('id="lesson-region"')[0]
    assert html.count('id="lesson-region"') == 1
    assert 'id="learn-sidebar" class="learn-sidebar" aria-label="Syllabus" data-hx-swap-oob="true"' in html
    assert 'id="course-progress"' in html and 'data-hx-swap-oob="true"' in html
    assert "<title>Lesson 2 · Data Course</title>" in html
    assert "HX-Request" in fragment.headers.get("Vary", "")
    # The sidebar marks the new current lesson.
    assert f'current"\n            data-placement="{school.placements[1]}"' in html


def test_course_url_redirects_to_the_lesson_to_resume(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    assert client.get(school.url()).headers["Location"].endswith(school.placements[0])
    client.post(school.url(0, "/complete"))
    assert client.get(school.url()).headers["Location"].endswith(school.placements[1])


# ---- lesson types -------------------------------------------------------------------------------

def test_text_is_rendered_markdown_and_sanitized(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    html = html_of(client.get(school.url(0)))
    assert "<h1>Welcome</h1>" in html
    assert "<script>alert(1)</script>" not in html


def test_text_comes_from_the_content_translation_chain(app, client, school, login):
    from app.courses.models import OrgLesson
    from app.learn.authoring import set_translation

    grant(app, school, 1)
    with app.app_context():
        lesson = db.session.get(OrgLesson, school.lesson_ids[0])
        set_translation(lesson, "de", title="Lektion eins", content="Der *erste* Text.", by=org_admin(lesson))
        db.session.commit()
    _login(client, login)
    german = html_of(client.get(school.url(0).replace("/eu/en/", "/eu/de/")))
    assert "Lektion eins" in german and "Der <em>erste</em> Text." in german
    english = html_of(client.get(school.url(0)))
    assert "Lektion eins" not in english and "The <strong>first</strong> lesson." in english


def test_the_lesson_body_does_not_repeat_the_lesson_title(app, client, school, login):
    from app.courses.models import OrgLesson
    from app.learn.authoring import set_translation

    grant(app, school, 1)
    with app.app_context():  # content that starts with its own title as a heading (as imported lessons do)
        lesson = db.session.get(OrgLesson, school.lesson_ids[0])
        set_translation(lesson, "de", title="Willkommen im Kurs",
                        content="# Willkommen im *Kurs*\n\nDer erste Text.\n\n## Willkommen im Kurs", by=org_admin(lesson))
        db.session.commit()
    _login(client, login)
    german = html_of(client.get(school.url(0).replace("/eu/en/", "/eu/de/")))
    region = german.split('id="lesson-region"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'<h2 id="lesson-title"[^>]*>Willkommen im Kurs</h2>', region)
    assert "<h1>" not in region and "Der erste Text." in region
    assert "<h2>Willkommen im Kurs</h2>" in region  # a later heading with the same words stays
    english = html_of(client.get(school.url(0)))  # "# Welcome" is not the title "Lesson 1": kept
    assert "<h1>Welcome</h1>" in english


def test_video_has_captions_and_resumes_at_the_saved_position(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    html = html_of(client.get(school.url(1)))
    assert '<source src="https://video.example.com/lesson.mp4">' in html
    assert '<track kind="captions" src="https://video.example.com/captions.vtt"' in html
    assert f'data-position-url="{school.url(1, "/position")}"' in html
    assert 'data-resume-at="0"' in html

    assert client.post(school.url(1, "/position"), data={"seconds": "83"}).status_code == 204
    assert client.post(school.url(1, "/position"), data={"seconds": "-4"}).status_code == 422
    assert client.post(school.url(1, "/position"), data={"seconds": "abc"}).status_code == 422
    html = html_of(client.get(school.url(1)))
    assert 'data-resume-at="83"' in html and "Resuming at 1:23" in html


@pytest.mark.parametrize("seconds", ["Infinity", "-Infinity", "inf", "NaN", "nan", "sNaN", "1e309", "-1e309",
                                     "1e5", "86401", "-0.5", "", "12abc", "0x10", "9" * 5000])
def test_video_position_must_be_a_finite_number_of_seconds_in_range(app, client, school, login, seconds):
    grant(app, school, 1)
    _login(client, login)
    client.post(school.url(1, "/position"), data={"seconds": "30"})
    response = client.post(school.url(1, "/position"), data={"seconds": seconds})
    assert response.status_code == 422
    assert "The position must be a number of seconds." in html_of(response)
    assert 'data-resume-at="30"' in html_of(client.get(school.url(1)))  # the saved position is kept


def test_video_position_keeps_whole_seconds(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    assert client.post(school.url(1, "/position"), data={"seconds": " 83.7 "}).status_code == 204
    assert 'data-resume-at="83"' in html_of(client.get(school.url(1)))
    assert client.post(school.url(1, "/position"), data={"seconds": "86400"}).status_code == 204


@pytest.mark.parametrize("preview", ["1e309", "Infinity", "NaN", "-1", "2.5", "9" * 40])
def test_a_preview_tier_that_is_no_whole_number_is_ignored(app, client, school, login, preview):
    _login(client, login, f"school-{ADMIN}")
    response = client.get(school.url(4, f"?preview={preview}"))
    html = html_of(response)
    assert response.status_code == 200 and "Tier three secret content" not in html
    assert 'class="previewing"' not in html and "Preview: your progress is not recorded." not in html


def test_viewing_a_lesson_records_it_as_started(app, client, school, login):
    grant(app, school, 1)
    _login(client, login)
    client.get(school.url(1))
    client.get(school.url(2))  # locked: nothing recorded
    with app.app_context():
        rows = db.session.scalars(sa.select(OrgMemberLessonProgress)).all()
        assert [(r.placement_id, r.status) for r in rows] == [(school.placements[1], "started")]
        assert rows[0].last_viewed_at is not None


# ---- tenancy ----------------------------------------------------------------------------------

def test_another_orgs_course_or_lesson_is_not_found(app, client, school, login):
    with app.app_context():
        other = build_school("other", course_slug="other-course", learner_email="o@example.com")
        db.session.commit()
    grant(app, school, 3)
    _login(client, login)
    assert client.get(f"{school.prefix}/learn/other-course/{other.placements[0]}").status_code == 404
    assert client.get(f"{school.prefix}/learn/other-course/").status_code == 404
    # Another course's placement under this course's slug.
    assert client.get(school.url() + other.placements[0]).status_code == 404
    assert client.get(school.url() + other.placements[0] + "/file").status_code == 404
    assert client.post(school.url() + other.placements[0] + "/complete").status_code == 404
    assert client.get(f"{school.prefix}/learn/no-such-course/").status_code == 404


def test_draft_course_is_not_found(app, client, school, login):
    from app.catalog.models import OrgProduct

    grant(app, school, 1)
    with app.app_context():
        db.session.get(OrgProduct, school.product_id).status = "draft"
        db.session.commit()
    _login(client, login)
    assert client.get(school.url(0)).status_code == 404


def test_a_visitors_lesson_page_comes_from_the_read_cache_when_enabled(app, client, school, count_queries):
    """Every visitor sees the same lesson page (upgrade panel or free preview): cached where the
    template includes it, for full pages and htmx swaps alike, with the page's title."""
    from app.web import cache

    htmx = {"HX-Request": "true", "HX-Target": "lesson-region"}
    cold_page, cold_swap = html_of(client.get(school.url(0))), html_of(client.get(school.url(0), headers=htmx))
    app.config["STOREFRONT_CACHE_SECONDS"] = 30
    try:
        client.get(school.url(0))
        client.get(school.url(0), headers=htmx)
        with count_queries() as warm:
            page = html_of(client.get(school.url(0)))
            swap = html_of(client.get(school.url(0), headers=htmx))
        assert warm.count == 0, str(warm)
        # CSRF tokens (the page's meta tag, the language switcher) are signed with the time: not the lesson's
        token = re.compile(r'(name="csrf-token" content="|name="csrf_token" value=")[^"]*')
        assert (token.sub(r"\1", page), swap) == (token.sub(r"\1", cold_page), cold_swap)
        assert "upgrade-panel" in page and "upgrade-panel" in swap
    finally:
        app.config["STOREFRONT_CACHE_SECONDS"] = 0
        cache.clear()


def test_a_lesson_page_kept_whole_for_visitors_is_never_what_a_learner_gets(app, login, school, count_queries):
    """Visitors without cookies share one cached page (the upgrade panel); a learner who bought the
    course, signed in, gets the lesson itself."""
    from app.web import cache

    grant(app, school, 1)
    app.config["STOREFRONT_CACHE_SECONDS"] = 30
    try:
        first = html_of(app.test_client().get(school.url(0)))
        with count_queries() as warm:
            second = html_of(app.test_client().get(school.url(0)))
        assert warm.count == 0, str(warm)
        assert "upgrade-panel" in first and "upgrade-panel" in second
        learner = app.test_client()
        _login(learner, login)
        own = html_of(learner.get(school.url(0)))
        assert "upgrade-panel" not in own and "The <strong>first</strong> lesson." in own
    finally:
        app.config["STOREFRONT_CACHE_SECONDS"] = 0
        cache.clear()
