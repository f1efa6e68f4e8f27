"""A committed catalog edit clears this process's storefront cache, and through the generation in Redis
every other process's (a fake Redis here; real servers: tests/web/test_cache_across_processes.py); other
commits leave it alone."""

from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa

from app.catalog.models import OrgProduct
from app.extensions import db
from app.web import cache
from tests.factories import make_org, make_product


@pytest.fixture
def warm(app):
    app.config["STOREFRONT_CACHE_SECONDS"] = 60
    cache.clear()
    yield lambda: cache.cached(("probe",), lambda: object())
    cache.clear()


def test_a_product_edit_clears_the_cache(app_ctx, warm):
    org = make_org()
    product = make_product(org)
    db.session.commit()
    first = warm()
    assert warm() is first  # cached
    product.name = "Renamed"
    db.session.commit()
    assert warm() is not first


def test_a_bulk_update_clears_the_cache(app_ctx, warm):
    org = make_org()
    make_product(org)
    db.session.commit()
    first = warm()
    db.session.execute(sa.update(OrgProduct).values(name="Bulk"))
    db.session.commit()
    assert warm() is not first


def test_an_orgs_name_for_a_skill_clears_the_cache(app_ctx, warm):
    """The skill filter and a course's facts show it."""
    from app.catalog.models import OrgSkillTranslation
    from app.platform.models import Skill

    org = make_org()
    skill = Skill(slug="cache-skill", name="Caching")
    db.session.add(skill)
    db.session.commit()
    first = warm()
    db.session.add(OrgSkillTranslation(org_id=org.id, skill_id=skill.id, locale_key="de", name="Zwischenspeichern"))
    db.session.commit()
    assert warm() is not first


def test_a_rolled_back_edit_and_unrelated_commits_keep_it(app_ctx, warm):
    org = make_org()
    product = make_product(org)
    db.session.commit()
    first = warm()
    product.name = "Never saved"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    org.name = "Org renamed"  # `org` is not storefront catalog data by this rule
    db.session.commit()
    assert warm() is first


class FakeRedis:
    """The generation as another process leaves it in Redis (``value``), or Redis down (``down``)."""

    def __init__(self) -> None:
        self.value, self.down, self.reads, self.bumps = 0, False, 0, 0

    def get(self, key):
        self.reads += 1
        if self.down:
            raise redis.ConnectionError("Connection refused")
        return str(self.value).encode()

    def incr(self, key):
        self.bumps += 1
        self.value += 1
        return self.value


@pytest.fixture
def shared(app, monkeypatch, warm):
    fake = FakeRedis()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://cache.example:6379/0")
    monkeypatch.setitem(app.config, "CACHE_GENERATION_CHECK_SECONDS", 0)
    monkeypatch.setattr(cache, "_redis", lambda url: fake)
    monkeypatch.setitem(cache._state, "checked_at", float("-inf"))
    return fake


def test_another_process_s_edit_clears_this_process_s_cache(app_ctx, shared, warm):
    first = warm()
    assert warm() is first
    shared.value += 1  # a commit in another process
    assert warm() is not first


def test_an_edit_here_tells_the_other_processes(app_ctx, shared, warm):
    org = make_org()
    product = make_product(org)
    db.session.commit()
    bumps = shared.bumps
    product.name = "Renamed"
    db.session.commit()
    assert shared.bumps == bumps + 1
    first = warm()
    assert warm() is first  # its own bump does not clear it again


def test_the_generation_is_read_at_most_every_check_interval(app, app_ctx, shared, warm):
    app.config["CACHE_GENERATION_CHECK_SECONDS"] = 60
    first = warm()
    for _ in range(50):
        assert warm() is first
    assert shared.reads == 1


def test_an_unreachable_redis_drops_entries_rather_than_serve_stale_ones(app_ctx, shared, warm):
    first = warm()
    shared.down = True
    assert warm() is not first
