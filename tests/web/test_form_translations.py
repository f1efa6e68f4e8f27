"""WTForms' own messages are translated from a catalog read once per locale, not once per request."""

from babel import support
from wtforms import StringField
from wtforms.validators import DataRequired

from app.web.inputs import Form


class _NameForm(Form):
    class Meta:
        csrf = False

    name = StringField(validators=[DataRequired()])


def test_wtforms_catalog_is_read_once_per_locale(app, monkeypatch):
    loads = []
    real_load = support.Translations.load

    def counting_load(*args, **kwargs):
        loads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(support.Translations, "load", counting_load)
    errors = []
    for _ in range(3):
        with app.test_request_context("/", method="POST", data={"name": ""},
                                      headers={"Accept-Language": "de"}):
            form = _NameForm()
            assert not form.validate()
            errors.append(form.name.errors[0])
    assert errors[0] == errors[1] == errors[2] == "Dieses Feld wird benötigt."
    assert len([args for args in loads if "wtforms" in str(args)]) <= 1
