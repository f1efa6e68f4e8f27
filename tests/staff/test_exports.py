"""Large CSV exports of dashboard lists by a Celery worker (app/staff/exports.py): a list longer
than CSV_INLINE_ROWS is exported in the background and offered on a page of its own, only to the
employee who asked. Without a broker the task runs in the request, so the file is ready at once."""

from __future__ import annotations

import pytest

from app.staff import exports
from tests.staff.test_giftcards import DASH, _as, _issue, shop  # noqa: F401  (the shop fixture)

LIST = f"{DASH}/giftcards?format=csv&sort=-issued"


@pytest.fixture
def cards(app, login, shop):  # noqa: F811
    staff = _as(app, login, "gc-staff@example.com")
    assert _issue(staff, count="5", amount="7").status_code in (302, 303)
    return staff


def test_a_long_list_is_exported_in_the_background_with_the_same_rows(app, cards, monkeypatch):
    inline = cards.get(LIST)
    assert inline.status_code == 200 and inline.mimetype == "text/csv"
    monkeypatch.setitem(app.config, "CSV_INLINE_ROWS", 3)

    started = cards.get(LIST)

    assert started.status_code == 303 and "/exports/" in started.headers["Location"]
    page = cards.get(started.headers["Location"])
    assert "Your export is ready." in page.get_data(as_text=True)
    download = cards.get(started.headers["Location"] + ".csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.get_data(as_text=True) == inline.get_data(as_text=True)
    assert download.get_data(as_text=True).count("\n") == 6  # the header and five cards


def test_only_the_employee_who_asked_gets_the_export(app, login, cards, monkeypatch):
    monkeypatch.setitem(app.config, "CSV_INLINE_ROWS", 3)
    url = cards.get(LIST).headers["Location"]
    manager = _as(app, login, "gc-manager@example.com")
    assert manager.get(url).status_code == 404
    assert manager.get(url + ".csv").status_code == 404


def test_an_export_a_worker_has_not_written_yet_says_so(app, cards, monkeypatch):
    monkeypatch.setitem(app.config, "CSV_INLINE_ROWS", 3)
    monkeypatch.setattr(exports, "enqueue", lambda task, *args: None)
    url = cards.get(LIST).headers["Location"]
    page = cards.get(url)
    assert page.status_code == 200 and "exported in the background" in page.get_data(as_text=True)
    assert cards.get(url + ".csv").status_code == 404
