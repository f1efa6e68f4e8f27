"""The app's forms render their inputs and selects faster than WTForms' widgets, with the same HTML."""

import wtforms
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.widgets.core import html_params

from app.web.inputs import Form

CHOICES = [SelectChoice("", "Choose…"), SelectChoice('a"b', "<A & B>"), SelectChoice("c", "C", render_kw={"disabled": True})]


def _fields():
    return {
        "name": StringField("Name", render_kw={"placeholder": 'say "hi"', "data_hx_get": "/x?a=1&b=2"}),
        "kind": SelectField("Kind", choices=CHOICES),
        "agree": BooleanField("Agree"),
        "token": HiddenField(),
        "count": IntegerField("Count"),
    }


AppForm = type("AppForm", (Form,), {"Meta": type("Meta", (), {"csrf": False}), **_fields()})
PlainForm = type("PlainForm", (wtforms.Form,), _fields())


def test_fields_render_as_wtforms_does(app):
    data = {"name": "<b>é</b>", "kind": 'a"b', "agree": True, "token": 'x"y', "count": 3}
    with app.test_request_context("/"):
        ours, theirs = AppForm(formdata=None, data=data), PlainForm(data=data)
        for name in data:
            assert str(ours[name](class_="wide", required=True)) == str(theirs[name](class_="wide", required=True))
            assert str(ours[name]()) == str(theirs[name]())
        assert ours.name.widget.html_params is not html_params
