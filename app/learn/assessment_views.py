"""Quiz attempts, assignment submissions and course reviews in the course player (blueprint
``learn_assess``, nested under the storefront prefix like ``learn``: endpoints ``store.learn_assess.*``).

htmx posts get fragments: the quiz/assignment region plus the out-of-band sidebar and progress bars
(``learn/_oob_progress.html``), so the course percentage updates without a reload. Without JS a
successful post redirects to the lesson page (which shows the latest attempt or submission), and a
rejected one shows the full lesson page again with the message and what was typed.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app.errors import DomainError, PermissionDeniedError, ValidationError
from app.extensions import db
from app.learn import assessments, reviews
from app.learn.forms import AssignmentForm, QuizForm, ReviewForm
from app.learn.player import load_player, orm_product, preview_tier_arg, require_open
from app.learn.views import lesson_response
from app.web.errors import render_error
from app.web.errors import too_large_message as _too_large_message
from app.web.htmx import is_htmx, redirect, render

bp = Blueprint("learn_assess", __name__, url_prefix="/learn")


def _player(course_slug: str, placement_id: str | None = None):
    return load_player(g.storefront, current_user, course_slug, placement_id,
                       preview_tier=preview_tier_arg(request.args.get("preview")), chain=g.get("content_chain"))


def _lesson_url(player) -> str:
    args = {"preview": player.learner.preview_tier} if player.learner.previewing else {}
    return url_for("store.learn.lesson", course_slug=player.product.slug,
                   placement_id=player.current.placement_id, **args)


def _full_lesson(player, assessment: dict, status: int):
    """The whole lesson page with this assessment context: a post without JS that must show
    something the lesson page cannot rebuild from the database (an error with what was typed or
    chosen, an unsaved result)."""
    return lesson_response(player=player, assessment=assessment, status=status)


def _fragment(player, template: str, assessment: dict, *, status: int = 200, oob: bool = False):
    """``template`` for htmx; with ``oob`` also the sidebar, the progress bars and the lesson's
    completion box, swapped out of band."""
    html = render_template(template, player=player, assessment=assessment)
    if oob:
        html += render_template("learn/_oob_progress.html", player=player)
        complete = render_template("learn/_complete.html", player=player)
        if "data-hx-swap-oob" not in complete:
            complete = complete.replace('id="lesson-complete"', 'id="lesson-complete" data-hx-swap-oob="true"', 1)
        html += complete
    response = make_response(html, status)
    response.headers["Vary"] = "HX-Request"
    return response


# ---- quiz ---------------------------------------------------------------------------------------

def _raw_answers() -> dict[str, list[str]]:
    return {key[2:]: request.form.getlist(key) for key in request.form if key.startswith("q-")}


@bp.post("/<course_slug>/<placement_id>/quiz")
def quiz(course_slug: str, placement_id: str):
    player = _player(course_slug, placement_id)
    require_open(player)
    QuizForm()  # CSRF is checked by CSRFProtect before the view; the form documents it
    try:
        result = assessments.submit_quiz(player, _raw_answers())
    except (assessments.QuizIncomplete, assessments.NoAttemptsLeft) as exc:
        context = assessments.lesson_context(player, questions=getattr(exc, "questions", None), error=exc.message)
        if is_htmx():
            return _fragment(player, "learn/_quiz.html", context, status=422)
        return _full_lesson(player, context, 422)
    db.session.commit()
    if result.saved:
        player = _player(course_slug, placement_id)  # progress and sidebar after the commit
    context = assessments.lesson_context(player, result=result)
    if is_htmx():
        return _fragment(player, "learn/_quiz.html", context, oob=True)
    if result.saved:
        return redirect(_lesson_url(player))
    return _full_lesson(player, context, 200)


# ---- assignment -------------------------------------------------------------------------------

@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(exc):
    """A request over MAX_CONTENT_LENGTH (raised while the form is read, possibly by the CSRF check
    before the view). The body was never read, so the typed answer cannot be given back: with htmx
    only the message region is replaced and the form, with its text, stays as it is in the browser."""
    args = request.view_args or {}
    if not (request.endpoint or "").endswith("learn_assess.assignment") or "placement_id" not in args:
        return render_error(413, _too_large_message())
    try:
        player = _player(args["course_slug"], args["placement_id"])
        require_open(player)
    except DomainError as error:
        return render_error(error.status_code, error.message)
    draft = assessments.AssignmentDraft(errors=[_too_large_message()])
    context = assessments.lesson_context(player, draft=draft)
    if is_htmx():
        response = _fragment(player, "learn/_assignment_errors.html", context, status=413)
        response.headers["HX-Retarget"] = "#assignment-errors"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return _full_lesson(player, context, 413)


@bp.post("/<course_slug>/<placement_id>/assignment")
def assignment(course_slug: str, placement_id: str):
    player = _player(course_slug, placement_id)
    require_open(player)
    form = AssignmentForm()  # reading the form may raise RequestEntityTooLarge (handled above)
    body = form.body.data
    upload = request.files.get("file")
    errors = [str(e) for e in form.body.errors] if not form.validate() else []
    if not errors:
        try:
            assessments.submit_assignment(player, body=body, upload=upload)
        except ValidationError as exc:
            db.session.rollback()
            errors = [exc.message]
    if errors:
        context = assessments.lesson_context(player, draft=assessments.AssignmentDraft(body=body or "", errors=errors))
        if is_htmx():
            return _fragment(player, "learn/_assignment.html", context, status=422)
        return _full_lesson(player, context, 422)
    db.session.commit()
    player = _player(course_slug, placement_id)
    if is_htmx():
        context = assessments.lesson_context(player)
        context["just_submitted"] = True
        return _fragment(player, "learn/_assignment.html", context, oob=True)
    flash(_("Your assignment was submitted."), "success")
    return redirect(_lesson_url(player))


@bp.get("/<course_slug>/<placement_id>/submission/<submission_id>/file")
@login_required
def submission_file(course_slug: str, placement_id: str, submission_id: str):
    """The learner's own uploaded file (always as a download)."""
    player = _player(course_slug, placement_id)
    submission = assessments.member_submission(player, submission_id)
    return send_submission_file(assessments.stored_file(submission), submission.file_name)


def send_submission_file(file, name: str | None):
    """An uploaded file (a path or an open stream), always as a download (never rendered inline),
    never cached."""
    response = send_file(file, as_attachment=True, download_name=name or getattr(file, "name", "file"),
                         mimetype="application/octet-stream", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# ---- course review ------------------------------------------------------------------------------

def _review_form(existing: reviews.MemberReview) -> ReviewForm:
    if request.method == "POST":
        return ReviewForm()
    data = {}
    if existing.rating is not None:
        data.update(level=existing.rating.level, difficulty=str(existing.rating.difficulty))
    if existing.review is not None:
        data.update(rating=str(existing.review.rating), title=existing.review.title or "",
                    body=existing.review.body or "")
    return ReviewForm(data=data)


@bp.route("/<course_slug>/review", methods=["GET", "POST"])
@login_required
def review(course_slug: str):
    player = _player(course_slug)
    member = player.learner.member
    product = player.product
    allowed, percent = reviews.can_review(member, product)
    existing = reviews.member_review(member, product)
    form = _review_form(existing)
    status = 200
    if request.method == "POST":
        if not allowed:
            raise PermissionDeniedError(_(
                "You can rate and review this course once you have completed %(min)d%% of it (you are at %(now)d%%).",
                min=reviews.REVIEW_MIN_PERCENT, now=percent,
            ))
        if form.validate():
            try:
                reviews.save_course_review(
                    member, orm_product(product), level=form.level.data, difficulty=form.difficulty.data,
                    rating=form.rating.data, title=form.title.data, body=form.body.data,
                )
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(exc.message)
            else:
                db.session.commit()
                reviews.forget_product_pages()
                if is_htmx():
                    existing = reviews.member_review(member, product)
                    return render("learn/review.html", "learn/_review_form.html", player=player, form=form,
                                  allowed=allowed, percent=percent, existing=existing, saved=True)
                flash(_("Thank you! Your review was saved."), "success")
                return redirect(url_for(".review", course_slug=course_slug))
        status = 422
    return render("learn/review.html", "learn/_review_form.html", player=player, form=form, allowed=allowed,
                  percent=percent, existing=existing, min_percent=reviews.REVIEW_MIN_PERCENT, status=status)
