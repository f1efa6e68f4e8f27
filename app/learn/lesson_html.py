"""The course player's page (``learn/_player.html``) and its lesson region (``learn/_lesson.html``),
with the completion box, the progress bars and the review prompt, rendered in Python.

After the syllabus (app.learn.syllabus_html), the lesson region was the costliest Jinja of a
signed-in learner's lesson page (issue 15): some two hundred attribute lookups, tests, filter calls,
includes and escapes. These functions write exactly what the templates wrote (as
app.catalog.product_html does for the product page): every value the templates printed with
``{{ }}`` escaped as autoescape does (``markupsafe.escape``: Markup stays as it is), translations as
the templates' ``_()`` makes them (Markup), the fixed words made once per locale. The parts that
are not on a plain lesson's path stay Jinja and are rendered with the page's context as an include
would: the preview switcher (staff), the upgrade panel (locked lessons), the quiz and the assignment.
tests/learn/test_lesson_html.py keeps the templates' text and compares.

The templates are one-line calls of these functions (Jinja globals taking the template's context),
so every page and fragment that includes them gets the same HTML.
"""

from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from app.accounts.views import auth_url
from app.learn.markdown import render_markdown
from app.learn.syllabus_html import N_, SyllabusRows, progress_lines
from app.markets.layout_html import store_head, store_page
from app.platform.images import cover_tag
from app.web import icons, labels
from app.web.cache import cached_include
from app.web.jinja import printed
from app.web.jinja import template_text as _t
from app.web.layout_html import template_context
from app.web.session_cookie import csrf_token

_COVER_SIZES = "(max-width: 50rem) 6rem, 20rem"
_YOUTUBE_OR_VIMEO = ("youtube", "youtu.be", "vimeo")


class _Words:
    """The player's fixed words in one language (escaped text): kept for the process per locale."""

    def __init__(self):
        self.my_learning = str(_t(N_("My learning")))
        self.course_page = str(_t(N_("Course page")))
        self.syllabus = str(_t(N_("Syllabus")))
        self.syllabus_toggle = f'{icons.icon("list")} {self.syllabus}'
        free_preview = _t(N_("Free preview"))
        self.free_preview = f' · <span class="badge">{free_preview}</span>'
        self.download_icon = str(icons.icon("download"))
        self.the_file = _t(N_("the file"))
        self.lessons = str(_t(N_("Lessons")))
        self.captions = str(_t(N_("Captions")))
        self.download_video = str(_t(N_("Download the video")))
        self.completed = str(_t(N_("Completed")))
        course_done = _t(N_("You completed this course."))
        self.course_done = f'{icons.icon("graduation")} {course_done}'
        self.view_certificate = str(_t(N_("View your certificate")))
        your_certificate = _t(N_("Your certificate"))
        self.your_certificate = f'{icons.icon("graduation")} {your_certificate}'
        self.preview_note = str(_t(N_("Preview: your progress is not recorded.")))
        self.pass_quiz = str(_t(N_("Pass the quiz to complete this lesson.")))
        self.submit_assignment = str(_t(N_("Submit the assignment to complete this lesson.")))
        self.mark_complete = str(_t(N_("Mark as complete")))
        self.log_in = str(_t(N_("Log in")))
        self.track = str(_t(N_("to track your progress.")))
        self.rate = str(_t(N_("Rate and review this course")))
        self.review_gate = str(_t(N_("You can rate and review this course after completing %(min)d%% of it."), min=50))


_words = labels.per_locale(_Words)


def _include(context, template: str) -> str:
    """``{% include template %}`` of the templates: the part rendered with the page's context."""
    return context.environment.get_template(template).render(context.get_all())


def _ints(string: str, **numbers: int) -> str:
    """``{{ _(string, **numbers) }}`` of the templates for int variables (nothing to escape)."""
    return labels.translations().ugettext(string) % numbers


# ---- the lesson page (learn/lesson.html) ------------------------------------------------------------

def lesson_page(**values) -> Markup:
    """The whole lesson page, in the storefront's frame (what learn/lesson.html wrote with
    layouts/store.html; kept in tests/learn/lesson_jinja/): ``values`` as the template had them,
    ``player`` (and ``assessment``), or for the page every visitor sees ``shared`` (the player's
    HTML from the read cache: app.learn.views) and ``page_title``."""
    context = template_context("learn/_player.html", values)
    shared = values.get("shared")
    if shared:
        content = f"\n\n{cached_include(context, shared.key, 'learn/_player.html', shared.context)}\n\n"
    else:
        content = f"\n{player_html(context)}\n"
    page_title = values.get("page_title")
    if page_title:
        title = printed(page_title)
    else:
        player = values["player"]
        current = player.current
        title = f"{printed(current.title)} · " if current else ""
        title += printed(player.course_name)
    script = printed(url_for("static", filename="js/player.js"))
    return store_page(title=f"{title} · {printed(g.storefront.display_name)}",
                      meta='<meta name="robots" content="noindex">',
                      head=f'{store_head()}\n  <script src="{script}" defer></script>\n',
                      body_class="layout-store layout-learn", content=content, context=context)


# ---- the player (learn/_player.html) ---------------------------------------------------------------

@pass_context
def player_html(context) -> Markup:
    """``learn/_player.html``: the course head, the progress bars, the lesson region and the syllabus."""
    player = context["player"]
    words = _words()
    slug = player.product.slug
    back = ""
    if current_user.is_authenticated:
        back = f'<a href="{printed(url_for("store.learn.index"))}">{words.my_learning}</a> ›'
    name = player.course_name
    return Markup(
        f'\n<div class="player" data-course="{printed(slug)}">\n'
        '  <div class="player-head">\n'
        '    <p class="muted player-back">\n'
        f'      {back}\n'
        f'      <a href="{printed(url_for("store.catalog.product", slug=slug))}">{words.course_page}</a>\n'
        '    </p>\n'
        '    <div class="player-title">\n'
        f'      <div class="player-cover">{cover_tag(player.cover, name, _COVER_SIZES, 640, "", "eager")}</div>\n'
        f'      <h1 class="course-title">{printed(name)}</h1>\n'
        '    </div>\n'
        f'    {_progress(player, False, None)}\n'
        '  </div>\n'
        f'  {_lesson(context, player)}\n'
        '  <details class="player-syllabus" data-open-from="50rem" open>\n'
        f'    <summary class="syllabus-toggle">{words.syllabus_toggle}</summary>\n'
        f'    {_sidebar(player, False)}\n'
        '  </details>\n'
        '</div>'
    )


# ---- the progress bars (learn/_progress.html) and the review prompt (learn/_review_prompt.html) -----

def _review_prompt(player, percent) -> str:
    """``learn/_review_prompt.html`` (``percent``: the accessible percent, None to work it out)."""
    learner = player.learner
    if not (learner.member and not learner.previewing and learner.tier):
        return "\n"
    if percent is None:
        percent = player.percent_accessible
    words = _words()
    if percent >= 50:
        url = url_for("store.learn_assess.review", course_slug=player.product.slug)
        inner = f'\n    <a href="{printed(url)}">★ {words.rate}</a>\n  '
    else:
        inner = f'\n    <small class="muted">{words.review_gate}</small>\n  '
    return f'\n\n<p class="review-prompt" data-percent="{printed(percent)}">\n  {inner}\n</p>\n'


def _progress(player, oob, _acc) -> str:
    """``learn/_progress.html``: the bars, the review prompt and the certificate link."""
    counts = player.course_progress()
    learner = player.learner
    if learner.member and not learner.previewing and learner.tier:
        prompt = _review_prompt(player, counts.percent_accessible)
    else:
        prompt = "\n"
    certificate = ""
    if player.certificate:
        url = url_for("certificates.show", code=player.certificate.verification_code)
        certificate = (f'\n  <p class="certificate-note"><a href="{printed(url)}">{_words().your_certificate}</a></p>\n  ')
    return f'\n\n{progress_lines(counts, oob)}\n  {prompt}\n  {certificate}\n</div>'


@pass_context
def progress_html(context) -> Markup:
    """``learn/_progress.html`` (``oob`` from the context adds data-hx-swap-oob)."""
    return Markup(_progress(context["player"], context.get("oob"), None))


@pass_context
def review_prompt_html(context) -> Markup:
    """``learn/_review_prompt.html`` (``acc`` from the context when given)."""
    acc = context.get("acc")
    return Markup(_review_prompt(context["player"], acc))


# ---- the syllabus (learn/_sidebar.html) and the out-of-band updates (learn/_oob_progress.html) ----

def _sidebar(player, oob) -> str:
    swap = ' data-hx-swap-oob="true"' if oob else ""
    return (f'\n\n\n\n\n\n\n<nav id="learn-sidebar" class="learn-sidebar" aria-label="{_words().syllabus}"{swap}>\n'
            f'  {SyllabusRows(player).modules()}\n</nav>')


@pass_context
def sidebar_html(context) -> Markup:
    """``learn/_sidebar.html`` (``oob`` from the context adds data-hx-swap-oob)."""
    return Markup(_sidebar(context["player"], context.get("oob")))


def _oob_progress(player) -> str:
    return f'\n\n{_progress(player, True, None)}\n{_sidebar(player, True)}\n'


@pass_context
def oob_progress_html(context) -> Markup:
    """``learn/_oob_progress.html``: the progress bars and the syllabus, out of band."""
    return Markup(_oob_progress(context["player"]))


@pass_context
def lesson_swap_html(context) -> Markup:
    """``learn/_lesson_swap.html``: htmx navigation between lessons (the region, then the bars and
    the syllabus out of band)."""
    player = context["player"]
    current = player.current
    title = f"{printed(current.title)} · " if current else ""
    return Markup(f'\n<title>{title}{printed(player.course_name)}</title>\n'
                  f'{_lesson(context, player)}\n{_oob_progress(player)}')


# ---- the lesson region (learn/_lesson.html) ---------------------------------------------------------

def _location(player, entry):
    """``player.location(entry)``: (module, section) holding ``entry``, or (None, None)."""
    pid = entry.placement_id
    for module in player.syllabus.modules:
        for section in module.sections:
            for e in section.lessons:
                if e.placement_id == pid:
                    return module, section
    return None, None


def _lesson(context, player) -> str:
    words = _words()
    filters = current_app.jinja_env.filters
    entry = player.current
    module, section = _location(player, entry) if entry is not None else (None, None)
    locked = player.is_locked(entry)
    learner = player.learner
    out: list[str] = []
    add = out.append
    add(f'\n\n\n\n<section id="lesson-region" class="lesson-region" data-placement="{printed(entry.placement_id)}"'
        f' data-type="{printed(entry.type)}"\n'
        f'         data-locked="{"true" if locked else "false"}" aria-labelledby="lesson-title">\n  ')
    add(_include(context, "learn/_preview_switcher.html") if learner.can_preview and player.current else "\n")
    crumbs = f'{printed(module.title)} › {printed(section.title)}' if module else ""
    number = _ints(N_("Lesson %(number)d of %(total)d"), number=player.position_number,
                   total=len(player.syllabus.lessons))
    minutes = ""
    if entry.duration_minutes:
        minutes = f' · {_ints(N_("%(minutes)d min"), minutes=entry.duration_minutes)}'
    tier = f' · <span class="badge">{printed(filters["tier_label"](entry.tier))}</span>' if entry.tier > 1 else ""
    add('\n  <header class="lesson-header">\n'
        f'    <p class="muted crumbs">{crumbs}\n'
        f'      · {number}</p>\n'
        f'    <h2 id="lesson-title" tabindex="-1" data-swap-focus>{printed(entry.title)}</h2>\n'
        f'    <p class="muted lesson-meta">{printed(filters["lesson_type_label"](entry.type))}{minutes}\n'
        f'      {words.free_preview if entry.is_free_preview else ""}\n'
        f'      {tier}</p>\n'
        '  </header>\n\n  ')
    if locked:
        add(f'\n    {_include(context, "learn/_upgrade.html")}\n  ')
    else:
        lesson = player.lesson
        description = player.lesson_text("description")
        kind = lesson.type
        add('\n    \n    \n    ')
        if description:
            add(f'<p class="lesson-description">{printed(description)}</p>')
        add(f'\n    <div class="lesson-body lesson-{printed(kind)}">\n    ')
        if kind == "text":
            add(f'\n      <div class="prose">{render_markdown(player.lesson_body())}</div>\n    ')
        elif kind in ("video", "file", "quiz", "assignment"):
            add("\n      ")
            if kind == "video":
                add(f'{_video(player, lesson)}\n      ')
            notes = player.lesson_body()
            add(f'\n      {_prose(notes)}')
            if kind == "file":
                add(f'\n      <p><a class="button file-download" href="{printed(_file_url(player, entry))}" download>'
                    f'{words.download_icon} {_download(lesson.file_name or words.the_file)}</a></p>\n    ')
            elif kind == "quiz":
                add(f'\n      {_include(context, "learn/_quiz.html")}\n    ')
            elif kind == "assignment":
                add(f'\n      {_include(context, "learn/_assignment.html")}\n    ')
            else:
                add("\n    ")
        add(f'\n    </div>\n    {_complete(player, False, False)}\n  ')
    add(f'\n\n  <nav class="lesson-nav" aria-label="{words.lessons}">\n    \n    ')
    prev, following = player.prev_entry(), player.next_entry()
    if prev:
        href = printed(player.lesson_url(prev))
        add(f'\n      <a class="prev" rel="prev" href="{href}" data-hx-get="{href}" data-hx-target="#lesson-region"'
            f' data-hx-swap="outerHTML show:window:top" data-hx-push-url="true">← {printed(prev.title)}</a>\n    ')
    else:
        add("<span></span>")
    add("\n    ")
    if following:
        href = printed(player.lesson_url(following))
        add(f'\n      <a class="next" rel="next" href="{href}" data-hx-get="{href}" data-hx-target="#lesson-region"'
            f' data-hx-swap="outerHTML show:window:top" data-hx-push-url="true">{printed(following.title)} →</a>\n    ')
    add("\n  </nav>\n</section>")
    return "".join(out)


@pass_context
def lesson_html(context) -> Markup:
    """``learn/_lesson.html``: the lesson region (swapped by htmx when moving between lessons)."""
    return Markup(_lesson(context, context["player"]))


def _prose(notes) -> str:
    return f'<div class="prose">{render_markdown(notes)}</div>' if notes else ""


def _download(name) -> str:
    """``{{ _("Download %(name)s", name=...) }}``: the name escaped (a translation is Markup)."""
    return str(_t(N_("Download %(name)s"), name=name))


def _preview_args(player) -> dict:
    return {"preview": player.learner.preview_tier} if player.learner.previewing else {}


def _file_url(player, entry) -> str:
    return url_for("store.learn.file", course_slug=player.product.slug, placement_id=entry.placement_id,
                   **_preview_args(player))


def _video(player, lesson) -> str:
    """``learn/_video.html``: a <video> with captions for files, an iframe for YouTube/Vimeo embeds."""
    url = lesson.video_url or ""
    current = player.current
    if any(site in url for site in _YOUTUBE_OR_VIMEO):
        return (f'\n\n\n  <div class="video-frame"><iframe src="{printed(url)}" title="{printed(current.title)}"'
                ' loading="lazy"\n    allow="accelerometer; encrypted-media; picture-in-picture; fullscreen"'
                ' allowfullscreen referrerpolicy="strict-origin-when-cross-origin"></iframe></div>\n')
    if not url:
        return "\n\n"
    words = _words()
    learner = player.learner
    slug, pid = player.product.slug, current.placement_id
    position = ""
    if learner.member and not learner.previewing:
        position = (f'data-position-url="'
                    f'{printed(url_for("store.learn.position", course_slug=slug, placement_id=pid))}"')
    locale = printed(g.locale)
    track = ""
    if lesson.captions_key:
        src = url_for("store.learn.captions", course_slug=slug, placement_id=pid, **_preview_args(player))
        track = (f'<track kind="captions" src="{printed(src)}" srclang="{locale}" label="{words.captions}" default>'
                 '\n    ')
    elif lesson.captions_url:
        track = (f'<track kind="captions" src="{printed(lesson.captions_url)}" srclang="{locale}"'
                 f' label="{words.captions}" default>')
    seconds = player.position_seconds
    resume = ""
    if seconds:
        text = _ints(N_("Resuming at %(minutes)d:%(seconds)02d"), minutes=seconds // 60, seconds=seconds % 60)
        resume = f'<p class="muted resume-note">{text}</p>'
    e_url = printed(url)
    return ('\n\n\n  <video class="lesson-video" controls preload="metadata" playsinline\n'
            f'    {position}\n'
            f'    data-resume-at="{printed(seconds)}">\n'
            f'    <source src="{e_url}">\n'
            f'    {track}\n'
            f'    <p><a href="{e_url}">{words.download_video}</a></p>\n'
            '  </video>\n'
            f'  {resume}\n')


# ---- the completion box (learn/_complete.html) --------------------------------------------------------

def _complete(player, focus_result, oob) -> str:
    words = _words()
    entry = player.current
    completed = player.is_completed(entry)
    learner = player.learner
    focus = ' tabindex="-1" data-swap-focus' if focus_result else ""
    swap = ' data-hx-swap-oob="true"' if oob else ""
    head = (f'\n\n<div id="lesson-complete" class="lesson-complete" data-completed="{"true" if completed else "false"}"'
            f'{focus}{swap}>\n  ')
    if completed:
        row = player.progress.get(entry.placement_id)
        when = ""
        if row and row.completed_at:
            when = f' <small class="muted">· {printed(current_app.jinja_env.filters["date"](row.completed_at))}</small>'
        certificate = ""
        if player.certificate:
            url = url_for("certificates.show", code=player.certificate.verification_code)
            certificate = (f'\n      <p class="certificate-note">{words.course_done}\n'
                           f'        <a href="{printed(url)}">{words.view_certificate}</a></p>\n    ')
        body = f'\n    \n    <p class="done">✓ {words.completed}{when}</p>\n    {certificate}\n  '
    elif learner.previewing:
        body = f'\n    <p class="muted">{words.preview_note}</p>\n  '
    elif learner.member:
        if entry.type in ("quiz", "assignment"):
            text = words.pass_quiz if entry.type == "quiz" else words.submit_assignment
            body = f'\n    \n      <p class="muted">{text}</p>\n    \n  '
        else:
            action = printed(url_for("store.learn.complete", course_slug=player.product.slug,
                                    placement_id=entry.placement_id))
            body = ('\n    \n    \n'
                    f'    <form method="post" action="{action}" data-hx-post="{action}" data-hx-target="#lesson-complete"'
                    ' data-hx-swap="outerHTML">\n'
                    f'      <input type="hidden" name="csrf_token" value="{printed(csrf_token())}">\n'
                    f'      <button type="submit" class="mark-complete">{words.mark_complete}</button>\n'
                    '    </form>\n    \n  ')
    elif not current_user.is_authenticated:
        body = (f'\n    <p class="muted"><a href="{printed(auth_url("login", next=request.path))}">{words.log_in}</a>'
                f' {words.track}</p>\n  ')
    else:
        body = ""
    return f'{head}{body}\n</div>'


@pass_context
def complete_html(context) -> Markup:
    """``learn/_complete.html`` (``focus_result`` and ``oob`` from the context)."""
    return Markup(_complete(context["player"], context.get("focus_result"), context.get("oob")))


GLOBALS = {
    "learn_player": player_html,
    "learn_lesson": lesson_html,
    "learn_lesson_swap": lesson_swap_html,
    "learn_complete": complete_html,
    "learn_progress": progress_html,
    "learn_review_prompt": review_prompt_html,
    "learn_sidebar": sidebar_html,
    "learn_oob_progress": oob_progress_html,
}
