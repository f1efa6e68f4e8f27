"""Everything a buyer or learner reads is in the page's language: the demo store's catalog, product
pages, cart, checkout, a lesson and a quiz, rendered in German, French and Spanish, show none of the
English base texts that have a translation into that language (product, plan, variant, collection
and skill names, a physical item's shipping note, lesson and module titles and summaries, quiz
questions, choices and explanations); the usage plan reads its billing in German; what employees
with the catalog translate in the dashboard (variant and collection names, the shipping note) is
what the storefront shows, with the base text where a translation is empty."""

from __future__ import annotations

import html as html_lib
import re

import pytest
import sqlalchemy as sa

from app.accounts.models import User
from app.catalog.models import (
    OrgProduct,
    OrgProductCollection,
    OrgProductCollectionTranslation,
    OrgProductTranslation,
    OrgProductVariant,
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
from app.demo_data import NOT_IN_LATAM_PRODUCT, SHOWCASE_PRODUCT
from app.extensions import db
from app.orgs.models import OrgAuditLog
from app.orgs.services import get_org_by_slug
from app.platform.models import Skill, SkillTranslation

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

    add("product", rows(OrgProductTranslation), ("name", "description", "shipping_note"), lambda t: t.product)
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


# Every test here runs on the demo loaded once for the module (tests/conftest.py demo_data).
pytestmark = [pytest.mark.module_data, pytest.mark.usefixtures("demo_data")]


@pytest.fixture
def demo(app):
    with app.app_context():
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
        if name == "sql course" and locale == "de":  # the usage plan reads its billing in German
            assert "0,10 € pro Frage · 50 Fragen inklusive" in text
        left = _english_left(text, pairs)
        if left:
            problems[name] = left
    assert not problems, problems


# ---- the usage plan's billing, and what employees translate in the dashboard ---------------------

DESIGN = "design-systems-in-practice"  # two variants: the product page names them
DASHBOARD = "/dashboard/acme"


def _signed_in(app, login, email):
    client = app.test_client()
    assert login(client, email, app.config["DEMO_PASSWORD"]).status_code in (302, 303)
    return client


def _flat(page) -> str:
    return _text(page.get_data(as_text=True)).replace("\xa0", " ")


def _ids(app) -> dict[str, str]:
    with app.app_context():
        org_id = get_org_by_slug("acme").id
        design = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == org_id, OrgProduct.slug == DESIGN))
        workbook = db.session.scalar(sa.select(OrgProduct).where(OrgProduct.org_id == org_id,
                                                                 OrgProduct.slug == NOT_IN_LATAM_PRODUCT))
        return {
            "design": design.id, "workbook": workbook.id,
            "cohort": db.session.scalar(sa.select(OrgProductVariant.id).where(
                OrgProductVariant.product_id == design.id, OrgProductVariant.name == "Mentored cohort")),
            "bestsellers": db.session.scalar(sa.select(OrgProductCollection.id).where(
                OrgProductCollection.org_id == org_id, OrgProductCollection.slug == "bestsellers")),
        }


def _audited_by(app, email: str) -> set[str]:
    """The audit actions of the acme employee signed in as ``email``."""
    with app.app_context():
        return set(db.session.scalars(
            sa.select(OrgAuditLog.action).join(User, User.id == OrgAuditLog.actor_user_id)
            .where(User.email == email, OrgAuditLog.actor_employee_id.is_not(None),
                   OrgAuditLog.action.like("%translation.set"))))


def test_employees_translate_variant_collection_and_skill_names_and_the_shipping_note_in_the_dashboard(
        demo, app, login):
    """One demo for all parts (loading it is the slow part)."""
    ids = _ids(app)
    _variants_and_collections(app, login, ids)
    _skills(app, login)
    _shipping_note(app, login, ids)


def _skills(app, login):
    """Skills are the platform's: the org names them for its own storefront only."""
    with app.app_context():
        skill = db.session.scalar(sa.select(Skill).where(Skill.slug == "data-analysis"))
        skill_id = skill.id
    key, url = f"skill-{skill_id}", f"{DASHBOARD}/skills/translations/de/skill/{skill_id}"
    creator = _signed_in(app, login, "creator@acme.test")
    assert creator.get(f"{DASHBOARD}/skills/translations").status_code == 403
    assert creator.post(url, data={f"{key}-name": "Falsch"}).status_code == 403

    manager = _signed_in(app, login, "manager@acme.test")
    assert "/skills/translations" in manager.get(f"{DASHBOARD}/translations").get_data(as_text=True)
    sheet = manager.get(f"{DASHBOARD}/skills/translations?locale=de").get_data(as_text=True)
    assert f'id="row-{key}" data-kind="skill" data-status="done"' in sheet  # the platform's name counts
    assert 'value="Datenanalyse"' in sheet
    refused = manager.post(url, data={f"{key}-name": "  "})
    assert refused.status_code == 422 and "Name is required." in refused.get_data(as_text=True)
    assert manager.post(url, data={f"{key}-name": "Datenauswertung"}).status_code == 303

    buyer = app.test_client()
    assert "Datenauswertung" in _flat(buyer.get(f"{STORES['de']}/"))  # the skill filter
    german = _flat(buyer.get(f"{STORES['de']}/products/{SQL}"))  # the course facts
    assert "Datenauswertung" in german and "Datenanalyse" not in german
    assert "Analyse de données" in _flat(buyer.get(f"{STORES['fr']}/products/{SQL}"))
    with app.app_context():  # the platform's translation, which other orgs show, is unchanged
        assert db.session.scalar(sa.select(SkillTranslation.name).where(
            SkillTranslation.skill_id == skill_id, SkillTranslation.locale_key == "de")) == "Datenanalyse"
    assert "skill_translation.set" in _audited_by(app, "manager@acme.test")


def _variants_and_collections(app, login, ids):
    variant_url = f"{DASHBOARD}/products/{ids['design']}/translations/de/variant/{ids['cohort']}"
    collection_url = f"{DASHBOARD}/collections/{ids['bestsellers']}/translations/de/collection/{ids['bestsellers']}"
    variant_key, collection_key = f"variant-{ids['cohort']}", f"collection-{ids['bestsellers']}"

    # Staff may not edit the catalog, a creator not the org's collections: refused, nothing changes.
    staff = _signed_in(app, login, "staff@acme.test")
    assert staff.post(variant_url, data={f"{variant_key}-name": "Falsch"}).status_code == 403
    creator = _signed_in(app, login, "creator@acme.test")
    assert creator.get(f"{DASHBOARD}/collections/{ids['bestsellers']}/translations").status_code == 403
    assert creator.post(collection_url, data={f"{collection_key}-name": "Falsch"}).status_code == 403

    manager = _signed_in(app, login, "manager@acme.test")
    sheet = manager.get(f"{DASHBOARD}/products/{ids['design']}/translations?locale=de")
    assert f'id="row-{variant_key}" data-kind="variant"' in sheet.get_data(as_text=True)
    assert manager.post(variant_url, data={f"{variant_key}-name": "Betreute Gruppe"}).status_code == 303
    page = manager.get(f"{DASHBOARD}/collections/{ids['bestsellers']}/translations?locale=de")
    assert page.status_code == 200 and "Was unsere Lernenden am häufigsten kaufen." in page.get_data(as_text=True)
    assert manager.post(collection_url, data={f"{collection_key}-name": "Renner der Saison",
                                              f"{collection_key}-description": "Beliebt."}).status_code == 303

    buyer = app.test_client()
    german = _flat(buyer.get(f"{STORES['de']}/products/{DESIGN}"))
    assert "Betreute Gruppe" in german and "Gruppe mit Mentoring" not in german
    assert "Renner der Saison" in _flat(buyer.get(f"{STORES['de']}/"))
    english = _flat(buyer.get(f"/acme/eu/en/products/{DESIGN}"))
    assert "Mentored cohort" in english and "Betreute Gruppe" not in english
    assert _audited_by(app, "manager@acme.test") >= {"variant_translation.set", "collection_translation.set"}
    assert "Falsch" not in german


def _shipping_note(app, login, ids):
    """The physical item's shipping note reads in the page's language, the base note where none."""
    product_url = f"products/{NOT_IN_LATAM_PRODUCT}"
    german = _flat(app.test_client().get(f"{STORES['de']}/{product_url}"))
    assert "Versand innerhalb von 2 Werktagen aus unserem Lager in Berlin" in german
    assert "Ships within 2 working days" not in german
    assert "Expédié sous 2 jours ouvrés" in _flat(app.test_client().get(f"{STORES['fr']}/{product_url}"))

    # The creator of the workbook edits its German shipping note on the product's translation sheet.
    creator = _signed_in(app, login, "creator@acme.test")
    key = f"product-{ids['workbook']}"
    save = f"{DASHBOARD}/products/{ids['workbook']}/translations/de/product/{ids['workbook']}"
    sheet = creator.get(f"{DASHBOARD}/products/{ids['workbook']}/translations?locale=de").get_data(as_text=True)
    assert f'name="{key}-shipping_note"' in sheet and "Versand innerhalb von 2 Werktagen" in sheet
    name = "Python für die Datenanalyse: Arbeitsbuch (Druckausgabe)"
    refused = creator.post(save, data={f"{key}-name": name, f"{key}-shipping_note": "x" * 5001})
    assert refused.status_code == 422 and "x" * 5001 in refused.get_data(as_text=True)  # kept, with its message
    assert "at most 5000 characters" in refused.get_data(as_text=True)
    assert creator.post(save, data={f"{key}-name": name, f"{key}-shipping_note": "Kommt per Post."}).status_code == 303
    assert "Kommt per Post." in _flat(app.test_client().get(f"{STORES['de']}/{product_url}"))

    # An empty translation: the German page shows the base note.
    assert creator.post(save, data={f"{key}-name": name, f"{key}-shipping_note": ""}).status_code == 303
    german = _flat(app.test_client().get(f"{STORES['de']}/{product_url}"))
    assert "Ships within 2 working days from our warehouse in Berlin" in german and "Kommt per Post." not in german
    # A creator the workbook is not attributed to may not translate it.
    other = _signed_in(app, login, "creator2@acme.test")
    assert other.post(save, data={f"{key}-name": name, f"{key}-shipping_note": "Nein"}).status_code == 403
    assert "product_translation.set" in _audited_by(app, "creator@acme.test")
