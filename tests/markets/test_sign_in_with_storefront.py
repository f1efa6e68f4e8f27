"""A signed-in storefront page reads the market, the sign-in and the membership in one statement
(issue 15: one round trip less than a visitor's page plus the user loader's), and that statement
signs in exactly whom the user loader's own would: no revoked, idle or inactive sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import User, UserSession
from app.extensions import db
from tests.accounts.test_views import sign_up
from tests.catalog.test_storefront import world  # noqa: F401  (the storefront fixture)

pytestmark = pytest.mark.module_data  # the world is built once for the module

PAGE = "/shop/us/en/"
SIGNED_IN = "Log out"


def _sign_in_statements(log) -> list[str]:
    return [statement for statement in log.statements if "user_session" in statement]


@pytest.mark.usefixtures("world")
def test_a_signed_in_storefront_page_reads_the_sign_in_with_the_market(app, client, count_queries):
    visitor = app.test_client()
    visitor.get(PAGE)
    with count_queries() as seen_by_visitor:
        assert visitor.get(PAGE).status_code == 200
    sign_up(client)
    client.get(PAGE)
    with count_queries() as seen_signed_in:
        page = client.get(PAGE)
    assert SIGNED_IN in page.get_data(as_text=True)
    assert len(_sign_in_statements(seen_signed_in)) == 1, str(seen_signed_in)
    # The sign-in (and the membership, the cart badge's count) ride on the market's statement.
    assert "org_market" in _sign_in_statements(seen_signed_in)[0]
    assert len(seen_signed_in.statements) == len(seen_by_visitor.statements), str(seen_signed_in)


def _age_sign_ins(app, **changes) -> None:
    with app.app_context():
        for record in db.session.scalars(sa.select(UserSession)):
            for name, value in changes.items():
                setattr(record, name, value(record) if callable(value) else value)
        db.session.commit()


@pytest.mark.usefixtures("world")
@pytest.mark.parametrize("change", ["revoked", "idle", "inactive user"])
def test_a_storefront_page_signs_in_no_revoked_idle_or_inactive_sign_in(app, client, change):
    sign_up(client)
    assert SIGNED_IN in client.get(PAGE).get_data(as_text=True)
    if change == "revoked":
        _age_sign_ins(app, revoked_at=lambda record: record.last_seen_at)
    elif change == "idle":
        _age_sign_ins(app, last_seen_at=lambda record: record.last_seen_at - timedelta(days=400))
    else:
        with app.app_context():
            db.session.execute(sa.update(User).values(is_active=False))
            db.session.commit()
    page = client.get(PAGE)
    assert page.status_code == 200
    assert SIGNED_IN not in page.get_data(as_text=True)
    assert "Log in" in page.get_data(as_text=True)
