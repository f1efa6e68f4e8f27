"""The course player under the storefront (``/<org>/<market>/<locale>/learn/...``) and the public
certificate verification page (``/certificates/<code>``).

Every lesson is a normal page; htmx requests that target the lesson region get the region plus
out-of-band updates of the syllabus and the progress bars. The tier gate is enforced here on every
request (``require_open``); locked lessons show an upgrade panel, never their content.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.db import write_transaction
from app.errors import NotFoundError, PermissionDeniedError, ValidationError
from app.extensions import db
from app.learn import certificates, lesson_html, progress
from app.learn.learning import completed_skills, my_courses
from app.learn.lesson_html import GLOBALS as LESSON_HTML
from app.learn.player import Player, load_player, member_of, preview_tier_arg, require_open, upgrade_offers
from app.learn.syllabus_html import SyllabusRows, progress_lines
from app.platform.storage import storage
from app.web import cache
from app.web.htmx import is_htmx, render, target
from app.web.htmx import page as page_response

bp = Blueprint("learn", __name__, url_prefix="/learn")
certificates_bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def _player(course_slug: str, placement_id: str | None = None, *, preview: bool = True,
            plain: bool = False) -> Player:
    return load_player(
        g.storefront,
        current_user,
        course_slug,
        placement_id,
        preview_tier=preview_tier_arg(request.args.get("preview")) if preview else None,
        chain=g.content_chain,
        plain=plain,
    )


def _lesson_url(player: Player, entry, **extra) -> str:
    if not extra:
        return player.lesson_url(entry)
    if player.learner.previewing:
        extra.setdefault("preview", player.learner.preview_tier)
    return url_for("store.learn.lesson", course_slug=player.product.slug, placement_id=entry.placement_id, **extra)


def upgrade_info(player: Player) -> dict | None:
    """The upgrade panel of a locked current lesson: the tier it needs, the lessons that tier
    opens, and the plans granting it in this market."""
    current = player.current
    if current is None or not player.is_locked(current):
        return None
    return {
        "tier": current.tier,
        "unlocks": player.unlocks_at(current.tier),
        "offers": upgrade_offers(player, current.tier),
    }


def lesson_response(partial: str | None = None, /, *, status: int = 200, **values):
    """A lesson: the template ``partial`` for htmx (with ``values``), else the whole page
    (app.learn.lesson_html.lesson_page, written in Python)."""
    if partial and is_htmx():
        return render(partial, status=status, **values)
    return page_response(lesson_html.lesson_page(**values), status=status)


def _lesson_context(player: Player) -> dict:
    """The template context of a lesson: the player and, for quizzes and assignments, Q's
    ``assessment`` context."""
    ctx: dict = {"player": player, "assessment": None}
    if not player.current_locked and player.lesson is not None and player.lesson.type in ("quiz", "assignment"):
        from app.learn.assessments import lesson_context

        ctx["assessment"] = lesson_context(player)
    return ctx


@certificates_bp.app_template_global("lesson_href")
def lesson_href(player: Player, entry) -> str:
    return _lesson_url(player, entry)


certificates_bp.add_app_template_global(SyllabusRows, "syllabus_rows")
certificates_bp.add_app_template_global(progress_lines, "progress_lines")
for _name, _writer in LESSON_HTML.items():  # the player's templates call these (app.learn.lesson_html)
    certificates_bp.add_app_template_global(_writer, _name)


@certificates_bp.app_template_global("learn_upgrade")
def learn_upgrade(player: Player) -> dict | None:
    return upgrade_info(player)


@certificates_bp.app_template_filter("markdown")
def markdown_filter(text):
    from app.learn.markdown import render_markdown

    return render_markdown(text)


# ---- my learning ---------------------------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    member = member_of(current_user, g.storefront.org_id)
    cards = my_courses(g.storefront, member, g.content_chain) if member is not None else []
    skills = completed_skills(member) if member is not None else []
    return render("learn/index.html", cards=cards, skills=skills)


# ---- the player --------------------------------------------------------------------------------

@bp.get("/<course_slug>/")
def course(course_slug: str):
    """Straight to the lesson to resume (or the first lesson)."""
    player = _player(course_slug)
    entry = player.resume_entry()
    if entry is None:
        raise NotFoundError(_("This course has no lessons yet."))
    return redirect(_lesson_url(player, entry), 302)


# Lessons whose visitor view holds no per-session data (quiz and assignment forms carry a CSRF token).
_VISITOR_CACHEABLE_TYPES = ("text", "video", "file")


class _VisitorLesson:
    """A lesson page as every visitor sees it (free previews and upgrade panels): its title and its
    parts come from the storefront read cache like the product page; the player is loaded (once per
    request) only for what is not cached yet."""

    def __init__(self, course_slug: str, placement_id: str):
        self.course_slug, self.placement_id = course_slug, placement_id
        self.key = (g.storefront.org_id, g.storefront.market_id, bool(g.get("on_market_domain")), g.locale,
                    tuple(g.content_chain), course_slug, placement_id)
        self._context: dict | None = None

    def context(self) -> dict:
        """The lesson's template context (loads the player)."""
        if self._context is None:
            self._context = _lesson_context(_player(self.course_slug, self.placement_id, preview=False, plain=True))
        return self._context

    def title(self) -> str | None:
        """The page title, or None when the page cannot be shared (an open quiz or assignment)."""

        def load() -> str | None:
            player = self.context()["player"]
            if not player.current_locked and player.lesson.type not in _VISITOR_CACHEABLE_TYPES:
                return None
            return f"{player.current.title} · {player.course_name}"

        return cache.cached(("learn-visitor-lesson", *self.key), load)


@bp.get("/<course_slug>/<placement_id>")
@cache.page  # a visitor without cookies: the same page for all (signed-in learners have a session)
def lesson(course_slug: str, placement_id: str):
    if not current_user.is_authenticated and "preview" not in request.args:
        shared = _VisitorLesson(course_slug, placement_id)
        title = shared.title()
        if title is not None:
            swap = target() == "lesson-region"
            return lesson_response("learn/_shared_swap.html" if swap else None, shared=shared, page_title=title)
    player = _player(course_slug, placement_id, plain=True)  # the page only reads the lesson
    member = player.learner.member
    recorded = member is not None and not player.learner.previewing and not player.current_locked
    visit = progress.visit_to_record(member, player.placement, player.progress) if recorded else None
    ctx = _lesson_context(player)
    response = lesson_response("learn/_lesson_swap.html" if target() == "lesson-region" else None, **ctx)
    if visit is not None:
        # Only when the visit changes something (re-opening the lesson viewed last writes nothing).
        # After rendering (committing expires every loaded row, and the page reads the whole course
        # tree), in a short transaction of its own: no lock is held while the page renders.
        with write_transaction(db.session):
            progress.record_visit(visit)
    return response


def _recording_player(course_slug: str, placement_id: str):
    """The player of an open lesson for a member recording progress on their own tier (previews
    never record): (player, member); 403 for non-members and locked lessons."""
    player = _player(course_slug, placement_id, preview=False)
    member = player.learner.member
    if member is None:
        raise PermissionDeniedError(_("Only members of this organization can record progress."))
    require_open(player)
    return player, member


@bp.post("/<course_slug>/<placement_id>/complete")
@login_required
def complete(course_slug: str, placement_id: str):
    """Mark the lesson complete (the learner's own tier: previews never record progress)."""
    player, member = _recording_player(course_slug, placement_id)
    row = progress.complete_lesson(member, player.placement)
    player.progress[placement_id] = row
    player.certificate = certificates.existing(member, player.product.id)
    if is_htmx():
        response = render("learn/_complete_result.html", **_lesson_context(player))
        db.session.commit()  # after rendering (see ``lesson``)
        return response
    db.session.commit()
    if player.certificate is not None:
        flash(_("Congratulations! You completed the course and earned a certificate."), "success")
    else:
        flash(_("Lesson marked as complete."), "success")
    return redirect(_lesson_url(player, player.current), 303)


@bp.post("/<course_slug>/<placement_id>/position")
@login_required
def position(course_slug: str, placement_id: str):
    """Save where the learner stopped watching a video (seconds); 204."""
    player, member = _recording_player(course_slug, placement_id)
    raw = request.form.get("seconds", request.args.get("seconds"))
    if raw is None:
        raise ValidationError(_("The position must be a number of seconds."))
    progress.record_visit(progress.visit_of(member, player.placement), position_seconds=raw)
    db.session.commit()
    return "", 204


@bp.get("/<course_slug>/<placement_id>/file")
def file(course_slug: str, placement_id: str):
    """The file of a file lesson, after the gate: an uploaded file sent from the private storage,
    or a redirect to where an external one is stored."""
    player = _player(course_slug, placement_id)
    require_open(player)
    lesson = player.lesson
    if lesson is None or lesson.type != "file" or not (lesson.file_key or lesson.file_url):
        abort(404)
    if lesson.file_key:
        response = send_stored(lesson.file_key, download_name=lesson.file_name or "download", as_attachment=True)
    else:
        response = redirect(lesson.file_url, 302)
    response.headers["Cache-Control"] = "private, no-store"
    member = player.learner.member
    visit = (progress.visit_to_record(member, player.placement, player.progress)
             if member is not None and not player.learner.previewing else None)
    if visit is not None:
        with write_transaction(db.session):  # a GET: its reads are done, the write gets its own transaction
            progress.record_visit(visit)
    return response


@bp.get("/<course_slug>/<placement_id>/captions.vtt")
def captions(course_slug: str, placement_id: str):
    """The uploaded WebVTT captions of a video lesson, for learners who may open it."""
    player = _player(course_slug, placement_id)
    require_open(player)
    lesson = player.lesson
    if lesson is None or lesson.type != "video" or not lesson.captions_key:
        abort(404)
    response = send_stored(lesson.captions_key, mimetype="text/vtt")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def send_stored(key: str, *, mimetype: str = "application/octet-stream", download_name: str | None = None,
                as_attachment: bool = False):
    """A private file of the storage (404 when it is gone), never sniffed as another type."""
    store = storage()
    if not store.exists(key):
        abort(404)
    path = store.local_path(key)
    source = path if path is not None else store.open(key)
    response = send_file(source, mimetype=mimetype, as_attachment=as_attachment,
                         download_name=download_name or key.rsplit("/", 1)[-1], max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---- public certificate page -----------------------------------------------------------------------

@certificates_bp.get("/<code>")
def show(code: str):
    found = certificates.by_code(code)
    if found is None:
        raise NotFoundError(_("No certificate has this verification code."))
    certificate, org = found
    return render("learn/certificate.html", certificate=certificate, org=org)
