"""A user's professional profiles (``/account/professional``, blueprint ``professional``): the job
profiles shown at ``/creators/<slug>`` (create, edit: title, bio, years of experience, hourly rate,
skills, public or not) and, for each org the user works for, which profile the employment is shown
under and whether it appears on that public page.

It lives with the orgs (above accounts) because it shows the user's employments.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.accounts import jobs
from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.orgs.models import OrgEmployee
from app.orgs.services import my_employments, set_employment_profile
from app.platform.models import Skill
from app.web.inputs import DecimalNumberField, Form, WholeNumberField

bp = Blueprint("professional", __name__, url_prefix="/account/professional")


class JobProfileForm(Form):
    title = StringField(_l("Title"), validators=[InputRequired(message=_l("Enter a title.")), Length(max=100)])
    slug = StringField(_l("Public address"), validators=[InputRequired(message=_l("Choose the address of your public page.")),
                                                         Length(max=80)])
    bio = TextAreaField(_l("About you"), validators=[Optional(), Length(max=5000)])
    years_of_experience = WholeNumberField(_l("Years of experience"), validators=[Optional()], minimum=0,
                                           maximum=80, message=_l("Enter a whole number from 0 to 80."))
    hourly_rate = DecimalNumberField(_l("Hourly rate"), validators=[Optional()], minimum=0,
                                     message=_l("Enter an amount such as 80.00."))
    skills = SelectMultipleField(_l("Skills"), validators=[Optional()])
    is_public = BooleanField(_l("Show this profile publicly"), default=True)


class EmploymentForm(Form):
    job_profile_id = SelectField(_l("Shown as"), validators=[Optional()])
    show_on_profile = BooleanField(_l("List this organization on my public page"))


def _skill_choices() -> list[SelectChoice]:
    return [SelectChoice(slug, name) for slug, name in db.session.execute(
        sa.select(Skill.slug, Skill.name).order_by(Skill.name))]


def _form(formdata=None, *, new: bool = True, **data) -> JobProfileForm:
    form = JobProfileForm(formdata=formdata, **data)
    form.skills.choices = _skill_choices()
    if not new:
        del form.slug  # the public address stays: links to the page keep working
    return form


def _page(new_form=None, status: int = 200):
    profiles = jobs.list_job_profiles(current_user)
    choices = [SelectChoice("", _("No profile"))] + [SelectChoice(p.id, f"{p.title} ({p.slug})") for p in profiles]
    employments = []
    for employee, org in my_employments(current_user):
        form = EmploymentForm(formdata=None, job_profile_id=employee.job_profile_id or "",
                              show_on_profile=employee.show_on_profile, prefix=f"e{employee.id[:8]}")
        form.job_profile_id.choices = choices
        employments.append((employee, org, form))
    return render_template("accounts/professional.html", profiles=profiles, employments=employments,
                           form=new_form or _form()), status


@bp.get("/")
@login_required
def index():
    return _page()


def _fields(form: JobProfileForm) -> dict:
    return {"title": form.title.data, "bio": form.bio.data, "years_of_experience": form.years_of_experience.data,
            "hourly_rate": form.hourly_rate.data, "skill_slugs": form.skills.data or []}


@bp.post("/")
@login_required
def create():
    form = _form(request.form)
    if form.validate():
        try:
            job = jobs.create_job_profile(current_user, slug=form.slug.data, **_fields(form))
            job.is_public = bool(form.is_public.data)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your profile is ready: %(url)s", url=url_for("creators.profile", slug=job.slug)), "success")
            return redirect(url_for("professional.index"), 303)
    return _page(form, 422)


@bp.route("/<job_profile_id>", methods=["GET", "POST"])
@login_required
def edit(job_profile_id: str):
    job = jobs.get_own_job_profile(current_user, job_profile_id)
    if request.method == "GET":
        form = _form(None, new=False, title=job.title, bio=job.bio, years_of_experience=job.years_of_experience,
                     hourly_rate=job.hourly_rate, skills=[link.skill.slug for link in job.skills],
                     is_public=job.is_public)
        return render_template("accounts/professional_edit.html", job=job, form=form)
    form = _form(request.form, new=False)
    if form.validate():
        try:
            jobs.update_job_profile(job, current_user, is_public=bool(form.is_public.data), **_fields(form))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            db.session.commit()
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("professional.index"), 303)
    return render_template("accounts/professional_edit.html", job=job, form=form), 422


@bp.post("/employments/<employee_id>")
@login_required
def employment(employee_id: str):
    employee = db.session.get(OrgEmployee, employee_id)
    if employee is None:
        raise NotFoundError(_("Not found."))
    form = EmploymentForm(request.form, prefix=f"e{employee.id[:8]}")
    job = jobs.get_own_job_profile(current_user, form.job_profile_id.data) if form.job_profile_id.data else None
    try:
        set_employment_profile(employee, current_user, job_profile=job, show_on_profile=bool(form.show_on_profile.data))
    except NotFoundError:
        raise
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("professional.index"), 303)
