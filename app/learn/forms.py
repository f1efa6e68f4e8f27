"""Learner and reviewer forms for quizzes, assignments and course reviews: shape checks only; the rules
live in app.learn.assessments and app.learn.reviews."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from app.courses.models import COURSE_LEVELS
from app.learn.assessments import MAX_ANSWER_CHARS, MAX_FEEDBACK_CHARS
from app.web.inputs import Form
from app.web.labels import COURSE_LEVELS as LEVEL_LABELS


class QuizForm(Form):
    """The CSRF token only: the questions are read as ``q-<question id>`` (radio or checkboxes)."""


class AssignmentForm(Form):
    body = TextAreaField(_l("Your answer"), validators=[Optional(), Length(max=MAX_ANSWER_CHARS)])
    file = FileField(_l("Attach a file (optional)"))


class ReviewForm(Form):
    level = SelectField(_l("How advanced is this course?"), validators=[InputRequired(message=_l("Choose a level."))])
    difficulty = SelectField(
        _l("How difficult did you find it? (1 = very easy, 10 = very hard)"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 11)],
        validators=[InputRequired(message=_l("Choose a difficulty from 1 to 10."))],
    )
    rating = RadioField(
        _l("Your rating"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 6)],
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5 stars."))],
    )
    title = StringField(_l("Title (optional)"), validators=[Optional(), Length(max=120)])
    body = TextAreaField(_l("Your review (optional)"), validators=[Optional(), Length(max=10_000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.level.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(key, LEVEL_LABELS[key]) for key in COURSE_LEVELS]


class FeedbackForm(Form):
    feedback = TextAreaField(
        _l("Feedback for the learner"),
        validators=[DataRequired(message=_l("Write some feedback for the learner.")), Length(max=MAX_FEEDBACK_CHARS)],
    )
