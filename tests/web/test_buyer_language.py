"""Everything a buyer or learner reads is in the page's language: the demo store's catalog, product
pages, cart, checkout, a lesson and a quiz, rendered in German, French and Spanish, show none of the
English base texts that have a translation into that language (product, plan, variant, collection
and skill names, lesson and module titles and summaries, quiz questions, choices and explanations)."""

from __future__ import annotations

import html as html_lib
import re

import pytest
import sqlalchemy as sa

from app.catalog.models import (
    OrgProduct,
    OrgProductCollectionTranslation,
    OrgProductTranslation,
    OrgProductVariantPaymentPlan,
    OrgProductVariantPaymentPlanTranslation,
    OrgProductVariantTranslation,
)
from app.courses.models import (
    OrgLesson,
    OrgLessonQuizQuestionTranslation,
    OrgLessonTranslation,
    OrgProductCourseModule,
    OrgProductCourseModuleSection,
    OrgProductCourseModuleSectionLesson,
    OrgProductCourseModuleSectionTranslation,
    OrgProductCourseModuleTranslation,
)
from app.demo import load_demo
from app.demo_data import NOT_IN_LATAM_PRODUCT, SHOWCASE_PRODUCT
from app.extensions import db
from app.orgs.services import get_org_by_slug
from app.platform.models import SkillTranslation

STORES = {"de": "/acme/eu/de", "fr": "/acme/eu/fr", "es": "/acme/latam/es"}
SQL = "sql-essentials"


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch):
    from argon2 import PasswordHasher

    from app.accounts import services as accounts

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "hash_password", cheap.hash)


def _pairs(locale: str) -> list[tuple[str, str, str]]:
    """(what, English base text, its translation) of every translated text of acme into ``locale``."""
    pairs: list[tuple[str, str, str]] = []

    def add(what, rows, fields, base_of):
        for row in rows:
            base = base_of(row)
            for name in fields:
                pairs.append((f"{what}.{name}", getattr(base, name), getattr(row, name)))

    def rows(model):
        return db.session.scalars(sa.select(model).where(model.locale_key == locale)).all()

    add("product", rows(OrgProductTranslation), ("name", "description"), lambda t: t.product)
    add("plan", rows(OrgProductVariantPaymentPlanTranslation), ("name", "description"), lambda t: t.plan)
    add("variant", rows(OrgProductVariantTranslation), ("name",), lambda t: t.variant)
    add("collection", rows(OrgProductCollectionTranslation), ("name", "description"), lambda t: t.collection)
    add("skill", rows(SkillTranslation), ("name",), lambda t: t.skill)
    add("module", rows(OrgProductCourseModuleTranslation), ("title", "description"), lambda t: t.module)
    add("section", rows(OrgProductCourseModuleSectionTranslation), ("title",), lambda t: t.section)
    add("lesson", rows(OrgLessonTranslation), ("title", "description"), lambda t: t.lesson)
    for t in rows(OrgLessonQuizQuestionTranslation):
        question = t.question
        pairs.append(("question.prompt", question.prompt, t.prompt))
        pairs.append(("question.explanation", question.explanation, t.explanation))
        for choice in question.choices:
            pairs.append(("question.choice", choice["text"], (t.choices or {}).get(str(choice["key"]))))
    return [(what, base, tr) for what, base, tr in pairs if base and tr and base.strip() != tr.strip()]


def _text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", page)))


def _english_left(text: str, pairs) -> list[str]:
    """The base texts of ``pairs`` still on the page, once the translations are taken out of it (a
    translation may contain its base word: "Les DataFrames")."""
    for translation in sorted({re.sub(r"\s+", " ", t.strip()) for _w, _b, t in pairs}, key=len, reverse=True):
        text = text.replace(translation, " | ")
    found = []
    for what, base, _translation in pairs:
        probe = re.sub(r"\s+", " ", base.strip())
        probe = probe if len(probe) <= 80 else probe[:60]  # a long text: its beginning (cards cut it)
        if re.search(rf"(?<!\w){re.escape(probe)}(?!\w)", text):
            found.append(f"{what}: {probe!r}")
    return found


def _placement(course_slug: str, lesson_title: str) -> str:
    product = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.slug == course_slug,
                                                            OrgProduct.org_id == get_org_by_slug("acme").id))
    placement = OrgProductCourseModuleSectionLesson
    return db.session.scalar(
        sa.select(placement.id)
        .join(OrgLesson, OrgLesson.id == placement.lesson_id)
        .join(OrgProductCourseModuleSection, OrgProductCourseModuleSection.id == placement.section_id)
        .join(OrgProductCourseModule, OrgProductCourseModule.id == OrgProductCourseModuleSection.module_id)
        .where(OrgProductCourseModule.course_product_id == product.id, OrgLesson.title == lesson_title))


def _plan_id(product_slug: str, plan_name: str) -> str:
    return db.session.scalar(
        sa.select(OrgProductVariantPaymentPlan.id).join(OrgProductVariantPaymentPlan.variant)
        .join(OrgProduct).where(OrgProduct.slug == product_slug, OrgProduct.org_id == get_org_by_slug("acme").id,
                                OrgProductVariantPaymentPlan.name == plan_name))


@pytest.fixture
def demo(app):
    with app.app_context():
        load_demo()
        db.session.commit()
        ids = {
            "lesson": _placement(SHOWCASE_PRODUCT, "Why Python for data analysis?"),
            "quiz": _placement(SHOWCASE_PRODUCT, "Quiz: Python basics"),
            "plans": [_plan_id(SQL, "AI tutor credits"), _plan_id(SHOWCASE_PRODUCT, "VIP"),
                      _plan_id(NOT_IN_LATAM_PRODUCT, "Paperback")],
            "pairs": {locale: _pairs(locale) for locale in STORES},
        }
    return ids


@pytest.mark.parametrize("locale", sorted(STORES))
def test_main_pages_show_no_english_text_that_has_a_translation(demo, app, client, login, locale):
    store = STORES[locale]
    pairs = demo["pairs"][locale]
    # the demo data translates what buyers and learners read: the check below has something to find
    assert {what.split(".")[0] for what, _b, _t in pairs} >= {
        "product", "plan", "variant", "collection", "skill", "module", "lesson", "question"}
    assert login(client, "learner@acme.test", app.config["DEMO_PASSWORD"]).status_code in (302, 303)
    for plan_id in demo["plans"]:
        client.post(f"{store}/cart/items", data={"plan_id": plan_id})  # the workbook is not sold in latam

    pages = {
        "catalog": f"{store}/",
        "course": f"{store}/products/{SHOWCASE_PRODUCT}",
        "sql course": f"{store}/products/{SQL}",
        "cart": f"{store}/cart",
        "checkout": f"{store}/checkout",
        "lesson": f"{store}/learn/{SHOWCASE_PRODUCT}/{demo['lesson']}",
        "quiz": f"{store}/learn/{SHOWCASE_PRODUCT}/{demo['quiz']}",
    }
    if locale != "es":
        pages["workbook"] = f"{store}/products/{NOT_IN_LATAM_PRODUCT}"
    problems = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text(response.get_data(as_text=True))
        left = _english_left(text, pairs)
        if left:
            problems[name] = left
    assert not problems, problems
