"""The course builder (``/dashboard/<org>/products/<id>/content``, the "Course content" tab of a
course product): the module -> section -> lesson tree on one page, with inline title editing,
adding, deleting (with a confirmation), reordering (drag and drop in static/js/course_builder.js;
"move up/down" buttons and a "move to section" select without JavaScript), the tier each part
requires next to the effective tier the learner meets, the free-preview flag, attaching a lesson
from the org's library or creating one, and "preview as learner" (the player at tier N in a
chosen market and locale, recording nothing).

Who: whoever may edit the product (``editable_product``: admins and managers every product,
creators those attributed to them). The rules live in app.learn.builder.

Every change answers htmx with the tree fragment (``#builder-tree``) and anything else with a
redirect back to the page (its anchor on the changed part); a refused change shows its message
(422 / 409) and loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.routing import BuildError
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.catalog.models import OrgProduct
from app.courses.models import LESSON_TYPES
from app.errors import DomainError, NotFoundError, ValidationError
from app.extensions import db
from app.learn import builder
from app.markets.models import OrgMarket
from app.staff.blueprint import bp
from app.staff.forms import ConfirmForm
from app.staff.product_tabs import editable_product
from app.web import labels
from app.web.htmx import is_htmx, redirect, render
from app.web.inputs import Form

LESSON_EDITOR = "staff.lesson_edit"  # the lesson editor (app/staff/lessons.py), linked once it exists
KIND_LABELS = {"module": _l("Module title"), "section": _l("Section title"), "placement": _l("Lesson title")}


def _tier_choices():
    return [SelectChoice(str(t), _l("Tier %(tier)d", tier=t)) for t in range(1, builder.MAX_TIER + 1)]


# ---- forms -------------------------------------------------------------------------------------------

class TitleForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter a title.")), Length(max=200)])


class NewPartForm(TitleForm):
    tier = SelectField(_l("Required tier"), choices=_tier_choices, default="1")


class AccessForm(Form):
    tier = SelectField(_l("Required tier"), choices=_tier_choices)
    free_preview = BooleanField(_l("Free preview"))


class MoveForm(Form):
    direction = HiddenField()
    parent_id = StringField(_l("Move to"), validators=[Optional(), Length(max=64)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=12)])


class AttachForm(Form):
    lesson_id = HiddenField(validators=[InputRequired(message=_l("Choose a lesson.")), Length(max=64)])


class NewLessonForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter a title.")), Length(max=200)])
    type = SelectField(_l("Type"), choices=[SelectChoice(t, labels.LESSON_TYPES[t]) for t in LESSON_TYPES])
    url = StringField(_l("Video or file URL"), validators=[Optional(), Length(max=500)])


# ---- the page ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreviewChoice:
    value: str  # "<market slug>/<locale>"
    label: str


def preview_choices(org_id: str) -> list[PreviewChoice]:
    """Every (active market, locale it offers) of the org (two queries)."""
    markets = db.session.scalars(
        sa.select(OrgMarket).where(OrgMarket.org_id == org_id, OrgMarket.is_active.is_(True))
        .order_by(OrgMarket.name, OrgMarket.slug).options(selectinload(OrgMarket.locales))
    ).all()
    return [PreviewChoice(f"{m.slug}/{loc.locale_key}", f"{m.name} · {loc.locale_key}")
            for m in markets for loc in sorted(m.locales, key=lambda x: (x.sort_order, x.locale_key))]


def lesson_edit_url(lesson_id: str) -> str | None:
    """The lesson editor's URL for the lesson, once that page exists (None before)."""
    if LESSON_EDITOR not in current_app.view_functions:
        return None
    try:
        return url_for(LESSON_EDITOR, lesson_id=lesson_id)
    except BuildError:  # the editor takes other arguments: no link rather than an error
        return None


def _context(product: OrgProduct, **extra) -> dict:
    tree = builder.load_tree(product)
    return {
        "product": product, "current": "content", "tree": tree, "kind_labels": KIND_LABELS,
        "tier_choices": _tier_choices(), "lesson_types": labels.LESSON_TYPES,
        "lesson_edit_url": lesson_edit_url,
        "module_form": extra.pop("module_form", None) or NewPartForm(formdata=None),
        "confirm_form": ConfirmForm(formdata=None),
        "preview_choices": preview_choices(product.org_id),
        **extra,
    }


def _page(product: OrgProduct, *, status: int = 200, **extra):
    return render("staff/course_builder.html", "staff/_course_builder_tree.html", status=status,
                  **_context(product, **extra))


def _done(product: OrgProduct, message: str, anchor: str | None = None):
    """After a change: the tree for htmx, else back to the page (a 303)."""
    if is_htmx():
        return _page(product, notice=message)
    flash(message, "success")
    return redirect(url_for(".course_builder", product_id=product.id) + (f"#{anchor}" if anchor else ""))


def _refused(product: OrgProduct, message: str, status: int = 422, **extra):
    db.session.rollback()
    return _page(product, error=message, status=status, **extra)


def _form_error(form) -> str:
    return next((e for errors in form.errors.values() for e in errors), _("Check the form and try again."))


@bp.get("/products/<product_id>/content")
def course_builder(product_id: str):
    product = editable_product(product_id)
    if product.type != "course":
        raise NotFoundError(_("Only courses have course content."))
    return _page(product)


def _course_product(product_id: str) -> OrgProduct:
    product = editable_product(product_id)
    if product.type != "course":
        raise NotFoundError(_("Only courses have course content."))
    return product


# ---- adding ------------------------------------------------------------------------------------------

@bp.post("/products/<product_id>/content/modules")
def course_builder_add_module(product_id: str):
    product = _course_product(product_id)
    form = NewPartForm()
    if not form.validate():
        return _refused(product, _form_error(form), module_form=form)
    try:
        module = builder.new_module(product, title=form.title.data, tier=form.tier.data, by=g.employee)
    except DomainError as exc:
        return _refused(product, exc.message, exc.status_code, module_form=form)
    db.session.commit()
    return _done(product, _("Module “%(title)s” added.", title=module.title), f"module-{module.id}")


@bp.post("/products/<product_id>/content/modules/<module_id>/sections")
def course_builder_add_section(product_id: str, module_id: str):
    product = _course_product(product_id)
    module = builder.get_item(product, "module", module_id)
    form = NewPartForm()
    if not form.validate():
        return _refused(product, _form_error(form))
    try:
        section = builder.new_section(module, title=form.title.data, tier=form.tier.data, by=g.employee)
    except DomainError as exc:
        return _refused(product, exc.message, exc.status_code)
    db.session.commit()
    return _done(product, _("Section “%(title)s” added.", title=section.title), f"section-{section.id}")


@bp.post("/products/<product_id>/content/sections/<section_id>/lessons")
def course_builder_add_lesson(product_id: str, section_id: str):
    """Attach a library lesson (``lesson_id``) or create one (title, type, URL for video/file)."""
    product = _course_product(product_id)
    section = builder.get_item(product, "section", section_id)
    attach = "lesson_id" in request.form
    form = AttachForm() if attach else NewLessonForm()
    if not form.validate():
        return _refused(product, _form_error(form))
    try:
        if attach:
            placement = builder.attach_lesson(section, form.lesson_id.data, by=g.employee)
        else:
            placement = builder.create_and_place(section, title=form.title.data, type=form.type.data,
                                                 url=form.url.data, by=g.employee)
    except DomainError as exc:
        return _refused(product, exc.message, exc.status_code)
    db.session.commit()
    return _done(product, _("Lesson “%(title)s” added.", title=placement.lesson.title),
                 f"placement-{placement.id}")


@bp.get("/products/<product_id>/content/sections/<section_id>/library")
def course_builder_library(product_id: str, section_id: str):
    """The org's lessons matching ``q`` to attach to the section (htmx: the result list)."""
    product = _course_product(product_id)
    section = builder.get_item(product, "section", section_id)
    query = request.args.get("q", "")[:200]
    results = builder.search_library(product, query)
    placed = {p.lesson_id for p in section.placements}
    return render("staff/course_builder_library.html", "staff/_course_builder_library.html", product=product,
                  current="content", section=section, query=query, results=results, placed=placed,
                  lesson_types=labels.LESSON_TYPES)


# ---- changing one part ----------------------------------------------------------------------------------

@bp.route("/products/<product_id>/content/<kind>/<item_id>/title", methods=["GET", "POST"])
def course_builder_title(product_id: str, kind: str, item_id: str):
    """GET: the title's edit form (htmx: inline; else a page). ``?cancel=1`` (htmx) gives the title
    back. POST: save it."""
    product = _course_product(product_id)
    item = builder.get_item(product, kind, item_id)
    current_title = item.lesson.title if kind == "placement" else item.title
    ctx = {"product": product, "current": "content", "kind": kind, "item": item, "kind_labels": KIND_LABELS}
    if request.method == "GET":
        if request.args.get("cancel") and is_htmx():
            return render("staff/_course_builder_title.html", kind=kind, item=item, title=current_title,
                          product=product)
        form = TitleForm(formdata=None, data={"title": current_title})
        return render("staff/course_builder_title.html", "staff/_course_builder_title_form.html", form=form,
                      **ctx)
    form = TitleForm()
    error = None
    if form.validate():
        try:
            builder.rename(item, form.title.data, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status_code
        else:
            db.session.commit()
            if is_htmx():
                return render("staff/_course_builder_title.html", kind=kind, item=item,
                              title=item.lesson.title if kind == "placement" else item.title, product=product)
            flash(_("Title saved."), "success")
            return redirect(url_for(".course_builder", product_id=product.id) + f"#{kind}-{item.id}")
    else:
        error, status = _form_error(form), 422
    return render("staff/course_builder_title.html", "staff/_course_builder_title_form.html", form=form,
                  error=error, status=status, **ctx)


@bp.post("/products/<product_id>/content/<kind>/<item_id>/access")
def course_builder_access(product_id: str, kind: str, item_id: str):
    """The tier a part requires (and a placement's free-preview flag)."""
    product = _course_product(product_id)
    item = builder.get_item(product, kind, item_id)
    form = AccessForm()
    if not form.validate():
        return _refused(product, _form_error(form))
    try:
        builder.set_access(item, tier=form.tier.data,
                           free_preview=form.free_preview.data if kind == "placement" else None, by=g.employee)
    except DomainError as exc:
        return _refused(product, exc.message, exc.status_code)
    db.session.commit()
    return _done(product, _("Access saved."), f"{kind}-{item.id}")


@bp.post("/products/<product_id>/content/<kind>/<item_id>/move")
def course_builder_move(product_id: str, kind: str, item_id: str):
    """``direction`` up/down, or ``parent_id`` (a section's module, a lesson's section) and/or
    ``position`` (1 = first), as the drag and drop script sends them."""
    product = _course_product(product_id)
    item = builder.get_item(product, kind, item_id)
    form = MoveForm()
    if not form.validate():
        return _refused(product, _form_error(form))
    try:
        if form.direction.data:
            builder.move(item, form.direction.data, by=g.employee)
        elif form.parent_id.data or form.position.data:
            builder.move_to(item, parent_id=form.parent_id.data or None, position=form.position.data,
                            by=g.employee)
        else:
            raise ValidationError(_("Choose where to move it."))
    except DomainError as exc:
        return _refused(product, exc.message, exc.status_code)
    db.session.commit()
    return _done(product, _("Moved."), f"{kind}-{item.id}")


@bp.post("/products/<product_id>/content/<kind>/<item_id>/delete")
def course_builder_delete(product_id: str, kind: str, item_id: str):
    """Asks first (without ``confirmed=1``: what will be removed), then deletes."""
    product = _course_product(product_id)
    item = builder.get_item(product, kind, item_id)
    form = ConfirmForm()
    if not form.validate():
        return _refused(product, _("The form has expired. Try again."), 400)
    if not form.is_confirmed:
        activity = builder.learner_activity(item)
        title = item.lesson.title if kind == "placement" else item.title
        return render("staff/course_builder_delete.html", product=product, current="content", kind=kind,
                      item=item, title=title, activity=activity, form=form, kind_labels=KIND_LABELS)
    try:
        builder.delete(item, by=g.employee)
    except DomainError as exc:
        return _refused(product, exc.message, exc.status_code)
    db.session.commit()
    return _done(product, _("Deleted."))


# ---- preview as learner ------------------------------------------------------------------------------

@bp.get("/products/<product_id>/content/preview")
def course_builder_preview(product_id: str):
    """To the course player as a learner of ``tier`` in the chosen market and locale (``storefront``
    = "<market slug>/<locale>"): the player's preview, which records nothing and unlocks only what
    that tier opens."""
    product = _course_product(product_id)
    choices = {c.value for c in preview_choices(product.org_id)}
    chosen = request.args.get("storefront", "")
    tier = request.args.get("tier", "")
    if chosen not in choices or tier not in {str(t) for t in range(1, builder.MAX_TIER + 1)}:
        return _refused(product, _("Choose a tier and a storefront to preview."), 422)
    market_slug, locale = chosen.split("/", 1)
    return redirect(url_for("store.learn.course", org_slug=g.staff_org.slug, market_slug=market_slug,
                            locale=locale, course_slug=product.slug, preview=tier), 303)
