"""The lesson library (``/dashboard/<org>/lessons``) and the lesson editors.

The library is a list built with app/web/tables.py: the org's reusable lessons the employee may
edit (``app.learn.authoring.may_edit_lesson``: admins and managers all, creators those they wrote
or that are placed in a course attributed to them), with the number of courses using each. The
editor (``staff.lesson_edit``, linked from the course builder) has the fields of the lesson's
type: Markdown text with a live preview (rendered by app/learn/markdown.py exactly as the player
shows it), a video's URL and WebVTT captions, a quiz's pass mark, attempts and questions, an
assignment's brief, file types and size, a file lesson's upload. The rules are
app/learn/lesson_editing.py; a refusal is a message on its field and nothing typed is lost.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, g, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice

from app.courses.models import LESSON_TYPES, QUESTION_KINDS, OrgLesson
from app.errors import DomainError
from app.extensions import db
from app.learn import lesson_editing as editing
from app.learn.authoring import add_quiz_question
from app.learn.markdown import render_markdown
from app.staff.blueprint import bp
from app.web import tables
from app.web.htmx import redirect, render
from app.web.inputs import Form
from app.web.labels import LESSON_TYPES as TYPE_LABELS

MAX_CHOICES = 10  # answer rows a question's form offers
BLANK_CHOICES = 2  # empty rows below a question's answers (more after saving)
KIND_LABELS = {"single": _l("Single choice (one correct answer)"),
               "multiple": _l("Multiple choice (one or more correct answers)")}


# ---- forms (shape only: the rules are the services') -----------------------------------------------

class NewLessonForm(Form):
    title = StringField(_l("Title"))
    type = SelectField(_l("Type"), choices=[SelectChoice(t, TYPE_LABELS[t]) for t in LESSON_TYPES])
    video_url = StringField(_l("Video URL (video lessons)"))
    file = FileField(_l("File (file lessons)"))


class LessonForm(Form):
    title = StringField(_l("Title"))
    description = TextAreaField(_l("Summary (optional)"))
    duration_minutes = StringField(_l("Duration (minutes)"))
    content = TextAreaField(_l("Text (Markdown)"))
    video_url = StringField(_l("Video URL"))
    pass_mark_percent = StringField(_l("Pass mark (%)"))
    max_attempts = StringField(_l("Attempts allowed (empty: unlimited)"))
    allowed_extensions = StringField(_l("Allowed file types (e.g. pdf, docx, zip; empty: the defaults)"))
    max_upload_mb = StringField(_l("Maximum upload size (MB)"))

    FIELDS = ("title", "description", "duration_minutes", "content", "video_url", "pass_mark_percent",
              "max_attempts", "allowed_extensions", "max_upload_mb")

    @classmethod
    def of(cls, lesson: OrgLesson) -> LessonForm:
        data = {name: getattr(lesson, name) for name in cls.FIELDS}
        return cls(data={k: ("" if v is None else str(v)) for k, v in data.items()})

    def values(self) -> dict:
        """The fields that were posted (a field the form did not send is left as it is)."""
        return {name: getattr(self, name).data for name in self.FIELDS if name in request.form}


class UploadForm(Form):
    file = FileField(_l("File"))


class CaptionsForm(Form):
    captions = FileField(_l("Captions file (WebVTT, .vtt)"))


class QuestionForm(Form):
    """A question; its answers are the rows ``choice-<n>-text`` / ``choice-<n>-correct``."""

    prompt = TextAreaField(_l("Question"))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in QUESTION_KINDS])
    explanation = TextAreaField(_l("Explanation (shown after answering)"))

    @classmethod
    def of(cls, question=None) -> QuestionForm:
        form = cls(formdata=None, data={"prompt": question.prompt, "kind": question.kind,
                                        "explanation": question.explanation or ""} if question else {"kind": "single"})
        form.rows = choice_rows([(c.get("text", ""), bool(c.get("correct"))) for c in question.choices]
                                if question else [])
        return form

    @classmethod
    def posted(cls) -> QuestionForm:
        form = cls()
        form.rows = choice_rows(posted_choices())
        return form


def choice_rows(choices: list[tuple[str, bool]]) -> list[dict]:
    """The answer rows of a question's form: its answers, then blank rows to add more."""
    rows = [{"text": text, "correct": correct} for text, correct in choices]
    size = min(max(len(rows) + BLANK_CHOICES, 4), max(MAX_CHOICES, len(rows)))
    return rows + [{"text": "", "correct": False}] * (size - len(rows))


def posted_choices() -> list[tuple[str, bool]]:
    """The answers of a posted question form, in order (blank rows dropped)."""
    rows = []
    for n in range(26):
        text = (request.form.get(f"choice-{n}-text") or "").strip()
        if text:
            rows.append((text, request.form.get(f"choice-{n}-correct") in ("1", "y", "on", "true")))
    return rows


# ---- the library ----------------------------------------------------------------------------------

def _type_label(value: str) -> str:
    labels = g.get("_lesson_type_labels")
    if labels is None:
        labels = g._lesson_type_labels = {key: str(label) for key, label in TYPE_LABELS.items()}
    return labels.get(value, value)


LESSONS = tables.Table(
    id="lessons",
    title=_l("Lesson library"),
    endpoint="staff.lessons",
    query=editing.library,
    key=OrgLesson.id,
    row_label=lambda row: row[0].title,
    row_attrs=lambda row: {"data-lesson": row[0].id, "data-type": row[0].type},
    columns=[
        tables.Column("title", _l("Title"), sort=sa.func.lower(OrgLesson.title), csv=lambda row: row[0].title),
        tables.Column("type", _l("Type"), sort=OrgLesson.type, csv=lambda row: _type_label(row[0].type)),
        tables.Column("courses", _l("Used in"), sort=editing.usage_count(), numeric=True,
                      csv=lambda row: row[1]),
        tables.Column("updated", _l("Last changed"), sort=OrgLesson.updated_at, csv=lambda row: row[0].updated_at),
    ],
    search=[OrgLesson.title],
    search_label=_l("Search lesson titles"),
    filters=[
        tables.Choice("type", _l("Type"), options=[(t, TYPE_LABELS[t]) for t in LESSON_TYPES],
                      where=lambda value: OrgLesson.type == value),
    ],
    default_sort="title",
    empty=_l("No lessons yet."),
    empty_hint=_l("Create a lesson here, then place it in courses from their course builder."),
)


@bp.get("/lessons")
def lessons():
    return LESSONS.respond(g.employee, "staff/lessons.html", "staff/_lessons_table.html")


@bp.route("/lessons/new", methods=["GET", "POST"])
def lesson_new():
    editing.library(g.employee)  # 403 for whoever may not author lessons
    form = NewLessonForm()
    status = 200
    if request.method == "POST":
        upload = request.files.get("file")
        file = (upload.read(), upload.filename or "") if upload and upload.filename else None
        try:
            lesson = editing.new_lesson(g.staff_org, type=form.type.data, title=form.title.data,
                                        video_url=form.video_url.data, file=file, by=g.employee)
        except DomainError as exc:
            db.session.rollback()
            _show_error(form, exc)
            status = 422
        else:
            db.session.commit()
            flash(_("Lesson created. Now write its content."), "success")
            return redirect(url_for(".lesson_edit", lesson_id=lesson.id))
    return render("staff/lesson_new.html", form=form, status=status)


def _show_error(form: Form, exc: DomainError) -> None:
    """A refusal on the field it is about, or above the form."""
    field = getattr(exc, "field", None)
    if field and field in form._fields:
        form[field].errors = [*(form[field].errors or []), exc.message]
    else:
        form.form_errors.append(exc.message)


# ---- the editor -----------------------------------------------------------------------------------

def _editor(lesson: OrgLesson, *, form: LessonForm | None = None, status: int = 200, preview: str | None = None,
            question_forms: dict | None = None, new_question: QuestionForm | None = None,
            captions_form: CaptionsForm | None = None, upload_form: UploadForm | None = None):
    form = form or LessonForm.of(lesson)
    text = form.content.data if preview is None else preview
    forms = question_forms or {}
    questions = [(q, forms.get(q.id) or QuestionForm.of(q)) for q in lesson.questions] if lesson.type == "quiz" else []
    return render("staff/lesson_edit.html", lesson=lesson, form=form, status=status,
                  preview_html=render_markdown(text), usage=editing.lesson_usage(lesson), questions=questions,
                  new_question=new_question or QuestionForm.of(),
                  captions_form=captions_form or CaptionsForm(formdata=None),
                  upload_form=upload_form or UploadForm(formdata=None),
                  builder_endpoint="staff.course_builder" if "staff.course_builder" in current_app.view_functions else None)


@bp.route("/lessons/<lesson_id>", methods=["GET", "POST"])
def lesson_edit(lesson_id: str):
    lesson = editing.editable_lesson(g.employee, lesson_id)
    if request.method == "GET":
        return _editor(lesson)
    form = LessonForm()
    if request.form.get("action") == "preview":  # the preview button without JavaScript: nothing saved
        return _editor(lesson, form=form)
    try:
        editing.update_lesson(lesson, by=g.employee, **form.values())
    except DomainError as exc:
        db.session.rollback()
        _show_error(form, exc)
        lesson = editing.editable_lesson(g.employee, lesson_id)
        return _editor(lesson, form=form, status=422)
    db.session.commit()
    flash(_("Lesson saved."), "success")
    return redirect(url_for(".lesson_edit", lesson_id=lesson.id))


@bp.post("/lessons/<lesson_id>/preview")
def lesson_preview(lesson_id: str):
    """The live preview (htmx): the posted Markdown as the player renders it."""
    editing.editable_lesson(g.employee, lesson_id)
    form = LessonForm()
    return render("staff/_lesson_preview.html", "staff/_lesson_preview.html",
                  preview_html=render_markdown(form.content.data))


@bp.post("/lessons/<lesson_id>/captions")
def lesson_captions(lesson_id: str):
    lesson = editing.editable_lesson(g.employee, lesson_id)
    form = CaptionsForm()
    try:
        if request.form.get("action") == "remove":
            editing.remove_captions(lesson, by=g.employee)
            message = _("Captions removed.")
        else:
            upload = request.files.get("captions")
            if not upload or not upload.filename:
                raise editing.FieldError("captions", _("Choose a WebVTT file (.vtt)."))
            editing.set_captions(lesson, upload.read(), by=g.employee)
            message = _("Captions uploaded.")
    except DomainError as exc:
        db.session.rollback()
        _show_error(form, exc)
        return _editor(editing.editable_lesson(g.employee, lesson_id), captions_form=form, status=422)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".lesson_edit", lesson_id=lesson.id))


@bp.post("/lessons/<lesson_id>/file")
def lesson_file(lesson_id: str):
    lesson = editing.editable_lesson(g.employee, lesson_id)
    form = UploadForm()
    try:
        upload = request.files.get("file")
        if not upload or not upload.filename:
            raise editing.FieldError("file", _("Choose the file learners download."))
        editing.set_lesson_file(lesson, upload.read(), upload.filename, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        _show_error(form, exc)
        return _editor(editing.editable_lesson(g.employee, lesson_id), upload_form=form, status=422)
    db.session.commit()
    flash(_("File uploaded."), "success")
    return redirect(url_for(".lesson_edit", lesson_id=lesson.id))


# ---- quiz questions -------------------------------------------------------------------------------

@bp.post("/lessons/<lesson_id>/questions")
def lesson_question_new(lesson_id: str):
    lesson = editing.editable_lesson(g.employee, lesson_id)
    form = QuestionForm.posted()
    try:
        question = add_quiz_question(lesson, prompt=form.prompt.data, kind=form.kind.data,
                                     choices=posted_choices(), explanation=form.explanation.data, by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _editor(editing.editable_lesson(g.employee, lesson_id), new_question=form, status=422)
    db.session.commit()
    flash(_("Question added."), "success")
    return redirect(url_for(".lesson_edit", lesson_id=lesson.id, _anchor=f"question-{question.id}"))


@bp.post("/lessons/<lesson_id>/questions/<question_id>")
def lesson_question(lesson_id: str, question_id: str):
    """Save a question (or delete it, when "delete" is ticked)."""
    lesson = editing.editable_lesson(g.employee, lesson_id)
    question = editing.lesson_question(lesson, question_id)
    form = QuestionForm.posted()
    delete = request.form.get("action") == "delete"
    try:
        if delete:
            editing.delete_quiz_question(question, by=g.employee)
            message = _("Question deleted.")
        else:
            editing.update_quiz_question(question, prompt=form.prompt.data, kind=form.kind.data,
                                         choices=posted_choices(), explanation=form.explanation.data, by=g.employee)
            message = _("Question saved.")
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return _editor(editing.editable_lesson(g.employee, lesson_id), question_forms={question_id: form},
                       status=422)
    db.session.commit()
    flash(message, "success")
    anchor = "questions" if delete else f"question-{question_id}"
    return redirect(url_for(".lesson_edit", lesson_id=lesson.id, _anchor=anchor))


@bp.post("/lessons/<lesson_id>/questions/<question_id>/move")
def lesson_question_move(lesson_id: str, question_id: str):
    lesson = editing.editable_lesson(g.employee, lesson_id)
    question = editing.lesson_question(lesson, question_id)
    try:
        editing.move_quiz_question(question, request.form.get("direction", ""), by=g.employee)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(url_for(".lesson_edit", lesson_id=lesson.id, _anchor=f"question-{question_id}"))
