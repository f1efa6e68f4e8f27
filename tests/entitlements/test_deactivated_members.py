"""A deactivated member has no access (``access_is_active`` refuses them, one rule for every
reader): the course player locks their lessons, their downloads are refused and gone from the
downloads page, My learning shows no access. Their history stays, and reactivating gives back
what had not ended."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.accounts.models import User, UserProfile
from app.entitlements.services import member_access_tier, member_tiers
from app.extensions import db
from app.orgs import services as orgs
from app.orgs.models import Org, OrgMember
from tests.checkout.test_account_pages import PREFIX as CLUB
from tests.checkout.test_account_pages import club  # noqa: F401  (the fixture)
from tests.factories import PASSWORD, make_employee, make_user
from tests.learn.player_fixtures import LEARNER, grant, html_of, school, sidebar_state  # noqa: F401


def _set_active(app, org_id: str, member_id: str, active: bool) -> None:
    """An admin of the org deactivates (or reactivates) the member, through the service."""
    with app.app_context():
        by = make_employee(db.session.get(Org, org_id), make_user(), role="admin")
        member = db.session.get(OrgMember, member_id)
        (orgs.reactivate_member if active else orgs.deactivate_member)(member, by=by)
        db.session.commit()


def test_the_player_locks_a_deactivated_members_lessons_and_reactivation_opens_them(app, client, school, login):  # noqa: F811
    grant(app, school, 2)
    assert login(client, LEARNER, PASSWORD).status_code == 303
    assert "Tier two secret content" in html_of(client.get(school.url(2)))
    with app.app_context():
        member = db.session.get(OrgMember, school.member_id)
        assert member_access_tier(member, school.product_id) == 2

    _set_active(app, school.org_id, school.member_id, False)
    page = html_of(client.get(school.url(2)))
    assert "Tier two secret content" not in page
    assert all(s["locked"] == "true" for s in sidebar_state(page).values())
    assert client.get(school.url(3, "/file")).status_code == 403  # the lesson's file too
    assert client.post(school.url(0, "/complete")).status_code in (403, 404)
    with app.app_context():
        member = db.session.get(OrgMember, school.member_id)
        assert member_access_tier(member, school.product_id) is None
        assert member_tiers(member) == {school.product_id: None}  # My learning: no access, history kept

    _set_active(app, school.org_id, school.member_id, True)
    assert "Tier two secret content" in html_of(client.get(school.url(2)))


def _download_link(html: str) -> str:
    match = re.search(r'href="([^"]*/account/downloads/[^"]+)"', html)
    assert match, "no download link on the page"
    return match.group(1)


def test_a_deactivated_members_downloads_are_refused(app, client, login, club):  # noqa: F811
    assert login(client, "member@example.com", PASSWORD).status_code == 303
    link = _download_link(client.get(f"{CLUB}/account/downloads").get_data(as_text=True))
    assert client.get(link).status_code == 302
    with app.app_context():
        member_id, org_id = db.session.execute(
            sa.select(OrgMember.id, OrgMember.org_id).join(Org).join(UserProfile).join(User)
            .where(Org.slug == "club", User.email == "member@example.com")).one()
    _set_active(app, org_id, member_id, False)
    assert client.get(link).status_code == 403  # a link made before the deactivation
    assert "Handbook" not in client.get(f"{CLUB}/account/downloads").get_data(as_text=True)
    _set_active(app, org_id, member_id, True)
    assert client.get(link).status_code == 302
