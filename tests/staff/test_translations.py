"""Content translations in the dashboard: the product's translations tab (texts of the product, its
plans, modules, sections, lessons and quiz questions beside the base text, saved row by row with
or without htmx, what is missing per language and per row) and the org-wide overview with the
filter "untranslated in X"; what is saved shows in the storefront and the player in that
language; only the product's editors get the pages; the query count does not grow with a course."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.catalog import translations as sheets
from app.catalog.models import OrgProduct, OrgProductVariant, OrgProductVariantPaymentPlan
from app.catalog.services import set_product_translation
from app.courses.models import (
    OrgLesson,
    OrgLessonQuizQuestion,
    OrgLessonQuizQuestionTranslation,
    OrgProductCourseModule,
    OrgProductCourseModuleTranslation,
)
from app.extensions import db
from app.learn.authoring import add_section, place_lesson
from app.orgs.models import Org, OrgAuditLog, OrgLocale
from tests.factories import PASSWORD, make_lesson, make_product, org_admin
from tests.learn import assessment_fixtures
from tests.learn.assessment_fixtures import HTMX, text

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture


def _as(app, login, email):
    c = app.test_client()
    assert login(c, email, PASSWORD).status_code in (302, 303)
    return c


def _tab(a, query=""):
    return f"{a.dashboard}/products/{a.product_id}/translations{query}"


def _save_url(a, kind, row_id, locale="de"):
    return f"{a.dashboard}/products/{a.product_id}/translations/{locale}/{kind}/{row_id}"


def _ids(app, a):
    with app.app_context():
        module = db.session.scalar(sa.select(OrgProductCourseModule).where(
            OrgProductCourseModule.course_product_id == a.product_id, OrgProductCourseModule.title == "Basics"))
        section = module.sections[0]
        welcome = section.placements[0].lesson
        plan = db.session.scalar(sa.select(OrgProductVariantPaymentPlan).join(OrgProductVariant).where(
            OrgProductVariant.product_id == a.product_id))
        return {"module": module.id, "section": section.id, "lesson": welcome.id, "plan": plan.id}


def _missing(html: str, locale: str) -> int:
    return int(re.search(rf'data-locale="{locale}" data-missing="(\d+)"', html).group(1))


def test_a_german_title_saved_on_the_tab_shows_in_the_german_storefront(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    page = admin.get(_tab(academy))
    assert page.status_code == 200
    html = text(page)
    assert 'data-locale="de"' in html and "Python Course" in html
    before = _missing(html, "de")

    r = admin.post(_save_url(academy, "product", academy.product_id),
                   data={f"product-{academy.product_id}-name": "Python-Kurs",
                         f"product-{academy.product_id}-description": ""})
    assert r.status_code == 303
    assert _missing(text(admin.get(_tab(academy))), "de") == before - 1

    german = text(app.test_client().get(academy.product_url.replace("/eu/en/", "/eu/de/")))
    assert "Python-Kurs" in german
    english = text(app.test_client().get(academy.product_url))
    assert "Python-Kurs" not in english and "Python Course" in english
    with app.app_context():
        assert db.session.scalar(sa.select(OrgAuditLog.id).where(
            OrgAuditLog.action == "product_translation.set", OrgAuditLog.org_id == academy.org_id)) is not None


def test_plans_modules_sections_and_lessons_show_translated_in_the_storefront(app, login, academy):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    saves = [
        ("plan", ids["plan"], {"name": "Basis", "description": "Alles Wichtige"}),
        ("module", ids["module"], {"title": "Grundlagen", "description": ""}),
        ("section", ids["section"], {"title": "Anfang", "description": ""}),
        ("lesson", ids["lesson"], {"title": "Willkommen", "description": "", "content": "Hallo!"}),
    ]
    for kind, row_id, values in saves:
        r = admin.post(_save_url(academy, kind, row_id), data={f"{kind}-{row_id}-{k}": v for k, v in values.items()})
        assert r.status_code == 303, (kind, text(r)[:300])
    german = text(app.test_client().get(academy.product_url.replace("/eu/en/", "/eu/de/")))
    for word in ("Basis", "Grundlagen", "Anfang", "Willkommen"):
        assert word in german, word
    english = text(app.test_client().get(academy.product_url))
    assert "Grundlagen" not in english and "Basics" in english and "Basic" in english


def test_a_translated_quiz_question_shows_in_the_german_player(app, login, academy):
    admin = _as(app, login, academy.admin_email)
    data = {f"question-{academy.q_single}-prompt": "Welcher Typ bildet Schlüssel auf Werte ab?",
            f"question-{academy.q_single}-choice_b": "Ein Wörterbuch",
            f"question-{academy.q_single}-explanation": "Ein Wörterbuch bildet Schlüssel auf Werte ab."}
    assert admin.post(_save_url(academy, "question", academy.q_single), data=data).status_code == 303
    learner = _as(app, login, academy.learner_email)
    german = text(learner.get(academy.lesson_url(academy.quiz).replace("/eu/en/", "/eu/de/")))
    assert "Welcher Typ bildet Schlüssel auf Werte ab?" in german and "Ein Wörterbuch" in german
    assert "A list" in german  # an untranslated choice keeps its own text
    english = text(learner.get(academy.lesson_url(academy.quiz)))
    assert assessment_fixtures.QUESTION_SINGLE in english and "Welcher" not in english


def test_htmx_saves_one_row_and_a_refused_row_keeps_what_was_typed(app, login, academy):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    key = f"module-{ids['module']}"
    r = admin.post(_save_url(academy, "module", ids["module"]), headers={**HTMX, "HX-Target": f"row-{key}"},
                   data={f"{key}-title": "", f"{key}-description": "Nur eine Beschreibung"})
    assert r.status_code == 422
    html = text(r)
    assert html.lstrip().startswith(f'<article class="card translation-row stack" id="row-{key}"')
    assert "Title is required." in html and "Nur eine Beschreibung" in html

    r = admin.post(_save_url(academy, "module", ids["module"]), headers={**HTMX, "HX-Target": f"row-{key}"},
                   data={f"{key}-title": "Grundlagen", f"{key}-description": "Das Wichtigste"})
    assert r.status_code == 200
    html = text(r)
    assert "Translation saved." in html and 'data-status="done"' in html and 'value="Grundlagen"' in html

    # Without JavaScript a refused row comes back on the whole page, with its message.
    r = admin.post(_save_url(academy, "section", ids["section"]),
                   data={f"section-{ids['section']}-title": "x" * 201})
    assert r.status_code == 422 and "<html" in text(r) and "at most 200 characters" in text(r)


def test_missing_per_row_and_the_filter_untranslated_in_a_language(app, login, academy):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(_tab(academy, "?locale=de")))
    assert f'id="row-lesson-{ids["lesson"]}" data-kind="lesson" data-status="missing"' in html
    assert f'id="row-question-{academy.q_single}"' in html  # quiz questions are rows too
    key = f"lesson-{ids['lesson']}"
    admin.post(_save_url(academy, "lesson", ids["lesson"]), data={f"{key}-title": "Willkommen"})
    html = text(admin.get(_tab(academy, "?locale=de")))
    assert f'id="row-{key}" data-kind="lesson" data-status="partial"' in html  # the content is still missing
    admin.post(_save_url(academy, "lesson", ids["lesson"]),
               data={f"{key}-title": "Willkommen", f"{key}-content": "x"})  # the base has no description
    only_missing = text(admin.get(_tab(academy, "?locale=de&missing=1")))
    assert f'id="row-{key}"' not in only_missing and f'id="row-module-{ids["module"]}"' in only_missing

    # The org-wide page: products with something missing in German.
    overview = admin.get(f"{academy.dashboard}/translations?untranslated=de")
    assert overview.status_code == 200
    assert f'data-product="{academy.product_id}"' in text(overview)
    with app.app_context():
        done = make_product(_org(academy.org_id), name="Sticker", type="physical")
        set_product_translation(done, "de", name="Aufkleber", by=org_admin(academy.org_id))
        done_id = done.id
        db.session.commit()
    filtered = text(admin.get(f"{academy.dashboard}/translations?untranslated=de"))
    assert f'data-product="{done_id}"' not in filtered
    everything = text(admin.get(f"{academy.dashboard}/translations"))
    assert f'data-product="{done_id}"' in everything
    assert admin.get(f"{academy.dashboard}/translations?untranslated=xx").status_code == 200  # ignored


def _org(org_id):
    return db.session.get(Org, org_id)


def test_bad_input_is_a_message_never_a_500(app, login, academy):
    ids = _ids(app, academy)
    admin = _as(app, login, academy.admin_email)
    key = f"module-{ids['module']}"
    assert admin.post(_save_url(academy, "module", ids["module"]),
                      data={f"{key}-title": "A\x00B"}).status_code in (400, 422)
    assert admin.post(_save_url(academy, "module", ids["module"], locale="fr")).status_code == 404  # not an org locale
    assert admin.post(_save_url(academy, "module", ids["module"], locale="en")).status_code == 404  # the base
    assert admin.post(_save_url(academy, "lesson", ids["module"])).status_code == 404  # wrong kind
    assert admin.post(_save_url(academy, "nonsense", ids["module"])).status_code == 404
    assert admin.get(_tab(academy, "?locale=%00")).status_code == 400
    assert admin.get(_tab(academy, "?locale=zz")).status_code == 200  # the first language instead


def test_who_may_translate(app, login, academy):
    ids = _ids(app, academy)
    key = f"module-{ids['module']}"
    for email, get_status, post_status in ((academy.admin_email, 200, 303), (academy.creator_email, 200, 303),
                                           (academy.other_creator_email, 403, 403), (academy.staff_email, 403, 403),
                                           (academy.learner_email, 403, 403)):
        client = _as(app, login, email)
        assert client.get(_tab(academy)).status_code == get_status, email
        assert client.post(_save_url(academy, "module", ids["module"]),
                           data={f"{key}-title": "Grundlagen"}).status_code == post_status, email
    # The org-wide list: creators see the products attributed to them, staff nothing.
    assert _as(app, login, academy.other_creator_email).get(f"{academy.dashboard}/translations").status_code == 200
    assert academy.product_id not in text(_as(app, login, academy.other_creator_email).get(
        f"{academy.dashboard}/translations"))
    assert _as(app, login, academy.staff_email).get(f"{academy.dashboard}/translations").status_code == 403
    with app.app_context():
        other = assessment_fixtures.build_academy()
        db.session.commit()
    admin = _as(app, login, academy.admin_email)
    assert admin.get(f"{academy.dashboard}/products/{other.product_id}/translations").status_code == 404
    assert admin.post(f"{academy.dashboard}/products/{other.product_id}/translations/de/product/{other.product_id}",
                      data={f"product-{other.product_id}-name": "X"}).status_code == 404


def _add_lessons(app, a, n):
    with app.app_context():
        module = db.session.scalar(sa.select(OrgProductCourseModule).where(
            OrgProductCourseModule.course_product_id == a.product_id, OrgProductCourseModule.title == "Basics"))
        by = org_admin(a.org_id)
        section = add_section(module, title=f"Batch {n}", by=by)
        for i in range(n):
            lesson = make_lesson(_org(a.org_id), type="quiz" if i % 10 == 0 else "text", title=f"Extra {i}")
            if lesson.type == "quiz":
                db.session.add(OrgLessonQuizQuestion(org_id=a.org_id, lesson=lesson, prompt=f"Q{i}?", kind="single",
                                                     choices=[{"key": "a", "text": "Yes", "correct": True}]))
            place_lesson(section, lesson, by=by)
        db.session.commit()


def test_the_query_count_does_not_grow_with_the_course(app, login, academy, count_queries):
    admin = _as(app, login, academy.admin_email)
    _add_lessons(app, academy, 5)
    url = _tab(academy, "?locale=de")
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with count_queries() as few_overview:
        assert admin.get(f"{academy.dashboard}/translations").status_code == 200
    _add_lessons(app, academy, 300)
    with count_queries() as many:
        html = text(admin.get(url))
    assert html.count('data-kind="lesson"') >= 305
    assert many.count == few.count, str(many)
    with count_queries() as many_overview:
        assert admin.get(f"{academy.dashboard}/translations").status_code == 200
    assert many_overview.count == few_overview.count, str(many_overview)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OrgLesson).where(
            OrgLesson.org_id == academy.org_id)) >= 311


def test_a_collections_name_and_description_are_translated_on_its_own_sheet(app, login, academy):
    from app.catalog.services import create_collection

    with app.app_context():
        collection = create_collection(_org(academy.org_id), slug="featured", name="Featured",
                                       description="Our picks.", by=org_admin(academy.org_id))
        db.session.commit()
        cid = collection.id
    admin = _as(app, login, academy.admin_email)
    assert f"/collections/{cid}/translations" in text(admin.get(f"{academy.dashboard}/collections/{cid}"))
    page = text(admin.get(f"{academy.dashboard}/collections/{cid}/translations"))
    assert 'data-locale="de" data-missing="1"' in page and "Our picks." in page
    key, url = f"collection-{cid}", f"{academy.dashboard}/collections/{cid}/translations/de/collection/{cid}"

    # htmx: a refused row comes back alone with its message and what was typed; then it is saved.
    r = admin.post(url, headers={**HTMX, "HX-Target": f"row-{key}"},
                   data={f"{key}-name": "", f"{key}-description": "Unsere Auswahl."})
    assert r.status_code == 422
    assert text(r).lstrip().startswith(f'<article class="card translation-row stack" id="row-{key}"')
    assert "Name is required." in text(r) and "Unsere Auswahl." in text(r)
    r = admin.post(url, headers={**HTMX, "HX-Target": f"row-{key}"},
                   data={f"{key}-name": "Empfohlen", f"{key}-description": "Unsere Auswahl."})
    assert r.status_code == 200 and 'data-status="done"' in text(r) and "Translation saved." in text(r)
    # Without JavaScript: the whole page, with the message on the field.
    r = admin.post(url, data={f"{key}-name": "x" * 101})
    assert r.status_code == 422 and "<html" in text(r) and "at most 100 characters" in text(r)
    assert admin.post(url, data={f"{key}-name": "Auswahl", f"{key}-description": "Unsere Auswahl."}).status_code == 303
    assert 'data-locale="de" data-missing="0"' in text(admin.get(f"{academy.dashboard}/collections/{cid}/translations"))

    assert admin.post(url.replace("/de/", "/fr/"), data={f"{key}-name": "X"}).status_code == 404  # no org locale
    assert admin.post(url.replace("/collection/", "/product/"), data={}).status_code == 404
    assert admin.post(f"{academy.dashboard}/collections/{cid}/translations/de/collection/{academy.product_id}",
                      data={}).status_code == 404  # not this collection's text
    with app.app_context():
        assert db.session.scalar(sa.select(OrgAuditLog.id).where(
            OrgAuditLog.action == "collection_translation.set", OrgAuditLog.org_id == academy.org_id)) is not None


def test_variants_are_rows_of_the_product_sheet_and_only_a_physical_item_has_a_shipping_note(app, login, academy):
    with app.app_context():
        variant_id = db.session.scalar(sa.select(OrgProductVariant.id).where(
            OrgProductVariant.product_id == academy.product_id))
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(_tab(academy, "?locale=de")))
    key = f"variant-{variant_id}"
    assert f'id="row-{key}" data-kind="variant"' in html
    assert "shipping_note" not in html  # a course ships nothing
    r = admin.post(_save_url(academy, "variant", variant_id), headers={**HTMX, "HX-Target": f"row-{key}"},
                   data={f"{key}-name": "Onlinekurs"})
    assert r.status_code == 200 and 'value="Onlinekurs"' in text(r)
def _counts_agree(org_id):
    """``missing_counts`` (SQL) says what the loaded sheets' ``missing_count`` says, for every product
    of the org and every language it translates into."""
    _base, locales = sheets.translation_locales(org_id)
    products = list(db.session.scalars(sa.select(OrgProduct).where(OrgProduct.org_id == org_id)))
    loaded = sheets.load_sheets(products)
    expected = {p.id: {loc: loaded[p.id].missing_count(loc) for loc in locales} for p in products}
    assert sheets.missing_counts(org_id, [p.id for p in products], locales) == expected
    return expected


def test_the_overview_counts_in_sql_what_the_sheets_count(app, login, academy):
    with app.app_context():
        db.session.add(OrgLocale(org_id=academy.org_id, locale_key="fr", is_active=True, can_author=True))
        db.session.commit()
        before = _counts_agree(academy.org_id)
        assert before[academy.product_id]["de"] > 0 and before[academy.product_id]["fr"] > 0
    admin = _as(app, login, academy.admin_email)
    html = text(admin.get(f"{academy.dashboard}/translations"))
    assert _missing(html, "de") == before[academy.product_id]["de"]

    with app.app_context():  # one translation more: one row less in German only
        set_product_translation(db.session.get(OrgProduct, academy.product_id), "de", name="Python-Kurs",
                                description="Lernen", by=org_admin(academy.org_id))
        db.session.commit()
        after = _counts_agree(academy.org_id)
        assert after[academy.product_id] == {"de": before[academy.product_id]["de"] - 1,
                                             "fr": before[academy.product_id]["fr"]}
    assert _missing(text(admin.get(f"{academy.dashboard}/translations")), "de") == after[academy.product_id]["de"]

    with app.app_context():  # constructed cases: blanks are no text, every choice of a question counts
        question = db.session.get(OrgLessonQuizQuestion, academy.q_single)
        keys = [str(c["key"]) for c in question.choices]
        db.session.add(OrgLessonQuizQuestionTranslation(
            org_id=academy.org_id, question_id=question.id, locale_key="de", prompt="Frage?",
            explanation="Weil." if question.explanation else None, choices={k: "Antwort" for k in keys}))
        db.session.add(OrgLessonQuizQuestionTranslation(  # one choice missing, one blank
            org_id=academy.org_id, question_id=question.id, locale_key="fr", prompt="Question ?",
            explanation="Parce que." if question.explanation else None,
            choices={k: " \n\t" for k in keys[:1]}))
        module = db.session.scalar(sa.select(OrgProductCourseModule).where(
            OrgProductCourseModule.course_product_id == academy.product_id))
        module.description = " \t\n"  # a blank base is nothing to translate
        db.session.add(OrgProductCourseModuleTranslation(org_id=academy.org_id, module_id=module.id,
                                                         locale_key="de", title="  ", description=None))
        db.session.flush()
        final = _counts_agree(academy.org_id)
        assert final[academy.product_id]["de"] == after[academy.product_id]["de"] - 1  # the question is done
        assert final[academy.product_id]["fr"] == after[academy.product_id]["fr"]  # its choices are not
        db.session.rollback()


def test_the_overview_is_paged_and_its_query_count_does_not_grow_with_the_products(app, login, academy,
                                                                                   count_queries):
    admin = _as(app, login, academy.admin_email)
    url = f"{academy.dashboard}/translations"
    admin.get(url)
    with count_queries() as few:
        assert admin.get(url).status_code == 200
    with count_queries() as few_filtered:
        assert admin.get(f"{url}?untranslated=de").status_code == 200
    with app.app_context():
        org, by = _org(academy.org_id), org_admin(academy.org_id)
        for i in range(80):
            product = make_product(org, name=f"Zz extra {i:02d}", type="physical", by=by)
            if i % 4 == 0:
                set_product_translation(product, "de", name=f"Zz extra {i:02d} (de)", by=by)
        db.session.commit()
    with count_queries() as many:
        first = text(admin.get(url))
    assert many.count == few.count, str(many)
    # the org's languages are read once per request (the filter's choices and the counts share them)
    assert sum("FROM org_locale" in s and "can_author" in s for s in many.statements) == 1, str(many)
    with count_queries() as many_filtered:
        filtered = text(admin.get(f"{url}?untranslated=de"))
    assert many_filtered.count == few_filtered.count, str(many_filtered)

    assert first.count("data-product=") == 50 and 'rel="next"' in first
    second = text(admin.get(f"{url}?page=2"))
    assert "Zz extra 79" in second and 'data-product="' in second and 'rel="next"' not in second
    # the filter is applied in SQL, before paging (the 20 translated extras are left out), and the
    # page links keep it
    assert filtered.count("data-product=") == 50
    nav = re.search(r'<nav class="pagination".*?</nav>', filtered, re.S).group(0)
    assert "untranslated=de" in nav and "page=2" in nav
    rest = text(admin.get(f"{url}?untranslated=de&page=2"))
    shown = filtered + rest
    assert "Zz extra 01" in shown and "Zz extra 79" in shown
    assert not any(f"Zz extra {i:02d}<" in shown for i in range(0, 80, 4))
    shown = re.search(r"(\d+) of (\d+) products have texts untranslated in de", filtered)
    with app.app_context():
        counts = _counts_agree(academy.org_id)
    assert (int(shown[1]), int(shown[2])) == (sum(1 for c in counts.values() if c["de"]), len(counts))
